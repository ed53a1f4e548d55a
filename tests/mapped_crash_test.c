/* The mapped writable under the crash harness (strict POSIX power-loss
 * model).  The recording env records what the mapped file does to the
 * disk: an EXTEND when it grows by a step (before the stores that need it),
 * the stores as writes, msync as a sync, and the cut to the logical size at
 * close as a TRUNCATE.  At every crash point — between a grow and the msync
 * that follows it included — every synced byte is there, every other byte
 * is what was appended or zero, and the file may be a whole step long: the
 * size after a crash is the grown size, zeros past the data.  Without the
 * recorded EXTEND the model would never show that size. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "tests/test_util.h"

#define STEP 4096
#define REC 100
#define RECORDS 90 /* 9000 bytes: three steps */

static char root[1024];
static char states[1024];
static char expected[RECORDS * REC];

static void setup(void) {
  int i;
  pl_test_fresh_dir(root, sizeof root, "mapped-crash-root");
  pl_test_fresh_dir(states, sizeof states, "mapped-crash-states");
  for (i = 0; i < RECORDS; i++) {
    char r[REC + 1];
    snprintf(r, sizeof r, "record %04d %-87s\n", i, "payload");
    memcpy(expected + i * REC, r, REC);
  }
}

static void teardown(void) {
  pl_test_remove_tree(root);
  pl_test_remove_tree(states);
}

/* Appends the records, syncing every fifth; notes what was appended and
 * what was synced.  Closes without a final sync: the cut at close is
 * pending too. */
static void mapped_log(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  pl_writable_options o;
  pl_writable_file *f;
  char p[1200];
  int i;
  pl_writable_options_init(&o);
  o.strategy = PL_WRITABLE_MAPPED;
  o.map_step = STEP;
  ck_assert_pl_ok(pl_env_new_writable(env, pl_test_path(p, sizeof p, dir, "log"), &o, &f));
  for (i = 0; i < RECORDS; i++) {
    ck_assert_pl_ok(pl_writable_append(f, expected + i * REC, REC));
    pl_crash_note(rec, "appended %d", (i + 1) * REC);
    if (i % 5 == 4) {
      ck_assert_pl_ok(pl_writable_sync(f));
      if (i == 4) ck_assert_pl_ok(pl_env_sync_dir(env, dir)); /* the entry */
      pl_crash_note(rec, "synced %d", (i + 1) * REC);
    }
  }
  ck_assert_pl_ok(pl_writable_close(f));
}

static long last_note(const char *const *notes, size_t n, const char *prefix) {
  size_t i, k = strlen(prefix);
  long v = 0;
  for (i = 0; i < n; i++)
    if (strncmp(notes[i], prefix, k) == 0) v = atol(notes[i] + k);
  return v;
}

typedef struct seen {
  int grown;       /* states longer than what was appended: the step's zeros */
  long max_size;
} seen;

static int synced_bytes_intact(void *arg, const char *d, const char *const *notes, size_t n,
                               char *msg, size_t cap) {
  seen *sn = arg;
  char p[2048], *c = NULL;
  size_t len = 0, i;
  long synced = last_note(notes, n, "synced "), appended = last_note(notes, n, "appended ");
  snprintf(p, sizeof p, "%s/log", d);
  if (pl_file_read_all(pl_env_platform(), p, &c, &len) != PL_OK) {
    snprintf(msg, cap, "log missing with %ld bytes synced", synced);
    return synced > 0;
  }
  if (len < (size_t)synced || memcmp(c, expected, (size_t)synced) != 0) {
    snprintf(msg, cap, "%ld bytes synced, %lu on disk or different", synced, (unsigned long)len);
    free(c);
    return 1;
  }
  for (i = (size_t)synced; i < len; i++) {
    if (c[i] != 0 && (i >= sizeof expected || c[i] != expected[i])) {
      snprintf(msg, cap, "byte %lu is neither what was appended nor zero", (unsigned long)i);
      free(c);
      return 1;
    }
  }
  /* at most the step the next append grew the file to (its EXTEND comes
   * before its write and its note) */
  if (len > (size_t)(appended + REC + STEP - 1) / STEP * STEP) {
    snprintf(msg, cap, "%lu bytes: beyond the step the file had grown to", (unsigned long)len);
    free(c);
    return 1;
  }
  if (sn != NULL) {
    if ((long)len > appended) sn->grown++;
    if ((long)len > sn->max_size) sn->max_size = (long)len;
  }
  free(c);
  return 0;
}

static void record(pl_crash_trace *t) {
  pl_crash_recorder *rec;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  mapped_log(pl_crash_recorder_env(rec), root, rec);
  pl_crash_recorder_take(rec, t);
  pl_crash_recorder_free(rec);
}

static void explore(const pl_crash_trace *t, seen *sn, pl_crash_report *r) {
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  pl_crash_options_init(&o);
  o.work_dir = states;
  c.check = synced_bytes_intact;
  c.arg = sn;
  ck_assert_pl_ok(pl_crash_explore(t, &o, &c, r));
}

START_TEST(recorded_trace_says_what_the_mapped_file_does_to_the_disk) {
  pl_crash_trace t;
  size_t i, extends = 0, truncates = 0, writes = 0, syncs = 0;
  uint64_t last_extent = 0;
  int extend_before_write = 1;
  record(&t);
  for (i = 0; i < t.count; i++) {
    const pl_crash_op *op = &t.ops[i];
    switch (op->kind) {
      case PL_CRASH_EXTEND:
        extends++;
        ck_assert_uint_eq(op->offset % STEP, 0);
        ck_assert_uint_gt(op->offset, last_extent);
        last_extent = op->offset;
        break;
      case PL_CRASH_WRITE:
        writes++;
        if (op->offset + op->len > last_extent) extend_before_write = 0;
        break;
      case PL_CRASH_TRUNCATE:
        truncates++;
        ck_assert_uint_eq(op->offset, sizeof expected);
        break;
      case PL_CRASH_SYNC:
        syncs++;
        break;
    }
  }
  ck_assert_uint_eq(extends, 3); /* 9000 bytes in 4 KiB steps */
  ck_assert_int_eq(extend_before_write, 1);
  ck_assert_uint_eq(writes, RECORDS);
  ck_assert_uint_eq(syncs, RECORDS / 5);
  ck_assert_uint_eq(truncates, 1); /* 12288 -> 9000 at close */
  ck_assert_uint_eq(last_extent, 3 * STEP);
  pl_crash_trace_free(&t);
}
END_TEST

START_TEST(synced_bytes_survive_and_the_size_after_a_crash_is_the_grown_size) {
  pl_crash_trace t;
  pl_crash_report r;
  seen sn = {0, 0};
  record(&t);
  explore(&t, &sn, &r);
  if (r.failures) pl_crash_report_print(&r, stdout);
  ck_assert_uint_eq(r.failures, 0);
  ck_assert_uint_gt(r.points, RECORDS);
  /* Crashes between a grow and its msync, and after the last sync before
   * the cut: the file is a whole step long, zeros past the data. */
  ck_assert_int_gt(sn.grown, 0);
  ck_assert_int_eq(sn.max_size, 3 * STEP);
  printf("mapped log: %lu ops, %lu crash points, %llu states, %llu distinct checked, %d longer than the data (up to %ld bytes)\n",
         (unsigned long)r.ops, (unsigned long)r.points, (unsigned long long)r.generated,
         (unsigned long long)r.checked, sn.grown, sn.max_size);
  pl_crash_report_free(&r);
  pl_crash_trace_free(&t);
}
END_TEST

START_TEST(without_the_recorded_extend_the_model_never_shows_the_grown_size) {
  /* The negative control for the recording: the same trace with its
   * EXTEND and TRUNCATE ops dropped (what a recorder that only saw the
   * writable's methods would write) has no state longer than the data:
   * it would miss what the disk can hold. */
  pl_crash_trace t, stripped;
  pl_crash_report r;
  seen sn = {0, 0};
  size_t i;
  record(&t);
  pl_crash_trace_init(&stripped);
  for (i = 0; i < t.count; i++)
    if (t.ops[i].kind != PL_CRASH_EXTEND && t.ops[i].kind != PL_CRASH_TRUNCATE)
      ck_assert_pl_ok(pl_crash_trace_add(&stripped, &t.ops[i]));
  explore(&stripped, &sn, &r);
  ck_assert_uint_eq(r.failures, 0);
  ck_assert_int_eq(sn.grown, 0);
  ck_assert_int_le(sn.max_size, (long)sizeof expected);
  pl_crash_report_free(&r);
  pl_crash_trace_free(&stripped);
  pl_crash_trace_free(&t);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mapped_crash");
  TCase *tc = tcase_create("mapped_crash");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, recorded_trace_says_what_the_mapped_file_does_to_the_disk);
  tcase_add_test(tc, synced_bytes_survive_and_the_size_after_a_crash_is_the_grown_size);
  tcase_add_test(tc, without_the_recorded_extend_the_model_never_shows_the_grown_size);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
