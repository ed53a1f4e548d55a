/* Whole-file helpers (write, read, atomic replace) and the forwarding
 * wrappers they are meant to work under. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tests/test_util.h"

static char dir[1024];
static char path[1200];
static pl_env *env;

static void setup(void) {
  env = pl_test_env();
  pl_test_fresh_file(dir, sizeof dir, path, sizeof path, "file_util", "CURRENT");
}
static void teardown(void) { pl_test_remove_tree(dir); }

static void expect_contents(const char *p, const char *want) {
  char *data;
  size_t n;
  ck_assert_pl_ok(pl_file_read_all(env, p, &data, &n));
  ck_assert_uint_eq(n, strlen(want));
  ck_assert_str_eq(data, want);
  free(data);
}

static void expect_only_entry(const char *name) {
  pl_strlist l;
  ck_assert_pl_ok(pl_env_list_children(env, dir, &l));
  ck_assert_uint_eq(l.count, 1);
  ck_assert_str_eq(l.items[0], name);
  pl_strlist_free(&l);
}

START_TEST(write_all_then_read_all_round_trips) {
  static char big[300000];
  char *data;
  size_t n, i;
  for (i = 0; i < sizeof big; i++) big[i] = (char)(i % 251);
  ck_assert_pl_ok(pl_file_write_all(env, path, big, sizeof big, 0));
  ck_assert_pl_ok(pl_file_read_all(env, path, &data, &n));
  ck_assert_uint_eq(n, sizeof big);
  ck_assert(memcmp(data, big, n) == 0);
  ck_assert_int_eq(data[n], '\0');
  free(data);
}
END_TEST

START_TEST(read_all_of_missing_file_is_not_found_and_empty) {
  char *data = (char *)1;
  size_t n = 9;
  ck_assert_int_eq(pl_file_read_all(env, path, &data, &n), PL_NOT_FOUND);
  ck_assert_ptr_null(data);
  ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(replace_creates_then_replaces_contents_leaving_no_temporary) {
  ck_assert_pl_ok(pl_file_replace(env, path, "MANIFEST-000001\n", 16));
  expect_contents(path, "MANIFEST-000001\n");
  ck_assert_pl_ok(pl_file_replace(env, path, "MANIFEST-000002\n", 16));
  expect_contents(path, "MANIFEST-000002\n");
  expect_only_entry("CURRENT");
}
END_TEST

START_TEST(replace_into_missing_directory_is_not_found) {
  char p[1400];
  snprintf(p, sizeof p, "%s/missing/CURRENT", dir);
  ck_assert_int_eq(pl_file_replace(env, p, "x", 1), PL_NOT_FOUND);
}
END_TEST

START_TEST(remove_tree_removes_nested_files_and_directories) {
  char sub[1300], deep[1400], f[1500];
  pl_test_path(sub, sizeof sub, dir, "sub");
  pl_test_path(deep, sizeof deep, sub, "deeper");
  ck_assert_pl_ok(pl_env_create_dir(env, sub));
  ck_assert_pl_ok(pl_env_create_dir(env, deep));
  ck_assert_pl_ok(pl_file_write_all(env, pl_test_path(f, sizeof f, sub, "a"), "a", 1, 0));
  ck_assert_pl_ok(pl_file_write_all(env, pl_test_path(f, sizeof f, deep, "b"), "b", 1, 0));
  ck_assert_pl_ok(pl_file_write_all(env, path, "keep", 4, 0));
  ck_assert_pl_ok(pl_file_remove_tree(env, sub));
  ck_assert_int_eq(pl_env_file_exists(env, sub), PL_NOT_FOUND);
  expect_only_entry("CURRENT");
  ck_assert_int_eq(pl_file_remove_tree(env, sub), PL_NOT_FOUND);
}
END_TEST

START_TEST(clear_dir_empties_but_keeps_the_directory) {
  char sub[1300], f[1400];
  pl_test_path(sub, sizeof sub, dir, "sub");
  ck_assert_pl_ok(pl_env_create_dir(env, sub));
  ck_assert_pl_ok(pl_file_write_all(env, pl_test_path(f, sizeof f, sub, "x"), "x", 1, 0));
  ck_assert_pl_ok(pl_file_clear_dir(env, dir));
  ck_assert_pl_ok(pl_env_file_exists(env, dir));
  {
    pl_strlist l;
    ck_assert_pl_ok(pl_env_list_children(env, dir, &l));
    ck_assert_uint_eq(l.count, 0);
    pl_strlist_free(&l);
  }
}
END_TEST

/* A wrapper that counts removes and forwards everything else. */
typedef struct counting_env {
  pl_env_wrapper base;
  int removes;
} counting_env;

static pl_status counting_remove(pl_env *e, const char *p) {
  counting_env *c = (counting_env *)e;
  c->removes++;
  return pl_env_remove_file(c->base.target, p);
}

START_TEST(wrapper_overrides_one_method_and_forwards_the_rest) {
  counting_env c;
  pl_env *w = &c.base.env;
  char *data;
  size_t n;
  pl_file_lock *l;
  char lockp[1300];
  pl_env_wrapper_init(&c.base, env, "counting");
  c.base.env.remove_file = counting_remove;
  c.removes = 0;
  ck_assert_str_eq(w->name, "counting");
  ck_assert_int_eq(w->version, PL_ENV_VERSION);
  ck_assert_pl_ok(pl_file_replace(w, path, "via wrapper", 11));
  ck_assert_pl_ok(pl_file_read_all(w, path, &data, &n));
  ck_assert_str_eq(data, "via wrapper");
  free(data);
  ck_assert_pl_ok(pl_env_remove_file(w, path));
  ck_assert_int_eq(c.removes, 1);
  ck_assert_int_eq(pl_env_file_exists(w, path), PL_NOT_FOUND);
  pl_test_path(lockp, sizeof lockp, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(w, lockp, &l));
  ck_assert_pl_ok(pl_env_unlock_file(w, l));
  ck_assert_uint_gt(pl_env_now_micros(w), 0);
}
END_TEST

/* A writable wrapper that upper-cases appended text. */
static pl_status upper_append(pl_writable_file *f, const void *d, size_t n) {
  char buf[64];
  size_t i;
  for (i = 0; i < n && i < sizeof buf; i++) {
    char c = ((const char *)d)[i];
    buf[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  return pl_writable_append(((pl_writable_wrapper *)f)->target, buf, i);
}

START_TEST(writable_wrapper_forwards_all_but_its_override) {
  pl_writable_methods m = pl_writable_wrapper_methods;
  pl_writable_wrapper *w = malloc(sizeof *w);
  pl_writable_stats st;
  m.append = upper_append;
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &w->target));
  w->base.methods = &m;
  ck_assert_pl_ok(pl_writable_append(&w->base, "abc", 3));
  ck_assert_pl_ok(pl_writable_appendf(&w->base, "-%d", 7));
  ck_assert_uint_eq(pl_writable_tell(&w->base), 5);
  ck_assert_pl_ok(pl_writable_sync(&w->base));
  pl_writable_stats_get(&w->base, &st);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_pl_ok(pl_writable_close(&w->base));
  expect_contents(path, "ABC-7");
}
END_TEST

static int ran_count;

static void note_ran(void *arg) {
  (void)arg;
  __atomic_add_fetch(&ran_count, 1, __ATOMIC_SEQ_CST);
}

START_TEST(wrapper_forwards_directories_threads_loggers_and_appendable_files) {
  pl_env_wrapper w;
  pl_env *e = &w.env;
  char sub[1300], logp[1300], tdir[1024], *data;
  size_t n;
  uint64_t size = 0;
  int waited;
  pl_strlist names = {0};
  pl_writable_file *f;
  pl_logger *lg;
  pl_env_wrapper_init(&w, env, "plain");
  pl_test_path(sub, sizeof sub, dir, "sub");
  ck_assert_pl_ok(pl_env_create_dir(e, sub));
  ck_assert_pl_ok(pl_env_list_children(e, dir, &names));
  ck_assert_uint_eq(names.count, 1);
  ck_assert_str_eq(names.items[0], "sub");
  pl_strlist_free(&names);
  ck_assert_pl_ok(pl_env_remove_dir(e, sub));
  ck_assert_int_eq(pl_env_file_exists(env, sub), PL_NOT_FOUND);
  ck_assert_pl_ok(pl_file_write_all(e, path, "ab", 2, 0));
  ck_assert_pl_ok(pl_env_new_appendable(e, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "cd", 2));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_file_size(e, path, &size));
  ck_assert_uint_eq(size, 4);
  pl_test_path(logp, sizeof logp, dir, "LOG");
  ck_assert_pl_ok(pl_env_new_logger(e, logp, &lg));
  pl_logger_log(lg, "hello %d", 42);
  lg->methods->close(lg);
  ck_assert_pl_ok(pl_file_read_all(env, logp, &data, &n));
  ck_assert_ptr_nonnull(strstr(data, "hello 42\n"));
  free(data);
  ck_assert_pl_ok(pl_env_test_directory(e, tdir, sizeof tdir));
  ck_assert_uint_gt(strlen(tdir), 0);
  pl_env_schedule(e, note_ran, NULL);
  ck_assert_pl_ok(pl_env_start_thread(e, note_ran, NULL));
  for (waited = 0; __atomic_load_n(&ran_count, __ATOMIC_SEQ_CST) < 2 && waited < 5000; waited++)
    pl_env_sleep_micros(e, 1000);
  ck_assert_int_eq(__atomic_load_n(&ran_count, __ATOMIC_SEQ_CST), 2);
}
END_TEST

START_TEST(writable_wrapper_forwards_positional_writes_flush_and_allocate) {
  pl_writable_wrapper *w = malloc(sizeof *w);
  pl_status st;
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &w->target));
  w->base.methods = &pl_writable_wrapper_methods;
  ck_assert_pl_ok(pl_writable_append(&w->base, "xxxxyz", 6));
  ck_assert_pl_ok(pl_writable_flush(&w->base));
  /* within the file's size: the contents and size stay (NotSupported
   * where the file system cannot reserve space) */
  st = pl_writable_allocate(&w->base, 0, 6);
  ck_assert_msg(st == PL_OK || st == PL_NOT_SUPPORTED, "%s", pl_error_message());
  ck_assert_pl_ok(pl_writable_write_at(&w->base, 1, "AB", 2));
  ck_assert_pl_ok(pl_writable_close(&w->base));
  expect_contents(path, "xABxyz");
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "file_util", "file_util", setup, teardown, 0);
  tcase_add_test(tc, write_all_then_read_all_round_trips);
  tcase_add_test(tc, read_all_of_missing_file_is_not_found_and_empty);
  tcase_add_test(tc, replace_creates_then_replaces_contents_leaving_no_temporary);
  tcase_add_test(tc, replace_into_missing_directory_is_not_found);
  tcase_add_test(tc, remove_tree_removes_nested_files_and_directories);
  tcase_add_test(tc, clear_dir_empties_but_keeps_the_directory);
  tcase_add_test(tc, wrapper_overrides_one_method_and_forwards_the_rest);
  tcase_add_test(tc, writable_wrapper_forwards_all_but_its_override);
  PL_TEST_PLATFORM_ONLY(tc, wrapper_forwards_directories_threads_loggers_and_appendable_files,
                        "platform env: loggers, threads, test directory");
  PL_TEST_PLATFORM_ONLY(tc, writable_wrapper_forwards_positional_writes_flush_and_allocate,
                        "platform env: positional writes");
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
