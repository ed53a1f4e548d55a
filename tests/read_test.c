/* Sequential and random-access files on the platform env: reads, skips,
 * mmap and pread modes under their limits, concurrent positional reads. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#if !defined(_WIN32)
#include <sys/resource.h>
#endif

#include "tests/test_util.h"

static char dir[1024];
static char path[1200];
static char data[100000];
static int saved_mmap, saved_fd;

static void setup(void) {
  size_t i;
  pl_test_fresh_dir(dir, sizeof dir, "read");
  pl_test_path(path, sizeof path, dir, "data");
  for (i = 0; i < sizeof data; i++) data[i] = (char)(i * 31 + i / 256);
  ck_assert_pl_ok(pl_file_write_all(pl_test_env(), path, data, sizeof data, 0));
  pl_env_platform_get_limits(&saved_mmap, &saved_fd);
}

static void teardown(void) {
  pl_env_platform_set_limits(saved_mmap, saved_fd);
  pl_test_remove_tree(dir);
}

START_TEST(sequential_reads_everything_then_zero_at_end) {
  pl_sequential_file *f;
  char buf[7000];
  size_t got, total = 0;
  ck_assert_pl_ok(pl_env_new_sequential(pl_test_env(), path, &f));
  for (;;) {
    ck_assert_pl_ok(pl_sequential_read(f, buf, sizeof buf, &got));
    if (got == 0) break;
    ck_assert(memcmp(buf, data + total, got) == 0);
    total += got;
  }
  ck_assert_uint_eq(total, sizeof data);
  ck_assert_pl_ok(pl_sequential_read(f, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 0);
  pl_sequential_close(f);
}
END_TEST

START_TEST(sequential_skip_moves_forward) {
  pl_sequential_file *f;
  char buf[10];
  size_t got;
  ck_assert_pl_ok(pl_env_new_sequential(pl_test_env(), path, &f));
  ck_assert_pl_ok(pl_sequential_read(f, buf, 10, &got));
  ck_assert_pl_ok(pl_sequential_skip(f, 1000));
  ck_assert_pl_ok(pl_sequential_read(f, buf, 10, &got));
  ck_assert_uint_eq(got, 10);
  ck_assert(memcmp(buf, data + 1010, 10) == 0);
  ck_assert_pl_ok(pl_sequential_skip(f, sizeof data));
  ck_assert_pl_ok(pl_sequential_read(f, buf, 10, &got));
  ck_assert_uint_eq(got, 0);
  pl_sequential_close(f);
}
END_TEST

START_TEST(sequential_open_of_missing_file_is_not_found) {
  char p[1300];
  pl_sequential_file *f = (pl_sequential_file *)1;
  pl_test_path(p, sizeof p, dir, "missing");
  ck_assert_int_eq(pl_env_new_sequential(pl_test_env(), p, &f), PL_NOT_FOUND);
  ck_assert_ptr_null(f);
}
END_TEST

static void check_reads(pl_random_file *r, int expect_mapped) {
  char scratch[5000];
  const char *res;
  size_t got;
  ck_assert_pl_ok(pl_random_read_at(r, 12345, 5000, scratch, &res, &got));
  ck_assert_uint_eq(got, 5000);
  ck_assert(memcmp(res, data + 12345, 5000) == 0);
  if (expect_mapped)
    ck_assert_msg(res != scratch, "a mapped file answers from its mapping");
  else
    ck_assert_msg(res == scratch, "an unmapped file answers in scratch");
  /* Past the end: short, then empty. */
  ck_assert_pl_ok(pl_random_read_at(r, sizeof data - 10, 100, scratch, &res, &got));
  ck_assert_uint_eq(got, 10);
  ck_assert(memcmp(res, data + sizeof data - 10, 10) == 0);
  ck_assert_pl_ok(pl_random_read_at(r, sizeof data + 100, 100, scratch, &res, &got));
  ck_assert_uint_eq(got, 0);
}

/* Reads through any env: answered in scratch or from the file's memory. */
START_TEST(random_reads_return_the_bytes_then_short_then_nothing) {
  pl_random_file *r;
  char scratch[5000];
  const char *res;
  size_t got;
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 12345, 5000, scratch, &res, &got));
  ck_assert_uint_eq(got, 5000);
  ck_assert(memcmp(res, data + 12345, 5000) == 0);
  ck_assert_pl_ok(pl_random_read_at(r, sizeof data - 10, 100, scratch, &res, &got));
  ck_assert_uint_eq(got, 10);
  ck_assert(memcmp(res, data + sizeof data - 10, 10) == 0);
  ck_assert_pl_ok(pl_random_read_at(r, sizeof data + 100, 100, scratch, &res, &got));
  ck_assert_uint_eq(got, 0);
  pl_random_close(r);
}
END_TEST

START_TEST(random_file_is_mapped_within_the_mmap_limit) {
  pl_random_file *r;
  pl_env_platform_set_limits(1, 10);
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &r));
  check_reads(r, 1);
  pl_random_close(r);
}
END_TEST

START_TEST(random_files_beyond_the_mmap_limit_use_positional_reads) {
  pl_random_file *a, *b;
  pl_env_platform_set_limits(1, 10);
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &a));
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &b));
  check_reads(a, 1);
  check_reads(b, 0);
  pl_random_close(a);
  pl_random_close(b);
  /* The slot came back with close. */
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &a));
  check_reads(a, 1);
  pl_random_close(a);
}
END_TEST

START_TEST(random_files_beyond_the_descriptor_limit_still_read) {
  pl_random_file *r[3];
  int i;
  pl_env_platform_set_limits(0, 1);
  for (i = 0; i < 3; i++) ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &r[i]));
  for (i = 0; i < 3; i++) check_reads(r[i], 0);
  for (i = 0; i < 3; i++) pl_random_close(r[i]);
}
END_TEST

START_TEST(default_limits_are_1000_mappings_and_a_fifth_of_descriptors) {
  int m, f;
  pl_env_platform_get_limits(&m, &f);
  ck_assert_int_eq(m, sizeof(void *) >= 8 ? 1000 : 0);
#if !defined(_WIN32)
  {
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY) ck_assert_int_eq(f, (int)(rl.rlim_cur / 5));
  }
#else
  ck_assert_int_gt(f, 0);
#endif
}
END_TEST

START_TEST(empty_file_reads_nothing) {
  char p[1300], scratch[10];
  const char *res;
  size_t got = 99;
  pl_random_file *r;
  pl_test_path(p, sizeof p, dir, "empty");
  ck_assert_pl_ok(pl_file_write_all(pl_test_env(), p, "", 0, 0));
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), p, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 0, 10, scratch, &res, &got));
  ck_assert_uint_eq(got, 0);
  pl_random_close(r);
}
END_TEST

START_TEST(random_open_of_missing_file_is_not_found) {
  char p[1300];
  pl_random_file *r = (pl_random_file *)1;
  pl_test_path(p, sizeof p, dir, "missing");
  ck_assert_int_eq(pl_env_new_random(pl_test_env(), p, &r), PL_NOT_FOUND);
  ck_assert_ptr_null(r);
}
END_TEST

typedef struct reader_arg {
  pl_random_file *r;
  int seed;
  int bad;
} reader_arg;

static void *reader(void *p) {
  reader_arg *a = p;
  char scratch[512];
  const char *res;
  size_t got;
  unsigned x = (unsigned)a->seed;
  int i;
  for (i = 0; i < 2000; i++) {
    uint64_t off;
    x = x * 1103515245u + 12345u;
    off = x % (sizeof data - 512);
    if (pl_random_read_at(a->r, off, 512, scratch, &res, &got) != PL_OK || got != 512 ||
        memcmp(res, data + off, 512) != 0)
      a->bad++;
  }
  return NULL;
}

static void concurrent_reads(int mmap_limit) {
  pl_random_file *r;
  pthread_t t[4];
  reader_arg a[4];
  int i;
  pl_env_platform_set_limits(mmap_limit, 10);
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &r));
  for (i = 0; i < 4; i++) {
    a[i].r = r;
    a[i].seed = i + 1;
    a[i].bad = 0;
    ck_assert_int_eq(pthread_create(&t[i], NULL, reader, &a[i]), 0);
  }
  for (i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    ck_assert_int_eq(a[i].bad, 0);
  }
  pl_random_close(r);
}

START_TEST(positional_reads_are_safe_from_many_threads) { concurrent_reads(0); }
END_TEST

START_TEST(mapped_reads_are_safe_from_many_threads) { concurrent_reads(1); }
END_TEST

START_TEST(a_file_reopened_per_read_reports_its_removal) {
  /* Beyond the descriptor limit a random file opens its file for each
   * read: once the name is gone, a read says NotFound, naming it. */
  pl_random_file *r;
  char buf[16];
  const char *res;
  size_t got = 99;
  pl_env_platform_set_limits(0, 0); /* no descriptor kept: nothing holds the file open */
  ck_assert_pl_ok(pl_env_new_random(pl_test_env(), path, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 0, sizeof buf, buf, &res, &got));
  ck_assert_uint_eq(got, sizeof buf);
  ck_assert_pl_ok(pl_env_remove_file(pl_test_env(), path));
  ck_assert_int_eq(pl_random_read_at(r, 0, sizeof buf, buf, &res, &got), PL_NOT_FOUND);
  ck_assert_uint_eq(got, 0);
  ck_assert_msg(strstr(pl_error_message(), "data") != NULL, "%s", pl_error_message());
  pl_random_close(r);
}
END_TEST

START_TEST(get_limits_takes_null_for_the_value_not_wanted) {
  int m = -1, f = -1;
  pl_env_platform_set_limits(7, 9);
  pl_env_platform_get_limits(&m, NULL);
  pl_env_platform_get_limits(NULL, &f);
  ck_assert_int_eq(m, 7);
  ck_assert_int_eq(f, 9);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "read", "read", setup, teardown, 0);
  tcase_add_test(tc, sequential_reads_everything_then_zero_at_end);
  tcase_add_test(tc, sequential_skip_moves_forward);
  tcase_add_test(tc, sequential_open_of_missing_file_is_not_found);
  tcase_add_test(tc, random_reads_return_the_bytes_then_short_then_nothing);
  PL_TEST_PLATFORM_ONLY(tc, random_file_is_mapped_within_the_mmap_limit, "platform env: memory maps");
  PL_TEST_PLATFORM_ONLY(tc, random_files_beyond_the_mmap_limit_use_positional_reads, "platform env: memory maps");
  PL_TEST_PLATFORM_ONLY(tc, random_files_beyond_the_descriptor_limit_still_read, "platform env: descriptor limit");
  PL_TEST_PLATFORM_ONLY(tc, default_limits_are_1000_mappings_and_a_fifth_of_descriptors, "platform env: limits");
  tcase_add_test(tc, empty_file_reads_nothing);
  tcase_add_test(tc, random_open_of_missing_file_is_not_found);
  tcase_add_test(tc, positional_reads_are_safe_from_many_threads);
  PL_TEST_PLATFORM_ONLY(tc, mapped_reads_are_safe_from_many_threads, "platform env: memory maps");
  PL_TEST_PLATFORM_ONLY(tc, a_file_reopened_per_read_reports_its_removal, "platform env: descriptor limit");
  PL_TEST_PLATFORM_ONLY(tc, get_limits_takes_null_for_the_value_not_wanted, "platform env: limits");
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
