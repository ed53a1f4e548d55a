/* The platform env: the pl_env table assembled from env/'s shared pieces and
 * the backend chosen by configure. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "port/thread.h"

static pl_status p_new_sequential(pl_env *e, const char *path, pl_sequential_file **out) {
  return pl__sequential_open(path, out);
}

static pl_status p_new_random(pl_env *e, const char *path, pl_random_file **out) {
  return pl__random_open(path, out);
}

static pl_status p_new_writable(pl_env *e, const char *path, const pl_writable_options *opt,
                                pl_writable_file **out) {
  return pl__writable_open(e, path, PL__OPEN_TRUNCATE, opt, out);
}

static pl_status p_new_appendable(pl_env *e, const char *path, const pl_writable_options *opt,
                                  pl_writable_file **out) {
  return pl__writable_open(e, path, PL__OPEN_APPEND, opt, out);
}

static pl_status p_file_exists(pl_env *e, const char *path) { return pl__port_exists(path); }

static pl_status p_list_children(pl_env *e, const char *dir, pl_strlist *out) {
  return pl__port_list_dir(dir, out);
}

static pl_status p_remove_file(pl_env *e, const char *path) { return pl__port_remove_file(path); }
static pl_status p_create_dir(pl_env *e, const char *path) { return pl__port_create_dir(path); }
static pl_status p_remove_dir(pl_env *e, const char *path) { return pl__port_remove_dir(path); }

static pl_status p_file_size(pl_env *e, const char *path, uint64_t *size) {
  return pl__port_file_size(path, size);
}

static pl_status p_rename(pl_env *e, const char *from, const char *to) {
  return pl__port_rename(from, to);
}

static pl_status p_lock_file(pl_env *e, const char *path, pl_file_lock **out) {
  return pl__lock_acquire(e, path, out);
}

static pl_status p_unlock_file(pl_env *e, pl_file_lock *lock) { return pl__lock_release(lock); }

static pl_status p_sync_dir(pl_env *e, const char *path) { return pl__port_sync_dir(path); }

static void p_schedule(pl_env *e, void (*fn)(void *), void *arg) {
  pl__background_schedule(fn, arg);
}

static pl_status p_start_thread(pl_env *e, void (*fn)(void *), void *arg) {
  return pl__thread_create_detached(fn, arg);
}

static pl_status p_test_directory(pl_env *e, char *buf, size_t cap) {
  const char *dir = getenv("TEST_TMPDIR");
  pl_status s;
  if (dir != NULL && *dir != '\0') {
    if (strlen(dir) + 1 > cap)
      return pl_error_set(PL_INVALID_ARGUMENT, 0, "test directory: buffer too small");
    strcpy(buf, dir);
  } else {
    s = pl__port_temp_dir(buf, cap);
    if (s != PL_OK) return s;
  }
  return pl__port_create_dir(buf);
}

static pl_status p_new_logger(pl_env *e, const char *path, pl_logger **out) {
  pl_writable_file *f;
  pl_status s = pl__writable_open(e, path, PL__OPEN_TRUNCATE, NULL, &f);
  if (s != PL_OK) return s;
  s = pl_logger_from_writable(f, out);
  if (s != PL_OK) pl_writable_close(f);
  return s;
}

static uint64_t p_now_micros(pl_env *e) { return pl__port_now_micros(); }
static void p_sleep_micros(pl_env *e, uint64_t micros) { pl__port_sleep_micros(micros); }

static pl_env platform_env = {
    PL_ENV_VERSION,
    pl__port_name,
    p_new_sequential,
    p_new_random,
    p_new_writable,
    p_new_appendable,
    p_file_exists,
    p_list_children,
    p_remove_file,
    p_create_dir,
    p_remove_dir,
    p_file_size,
    p_rename,
    p_lock_file,
    p_unlock_file,
    p_sync_dir,
    p_schedule,
    p_start_thread,
    p_test_directory,
    p_new_logger,
    p_now_micros,
    p_sleep_micros,
};

pl_env *pl_env_platform(void) { return &platform_env; }
