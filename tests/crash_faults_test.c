/* Faults beyond power loss, and plinth's own durability rules under the
 * harness: fsync EIO with Linux semantics, ENOSPC and short writes; the
 * harness catches an engine that retries a failed sync and acknowledges;
 * plinth's sticky-sync rule and pl_file_replace pass. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#if !defined(_WIN32)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "tests/test_util.h"
#include "plinth/crash.h"
#include "plinth/file_util.h"

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "crash-faults"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static pl_writable_options unbuffered(void) {
  pl_writable_options o;
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  return o;
}

START_TEST(injected_sync_eio_then_retry_succeeds) {
  pl_crash_fault fault = {PL_FAULT_SYNC_EIO, "log", 1, 0};
  pl_crash_faults *fe;
  pl_writable_file *f;
  pl_writable_options wo = unbuffered();
  char p[1200];
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe));
  ck_assert_str_eq(pl_crash_faults_env(fe)->name, "faults");
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(fe), pl_test_path(p, sizeof p, dir, "log"), &wo, &f));
  ck_assert_pl_ok(pl_writable_append(f, "abc", 3));
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EIO);
  /* Linux: the error is reported once; the retry "succeeds". */
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(pl_crash_faults_injected(fe), 1);
  ck_assert_pl_ok(pl_writable_close(f));
  pl_crash_faults_free(fe);
}
END_TEST

/* A fault env with the one fault planned (into *fe) and an unbuffered
 * file dir/f opened on it (its path into p). */
static pl_writable_file *open_with_fault(const pl_crash_fault *fault, pl_crash_faults **fe, char *p,
                                         size_t cap) {
  pl_writable_file *f;
  pl_writable_options wo = unbuffered();
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), fault, 1, fe));
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(*fe), pl_test_path(p, cap, dir, "f"), &wo, &f));
  return f;
}

START_TEST(enospc_write_fails_and_stores_nothing) {
  pl_crash_fault fault = {PL_FAULT_ENOSPC, NULL, 2, 0};
  pl_crash_faults *fe;
  char p[1200], *c;
  size_t n;
  pl_writable_file *f = open_with_fault(&fault, &fe, p, sizeof p);
  ck_assert_pl_ok(pl_writable_append(f, "one", 3));
  ck_assert_int_eq(pl_writable_append(f, "two", 3), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &c, &n));
  ck_assert_uint_eq(n, 3);
  free(c);
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(short_write_stores_a_prefix_then_fails) {
  pl_crash_fault fault = {PL_FAULT_SHORT_WRITE, "f", 1, 2};
  pl_crash_faults *fe;
  char p[1200], *c;
  size_t n;
  pl_writable_file *f = open_with_fault(&fault, &fe, p, sizeof p);
  ck_assert_int_eq(pl_writable_append(f, "abcdef", 6), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &c, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(memcmp(c, "ab", 2), 0);
  free(c);
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(malformed_fault_is_rejected) {
  pl_crash_fault fault = {PL_FAULT_SYNC_EIO, NULL, 0, 0};
  pl_crash_faults *fe;
  ck_assert_int_eq(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe), PL_INVALID_ARGUMENT);
  fault.nth = 1;
  fault.kind = 99;
  ck_assert_int_eq(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe), PL_INVALID_ARGUMENT);
}
END_TEST

/* ---- an engine that logs one record, syncs and acknowledges ---- */

/* Writes 100 bytes to dir/log, syncs; if retry, a failed sync is retried
 * once.  Acknowledges only when the (last) sync returned OK. */
static void log_engine(pl_env *env, pl_crash_recorder *rec, int retry, pl_status *first,
                       pl_status *second) {
  pl_writable_file *f;
  pl_writable_options wo;
  char p[1200], rec_data[100];
  pl_status s;
  memset(rec_data, 'r', sizeof rec_data);
  pl_writable_options_init(&wo);
  ck_assert_pl_ok(pl_env_new_writable(env, pl_test_path(p, sizeof p, dir, "log"), &wo, &f));
  ck_assert_pl_ok(pl_env_sync_dir(env, dir));
  ck_assert_pl_ok(pl_writable_append(f, rec_data, sizeof rec_data));
  s = *first = pl_writable_sync(f);
  *second = PL_OK;
  if (s != PL_OK && retry) s = *second = pl_writable_sync(f);
  if (s == PL_OK) pl_crash_note(rec, "acked");
  pl_writable_close(f);
}

static int log_check(void *arg, const char *d, const char *const *notes, size_t n, char *msg,
                     size_t cap) {
  char p[2048], *c;
  size_t len;
  int bad;
  if (n == 0) return 0;
  snprintf(p, sizeof p, "%s/log", d);
  if (pl_file_read_all(pl_env_platform(), p, &c, &len) != PL_OK) {
    snprintf(msg, cap, "log missing after ack");
    return 1;
  }
  bad = len != 100 || c[0] != 'r' || c[99] != 'r';
  free(c);
  if (bad) snprintf(msg, cap, "acknowledged record lost (%lu bytes)", (unsigned long)len);
  return bad;
}

static uint64_t explore_failures(pl_crash_recorder *rec) {
  pl_crash_options o;
  pl_crash_checker c = {log_check, NULL, NULL};
  pl_crash_report r;
  char work[1200];
  uint64_t failures;
  pl_crash_options_init(&o);
  o.work_dir = pl_test_path(work, sizeof work, dir, "work");
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r));
  ck_assert_uint_gt(r.checked, 0);
  failures = r.failures;
  pl_crash_report_free(&r);
  return failures;
}

/* fsyncgate: the engine retries the failed sync, Linux says OK, the
 * engine acknowledges data that was dropped.  The harness catches it. */
START_TEST(counts_and_orders_the_durable_operations) {
  pl_crash_faults *fe;
  pl_crash_faults_stats st;
  pl_writable_file *f;
  pl_writable_options wo = unbuffered();
  char a[1200], b[1200], ops[64];
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), NULL, 0, &fe));
  pl_test_path(a, sizeof a, dir, "a");
  pl_test_path(b, sizeof b, dir, "b");
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(fe), a, &wo, &f));
  ck_assert_pl_ok(pl_writable_append(f, "xy", 2));
  ck_assert_pl_ok(pl_writable_write_at(f, 0, "z", 1));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_rename(pl_crash_faults_env(fe), a, b));
  ck_assert_pl_ok(pl_env_sync_dir(pl_crash_faults_env(fe), dir));
  pl_crash_faults_stats_get(fe, &st);
  ck_assert_int_eq(st.appends, 1);
  ck_assert_int_eq(st.write_ats, 1);
  ck_assert_int_eq(st.syncs, 1);
  ck_assert_int_eq(st.closes, 1);
  ck_assert_int_eq(st.renames, 1);
  ck_assert_int_eq(st.sync_dirs, 1);
  ck_assert_int_eq(st.injected, 0);
  pl_crash_faults_ops(fe, ops, sizeof ops);
  ck_assert_str_eq(ops, "SCRD");
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(append_write_at_and_rename_faults_fail_the_nth_from_when_added) {
  pl_crash_faults *fe;
  pl_crash_fault append = {PL_FAULT_APPEND_EIO, NULL, 2, 0};
  pl_crash_fault write_at = {PL_FAULT_WRITE_AT_EIO, "f", 1, 0};
  pl_crash_fault ren = {PL_FAULT_RENAME_EIO, "/g", 1, 0};
  pl_writable_file *f;
  pl_writable_options wo = unbuffered();
  char p[1200], g[1200];
  char *data;
  size_t n;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &append, 1, &fe));
  pl_test_path(p, sizeof p, dir, "f");
  pl_test_path(g, sizeof g, dir, "g");
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(fe), p, &wo, &f));
  ck_assert_pl_ok(pl_writable_append(f, "ab", 2));
  ck_assert_int_eq(pl_writable_append(f, "cd", 2), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EIO);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "injected append failure"));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_pl_ok(pl_writable_write_at(f, 0, "A", 1));
  ck_assert_pl_ok(pl_crash_faults_add(fe, &write_at));
  ck_assert_int_eq(pl_writable_write_at(f, 1, "B", 1), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "injected write_at failure"));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &data, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert_mem_eq(data, "Ab", 2); /* nothing of the failed calls */
  free(data);
  ck_assert_pl_ok(pl_crash_faults_add(fe, &ren));
  ck_assert_int_eq(pl_env_rename(pl_crash_faults_env(fe), p, g), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), p));
  ck_assert_ptr_nonnull(strstr(pl_error_message(), g));
  ck_assert_int_eq(pl_env_file_exists(pl_env_platform(), p), PL_OK);
  ck_assert_int_eq(pl_env_file_exists(pl_env_platform(), g), PL_NOT_FOUND);
  ck_assert_int_eq(pl_crash_faults_injected(fe), 3);
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(write_at_can_be_taken_away_and_allocate_refused) {
  pl_crash_faults *fe;
  pl_writable_file *f;
  char p[1200];
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), NULL, 0, &fe));
  pl_test_path(p, sizeof p, dir, "f");
  pl_crash_faults_set_write_at(fe, 0);
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(fe), p, NULL, &f));
  ck_assert_int_lt(f->methods->version, 2); /* a table without write_at */
  ck_assert_int_eq(pl_writable_write_at(f, 0, "x", 1), PL_NOT_SUPPORTED);
  ck_assert_pl_ok(pl_writable_close(f));
  pl_crash_faults_set_write_at(fe, 1);
  pl_crash_faults_set_allocate(fe, PL_NOT_SUPPORTED);
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_faults_env(fe), p, NULL, &f));
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_NOT_SUPPORTED);
  pl_crash_faults_set_allocate(fe, PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "injected allocate failure"));
  pl_crash_faults_set_allocate(fe, PL_OK);
  ck_assert_pl_ok(pl_writable_write_at(f, 0, "x", 1));
  ck_assert_pl_ok(pl_writable_allocate(f, 0, 4096));
  ck_assert_pl_ok(pl_writable_close(f));
  pl_crash_faults_free(fe);
}
END_TEST

/* Records log_engine (retrying or not) with the first sync of "log"
 * failing; returns the failing crash states, the two syncs' statuses in
 * *first and *second. */
static uint64_t failures_after_a_failed_sync(int retry, pl_status *first, pl_status *second) {
  pl_crash_fault fault = {PL_FAULT_SYNC_EIO, "log", 1, 0};
  pl_crash_faults *fe;
  pl_crash_recorder *rec;
  uint64_t failures;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_crash_faults_env(fe), dir, NULL, &rec));
  log_engine(pl_crash_recorder_env(rec), rec, retry, first, second);
  failures = explore_failures(rec);
  pl_crash_recorder_free(rec);
  pl_crash_faults_free(fe);
  return failures;
}

START_TEST(retrying_a_failed_sync_is_caught) {
  pl_status first, second;
  uint64_t failures = failures_after_a_failed_sync(1, &first, &second);
  ck_assert_int_eq(first, PL_IO_ERROR);
  ck_assert_int_eq(second, PL_OK);
  ck_assert_uint_gt(failures, 0);
}
END_TEST

/* The same engine without the retry never acknowledges: it passes. */
START_TEST(giving_up_after_a_failed_sync_passes) {
  pl_status first, second;
  uint64_t failures = failures_after_a_failed_sync(0, &first, &second);
  ck_assert_int_eq(first, PL_IO_ERROR);
  ck_assert_uint_eq(failures, 0);
}
END_TEST

#if !defined(_WIN32)
/* fdatasync/fsync defined here take the place of libc's for libplinth
 * (symbol interposition), so the EIO comes from below plinth's writable,
 * where a real disk error would. */
static int fail_syncs, sync_calls;

int fdatasync(int fd);
int fsync(int fd);

/* Either sync: fails with EIO while fail_syncs lasts, else makes the
 * system call sysno. */
static int interposed_sync(long sysno, int fd) {
  sync_calls++;
  if (fail_syncs > 0) {
    fail_syncs--;
    errno = EIO;
    return -1;
  }
  return (int)syscall(sysno, fd);
}

int fdatasync(int fd) { return interposed_sync(SYS_fdatasync, fd); }
int fsync(int fd) { return interposed_sync(SYS_fsync, fd); }

/* The naive engine retries, but plinth's writable keeps failing after the
 * first EIO (it never asks the OS again, so Linux cannot answer "OK"): no
 * acknowledgement, nothing lost that was promised. */
START_TEST(sticky_sync_failure_passes_under_the_harness) {
  pl_crash_recorder *rec;
  pl_status first, second;
  int calls_before;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  fail_syncs = 0;
  /* Fail the file's sync only: the directory sync comes first and must
   * work, so the failure is armed from the engine's first sync on. */
  {
    pl_writable_file *f;
    pl_writable_options wo;
    char p[1200], rec_data[100];
    pl_env *env = pl_crash_recorder_env(rec);
    memset(rec_data, 'r', sizeof rec_data);
    pl_writable_options_init(&wo);
    ck_assert_pl_ok(pl_env_new_writable(env, pl_test_path(p, sizeof p, dir, "log"), &wo, &f));
    ck_assert_pl_ok(pl_env_sync_dir(env, dir));
    ck_assert_pl_ok(pl_writable_append(f, rec_data, sizeof rec_data));
    fail_syncs = 1;
    calls_before = sync_calls;
    first = pl_writable_sync(f);
    second = pl_writable_sync(f); /* the retry */
    if (second == PL_OK) pl_crash_note(rec, "acked");
    pl_writable_close(f);
  }
  ck_assert_int_eq(first, PL_IO_ERROR);
  ck_assert_int_eq(second, PL_IO_ERROR);
  /* The OS was asked once: the retry was answered from the sticky error. */
  ck_assert_int_eq(sync_calls - calls_before, 1);
  ck_assert_uint_eq(explore_failures(rec), 0);
  pl_crash_recorder_free(rec);
}
END_TEST
#endif

static char old_v[3000], new_v[3000];

static int replace_check(void *arg, const char *d, const char *const *notes, size_t n, char *msg,
                         size_t cap) {
  char p[2048], *c;
  size_t len;
  int is_old, is_new;
  snprintf(p, sizeof p, "%s/state", d);
  if (pl_file_read_all(pl_env_platform(), p, &c, &len) != PL_OK) {
    snprintf(msg, cap, "state file missing");
    return 1;
  }
  is_old = len == sizeof old_v && memcmp(c, old_v, len) == 0;
  is_new = len == sizeof new_v && memcmp(c, new_v, len) == 0;
  free(c);
  if (!is_old && !is_new) {
    snprintf(msg, cap, "state holds a mix (%lu bytes)", (unsigned long)len);
    return 1;
  }
  if (is_old && n > 0) {
    snprintf(msg, cap, "replace acknowledged but old contents came back");
    return 1;
  }
  return 0;
}

/* An existing file (the baseline) replaced by pl_file_replace: old or new,
 * never a mix or nothing, and new once acknowledged.  That promise rests on
 * an atomic rename, which the default model grants. */
START_TEST(file_replace_passes_under_the_harness) {
  pl_crash_recorder *rec;
  pl_crash_options o;
  pl_crash_checker c = {replace_check, NULL, NULL};
  pl_crash_report r;
  char p[1200], root[1200], work[1200];
  memset(old_v, 'o', sizeof old_v);
  memset(new_v, 'n', sizeof new_v);
  pl_test_path(root, sizeof root, dir, "db");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root));
  ck_assert_pl_ok(pl_file_replace(pl_env_platform(), pl_test_path(p, sizeof p, root, "state"), old_v, sizeof old_v));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  ck_assert_pl_ok(pl_file_replace(pl_crash_recorder_env(rec), p, new_v, sizeof new_v));
  pl_crash_note(rec, "replaced");
  pl_crash_options_init(&o);
  o.work_dir = pl_test_path(work, sizeof work, dir, "work");
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r));
  ck_assert_uint_gt(r.checked, 3);
  ck_assert_uint_eq(r.failures, 0);
  pl_crash_report_free(&r);
  /* The harness is not blind here: with non-atomic renames the target can
   * vanish, and it says so. */
  o.rename_atomic = 0;
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r));
  ck_assert_uint_gt(r.failures, 0);
  pl_crash_report_free(&r);
  pl_crash_recorder_free(rec);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_faults", "faults", setup, teardown, 60);
  tcase_add_test(tc, injected_sync_eio_then_retry_succeeds);
  tcase_add_test(tc, enospc_write_fails_and_stores_nothing);
  tcase_add_test(tc, short_write_stores_a_prefix_then_fails);
  tcase_add_test(tc, malformed_fault_is_rejected);
  tcase_add_test(tc, counts_and_orders_the_durable_operations);
  tcase_add_test(tc, append_write_at_and_rename_faults_fail_the_nth_from_when_added);
  tcase_add_test(tc, write_at_can_be_taken_away_and_allocate_refused);
  tcase_add_test(tc, retrying_a_failed_sync_is_caught);
  tcase_add_test(tc, giving_up_after_a_failed_sync_passes);
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, sticky_sync_failure_passes_under_the_harness);
#else
  pl_test_note_skip("posix-only", "sticky_sync_failure_passes_under_the_harness");
#endif
  tcase_add_test(tc, file_replace_passes_under_the_harness);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
