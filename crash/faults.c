/* Fault injection beyond power loss: an env wrapper that makes chosen file
 * syncs fail with EIO (Linux semantics: the retry succeeds, the data of the
 * failed one is gone), and chosen writes fail with ENOSPC or come back
 * short. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/env_wrapper.h"
#include "port/thread.h"

struct pl_crash_faults {
  pl_env_wrapper base; /* first */
  pl_crash_fault *faults;
  int *seen; /* matching operations so far, per fault */
  size_t n;
  int injected;
  pl__mutex mu;
};

typedef struct fault_writable {
  pl_writable_wrapper w;
  pl_crash_faults *f;
  char *path;
} fault_writable;

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Returns the fault to inject for this operation, or NULL. */
static const pl_crash_fault *next_fault(pl_crash_faults *f, const char *path, int is_sync) {
  const pl_crash_fault *hit = NULL;
  size_t i;
  pl__mutex_lock(&f->mu);
  for (i = 0; i < f->n; i++) {
    const pl_crash_fault *x = &f->faults[i];
    if ((x->kind == PL_FAULT_SYNC_EIO) != is_sync) continue;
    if (x->suffix != NULL && !ends_with(path, x->suffix)) continue;
    if (++f->seen[i] == x->nth && hit == NULL) hit = x;
  }
  if (hit) f->injected++;
  pl__mutex_unlock(&f->mu);
  return hit;
}

static pl_status inject_write(fault_writable *w, const pl_crash_fault *x, const void *d, size_t n,
                              int at, uint64_t off) {
  if (x->kind == PL_FAULT_SHORT_WRITE && x->bytes > 0) {
    size_t part = x->bytes < n ? x->bytes : n;
    if (at) pl_writable_write_at(w->w.target, off, d, part);
    else pl_writable_append(w->w.target, d, part);
  }
  return pl_error_set(PL_IO_ERROR, ENOSPC, "%s: No space left on device (injected%s)", w->path,
                      x->kind == PL_FAULT_SHORT_WRITE ? ", after a short write" : "");
}

static pl_status fw_append(pl_writable_file *f, const void *d, size_t n) {
  fault_writable *w = (fault_writable *)f;
  const pl_crash_fault *x = next_fault(w->f, w->path, 0);
  if (x) return inject_write(w, x, d, n, 0, 0);
  return pl_writable_append(w->w.target, d, n);
}

static pl_status fw_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  fault_writable *w = (fault_writable *)f;
  const pl_crash_fault *x = next_fault(w->f, w->path, 0);
  if (x) {
    /* Injected on the first piece: what a short write of the whole would
     * store first. */
    return inject_write(w, x, cnt > 0 ? iov[0].base : "", cnt > 0 ? iov[0].len : 0, 0, 0);
  }
  return pl_writable_appendv(w->w.target, iov, cnt);
}

static pl_status fw_write_at(pl_writable_file *f, uint64_t off, const void *d, size_t n) {
  fault_writable *w = (fault_writable *)f;
  const pl_crash_fault *x = next_fault(w->f, w->path, 0);
  if (x) return inject_write(w, x, d, n, 1, off);
  return pl_writable_write_at(w->w.target, off, d, n);
}

static pl_status fw_sync(pl_writable_file *f) {
  fault_writable *w = (fault_writable *)f;
  const pl_crash_fault *x = next_fault(w->f, w->path, 1);
  /* Linux reports the writeback error once and marks the pages clean: the
   * next sync has nothing to write and succeeds.  So the failed sync is
   * not forwarded and the next one is, unchanged. */
  if (x) return pl_error_set(PL_IO_ERROR, EIO, "%s: Input/output error (injected fsync failure)", w->path);
  return pl_writable_sync(w->w.target);
}

static pl_status fw_close(pl_writable_file *f) {
  fault_writable *w = (fault_writable *)f;
  pl_status s = pl_writable_close(w->w.target);
  free(w->path);
  free(w);
  return s;
}

static pl_writable_methods fault_methods;
static pl__once fault_once = PL__ONCE_INIT;

static void init_fault_methods(void) {
  fault_methods = pl_writable_wrapper_methods;
  fault_methods.append = fw_append;
  fault_methods.appendv = fw_appendv;
  fault_methods.write_at = fw_write_at;
  fault_methods.sync = fw_sync;
  fault_methods.close = fw_close;
}

static pl_status wrap(pl_crash_faults *fe, const char *path, pl_writable_file *t, pl_writable_file **out) {
  fault_writable *w = calloc(1, sizeof *w);
  if (w == NULL || (w->path = strdup(path)) == NULL) {
    free(w);
    pl_writable_close(t);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  pl__once_run(&fault_once, init_fault_methods);
  w->w.base.methods = &fault_methods;
  w->w.target = t;
  w->f = fe;
  *out = &w->w.base;
  return PL_OK;
}

static pl_status f_new_writable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  pl_crash_faults *fe = (pl_crash_faults *)e;
  pl_writable_options copy;
  pl_writable_file *t;
  pl_status s = pl_env_new_writable(fe->base.target, p, pl_env_wrapper_options(e, o, &copy), &t);
  if (s != PL_OK) return s;
  return wrap(fe, p, t, out);
}

static pl_status f_new_appendable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  pl_crash_faults *fe = (pl_crash_faults *)e;
  pl_writable_options copy;
  pl_writable_file *t;
  pl_status s = pl_env_new_appendable(fe->base.target, p, pl_env_wrapper_options(e, o, &copy), &t);
  if (s != PL_OK) return s;
  return wrap(fe, p, t, out);
}

pl_status pl_crash_faults_new(pl_env *target, const pl_crash_fault *faults, size_t nfaults,
                              pl_crash_faults **out) {
  pl_crash_faults *f = calloc(1, sizeof *f);
  size_t i;
  *out = NULL;
  if (f == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "faults: out of memory");
  f->faults = calloc(nfaults + 1, sizeof *f->faults);
  f->seen = calloc(nfaults + 1, sizeof *f->seen);
  if (f->faults == NULL || f->seen == NULL) {
    free(f->faults);
    free(f->seen);
    free(f);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "faults: out of memory");
  }
  for (i = 0; i < nfaults; i++) {
    if (faults[i].kind < PL_FAULT_SYNC_EIO || faults[i].kind > PL_FAULT_SHORT_WRITE || faults[i].nth < 1) {
      free(f->faults);
      free(f->seen);
      free(f);
      return pl_error_set(PL_INVALID_ARGUMENT, 0, "faults: fault %lu is malformed", (unsigned long)i);
    }
    f->faults[i] = faults[i];
  }
  f->n = nfaults;
  pl__mutex_init(&f->mu);
  pl_env_wrapper_init(&f->base, target, "faults");
  f->base.env.new_writable = f_new_writable;
  f->base.env.new_appendable = f_new_appendable;
  *out = f;
  return PL_OK;
}

pl_env *pl_crash_faults_env(pl_crash_faults *f) { return &f->base.env; }

int pl_crash_faults_injected(pl_crash_faults *f) {
  int n;
  pl__mutex_lock(&f->mu);
  n = f->injected;
  pl__mutex_unlock(&f->mu);
  return n;
}

void pl_crash_faults_free(pl_crash_faults *f) {
  if (f == NULL) return;
  pl__mutex_destroy(&f->mu);
  free(f->faults);
  free(f->seen);
  free(f);
}
