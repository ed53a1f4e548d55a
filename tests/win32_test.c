/* Behaviours that the Windows backend had to work for: names outside any
 * code page, paths beyond MAX_PATH, rename over an existing file, files
 * used while another handle has them open, locks, and the error mapping.
 * The portable cases run on every backend (POSIX proves the contract they
 * share); the cases that reach for the Win32 API directly run on Windows
 * only and are listed as skipped elsewhere. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <winioctl.h>

#include "port/port.h"
#endif

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "win32"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static pl_env *env(void) { return pl_env_default(); }

static void write_file(const char *path, const char *text) {
  ck_assert_pl_ok(pl_file_write_all(env(), path, text, strlen(text), 0));
}

static void assert_contents(const char *path, const char *text) {
  char *data;
  size_t n;
  ck_assert_pl_ok(pl_file_read_all(env(), path, &data, &n));
  ck_assert_uint_eq(n, strlen(text));
  ck_assert_str_eq(data, text);
  free(data);
}

static int listed(const char *d, const char *name) {
  pl_strlist names = {0};
  size_t i;
  int found = 0;
  ck_assert_pl_ok(pl_env_list_children(env(), d, &names));
  for (i = 0; i < names.count; i++)
    if (strcmp(names.items[i], name) == 0) found = 1;
  pl_strlist_free(&names);
  return found;
}

/* "数据-ü.log" and "файл-ß.log" in UTF-8: no single ANSI code page holds
 * both CJK and these Latin letters, so ANSI calls (LevelDB's, #755) fail. */
#define NAME_CJK "\xe6\x95\xb0\xe6\x8d\xae-\xc3\xbc.log"
#define NAME_CYR "\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb-\xc3\x9f.log"

START_TEST(non_ascii_names_are_written_listed_renamed_and_read) {
  char a[1200], b[1200];
  uint64_t size;
  pl_test_path(a, sizeof a, dir, NAME_CJK);
  pl_test_path(b, sizeof b, dir, NAME_CYR);
  write_file(a, "unicode");
  ck_assert(listed(dir, NAME_CJK));
  ck_assert_pl_ok(pl_env_file_size(env(), a, &size));
  ck_assert_uint_eq(size, 7);
  ck_assert_pl_ok(pl_env_rename(env(), a, b));
  ck_assert(listed(dir, NAME_CYR));
  ck_assert(!listed(dir, NAME_CJK));
  ck_assert_int_eq(pl_env_file_exists(env(), a), PL_NOT_FOUND);
  assert_contents(b, "unicode");
  ck_assert_pl_ok(pl_env_remove_file(env(), b));
  ck_assert(!listed(dir, NAME_CYR));
}
END_TEST

START_TEST(non_ascii_directory_names_work) {
  char d[1200], f[1300];
  pl_test_path(d, sizeof d, dir, NAME_CJK ".d");
  ck_assert_pl_ok(pl_env_create_dir(env(), d));
  pl_test_path(f, sizeof f, d, NAME_CYR);
  write_file(f, "x");
  ck_assert(listed(d, NAME_CYR));
  ck_assert_pl_ok(pl_env_sync_dir(env(), d));
  ck_assert_pl_ok(pl_env_remove_file(env(), f));
  ck_assert_pl_ok(pl_env_remove_dir(env(), d));
}
END_TEST

/* Builds dir/<60 chars>/<60 chars>/... until the path passes 400 bytes,
 * well beyond MAX_PATH (260) and the 248 limit on directory names. */
static void long_path(char *buf, size_t cap, const char *leaf) {
  static const char seg[] = "a-directory-name-that-is-quite-long-to-reach-max-path-soon";
  snprintf(buf, cap, "%s", dir);
  while (strlen(buf) < 400) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "/%s", seg);
  }
  if (leaf) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "/%s", leaf);
  }
}

START_TEST(paths_longer_than_max_path_work) {
  char d[1200], f[1300], g[1300];
  pl_writable_options o;
  pl_writable_file *w;
  pl_random_file *r;
  const char *res;
  char scratch[16];
  size_t got;
  uint64_t size;
  long_path(d, sizeof d, NULL);
  long_path(f, sizeof f, "file");
  long_path(g, sizeof g, "renamed");
  ck_assert_uint_gt(strlen(f), 260);
  pl_writable_options_init(&o);
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(env(), f, &o, &w));
  ck_assert_pl_ok(pl_writable_append(w, "far away", 8));
  ck_assert_pl_ok(pl_writable_sync(w));
  ck_assert_pl_ok(pl_writable_close(w));
  ck_assert_pl_ok(pl_env_file_exists(env(), f));
  ck_assert_pl_ok(pl_env_file_size(env(), f, &size));
  ck_assert_uint_eq(size, 8);
  ck_assert(listed(d, "file"));
  ck_assert_pl_ok(pl_env_rename(env(), f, g));
  ck_assert_pl_ok(pl_env_new_random(env(), g, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 4, 4, scratch, &res, &got));
  ck_assert_uint_eq(got, 4);
  ck_assert_int_eq(memcmp(res, "away", 4), 0);
  pl_random_close(r);
  ck_assert_pl_ok(pl_env_sync_dir(env(), d));
  ck_assert_pl_ok(pl_env_remove_file(env(), g));
  ck_assert_int_eq(pl_env_file_exists(env(), g), PL_NOT_FOUND);
}
END_TEST

START_TEST(rename_replaces_an_existing_target) {
  char a[1200], b[1200];
  pl_test_path(a, sizeof a, dir, "new");
  pl_test_path(b, sizeof b, dir, "CURRENT");
  write_file(a, "MANIFEST-000002\n");
  write_file(b, "MANIFEST-000001\n");
  ck_assert_pl_ok(pl_env_rename(env(), a, b));
  assert_contents(b, "MANIFEST-000002\n");
  ck_assert_int_eq(pl_env_file_exists(env(), a), PL_NOT_FOUND);
}
END_TEST

START_TEST(rename_of_a_missing_file_is_not_found_and_names_both_paths) {
  char a[1200], b[1200];
  pl_test_path(a, sizeof a, dir, "missing");
  pl_test_path(b, sizeof b, dir, "target");
  write_file(b, "kept");
  ck_assert_int_eq(pl_env_rename(env(), a, b), PL_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), a));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), b));
  assert_contents(b, "kept");
}
END_TEST

START_TEST(reader_opens_a_file_while_a_writer_has_it) {
  char p[1200], buf[16];
  pl_writable_file *w;
  pl_sequential_file *s;
  pl_random_file *r;
  const char *res;
  size_t got;
  pl_test_path(p, sizeof p, dir, "000003.log");
  ck_assert_pl_ok(pl_env_new_writable(env(), p, NULL, &w));
  ck_assert_pl_ok(pl_writable_append(w, "record-1", 8));
  ck_assert_pl_ok(pl_writable_flush(w));
  ck_assert_pl_ok(pl_env_new_sequential(env(), p, &s));
  ck_assert_pl_ok(pl_sequential_read(s, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 8);
  ck_assert_int_eq(memcmp(buf, "record-1", 8), 0);
  /* The writer goes on while the reader holds the file. */
  ck_assert_pl_ok(pl_writable_append(w, "record-2", 8));
  ck_assert_pl_ok(pl_writable_flush(w));
  ck_assert_pl_ok(pl_sequential_read(s, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 8);
  ck_assert_int_eq(memcmp(buf, "record-2", 8), 0);
  pl_sequential_close(s);
  ck_assert_pl_ok(pl_env_new_random(env(), p, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 8, 8, buf, &res, &got));
  ck_assert_uint_eq(got, 8);
  ck_assert_int_eq(memcmp(res, "record-2", 8), 0);
  pl_random_close(r);
  ck_assert_pl_ok(pl_writable_close(w));
}
END_TEST

START_TEST(writer_truncates_a_file_a_reader_has_open) {
  char p[1200], buf[16];
  pl_sequential_file *s;
  pl_writable_file *w;
  size_t got;
  pl_test_path(p, sizeof p, dir, "LOG");
  write_file(p, "old contents");
  ck_assert_pl_ok(pl_env_new_sequential(env(), p, &s));
  ck_assert_pl_ok(pl_env_new_writable(env(), p, NULL, &w));
  ck_assert_pl_ok(pl_writable_append(w, "new", 3));
  ck_assert_pl_ok(pl_writable_close(w));
  ck_assert_pl_ok(pl_sequential_read(s, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 3);
  pl_sequential_close(s);
  assert_contents(p, "new");
}
END_TEST

START_TEST(open_file_can_be_renamed_and_written_on) {
  char a[1200], b[1200];
  pl_writable_file *w;
  pl_test_path(a, sizeof a, dir, "tmp");
  pl_test_path(b, sizeof b, dir, "final");
  ck_assert_pl_ok(pl_env_new_writable(env(), a, NULL, &w));
  ck_assert_pl_ok(pl_writable_append(w, "before ", 7));
  ck_assert_pl_ok(pl_writable_flush(w));
  ck_assert_pl_ok(pl_env_rename(env(), a, b));
  ck_assert_pl_ok(pl_writable_append(w, "after", 5));
  ck_assert_pl_ok(pl_writable_sync(w));
  ck_assert_pl_ok(pl_writable_close(w));
  assert_contents(b, "before after");
  ck_assert_int_eq(pl_env_file_exists(env(), a), PL_NOT_FOUND);
}
END_TEST

START_TEST(open_file_can_be_removed) {
  char p[1200];
  pl_writable_file *w;
  pl_sequential_file *s;
  pl_test_path(p, sizeof p, dir, "obsolete.log");
  ck_assert_pl_ok(pl_env_new_writable(env(), p, NULL, &w));
  ck_assert_pl_ok(pl_writable_append(w, "x", 1));
  ck_assert_pl_ok(pl_writable_flush(w));
  ck_assert_pl_ok(pl_env_new_sequential(env(), p, &s));
  /* Both a writer and a reader have it: POSIX unlinks at once; Windows
   * accepts the delete because every handle shares FILE_SHARE_DELETE (the
   * name may linger, "delete pending", until the handles close). */
  ck_assert_pl_ok(pl_env_remove_file(env(), p));
  pl_sequential_close(s);
  ck_assert_pl_ok(pl_writable_close(w));
  ck_assert_int_eq(pl_env_file_exists(env(), p), PL_NOT_FOUND);
  ck_assert(!listed(dir, "obsolete.log"));
}
END_TEST

START_TEST(rename_over_a_target_open_for_reading_is_atomic) {
  char a[1200], b[1200], buf[16];
  pl_sequential_file *s;
  pl_status st;
  size_t got;
  pl_test_path(a, sizeof a, dir, "CURRENT.tmp");
  pl_test_path(b, sizeof b, dir, "CURRENT");
  write_file(a, "new");
  write_file(b, "old");
  ck_assert_pl_ok(pl_env_new_sequential(env(), b, &s));
  st = pl_env_rename(env(), a, b);
#if defined(_WIN32)
  /* Windows before POSIX rename semantics (and FAT, and network shares)
   * refuses to replace a name that is open, even shared for delete; the
   * rename must then fail whole, leaving both files as they were. */
  if (st != PL_OK) {
    ck_assert_int_eq(st, PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), ERROR_ACCESS_DENIED);
    ck_assert_ptr_nonnull(strstr(pl_error_message(), b));
    assert_contents(b, "old");
    assert_contents(a, "new");
    pl_sequential_close(s);
    ck_assert_pl_ok(pl_env_rename(env(), a, b));
    assert_contents(b, "new");
    return;
  }
#endif
  ck_assert_pl_ok(st);
  assert_contents(b, "new");
  /* The reader keeps the file it opened. */
  ck_assert_pl_ok(pl_sequential_read(s, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 3);
  ck_assert_int_eq(memcmp(buf, "old", 3), 0);
  pl_sequential_close(s);
}
END_TEST

START_TEST(write_at_leaves_the_append_position_alone) {
  char p[1200];
  pl_writable_file *w;
  pl_test_path(p, sizeof p, dir, "table");
  ck_assert_pl_ok(pl_env_new_writable(env(), p, NULL, &w));
  ck_assert_pl_ok(pl_writable_append(w, "aaaa", 4));
  ck_assert_pl_ok(pl_writable_flush(w));
  /* On Windows a positional write moves the handle's position; the
   * following append must still land at the end. */
  ck_assert_pl_ok(pl_writable_write_at(w, 1, "B", 1));
  ck_assert_pl_ok(pl_writable_append(w, "cc", 2));
  ck_assert_pl_ok(pl_writable_close(w));
  assert_contents(p, "aBaacc");
}
END_TEST

START_TEST(appendable_file_appends_after_write_at) {
  char p[1200];
  pl_writable_file *w;
  pl_test_path(p, sizeof p, dir, "MANIFEST-000001");
  write_file(p, "head");
  ck_assert_pl_ok(pl_env_new_appendable(env(), p, NULL, &w));
  ck_assert_uint_eq(pl_writable_tell(w), 4);
  ck_assert_pl_ok(pl_writable_write_at(w, 0, "H", 1));
  ck_assert_pl_ok(pl_writable_append(w, "-tail", 5));
  ck_assert_pl_ok(pl_writable_close(w));
  assert_contents(p, "Head-tail");
}
END_TEST

START_TEST(random_reads_agree_mapped_and_positional) {
  char p[1200], scratch[64];
  char data[4096];
  pl_random_file *mapped, *plain;
  const char *a, *b;
  size_t ga, gb, i;
  int old_mmap, old_fd;
  for (i = 0; i < sizeof data; i++) data[i] = (char)('a' + i % 26);
  pl_test_path(p, sizeof p, dir, "000005.ldb");
  ck_assert_pl_ok(pl_file_write_all(env(), p, data, sizeof data, 1));
  pl_env_platform_get_limits(&old_mmap, &old_fd);
  pl_env_platform_set_limits(1, old_fd);
  ck_assert_pl_ok(pl_env_new_random(env(), p, &mapped));
  pl_env_platform_set_limits(0, old_fd);
  ck_assert_pl_ok(pl_env_new_random(env(), p, &plain));
  pl_env_platform_set_limits(old_mmap, old_fd);
  ck_assert_pl_ok(pl_random_read_at(mapped, 4090, 64, scratch, &a, &ga));
  ck_assert_uint_eq(ga, 6);
  ck_assert_pl_ok(pl_random_read_at(plain, 4090, 32, scratch, &b, &gb));
  ck_assert_uint_eq(gb, 6);
  ck_assert_int_eq(memcmp(a, data + 4090, 6), 0);
  ck_assert_int_eq(memcmp(b, data + 4090, 6), 0);
  ck_assert_pl_ok(pl_random_read_at(plain, 5000, 8, scratch, &b, &gb));
  ck_assert_uint_eq(gb, 0);
  pl_random_close(mapped);
  pl_random_close(plain);
}
END_TEST

START_TEST(rewriting_a_file_that_is_mapped) {
  char p[1200], scratch[16];
  pl_random_file *r;
  pl_writable_file *w = NULL;
  const char *res;
  size_t got;
  int old_mmap, old_fd;
  pl_status st;
  pl_test_path(p, sizeof p, dir, "000009.ldb");
  write_file(p, "old contents");
  pl_env_platform_get_limits(&old_mmap, &old_fd);
  pl_env_platform_set_limits(1, old_fd);
  ck_assert_pl_ok(pl_env_new_random(env(), p, &r));
  pl_env_platform_set_limits(old_mmap, old_fd);
  st = pl_env_new_writable(env(), p, NULL, &w);
#if defined(_WIN32)
  /* Windows cannot truncate a file while a view of it is mapped
   * (ERROR_USER_MAPPED_FILE); POSIX can, and the old view then faults
   * past the new end.  The failure leaves the file and the view intact. */
  ck_assert_int_eq(st, PL_IO_ERROR);
  ck_assert_ptr_null(w);
  ck_assert_int_eq(pl_error_os(), ERROR_USER_MAPPED_FILE);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_pl_ok(pl_random_read_at(r, 0, 3, scratch, &res, &got));
  ck_assert_uint_eq(got, 3);
  ck_assert_int_eq(memcmp(res, "old", 3), 0);
  pl_random_close(r);
  assert_contents(p, "old contents");
  ck_assert_pl_ok(pl_env_new_writable(env(), p, NULL, &w));
#else
  (void)scratch;
  (void)res;
  (void)got;
  ck_assert_pl_ok(st);
  pl_random_close(r);
#endif
  ck_assert_pl_ok(pl_writable_append(w, "new", 3));
  ck_assert_pl_ok(pl_writable_close(w));
  assert_contents(p, "new");
}
END_TEST

START_TEST(second_lock_in_the_process_fails_until_released) {
  char p[1200];
  pl_file_lock *l1, *l2 = NULL;
  pl_test_path(p, sizeof p, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l1));
  ck_assert_int_eq(pl_env_lock_file(env(), p, &l2), PL_IO_ERROR);
  ck_assert_ptr_null(l2);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l1));
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l2));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l2));
}
END_TEST

START_TEST(removing_a_non_empty_directory_is_an_io_error) {
  char d[1200], f[1300];
  pl_test_path(d, sizeof d, dir, "sub");
  ck_assert_pl_ok(pl_env_create_dir(env(), d));
  pl_test_path(f, sizeof f, d, "f");
  write_file(f, "x");
  ck_assert_int_eq(pl_env_remove_dir(env(), d), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), d));
  ck_assert_int_ne(pl_error_os(), 0);
}
END_TEST

START_TEST(missing_directory_sync_is_not_found) {
  char d[1200];
  pl_test_path(d, sizeof d, dir, "absent");
  ck_assert_int_eq(pl_env_sync_dir(env(), d), PL_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), d));
  ck_assert_pl_ok(pl_env_sync_dir(env(), dir));
}
END_TEST

START_TEST(create_dir_over_a_file_fails) {
  char p[1200];
  pl_test_path(p, sizeof p, dir, "plain");
  write_file(p, "x");
  ck_assert_int_eq(pl_env_create_dir(env(), p), PL_IO_ERROR);
  ck_assert_pl_ok(pl_env_create_dir(env(), dir)); /* an existing directory is fine */
}
END_TEST

#if defined(_WIN32)
/* ---- Windows only: the Win32 API itself is the witness ---- */

static HANDLE raw_open(const char *path) {
  wchar_t w[1200];
  HANDLE h;
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, path, -1, w, 1200), 0);
  h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                  FILE_ATTRIBUTE_NORMAL, NULL);
  ck_assert_msg(h != INVALID_HANDLE_VALUE, "CreateFileW %s: %lu", path, GetLastError());
  return h;
}

static BOOL raw_lock(HANDLE h, DWORD len) {
  OVERLAPPED ov;
  ZeroMemory(&ov, sizeof ov);
  return LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, len, 0, &ov);
}

static void raw_unlock(HANDLE h, DWORD len) {
  OVERLAPPED ov;
  ZeroMemory(&ov, sizeof ov);
  ck_assert(UnlockFileEx(h, 0, len, 0, &ov));
}

static void set_read_only(const char *path) {
  wchar_t w[1200];
  DWORD a;
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, path, -1, w, 1200), 0);
  a = GetFileAttributesW(w);
  ck_assert_uint_ne(a, INVALID_FILE_ATTRIBUTES);
  ck_assert(SetFileAttributesW(w, a | FILE_ATTRIBUTE_READONLY));
}

/* The read-only attribute is the one permission a test can set on itself.
 * Wine keeps it in the Unix permission bits, which root ignores: run as
 * root, this fails, and every read-only case here would prove nothing
 * (make check-windows runs Wine as an unprivileged user). */
START_TEST(read_only_file_refuses_writers) {
  char p[1200];
  pl_writable_file *w = NULL;
  pl_test_path(p, sizeof p, dir, "000001.ldb");
  write_file(p, "table");
  set_read_only(p);
  ck_assert_int_eq(pl_env_new_appendable(env(), p, NULL, &w), PL_IO_ERROR);
  ck_assert_ptr_null(w);
  ck_assert_int_eq(pl_error_os(), ERROR_ACCESS_DENIED);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_int_eq(pl_env_new_writable(env(), p, NULL, &w), PL_IO_ERROR);
  ck_assert_ptr_null(w);
  assert_contents(p, "table");
  ck_assert_pl_ok(pl_env_remove_file(env(), p));
}
END_TEST

START_TEST(read_only_file_can_be_removed) {
  char p[1200];
  wchar_t w[1200];
  BOOL ok;
  DWORD err;
  pl_test_path(p, sizeof p, dir, "copied-from-a-cd.ldb");
  write_file(p, "x");
  set_read_only(p);
  /* Windows itself refuses... */
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, p, -1, w, 1200), 0);
  ok = DeleteFileW(w);
  err = GetLastError();
  ck_assert(!ok);
  ck_assert_uint_eq(err, ERROR_ACCESS_DENIED);
  /* ...plinth removes it, as on POSIX, where a file's own mode does not
   * stop unlink. */
  ck_assert_pl_ok(pl_env_remove_file(env(), p));
  ck_assert_int_eq(pl_env_file_exists(env(), p), PL_NOT_FOUND);
}
END_TEST

START_TEST(rename_replaces_a_read_only_target) {
  char a[1200], b[1200];
  pl_test_path(a, sizeof a, dir, "CURRENT.tmp");
  pl_test_path(b, sizeof b, dir, "CURRENT");
  write_file(a, "new");
  write_file(b, "old");
  set_read_only(b);
  /* Windows refuses MoveFileExW over a read-only target (Wine 8 does not,
   * so there this proves the outcome only). */
  ck_assert_pl_ok(pl_env_rename(env(), a, b));
  assert_contents(b, "new");
  ck_assert_pl_ok(pl_env_remove_file(env(), b));
}
END_TEST

START_TEST(remove_that_fails_leaves_the_read_only_attribute) {
  char p[1200];
  wchar_t w[1200];
  HANDLE h;
  pl_test_path(p, sizeof p, dir, "held");
  write_file(p, "x");
  set_read_only(p);
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, p, -1, w, 1200), 0);
  /* Another program holds it without FILE_SHARE_DELETE: no remove can
   * succeed, and the attribute plinth cleared to try must come back. */
  h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                  FILE_ATTRIBUTE_NORMAL, NULL);
  ck_assert(h != INVALID_HANDLE_VALUE);
  ck_assert_int_eq(pl_env_remove_file(env(), p), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  CloseHandle(h);
  ck_assert(GetFileAttributesW(w) & FILE_ATTRIBUTE_READONLY);
  ck_assert_pl_ok(pl_env_remove_file(env(), p));
}
END_TEST

START_TEST(lock_excludes_other_handles) {
  char p[1200];
  pl_file_lock *l;
  HANDLE h;
  BOOL ok;
  DWORD err;
  pl_test_path(p, sizeof p, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  h = raw_open(p);
  /* Another handle (another process would hold one the same way) cannot
   * take a conflicting LockFileEx lock. */
  ok = raw_lock(h, MAXDWORD);
  err = GetLastError();
  ck_assert(!ok);
  ck_assert_int_eq(err, ERROR_LOCK_VIOLATION);
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
  ck_assert(raw_lock(h, MAXDWORD));
  raw_unlock(h, MAXDWORD);
  CloseHandle(h);
}
END_TEST

START_TEST(lock_held_by_another_handle_is_reported) {
  char p[1200];
  pl_file_lock *l = NULL;
  HANDLE h;
  pl_test_path(p, sizeof p, dir, "LOCK");
  h = raw_open(p);
  ck_assert(raw_lock(h, 1));
  ck_assert_int_eq(pl_env_lock_file(env(), p, &l), PL_IO_ERROR);
  ck_assert_ptr_null(l);
  ck_assert_int_eq(pl_error_os(), ERROR_LOCK_VIOLATION);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "locked"));
  raw_unlock(h, 1);
  CloseHandle(h);
  /* The failed attempt left nothing behind in the process's table. */
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
}
END_TEST

/* FormatMessageW's text for err as UTF-8, trimmed like the backend's. */
static void system_text(DWORD err, char *buf, size_t cap) {
  wchar_t w[512];
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                           MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), w, 512, NULL);
  size_t len;
  ck_assert_uint_gt(n, 0);
  ck_assert_int_gt(WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)cap, NULL, NULL), 0);
  len = strlen(buf);
  while (len > 0 && strchr("\r\n .", buf[len - 1])) buf[--len] = '\0';
}

START_TEST(missing_file_is_not_found_with_the_system_text_and_path) {
  char p[1200], want[1800], text[1024];
  pl_sequential_file *s;
  pl_test_path(p, sizeof p, dir, NAME_CJK);
  ck_assert_int_eq(pl_env_new_sequential(env(), p, &s), PL_NOT_FOUND);
  ck_assert_int_eq(pl_error_os(), ERROR_FILE_NOT_FOUND);
  system_text(ERROR_FILE_NOT_FOUND, text, sizeof text);
  snprintf(want, sizeof want, "%s: %s", p, text);
  ck_assert_str_eq(pl_error_message(), want);
}
END_TEST

START_TEST(missing_directory_on_the_way_is_not_found) {
  char p[1200];
  uint64_t size;
  snprintf(p, sizeof p, "%s/no-such-dir/file", dir);
  ck_assert_int_eq(pl_env_file_size(env(), p, &size), PL_NOT_FOUND);
  ck_assert_int_eq(pl_error_os(), ERROR_PATH_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
}
END_TEST

START_TEST(path_that_is_not_utf8_is_invalid) {
  char p[1200];
  pl_writable_file *w = NULL;
  snprintf(p, sizeof p, "%s/bad-\xff\xfe-name", dir);
  ck_assert_int_eq(pl_env_new_writable(env(), p, NULL, &w), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(w);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "UTF-8"));
}
END_TEST

/* Every call that takes a path refuses name (a path under dir, made with
 * pl_test_path) with InvalidArgument and a message holding reason, and
 * leaves nothing behind. */
static void assert_name_refused(const char *name, const char *reason) {
  char p[1300], other[1300], sub[1400];
  pl_writable_file *w = NULL;
  pl_sequential_file *sq = NULL;
  pl_file_lock *l = NULL;
  pl_strlist names = {0};
  uint64_t size;
  pl_test_path(p, sizeof p, dir, name);
  pl_test_path(other, sizeof other, dir, "other");
  snprintf(sub, sizeof sub, "%s/inside", p);
  write_file(other, "x");
#define REFUSED(call)                                                                          \
  do {                                                                                         \
    pl_status st_ = (call);                                                                    \
    ck_assert_msg(st_ == PL_INVALID_ARGUMENT, "%s on \"%s\" -> %s: %s", #call, name,            \
                  pl_status_name(st_), pl_error_message());                                    \
    ck_assert_msg(strstr(pl_error_message(), reason) != NULL, "%s", pl_error_message());      \
    ck_assert_int_eq(pl_error_os(), ERROR_INVALID_NAME);                                       \
  } while (0)
  REFUSED(pl_env_new_writable(env(), p, NULL, &w));
  REFUSED(pl_env_new_appendable(env(), p, NULL, &w));
  REFUSED(pl_env_new_sequential(env(), p, &sq));
  REFUSED(pl_env_file_exists(env(), p));
  REFUSED(pl_env_file_size(env(), p, &size));
  REFUSED(pl_env_remove_file(env(), p));
  REFUSED(pl_env_create_dir(env(), p));
  REFUSED(pl_env_sync_dir(env(), p));
  REFUSED(pl_env_list_children(env(), p, &names));
  REFUSED(pl_env_lock_file(env(), p, &l));
  REFUSED(pl_env_rename(env(), other, p));
  REFUSED(pl_env_rename(env(), p, other));
  REFUSED(pl_env_new_writable(env(), sub, NULL, &w)); /* as a directory on the way */
#undef REFUSED
  ck_assert_ptr_null(w);
  ck_assert_ptr_null(sq);
  ck_assert_ptr_null(l);
  ck_assert_pl_ok(pl_env_list_children(env(), dir, &names));
  ck_assert_uint_eq(names.count, 1); /* only "other" */
  pl_strlist_free(&names);
  ck_assert_pl_ok(pl_env_remove_file(env(), other));
}

START_TEST(device_names_are_invalid_arguments) {
  static const char *const names[] = {
      "NUL", "nul", "con.log", "COM1.ldb", "lpt9", "Aux", "prn.tar.gz", "aux .txt", "CONIN$",
      "conout$.log", "COM\xc2\xb9", "lpt\xc2\xb3.x"};
  char p[1300];
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++) assert_name_refused(names[i], "device name");
  /* Names that only look like them are ordinary files. */
  write_file(pl_test_path(p, sizeof p, dir, "NULL"), "1");
  write_file(pl_test_path(p, sizeof p, dir, "COM10"), "2");
  write_file(pl_test_path(p, sizeof p, dir, "console.log"), "3");
  write_file(pl_test_path(p, sizeof p, dir, "lpt"), "4");
  write_file(pl_test_path(p, sizeof p, dir, "x.nul"), "5");
  assert_contents(pl_test_path(p, sizeof p, dir, "x.nul"), "5");
}
END_TEST

START_TEST(trailing_dot_or_space_is_an_invalid_argument) {
  char p[1300];
  assert_name_refused("x.", "dot or space");
  assert_name_refused("x ", "dot or space");
  assert_name_refused("MANIFEST-000001...", "dot or space");
  assert_name_refused("dir./f", "dot or space");
  /* "." and ".." are path syntax, not names. */
  ck_assert_pl_ok(pl_env_create_dir(env(), pl_test_path(p, sizeof p, dir, "d")));
  snprintf(p, sizeof p, "%s/d/../d/./f", dir);
  write_file(p, "ok");
  assert_contents(p, "ok");
}
END_TEST

START_TEST(colon_in_a_name_is_an_invalid_argument) {
  assert_name_refused("a:b", "alternate data stream");
  assert_name_refused("000005.log:hidden", "alternate data stream");
  assert_name_refused("x::$DATA", "alternate data stream");
  /* The drive letter's colon is not in a name: dir itself has one (C:\...). */
  ck_assert_ptr_nonnull(strchr(dir, ':'));
  ck_assert_pl_ok(pl_env_file_exists(env(), dir));
}
END_TEST

START_TEST(characters_windows_cannot_store_are_invalid_arguments) {
  static const char *const names[] = {"a<b", "a>b", "a\"b", "a|b", "a?b", "a*", "a\x01b"};
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    assert_name_refused(names[i], "does not allow");
}
END_TEST

START_TEST(names_differing_only_in_case_are_one_file) {
  char p[1200], upper[1200], lower[1200];
  pl_strlist names = {0};
  pl_test_path(p, sizeof p, dir, "Data.log");
  pl_test_path(upper, sizeof upper, dir, "DATA.LOG");
  pl_test_path(lower, sizeof lower, dir, "data.log");
  write_file(p, "first");
  ck_assert_pl_ok(pl_env_file_exists(env(), upper));
  assert_contents(lower, "first");
  write_file(upper, "second"); /* the same file, truncated */
  assert_contents(p, "second");
  /* The name keeps the case it was created with. */
  ck_assert_pl_ok(pl_env_list_children(env(), dir, &names));
  ck_assert_uint_eq(names.count, 1);
  ck_assert_str_eq(names.items[0], "Data.log");
  pl_strlist_free(&names);
  ck_assert_pl_ok(pl_env_remove_file(env(), lower));
  ck_assert_int_eq(pl_env_file_exists(env(), p), PL_NOT_FOUND);
}
END_TEST

START_TEST(write_refused_by_a_byte_range_lock_is_sticky) {
  char p[1200];
  pl_writable_options o;
  pl_writable_file *w;
  HANDLE h;
  char first[1024];
  pl_test_path(p, sizeof p, dir, "000007.log");
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  ck_assert_pl_ok(pl_env_new_writable(env(), p, &o, &w));
  /* A byte-range lock from another handle makes WriteFile fail with
   * ERROR_LOCK_VIOLATION: a real write failure, made on demand. */
  h = raw_open(p);
  ck_assert(raw_lock(h, 1u << 20));
  ck_assert_int_eq(pl_writable_append(w, "data", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_LOCK_VIOLATION);
  snprintf(first, sizeof first, "%s", pl_error_message());
  ck_assert_ptr_nonnull(strstr(first, p));
  raw_unlock(h, 1u << 20);
  CloseHandle(h);
  /* The region is free again, yet the file keeps failing with the first
   * error: what reached the disk is unknown. */
  ck_assert_int_eq(pl_writable_append(w, "more", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_LOCK_VIOLATION);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), first));
  ck_assert_int_eq(pl_writable_sync(w), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(w), PL_IO_ERROR);
}
END_TEST

/* Whether WriteFile honours another handle's byte-range lock (Windows
 * does; Wine 8 does not), which write_refused_by_a_byte_range_lock_is_sticky relies on. */
static int writes_honour_locks(void) {
  char base[2048], p[2100];
  wchar_t w[2100];
  HANDLE a, b;
  OVERLAPPED ov;
  DWORD n;
  BOOL wrote = TRUE;
  if (pl_env_test_directory(env(), base, sizeof base) != PL_OK) return 0;
  snprintf(p, sizeof p, "%s/lock-probe-%lu", base, (unsigned long)GetCurrentProcessId());
  if (MultiByteToWideChar(CP_UTF8, 0, p, -1, w, 2100) <= 0) return 0;
  a = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                  CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
  b = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                  OPEN_EXISTING, 0, NULL);
  ZeroMemory(&ov, sizeof ov);
  if (a != INVALID_HANDLE_VALUE && b != INVALID_HANDLE_VALUE &&
      LockFileEx(b, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 16, 0, &ov)) {
    wrote = WriteFile(a, "x", 1, &n, NULL);
    ZeroMemory(&ov, sizeof ov);
    UnlockFileEx(b, 0, 16, 0, &ov);
  }
  if (b != INVALID_HANDLE_VALUE) CloseHandle(b);
  if (a != INVALID_HANDLE_VALUE) CloseHandle(a);
  return !wrote;
}


START_TEST(handles_are_not_inheritable) {
  char p[1200];
  pl__os_file f;
  DWORD flags = 0;
  pl_test_path(p, sizeof p, dir, "child-must-not-see");
  /* The counterpart of O_CLOEXEC: a process the embedder starts must not
   * hold plinth's files (it would keep them open, locked, undeletable). */
  ck_assert_pl_ok(pl__port_open(p, PL__OPEN_READ | PL__OPEN_WRITE | PL__OPEN_CREATE, &f));
  ck_assert(GetHandleInformation((HANDLE)f, &flags));
  ck_assert_uint_eq(flags & HANDLE_FLAG_INHERIT, 0);
  ck_assert_pl_ok(pl__port_close(f, p));
}
END_TEST

/* Runs this program again as "--lock-child MODE PATH" and returns its
 * process handle.  The children are in main(). */
static HANDLE start_child(const char *mode, const char *path) {
  wchar_t exe[MAX_PATH], cmd[3000], wpath[1300], wmode[32];
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  ck_assert_uint_gt(GetModuleFileNameW(NULL, exe, MAX_PATH), 0);
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, 1300), 0);
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, mode, -1, wmode, 32), 0);
  _snwprintf(cmd, 3000, L"\"%ls\" --lock-child %ls \"%ls\"", exe, wmode, wpath);
  cmd[2999] = L'\0';
  ZeroMemory(&si, sizeof si);
  si.cb = sizeof si;
  ck_assert_msg(CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi),
                "CreateProcessW: %lu", GetLastError());
  CloseHandle(pi.hThread);
  return pi.hProcess;
}

static DWORD wait_child(HANDLE h) {
  DWORD code = 99;
  ck_assert_uint_eq(WaitForSingleObject(h, INFINITE), WAIT_OBJECT_0);
  ck_assert(GetExitCodeProcess(h, &code));
  CloseHandle(h);
  return code;
}

/* Waits for the child to create path; fails if it exits first.  (Check
 * has no timeouts in no-fork mode, so a wait must not depend on it.) */
static void wait_for_file(const char *path, HANDLE child) {
  while (pl_env_file_exists(env(), path) != PL_OK) {
    DWORD code = 0;
    if (WaitForSingleObject(child, 5) == WAIT_OBJECT_0) {
      GetExitCodeProcess(child, &code);
      ck_abort_msg("child exited (%lu) before creating %s", code, path);
    }
  }
}

START_TEST(lock_excludes_another_process_until_unlock) {
  char p[1200];
  pl_file_lock *l;
  pl_test_path(p, sizeof p, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  ck_assert_uint_eq(wait_child(start_child("try", p)), 1); /* refused */
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
  ck_assert_uint_eq(wait_child(start_child("try", p)), 0); /* granted */
}
END_TEST

START_TEST(refused_second_spelling_leaves_the_lock_held_against_other_processes) {
  char p[1200], again[1300];
  pl_file_lock *l, *l2 = NULL;
  pl_test_path(p, sizeof p, dir, "LOCK");
  snprintf(again, sizeof again, "%s\\.\\LOCK", dir);
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  ck_assert_int_eq(pl_env_lock_file(env(), again, &l2), PL_IO_ERROR);
  ck_assert_ptr_null(l2);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "already held by this process"));
  ck_assert_uint_eq(wait_child(start_child("try", p)), 1); /* still refused */
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
  ck_assert_uint_eq(wait_child(start_child("try", p)), 0);
}
END_TEST

START_TEST(names_differing_only_in_case_are_one_lock) {
  char p[1200], upper[1200];
  pl_file_lock *l, *l2 = NULL;
  pl_test_path(p, sizeof p, dir, "lock");
  pl_test_path(upper, sizeof upper, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  /* One file, so one lock: refused as this process's own, not reported as
   * another process's. */
  ck_assert_int_eq(pl_env_lock_file(env(), upper, &l2), PL_IO_ERROR);
  ck_assert_ptr_null(l2);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "already held by this process"));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
}
END_TEST

START_TEST(lock_is_released_when_the_holder_exits) {
  char p[1200], held[1300], go[1300];
  pl_file_lock *l = NULL;
  HANDLE child;
  pl_test_path(p, sizeof p, dir, "LOCK");
  snprintf(held, sizeof held, "%s.held", p);
  snprintf(go, sizeof go, "%s.go", p);
  child = start_child("hold", p);
  wait_for_file(held, child);
  ck_assert_int_eq(pl_env_lock_file(env(), p, &l), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ERROR_LOCK_VIOLATION);
  write_file(go, "");
  ck_assert_uint_eq(wait_child(child), 0); /* it exited holding the lock */
  ck_assert_pl_ok(pl_env_lock_file(env(), p, &l));
  ck_assert_pl_ok(pl_env_unlock_file(env(), l));
}
END_TEST

/* The children of the two cases above.  "try": exit 0 if the lock was
 * granted (and release it), 1 if refused.  "hold": take the lock, say so
 * with PATH.held, wait for PATH.go, exit without unlocking. */
static int lock_child(const char *mode, const char *path) {
  pl_file_lock *l;
  char flag[1300];
  int waited;
  pl_status s = pl_env_lock_file(env(), path, &l);
  if (strcmp(mode, "try") == 0) {
    if (s != PL_OK) return 1;
    return pl_env_unlock_file(env(), l) == PL_OK ? 0 : 2;
  }
  if (s != PL_OK) return 3;
  snprintf(flag, sizeof flag, "%s.held", path);
  if (pl_file_write_all(env(), flag, "", 0, 0) != PL_OK) return 4;
  snprintf(flag, sizeof flag, "%s.go", path);
  /* A parent whose test failed never says go; give up after a minute so
   * no child outlives the suite for long. */
  for (waited = 0; pl_env_file_exists(env(), flag) != PL_OK; waited += 5) {
    if (waited > 60000) return 5;
    Sleep(5);
  }
  return 0;
}

START_TEST(files_larger_than_4_gib_work_when_sparse) {
  uint64_t big = (UINT64_C(5) << 30) + 123; /* past 32-bit offsets */
  char p[1200], scratch[8];
  pl_writable_options o;
  pl_writable_file *f;
  pl_random_file *r;
  const char *res;
  size_t got;
  uint64_t size;
  int old_mmap, old_fd;
  HANDLE h;
  DWORD n;
  pl_test_path(p, sizeof p, dir, "sparse");
  write_file(p, "");
  /* Sparse, so NTFS does not write 5 GiB of zeros; plinth itself never
   * makes files sparse. */
  h = raw_open(p);
  ck_assert_msg(DeviceIoControl(h, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &n, NULL),
                "FSCTL_SET_SPARSE: %lu", GetLastError());
  CloseHandle(h);
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  ck_assert_pl_ok(pl_env_new_writable(env(), p, &o, &f));
  ck_assert_pl_ok(pl_writable_write_at(f, big, "tail", 4));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_file_size(env(), p, &size));
  ck_assert_uint_eq(size, big + 4);
  ck_assert_pl_ok(pl_env_new_appendable(env(), p, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), big + 4);
  ck_assert_pl_ok(pl_writable_append(f, "more", 4));
  ck_assert_pl_ok(pl_writable_close(f));
  pl_env_platform_get_limits(&old_mmap, &old_fd);
  pl_env_platform_set_limits(0, old_fd); /* positional reads, not a 5 GiB view */
  ck_assert_pl_ok(pl_env_new_random(env(), p, &r));
  pl_env_platform_set_limits(old_mmap, old_fd);
  ck_assert_pl_ok(pl_random_read_at(r, big, 8, scratch, &res, &got));
  ck_assert_uint_eq(got, 8);
  ck_assert_int_eq(memcmp(res, "tailmore", 8), 0);
  pl_random_close(r);
  ck_assert_pl_ok(pl_env_remove_file(env(), p));
}
END_TEST

START_TEST(test_directory_is_under_the_system_temporary_directory) {
  wchar_t w[MAX_PATH + 1];
  char tmp[MAX_PATH * 3], base[2048];
  DWORD n = GetTempPathW(MAX_PATH + 1, w);
  ck_assert_uint_gt(n, 0);
  ck_assert_int_gt(WideCharToMultiByte(CP_UTF8, 0, w, -1, tmp, sizeof tmp, NULL, NULL), 0);
  if (getenv("TEST_TMPDIR") != NULL) return; /* the caller chose another */
  ck_assert_pl_ok(pl_env_test_directory(env(), base, sizeof base));
  ck_assert_int_eq(strncmp(base, tmp, strlen(tmp)), 0);
}
END_TEST
#endif /* _WIN32 */

int main(int argc, char **argv) {
  Suite *s;
#if defined(_WIN32)
  if (argc == 4 && strcmp(argv[1], "--lock-child") == 0) return lock_child(argv[2], argv[3]);
#else
  (void)argc;
  (void)argv;
#endif
  s = suite_create("win32");
  TCase *tc = pl_test_tcase("portable", setup, teardown, 0);
  TCase *win = pl_test_tcase("windows", setup, teardown, 0);
  tcase_add_test(tc, non_ascii_names_are_written_listed_renamed_and_read);
  tcase_add_test(tc, non_ascii_directory_names_work);
  tcase_add_test(tc, paths_longer_than_max_path_work);
  tcase_add_test(tc, rename_replaces_an_existing_target);
  tcase_add_test(tc, rename_of_a_missing_file_is_not_found_and_names_both_paths);
  tcase_add_test(tc, reader_opens_a_file_while_a_writer_has_it);
  tcase_add_test(tc, writer_truncates_a_file_a_reader_has_open);
  tcase_add_test(tc, open_file_can_be_renamed_and_written_on);
  tcase_add_test(tc, open_file_can_be_removed);
  tcase_add_test(tc, rename_over_a_target_open_for_reading_is_atomic);
  tcase_add_test(tc, write_at_leaves_the_append_position_alone);
  tcase_add_test(tc, appendable_file_appends_after_write_at);
  tcase_add_test(tc, random_reads_agree_mapped_and_positional);
  tcase_add_test(tc, rewriting_a_file_that_is_mapped);
  tcase_add_test(tc, second_lock_in_the_process_fails_until_released);
  tcase_add_test(tc, removing_a_non_empty_directory_is_an_io_error);
  tcase_add_test(tc, missing_directory_sync_is_not_found);
  tcase_add_test(tc, create_dir_over_a_file_fails);
#if defined(_WIN32)
  tcase_add_test(win, read_only_file_refuses_writers);
  tcase_add_test(win, read_only_file_can_be_removed);
  tcase_add_test(win, rename_replaces_a_read_only_target);
  tcase_add_test(win, remove_that_fails_leaves_the_read_only_attribute);
  tcase_add_test(win, lock_excludes_other_handles);
  tcase_add_test(win, lock_held_by_another_handle_is_reported);
  tcase_add_test(win, missing_file_is_not_found_with_the_system_text_and_path);
  tcase_add_test(win, missing_directory_on_the_way_is_not_found);
  tcase_add_test(win, path_that_is_not_utf8_is_invalid);
  tcase_add_test(win, device_names_are_invalid_arguments);
  tcase_add_test(win, trailing_dot_or_space_is_an_invalid_argument);
  tcase_add_test(win, colon_in_a_name_is_an_invalid_argument);
  tcase_add_test(win, characters_windows_cannot_store_are_invalid_arguments);
  tcase_add_test(win, names_differing_only_in_case_are_one_file);
  if (writes_honour_locks())
    tcase_add_test(win, write_refused_by_a_byte_range_lock_is_sticky);
  else
    pl_test_note_skip("byte-range locks not enforced on writes (Wine)", "write_refused_by_a_byte_range_lock_is_sticky");
  tcase_add_test(win, test_directory_is_under_the_system_temporary_directory);
  tcase_add_test(win, handles_are_not_inheritable);
  tcase_add_test(win, lock_excludes_another_process_until_unlock);
  tcase_add_test(win, lock_is_released_when_the_holder_exits);
  tcase_add_test(win, refused_second_spelling_leaves_the_lock_held_against_other_processes);
  tcase_add_test(win, names_differing_only_in_case_are_one_lock);
  tcase_add_test(win, files_larger_than_4_gib_work_when_sparse);
#else
  pl_test_note_skip("windows-only", "read_only_file_refuses_writers");
  pl_test_note_skip("windows-only", "read_only_file_can_be_removed");
  pl_test_note_skip("windows-only", "rename_replaces_a_read_only_target");
  pl_test_note_skip("windows-only", "remove_that_fails_leaves_the_read_only_attribute");
  pl_test_note_skip("windows-only", "lock_excludes_other_handles");
  pl_test_note_skip("windows-only", "lock_held_by_another_handle_is_reported");
  pl_test_note_skip("windows-only", "missing_file_is_not_found_with_the_system_text_and_path");
  pl_test_note_skip("windows-only", "missing_directory_on_the_way_is_not_found");
  pl_test_note_skip("windows-only", "path_that_is_not_utf8_is_invalid");
  pl_test_note_skip("windows-only", "device_names_are_invalid_arguments");
  pl_test_note_skip("windows-only", "trailing_dot_or_space_is_an_invalid_argument");
  pl_test_note_skip("windows-only", "colon_in_a_name_is_an_invalid_argument");
  pl_test_note_skip("windows-only", "characters_windows_cannot_store_are_invalid_arguments");
  pl_test_note_skip("windows-only", "names_differing_only_in_case_are_one_file");
  pl_test_note_skip("windows-only", "write_refused_by_a_byte_range_lock_is_sticky");
  pl_test_note_skip("windows-only", "test_directory_is_under_the_system_temporary_directory");
  /* The POSIX counterparts of these live in cloexec_test, lock_test and
   * writable_test. */
  pl_test_note_skip("windows-only", "handles_are_not_inheritable");
  pl_test_note_skip("windows-only", "lock_excludes_another_process_until_unlock");
  pl_test_note_skip("windows-only", "lock_is_released_when_the_holder_exits");
  pl_test_note_skip("windows-only", "refused_second_spelling_leaves_the_lock_held_against_other_processes");
  pl_test_note_skip("windows-only", "names_differing_only_in_case_are_one_lock");
  pl_test_note_skip("windows-only", "files_larger_than_4_gib_work_when_sparse");
#endif
  suite_add_tcase(s, tc);
  suite_add_tcase(s, win);
  return pl_test_run(s);
}
