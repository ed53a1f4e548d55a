/* The record log under the crash harness (strict POSIX power-loss model):
 * no acknowledged record is lost and no record is returned that was not
 * written in its segment's present life -- across rolls, pre-zeroing on the
 * background thread, releases and recycling, reopening, torn, zero and
 * garbage tails, ENOSPC while zeroing and EIO on sync.  Two negative
 * controls, a log without log numbers in its headers and a recycled segment
 * started without its directory sync, must be caught by the same check. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log/log_internal.h"
#include "plinth/crash.h"
#include "tests/test_util.h"

#define SEG 8192 /* two pages: rolls come quickly, states stay small */

static char root[1024];   /* where the workload runs (recorded) */
static char states[1024]; /* where the harness writes crash states */
static int all_failures;  /* negative controls: keep every failing state */

static void setup(void) {
  pl_test_fresh_dir(root, sizeof root, "log-crash-root");
  pl_test_fresh_dir(states, sizeof states, "log-crash-states");
  pl__log_test_hooks = 0;
  all_failures = 0;
}

static void teardown(void) {
  pl__log_test_hooks = 0;
  pl_test_remove_tree(root);
  pl_test_remove_tree(states);
}

/* Record k: its number and a tag ('o' for an earlier generation of
 * records, 'n' for the present one), then a fill; len from 40 to 640 bytes
 * unless fixed. */
static size_t record_text(char *buf, int k, char tag, size_t fixed) {
  size_t len = fixed ? fixed : 40 + (size_t)((k * 211) % 600), i;
  for (i = 0; i < len; i++) buf[i] = (char)('a' + (k + (int)i) % 23);
  buf[0] = tag;
  for (i = 0; i < 6; i++) buf[6 - i] = (char)('0' + (k / (int[]){1, 10, 100, 1000, 10000, 100000}[i]) % 10);
  buf[7] = '|';
  return len;
}

/* ---- workloads ------------------------------------------------------------------- */

typedef struct workload {
  pl_log_durability durability;
  int spares;
  int records;     /* per phase */
  size_t fixed;    /* 0: varying lengths */
  int sync_every;  /* PL_LOG_SYNC_NONE: records per pl_log_sync */
  int reopen;      /* close and reopen between the phases */
  int stop_on_error; /* faults: stop at the first failure (it is sticky) */
} workload;

static workload W;

/* Appends records [from, from+n) with tag, noting each acknowledged one as
 * "r <k> <segment>" once it is durable. */
static int append_phase(pl_log *log, pl_crash_recorder *rec, int from, int n, char tag) {
  char buf[700];
  int k, pending_from = from;
  uint64_t segs[64];
  for (k = from; k < from + n; k++) {
    size_t len = record_text(buf, k, tag, W.fixed);
    pl_status s = pl_log_append(log, buf, len);
    if (s != PL_OK && pl_error_os() == 28 && W.durability != PL_LOG_SYNC_GROUP)
      s = pl_log_append(log, buf, len); /* no spare: not sticky, try again */
    if (s != PL_OK) {
      ck_assert_msg(W.stop_on_error, "append %d: %s", k, pl_error_message());
      return 0;
    }
    segs[(k - from) % 64] = pl_log_current(log);
    if (W.durability != PL_LOG_SYNC_NONE) {
      pl_crash_note(rec, "r %d %llu", k, (unsigned long long)pl_log_current(log));
    } else if ((k - from + 1) % W.sync_every == 0 || k == from + n - 1) {
      int j;
      s = pl_log_sync(log);
      if (s != PL_OK) {
        ck_assert_msg(W.stop_on_error, "sync: %s", pl_error_message());
        return 0;
      }
      for (j = pending_from; j <= k; j++)
        pl_crash_note(rec, "r %d %llu", j, (unsigned long long)segs[(j - from) % 64]);
      pending_from = k + 1;
    }
  }
  return 1;
}

/* Phase 1 fills a few segments with 'o' records, the caller's checkpoint
 * then releases them (they become recycled spares), phase 2 writes 'n'
 * records into recycled segments, over the old records' bytes. */
static void run_workload(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  pl_log_options o;
  pl_log *log;
  uint64_t upto;
  pl_log_options_init(&o);
  o.durability = W.durability;
  o.segment_size = SEG;
  o.spares = W.spares;
  o.recycle = 4;
  ck_assert_pl_ok(pl_log_open(env, dir, &o, &log));
  if (!append_phase(log, rec, 0, W.records, 'o')) goto done;
  if (W.reopen) {
    ck_assert_pl_ok(pl_log_close(log));
    ck_assert_pl_ok(pl_log_open(env, dir, &o, &log));
  } else if (pl_log_roll(log, NULL) != PL_OK) {
    ck_assert_msg(W.stop_on_error, "roll: %s", pl_error_message());
    goto done;
  }
  upto = pl_log_current(log) - 1;
  /* A checkpoint covers every record so far: the reader starts after it. */
  pl_crash_note(rec, "releasing %llu", (unsigned long long)upto);
  if (pl_log_release(log, upto) != PL_OK) {
    ck_assert_msg(W.stop_on_error, "release: %s", pl_error_message());
    goto done;
  }
  if (!append_phase(log, rec, W.records, W.records, 'n')) goto done;
done:
  {
    pl_status s = pl_log_close(log);
    ck_assert_msg(s == PL_OK || W.stop_on_error, "close: %s", pl_error_message());
  }
}

/* ---- the check --------------------------------------------------------------------- */

typedef struct acked {
  int k;
  uint64_t seg;
} acked;

/* The log in the state, read as a recovering engine would (tolerating a
 * torn tail, from the segment after its checkpoint), must return exactly
 * the records written, in order, from the first one after the checkpoint,
 * at least up to the last acknowledged one, each in the segment it was
 * acknowledged in; nothing else. */
static int check_log(void *arg, const char *d, const char *const *notes, size_t n, char *msg,
                     size_t cap) {
  char path[2048], want[700];
  acked *ack = calloc(n + 1, sizeof *ack);
  int nack = 0, first_k = -1, next_k, got = 0, fail = 0, i, last_k = -1;
  uint64_t first_log = 0;
  size_t j;
  pl_log_reader_options ro;
  pl_log_reader *r;
  pl_log_record rec;
  pl_status s;
  (void)arg;
  for (j = 0; j < n; j++) {
    int k;
    unsigned long long seg;
    if (sscanf(notes[j], "r %d %llu", &k, &seg) == 2) {
      ack[nack].k = k;
      ack[nack].seg = seg;
      nack++;
      last_k = k;
    } else if (sscanf(notes[j], "releasing %llu", &seg) == 1) {
      first_log = seg + 1;
    }
  }
  /* the first record the reader must return: the first acknowledged one in
   * a segment after the checkpoint, else the one after the last acked */
  for (i = 0; i < nack && first_k < 0; i++)
    if (ack[i].seg >= first_log) first_k = ack[i].k;
  if (first_k < 0) first_k = last_k + 1;
  snprintf(path, sizeof path, "%s/wal", d);
  pl_log_reader_options_init(&ro);
  ro.first_log = first_log;
  s = pl_log_reader_open(pl_env_platform(), path, &ro, &r);
  if (s != PL_OK) {
    snprintf(msg, cap, "reader: %s", pl_error_message());
    free(ack);
    return 1;
  }
  next_k = first_k;
  for (;;) {
    size_t len;
    s = pl_log_reader_next(r, &rec);
    if (s != PL_OK || rec.data == NULL) break;
    len = record_text(want, next_k, next_k < W.records ? 'o' : 'n', W.fixed);
    if (rec.len != len || memcmp(rec.data, want, len) != 0) {
      snprintf(msg, cap, "record %d of the log is not record %d as written (%.9s): %lu bytes \"%.9s\"",
               got, next_k, want, (unsigned long)rec.len, (const char *)rec.data);
      fail = 1;
      break;
    }
    for (i = 0; i < nack; i++)
      if (ack[i].k == next_k && ack[i].seg != rec.log_number) {
        snprintf(msg, cap, "record %d acknowledged in segment %llu, read from %llu", next_k,
                 (unsigned long long)ack[i].seg, (unsigned long long)rec.log_number);
        fail = 1;
      }
    if (fail) break;
    got++;
    next_k++;
  }
  if (!fail && s != PL_OK) {
    snprintf(msg, cap, "reader: %s after %d records", pl_error_message(), got);
    fail = 1;
  }
  if (!fail && next_k <= last_k) {
    snprintf(msg, cap, "acknowledged record %d lost (read %d..%d)", last_k, first_k, next_k - 1);
    fail = 1;
  }
  pl_log_reader_close(r);
  free(ack);
  return fail;
}

/* Records the workload over env_below (the platform, or a fault env over
 * it) and explores every crash state. */
static void explore_on(pl_env *below, int garbage, pl_crash_report *r) {
  pl_crash_recorder *rec;
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  char dir[1200];
  pl_test_path(dir, sizeof dir, root, "wal");
  ck_assert_pl_ok(pl_crash_recorder_new(below, root, NULL, &rec));
  run_workload(pl_crash_recorder_env(rec), dir, rec);
  if (getenv("LOG_CRASH_DUMP")) { /* debugging aid: print the recorded trace */
    const pl_crash_trace *t = pl_crash_recorder_trace(rec);
    size_t i;
    for (i = 0; i < t->count; i++) {
      char line[512];
      pl_crash_op_describe(&t->ops[i], NULL, line, sizeof line);
      printf("%3lu %s\n", (unsigned long)i, line);
    }
  }
  pl_crash_options_init(&o);
  o.work_dir = states;
  o.garbage_tails = garbage;
  if (all_failures) {
    o.max_failures = 0;
    o.shrink = 0;
  }
  c.check = check_log;
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, r));
  pl_crash_recorder_free(rec);
}

static void expect_no_failures(pl_crash_report *r, uint64_t min_checked) {
  if (r->failures) pl_crash_report_print(r, stdout);
  ck_assert_uint_eq(r->failures, 0);
  ck_assert_uint_ge(r->checked, min_checked);
  pl_crash_report_free(r);
}

static void set_workload(pl_log_durability d, int spares, int records, size_t fixed, int sync_every,
                         int reopen) {
  memset(&W, 0, sizeof W);
  W.durability = d;
  W.spares = spares;
  W.records = records;
  W.fixed = fixed;
  W.sync_every = sync_every;
  W.reopen = reopen;
}

/* ---- proofs ------------------------------------------------------------------------- */

START_TEST(acked_records_survive_rolls_prezeroing_recycling_and_reopening) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 1, 40, 0, 0, 1);
  explore_on(pl_env_platform(), 0, &r);
  expect_no_failures(&r, 100);
}
END_TEST

START_TEST(acked_records_survive_with_garbage_where_growing_writes_did_not_land) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 1, 40, 0, 0, 0);
  explore_on(pl_env_platform(), 1, &r);
  expect_no_failures(&r, 100);
}
END_TEST

START_TEST(acked_records_survive_under_group_commit) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_GROUP, 0, 40, 0, 0, 0);
  explore_on(pl_env_platform(), 0, &r);
  expect_no_failures(&r, 100);
}
END_TEST

/* Unsynced appends, synced four at a time: each write holds several
 * records, and with 128-byte records (113 + the header) every sector
 * boundary is a record boundary -- in the old records' life too.  A write
 * torn exactly at the end of the new records leaves the old records right
 * after them. */
START_TEST(acked_records_survive_multi_record_writes_over_old_records) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_NONE, 0, 80, 113, 4, 0);
  explore_on(pl_env_platform(), 0, &r);
  expect_no_failures(&r, 100);
}
END_TEST

/* The same workload as the negative control below, with log numbers. */
START_TEST(acked_records_survive_old_records_lined_up_behind_a_lost_page) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 0, 100, 113, 0, 0);
  explore_on(pl_env_platform(), 0, &r);
  expect_no_failures(&r, 100);
}
END_TEST

/* The negative control for log numbers: 128-byte records in both lives, so
 * the old records sit exactly where new ones would; a write that ends on a
 * page boundary also writes the (zero) page after it, and when that page is
 * lost the next bytes are an old record, whole.  Without log numbers the
 * reader takes it for a new one. */
START_TEST(without_log_numbers_in_headers_old_records_come_back_and_are_caught) {
  pl_crash_report r;
  size_t i;
  int stale = 0, confused = 0;
  set_workload(PL_LOG_SYNC_EACH, 0, 100, 113, 0, 0);
  pl__log_test_hooks = PL__LOG_HOOK_NO_NUMBERS;
  all_failures = 1;
  explore_on(pl_env_platform(), 0, &r);
  pl__log_test_hooks = 0;
  for (i = 0; i < r.nfailure; i++) {
    const char *m = r.failure[i].message;
    if (strstr(m, "as written (n") != NULL && strstr(m, "\"o") != NULL) {
      if (stale++ == 0) printf("negative control (no log numbers), an old record returned: %s\n", m);
    } else if (strstr(m, "had been synced") != NULL) {
      /* old fragments behind the end pass for new ones, with durable
       * marks beyond it: the reader calls that corruption */
      if (confused++ == 0) printf("negative control (no log numbers), old records taken for new: %s\n", m);
    }
  }
  printf("negative control (no log numbers): %llu failing states of %llu: %d return an old record, %d "
         "take old records for synced ones\n",
         (unsigned long long)r.failures, (unsigned long long)r.checked, stale, confused);
  ck_assert_uint_gt(r.failures, 0);
  ck_assert_int_gt(stale, 0); /* an old record returned as a new one */
  pl_crash_report_free(&r);
}
END_TEST

START_TEST(a_recycled_segment_started_without_its_directory_sync_is_caught) {
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 0, 40, 0, 0, 0);
  pl__log_test_hooks = PL__LOG_HOOK_NO_RECYCLE_DIRSYNC;
  explore_on(pl_env_platform(), 0, &r);
  pl__log_test_hooks = 0;
  printf("negative control (no directory sync): %llu failing states of %llu\n",
         (unsigned long long)r.failures, (unsigned long long)r.checked);
  if (r.nfailure)
    printf("negative control (no directory sync), first: %s\n  shrunk to: %s\n", r.failure[0].message,
           r.failure[0].shrunk_lost ? r.failure[0].shrunk_lost : "-");
  ck_assert_uint_gt(r.failures, 0);
  pl_crash_report_free(&r);
}
END_TEST

START_TEST(enospc_while_zeroing_a_spare_loses_nothing_acknowledged) {
  /* The background thread's second spare fails; a roll makes its own. */
  pl_crash_fault f = {PL_FAULT_ENOSPC, ".tmp", 2, 0};
  pl_crash_faults *fe;
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 1, 40, 0, 0, 0);
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &f, 1, &fe));
  explore_on(pl_crash_faults_env(fe), 0, &r);
  ck_assert_int_eq(pl_crash_faults_injected(fe), 1);
  pl_crash_faults_free(fe);
  expect_no_failures(&r, 100);
}
END_TEST

START_TEST(eio_on_sync_with_linux_semantics_loses_nothing_acknowledged) {
  /* The 20th segment sync fails: its record is never acknowledged, the
   * failure is sticky, and the data the OS dropped never comes back as
   * acknowledged. */
  pl_crash_fault f = {PL_FAULT_SYNC_EIO, NULL, 20, 0};
  pl_crash_faults *fe;
  pl_crash_report r;
  set_workload(PL_LOG_SYNC_EACH, 0, 40, 0, 0, 0);
  W.stop_on_error = 1;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &f, 1, &fe));
  explore_on(pl_crash_faults_env(fe), 0, &r);
  ck_assert_int_eq(pl_crash_faults_injected(fe), 1);
  pl_crash_faults_free(fe);
  expect_no_failures(&r, 50);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "log_crash", "log_crash", setup, teardown, 300);
  tcase_add_test(tc, acked_records_survive_rolls_prezeroing_recycling_and_reopening);
  tcase_add_test(tc, acked_records_survive_with_garbage_where_growing_writes_did_not_land);
  tcase_add_test(tc, acked_records_survive_under_group_commit);
  tcase_add_test(tc, acked_records_survive_multi_record_writes_over_old_records);
  tcase_add_test(tc, acked_records_survive_old_records_lined_up_behind_a_lost_page);
  tcase_add_test(tc, without_log_numbers_in_headers_old_records_come_back_and_are_caught);
  tcase_add_test(tc, a_recycled_segment_started_without_its_directory_sync_is_caught);
  tcase_add_test(tc, enospc_while_zeroing_a_spare_loses_nothing_acknowledged);
  tcase_add_test(tc, eio_on_sync_with_linux_semantics_loses_nothing_acknowledged);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
