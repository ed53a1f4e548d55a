/* The fault-injecting wrapper env used by the write-path suites. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fault_env.h"

typedef struct fault_file {
  pl_writable_wrapper w; /* first: the wrapper methods see a wrapper */
  fault_env *env;
} fault_file;

static pl_writable_methods with_write_at, without_write_at;

static int bump(int *counter) { return __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST); }

static void note(fault_env *f, char c) {
  int i = __atomic_fetch_add(&f->log_len, 1, __ATOMIC_SEQ_CST);
  if (i < (int)sizeof f->log - 1) f->log[i] = c;
}

static pl_status injected(const char *what) {
  return pl_error_set(PL_IO_ERROR, 5, "injected %s failure", what);
}

#define FF(file) ((fault_file *)(file))
#define TGT(file) (FF(file)->w.target)

static pl_status ff_append(pl_writable_file *file, const void *d, size_t n) {
  fault_env *f = FF(file)->env;
  if (bump(&f->appends) == f->fail_append_at) return injected("append");
  return pl_writable_append(TGT(file), d, n);
}

static pl_status ff_appendv(pl_writable_file *file, const pl_iovec *v, int c) {
  fault_env *f = FF(file)->env;
  if (bump(&f->appends) == f->fail_append_at) return injected("append");
  return pl_writable_appendv(TGT(file), v, c);
}

static pl_status ff_sync(pl_writable_file *file) {
  fault_env *f = FF(file)->env;
  note(f, 'S');
  if (bump(&f->syncs) == f->fail_sync_at) return injected("sync");
  return pl_writable_sync(TGT(file));
}

static pl_status ff_close(pl_writable_file *file) {
  pl_status s;
  note(FF(file)->env, 'C');
  s = pl_writable_close(TGT(file));
  free(file);
  return s;
}

static pl_status ff_write_at(pl_writable_file *file, uint64_t off, const void *d, size_t n) {
  fault_env *f = FF(file)->env;
  if (bump(&f->write_ats) == f->fail_write_at_at) return injected("write_at");
  return pl_writable_write_at(TGT(file), off, d, n);
}

static pl_status ff_allocate(pl_writable_file *file, uint64_t off, uint64_t len) {
  fault_env *f = FF(file)->env;
  if (f->allocate_status != PL_OK)
    return pl_error_set(f->allocate_status, 28, "injected allocate failure");
  return pl_writable_allocate(TGT(file), off, len);
}

static pl_status wrap(fault_env *f, pl_status s, pl_writable_file **o) {
  fault_file *ff;
  if (s != PL_OK) return s;
  ff = calloc(1, sizeof *ff);
  if (ff == NULL) {
    pl_writable_close(*o);
    *o = NULL;
    return pl_error_set(PL_IO_ERROR, 12, "out of memory");
  }
  ff->w.base.methods = f->no_write_at ? &without_write_at : &with_write_at;
  ff->w.target = *o;
  ff->env = f;
  *o = &ff->w.base;
  return PL_OK;
}

static pl_status fe_new_writable(pl_env *e, const char *p, const pl_writable_options *opt,
                                 pl_writable_file **o) {
  fault_env *f = (fault_env *)e;
  return wrap(f, pl_env_new_writable(f->base.target, p, opt, o), o);
}

static pl_status fe_new_appendable(pl_env *e, const char *p, const pl_writable_options *opt,
                                   pl_writable_file **o) {
  fault_env *f = (fault_env *)e;
  return wrap(f, pl_env_new_appendable(f->base.target, p, opt, o), o);
}

static pl_status fe_rename(pl_env *e, const char *a, const char *b) {
  fault_env *f = (fault_env *)e;
  note(f, 'R');
  if (bump(&f->renames) == f->fail_rename_at) return injected("rename");
  return pl_env_rename(f->base.target, a, b);
}

static pl_status fe_sync_dir(pl_env *e, const char *p) {
  fault_env *f = (fault_env *)e;
  note(f, 'D');
  bump(&f->sync_dirs);
  return pl_env_sync_dir(f->base.target, p);
}

void fault_env_init(fault_env *f) {
  memset(f, 0, sizeof *f);
  pl_env_wrapper_init(&f->base, pl_env_platform(), "fault");
  f->base.env.new_writable = fe_new_writable;
  f->base.env.new_appendable = fe_new_appendable;
  f->base.env.rename = fe_rename;
  f->base.env.sync_dir = fe_sync_dir;
  with_write_at = pl_writable_wrapper_methods;
  with_write_at.append = ff_append;
  with_write_at.appendv = ff_appendv;
  with_write_at.sync = ff_sync;
  with_write_at.close = ff_close;
  with_write_at.write_at = ff_write_at;
  with_write_at.allocate = ff_allocate;
  without_write_at = with_write_at;
  /* A version-1 table: write_at and allocate are not there. */
  without_write_at.version = 1;
  without_write_at.write_at = NULL;
}
