/* The built-in crash examples give their promised verdicts: the correct
 * workloads pass under the strict model and the classic mistakes are
 * caught. */
#include "config.h"

#include "tests/test_util.h"
#include "plinth/crash.h"

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "crash-examples"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static int model = PL_CRASH_MODEL_STRICT;

/* Records and explores one example; returns the number of failing states. */
static uint64_t failures_of(const char *name) {
  const pl_crash_example *e = pl_crash_example_find(name);
  pl_crash_trace t;
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  pl_crash_report r;
  uint64_t failures;
  ck_assert_ptr_nonnull(e);
  ck_assert_pl_ok(pl_crash_example_record(e, pl_env_platform(), dir, &t));
  pl_crash_options_init(&o);
  o.work_dir = dir;
  o.model = model;
  c.check = e->check;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_gt(r.checked, 0);
  failures = r.failures;
  /* Every failure names a state and what was lost. */
  if (r.nfailure > 0) {
    ck_assert_ptr_nonnull(r.failure[0].id);
    ck_assert_uint_gt(r.failure[0].lost_count, 0);
  }
  pl_crash_report_free(&r);
  pl_crash_trace_free(&t);
  if (model == PL_CRASH_MODEL_STRICT) ck_assert_int_eq(e->expect_failure, failures > 0);
  return failures;
}

START_TEST(replace_ok_passes) { ck_assert_uint_eq(failures_of("replace-ok"), 0); }
END_TEST

START_TEST(replace_no_sync_is_caught) { ck_assert_uint_gt(failures_of("replace-no-sync"), 0); }
END_TEST

START_TEST(create_no_dirsync_is_caught) { ck_assert_uint_gt(failures_of("create-no-dirsync"), 0); }
END_TEST

START_TEST(log_ok_passes) { ck_assert_uint_eq(failures_of("log-ok"), 0); }
END_TEST

START_TEST(log_no_checksum_is_caught) { ck_assert_uint_gt(failures_of("log-no-checksum"), 0); }
END_TEST

/* ext4 data=ordered orders data before metadata and commits every
 * directory operation at each fsync: the three mistakes go unseen there,
 * which is why they survive in real programs — and why the default model
 * is strict. */
START_TEST(ext4_ordered_model_hides_the_classic_mistakes) {
  model = PL_CRASH_MODEL_EXT4_ORDERED;
  ck_assert_uint_eq(failures_of("replace-no-sync"), 0);
  ck_assert_uint_eq(failures_of("create-no-dirsync"), 0);
  ck_assert_uint_eq(failures_of("log-no-checksum"), 0);
  ck_assert_uint_eq(failures_of("replace-ok"), 0);
  ck_assert_uint_eq(failures_of("log-ok"), 0);
  model = PL_CRASH_MODEL_STRICT;
}
END_TEST

START_TEST(unknown_example_is_not_found) { ck_assert_ptr_null(pl_crash_example_find("no-such")); }
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_examples", "examples", setup, teardown, 60);
  tcase_add_test(tc, replace_ok_passes);
  tcase_add_test(tc, replace_no_sync_is_caught);
  tcase_add_test(tc, create_no_dirsync_is_caught);
  tcase_add_test(tc, log_ok_passes);
  tcase_add_test(tc, log_no_checksum_is_caught);
  tcase_add_test(tc, ext4_ordered_model_hides_the_classic_mistakes);
  tcase_add_test(tc, unknown_example_is_not_found);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
