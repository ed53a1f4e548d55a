/* Parallel part writer: concurrent parts land whole in one file, the
 * destination appears only at finalize, per-part CRC and status, abort,
 * and every failure path leaving no temporary behind. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/part_writer.h"
#include "tests/fault_env.h"
#include "tests/test_util.h"
#include "util/crc32c.h"

static char dir[1024];
static char path[1200];
static char tmp[1300];

static void setup(void) {
  fault_env_fixture(dir, sizeof dir, path, sizeof path, "part_writer", "blob");
  snprintf(tmp, sizeof tmp, "%s.parts-tmp", path);
}
static void teardown(void) { fault_env_fixture_end(dir); }

static pl_env *fault(void) { return fault_env(); }

static int exists(const char *p) { return pl_env_file_exists(pl_env_platform(), p) == PL_OK; }

/* Byte i of the test file: varies with position so misplaced parts show. */
static unsigned char pattern(uint64_t i) { return (unsigned char)((i * 131u + (i >> 9)) & 0xff); }

static unsigned char *make_data(uint64_t n) {
  unsigned char *d = malloc(n ? n : 1);
  uint64_t i;
  for (i = 0; i < n; i++) d[i] = pattern(i);
  return d;
}

static pl_part_writer *open_pw(pl_env *env, uint64_t total, uint64_t part_size) {
  pl_part_writer_options o;
  pl_part_writer *pw;
  pl_part_writer_options_init(&o);
  o.part_size = part_size;
  ck_assert_pl_ok(pl_part_writer_open(env, path, total, &o, &pw));
  return pw;
}

/* Writes part k from data in chunks of at most 1000 bytes. */
static pl_status write_part(pl_part_writer *pw, size_t k, const unsigned char *data) {
  pl_part_info info;
  uint64_t done = 0;
  ck_assert_pl_ok(pl_part_writer_part_info(pw, k, &info));
  while (done < info.length) {
    size_t n = info.length - done > 1000 ? 1000 : (size_t)(info.length - done);
    pl_status s = pl_part_writer_write(pw, k, data + info.offset + done, n);
    if (s != PL_OK) return s;
    done += n;
  }
  return PL_OK;
}

static void write_all_parts(pl_part_writer *pw, const unsigned char *data) {
  size_t k;
  for (k = 0; k < pl_part_writer_count(pw); k++) ck_assert_pl_ok(write_part(pw, k, data));
}

static void check_destination(const unsigned char *data, uint64_t total) {
  char *got;
  size_t n;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &got, &n));
  ck_assert_uint_eq(n, total);
  ck_assert(memcmp(got, data, (size_t)total) == 0);
  free(got);
}

typedef struct worker {
  pl_part_writer *pw;
  const unsigned char *data;
  size_t first, step;
  pl_status status;
} worker;

static void *write_parts(void *arg) {
  worker *w = arg;
  size_t k;
  w->status = PL_OK;
  for (k = w->first; k < pl_part_writer_count(w->pw) && w->status == PL_OK; k += w->step)
    w->status = write_part(w->pw, k, w->data);
  return NULL;
}

START_TEST(parts_written_by_concurrent_threads_are_published_whole) {
  enum { T = 4 };
  const uint64_t total = (1u << 20) + 123;
  unsigned char *data = make_data(total);
  pl_part_writer *pw = open_pw(pl_env_default(), total, 64 * 1024);
  worker w[T];
  pthread_t t[T];
  int i;
  ck_assert_uint_eq(pl_part_writer_count(pw), 17);
  for (i = 0; i < T; i++) {
    w[i].pw = pw;
    w[i].data = data;
    w[i].first = (size_t)i;
    w[i].step = T;
    pthread_create(&t[i], NULL, write_parts, &w[i]);
  }
  for (i = 0; i < T; i++) {
    pthread_join(t[i], NULL);
    ck_assert_pl_ok(w[i].status);
  }
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  check_destination(data, total);
  ck_assert(!exists(tmp));
  free(data);
}
END_TEST

START_TEST(last_part_holds_the_remainder) {
  pl_part_info info;
  pl_part_writer *pw = open_pw(pl_env_default(), 250, 100);
  ck_assert_uint_eq(pl_part_writer_count(pw), 3);
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 2, &info));
  ck_assert_uint_eq(info.offset, 200);
  ck_assert_uint_eq(info.length, 50);
  ck_assert_uint_eq(info.written, 0);
  ck_assert_int_eq(info.status, PL_OK);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
}
END_TEST

START_TEST(one_temporary_file_is_preallocated_to_the_full_size) {
  uint64_t size;
  pl_strlist names = {0};
  pl_part_writer *pw = open_pw(pl_env_default(), 300000, 4096);
  ck_assert_pl_ok(pl_env_file_size(pl_env_platform(), tmp, &size));
  ck_assert_uint_eq(size, 300000);
  ck_assert_pl_ok(pl_env_list_children(pl_env_platform(), dir, &names));
  ck_assert_uint_eq(names.count, 1); /* no per-part files */
  pl_strlist_free(&names);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
}
END_TEST

START_TEST(destination_is_absent_until_finalize) {
  unsigned char *data = make_data(5000);
  pl_part_writer *pw = open_pw(pl_env_default(), 5000, 1000);
  write_all_parts(pw, data);
  ck_assert(!exists(path)); /* every byte written, still not published */
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  check_destination(data, 5000);
  free(data);
}
END_TEST

START_TEST(existing_destination_keeps_old_contents_until_finalize) {
  unsigned char *data = make_data(5000);
  char *got;
  size_t n;
  pl_part_writer *pw;
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), path, "old", 3, 1));
  pw = open_pw(pl_env_default(), 5000, 1000);
  write_all_parts(pw, data);
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &got, &n));
  ck_assert_uint_eq(n, 3);
  free(got);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  check_destination(data, 5000);
  free(data);
}
END_TEST

START_TEST(finalize_syncs_data_before_rename_and_the_directory_after) {
  unsigned char *data = make_data(3000);
  pl_part_writer *pw = open_pw(fault(), 3000, 1000);
  char ops[64];
  write_all_parts(pw, data);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  pl_crash_faults_ops(fault_env_faults(), ops, sizeof ops);
  ck_assert_str_eq(ops, "SCRD");
  free(data);
}
END_TEST

START_TEST(part_crc32c_covers_the_bytes_written) {
  unsigned char *data = make_data(3000);
  pl_part_info info;
  pl_part_writer *pw = open_pw(pl_env_default(), 3000, 1000);
  ck_assert_pl_ok(pl_part_writer_write(pw, 1, data + 1000, 400));
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 1, &info));
  ck_assert_uint_eq(info.written, 400);
  ck_assert_uint_eq(info.crc32c, pl__crc32c(data + 1000, 400));
  ck_assert_pl_ok(pl_part_writer_write(pw, 1, data + 1400, 600));
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 1, &info));
  ck_assert_uint_eq(info.crc32c, pl__crc32c(data + 1000, 1000));
  ck_assert_pl_ok(pl_part_writer_abort(pw));
  free(data);
}
END_TEST

START_TEST(zero_size_file_has_one_empty_part_and_publishes) {
  uint64_t size;
  pl_part_writer *pw = open_pw(pl_env_default(), 0, 1000);
  ck_assert_uint_eq(pl_part_writer_count(pw), 1);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  ck_assert_pl_ok(pl_env_file_size(pl_env_platform(), path, &size));
  ck_assert_uint_eq(size, 0);
}
END_TEST

START_TEST(abort_removes_the_temporary_and_leaves_the_destination) {
  unsigned char *data = make_data(3000);
  char *got;
  size_t n;
  pl_part_writer *pw;
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), path, "old", 3, 1));
  pw = open_pw(pl_env_default(), 3000, 1000);
  ck_assert_pl_ok(write_part(pw, 0, data));
  ck_assert(exists(tmp));
  ck_assert_pl_ok(pl_part_writer_abort(pw));
  ck_assert(!exists(tmp));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &got, &n));
  ck_assert_uint_eq(n, 3);
  ck_assert_mem_eq(got, "old", 3);
  free(got);
  free(data);
}
END_TEST

START_TEST(write_past_the_end_of_a_part_is_rejected) {
  unsigned char *data = make_data(3000);
  pl_part_info info;
  pl_part_writer *pw = open_pw(pl_env_default(), 3000, 1000);
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, data, 900));
  ck_assert_int_eq(pl_part_writer_write(pw, 0, data + 900, 101), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 0, &info));
  ck_assert_uint_eq(info.written, 900); /* the refused write changed nothing */
  ck_assert_int_eq(info.status, PL_OK);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
  free(data);
}
END_TEST

START_TEST(part_out_of_range_is_rejected) {
  pl_part_info info;
  pl_part_writer *pw = open_pw(pl_env_default(), 3000, 1000);
  ck_assert_int_eq(pl_part_writer_write(pw, 3, "x", 1), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_part_writer_part_info(pw, 3, &info), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
}
END_TEST

START_TEST(finalize_with_an_incomplete_part_fails_and_removes_the_temporary) {
  unsigned char *data = make_data(3000);
  pl_part_writer *pw = open_pw(pl_env_default(), 3000, 1000);
  ck_assert_pl_ok(write_part(pw, 0, data));
  ck_assert_pl_ok(write_part(pw, 2, data));
  ck_assert_pl_ok(pl_part_writer_write(pw, 1, data + 1000, 999));
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "part 1") != NULL, "%s", pl_error_message());
  ck_assert(!exists(tmp));
  ck_assert(!exists(path));
  free(data);
}
END_TEST

START_TEST(write_failure_marks_the_part_and_fails_finalize) {
  unsigned char *data = make_data(3000);
  pl_part_info info;
  pl_part_writer *pw = open_pw(fault(), 3000, 1000);
  fault_env_fail(PL_FAULT_WRITE_AT_EIO, 2);
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, data, 1000));
  ck_assert_int_eq(pl_part_writer_write(pw, 1, data + 1000, 1000), PL_IO_ERROR);
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 1, &info));
  ck_assert_int_eq(info.status, PL_IO_ERROR);
  ck_assert_uint_eq(info.written, 0);
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 0, &info));
  ck_assert_int_eq(info.status, PL_OK);
  /* a failed part refuses further writes */
  ck_assert_int_eq(pl_part_writer_write(pw, 1, data + 1000, 1000), PL_IO_ERROR);
  ck_assert_pl_ok(pl_part_writer_write(pw, 2, data + 2000, 1000));
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_IO_ERROR);
  ck_assert(!exists(tmp));
  ck_assert(!exists(path));
  free(data);
}
END_TEST

/* finalize names the failed part and keeps the failure's own OS error and
 * message, not a bare "part 1 failed". */
START_TEST(finalize_after_a_failed_part_reports_that_parts_os_error) {
  unsigned char *data = make_data(2000);
  pl_part_writer *pw = open_pw(fault(), 2000, 1000);
  fault_env_fail(PL_FAULT_WRITE_AT_EIO, 2);
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, data, 1000));
  ck_assert_int_eq(pl_part_writer_write(pw, 1, data + 1000, 1000), PL_IO_ERROR);
  pl_error_clear();
  ck_assert_int_eq(pl_part_writer_write(pw, 1, data + 1000, 1000), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 5);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "injected write_at failure"));
  pl_error_clear();
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 5);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "part 1 failed"));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "injected write_at failure"));
  free(data);
}
END_TEST

START_TEST(sync_failure_fails_finalize_and_publishes_nothing) {
  unsigned char *data = make_data(3000);
  pl_part_writer *pw = open_pw(fault(), 3000, 1000);
  write_all_parts(pw, data);
  fault_env_fail(PL_FAULT_SYNC_EIO, 1);
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected sync") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(fault_env_stats().renames, 0);
  ck_assert(!exists(tmp));
  ck_assert(!exists(path));
  free(data);
}
END_TEST

START_TEST(rename_failure_fails_finalize_and_keeps_the_destination) {
  unsigned char *data = make_data(3000);
  char *got;
  size_t n;
  pl_part_writer *pw;
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), path, "old", 3, 1));
  pw = open_pw(fault(), 3000, 1000);
  write_all_parts(pw, data);
  fault_env_fail(PL_FAULT_RENAME_EIO, 1);
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_IO_ERROR);
  ck_assert(!exists(tmp));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &got, &n));
  ck_assert_uint_eq(n, 3);
  free(got);
  free(data);
}
END_TEST

START_TEST(env_without_positional_writes_is_not_supported) {
  pl_part_writer *pw = (pl_part_writer *)1;
  pl_crash_faults_set_write_at(fault_env_faults(), 0);
  ck_assert_int_eq(pl_part_writer_open(fault(), path, 3000, NULL, &pw), PL_NOT_SUPPORTED);
  ck_assert_ptr_null(pw);
  ck_assert(!exists(tmp));
}
END_TEST

START_TEST(preallocation_not_supported_still_writes_the_file) {
  unsigned char *data = make_data(3000);
  pl_part_writer *pw;
  pl_crash_faults_set_allocate(fault_env_faults(), PL_NOT_SUPPORTED);
  pw = open_pw(fault(), 3000, 1000);
  /* write the parts out of order: the file grows through holes */
  ck_assert_pl_ok(write_part(pw, 2, data));
  ck_assert_pl_ok(write_part(pw, 0, data));
  ck_assert_pl_ok(write_part(pw, 1, data));
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  check_destination(data, 3000);
  free(data);
}
END_TEST

START_TEST(preallocation_failure_fails_open_and_leaves_nothing) {
  pl_part_writer *pw = (pl_part_writer *)1;
  pl_crash_faults_set_allocate(fault_env_faults(), PL_IO_ERROR);
  ck_assert_int_eq(pl_part_writer_open(fault(), path, 3000, NULL, &pw), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected allocate") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(pw);
  ck_assert(!exists(tmp));
}
END_TEST

START_TEST(open_in_a_missing_directory_fails_with_not_found) {
  char bad[1300];
  pl_part_writer *pw = (pl_part_writer *)1;
  pl_test_path(bad, sizeof bad, dir, "missing/blob");
  ck_assert_int_eq(pl_part_writer_open(pl_env_default(), bad, 10, NULL, &pw), PL_NOT_FOUND);
  ck_assert_ptr_null(pw);
}
END_TEST

/* A sink in memory that records what the part writer asks of it. */
typedef struct mem_sink {
  pl_part_sink base;
  unsigned char data[64];
  int writes, lasts, finalized, aborted, *destroyed;
  size_t finalized_count;
  int fail_part; /* writes to this part fail with EIO; -1: none */
} mem_sink;

static pl_status mem_write(pl_part_sink *s, size_t part, uint64_t offset, const void *data, size_t n, int last) {
  mem_sink *m = (mem_sink *)s;
  m->writes++;
  if ((int)part == m->fail_part) return pl_error_set(PL_IO_ERROR, 5, "mem sink: part %d refused", (int)part);
  memcpy(m->data + part * 8 + offset, data, n);
  if (last) m->lasts++;
  return PL_OK;
}

static pl_status mem_finalize(pl_part_sink *s, const pl_part_info *parts, size_t count) {
  mem_sink *m = (mem_sink *)s;
  (void)parts;
  m->finalized++;
  m->finalized_count = count;
  return PL_OK;
}

static pl_status mem_abort(pl_part_sink *s) {
  ((mem_sink *)s)->aborted++;
  return PL_OK;
}

static void mem_destroy(pl_part_sink *s) {
  mem_sink *m = (mem_sink *)s;
  /* The sink is freed here; the test keeps its counts. */
  m->destroyed[0] = 1;
  m->destroyed[1] = m->finalized;
  m->destroyed[2] = m->aborted;
  free(m);
}

static const pl_part_sink_methods mem_methods = {1, mem_write, mem_finalize, mem_abort, mem_destroy};

/* The sink was destroyed, after a finalize (finalized 1) or an abort
 * (aborted 1). */
static void expect_sink_ended(const int *destroyed, int finalized, int aborted) {
  ck_assert_int_eq(destroyed[0], 1);
  ck_assert_int_eq(destroyed[1], finalized);
  ck_assert_int_eq(destroyed[2], aborted);
}

static mem_sink *mem_sink_new(int *destroyed, int fail_part) {
  mem_sink *m = calloc(1, sizeof *m);
  ck_assert_ptr_nonnull(m);
  m->base.methods = &mem_methods;
  m->destroyed = destroyed;
  m->fail_part = fail_part;
  return m;
}

START_TEST(sink_receives_every_part_and_finalize_publishes_through_it) {
  int destroyed[3] = {0, 0, 0};
  mem_sink *m = mem_sink_new(destroyed, -1);
  pl_part_writer *pw;
  pl_part_writer_options o;
  pl_part_writer_options_init(&o);
  o.part_size = 8;
  ck_assert_pl_ok(pl_part_writer_open_sink(&m->base, "mem:blob", 20, &o, &pw));
  ck_assert_ptr_eq(pl_part_writer_sink(pw), &m->base);
  ck_assert_uint_eq(pl_part_writer_count(pw), 3);
  ck_assert_pl_ok(pl_part_writer_write(pw, 2, "wxyz", 4));
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, "abcd", 4));
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, "efgh", 4));
  ck_assert_pl_ok(pl_part_writer_write(pw, 1, "ijklmnop", 8));
  ck_assert_int_eq(m->lasts, 3);
  ck_assert_mem_eq(m->data, "abcdefghijklmnopwxyz", 20);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  expect_sink_ended(destroyed, 1, 0);
}
END_TEST

START_TEST(sink_write_failure_makes_finalize_abort_the_sink) {
  int destroyed[3] = {0, 0, 0};
  mem_sink *m = mem_sink_new(destroyed, 1);
  pl_part_writer *pw;
  pl_part_writer_options o;
  pl_part_writer_options_init(&o);
  o.part_size = 8;
  ck_assert_pl_ok(pl_part_writer_open_sink(&m->base, "mem:blob", 16, &o, &pw));
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, "abcdefgh", 8));
  ck_assert_int_eq(pl_part_writer_write(pw, 1, "ijklmnop", 8), PL_IO_ERROR);
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "mem:blob") != NULL && strstr(pl_error_message(), "part 1") != NULL,
                "%s", pl_error_message());
  ck_assert_int_eq(pl_error_os(), 5);
  expect_sink_ended(destroyed, 0, 1);
}
END_TEST

START_TEST(abort_of_a_sink_writer_aborts_and_destroys_the_sink) {
  int destroyed[3] = {0, 0, 0};
  mem_sink *m = mem_sink_new(destroyed, -1);
  pl_part_writer *pw;
  ck_assert_pl_ok(pl_part_writer_open_sink(&m->base, "mem:blob", 10, NULL, &pw));
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, "abc", 3));
  ck_assert_pl_ok(pl_part_writer_abort(pw));
  expect_sink_ended(destroyed, 0, 1);
}
END_TEST

START_TEST(open_sink_refusing_too_many_parts_aborts_and_destroys_the_sink) {
  int destroyed[3] = {0, 0, 0};
  mem_sink *m = mem_sink_new(destroyed, -1);
  pl_part_writer *pw = (pl_part_writer *)1;
  pl_part_writer_options o;
  pl_part_writer_options_init(&o);
  o.part_size = 1;
  ck_assert_int_eq(pl_part_writer_open_sink(&m->base, "mem:huge", UINT64_MAX, &o, &pw), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(pw);
  ck_assert_str_eq(pl_error_message(), "mem:huge: too many parts");
  ck_assert_int_eq(destroyed[0], 1);
  ck_assert_int_eq(destroyed[2], 1);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "part_writer", "part_writer", setup, teardown, 60);
  tcase_add_test(tc, parts_written_by_concurrent_threads_are_published_whole);
  tcase_add_test(tc, last_part_holds_the_remainder);
  tcase_add_test(tc, one_temporary_file_is_preallocated_to_the_full_size);
  tcase_add_test(tc, destination_is_absent_until_finalize);
  tcase_add_test(tc, existing_destination_keeps_old_contents_until_finalize);
  tcase_add_test(tc, finalize_syncs_data_before_rename_and_the_directory_after);
  tcase_add_test(tc, part_crc32c_covers_the_bytes_written);
  tcase_add_test(tc, zero_size_file_has_one_empty_part_and_publishes);
  tcase_add_test(tc, abort_removes_the_temporary_and_leaves_the_destination);
  tcase_add_test(tc, write_past_the_end_of_a_part_is_rejected);
  tcase_add_test(tc, part_out_of_range_is_rejected);
  tcase_add_test(tc, finalize_with_an_incomplete_part_fails_and_removes_the_temporary);
  tcase_add_test(tc, write_failure_marks_the_part_and_fails_finalize);
  tcase_add_test(tc, finalize_after_a_failed_part_reports_that_parts_os_error);
  tcase_add_test(tc, sync_failure_fails_finalize_and_publishes_nothing);
  tcase_add_test(tc, rename_failure_fails_finalize_and_keeps_the_destination);
  tcase_add_test(tc, env_without_positional_writes_is_not_supported);
  tcase_add_test(tc, preallocation_not_supported_still_writes_the_file);
  tcase_add_test(tc, preallocation_failure_fails_open_and_leaves_nothing);
  tcase_add_test(tc, open_in_a_missing_directory_fails_with_not_found);
  tcase_add_test(tc, sink_receives_every_part_and_finalize_publishes_through_it);
  tcase_add_test(tc, sink_write_failure_makes_finalize_abort_the_sink);
  tcase_add_test(tc, abort_of_a_sink_writer_aborts_and_destroys_the_sink);
  tcase_add_test(tc, open_sink_refusing_too_many_parts_aborts_and_destroys_the_sink);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
