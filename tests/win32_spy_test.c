/* The Windows backend's durability calls, seen through a Win32 call spy
 * (win32_spy.h): what reaches FlushFileBuffers, WriteFile and MoveFileExW,
 * in which order, and what plinth does when they fail.  The counterparts of
 * the POSIX cases that watch fsync/fdatasync/writev/rename with
 * syscall_spy.h (writable_test, file_util_test). */
#include "config.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"
#include "tests/win32_spy.h"

static char dir[1024], dir_suffix[1100], path[1200];

static pl_env *env(void) { return pl_env_default(); }

static void setup(void) {
  pl_test_fresh_dir(dir, sizeof dir, "win32spy");
  /* The spy logs the handle's final path, which spells the temporary
   * directory its own way; the test directory's own name is enough. */
  snprintf(dir_suffix, sizeof dir_suffix, "/%s", pl_path_basename(dir));
  pl_test_path(path, sizeof path, dir, "file");
  wspy_reset();
}

static void teardown(void) {
  wspy_reset();
  pl_test_remove_tree(dir);
}

static pl_writable_file *open_with_buffer(size_t buffer, int sync_on_close) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_options_init(&o);
  o.buffer_size = buffer;
  o.sync_on_close = sync_on_close;
  ck_assert_pl_ok(pl_env_new_writable(env(), path, &o, &f));
  return f;
}

static void expect_contents(const char *p, const char *want) {
  char *data;
  size_t n;
  ck_assert_pl_ok(pl_file_read_all(env(), p, &data, &n));
  ck_assert_uint_eq(n, strlen(want));
  ck_assert_str_eq(data, want);
  free(data);
}

static void expect_only_entry(const char *name) {
  pl_strlist names = {0};
  ck_assert_pl_ok(pl_env_list_children(env(), dir, &names));
  ck_assert_uint_eq(names.count, 1);
  ck_assert_str_eq(names.items[0], name);
  pl_strlist_free(&names);
}

START_TEST(sync_writes_the_buffer_then_flushes_the_file) {
  pl_writable_file *f = open_with_buffer(PL_WRITABLE_DEFAULT_BUFFER, 0);
  uint64_t size;
  ck_assert_pl_ok(pl_writable_append(f, "data", 4));
  ck_assert_int_eq(wspy_count_kind(WSPY_WRITE, "/file"), 0); /* still buffered */
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_FILE, "/file"), 1);
  ck_assert_int_ge(wspy_find(WSPY_WRITE, "/file"), 0);
  ck_assert_int_lt(wspy_find(WSPY_WRITE, "/file"), wspy_find(WSPY_FLUSH_FILE, "/file"));
  ck_assert_pl_ok(pl_env_file_size(env(), path, &size));
  ck_assert_uint_eq(size, 4);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(manifest_sync_flushes_its_directory_before_its_data) {
  char manifest[1300];
  pl_writable_file *f;
  int dir_flush, data_flush;
  pl_test_path(manifest, sizeof manifest, dir, "MANIFEST-000001");
  ck_assert_pl_ok(pl_env_new_writable(env(), manifest, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "edit", 4));
  ck_assert_pl_ok(pl_writable_sync(f));
  dir_flush = wspy_find(WSPY_FLUSH_DIR, dir_suffix);
  data_flush = wspy_find(WSPY_FLUSH_FILE, "/MANIFEST-000001");
  ck_assert_int_ge(dir_flush, 0);
  ck_assert_int_ge(data_flush, 0);
  ck_assert_int_lt(dir_flush, data_flush);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(other_files_sync_without_their_directory) {
  pl_writable_file *f = open_with_buffer(PL_WRITABLE_DEFAULT_BUFFER, 0);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_DIR, ""), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(first_sync_makes_created_parent_directories_durable) {
  char deep[1400], a[1200], ab[1200];
  pl_writable_options o;
  pl_writable_file *f;
  int i_dir, i_a, i_ab, i_data;
  snprintf(deep, sizeof deep, "%s/a/b/file", dir);
  snprintf(a, sizeof a, "%s/a", dir_suffix);
  snprintf(ab, sizeof ab, "%s/a/b", dir_suffix);
  pl_writable_options_init(&o);
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(env(), deep, &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_sync(f));
  /* Top-down: the entry of a\ in dir, of b\ in a\, of file in b\; then
   * the data. */
  i_dir = wspy_find(WSPY_FLUSH_DIR, dir_suffix);
  i_a = wspy_find(WSPY_FLUSH_DIR, a);
  i_ab = wspy_find(WSPY_FLUSH_DIR, ab);
  i_data = wspy_find(WSPY_FLUSH_FILE, "/a/b/file");
  ck_assert_int_ge(i_dir, 0);
  ck_assert_int_gt(i_a, i_dir);
  ck_assert_int_gt(i_ab, i_a);
  ck_assert_int_gt(i_data, i_ab);
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_DIR, ab), 1); /* only the first sync */
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(existing_parents_are_not_synced_again) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_options_init(&o);
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(env(), path, &o, &f));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_DIR, ""), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(sync_failure_is_sticky) {
  pl_writable_file *f = open_with_buffer(PL_WRITABLE_DEFAULT_BUFFER, 0);
  pl_writable_stats st;
  ck_assert_pl_ok(pl_writable_append(f, "lost?", 5));
  wspy_fail(WSPY_FLUSH_FILE, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  /* The flush would succeed now; the file must keep failing, because what
   * the failed one left on disk is unknown. */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "more", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_write_at(f, 0, "z", 1), PL_IO_ERROR);
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_FILE, "/file"), 1);
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.syncs, 0);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(write_failure_is_sticky) {
  pl_writable_file *f = open_with_buffer(0, 0);
  wspy_fail(WSPY_WRITE, ERROR_DISK_FULL, 0, 1);
  ck_assert_int_eq(pl_writable_append(f, "abc", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_DISK_FULL);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "def", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_DISK_FULL);
  /* The sync never reached the OS: it would have flushed nothing known. */
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_FILE, "/file"), 0);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(directory_sync_refusals_are_tolerated) {
  /* FAT, network redirectors and read-only media refuse to flush a
   * directory with these; there is nothing better to do there, as with
   * EINVAL from a POSIX directory fsync. */
  wspy_fail(WSPY_FLUSH_DIR, ERROR_INVALID_FUNCTION, 0, 1);
  ck_assert_pl_ok(pl_env_sync_dir(env(), dir));
  wspy_fail(WSPY_FLUSH_DIR, ERROR_ACCESS_DENIED, 0, 1);
  ck_assert_pl_ok(pl_env_sync_dir(env(), dir));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_DIR, dir_suffix), 2);
}
END_TEST

START_TEST(directory_sync_other_errors_are_reported) {
  wspy_fail(WSPY_FLUSH_DIR, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_env_sync_dir(env(), dir), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_msg(strstr(pl_error_message(), dir) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(manifest_directory_flush_failure_fails_the_sync) {
  char manifest[1300];
  pl_writable_file *f;
  pl_test_path(manifest, sizeof manifest, dir, "MANIFEST-000002");
  ck_assert_pl_ok(pl_env_new_writable(env(), manifest, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "edit", 4));
  wspy_fail(WSPY_FLUSH_DIR, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_FILE, "/MANIFEST-000002"), 0);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR); /* sticky */
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(sync_on_close_flushes_before_closing) {
  pl_writable_file *f = open_with_buffer(PL_WRITABLE_DEFAULT_BUFFER, 1);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_int_eq(wspy_count_kind(WSPY_FLUSH_FILE, "/file"), 1);
  expect_contents(path, "x");
}
END_TEST

START_TEST(sync_on_close_failure_fails_close) {
  pl_writable_file *f = open_with_buffer(PL_WRITABLE_DEFAULT_BUFFER, 1);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  wspy_fail(WSPY_FLUSH_FILE, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(rename_replaces_in_one_write_through_move) {
  char from[1300];
  pl_test_path(from, sizeof from, dir, "CURRENT.tmp");
  ck_assert_pl_ok(pl_file_write_all(env(), from, "new", 3, 0));
  ck_assert_pl_ok(pl_file_write_all(env(), path, "old", 3, 0));
  wspy_reset();
  ck_assert_pl_ok(pl_env_rename(env(), from, path));
  ck_assert_int_eq(wspy_count_kind(WSPY_MOVE, "/file"), 1);
  ck_assert_uint_eq(wspy_at(wspy_find(WSPY_MOVE, "/file"))->flags,
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
  expect_contents(path, "new");
}
END_TEST

START_TEST(rename_failure_names_both_paths_and_keeps_both_files) {
  char from[1300];
  pl_test_path(from, sizeof from, dir, "CURRENT.tmp");
  ck_assert_pl_ok(pl_file_write_all(env(), from, "new", 3, 0));
  ck_assert_pl_ok(pl_file_write_all(env(), path, "old", 3, 0));
  wspy_fail(WSPY_MOVE, ERROR_SHARING_VIOLATION, 0, 1);
  ck_assert_int_eq(pl_env_rename(env(), from, path), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_SHARING_VIOLATION);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), from));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), path));
  expect_contents(path, "old");
  expect_contents(from, "new");
}
END_TEST

START_TEST(replace_flushes_data_before_the_move_and_directory_after) {
  char current[1300];
  int data, move, dirf;
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "v1", 2));
  data = wspy_find(WSPY_FLUSH_FILE, "/CURRENT.tmp-plinth");
  move = wspy_find(WSPY_MOVE, "/CURRENT");
  dirf = wspy_find(WSPY_FLUSH_DIR, dir_suffix);
  ck_assert_int_ge(data, 0);
  ck_assert_int_gt(move, data);
  ck_assert_int_gt(dirf, move);
  expect_contents(current, "v1");
}
END_TEST

START_TEST(replace_whose_move_fails_keeps_old_contents_and_no_temporary) {
  char current[1300];
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "old", 3));
  wspy_fail(WSPY_MOVE, ERROR_ACCESS_DENIED, 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_ACCESS_DENIED);
  expect_contents(current, "old");
  expect_only_entry("CURRENT");
}
END_TEST

START_TEST(replace_whose_flush_fails_keeps_old_contents_and_no_temporary) {
  char current[1300];
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "old", 3));
  wspy_reset();
  wspy_fail(WSPY_FLUSH_FILE, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_msg(strstr(pl_error_message(), "CURRENT.tmp-plinth") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(wspy_count_kind(WSPY_MOVE, "/CURRENT"), 0);
  expect_contents(current, "old");
  expect_only_entry("CURRENT");
}
END_TEST

START_TEST(replace_whose_directory_flush_fails_reports_it) {
  char current[1300];
  pl_test_path(current, sizeof current, dir, "CURRENT");
  wspy_fail(WSPY_FLUSH_DIR, ERROR_IO_DEVICE, 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_IO_DEVICE);
  ck_assert_msg(strstr(pl_error_message(), dir) != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(write_all_that_fails_removes_the_partial_file) {
  wspy_fail(WSPY_WRITE, ERROR_DISK_FULL, 0, 1);
  ck_assert_int_eq(pl_file_write_all(env(), path, "data", 4, 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_DISK_FULL);
  ck_assert_int_eq(pl_env_file_exists(env(), path), PL_NOT_FOUND);
}
END_TEST

int main(void) {
  Suite *s = suite_create("win32_spy");
  TCase *tc = tcase_create("win32_spy");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, sync_writes_the_buffer_then_flushes_the_file);
  tcase_add_test(tc, manifest_sync_flushes_its_directory_before_its_data);
  tcase_add_test(tc, other_files_sync_without_their_directory);
  tcase_add_test(tc, first_sync_makes_created_parent_directories_durable);
  tcase_add_test(tc, existing_parents_are_not_synced_again);
  tcase_add_test(tc, sync_failure_is_sticky);
  tcase_add_test(tc, write_failure_is_sticky);
  tcase_add_test(tc, directory_sync_refusals_are_tolerated);
  tcase_add_test(tc, directory_sync_other_errors_are_reported);
  tcase_add_test(tc, manifest_directory_flush_failure_fails_the_sync);
  tcase_add_test(tc, sync_on_close_flushes_before_closing);
  tcase_add_test(tc, sync_on_close_failure_fails_close);
  tcase_add_test(tc, rename_replaces_in_one_write_through_move);
  tcase_add_test(tc, rename_failure_names_both_paths_and_keeps_both_files);
  tcase_add_test(tc, replace_flushes_data_before_the_move_and_directory_after);
  tcase_add_test(tc, replace_whose_move_fails_keeps_old_contents_and_no_temporary);
  tcase_add_test(tc, replace_whose_flush_fails_keeps_old_contents_and_no_temporary);
  tcase_add_test(tc, replace_whose_directory_flush_fails_reports_it);
  tcase_add_test(tc, write_all_that_fails_removes_the_partial_file);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
