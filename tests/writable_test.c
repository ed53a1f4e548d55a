/* Writable files on the platform env: buffering, counters, options, the
 * manifest rule, durable sync, sticky failures and the error paths. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#if !defined(_WIN32)
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "tests/test_util.h"

static char dir[1024];
static char path[1200];

static void setup(void) { pl_test_fresh_file(dir, sizeof dir, path, sizeof path, "writable", "file"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static pl_writable_file *open_with_buffer(const char *p, size_t buffer) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_options_init(&o);
  o.buffer_size = buffer;
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), p, &o, &f));
  return f;
}

static uint64_t size_on_disk(const char *p) {
  uint64_t n = 0;
  ck_assert_pl_ok(pl_env_file_size(pl_test_env(), p, &n));
  return n;
}

static void expect_contents(const char *p, const void *want, size_t n) {
  char *data;
  size_t got;
  ck_assert_pl_ok(pl_file_read_all(pl_test_env(), p, &data, &got));
  ck_assert_uint_eq(got, n);
  ck_assert_msg(memcmp(data, want, n) == 0, "contents of %s differ", p);
  free(data);
}

START_TEST(appends_are_read_back_in_order) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "hello ", 6));
  ck_assert_pl_ok(pl_writable_append(f, "world", 5));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "hello world", 11);
}
END_TEST

START_TEST(new_writable_truncates_an_existing_file) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_file_write_all(pl_test_env(), path, "old contents", 12, 0));
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_append(f, "new", 3));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "new", 3);
}
END_TEST

START_TEST(small_appends_stay_in_the_buffer_until_flush) {
  pl_writable_file *f;
  pl_writable_stats st;
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "abc", 3));
  ck_assert_uint_eq(size_on_disk(path), 0);
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.os_writes, 0);
  ck_assert_pl_ok(pl_writable_flush(f));
  ck_assert_uint_eq(size_on_disk(path), 3);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(default_buffer_holds_64_kib) {
  static char block[PL_WRITABLE_DEFAULT_BUFFER];
  pl_writable_file *f;
  pl_writable_stats st;
  pl_writable_options o;
  pl_writable_options_init(&o);
  ck_assert_uint_eq(o.buffer_size, 64 * 1024);
  memset(block, 'b', sizeof block);
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, block, sizeof block - 1));
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.os_writes, 0); /* exactly full, still buffered */
  ck_assert_pl_ok(pl_writable_append(f, "y", 1));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.os_writes, 1);
  ck_assert_uint_eq(size_on_disk(path), sizeof block);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(size_on_disk(path), sizeof block + 1);
}
END_TEST

START_TEST(append_as_large_as_the_buffer_is_written_in_one_call) {
  size_t big = 1 << 20;
  char *data = malloc(big + 10), *expect;
  pl_writable_file *f = open_with_buffer(path, 4096);
  pl_writable_stats st;
  size_t i;
  for (i = 0; i < big; i++) data[i] = (char)(i * 7);
  ck_assert_pl_ok(pl_writable_append(f, "0123456789", 10));
  ck_assert_pl_ok(pl_writable_append(f, data, big));
  pl_writable_stats_get(f, &st);
  /* The buffered bytes and the large append leave in a single vectored
   * write, straight from the caller's memory. */
  ck_assert_uint_eq(st.os_writes, 1);
  ck_assert_uint_eq(size_on_disk(path), big + 10);
  ck_assert_pl_ok(pl_writable_close(f));
  expect = malloc(big + 10);
  memcpy(expect, "0123456789", 10);
  memcpy(expect + 10, data, big);
  expect_contents(path, expect, big + 10);
  free(expect);
  free(data);
}
END_TEST

START_TEST(buffer_size_is_a_per_file_option) {
  char p2[1300];
  pl_writable_file *a = open_with_buffer(path, 8), *b;
  pl_writable_stats sa, sb;
  pl_test_path(p2, sizeof p2, dir, "other");
  b = open_with_buffer(p2, 1024);
  ck_assert_pl_ok(pl_writable_append(a, "0123456789", 10));
  ck_assert_pl_ok(pl_writable_append(b, "0123456789", 10));
  pl_writable_stats_get(a, &sa);
  pl_writable_stats_get(b, &sb);
  ck_assert_uint_eq(sa.os_writes, 1);
  ck_assert_uint_eq(sb.os_writes, 0);
  ck_assert_pl_ok(pl_writable_close(a));
  ck_assert_pl_ok(pl_writable_close(b));
}
END_TEST

START_TEST(unbuffered_file_writes_every_append) {
  pl_writable_file *f = open_with_buffer(path, 0);
  ck_assert_pl_ok(pl_writable_append(f, "a", 1));
  ck_assert_uint_eq(size_on_disk(path), 1);
  ck_assert_pl_ok(pl_writable_append(f, "bc", 2));
  ck_assert_uint_eq(size_on_disk(path), 3);
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "abc", 3);
}
END_TEST

START_TEST(appendv_appends_the_pieces_in_order) {
  static char big[100000];
  pl_iovec small[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
  pl_iovec mixed[2];
  pl_writable_file *f = open_with_buffer(path, 64);
  pl_writable_stats st;
  char *expect;
  memset(big, 'z', sizeof big);
  mixed[0].base = "head";
  mixed[0].len = 4;
  mixed[1].base = big;
  mixed[1].len = sizeof big;
  ck_assert_pl_ok(pl_writable_appendv(f, small, 3));
  ck_assert_uint_eq(pl_writable_tell(f), 5);
  ck_assert_pl_ok(pl_writable_appendv(f, mixed, 2));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.appends, 2);
  ck_assert_uint_eq(st.os_writes, 1);
  ck_assert_pl_ok(pl_writable_close(f));
  expect = malloc(9 + sizeof big);
  memcpy(expect, "abcdehead", 9);
  memcpy(expect + 9, big, sizeof big);
  expect_contents(path, expect, 9 + sizeof big);
  free(expect);
}
END_TEST

START_TEST(appendv_of_pieces_between_room_and_buffer_size_is_kept_whole) {
  pl_iovec v[3] = {{"0123456789", 10}, {"abcdefghij", 10}, {"KLMNOPQRST", 10}};
  pl_writable_file *f = open_with_buffer(path, 32);
  ck_assert_pl_ok(pl_writable_append(f, "xxxxxxxxxxxxxxxxxxxx", 20));
  /* 30 bytes do not fit the 12 left, and are less than the buffer size. */
  ck_assert_pl_ok(pl_writable_appendv(f, v, 3));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "xxxxxxxxxxxxxxxxxxxx0123456789abcdefghijKLMNOPQRST", 50);
}
END_TEST

START_TEST(counters_count_bytes_appends_writes_flushes_and_syncs) {
  pl_writable_file *f = open_with_buffer(path, 16);
  pl_writable_stats st;
  ck_assert_pl_ok(pl_writable_append(f, "12345", 5));
  ck_assert_pl_ok(pl_writable_append(f, "12345", 5));
  ck_assert_pl_ok(pl_writable_flush(f));
  ck_assert_pl_ok(pl_writable_append(f, "1234567890123456789", 19));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_flush(f));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.bytes, 29);
  ck_assert_uint_eq(st.appends, 3);
  ck_assert_uint_eq(st.os_writes, 2);
  ck_assert_uint_eq(st.flushes, 2);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(tell_counts_buffered_bytes) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_append(f, "abcd", 4));
  ck_assert_uint_eq(pl_writable_tell(f), 4);
  ck_assert_uint_eq(size_on_disk(path), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(appendable_file_continues_at_its_end) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_file_write_all(pl_test_env(), path, "first,", 6, 0));
  ck_assert_pl_ok(pl_env_new_appendable(pl_test_env(), path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), 6);
  ck_assert_pl_ok(pl_writable_append(f, "second", 6));
  ck_assert_uint_eq(pl_writable_tell(f), 12);
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "first,second", 12);
}
END_TEST

START_TEST(appendable_file_is_created_when_missing) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_appendable(pl_test_env(), path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "x", 1);
}
END_TEST

START_TEST(create_parents_makes_missing_directories) {
  char deep[1400];
  pl_writable_options o;
  pl_writable_file *f;
  snprintf(deep, sizeof deep, "%s/a/b/c/file", dir);
  ck_assert_int_eq(pl_env_new_writable(pl_test_env(), deep, NULL, &f), PL_NOT_FOUND);
  ck_assert_ptr_null(f);
  pl_writable_options_init(&o);
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(pl_test_env(), deep, &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "deep", 4));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(deep, "deep", 4);
}
END_TEST

START_TEST(write_at_writes_at_the_offset_and_leaves_tell) {
  pl_writable_file *f = open_with_buffer(path, 0);
  ck_assert_pl_ok(pl_writable_append(f, "aaaaaaaa", 8));
  ck_assert_pl_ok(pl_writable_write_at(f, 2, "XY", 2));
  ck_assert_uint_eq(pl_writable_tell(f), 8);
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "aaXYaaaa", 8);
}
END_TEST

START_TEST(write_at_on_an_appendable_file_writes_at_the_offset) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_file_write_all(pl_test_env(), path, "0123456789", 10, 0));
  ck_assert_pl_ok(pl_env_new_appendable(pl_test_env(), path, NULL, &f));
  ck_assert_pl_ok(pl_writable_write_at(f, 3, "abc", 3));
  ck_assert_pl_ok(pl_writable_append(f, "!", 1));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(path, "012abc6789!", 11);
}
END_TEST

START_TEST(allocate_reserves_the_range) {
  pl_writable_file *f = open_with_buffer(path, 0);
  pl_status s = pl_writable_allocate(f, 0, 1 << 20);
  if (s == PL_NOT_SUPPORTED) {
    pl_writable_close(f);
    return; /* the file system cannot; the contract allows saying so */
  }
  ck_assert_pl_ok(s);
  ck_assert_uint_eq(size_on_disk(path), 1 << 20);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(missing_directory_is_not_found) {
  char p[1400];
  pl_writable_file *f = (pl_writable_file *)1;
  snprintf(p, sizeof p, "%s/no/such/file", dir);
  ck_assert_int_eq(pl_env_new_writable(pl_test_env(), p, NULL, &f), PL_NOT_FOUND);
  ck_assert_ptr_null(f);
  ck_assert_msg(strstr(pl_error_message(), p) != NULL, "message names the path: %s", pl_error_message());
  ck_assert_int_eq(pl_env_new_appendable(pl_test_env(), p, NULL, &f), PL_NOT_FOUND);
}
END_TEST

/* A page-aligned page of bytes for direct I/O, from a larger allocation. */
static unsigned char *aligned_page(unsigned char **mem, size_t n, int fill) {
  unsigned char *m = malloc(n + PL_WRITABLE_DIRECT_ALIGN), *a;
  *mem = m;
  a = (unsigned char *)(((uintptr_t)m + PL_WRITABLE_DIRECT_ALIGN - 1) &
                        ~(uintptr_t)(PL_WRITABLE_DIRECT_ALIGN - 1));
  memset(a, fill, n);
  return a;
}

START_TEST(direct_file_takes_aligned_pages_from_aligned_memory) {
  pl_writable_options o;
  pl_writable_file *f;
  unsigned char *mem, *page = aligned_page(&mem, 2 * PL_WRITABLE_DIRECT_ALIGN, 'd');
  char *want = malloc(3 * PL_WRITABLE_DIRECT_ALIGN);
  pl_status s;
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  o.flags = PL_WRITABLE_DIRECT | PL_WRITABLE_SYNC_WRITES;
  s = pl_env_new_writable(pl_env_default(), path, &o, &f);
  if (s == PL_NOT_SUPPORTED) {
    /* the test directory's file system refuses it, and says so */
    ck_assert_msg(strstr(pl_error_message(), "direct I/O") != NULL, "%s", pl_error_message());
    pl_test_note_skip("file system refuses direct I/O", "direct_file_takes_aligned_pages_from_aligned_memory");
  } else {
    ck_assert_pl_ok(s);
    ck_assert_pl_ok(pl_writable_write_at(f, PL_WRITABLE_DIRECT_ALIGN, page, 2 * PL_WRITABLE_DIRECT_ALIGN));
    memset(page, 'e', PL_WRITABLE_DIRECT_ALIGN);
    ck_assert_pl_ok(pl_writable_write_at(f, 0, page, PL_WRITABLE_DIRECT_ALIGN));
    ck_assert_pl_ok(pl_writable_sync(f));
    ck_assert_pl_ok(pl_writable_close(f));
    memset(want, 'e', PL_WRITABLE_DIRECT_ALIGN);
    memset(want + PL_WRITABLE_DIRECT_ALIGN, 'd', 2 * PL_WRITABLE_DIRECT_ALIGN);
    expect_contents(path, want, 3 * PL_WRITABLE_DIRECT_ALIGN);
  }
  free(want);
  free(mem);
}
END_TEST

#if !defined(_WIN32)
/* ---- POSIX-only: /dev/full, rlimits, privileges (the syscall spy cases
 * are in durability_test) ---- */

START_TEST(direct_write_of_unaligned_bytes_fails_and_is_sticky) {
  pl_writable_options o;
  pl_writable_file *f;
  unsigned char *mem, *page = aligned_page(&mem, PL_WRITABLE_DIRECT_ALIGN, 'u');
  pl_status s;
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  o.flags = PL_WRITABLE_DIRECT;
  s = pl_env_new_writable(pl_env_default(), path, &o, &f);
  if (s == PL_NOT_SUPPORTED) {
    pl_test_note_skip("file system refuses direct I/O", "direct_write_of_unaligned_bytes_fails_and_is_sticky");
    free(mem);
    return;
  }
  ck_assert_pl_ok(s);
  ck_assert_int_eq(pl_writable_write_at(f, 0, page, 100), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EINVAL);
  ck_assert_int_eq(pl_writable_write_at(f, 0, page, PL_WRITABLE_DIRECT_ALIGN), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EINVAL);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR); /* close reports it too */
  free(mem);
}
END_TEST

START_TEST(full_device_reports_enospc_with_the_path) {
  pl_writable_file *f;
  if (pl_env_file_exists(pl_env_default(), "/dev/full") != PL_OK) return;
  ck_assert_pl_ok(pl_env_new_appendable(pl_env_default(), "/dev/full", NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "no room", 7));
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_msg(strncmp(pl_error_message(), "/dev/full: ", 11) == 0, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "x", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(file_size_limit_reports_efbig) {
  static char block[8192];
  struct rlimit old, lim;
  pl_writable_file *f = open_with_buffer(path, 0);
  pl_status s;
  signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4096;
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  /* The first write stops short at the limit; the resumed write then fails
   * with EFBIG, which must be reported, not looped on. */
  s = pl_writable_append(f, block, sizeof block);
  setrlimit(RLIMIT_FSIZE, &old);
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  pl_writable_close(f);
  ck_assert_uint_eq(size_on_disk(path), 4096);
}
END_TEST

START_TEST(read_only_directory_refuses_new_files) {
  char ro[1300], p[1400];
  pid_t pid;
  int status;
  pl_test_path(ro, sizeof ro, dir, "ro");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_default(), ro));
  ck_assert_int_eq(chmod(ro, 0555), 0);
  pl_test_path(p, sizeof p, ro, "file");
  /* Root ignores directory permissions, so the attempt is made by a child
   * that has dropped to an unprivileged user. */
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    pl_writable_file *f;
    pl_status s;
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    s = pl_env_new_writable(pl_env_default(), p, NULL, &f);
    if (s != PL_IO_ERROR) _exit(1);
    if (pl_error_os() != EACCES || strstr(pl_error_message(), p) == NULL) _exit(2);
    _exit(0);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  chmod(ro, 0755);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
  ck_assert_int_eq(pl_env_file_exists(pl_env_default(), p), PL_NOT_FOUND);
}
END_TEST

START_TEST(files_larger_than_4_gib_work) {
  uint64_t big = (UINT64_C(5) << 30) + 123; /* past 32-bit offsets */
  pl_writable_file *f = open_with_buffer(path, 0);
  pl_random_file *r;
  char scratch[8];
  const char *res;
  size_t got;
  /* A sparse file: only the last bytes use disk space. */
  ck_assert_pl_ok(pl_writable_write_at(f, big, "tail", 4));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(size_on_disk(path), big + 4);
  ck_assert_pl_ok(pl_env_new_appendable(pl_env_default(), path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), big + 4);
  ck_assert_pl_ok(pl_writable_append(f, "more", 4));
  ck_assert_pl_ok(pl_writable_close(f));
  pl_env_platform_set_limits(0, 1000); /* pread, not a 5 GiB mapping */
  ck_assert_pl_ok(pl_env_new_random(pl_env_default(), path, &r));
  ck_assert_pl_ok(pl_random_read_at(r, big, 8, scratch, &res, &got));
  ck_assert_uint_eq(got, 8);
  ck_assert(memcmp(res, "tailmore", 8) == 0);
  pl_random_close(r);
}
END_TEST
#endif /* !_WIN32 */

START_TEST(appendv_of_more_pieces_than_one_write_holds_on_the_stack_keeps_their_order) {
  /* Twelve pieces, together larger than the buffer: the buffered bytes and
   * every piece go out in one vectored write. */
  char pieces[12][100], *expect = malloc(3 + sizeof pieces);
  pl_iovec v[12];
  pl_writable_file *f = open_with_buffer(path, 64);
  pl_writable_stats st;
  int i;
  for (i = 0; i < 12; i++) {
    memset(pieces[i], 'a' + i, sizeof pieces[i]);
    v[i].base = pieces[i];
    v[i].len = sizeof pieces[i];
  }
  ck_assert_pl_ok(pl_writable_append(f, "hdr", 3));
  ck_assert_pl_ok(pl_writable_appendv(f, v, 12));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.os_writes, 1);
  ck_assert_pl_ok(pl_writable_close(f));
  memcpy(expect, "hdr", 3);
  memcpy(expect + 3, pieces, sizeof pieces);
  expect_contents(path, expect, 3 + sizeof pieces);
  free(expect);
}
END_TEST

#if !defined(_WIN32)
START_TEST(appendv_after_a_failure_returns_the_first_error) {
  pl_writable_file *f;
  pl_iovec v[2] = {{"a", 1}, {"b", 1}};
  if (pl_env_file_exists(pl_env_default(), "/dev/full") != PL_OK) return;
  ck_assert_pl_ok(pl_env_new_appendable(pl_env_default(), "/dev/full", NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "no room", 7));
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  pl_error_clear();
  ck_assert_int_eq(pl_writable_appendv(f, v, 2), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_msg(strncmp(pl_error_message(), "/dev/full: ", 11) == 0, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST
#endif

#if !defined(_WIN32)
START_TEST(allocate_and_buffer_filling_appends_after_enospc_fail) {
  /* An append that fills the 64-byte buffer writes it at once: on a full
   * device that write fails, and so does every later call. */
  pl_writable_file *f;
  char forty[40];
  if (pl_env_file_exists(pl_env_default(), "/dev/full") != PL_OK) return;
  memset(forty, 'f', sizeof forty);
  f = open_with_buffer("/dev/full", 64);
  ck_assert_pl_ok(pl_writable_append(f, forty, sizeof forty));
  ck_assert_int_eq(pl_writable_append(f, forty, sizeof forty), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_msg(strstr(pl_error_message(), "earlier failure") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST
#endif

START_TEST(a_path_too_long_for_its_directory_is_invalid_argument) {
  char *p = malloc(5000);
  pl_writable_file *f = (pl_writable_file *)1;
  memset(p, 'd', 4999);
  p[0] = '/';
  p[4990] = '/';
  p[4999] = '\0';
  ck_assert_int_eq(pl_env_new_writable(pl_env_default(), p, NULL, &f), PL_INVALID_ARGUMENT);
  /* the message names the path (cut at the detail's 1023 bytes) */
  ck_assert_int_eq(strncmp(pl_error_message(), p, 1000), 0);
  ck_assert_ptr_null(f);
  free(p);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "writable", "writable", setup, teardown, 0);
  TCase *px = pl_test_tcase("writable-posix", setup, teardown, 60);
  tcase_add_test(tc, appends_are_read_back_in_order);
  tcase_add_test(tc, new_writable_truncates_an_existing_file);
  tcase_add_test(tc, small_appends_stay_in_the_buffer_until_flush);
  tcase_add_test(tc, default_buffer_holds_64_kib);
  tcase_add_test(tc, append_as_large_as_the_buffer_is_written_in_one_call);
  tcase_add_test(tc, buffer_size_is_a_per_file_option);
  tcase_add_test(tc, unbuffered_file_writes_every_append);
  tcase_add_test(tc, appendv_appends_the_pieces_in_order);
  tcase_add_test(tc, appendv_of_pieces_between_room_and_buffer_size_is_kept_whole);
  tcase_add_test(tc, counters_count_bytes_appends_writes_flushes_and_syncs);
  tcase_add_test(tc, tell_counts_buffered_bytes);
  tcase_add_test(tc, appendable_file_continues_at_its_end);
  tcase_add_test(tc, appendable_file_is_created_when_missing);
  tcase_add_test(tc, create_parents_makes_missing_directories);
  tcase_add_test(tc, write_at_writes_at_the_offset_and_leaves_tell);
  tcase_add_test(tc, write_at_on_an_appendable_file_writes_at_the_offset);
  tcase_add_test(tc, allocate_reserves_the_range);
  tcase_add_test(tc, missing_directory_is_not_found);
  PL_TEST_PLATFORM_ONLY(tc, direct_file_takes_aligned_pages_from_aligned_memory, "platform env: direct I/O");
  PL_TEST_POSIX_ONLY(px, direct_write_of_unaligned_bytes_fails_and_is_sticky);
  PL_TEST_POSIX_ONLY(px, full_device_reports_enospc_with_the_path);
  PL_TEST_POSIX_ONLY(px, file_size_limit_reports_efbig);
  PL_TEST_POSIX_ONLY(px, read_only_directory_refuses_new_files);
  PL_TEST_POSIX_ONLY(px, files_larger_than_4_gib_work);
  PL_TEST_PLATFORM_ONLY(tc, appendv_of_more_pieces_than_one_write_holds_on_the_stack_keeps_their_order,
                        "platform env: one vectored write");
  PL_TEST_POSIX_ONLY(px, appendv_after_a_failure_returns_the_first_error);
  PL_TEST_POSIX_ONLY(px, allocate_and_buffer_filling_appends_after_enospc_fail);
  PL_TEST_PLATFORM_ONLY(tc, a_path_too_long_for_its_directory_is_invalid_argument, "platform env: path limits");
  suite_add_tcase(s, tc);
  suite_add_tcase(s, px);
  return pl_test_run(s);
}
