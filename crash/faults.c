/* Fault injection beyond power loss: an env wrapper that makes chosen file
 * syncs fail with EIO (Linux semantics: the retry succeeds, the data of the
 * failed one is gone), chosen writes fail with ENOSPC or EIO or come back
 * short, chosen renames fail; that can take away write_at or make allocate
 * answer a chosen status; and that counts the operations it forwards and
 * logs the order of the durable ones. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/env_wrapper.h"
#include "port/thread.h"

/* The operations faults are counted on. */
enum { OP_APPEND, OP_WRITE_AT, OP_SYNC, OP_RENAME };

typedef struct planned {
  pl_crash_fault fault;
  int seen; /* matching operations since the fault was added */
} planned;

struct pl_crash_faults {
  pl_env_wrapper base; /* first */
  planned *faults;
  size_t n, cap;
  int no_write_at;
  pl_status allocate_status;
  pl_crash_faults_stats stats;
  char ops[64];
  size_t nops;
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

static int kind_counts(int kind, int op) {
  switch (kind) {
    case PL_FAULT_SYNC_EIO: return op == OP_SYNC;
    case PL_FAULT_ENOSPC:
    case PL_FAULT_SHORT_WRITE: return op == OP_APPEND || op == OP_WRITE_AT;
    case PL_FAULT_APPEND_EIO: return op == OP_APPEND;
    case PL_FAULT_WRITE_AT_EIO: return op == OP_WRITE_AT;
    case PL_FAULT_RENAME_EIO: return op == OP_RENAME;
    default: return 0;
  }
}

/* Counts the operation (and logs it as letter, if not 0) and returns the
 * fault to inject for it, or 0 (kind). */
static pl_crash_fault next_fault(pl_crash_faults *f, const char *path, int op, int *counter, char letter) {
  pl_crash_fault hit;
  size_t i;
  memset(&hit, 0, sizeof hit);
  pl__mutex_lock(&f->mu);
  (*counter)++;
  if (letter && f->nops < sizeof f->ops - 1) f->ops[f->nops++] = letter;
  for (i = 0; i < f->n; i++) {
    planned *x = &f->faults[i];
    if (!kind_counts(x->fault.kind, op)) continue;
    if (x->fault.suffix != NULL && !ends_with(path, x->fault.suffix)) continue;
    if (++x->seen == x->fault.nth && hit.kind == 0) hit = x->fault;
  }
  if (hit.kind != 0) f->stats.injected++;
  pl__mutex_unlock(&f->mu);
  return hit;
}

static pl_status injected_eio(const char *path, const char *what) {
  return pl_error_set(PL_IO_ERROR, EIO, "%s: Input/output error (injected %s failure)", path, what);
}

static pl_status inject_write(fault_writable *w, const pl_crash_fault *x, const void *d, size_t n,
                              int at, uint64_t off) {
  if (x->kind == PL_FAULT_APPEND_EIO) return injected_eio(w->path, "append");
  if (x->kind == PL_FAULT_WRITE_AT_EIO) return injected_eio(w->path, "write_at");
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
  pl_crash_fault x = next_fault(w->f, w->path, OP_APPEND, &w->f->stats.appends, 0);
  if (x.kind) return inject_write(w, &x, d, n, 0, 0);
  return pl_writable_append(w->w.target, d, n);
}

static pl_status fw_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  fault_writable *w = (fault_writable *)f;
  pl_crash_fault x = next_fault(w->f, w->path, OP_APPEND, &w->f->stats.appends, 0);
  if (x.kind) {
    /* Injected on the first piece: what a short write of the whole would
     * store first. */
    return inject_write(w, &x, cnt > 0 ? iov[0].base : "", cnt > 0 ? iov[0].len : 0, 0, 0);
  }
  return pl_writable_appendv(w->w.target, iov, cnt);
}

static pl_status fw_write_at(pl_writable_file *f, uint64_t off, const void *d, size_t n) {
  fault_writable *w = (fault_writable *)f;
  pl_crash_fault x = next_fault(w->f, w->path, OP_WRITE_AT, &w->f->stats.write_ats, 0);
  if (x.kind) return inject_write(w, &x, d, n, 1, off);
  return pl_writable_write_at(w->w.target, off, d, n);
}

static pl_status fw_sync(pl_writable_file *f) {
  fault_writable *w = (fault_writable *)f;
  pl_crash_fault x = next_fault(w->f, w->path, OP_SYNC, &w->f->stats.syncs, 'S');
  /* Linux reports the writeback error once and marks the pages clean: the
   * next sync has nothing to write and succeeds.  So the failed sync is
   * not forwarded and the next one is, unchanged. */
  if (x.kind) return injected_eio(w->path, "sync");
  return pl_writable_sync(w->w.target);
}

static pl_status fw_allocate(pl_writable_file *f, uint64_t off, uint64_t len) {
  fault_writable *w = (fault_writable *)f;
  pl_status s;
  pl__mutex_lock(&w->f->mu);
  s = w->f->allocate_status;
  pl__mutex_unlock(&w->f->mu);
  if (s != PL_OK)
    return pl_error_set(s, s == PL_NOT_SUPPORTED ? 0 : ENOSPC, "%s: injected allocate failure", w->path);
  return pl_writable_allocate(w->w.target, off, len);
}

static pl_status fw_close(pl_writable_file *f) {
  fault_writable *w = (fault_writable *)f;
  pl_status s;
  next_fault(w->f, w->path, -1, &w->f->stats.closes, 'C');
  s = pl_writable_close(w->w.target);
  free(w->path);
  free(w);
  return s;
}

static pl_writable_methods fault_methods, fault_methods_no_write_at;
static pl__once fault_once = PL__ONCE_INIT;

static void init_fault_methods(void) {
  fault_methods = pl_writable_wrapper_methods;
  fault_methods.append = fw_append;
  fault_methods.appendv = fw_appendv;
  fault_methods.write_at = fw_write_at;
  fault_methods.sync = fw_sync;
  fault_methods.allocate = fw_allocate;
  fault_methods.close = fw_close;
  fault_methods_no_write_at = fault_methods;
  /* A version-1 table: write_at and allocate are not there. */
  fault_methods_no_write_at.version = 1;
  fault_methods_no_write_at.write_at = NULL;
  fault_methods_no_write_at.allocate = NULL;
}

static pl_status wrap(pl_crash_faults *fe, const char *path, pl_writable_file *t, pl_writable_file **out) {
  fault_writable *w = calloc(1, sizeof *w);
  int no_write_at;
  if (w == NULL || (w->path = strdup(path)) == NULL) {
    free(w);
    pl_writable_close(t);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  pl__once_run(&fault_once, init_fault_methods);
  pl__mutex_lock(&fe->mu);
  no_write_at = fe->no_write_at;
  pl__mutex_unlock(&fe->mu);
  w->w.base.methods = no_write_at ? &fault_methods_no_write_at : &fault_methods;
  w->w.target = t;
  w->f = fe;
  *out = &w->w.base;
  return PL_OK;
}

/* Opens p on the target (its directory syncs coming back through this env,
 * so they are counted and logged) and wraps the file. */
static pl_status open_wrapped(pl_env *e, const char *p, const pl_writable_options *o, int appendable,
                              pl_writable_file **out) {
  pl_crash_faults *fe = (pl_crash_faults *)e;
  pl_writable_options copy;
  const pl_writable_options *opt = pl_env_wrapper_options(e, o, &copy);
  pl_writable_file *t;
  pl_status s = appendable ? pl_env_new_appendable(fe->base.target, p, opt, &t)
                           : pl_env_new_writable(fe->base.target, p, opt, &t);
  if (s != PL_OK) return s;
  return wrap(fe, p, t, out);
}

static pl_status f_new_writable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  return open_wrapped(e, p, o, 0, out);
}

static pl_status f_new_appendable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  return open_wrapped(e, p, o, 1, out);
}

static pl_status f_rename(pl_env *e, const char *from, const char *to) {
  pl_crash_faults *fe = (pl_crash_faults *)e;
  pl_crash_fault x = next_fault(fe, to, OP_RENAME, &fe->stats.renames, 'R');
  if (x.kind)
    return pl_error_set(PL_IO_ERROR, EIO, "%s -> %s: Input/output error (injected rename failure)", from, to);
  return pl_env_rename(fe->base.target, from, to);
}

static pl_status f_sync_dir(pl_env *e, const char *dir) {
  pl_crash_faults *fe = (pl_crash_faults *)e;
  next_fault(fe, dir, -1, &fe->stats.sync_dirs, 'D');
  return pl_env_sync_dir(fe->base.target, dir);
}

static int malformed(const pl_crash_fault *x) {
  return x->kind < PL_FAULT_SYNC_EIO || x->kind > PL_FAULT_RENAME_EIO || x->nth < 1;
}

/* Appends faults to f's list.  REQUIRES: f->mu held, or f not shared yet. */
static pl_status add_faults(pl_crash_faults *f, const pl_crash_fault *faults, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (malformed(&faults[i]))
      return pl_error_set(PL_INVALID_ARGUMENT, 0, "faults: fault %lu is malformed", (unsigned long)i);
  if (f->n + n > f->cap) {
    size_t cap = f->n + n + 4;
    planned *p = realloc(f->faults, cap * sizeof *p);
    if (p == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "faults: out of memory");
    f->faults = p;
    f->cap = cap;
  }
  for (i = 0; i < n; i++) {
    f->faults[f->n].fault = faults[i];
    f->faults[f->n].seen = 0;
    f->n++;
  }
  return PL_OK;
}

pl_status pl_crash_faults_new(pl_env *target, const pl_crash_fault *faults, size_t nfaults,
                              pl_crash_faults **out) {
  pl_crash_faults *f = calloc(1, sizeof *f);
  pl_status s;
  *out = NULL;
  if (f == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "faults: out of memory");
  s = add_faults(f, faults, nfaults);
  if (s != PL_OK) {
    free(f->faults);
    free(f);
    return s;
  }
  pl__mutex_init(&f->mu);
  pl_env_wrapper_init(&f->base, target, "faults");
  f->base.env.new_writable = f_new_writable;
  f->base.env.new_appendable = f_new_appendable;
  f->base.env.rename = f_rename;
  f->base.env.sync_dir = f_sync_dir;
  *out = f;
  return PL_OK;
}

pl_status pl_crash_faults_add(pl_crash_faults *f, const pl_crash_fault *fault) {
  pl_status s;
  pl__mutex_lock(&f->mu);
  s = add_faults(f, fault, 1);
  pl__mutex_unlock(&f->mu);
  return s;
}

void pl_crash_faults_set_write_at(pl_crash_faults *f, int available) {
  pl__mutex_lock(&f->mu);
  f->no_write_at = !available;
  pl__mutex_unlock(&f->mu);
}

void pl_crash_faults_set_allocate(pl_crash_faults *f, pl_status status) {
  pl__mutex_lock(&f->mu);
  f->allocate_status = status;
  pl__mutex_unlock(&f->mu);
}

pl_env *pl_crash_faults_env(pl_crash_faults *f) { return &f->base.env; }

int pl_crash_faults_injected(pl_crash_faults *f) {
  int n;
  pl__mutex_lock(&f->mu);
  n = f->stats.injected;
  pl__mutex_unlock(&f->mu);
  return n;
}

void pl_crash_faults_stats_get(pl_crash_faults *f, pl_crash_faults_stats *out) {
  pl__mutex_lock(&f->mu);
  *out = f->stats;
  pl__mutex_unlock(&f->mu);
}

void pl_crash_faults_ops(pl_crash_faults *f, char *buf, size_t cap) {
  size_t n;
  if (cap == 0) return;
  pl__mutex_lock(&f->mu);
  n = f->nops < cap - 1 ? f->nops : cap - 1;
  memcpy(buf, f->ops, n);
  pl__mutex_unlock(&f->mu);
  buf[n] = '\0';
}

void pl_crash_faults_free(pl_crash_faults *f) {
  if (f == NULL) return;
  pl__mutex_destroy(&f->mu);
  free(f->faults);
  free(f);
}
