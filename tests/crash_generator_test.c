/* The crash-state generator against hand-computed counts on small traces:
 * what is pending, how many ways it can land, which of them differ. */
#include "config.h"

#include <stdlib.h>

#include "tests/test_util.h"
#include "plinth/crash.h"

static pl_crash_trace t;
static pl_crash_options o;
static unsigned char data[4096];

static void setup(void) {
  size_t i;
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  for (i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i % 251 + 1);
}

static void teardown(void) { pl_crash_trace_free(&t); }

static void count(size_t point, uint64_t want_comb, uint64_t want_distinct) {
  uint64_t comb, distinct;
  ck_assert_pl_ok(pl_crash_count_states(&t, &o, point, &comb, &distinct));
  ck_assert_uint_eq(comb, want_comb);
  ck_assert_uint_eq(distinct, want_distinct);
}

/* A new file and one unsynced write: create lost or kept (2) times write
 * lost, kept or zero-filled (3) = 6; distinct: missing, empty, data,
 * zeros = 4. */
START_TEST(unsynced_create_and_write_give_six_combinations_four_states) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  count(2, 6, 4);
  /* Before anything happened there is one state: the empty directory. */
  count(0, 1, 1);
}
END_TEST

START_TEST(synced_file_and_directory_leave_one_state) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  count(4, 1, 1);
  /* Synced data but not the directory: the file may be missing. */
  count(3, 2, 2);
}
END_TEST

/* A durable empty file and a 1024-byte write at 0 (two sectors): lost,
 * kept, zero-filled, first sector only, last sector only = 5. */
START_TEST(two_sector_write_tears_five_ways) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 1024));
  count(3, 5, 5);
}
END_TEST

/* With 256-byte sectors the same write is 4 pieces: lost, kept, zeros,
 * and every proper non-empty subset of the 4 sectors (2^4 - 2 = 14) = 17. */
START_TEST(sector_size_option_sets_tear_granularity) {
  o.sector_size = 256;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 1024));
  count(3, 17, 17);
}
END_TEST

/* Overwriting inside the file does not grow it: no zero-filled variant. */
START_TEST(overwrite_without_growth_has_no_zero_tail) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 512));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data + 7, 512));
  count(5, 2, 2);
}
END_TEST

static void two_files_and_rename(void) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "a"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 10));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 2, "b"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 2, 0, data + 1, 10));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 2));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "a", "b"));
}

START_TEST(atomic_rename_has_old_or_new_target) {
  two_files_and_rename();
  count(8, 2, 2);
}
END_TEST

/* Not atomic: also "target gone" and "both names" = 4 distinct trees. */
START_TEST(non_atomic_rename_adds_missing_and_both_names) {
  o.rename_atomic = 0;
  two_files_and_rename();
  count(8, 4, 4);
}
END_TEST

/* mkdir d then create d/f, nothing synced: the file cannot exist without
 * its directory, so 3 of the 4 combinations are possible. */
START_TEST(entry_depends_on_its_directory) {
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "d", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "d/f"));
  count(2, 3, 3);
}
END_TEST

/* Syncing the child's directory makes the create durable, but not the
 * mkdir of the directory itself (the root was never synced): d may be lost,
 * and d/f with it, unreachable.  Durability never travels upwards. */
START_TEST(durable_entry_does_not_make_its_directory_entry_durable) {
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "d", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "d/f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "d", NULL));
  count(3, 2, 2);
}
END_TEST

/* A rename between directories is durable only once both are synced:
 * syncing the target alone leaves the old name possible (before the fix,
 * syncing the target cleared both and left one state). */
START_TEST(cross_directory_rename_needs_both_directories_synced) {
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "d1", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "d2", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "d1/f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "d1", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "d1/f", "d2/f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "d2", NULL));
  count(7, 2, 2);
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "d1", NULL));
  count(8, 1, 1);
}
END_TEST

/* A durable rename of a directory does not make the entries made in it
 * durable: stage/a was never synced into stage (before the fix the rename
 * made it durable, one state). */
START_TEST(renamed_directory_keeps_its_unsynced_entries_pending) {
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "stage", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "stage/a"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 10));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "stage", "snap"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  count(7, 2, 2);
}
END_TEST

/* A 3-sector write may keep any subset of its sectors, the first and last
 * without the middle one included: lost, kept, zeros and 2^3 - 2 = 6
 * tears (before the fix: prefixes and the last sector only, 6 in all). */
START_TEST(three_sector_write_tears_into_every_subset) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 1536));
  count(3, 9, 9);
}
END_TEST

/* Linux fsync semantics: after a failed sync the write is gone for good,
 * even though the retry succeeds. */
START_TEST(failed_sync_drops_the_unsynced_writes) {
  pl_crash_op op;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYNC;
  op.handle = 1;
  op.failed = 1;
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  count(5, 1, 1);
}
END_TEST

/* Notes and a baseline are not state: the baseline's ops are durable. */
START_TEST(baseline_ops_are_durable) {
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_BASELINE, NULL, NULL));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "started"));
  count(4, 1, 1);
}
END_TEST

/* ext4 ordered: a growing write is all or nothing (no zero tail), and two
 * creates reach the disk in order (b without a is impossible). */
START_TEST(ext4_ordered_model_orders_metadata_and_never_zero_fills) {
  o.model = PL_CRASH_MODEL_EXT4_ORDERED;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "a"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 100));
  count(2, 4, 3);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 2, "b"));
  /* create a (2) x write (2) x create b (needs a): 2 + 2*2 = 6 */
  count(3, 6, 5);
  /* A completed fsync of b commits both creates. */
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 2));
  count(4, 2, 2);
}
END_TEST

/* ---- exploration-level counts ---- */

static int calls, saw_empty, saw_full;

static int count_check(void *arg, const char *dir, const char *const *notes, size_t n, char *msg,
                       size_t cap) {
  char path[2048], *d;
  size_t len;
  calls++;
  snprintf(path, sizeof path, "%s/f", dir);
  if (pl_file_read_all(pl_env_platform(), path, &d, &len) == PL_OK) {
    if (len == 0) saw_empty = 1;
    if (len == 200 && memcmp(d, data, 200) == 0) saw_full = 1;
    free(d);
  }
  return 0;
}

START_TEST(crash_points_follow_every_op_or_only_syncs) {
  char dir[1024];
  pl_crash_checker c = {count_check, NULL, NULL};
  pl_crash_report r;
  pl_test_fresh_dir(dir, sizeof dir, "crash-gen");
  o.work_dir = dir;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, data, 10));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 10, data, 10));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "n"));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  /* The start and after each of the 5 ops. */
  ck_assert_uint_eq(r.points, 6);
  ck_assert_uint_eq(r.ops, 5);
  /* Duplicates are generated but checked once. */
  ck_assert_uint_gt(r.generated, r.checked);
  ck_assert_int_eq(calls, (int)r.checked);
  pl_crash_report_free(&r);
  o.sync_points_only = 1;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_eq(r.points, 3);
  pl_crash_report_free(&r);
  pl_test_remove_tree(dir);
}
END_TEST

/* 20 pending growing writes have 3^20 combinations: the generator samples,
 * and the sample includes "all lost" and "all kept". */
START_TEST(large_pending_sets_are_sampled_with_both_extremes) {
  char dir[1024];
  pl_crash_checker c = {count_check, NULL, NULL};
  pl_crash_report r;
  int i;
  pl_test_fresh_dir(dir, sizeof dir, "crash-gen");
  o.work_dir = dir;
  o.samples = 50;
  o.sync_points_only = 1;
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_BASELINE, NULL, NULL));
  for (i = 0; i < 20; i++) ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, (uint64_t)i * 10, data + i * 10, 10));
  saw_empty = saw_full = 0;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_eq(r.sampled_points, 1);
  /* Baseline point (1 state) + end point (all-lost, all-kept, 50 samples). */
  ck_assert_uint_eq(r.generated, 1 + 52);
  ck_assert_int_eq(saw_empty, 1);
  ck_assert_int_eq(saw_full, 1);
  pl_crash_report_free(&r);
  pl_test_remove_tree(dir);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_generator", "generator", setup, teardown, 0);
  tcase_add_test(tc, unsynced_create_and_write_give_six_combinations_four_states);
  tcase_add_test(tc, synced_file_and_directory_leave_one_state);
  tcase_add_test(tc, two_sector_write_tears_five_ways);
  tcase_add_test(tc, sector_size_option_sets_tear_granularity);
  tcase_add_test(tc, overwrite_without_growth_has_no_zero_tail);
  tcase_add_test(tc, atomic_rename_has_old_or_new_target);
  tcase_add_test(tc, non_atomic_rename_adds_missing_and_both_names);
  tcase_add_test(tc, entry_depends_on_its_directory);
  tcase_add_test(tc, durable_entry_does_not_make_its_directory_entry_durable);
  tcase_add_test(tc, cross_directory_rename_needs_both_directories_synced);
  tcase_add_test(tc, renamed_directory_keeps_its_unsynced_entries_pending);
  tcase_add_test(tc, three_sector_write_tears_into_every_subset);
  tcase_add_test(tc, failed_sync_drops_the_unsynced_writes);
  tcase_add_test(tc, baseline_ops_are_durable);
  tcase_add_test(tc, ext4_ordered_model_orders_metadata_and_never_zero_fills);
  tcase_add_test(tc, crash_points_follow_every_op_or_only_syncs);
  tcase_add_test(tc, large_pending_sets_are_sampled_with_both_extremes);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
