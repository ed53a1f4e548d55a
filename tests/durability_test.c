/* What reaches the operating system when plinth makes data durable, in
 * which order, and what plinth does when those calls fail: one suite for
 * every backend, watching the system-call table through the portable spy
 * (tests/syscall_spy.h).  "File sync" is fdatasync on Linux and
 * FlushFileBuffers on Windows; "directory sync" is fsync or
 * FlushFileBuffers on the directory; "rename" is rename(2) or MoveFileExW.
 * Only interruption (EINTR) has no Windows counterpart. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tests/syscall_spy.h"
#include "tests/test_util.h"

static char dir[1024], dir_suffix[1100], path[1200];

static pl_env *env(void) { return pl_env_default(); }

static void setup(void) {
  pl_test_fresh_file(dir, sizeof dir, path, sizeof path, "durability", "file");
  /* The spy logs an open file's final path, which may spell the temporary
   * directory its own way (links, \\?\ on Windows); the test directory's
   * own name is enough to recognize it. */
  snprintf(dir_suffix, sizeof dir_suffix, "/%s", pl_path_basename(dir));
  spy_reset();
}

static void teardown(void) {
  spy_uninstall();
  pl_test_remove_tree(dir);
}

static pl_writable_file *open_with(size_t buffer, int sync_on_close) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_options_init(&o);
  o.buffer_size = buffer;
  o.sync_on_close = sync_on_close;
  ck_assert_pl_ok(pl_env_new_writable(env(), path, &o, &f));
  return f;
}

static uint64_t size_on_disk(const char *p) {
  uint64_t n = 0;
  ck_assert_pl_ok(pl_env_file_size(env(), p, &n));
  return n;
}

static void expect_contents(const char *p, const void *want, size_t n) {
  char *data;
  size_t got;
  ck_assert_pl_ok(pl_file_read_all(env(), p, &data, &got));
  ck_assert_uint_eq(got, n);
  ck_assert_msg(memcmp(data, want, n) == 0, "contents of %s differ", p);
  free(data);
}

static void expect_text(const char *p, const char *want) { expect_contents(p, want, strlen(want)); }

static void expect_only_entry(const char *name) {
  pl_strlist names = {0};
  ck_assert_pl_ok(pl_env_list_children(env(), dir, &names));
  ck_assert_uint_eq(names.count, 1);
  ck_assert_str_eq(names.items[0], name);
  pl_strlist_free(&names);
}

static void expect_message_names(const char *what) {
  ck_assert_msg(strstr(pl_error_message(), what) != NULL, "\"%s\" does not name %s", pl_error_message(), what);
}

START_TEST(sync_writes_the_buffer_then_makes_the_file_durable) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 0);
  int sync;
  ck_assert_pl_ok(pl_writable_append(f, "data", 4));
  ck_assert_int_eq(spy_count_kind(SPY_WRITE, "/file"), 0); /* still buffered */
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 1);
  sync = spy_find(SPY_FILE_SYNC, "/file");
  /* fdatasync (F_FULLFSYNC on Apple), FlushFileBuffers on Windows. */
  ck_assert_str_eq(spy_at(sync)->call, spy_file_sync_call());
  /* The buffered bytes reached the OS before the sync. */
  ck_assert_int_ge(spy_find(SPY_WRITE, "/file"), 0);
  ck_assert_int_lt(spy_find(SPY_WRITE, "/file"), sync);
  ck_assert_uint_eq(size_on_disk(path), 4);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(sync_writes_file_needs_no_file_sync) {
  /* PL_WRITABLE_SYNC_WRITES (O_DSYNC; FILE_FLAG_WRITE_THROUGH): each write
   * was durable when it returned, so sync only drains the buffer. */
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_stats st;
  pl_writable_options_init(&o);
  o.flags = PL_WRITABLE_SYNC_WRITES;
  ck_assert_pl_ok(pl_env_new_writable(env(), path, &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "data", 4));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 0);
  ck_assert_int_eq(spy_count_kind(SPY_WRITE, "/file"), 1); /* the buffer, drained */
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_uint_eq(size_on_disk(path), 4);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(manifest_sync_syncs_its_directory_before_its_data) {
  char manifest[1300];
  pl_writable_file *f;
  int dir_sync, data_sync;
  pl_test_path(manifest, sizeof manifest, dir, "MANIFEST-000001");
  ck_assert_pl_ok(pl_env_new_writable(env(), manifest, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "edit", 4));
  ck_assert_pl_ok(pl_writable_sync(f));
  dir_sync = spy_find(SPY_DIR_SYNC, dir_suffix);
  data_sync = spy_find(SPY_FILE_SYNC, "/MANIFEST-000001");
  ck_assert_int_ge(dir_sync, 0);
  ck_assert_int_ge(data_sync, 0);
  ck_assert_int_lt(dir_sync, data_sync);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(other_files_sync_without_their_directory) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 0);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count_kind(SPY_DIR_SYNC, ""), 0);
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
  /* Top-down: the entry of a/ in dir, of b/ in a/, of file in b/; then the
   * data. */
  i_dir = spy_find(SPY_DIR_SYNC, dir_suffix);
  i_a = spy_find(SPY_DIR_SYNC, a);
  i_ab = spy_find(SPY_DIR_SYNC, ab);
  i_data = spy_find(SPY_FILE_SYNC, "/a/b/file");
  ck_assert_int_ge(i_dir, 0);
  ck_assert_int_gt(i_a, i_dir);
  ck_assert_int_gt(i_ab, i_a);
  ck_assert_int_gt(i_data, i_ab);
  /* Only the first sync pays for it. */
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count_kind(SPY_DIR_SYNC, ab), 1);
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
  ck_assert_int_eq(spy_count_kind(SPY_DIR_SYNC, ""), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(create_parents_reports_an_error_looking_at_a_parent) {
  char deep[1400];
  pl_writable_options o;
  pl_writable_file *f = (pl_writable_file *)1;
  int eio = spy_os_error(SPY_E_IO);
  snprintf(deep, sizeof deep, "%s/a/file", dir);
  pl_writable_options_init(&o);
  o.create_parents = 1;
  /* The first look at a parent fails: that is an error to report, not a
   * missing directory to create (and sync, all the way from the root). */
  spy_fail(SPY_STAT, eio, 0, 1);
  ck_assert_int_eq(pl_env_new_writable(env(), deep, &o, &f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), eio);
  ck_assert_ptr_null(f);
  ck_assert_int_eq(spy_count_kind(SPY_MKDIR, ""), 0);
  /* Without the failure the same open works. */
  ck_assert_pl_ok(pl_env_new_writable(env(), deep, &o, &f));
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(sync_failure_is_sticky) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 0);
  pl_writable_stats st;
  int eio = spy_os_error(SPY_E_IO);
  ck_assert_pl_ok(pl_writable_append(f, "lost?", 5));
  spy_fail(SPY_FILE_SYNC, eio, 0, 1);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), eio);
  /* Linux may have dropped the dirty pages and would report the next fsync
   * as a success; what a failed flush left on disk is unknown everywhere:
   * every later call must repeat the failure instead. */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), eio);
  expect_message_names(path);
  ck_assert_int_eq(pl_writable_append(f, "more", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_write_at(f, 0, "z", 1), PL_IO_ERROR);
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 1);
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.syncs, 0);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(write_failure_is_sticky) {
  int errs[2] = {spy_os_error(SPY_E_IO), spy_os_error(SPY_E_NOSPACE)}, i;
  for (i = 0; i < 2; i++) {
    pl_writable_file *f = open_with(0, 0);
    spy_reset();
    spy_fail(SPY_WRITE, errs[i], 0, 1);
    ck_assert_int_eq(pl_writable_append(f, "abc", 3), PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), errs[i]);
    expect_message_names(path);
    ck_assert_int_eq(pl_writable_append(f, "def", 3), PL_IO_ERROR);
    ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), errs[i]);
    /* The sync never reached the OS: it would have flushed nothing known. */
    ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 0);
    ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  }
}
END_TEST

static void fill(char *data, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) data[i] = (char)('a' + i % 26);
}

/* 10000 bytes of data as three pieces of 3000, 3000 and 4000. */
static void three_pieces(pl_iovec *v, char *data) {
  fill(data, 10000);
  v[0].base = data;
  v[0].len = 3000;
  v[1].base = data + 3000;
  v[1].len = 3000;
  v[2].base = data + 6000;
  v[2].len = 4000;
}

START_TEST(short_writes_are_resumed) {
  static char data[10000];
  pl_iovec v[3];
  pl_writable_file *f = open_with(0, 0);
  three_pieces(v, data);
  spy_short_writes(1000, 0, 5);
  ck_assert_pl_ok(pl_writable_appendv(f, v, 3));
  ck_assert_int_eq(spy_injected(), 5);
  ck_assert_int_ge(spy_count_kind(SPY_WRITE, "/file"), 5 + 1);
  ck_assert_pl_ok(pl_writable_write_at(f, 100, "0123456789", 10));
  ck_assert_pl_ok(pl_writable_close(f));
  memcpy(data + 100, "0123456789", 10);
  expect_contents(path, data, sizeof data);
}
END_TEST

START_TEST(short_positional_writes_are_resumed) {
  static char data[4096];
  pl_writable_file *f = open_with(0, 0);
  fill(data, sizeof data);
  spy_short_writes(0, 0, 3); /* half of each request, three times */
  ck_assert_pl_ok(pl_writable_write_at(f, 0, data, sizeof data));
  ck_assert_int_eq(spy_injected(), 3);
  ck_assert_int_eq(spy_count_kind(SPY_WRITE, "/file"), 4);
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, data, sizeof data);
}
END_TEST

START_TEST(interrupted_and_short_writes_are_resumed) {
  static char data[10000];
  pl_iovec v[3];
  pl_writable_file *f = open_with(0, 0);
  three_pieces(v, data);
  spy_fail(SPY_WRITE, spy_os_error(SPY_E_INTERRUPTED), 0, 2);
  spy_short_writes(1000, 0, 5);
  ck_assert_pl_ok(pl_writable_appendv(f, v, 3));
  ck_assert_int_ge(spy_count_kind(SPY_WRITE, "/file"), 2 + 5 + 1);
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, data, sizeof data);
}
END_TEST

START_TEST(interrupted_sync_is_retried) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 0);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  spy_fail(SPY_FILE_SYNC, spy_os_error(SPY_E_INTERRUPTED), 0, 2);
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 3);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

#if HAVE_FALLOCATE
START_TEST(interrupted_allocate_is_retried) {
  pl_writable_file *f = open_with(0, 0);
  spy_fail(SPY_ALLOCATE, spy_os_error(SPY_E_INTERRUPTED), 0, 2);
  ck_assert_pl_ok(pl_writable_allocate(f, 0, 4096));
  ck_assert_int_eq(spy_count_kind(SPY_ALLOCATE, "/file"), 3);
  ck_assert_uint_eq(size_on_disk(path), 4096);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST
#endif

START_TEST(directory_sync_refusals_are_tolerated) {
  /* CIFS and some FUSE file systems refuse a directory fsync with EINVAL;
   * FAT, network redirectors and read-only media refuse FlushFileBuffers
   * on a directory with ERROR_INVALID_FUNCTION or ERROR_ACCESS_DENIED.
   * Nothing better is possible there. */
  int refusals[4], n = spy_dir_sync_refusals(refusals, 4), i;
  ck_assert_int_ge(n, 1);
  for (i = 0; i < n; i++) {
    spy_fail(SPY_DIR_SYNC, refusals[i], 0, 1);
    ck_assert_pl_ok(pl_env_sync_dir(env(), dir));
  }
  ck_assert_int_eq(spy_count_kind(SPY_DIR_SYNC, dir_suffix), n);
}
END_TEST

START_TEST(directory_sync_other_errors_are_reported) {
  spy_fail(SPY_DIR_SYNC, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_env_sync_dir(env(), dir), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  expect_message_names(dir);
}
END_TEST

START_TEST(manifest_directory_sync_failure_fails_the_sync) {
  char manifest[1300];
  pl_writable_file *f;
  pl_test_path(manifest, sizeof manifest, dir, "MANIFEST-000002");
  ck_assert_pl_ok(pl_env_new_writable(env(), manifest, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "edit", 4));
  spy_fail(SPY_DIR_SYNC, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  /* The data was not synced after the directory failed, and it stays
   * failed. */
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/MANIFEST-000002"), 0);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(sync_on_close_syncs_before_closing) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 1);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 0);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_int_eq(spy_count_kind(SPY_FILE_SYNC, "/file"), 1);
  ck_assert_int_lt(spy_find(SPY_FILE_SYNC, "/file"), spy_find(SPY_CLOSE, "/file"));
  expect_text(path, "x");
}
END_TEST

START_TEST(sync_on_close_failure_fails_close) {
  pl_writable_file *f = open_with(PL_WRITABLE_DEFAULT_BUFFER, 1);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  spy_fail(SPY_FILE_SYNC, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  expect_message_names(path);
}
END_TEST

START_TEST(rename_replaces_in_one_atomic_call) {
  char from[1300];
  pl_test_path(from, sizeof from, dir, "CURRENT.tmp");
  ck_assert_pl_ok(pl_file_write_all(env(), from, "new", 3, 0));
  ck_assert_pl_ok(pl_file_write_all(env(), path, "old", 3, 0));
  spy_reset();
  ck_assert_pl_ok(pl_env_rename(env(), from, path));
  ck_assert_int_eq(spy_count_kind(SPY_RENAME, "/file"), 1);
  /* rename(2); MoveFileExW(REPLACE_EXISTING | WRITE_THROUGH), never the
   * several steps of ReplaceFileW (google/leveldb#775). */
  ck_assert(spy_rename_is_atomic_replace(spy_at(spy_find(SPY_RENAME, "/file"))));
  expect_text(path, "new");
}
END_TEST

START_TEST(rename_failure_names_both_paths_and_keeps_both_files) {
  char from[1300];
  int busy = spy_os_error(SPY_E_BUSY);
  pl_test_path(from, sizeof from, dir, "CURRENT.tmp");
  ck_assert_pl_ok(pl_file_write_all(env(), from, "new", 3, 0));
  ck_assert_pl_ok(pl_file_write_all(env(), path, "old", 3, 0));
  spy_fail(SPY_RENAME, busy, 0, 1);
  ck_assert_int_eq(pl_env_rename(env(), from, path), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), busy);
  expect_message_names(from);
  expect_message_names(path);
  expect_text(path, "old");
  expect_text(from, "new");
}
END_TEST

START_TEST(replace_syncs_data_before_rename_and_directory_after) {
  char current[1300];
  int data, ren, dirs;
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "v1", 2));
  data = spy_find(SPY_FILE_SYNC, "/CURRENT.tmp-plinth");
  ren = spy_find(SPY_RENAME, "/CURRENT");
  dirs = spy_find(SPY_DIR_SYNC, dir_suffix);
  ck_assert_int_ge(data, 0);
  ck_assert_int_gt(ren, data);
  ck_assert_int_gt(dirs, ren);
  expect_text(current, "v1");
}
END_TEST

START_TEST(replace_whose_sync_fails_keeps_old_contents_and_no_temporary) {
  char current[1300];
  int eio = spy_os_error(SPY_E_IO);
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "old", 3));
  ck_assert_int_eq(spy_count_kind(SPY_RENAME, "/CURRENT"), 1);
  spy_reset();
  spy_fail(SPY_FILE_SYNC, eio, 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), eio);
  expect_message_names("CURRENT.tmp-plinth");
  ck_assert_int_eq(spy_count_kind(SPY_RENAME, "/CURRENT"), 0);
  expect_text(current, "old");
  expect_only_entry("CURRENT");
}
END_TEST

START_TEST(replace_whose_rename_fails_keeps_old_contents_and_no_temporary) {
  /* A temporary on another device (EXDEV) or a target the system will
   * not replace (a sharing or access refusal on Windows). */
  int errs[2] = {spy_os_error(SPY_E_CROSS_DEVICE), spy_os_error(SPY_E_DENIED)}, i;
  char current[1300];
  pl_test_path(current, sizeof current, dir, "CURRENT");
  ck_assert_pl_ok(pl_file_replace(env(), current, "old", 3));
  for (i = 0; i < 2; i++) {
    spy_fail(SPY_RENAME, errs[i], 0, 1);
    ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), errs[i]);
    expect_text(current, "old");
    expect_only_entry("CURRENT");
  }
}
END_TEST

START_TEST(replace_whose_directory_sync_fails_reports_it) {
  char current[1300];
  pl_test_path(current, sizeof current, dir, "CURRENT");
  spy_fail(SPY_DIR_SYNC, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "new", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  expect_message_names(dir);
}
END_TEST

START_TEST(write_all_that_fails_removes_the_partial_file) {
  int full = spy_os_error(SPY_E_NOSPACE);
  spy_fail(SPY_WRITE, full, 0, 1);
  ck_assert_int_eq(pl_file_write_all(env(), path, "data", 4, 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), full);
  ck_assert_int_eq(pl_env_file_exists(env(), path), PL_NOT_FOUND);
}
END_TEST

/* Closing a failed file replays its sticky error as an "earlier failure";
 * the caller must see the write's own error, not that replay. */
START_TEST(write_all_failure_reports_the_write_error_itself) {
  int eio = spy_os_error(SPY_E_IO);
  spy_fail(SPY_WRITE, eio, 0, 1);
  ck_assert_int_eq(pl_file_write_all(env(), path, "data", 4, 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), eio);
  expect_message_names(path);
  ck_assert_ptr_null(strstr(pl_error_message(), "earlier failure"));
}
END_TEST

START_TEST(replace_whose_write_fails_reports_the_write_error_itself) {
  char current[1300];
  int full = spy_os_error(SPY_E_NOSPACE);
  pl_test_path(current, sizeof current, dir, "CURRENT");
  spy_fail(SPY_WRITE, full, 0, 1);
  ck_assert_int_eq(pl_file_replace(env(), current, "data", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), full);
  ck_assert_ptr_null(strstr(pl_error_message(), "earlier failure"));
}
END_TEST

START_TEST(random_read_failure_names_the_file_and_the_os_error) {
  /* Without memory maps, so reads reach the OS as positional reads. */
  int mmap_limit, fd_limit;
  pl_random_file *r;
  char scratch[8];
  const char *res = NULL;
  size_t got = 99;
  pl_env_platform_get_limits(&mmap_limit, &fd_limit);
  pl_env_platform_set_limits(0, fd_limit);
  ck_assert_pl_ok(pl_file_write_all(env(), path, "hello", 5, 0));
  ck_assert_pl_ok(pl_env_new_random(env(), path, &r));
  spy_fail(SPY_READ, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_random_read_at(r, 1, 4, scratch, &res, &got), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  ck_assert_msg(strstr(pl_error_message(), "/file") != NULL, "%s", pl_error_message());
  ck_assert_uint_eq(got, 0);
  /* the failure is not kept: the next read reaches the file */
  ck_assert_pl_ok(pl_random_read_at(r, 1, 4, scratch, &res, &got));
  ck_assert_uint_eq(got, 4);
  ck_assert_mem_eq(res, "ello", 4);
  pl_random_close(r);
  pl_env_platform_set_limits(mmap_limit, fd_limit);
}
END_TEST

START_TEST(allocate_without_space_is_an_io_error_naming_the_file) {
  pl_writable_file *f = open_with(0, 0);
  spy_fail(SPY_ALLOCATE, spy_os_error(SPY_E_NOSPACE), 0, 1);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_NOSPACE));
  ck_assert_msg(strstr(pl_error_message(), "/file") != NULL, "%s", pl_error_message());
  ck_assert_uint_eq(size_on_disk(path), 0);
  pl_writable_close(f);
}
END_TEST

#if HAVE_DECL_O_DIRECT && !defined(_WIN32)
START_TEST(direct_io_refused_by_the_file_system_is_not_supported) {
  /* Linux answers EINVAL to O_DIRECT where the file system cannot do it. */
  pl_writable_options o;
  pl_writable_file *f = (pl_writable_file *)1;
  pl_writable_options_init(&o);
  o.flags |= PL_WRITABLE_DIRECT;
  spy_fail(SPY_OPEN, EINVAL, 0, 1);
  ck_assert_int_eq(pl_env_new_writable(env(), path, &o, &f), PL_NOT_SUPPORTED);
  ck_assert_int_eq(pl_error_os(), EINVAL);
  ck_assert_msg(strstr(pl_error_message(), "refuses direct I/O") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(f);
}
END_TEST
#endif

START_TEST(lock_refused_by_the_system_is_an_io_error_naming_the_file) {
  /* Not "locked by another process": the OS failed the lock itself. */
  pl_file_lock *l = (pl_file_lock *)1;
  spy_fail(SPY_LOCK, spy_os_error(SPY_E_IO), 0, 1);
  ck_assert_int_eq(pl_env_lock_file(env(), path, &l), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), spy_os_error(SPY_E_IO));
  ck_assert_msg(strstr(pl_error_message(), "/file") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(strstr(pl_error_message(), "another process"));
  /* nothing is held: the next attempt locks */
  spy_disarm();
  ck_assert_pl_ok(pl_env_lock_file(env(), path, &l));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
}
END_TEST

#if HAVE_FALLOCATE && !defined(_WIN32)
START_TEST(allocate_the_file_system_cannot_do_is_not_supported) {
  /* EOPNOTSUPP from the file system, ENOSYS from an old kernel. */
  pl_writable_file *f = open_with(0, 0);
  spy_fail(SPY_ALLOCATE, EOPNOTSUPP, 0, 1);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_NOT_SUPPORTED);
  ck_assert_int_eq(pl_error_os(), EOPNOTSUPP);
  spy_fail(SPY_ALLOCATE, ENOSYS, 0, 1);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_NOT_SUPPORTED);
  ck_assert_int_eq(pl_error_os(), ENOSYS);
  ck_assert_msg(strstr(pl_error_message(), "preallocation not supported") != NULL, "%s", pl_error_message());
  /* not sticky: the file goes on */
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST
#endif

/* Interruption is a POSIX event: Windows file calls are not interrupted by
 * signals (the spy has no such error there), so these cases run where
 * EINTR exists and are named as skipped elsewhere. */
static void add_interruptible(TCase *tc, const TTest *t, const char *name) {
  if (spy_os_error(SPY_E_INTERRUPTED) != 0) tcase_add_test(tc, t);
  else pl_test_note_skip("posix-only (no EINTR on Windows)", name);
}
#define PL_TEST_INTERRUPTIBLE(tc, fn) add_interruptible(tc, fn, #fn)

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "durability", "durability", setup, teardown, 0);
  tcase_add_test(tc, sync_writes_the_buffer_then_makes_the_file_durable);
  tcase_add_test(tc, sync_writes_file_needs_no_file_sync);
  tcase_add_test(tc, manifest_sync_syncs_its_directory_before_its_data);
  tcase_add_test(tc, other_files_sync_without_their_directory);
  tcase_add_test(tc, first_sync_makes_created_parent_directories_durable);
  tcase_add_test(tc, existing_parents_are_not_synced_again);
  tcase_add_test(tc, create_parents_reports_an_error_looking_at_a_parent);
  tcase_add_test(tc, sync_failure_is_sticky);
  tcase_add_test(tc, write_failure_is_sticky);
  tcase_add_test(tc, short_writes_are_resumed);
  tcase_add_test(tc, short_positional_writes_are_resumed);
  PL_TEST_INTERRUPTIBLE(tc, interrupted_and_short_writes_are_resumed);
  PL_TEST_INTERRUPTIBLE(tc, interrupted_sync_is_retried);
#if HAVE_FALLOCATE
  PL_TEST_INTERRUPTIBLE(tc, interrupted_allocate_is_retried);
#else
  pl_test_note_skip("no fallocate(2) here", "interrupted_allocate_is_retried");
#endif
  tcase_add_test(tc, directory_sync_refusals_are_tolerated);
  tcase_add_test(tc, directory_sync_other_errors_are_reported);
  tcase_add_test(tc, manifest_directory_sync_failure_fails_the_sync);
  tcase_add_test(tc, sync_on_close_syncs_before_closing);
  tcase_add_test(tc, sync_on_close_failure_fails_close);
  tcase_add_test(tc, rename_replaces_in_one_atomic_call);
  tcase_add_test(tc, rename_failure_names_both_paths_and_keeps_both_files);
  tcase_add_test(tc, replace_syncs_data_before_rename_and_directory_after);
  tcase_add_test(tc, replace_whose_sync_fails_keeps_old_contents_and_no_temporary);
  tcase_add_test(tc, replace_whose_rename_fails_keeps_old_contents_and_no_temporary);
  tcase_add_test(tc, replace_whose_directory_sync_fails_reports_it);
  tcase_add_test(tc, write_all_that_fails_removes_the_partial_file);
  tcase_add_test(tc, write_all_failure_reports_the_write_error_itself);
  tcase_add_test(tc, replace_whose_write_fails_reports_the_write_error_itself);
  tcase_add_test(tc, random_read_failure_names_the_file_and_the_os_error);
  tcase_add_test(tc, allocate_without_space_is_an_io_error_naming_the_file);
  tcase_add_test(tc, lock_refused_by_the_system_is_an_io_error_naming_the_file);
#if HAVE_FALLOCATE && !defined(_WIN32)
  tcase_add_test(tc, allocate_the_file_system_cannot_do_is_not_supported);
#endif
#if HAVE_DECL_O_DIRECT && !defined(_WIN32)
  tcase_add_test(tc, direct_io_refused_by_the_file_system_is_not_supported);
#endif
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
