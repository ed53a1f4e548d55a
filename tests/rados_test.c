/* The RADOS env's own promises, and each way it differs from POSIX (see
 * env/rados/README.md): striping, truncation and removal of data objects,
 * rename within and across directories, directory sync, acknowledged
 * syncs and sticky write errors, leased locks across processes, timeouts,
 * options and namespaces.  Needs a cluster: run by `make check-ceph`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/rados_test_util.h"

static char dir[1024];
static char path[1200];

static void setup(void) { pl_test_fresh_file(dir, sizeof dir, path, sizeof path, "rados", "file"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An env on the same pool with 4 KiB objects, so small files span several. */
static pl_env *small_stripes(void) {
  pl_rados_options o;
  rt_options(&o);
  o.stripe_size = 4096;
  return rt_open(&o);
}

static void fill(char *buf, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++) buf[i] = (char)((i * 131 + seed) >> 3);
}

static uint64_t objects_of(pl_env *e, const char *p) {
  uint64_t count = 99;
  ck_assert_pl_ok(pl_rados_file_objects(e, p, 0, NULL, 0, &count));
  return count;
}

static void expect_contents(pl_env *e, const char *p, const char *want, size_t n) {
  char *data;
  size_t got;
  ck_assert_pl_ok(pl_file_read_all(e, p, &data, &got));
  ck_assert_uint_eq(got, n);
  ck_assert_msg(memcmp(data, want, n) == 0, "contents of %s differ", p);
  free(data);
}

START_TEST(files_span_objects_of_the_stripe_size) {
  static char data[15000];
  pl_env *e = small_stripes();
  pl_writable_file *f;
  pl_random_file *r;
  pl_sequential_file *q;
  char buf[1000];
  const char *res;
  size_t got, total = 0, i;
  uint64_t size;
  fill(data, sizeof data, 1);
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  for (i = 0; i < 10000; i += 3000) ck_assert_pl_ok(pl_writable_append(f, data + i, i + 3000 > 10000 ? 10000 - i : 3000));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(objects_of(e, path), 3);
  ck_assert_pl_ok(pl_env_file_size(e, path, &size));
  ck_assert_uint_eq(size, 10000);
  expect_contents(e, path, data, 10000);
  /* A read across an object boundary. */
  ck_assert_pl_ok(pl_env_new_random(e, path, &r));
  ck_assert_pl_ok(pl_random_read_at(r, 4000, 200, buf, &res, &got));
  ck_assert_uint_eq(got, 200);
  ck_assert(memcmp(res, data + 4000, 200) == 0);
  ck_assert_pl_ok(pl_random_read_at(r, 8190, 1000, buf, &res, &got));
  ck_assert_uint_eq(got, 1000);
  ck_assert(memcmp(res, data + 8190, 1000) == 0);
  pl_random_close(r);
  ck_assert_pl_ok(pl_env_new_sequential(e, path, &q));
  ck_assert_pl_ok(pl_sequential_skip(q, 4090));
  for (;;) {
    ck_assert_pl_ok(pl_sequential_read(q, buf, sizeof buf, &got));
    if (got == 0) break;
    ck_assert(memcmp(buf, data + 4090 + total, got) == 0);
    total += got;
  }
  ck_assert_uint_eq(total, 10000 - 4090);
  pl_sequential_close(q);
  /* Appending continues in the last object and goes on to new ones. */
  ck_assert_pl_ok(pl_env_new_appendable(e, path, NULL, &f));
  ck_assert_uint_eq(pl_writable_tell(f), 10000);
  ck_assert_pl_ok(pl_writable_append(f, data + 10000, 5000));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(objects_of(e, path), 4);
  expect_contents(e, path, data, 15000);
  pl_rados_env_close(e);
}
END_TEST

/* 3 MiB over 1 MiB objects, read 4 KiB at a time in order (as a compaction
 * reads a table): the file reads ahead (64 KiB doubling to 1 MiB), so it
 * takes a handful of RADOS reads, not 768, and every byte is right. */
START_TEST(reads_in_order_are_read_ahead) {
  enum { SIZE = 3 << 20, STEP = 4096 };
  char *data = malloc(SIZE), buf[STEP];
  pl_rados_options o;
  pl_rados_stats a, b;
  pl_env *e;
  pl_random_file *r;
  pl_sequential_file *q;
  const char *res;
  size_t got, off;
  ck_assert_ptr_nonnull(data);
  rt_options(&o);
  o.stripe_size = 1 << 20;
  e = rt_open(&o);
  fill(data, SIZE, 7);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, SIZE, 1));
  ck_assert_pl_ok(pl_env_new_random(e, path, &r));
  pl_rados_env_stats(e, &a);
  for (off = 0; off < SIZE; off += STEP) {
    ck_assert_pl_ok(pl_random_read_at(r, off, STEP, buf, &res, &got));
    ck_assert_uint_eq(got, STEP);
    ck_assert_msg(memcmp(res, data + off, STEP) == 0, "bytes at %zu differ", off);
  }
  ck_assert_pl_ok(pl_random_read_at(r, SIZE - 10, 100, buf, &res, &got));
  ck_assert_uint_eq(got, 10);
  pl_rados_env_stats(e, &b);
  printf("3 MiB read in 4 KiB pieces in order: %llu RADOS reads\n", (unsigned long long)(b.reads - a.reads));
  ck_assert_uint_le(b.reads - a.reads, 16);
  pl_random_close(r);
  /* The sequential file the same way (LevelDB's log reader). */
  ck_assert_pl_ok(pl_env_new_sequential(e, path, &q));
  pl_rados_env_stats(e, &a);
  for (off = 0;; off += got) {
    ck_assert_pl_ok(pl_sequential_read(q, buf, STEP, &got));
    if (got == 0) break;
    ck_assert_msg(memcmp(buf, data + off, got) == 0, "bytes at %zu differ", off);
  }
  ck_assert_uint_eq(off, SIZE);
  pl_rados_env_stats(e, &b);
  ck_assert_uint_le(b.reads - a.reads, 16);
  pl_sequential_close(q);
  free(data);
  pl_rados_env_close(e);
}
END_TEST

/* Reads out of order (a Get) fetch exactly what they ask for, one RADOS
 * read each, and leave a window being read in order alone. */
START_TEST(reads_out_of_order_fetch_only_what_they_ask) {
  enum { SIZE = 1 << 20, STEP = 4096 };
  char *data = malloc(SIZE), buf[STEP];
  pl_rados_stats a, b;
  pl_env *e = pl_test_env();
  pl_random_file *r;
  const char *res;
  size_t got, i, off;
  ck_assert_ptr_nonnull(data);
  fill(data, SIZE, 8);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, SIZE, 1));
  ck_assert_pl_ok(pl_env_new_random(e, path, &r));
  pl_rados_env_stats(e, &a);
  for (i = 1; i <= 50; i++) {
    off = (i * 7919 * STEP) % (SIZE - STEP) + i;
    ck_assert_pl_ok(pl_random_read_at(r, off, STEP - 1, buf, &res, &got));
    ck_assert_uint_eq(got, STEP - 1);
    ck_assert_msg(memcmp(res, data + off, got) == 0, "bytes at %zu differ", off);
  }
  pl_rados_env_stats(e, &b);
  ck_assert_uint_eq(b.reads - a.reads, 50);
  ck_assert_uint_eq(b.read_bytes - a.read_bytes, 50 * (STEP - 1));
  /* In order from 0, with Gets in between: the window survives them. */
  pl_rados_env_stats(e, &a);
  for (off = 0; off < SIZE; off += STEP) {
    ck_assert_pl_ok(pl_random_read_at(r, off, STEP, buf, &res, &got));
    ck_assert_msg(got == STEP && memcmp(res, data + off, STEP) == 0, "bytes at %zu differ", off);
    if (off % (16 * STEP) == 0) {
      size_t other = SIZE - STEP - off / 2;
      ck_assert_pl_ok(pl_random_read_at(r, other, 100, buf, &res, &got));
      ck_assert_msg(got == 100 && memcmp(res, data + other, 100) == 0, "bytes at %zu differ", other);
    }
  }
  pl_rados_env_stats(e, &b);
  ck_assert_uint_le(b.reads - a.reads, 16 + 10);
  pl_random_close(r);
  free(data);
}
END_TEST

/* What each operation costs in RADOS operations (env/rados/README.md,
 * "what it costs"): counted by pl_rados_env_stats. */
static uint64_t ops_since(pl_env *e, pl_rados_stats *before) {
  pl_rados_stats now;
  uint64_t n;
  pl_rados_env_stats(e, &now);
  n = (now.reads - before->reads) + (now.writes - before->writes) + (now.meta_ops - before->meta_ops);
  *before = now;
  return n;
}

START_TEST(operations_cost_the_round_trips_the_readme_says) {
  pl_env *e = pl_test_env();
  pl_rados_stats st;
  pl_writable_file *f;
  pl_random_file *r;
  char other[1300], buf[100];
  const char *res;
  size_t got;
  uint64_t size;
  pl_test_path(other, sizeof other, dir, "other");
  pl_rados_env_stats(e, &st);
  ck_assert_int_eq(pl_env_file_exists(e, path), PL_NOT_FOUND);
  ck_assert_uint_eq(ops_since(e, &st), 1);
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f)); /* look up, add the entry */
  ck_assert_uint_eq(ops_since(e, &st), 2);
  ck_assert_pl_ok(pl_writable_append(f, "0123456789", 10)); /* buffered */
  ck_assert_uint_eq(ops_since(e, &st), 0);
  ck_assert_pl_ok(pl_writable_sync(f)); /* one write, waited for */
  ck_assert_uint_eq(ops_since(e, &st), 1);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(ops_since(e, &st), 0);
  ck_assert_pl_ok(pl_env_file_size(e, path, &size)); /* look up, stat */
  ck_assert_uint_eq(ops_since(e, &st), 2);
  ck_assert_pl_ok(pl_env_new_random(e, path, &r)); /* look up */
  ck_assert_uint_eq(ops_since(e, &st), 1);
  ck_assert_pl_ok(pl_random_read_at(r, 5, 5, buf, &res, &got)); /* one read */
  ck_assert_uint_eq(ops_since(e, &st), 1);
  pl_random_close(r);
  ck_assert_pl_ok(pl_env_rename(e, path, other)); /* both entries, one atomic operation */
  ck_assert_uint_eq(ops_since(e, &st), 3);
  ck_assert_pl_ok(pl_env_sync_dir(e, dir)); /* only a look-up */
  ck_assert_uint_eq(ops_since(e, &st), 1);
  ck_assert_pl_ok(pl_env_remove_file(e, other)); /* look up, entry, stat, object */
  ck_assert_uint_eq(ops_since(e, &st), 4);
}
END_TEST

START_TEST(a_file_ending_on_an_object_boundary_has_no_empty_object) {
  static char data[8192];
  pl_env *e = small_stripes();
  uint64_t size;
  fill(data, sizeof data, 2);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, sizeof data, 1));
  ck_assert_uint_eq(objects_of(e, path), 2);
  ck_assert_pl_ok(pl_env_file_size(e, path, &size));
  ck_assert_uint_eq(size, 8192);
  expect_contents(e, path, data, sizeof data);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(large_files_span_default_objects) {
  size_t n = (size_t)PL_RADOS_DEFAULT_STRIPE_SIZE * 2 + 12345;
  char *data = malloc(n);
  pl_env *e = pl_test_env();
  uint64_t size;
  fill(data, n, 3);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, n, 1));
  ck_assert_uint_eq(objects_of(e, path), 3);
  ck_assert_pl_ok(pl_env_file_size(e, path, &size));
  ck_assert_uint_eq(size, n);
  expect_contents(e, path, data, n);
  free(data);
}
END_TEST

START_TEST(write_at_beyond_the_end_fills_the_gap_with_zeros) {
  static char zeros[10000];
  pl_env *e = small_stripes();
  pl_writable_file *f;
  char *data;
  size_t n;
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_write_at(f, 10000, "x", 1));
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(objects_of(e, path), 3);
  ck_assert_pl_ok(pl_file_read_all(e, path, &data, &n));
  ck_assert_uint_eq(n, 10001);
  ck_assert(memcmp(data, zeros, 10000) == 0);
  ck_assert_int_eq(data[10000], 'x');
  free(data);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(allocate_creates_whole_objects_up_to_the_end) {
  pl_env *e = small_stripes();
  pl_writable_file *f;
  uint64_t size;
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_allocate(f, 0, 9000));
  ck_assert_pl_ok(pl_writable_write_at(f, 8999, "z", 1));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(objects_of(e, path), 3);
  ck_assert_pl_ok(pl_env_file_size(e, path, &size));
  ck_assert_uint_eq(size, 9000);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(truncating_a_file_removes_its_other_objects) {
  static char data[10000];
  pl_env *e = small_stripes();
  pl_writable_file *f;
  char second[200];
  uint64_t count;
  fill(data, sizeof data, 4);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, sizeof data, 1));
  ck_assert_pl_ok(pl_rados_file_objects(e, path, 1, second, sizeof second, &count));
  ck_assert(rt_object_exists(second));
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  ck_assert(!rt_object_exists(second));
  ck_assert_pl_ok(pl_writable_append(f, "new", 3));
  ck_assert_pl_ok(pl_writable_close(f));
  expect_contents(e, path, "new", 3);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(removing_a_file_removes_its_objects) {
  static char data[10000];
  pl_env *e = small_stripes();
  char first[200], last[200];
  uint64_t count;
  fill(data, sizeof data, 5);
  ck_assert_pl_ok(pl_file_write_all(e, path, data, sizeof data, 1));
  ck_assert_pl_ok(pl_rados_file_objects(e, path, 0, first, sizeof first, &count));
  ck_assert_pl_ok(pl_rados_file_objects(e, path, 2, last, sizeof last, &count));
  ck_assert(rt_object_exists(first) && rt_object_exists(last));
  ck_assert_pl_ok(pl_env_remove_file(e, path));
  ck_assert(!rt_object_exists(first));
  ck_assert(!rt_object_exists(last));
  ck_assert_int_eq(pl_rados_file_objects(e, path, 0, NULL, 0, &count), PL_NOT_FOUND);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(rename_replacing_a_file_frees_the_old_objects) {
  pl_env *e = pl_test_env();
  char a[1300], old[200];
  uint64_t count;
  pl_test_path(a, sizeof a, dir, "a");
  ck_assert_pl_ok(pl_file_write_all(e, a, "new", 3, 1));
  ck_assert_pl_ok(pl_file_write_all(e, path, "old", 3, 1));
  ck_assert_pl_ok(pl_rados_file_objects(e, path, 0, old, sizeof old, &count));
  ck_assert(rt_object_exists(old));
  ck_assert_pl_ok(pl_env_rename(e, a, path));
  ck_assert(!rt_object_exists(old));
  expect_contents(e, path, "new", 3);
}
END_TEST

START_TEST(rename_across_directories_moves_the_file) {
  pl_env *e = pl_test_env();
  char d1[1300], d2[1300], a[1400], b[1400];
  pl_test_path(d1, sizeof d1, dir, "one");
  pl_test_path(d2, sizeof d2, dir, "two");
  pl_test_path(a, sizeof a, d1, "f");
  pl_test_path(b, sizeof b, d2, "g");
  ck_assert_pl_ok(pl_env_create_dir(e, d1));
  ck_assert_pl_ok(pl_env_create_dir(e, d2));
  ck_assert_pl_ok(pl_file_write_all(e, a, "moved", 5, 1));
  ck_assert_pl_ok(pl_env_rename(e, a, b));
  ck_assert_int_eq(pl_env_file_exists(e, a), PL_NOT_FOUND);
  expect_contents(e, b, "moved", 5);
  /* Into a directory that does not exist: nothing changes. */
  pl_test_path(a, sizeof a, dir, "three/h");
  ck_assert_int_eq(pl_env_rename(e, b, a), PL_NOT_FOUND);
  expect_contents(e, b, "moved", 5);
}
END_TEST

START_TEST(renaming_a_directory_is_not_supported) {
  pl_env *e = pl_test_env();
  char d1[1300], d2[1300];
  pl_test_path(d1, sizeof d1, dir, "d");
  pl_test_path(d2, sizeof d2, dir, "e");
  ck_assert_pl_ok(pl_env_create_dir(e, d1));
  ck_assert_int_eq(pl_env_rename(e, d1, d2), PL_NOT_SUPPORTED);
  ck_assert_pl_ok(pl_env_file_exists(e, d1));
  ck_assert_int_eq(pl_env_file_exists(e, d2), PL_NOT_FOUND);
}
END_TEST

START_TEST(rename_onto_a_directory_is_an_error) {
  pl_env *e = pl_test_env();
  char d[1300];
  pl_test_path(d, sizeof d, dir, "d");
  ck_assert_pl_ok(pl_env_create_dir(e, d));
  ck_assert_pl_ok(pl_file_write_all(e, path, "x", 1, 0));
  ck_assert_int_eq(pl_env_rename(e, path, d), PL_IO_ERROR);
  ck_assert_pl_ok(pl_env_file_exists(e, path));
}
END_TEST

START_TEST(namespace_changes_are_durable_at_once_and_sync_dir_checks_the_directory) {
  pl_env *e = pl_test_env(), *other;
  pl_writable_file *f;
  pl_rados_options o;
  char d[1300];
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  /* Another client (another process would be the same) sees the new name
   * before any sync: the directory's omap write was acknowledged. */
  rt_options(&o);
  other = rt_open(&o);
  ck_assert_pl_ok(pl_env_file_exists(other, path));
  pl_rados_env_close(other);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_sync_dir(e, dir));
  ck_assert_int_eq(pl_env_sync_dir(e, path), PL_NOT_FOUND); /* as on POSIX (ENOTDIR) */
  pl_test_path(d, sizeof d, dir, "missing");
  ck_assert_int_eq(pl_env_sync_dir(e, d), PL_NOT_FOUND);
}
END_TEST

START_TEST(synced_data_is_seen_by_another_client) {
  static char data[200000];
  pl_env *e = pl_test_env(), *other;
  pl_writable_file *f;
  pl_writable_stats st;
  pl_rados_options o;
  int i;
  fill(data, sizeof data, 6);
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  for (i = 0; i < 200; i++) {
    ck_assert_pl_ok(pl_writable_append(f, data + i * 1000, 1000));
    ck_assert_pl_ok(pl_writable_flush(f));
  }
  ck_assert_pl_ok(pl_writable_sync(f));
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.flushes, 200);
  ck_assert_uint_eq(st.syncs, 1);
  rt_options(&o);
  other = rt_open(&o);
  expect_contents(other, path, data, sizeof data);
  pl_rados_env_close(other);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

/* The test cluster's OSD refuses objects above 32 MiB (osd max object size
 * in scripts/ceph-cluster.sh); with 64 MiB stripes a write past 32 MiB
 * is one the cluster refuses (EFBIG). */
static pl_env *big_stripes(void) {
  pl_rados_options o;
  rt_options(&o);
  o.stripe_size = 64u << 20;
  return rt_open(&o);
}

/* A file on e ending 1 byte past 31 MiB, open unbuffered for appending,
 * and 2 MiB of fill appended to it: a write past what the cluster takes. */
static pl_writable_file *append_past_the_object_limit(pl_env *e, char fill) {
  static char block[2 << 20];
  pl_writable_file *f;
  pl_writable_options wo;
  memset(block, fill, sizeof block);
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_write_at(f, (31u << 20), "x", 1));
  ck_assert_pl_ok(pl_writable_close(f));
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  ck_assert_pl_ok(pl_env_new_appendable(e, path, &wo, &f));
  /* Sent asynchronously: the append itself cannot know yet. */
  ck_assert_pl_ok(pl_writable_append(f, block, sizeof block));
  return f;
}

START_TEST(failed_write_is_reported_by_sync_and_stays) {
  pl_env *e = big_stripes();
  pl_writable_file *f = append_past_the_object_limit(e, 'b');
  pl_writable_stats st;
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  /* Sticky, as on POSIX: nothing after it can succeed. */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_int_eq(pl_writable_append(f, "more", 4), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_write_at(f, 0, "z", 1), PL_IO_ERROR);
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.syncs, 0);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(failed_write_is_reported_by_close_when_never_synced) {
  pl_env *e = big_stripes();
  pl_writable_file *f = append_past_the_object_limit(e, 'c');
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(failed_positional_write_is_reported_at_once_and_stays) {
  pl_env *e = big_stripes();
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(e, path, NULL, &f));
  ck_assert_int_eq(pl_writable_write_at(f, (40u << 20), "x", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_int_eq(pl_writable_append(f, "y", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(opening_a_directory_as_a_file_is_an_error) {
  pl_env *e = pl_test_env();
  pl_sequential_file *q;
  pl_random_file *r;
  pl_writable_file *f;
  uint64_t size;
  ck_assert_int_eq(pl_env_new_sequential(e, dir, &q), PL_IO_ERROR);
  ck_assert_int_eq(pl_env_new_random(e, dir, &r), PL_IO_ERROR);
  ck_assert_int_eq(pl_env_new_writable(e, dir, NULL, &f), PL_IO_ERROR);
  ck_assert_int_eq(pl_env_file_size(e, dir, &size), PL_IO_ERROR);
  ck_assert_int_eq(pl_env_remove_file(e, dir), PL_IO_ERROR);
  ck_assert_pl_ok(pl_file_write_all(e, path, "x", 1, 0));
  ck_assert_int_eq(pl_env_remove_dir(e, path), PL_NOT_FOUND); /* ENOTDIR, as on POSIX */
}
END_TEST

START_TEST(paths_are_resolved_by_name) {
  pl_env *e = pl_test_env();
  char messy[1400], d[1300];
  pl_test_path(d, sizeof d, dir, "sub");
  ck_assert_pl_ok(pl_env_create_dir(e, d));
  snprintf(messy, sizeof messy, "%s//sub/./../sub/f", dir + 1); /* relative: from "/" */
  ck_assert_pl_ok(pl_file_write_all(e, messy, "same", 4, 0));
  snprintf(messy, sizeof messy, "%s/sub/f", dir);
  expect_contents(e, messy, "same", 4);
  ck_assert_pl_ok(pl_env_file_exists(e, "/"));
  ck_assert_pl_ok(pl_env_file_exists(e, "/.."));
  ck_assert_int_eq(pl_env_file_exists(e, ""), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_env_remove_dir(e, "/"), PL_IO_ERROR);
}
END_TEST

START_TEST(namespaces_keep_trees_apart) {
  pl_rados_options o;
  pl_env *x, *y;
  rt_options(&o);
  o.rados_namespace = "plinth-ns-x";
  x = rt_open(&o);
  o.rados_namespace = "plinth-ns-y";
  y = rt_open(&o);
  ck_assert_pl_ok(pl_file_write_all(x, "/only-in-x", "x", 1, 0));
  ck_assert_pl_ok(pl_env_file_exists(x, "/only-in-x"));
  ck_assert_int_eq(pl_env_file_exists(y, "/only-in-x"), PL_NOT_FOUND);
  ck_assert_pl_ok(pl_env_remove_file(x, "/only-in-x"));
  pl_rados_env_close(x);
  pl_rados_env_close(y);
}
END_TEST

START_TEST(lock_excludes_another_process_until_unlock) {
  pl_file_lock *l;
  char lp[1300];
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(pl_test_env(), lp, &l));
  ck_assert_int_eq(rt_child_tries_lock(lp), 1);
  ck_assert_pl_ok(pl_env_unlock_file(pl_test_env(), l));
  ck_assert_int_eq(rt_child_tries_lock(lp), 0);
}
END_TEST

/* Leases in these cases: 3 s for the helper (PLINTH_RADOS_LEASE_MS is set
 * before it starts). */
#define LEASE_MS 3000

START_TEST(lock_of_a_killed_holder_is_free_after_its_lease) {
  pl_file_lock *l;
  char lp[1300];
  int fd, status;
  double killed, freed;
  pid_t pid;
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  setenv("PLINTH_RADOS_LEASE_MS", "3000", 1);
  pid = rt_child_holds_lock(lp, &fd);
  ck_assert_int_eq(pl_env_lock_file(pl_test_env(), lp, &l), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "locked by another process") != NULL, "%s", pl_error_message());
  kill(pid, SIGKILL);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(fd);
  killed = now_s();
  while (pl_env_lock_file(pl_test_env(), lp, &l) != PL_OK) {
    ck_assert_msg(now_s() - killed < LEASE_MS / 1000.0 + 3, "still locked %.1f s after the holder died",
                  now_s() - killed);
    usleep(100000);
  }
  freed = now_s();
  printf("lock free %.2f s after its holder was killed (lease %.1f s)\n", freed - killed, LEASE_MS / 1000.0);
  ck_assert_pl_ok(pl_env_unlock_file(pl_test_env(), l));
}
END_TEST

START_TEST(lock_is_renewed_while_its_holder_lives) {
  pl_file_lock *l;
  char lp[1300];
  int fd, status, i;
  pid_t pid;
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  setenv("PLINTH_RADOS_LEASE_MS", "1500", 1);
  pid = rt_child_holds_lock(lp, &fd);
  /* Three leases long: without renewal the lock would have expired. */
  for (i = 0; i < 9; i++) {
    ck_assert_int_eq(pl_env_lock_file(pl_test_env(), lp, &l), PL_IO_ERROR);
    usleep(500000);
  }
  kill(pid, SIGKILL);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(fd);
}
END_TEST

START_TEST(unlock_of_a_lock_broken_meanwhile_is_an_error) {
  pl_file_lock *l;
  char lp[1300], oid[1400], tag[64], lockers[4][256];
  char clients[1024], cookies[1024], addrs[1024];
  size_t tl = sizeof tag, cl = sizeof clients, kl = sizeof cookies, al = sizeof addrs;
  int excl;
  rados_t c;
  rados_ioctx_t io;
  (void)lockers;
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  ck_assert_pl_ok(pl_env_lock_file(pl_test_env(), lp, &l));
  snprintf(oid, sizeof oid, "l:%s", lp);
  io = rt_ioctx(&c);
  ck_assert_int_eq(rados_list_lockers(io, oid, "plinth", &excl, tag, &tl, clients, &cl, cookies, &kl, addrs, &al), 1);
  ck_assert_int_eq(rados_break_lock(io, oid, "plinth", clients, cookies), 0);
  rados_ioctx_destroy(io);
  rados_shutdown(c);
  ck_assert_int_eq(pl_env_unlock_file(pl_test_env(), l), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "lost") != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(missing_pool_is_not_found) {
  pl_rados_options o;
  pl_env *e = (pl_env *)1;
  rt_options(&o);
  o.pool = "plinth-no-such-pool";
  ck_assert_int_eq(pl_rados_env_open(&o, &e), PL_NOT_FOUND);
  ck_assert_ptr_null(e);
  ck_assert_msg(strstr(pl_error_message(), "plinth-no-such-pool") != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(unreachable_cluster_fails_within_the_timeout) {
  pl_rados_options o;
  pl_env *e;
  char conf[1400];
  FILE *f;
  double t0;
  /* A monitor address where nothing listens. */
  snprintf(conf, sizeof conf, "/tmp/plinth-unreachable-%d.conf", (int)getpid());
  f = fopen(conf, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "[global]\nmon host = 127.0.0.1:9\nauth client required = none\n");
  fclose(f);
  rt_options(&o);
  o.conf_path = conf;
  o.op_timeout_ms = 2000;
  t0 = now_s();
  ck_assert_int_eq(pl_rados_env_open(&o, &e), PL_IO_ERROR);
  remove(conf);
  ck_assert_msg(now_s() - t0 < 10, "open took %.1f s with a 2 s timeout", now_s() - t0);
  ck_assert_msg(strstr(pl_error_message(), "connecting") != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(bad_options_are_invalid_arguments) {
  pl_rados_options o;
  pl_env *e;
  const char *pool = getenv("PLINTH_RADOS_POOL");
  rt_options(&o);
  o.pool = NULL;
  ck_assert_int_eq(pl_rados_env_open(&o, &e), PL_INVALID_ARGUMENT);
  rt_options(&o);
  o.lock_lease_ms = 10;
  ck_assert_int_eq(pl_rados_env_open(&o, &e), PL_INVALID_ARGUMENT);
  rt_options(&o);
  o.stripe_size = 0;
  ck_assert_int_eq(pl_rados_env_open(&o, &e), PL_INVALID_ARGUMENT);
  unsetenv("PLINTH_RADOS_POOL");
  ck_assert_int_eq(pl_rados_env_open_from_environment(&e), PL_INVALID_ARGUMENT);
  setenv("PLINTH_RADOS_POOL", pool, 1);
  setenv("PLINTH_RADOS_TIMEOUT_MS", "soon", 1);
  ck_assert_int_eq(pl_rados_env_open_from_environment(&e), PL_INVALID_ARGUMENT);
  unsetenv("PLINTH_RADOS_TIMEOUT_MS");
  ck_assert(!pl_rados_env_is(pl_env_platform()));
  ck_assert(pl_rados_env_is(pl_test_env()));
}
END_TEST

int main(int argc, char **argv) {
  TCase *tc;
  Suite *s = rt_suite(argc, argv, &tc, "rados", setup, teardown);
  tcase_add_test(tc, files_span_objects_of_the_stripe_size);
  tcase_add_test(tc, reads_in_order_are_read_ahead);
  tcase_add_test(tc, reads_out_of_order_fetch_only_what_they_ask);
  tcase_add_test(tc, operations_cost_the_round_trips_the_readme_says);
  tcase_add_test(tc, a_file_ending_on_an_object_boundary_has_no_empty_object);
  tcase_add_test(tc, large_files_span_default_objects);
  tcase_add_test(tc, write_at_beyond_the_end_fills_the_gap_with_zeros);
  tcase_add_test(tc, allocate_creates_whole_objects_up_to_the_end);
  tcase_add_test(tc, truncating_a_file_removes_its_other_objects);
  tcase_add_test(tc, removing_a_file_removes_its_objects);
  tcase_add_test(tc, rename_replacing_a_file_frees_the_old_objects);
  tcase_add_test(tc, rename_across_directories_moves_the_file);
  tcase_add_test(tc, renaming_a_directory_is_not_supported);
  tcase_add_test(tc, rename_onto_a_directory_is_an_error);
  tcase_add_test(tc, namespace_changes_are_durable_at_once_and_sync_dir_checks_the_directory);
  tcase_add_test(tc, synced_data_is_seen_by_another_client);
  tcase_add_test(tc, failed_write_is_reported_by_sync_and_stays);
  tcase_add_test(tc, failed_write_is_reported_by_close_when_never_synced);
  tcase_add_test(tc, failed_positional_write_is_reported_at_once_and_stays);
  tcase_add_test(tc, opening_a_directory_as_a_file_is_an_error);
  tcase_add_test(tc, paths_are_resolved_by_name);
  tcase_add_test(tc, namespaces_keep_trees_apart);
  tcase_add_test(tc, lock_excludes_another_process_until_unlock);
  tcase_add_test(tc, lock_of_a_killed_holder_is_free_after_its_lease);
  tcase_add_test(tc, lock_is_renewed_while_its_holder_lives);
  tcase_add_test(tc, unlock_of_a_lock_broken_meanwhile_is_an_error);
  tcase_add_test(tc, missing_pool_is_not_found);
  tcase_add_test(tc, unreachable_cluster_fails_within_the_timeout);
  tcase_add_test(tc, bad_options_are_invalid_arguments);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
