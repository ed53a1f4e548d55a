/* Forwarding env and writable file: every method passes straight to the
 * target, so a wrapper overrides only what it changes. */
#include "config.h"

#include <stdlib.h>

#include "plinth/env_wrapper.h"

#define TARGET(e) (((pl_env_wrapper *)(e))->target)

static pl_status f_new_sequential(pl_env *e, const char *p, pl_sequential_file **o) { return pl_env_new_sequential(TARGET(e), p, o); }
static pl_status f_new_random(pl_env *e, const char *p, pl_random_file **o) { return pl_env_new_random(TARGET(e), p, o); }
const pl_writable_options *pl_env_wrapper_options(pl_env *self, const pl_writable_options *opt,
                                                  pl_writable_options *copy) {
  if (opt != NULL) *copy = *opt;
  else pl_writable_options_init(copy);
  if (copy->dir_env == NULL) copy->dir_env = self;
  return copy;
}

static pl_status f_new_writable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  pl_writable_options copy;
  return pl_env_new_writable(TARGET(e), p, pl_env_wrapper_options(e, opt, &copy), o);
}
static pl_status f_new_appendable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  pl_writable_options copy;
  return pl_env_new_appendable(TARGET(e), p, pl_env_wrapper_options(e, opt, &copy), o);
}
static pl_status f_file_exists(pl_env *e, const char *p) { return pl_env_file_exists(TARGET(e), p); }
static pl_status f_list_children(pl_env *e, const char *d, pl_strlist *o) { return pl_env_list_children(TARGET(e), d, o); }
static pl_status f_remove_file(pl_env *e, const char *p) { return pl_env_remove_file(TARGET(e), p); }
static pl_status f_create_dir(pl_env *e, const char *p) { return pl_env_create_dir(TARGET(e), p); }
static pl_status f_remove_dir(pl_env *e, const char *p) { return pl_env_remove_dir(TARGET(e), p); }
static pl_status f_file_size(pl_env *e, const char *p, uint64_t *s) { return pl_env_file_size(TARGET(e), p, s); }
static pl_status f_rename(pl_env *e, const char *a, const char *b) { return pl_env_rename(TARGET(e), a, b); }
static pl_status f_lock_file(pl_env *e, const char *p, pl_file_lock **o) { return pl_env_lock_file(TARGET(e), p, o); }
static pl_status f_unlock_file(pl_env *e, pl_file_lock *l) { return pl_env_unlock_file(TARGET(e), l); }
static pl_status f_sync_dir(pl_env *e, const char *p) { return pl_env_sync_dir(TARGET(e), p); }
static void f_schedule(pl_env *e, void (*fn)(void *), void *a) { pl_env_schedule(TARGET(e), fn, a); }
static pl_status f_start_thread(pl_env *e, void (*fn)(void *), void *a) { return pl_env_start_thread(TARGET(e), fn, a); }
static pl_status f_test_directory(pl_env *e, char *b, size_t c) { return pl_env_test_directory(TARGET(e), b, c); }
static pl_status f_new_logger(pl_env *e, const char *p, pl_logger **o) { return pl_env_new_logger(TARGET(e), p, o); }
static uint64_t f_now_micros(pl_env *e) { return pl_env_now_micros(TARGET(e)); }
static void f_sleep_micros(pl_env *e, uint64_t us) { pl_env_sleep_micros(TARGET(e), us); }

void pl_env_wrapper_init(pl_env_wrapper *w, pl_env *target, const char *name) {
  pl_env *e = &w->env;
  w->target = target;
  e->version = PL_ENV_VERSION;
  e->name = name;
  e->new_sequential = f_new_sequential;
  e->new_random = f_new_random;
  e->new_writable = f_new_writable;
  e->new_appendable = f_new_appendable;
  e->file_exists = f_file_exists;
  e->list_children = f_list_children;
  e->remove_file = f_remove_file;
  e->create_dir = f_create_dir;
  e->remove_dir = f_remove_dir;
  e->file_size = f_file_size;
  e->rename = f_rename;
  e->lock_file = f_lock_file;
  e->unlock_file = f_unlock_file;
  e->sync_dir = f_sync_dir;
  e->schedule = f_schedule;
  e->start_thread = f_start_thread;
  e->test_directory = f_test_directory;
  e->new_logger = f_new_logger;
  e->now_micros = f_now_micros;
  e->sleep_micros = f_sleep_micros;
}

#define WTARGET(f) (((pl_writable_wrapper *)(f))->target)

static pl_status fw_append(pl_writable_file *f, const void *d, size_t n) { return pl_writable_append(WTARGET(f), d, n); }
static pl_status fw_appendv(pl_writable_file *f, const pl_iovec *v, int c) { return pl_writable_appendv(WTARGET(f), v, c); }
static pl_status fw_flush(pl_writable_file *f) { return pl_writable_flush(WTARGET(f)); }
static pl_status fw_sync(pl_writable_file *f) { return pl_writable_sync(WTARGET(f)); }
static pl_status fw_close(pl_writable_file *f) {
  pl_status s = pl_writable_close(WTARGET(f));
  free(f);
  return s;
}
static uint64_t fw_tell(pl_writable_file *f) { return pl_writable_tell(WTARGET(f)); }
static void fw_stats(pl_writable_file *f, pl_writable_stats *s) { pl_writable_stats_get(WTARGET(f), s); }
static pl_status fw_write_at(pl_writable_file *f, uint64_t off, const void *d, size_t n) { return pl_writable_write_at(WTARGET(f), off, d, n); }
static pl_status fw_allocate(pl_writable_file *f, uint64_t off, uint64_t len) { return pl_writable_allocate(WTARGET(f), off, len); }

const pl_writable_methods pl_writable_wrapper_methods = {
    1, fw_append, fw_appendv, fw_flush, fw_sync, fw_close,
    fw_tell, fw_stats, fw_write_at, fw_allocate};
