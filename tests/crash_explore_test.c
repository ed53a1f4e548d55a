/* Exploration end to end: shrinking to the fewest lost ops, state ids that
 * replay exactly, external checkers, options and error paths. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"
#include "plinth/crash.h"
#include "plinth/file_util.h"

static char dir[1024];
static pl_crash_trace t;
static pl_crash_options o;
static unsigned char data[4096];

static void setup(void) {
  size_t i;
  pl_test_fresh_dir(dir, sizeof dir, "crash-explore");
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  o.work_dir = dir;
  for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i % 251 + 1);
}

static void teardown(void) {
  pl_crash_trace_free(&t);
  pl_test_remove_tree(dir);
}

/* Five durable files, then an unsynced append to each; the workload
 * claims all five appends. */
static void five_files(void) {
  char name[8];
  uint32_t h;
  for (h = 1; h <= 5; h++) {
    snprintf(name, sizeof name, "f%u", (unsigned)h);
    ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, h, name));
    ck_assert_pl_ok(pl_crash_trace_add_write(&t, h, 0, data, 100));
    ck_assert_pl_ok(pl_crash_trace_add_sync(&t, h));
  }
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_BASELINE, NULL, NULL));
  for (h = 1; h <= 5; h++) ck_assert_pl_ok(pl_crash_trace_add_write(&t, h, 100, data + 100, 100));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "all acked"));
}

/* A digest of a directory's files (names and contents). */
static uint64_t digest(const char *d) {
  pl_strlist names = {0};
  uint64_t h = 1469598103934665603ULL;
  size_t i, k;
  ck_assert_pl_ok(pl_env_list_children(pl_env_platform(), d, &names));
  for (i = 0; i < names.count; i++) {
    char p[2048], *c;
    size_t n;
    const char *nm = names.items[i];
    uint64_t one = 7;
    snprintf(p, sizeof p, "%s/%s", d, nm);
    ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &c, &n));
    for (k = 0; nm[k]; k++) one = (one ^ (unsigned char)nm[k]) * 1099511628211ULL;
    for (k = 0; k < n; k++) one = (one ^ (unsigned char)c[k]) * 1099511628211ULL;
    one = (one ^ n) * 1099511628211ULL;
    h += one; /* order-independent: listing order is not fixed */
    free(c);
  }
  pl_strlist_free(&names);
  return h;
}

static int captured;
static uint64_t first_failure_digest;

/* Fails when f3 lacks its acknowledged second 100 bytes. */
static int f3_check(void *arg, const char *d, const char *const *notes, size_t n, char *msg,
                    size_t cap) {
  char p[2048], *c;
  size_t len;
  int bad;
  if (n == 0) return 0;
  snprintf(p, sizeof p, "%s/f3", d);
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &c, &len));
  bad = len != 200 || memcmp(c + 100, data + 100, 100) != 0;
  free(c);
  if (bad) {
    snprintf(msg, cap, "f3 lost its acknowledged append");
    if (!captured) {
      captured = 1;
      first_failure_digest = digest(d);
    }
  }
  return bad;
}

START_TEST(failure_shrinks_to_the_one_lost_op_that_matters) {
  pl_crash_checker c = {f3_check, NULL, NULL};
  pl_crash_report r;
  five_files();
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_gt(r.failures, 0);
  ck_assert_uint_ge(r.nfailure, 1);
  /* The first failing state loses all five appends... */
  ck_assert_uint_eq(r.failure[0].lost_count, 5);
  /* ...but only f3's matters. */
  ck_assert_uint_eq(r.failure[0].shrunk_lost_count, 1);
  ck_assert_ptr_nonnull(strstr(r.failure[0].shrunk_lost, " f3 "));
  pl_crash_report_free(&r);
}
END_TEST

/* Shrinking runs checks of its own; the exploration around it must walk
 * exactly the same states either way. */
START_TEST(shrinking_does_not_change_what_is_explored) {
  pl_crash_checker c = {f3_check, NULL, NULL};
  pl_crash_report with, without;
  five_files();
  o.max_failures = 0;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &with));
  o.shrink = 0;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &without));
  ck_assert_uint_eq(with.generated, without.generated);
  ck_assert_uint_eq(with.checked, without.checked);
  ck_assert_uint_eq(with.failures, without.failures);
  ck_assert_uint_eq(with.nfailure, with.failures);
  pl_crash_report_free(&with);
  pl_crash_report_free(&without);
}
END_TEST

START_TEST(state_id_replays_the_same_directory) {
  pl_crash_checker c = {f3_check, NULL, NULL};
  pl_crash_report r;
  char out[1200], out2[1200], msg[256];
  captured = 0;
  five_files();
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_int_eq(captured, 1);
  ck_assert_pl_ok(pl_crash_replay(&t, &o, r.failure[0].id, pl_test_path(out, sizeof out, dir, "replay")));
  ck_assert_uint_eq(digest(out), first_failure_digest);
  /* The shrunk state still fails the same way. */
  ck_assert_pl_ok(pl_crash_replay(&t, &o, r.failure[0].shrunk_id, pl_test_path(out2, sizeof out2, dir, "replay2")));
  ck_assert_int_ne(f3_check(NULL, out2, (const char *const[]){"all acked"}, 1, msg, sizeof msg), 0);
  pl_crash_report_free(&r);
}
END_TEST

START_TEST(malformed_state_ids_are_rejected) {
  char out[1200];
  five_files();
  pl_test_path(out, sizeof out, dir, "replay");
  ck_assert_int_eq(pl_crash_replay(&t, &o, "nonsense", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_replay(&t, &o, "22:1.", out), PL_INVALID_ARGUMENT);
  /* 5 pending ops at the end, not 3. */
  ck_assert_int_eq(pl_crash_replay(&t, &o, "22:1*3", out), PL_INVALID_ARGUMENT);
  /* A choice the op does not have. */
  ck_assert_int_eq(pl_crash_replay(&t, &o, "22:z*5", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_replay(&t, &o, "999:", out), PL_INVALID_ARGUMENT);
  /* A good one works. */
  ck_assert_pl_ok(pl_crash_replay(&t, &o, "22:1*5", out));
}
END_TEST

static int zero_bytes(const char *p, size_t from, size_t to) {
  char *c;
  size_t n, i;
  int zeros = 1;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &c, &n));
  ck_assert_uint_ge(n, to);
  for (i = from; i < to; i++) zeros &= c[i] == 0;
  free(c);
  return zeros;
}

/* Choice 2 of a growing write: the size grew, the data did not land. */
START_TEST(grown_tail_is_zeros_or_garbage_by_option) {
  char out[1200], p[1300];
  five_files();
  ck_assert_pl_ok(pl_crash_replay(&t, &o, "22:2*5", pl_test_path(out, sizeof out, dir, "z")));
  ck_assert_int_eq(zero_bytes(pl_test_path(p, sizeof p, out, "f1"), 100, 200), 1);
  o.garbage_tails = 1;
  ck_assert_pl_ok(pl_crash_replay(&t, &o, "22:2*5", pl_test_path(out, sizeof out, dir, "g")));
  ck_assert_int_eq(zero_bytes(pl_test_path(p, sizeof p, out, "f1"), 100, 200), 0);
}
END_TEST

START_TEST(unusable_work_directory_fails_the_run) {
  pl_crash_checker c = {f3_check, NULL, NULL};
  pl_crash_report r;
  char bad[1200];
  five_files();
  o.work_dir = pl_test_path(bad, sizeof bad, dir, "no/such/parent");
  ck_assert_int_ne(pl_crash_explore(&t, &o, &c, &r), PL_OK);
  pl_crash_report_free(&r);
}
END_TEST

static int fails_on_note_x(void *arg, const char *d, const char *const *notes, size_t n, char *msg, size_t cap) {
  size_t i;
  (void)arg;
  (void)d;
  for (i = 0; i < n; i++)
    if (strcmp(notes[i], "x") == 0) {
      snprintf(msg, cap, "saw x");
      return 1;
    }
  return 0;
}

/* A sync_file_range holds no state: no crash point of its own, and a note
 * after it belongs to the op before it. */
START_TEST(syncrange_is_no_crash_point_and_its_notes_stay_with_the_op_before) {
  pl_crash_checker c = {fails_on_note_x, NULL, NULL};
  pl_crash_report r;
  pl_crash_op op;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYNC_RANGE;
  op.handle = 1;
  op.len = 100;
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "x"));
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_eq(r.ops, 2);
  ck_assert_uint_eq(r.points, 3); /* before anything, after the create, after the write */
  ck_assert_uint_gt(r.failures, 0);
  ck_assert_uint_eq(r.failure[0].point, 2);
  pl_crash_report_free(&r);
}
END_TEST

#if !defined(_WIN32)
/* The command gets the directory and a notes file; its exit status is the
 * verdict. */
START_TEST(command_checker_decides_by_exit_status) {
  pl_crash_checker c = {NULL, NULL, NULL};
  pl_crash_report r;
  five_files();
  c.command = "sh -c 'test \"$(wc -c < \"$0/f3\")\" -eq 200 || ! grep -q acked \"$1\"'";
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_gt(r.failures, 0);
  ck_assert_uint_eq(r.failure[0].shrunk_lost_count, 1);
  pl_crash_report_free(&r);
  c.command = "true";
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_eq(r.failures, 0);
  ck_assert_uint_gt(r.checked, 0);
  pl_crash_report_free(&r);
}
END_TEST
#endif

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_explore", "explore", setup, teardown, 60);
  tcase_add_test(tc, failure_shrinks_to_the_one_lost_op_that_matters);
  tcase_add_test(tc, shrinking_does_not_change_what_is_explored);
  tcase_add_test(tc, state_id_replays_the_same_directory);
  tcase_add_test(tc, malformed_state_ids_are_rejected);
  tcase_add_test(tc, grown_tail_is_zeros_or_garbage_by_option);
  tcase_add_test(tc, unusable_work_directory_fails_the_run);
  tcase_add_test(tc, syncrange_is_no_crash_point_and_its_notes_stay_with_the_op_before);
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, command_checker_decides_by_exit_status);
#else
  pl_test_note_skip("posix-only", "command_checker_decides_by_exit_status");
#endif
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
