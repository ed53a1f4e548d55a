/* The write paths under the crash harness (strict POSIX power-loss model):
 * a part-writer publish is all or nothing, and every record a group-commit
 * append acknowledged as durable survives.  Each property has a negative
 * control, a workload that breaks it, which the same check must catch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/group_commit.h"
#include "plinth/part_writer.h"
#include "tests/test_util.h"

#define PART 1024
#define PARTS 3
#define OLD "old contents"

static char root[1024];   /* where the workload runs (recorded) */
static char states[1024]; /* where the harness writes crash states */
static unsigned char blob[PART * PARTS];

static void setup(void) {
  size_t i;
  pl_test_fresh_dir(root, sizeof root, "wp-crash-root");
  pl_test_fresh_dir(states, sizeof states, "wp-crash-states");
  for (i = 0; i < sizeof blob; i++) blob[i] = (unsigned char)('A' + (i / 7) % 26);
}

static void teardown(void) {
  pl_test_remove_tree(root);
  pl_test_remove_tree(states);
}

static int has_note(const char *const *notes, size_t n, const char *prefix, long *last) {
  size_t i;
  int found = 0;
  for (i = 0; i < n; i++)
    if (strncmp(notes[i], prefix, strlen(prefix)) == 0) {
      found = 1;
      if (last) *last = atol(notes[i] + strlen(prefix));
    }
  return found;
}

/* Records workload(env, path, rec) in root, explores every crash state and
 * returns the report (caller frees). */
static void explore(void (*workload)(pl_env *, const char *, pl_crash_recorder *),
                    int (*check)(void *, const char *, const char *const *, size_t, char *, size_t),
                    pl_crash_report *r) {
  pl_crash_recorder *rec;
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  char path[1200];
  pl_test_path(path, sizeof path, root, "blob");
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  workload(pl_crash_recorder_env(rec), path, rec);
  pl_crash_options_init(&o);
  o.work_dir = states;
  c.check = check;
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, r));
  pl_crash_recorder_free(rec);
}

/* ---- part writer ----------------------------------------------------------- */

static void publish_with_part_writer(pl_env *env, const char *path, pl_crash_recorder *rec) {
  pl_part_writer_options po;
  pl_part_writer *pw;
  pl_part_writer_options_init(&po);
  po.part_size = PART;
  ck_assert_pl_ok(pl_part_writer_open(env, path, sizeof blob, &po, &pw));
  /* out of order, as concurrent threads might */
  ck_assert_pl_ok(pl_part_writer_write(pw, 2, blob + 2 * PART, PART));
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, blob, PART));
  ck_assert_pl_ok(pl_part_writer_write(pw, 1, blob + PART, PART));
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  pl_crash_note(rec, "published");
}

/* The negative control: the same bytes written in place, with a sync. */
static void overwrite_in_place(pl_env *env, const char *path, pl_crash_recorder *rec) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, blob, sizeof blob));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  pl_crash_note(rec, "published");
}

/* blob holds the old contents or all the new ones; once "published" was
 * noted, the new ones. */
static int blob_whole(void *arg, const char *d, const char *const *notes, size_t n, char *msg,
                      size_t cap) {
  char p[2048], *c = NULL;
  size_t len = 0;
  int is_old, is_new, published = has_note(notes, n, "published", NULL);
  (void)arg;
  snprintf(p, sizeof p, "%s/blob", d);
  if (pl_file_read_all(pl_env_platform(), p, &c, &len) != PL_OK) {
    snprintf(msg, cap, "blob is missing");
    return 1;
  }
  is_old = len == strlen(OLD) && memcmp(c, OLD, len) == 0;
  is_new = len == sizeof blob && memcmp(c, blob, len) == 0;
  free(c);
  if (published && !is_new) {
    snprintf(msg, cap, "published, but blob is not the new file (%lu bytes)", (unsigned long)len);
    return 1;
  }
  if (!is_old && !is_new) {
    snprintf(msg, cap, "blob is partial: %lu bytes, neither old nor new", (unsigned long)len);
    return 1;
  }
  return 0;
}

/* The old file exists, durably, before recording starts. */
static void old_blob(void) {
  char path[1200];
  ck_assert_pl_ok(pl_file_replace(pl_env_platform(), pl_test_path(path, sizeof path, root, "blob"),
                                  OLD, strlen(OLD)));
}

START_TEST(part_writer_publish_is_all_or_nothing_after_power_loss) {
  pl_crash_report r;
  old_blob();
  explore(publish_with_part_writer, blob_whole, &r);
  if (r.failures) pl_crash_report_print(&r, stdout);
  ck_assert_uint_eq(r.failures, 0);
  ck_assert_uint_gt(r.checked, 10);
  pl_crash_report_free(&r);
}
END_TEST

START_TEST(in_place_overwrite_is_caught_by_the_same_check) {
  pl_crash_report r;
  old_blob();
  explore(overwrite_in_place, blob_whole, &r);
  ck_assert_uint_gt(r.failures, 0);
  pl_crash_report_free(&r);
}
END_TEST

/* ---- group commit ------------------------------------------------------------ */

#define RECORDS 12
#define REC 16

static void record_text(int i, char *out) { snprintf(out, REC + 1, "record %07d\n", i); }

static void durable_appends(pl_env *env, const char *path, pl_crash_recorder *rec) {
  pl_group_commit *gc;
  int i;
  ck_assert_pl_ok(pl_group_commit_open(env, path, NULL, &gc));
  for (i = 0; i < RECORDS; i++) {
    char r[REC + 1];
    record_text(i, r);
    ck_assert_pl_ok(pl_group_commit_append(gc, r, REC, PL_GC_DURABLE, NULL));
    pl_crash_note(rec, "acked %d", i + 1);
  }
  ck_assert_pl_ok(pl_group_commit_close(gc));
}

/* The negative control: acknowledges records that were only queued. */
static void acks_before_flush(pl_env *env, const char *path, pl_crash_recorder *rec) {
  pl_group_commit_options o;
  pl_group_commit *gc;
  int i;
  pl_group_commit_options_init(&o);
  o.wake = PL_GC_WAKE_MANUAL;
  ck_assert_pl_ok(pl_group_commit_open(env, path, &o, &gc));
  for (i = 0; i < RECORDS; i++) {
    char r[REC + 1];
    record_text(i, r);
    ck_assert_pl_ok(pl_group_commit_append(gc, r, REC, 0, NULL));
    pl_crash_note(rec, "acked %d", i + 1);
  }
  ck_assert_pl_ok(pl_group_commit_close(gc));
}

/* The file starts with every acknowledged record, intact and in order. */
static int acked_records_present(void *arg, const char *d, const char *const *notes, size_t n,
                                 char *msg, size_t cap) {
  char p[2048], *c = NULL;
  size_t len = 0;
  long acked = 0, i;
  (void)arg;
  has_note(notes, n, "acked ", &acked);
  snprintf(p, sizeof p, "%s/blob", d);
  if (pl_file_read_all(pl_env_platform(), p, &c, &len) != PL_OK) {
    /* open syncs the directory before anything can be acknowledged */
    snprintf(msg, cap, "log missing with %ld records acknowledged", acked);
    return acked > 0;
  }
  for (i = 0; i < acked; i++) {
    char want[REC + 1];
    record_text((int)i, want);
    if (len < (size_t)(i + 1) * REC || memcmp(c + i * REC, want, REC) != 0) {
      snprintf(msg, cap, "record %ld of %ld acknowledged is missing or torn", i + 1, acked);
      free(c);
      return 1;
    }
  }
  free(c);
  return 0;
}

START_TEST(group_commit_acknowledged_records_survive_power_loss) {
  pl_crash_report r;
  explore(durable_appends, acked_records_present, &r);
  if (r.failures) pl_crash_report_print(&r, stdout);
  ck_assert_uint_eq(r.failures, 0);
  ck_assert_uint_gt(r.checked, RECORDS);
  pl_crash_report_free(&r);
}
END_TEST

START_TEST(acknowledging_queued_records_is_caught_by_the_same_check) {
  pl_crash_report r;
  explore(acks_before_flush, acked_records_present, &r);
  ck_assert_uint_gt(r.failures, 0);
  pl_crash_report_free(&r);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "write_paths_crash", "write_paths_crash", setup, teardown, 120);
  tcase_add_test(tc, part_writer_publish_is_all_or_nothing_after_power_loss);
  tcase_add_test(tc, in_place_overwrite_is_caught_by_the_same_check);
  tcase_add_test(tc, group_commit_acknowledged_records_survive_power_loss);
  tcase_add_test(tc, acknowledging_queued_records_is_caught_by_the_same_check);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
