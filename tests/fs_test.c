/* Name operations on the platform env: exists, list, remove, directories,
 * sizes, atomic rename and the test directory. */
#include "config.h"

#include <stdlib.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "tests/test_util.h"

static char dir[1024];
static pl_env *env;

static void setup(void) {
  env = pl_test_env();
  pl_test_fresh_dir(dir, sizeof dir, "fs");
}
static void teardown(void) { pl_test_remove_tree(dir); }

static const char *in_dir(char *buf, size_t cap, const char *name) {
  return pl_test_path(buf, cap, dir, name);
}

START_TEST(file_exists_tells_files_and_directories_from_nothing) {
  char p[1300];
  ck_assert_pl_ok(pl_env_file_exists(env, dir));
  ck_assert_int_eq(pl_env_file_exists(env, in_dir(p, sizeof p, "f")), PL_NOT_FOUND);
  ck_assert_pl_ok(pl_file_write_all(env, p, "x", 1, 0));
  ck_assert_pl_ok(pl_env_file_exists(env, p));
}
END_TEST

static int has(const pl_strlist *l, const char *name) {
  size_t i;
  for (i = 0; i < l->count; i++)
    if (strcmp(l->items[i], name) == 0) return 1;
  return 0;
}

START_TEST(list_children_names_every_entry_without_dots) {
  char p[1300];
  pl_strlist l;
  ck_assert_pl_ok(pl_env_list_children(env, dir, &l));
  ck_assert_uint_eq(l.count, 0);
  pl_strlist_free(&l);
  ck_assert_pl_ok(pl_file_write_all(env, in_dir(p, sizeof p, "a"), "", 0, 0));
  ck_assert_pl_ok(pl_file_write_all(env, in_dir(p, sizeof p, "b"), "", 0, 0));
  ck_assert_pl_ok(pl_env_create_dir(env, in_dir(p, sizeof p, "sub")));
  ck_assert_pl_ok(pl_env_list_children(env, dir, &l));
  ck_assert_uint_eq(l.count, 3);
  ck_assert(has(&l, "a") && has(&l, "b") && has(&l, "sub"));
  ck_assert(!has(&l, ".") && !has(&l, ".."));
  pl_strlist_free(&l);
  ck_assert_uint_eq(l.count, 0);
  ck_assert_ptr_null(l.items);
}
END_TEST

START_TEST(list_children_of_missing_directory_is_not_found) {
  char p[1300];
  pl_strlist l;
  ck_assert_int_eq(pl_env_list_children(env, in_dir(p, sizeof p, "nope"), &l), PL_NOT_FOUND);
  ck_assert_uint_eq(l.count, 0);
  ck_assert_ptr_null(l.items);
}
END_TEST

START_TEST(remove_file_removes_and_reports_missing) {
  char p[1300];
  in_dir(p, sizeof p, "f");
  ck_assert_pl_ok(pl_file_write_all(env, p, "x", 1, 0));
  ck_assert_pl_ok(pl_env_remove_file(env, p));
  ck_assert_int_eq(pl_env_file_exists(env, p), PL_NOT_FOUND);
  ck_assert_int_eq(pl_env_remove_file(env, p), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), p) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(create_dir_is_idempotent_for_directories_only) {
  char p[1300], f[1300];
  in_dir(p, sizeof p, "d");
  ck_assert_pl_ok(pl_env_create_dir(env, p));
  ck_assert_pl_ok(pl_env_create_dir(env, p));
  in_dir(f, sizeof f, "file");
  ck_assert_pl_ok(pl_file_write_all(env, f, "x", 1, 0));
  ck_assert_int_eq(pl_env_create_dir(env, f), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), f) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(create_dir_in_missing_parent_is_not_found) {
  char p[1300];
  in_dir(p, sizeof p, "a/b");
  ck_assert_int_eq(pl_env_create_dir(env, p), PL_NOT_FOUND);
}
END_TEST

START_TEST(remove_dir_removes_only_empty_directories) {
  char d[1300], f[1400];
  in_dir(d, sizeof d, "d");
  ck_assert_pl_ok(pl_env_create_dir(env, d));
  pl_test_path(f, sizeof f, d, "inside");
  ck_assert_pl_ok(pl_file_write_all(env, f, "x", 1, 0));
  ck_assert_int_eq(pl_env_remove_dir(env, d), PL_IO_ERROR);
  ck_assert_pl_ok(pl_env_remove_file(env, f));
  ck_assert_pl_ok(pl_env_remove_dir(env, d));
  ck_assert_int_eq(pl_env_file_exists(env, d), PL_NOT_FOUND);
  ck_assert_int_eq(pl_env_remove_dir(env, d), PL_NOT_FOUND);
}
END_TEST

START_TEST(file_size_reports_bytes_and_missing) {
  char p[1300];
  uint64_t n = 7;
  in_dir(p, sizeof p, "f");
  ck_assert_pl_ok(pl_file_write_all(env, p, "12345", 5, 0));
  ck_assert_pl_ok(pl_env_file_size(env, p, &n));
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(pl_env_file_size(env, in_dir(p, sizeof p, "g"), &n), PL_NOT_FOUND);
}
END_TEST

START_TEST(rename_replaces_an_existing_target) {
  char a[1300], b[1300], *data;
  size_t n;
  in_dir(a, sizeof a, "a");
  in_dir(b, sizeof b, "b");
  ck_assert_pl_ok(pl_file_write_all(env, a, "new", 3, 0));
  ck_assert_pl_ok(pl_file_write_all(env, b, "old!", 4, 0));
  ck_assert_pl_ok(pl_env_rename(env, a, b));
  ck_assert_int_eq(pl_env_file_exists(env, a), PL_NOT_FOUND);
  ck_assert_pl_ok(pl_file_read_all(env, b, &data, &n));
  ck_assert_str_eq(data, "new");
  free(data);
}
END_TEST

START_TEST(rename_of_missing_source_is_not_found_naming_both_paths) {
  char a[1300], b[1300];
  in_dir(a, sizeof a, "a");
  in_dir(b, sizeof b, "b");
  ck_assert_int_eq(pl_env_rename(env, a, b), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), a) && strstr(pl_error_message(), b), "%s",
                pl_error_message());
}
END_TEST

/* A path through a regular file (ENOTDIR on POSIX) is "not found" for every
 * call, rename included: both of its paths go through the same mapping. */
START_TEST(rename_through_a_regular_file_is_not_found_like_other_calls) {
  char f[1300], under[1400], other[1300];
  uint64_t n;
  in_dir(f, sizeof f, "plain");
  ck_assert_pl_ok(pl_file_write_all(env, f, "x", 1, 0));
  pl_test_path(under, sizeof under, f, "x");
  in_dir(other, sizeof other, "other");
  ck_assert_pl_ok(pl_file_write_all(env, other, "y", 1, 0));
  ck_assert_int_eq(pl_env_file_size(env, under, &n), PL_NOT_FOUND);
  ck_assert_int_eq(pl_env_rename(env, under, other), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), under) && strstr(pl_error_message(), other), "%s",
                pl_error_message());
  ck_assert_int_eq(pl_env_rename(env, other, under), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), under) && strstr(pl_error_message(), other), "%s",
                pl_error_message());
  ck_assert_pl_ok(pl_env_file_exists(env, other));
}
END_TEST

START_TEST(sync_dir_of_missing_directory_is_not_found) {
  char p[1300];
  ck_assert_pl_ok(pl_env_sync_dir(env, dir));
  ck_assert_int_eq(pl_env_sync_dir(env, in_dir(p, sizeof p, "nope")), PL_NOT_FOUND);
}
END_TEST

/* Both backends: POSIX answers ENOTDIR; Windows would open the file with
 * backup semantics and flush it, so the backend checks. */
START_TEST(sync_dir_of_a_regular_file_is_not_found) {
  char p[1300];
  in_dir(p, sizeof p, "plain");
  ck_assert_pl_ok(pl_file_write_all(env, p, "x", 1, 0));
  ck_assert_int_eq(pl_env_sync_dir(env, p), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), p) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(test_directory_honours_test_tmpdir) {
  char buf[1400], want[1300];
  in_dir(want, sizeof want, "tmpdir");
#if defined(_WIN32)
  _putenv_s("TEST_TMPDIR", want);
#else
  setenv("TEST_TMPDIR", want, 1);
#endif
  ck_assert_pl_ok(pl_env_test_directory(env, buf, sizeof buf));
#if defined(_WIN32)
  _putenv_s("TEST_TMPDIR", "");
#else
  unsetenv("TEST_TMPDIR");
#endif
  ck_assert_str_eq(buf, want);
  ck_assert_pl_ok(pl_env_file_exists(env, want));
  ck_assert_int_eq(pl_env_test_directory(env, buf, 3), PL_INVALID_ARGUMENT);
}
END_TEST

START_TEST(now_micros_never_goes_back_and_sleep_waits_at_least) {
  uint64_t a = pl_env_now_micros(env), b;
  pl_env_sleep_micros(env, 2000);
  b = pl_env_now_micros(env);
  ck_assert_uint_ge(b, a + 2000);
}
END_TEST

START_TEST(path_helpers_split_directory_and_name) {
  char buf[64];
  ck_assert_str_eq(pl_path_basename("/a/b/c"), "c");
  ck_assert_str_eq(pl_path_basename("c"), "c");
  ck_assert_str_eq(pl_path_basename("a\\b"), "b");
  ck_assert_pl_ok(pl_path_dirname("/a/b/c", buf, sizeof buf));
  ck_assert_str_eq(buf, "/a/b");
  ck_assert_pl_ok(pl_path_dirname("c", buf, sizeof buf));
  ck_assert_str_eq(buf, ".");
  ck_assert_pl_ok(pl_path_dirname("/c", buf, sizeof buf));
  ck_assert_str_eq(buf, "/");
  ck_assert_pl_ok(pl_path_dirname("a//c", buf, sizeof buf));
  ck_assert_str_eq(buf, "a");
  ck_assert_int_eq(pl_path_dirname("/aaaa/b", buf, 3), PL_INVALID_ARGUMENT);
}
END_TEST

#if !defined(_WIN32)
START_TEST(test_directory_without_test_tmpdir_is_made_under_tmpdir_or_tmp) {
  char buf[1400], want[1400], *saved_test = getenv("TEST_TMPDIR"), *saved_tmp = getenv("TMPDIR");
  char keep_test[1300] = "", keep_tmp[1300] = "";
  if (saved_test) snprintf(keep_test, sizeof keep_test, "%s", saved_test);
  if (saved_tmp) snprintf(keep_tmp, sizeof keep_tmp, "%s", saved_tmp);
  unsetenv("TEST_TMPDIR");
  setenv("TMPDIR", dir, 1);
  snprintf(want, sizeof want, "%s/plinthtest-%d", dir, (int)geteuid());
  ck_assert_pl_ok(pl_env_test_directory(pl_env_platform(), buf, sizeof buf));
  ck_assert_str_eq(buf, want);
  ck_assert_pl_ok(pl_env_file_exists(pl_env_platform(), want));
  ck_assert_int_eq(pl_env_test_directory(pl_env_platform(), buf, 8), PL_INVALID_ARGUMENT);
  ck_assert_str_eq(pl_error_message(), "test directory: buffer too small");
  setenv("TMPDIR", "", 1);
  snprintf(want, sizeof want, "/tmp/plinthtest-%d", (int)geteuid());
  ck_assert_pl_ok(pl_env_test_directory(pl_env_platform(), buf, sizeof buf));
  ck_assert_str_eq(buf, want);
  if (saved_test) setenv("TEST_TMPDIR", keep_test, 1);
  if (saved_tmp) setenv("TMPDIR", keep_tmp, 1);
  else unsetenv("TMPDIR");
}
END_TEST
#endif

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "fs", "fs", setup, teardown, 0);
  tcase_add_test(tc, file_exists_tells_files_and_directories_from_nothing);
  tcase_add_test(tc, list_children_names_every_entry_without_dots);
  tcase_add_test(tc, list_children_of_missing_directory_is_not_found);
  tcase_add_test(tc, remove_file_removes_and_reports_missing);
  tcase_add_test(tc, create_dir_is_idempotent_for_directories_only);
  tcase_add_test(tc, create_dir_in_missing_parent_is_not_found);
  tcase_add_test(tc, remove_dir_removes_only_empty_directories);
  tcase_add_test(tc, file_size_reports_bytes_and_missing);
  tcase_add_test(tc, rename_replaces_an_existing_target);
  tcase_add_test(tc, rename_of_missing_source_is_not_found_naming_both_paths);
  tcase_add_test(tc, rename_through_a_regular_file_is_not_found_like_other_calls);
  tcase_add_test(tc, sync_dir_of_missing_directory_is_not_found);
  tcase_add_test(tc, sync_dir_of_a_regular_file_is_not_found);
  tcase_add_test(tc, test_directory_honours_test_tmpdir);
  tcase_add_test(tc, now_micros_never_goes_back_and_sleep_waits_at_least);
  tcase_add_test(tc, path_helpers_split_directory_and_name);
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, test_directory_without_test_tmpdir_is_made_under_tmpdir_or_tmp);
#endif
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
