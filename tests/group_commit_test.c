/* Group commit: ordering, sequence numbers, durability waits, the three
 * wake-up modes, backpressure, counters, close, and the failure paths. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/group_commit.h"
#include "tests/fault_env.h"
#include "tests/test_util.h"

static char dir[1024];
static char path[1200];

static void setup(void) { fault_env_fixture(dir, sizeof dir, path, sizeof path, "group_commit", "wal"); }
static void teardown(void) { fault_env_fixture_end(dir); }

static pl_env *fault(void) { return fault_env(); }

static pl_group_commit *open_gc(pl_env *env, pl_gc_wake wake, size_t queue_bytes) {
  pl_group_commit_options o;
  pl_group_commit *gc;
  pl_group_commit_options_init(&o);
  o.wake = wake;
  if (queue_bytes) o.queue_bytes = queue_bytes;
  ck_assert_pl_ok(pl_group_commit_open(env, path, &o, &gc));
  return gc;
}

static char *read_file(size_t *n) {
  char *data;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, n));
  return data;
}

static uint64_t disk_size(void) {
  uint64_t n;
  ck_assert_pl_ok(pl_env_file_size(pl_env_platform(), path, &n));
  return n;
}

/* ---- concurrent producers ---------------------------------------------- */

#define THREADS 4
#define PER_THREAD 300
#define REC 16 /* "tT iiiiiiii ...\n": fixed width records */

typedef struct producer {
  pl_group_commit *gc;
  int id;
  int flags;
  uint64_t seqs[PER_THREAD];
  pl_status status;
} producer;

static void *produce(void *arg) {
  producer *p = arg;
  int i;
  p->status = PL_OK;
  for (i = 0; i < PER_THREAD && p->status == PL_OK; i++) {
    char rec[REC + 1];
    snprintf(rec, sizeof rec, "t%d %010d..\n", p->id, i);
    p->status = pl_group_commit_append(p->gc, rec, REC, p->flags, &p->seqs[i]);
  }
  return NULL;
}

static void run_producers(pl_group_commit *gc, int flags, producer *ps) {
  pthread_t t[THREADS];
  int i;
  for (i = 0; i < THREADS; i++) {
    ps[i].gc = gc;
    ps[i].id = i;
    ps[i].flags = flags;
    pthread_create(&t[i], NULL, produce, &ps[i]);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    ck_assert_pl_ok(ps[i].status);
  }
}

/* Every record is in the file whole, each thread's in its own order, and
 * the sequence numbers are exactly 1..N with record k at position k. */
static void check_producers_file(producer *ps) {
  size_t n, i;
  int t, next[THREADS] = {0};
  char *data = read_file(&n);
  char *seen = calloc(THREADS * PER_THREAD + 1, 1);
  ck_assert_uint_eq(n, (size_t)THREADS * PER_THREAD * REC);
  for (i = 0; i < n; i += REC) {
    int id, k;
    ck_assert_int_eq(sscanf(data + i, "t%d %d", &id, &k), 2);
    ck_assert_int_eq(data[i + REC - 1], '\n');
    ck_assert_int_eq(k, next[id]);
    /* record k of thread id was handed sequence number (i / REC) + 1 */
    ck_assert_uint_eq(ps[id].seqs[k], i / REC + 1);
    next[id]++;
  }
  for (t = 0; t < THREADS; t++)
    for (i = 0; i < PER_THREAD; i++) {
      uint64_t s = ps[t].seqs[i];
      ck_assert(s >= 1 && s <= THREADS * PER_THREAD);
      ck_assert_int_eq(seen[s], 0);
      seen[s] = 1;
    }
  free(seen);
  free(data);
}

START_TEST(concurrent_appends_reach_file_whole_in_sequence_order) {
  producer ps[THREADS];
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 0);
  run_producers(gc, 0, ps);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  check_producers_file(ps);
}
END_TEST

START_TEST(concurrent_durable_appends_are_durable_when_they_return) {
  producer ps[THREADS];
  pl_group_commit_stats st;
  int t;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_EVERY_APPEND, 0);
  run_producers(gc, PL_GC_DURABLE, ps);
  for (t = 0; t < THREADS; t++)
    ck_assert_uint_ge(pl_group_commit_durable_seq(gc), ps[t].seqs[PER_THREAD - 1]);
  pl_group_commit_stats_get(gc, &st);
  ck_assert_uint_eq(st.records, THREADS * PER_THREAD);
  /* one sync per batch, never more syncs than records */
  ck_assert_uint_eq(st.syncs, st.batches);
  ck_assert_uint_le(st.syncs, THREADS * PER_THREAD);
  ck_assert_int_eq(fault_env_stats().syncs, (int)st.syncs);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  check_producers_file(ps);
}
END_TEST

typedef struct slow_producer {
  pl_group_commit *gc;
  int records;
  pl_status status;
} slow_producer;

static void *append_with_pauses(void *arg) {
  slow_producer *p = arg;
  int i;
  p->status = PL_OK;
  for (i = 0; i < p->records && p->status == PL_OK; i++) {
    /* longer than the writer's gathering wait (at most 2 ms) */
    pl_env_sleep_micros(pl_env_default(), 5000);
    p->status = pl_group_commit_append(p->gc, "r", 1, PL_GC_DURABLE, NULL);
  }
  return NULL;
}

START_TEST(durable_appends_after_an_idle_pause_still_wake_the_writer) {
  /* After a batch the writer waits for the released threads to come back;
   * when they come back only after that wait, the first record must still
   * wake it, also when fewer threads come back than the batch released
   * (one of them has finished).  A lost wake-up hangs until the timeout. */
  static const int records[3] = {2, 10, 10};
  slow_producer p[3];
  pthread_t t[3];
  int i;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 0);
  for (i = 0; i < 3; i++) {
    p[i].gc = gc;
    p[i].records = records[i];
    pthread_create(&t[i], NULL, append_with_pauses, &p[i]);
  }
  for (i = 0; i < 3; i++) {
    pthread_join(t[i], NULL);
    ck_assert_pl_ok(p[i].status);
  }
  ck_assert_uint_eq(pl_group_commit_durable_seq(gc), 22);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  ck_assert_uint_eq(disk_size(), 22);
}
END_TEST

START_TEST(sequence_numbers_start_at_one_and_are_consecutive) {
  uint64_t a, b, c;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_MANUAL, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "a", 1, 0, &a));
  ck_assert_pl_ok(pl_group_commit_append(gc, "b", 1, 0, &b));
  ck_assert_pl_ok(pl_group_commit_append(gc, "c", 1, 0, &c));
  ck_assert_uint_eq(a, 1);
  ck_assert_uint_eq(b, 2);
  ck_assert_uint_eq(c, 3);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(durable_append_has_synced_its_record_when_it_returns) {
  uint64_t seq;
  size_t n;
  char *data;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_EVERY_APPEND, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "hello", 5, PL_GC_DURABLE, &seq));
  ck_assert_int_ge(fault_env_stats().syncs, 1);
  ck_assert_uint_ge(pl_group_commit_durable_seq(gc), seq);
  data = read_file(&n);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(data, "hello", 5);
  free(data);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(open_syncs_the_directory_of_the_new_file) {
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_EVERY_APPEND, 0);
  ck_assert_int_eq(fault_env_stats().sync_dirs, 1);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(wait_returns_once_the_record_is_durable) {
  uint64_t seq;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_EVERY_APPEND, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "x", 1, 0, &seq));
  ck_assert_pl_ok(pl_group_commit_wait(gc, seq));
  ck_assert_uint_ge(pl_group_commit_durable_seq(gc), seq);
  ck_assert_int_ge(fault_env_stats().syncs, 1);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(wait_rejects_a_sequence_never_handed_out) {
  uint64_t seq;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 0);
  ck_assert_int_eq(pl_group_commit_wait(gc, 0), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_group_commit_wait(gc, 1), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_group_commit_append(gc, "x", 1, 0, &seq));
  ck_assert_int_eq(pl_group_commit_wait(gc, seq + 1), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(every_append_mode_writes_without_a_flush) {
  uint64_t seq;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "abc", 3, 0, &seq));
  ck_assert_pl_ok(pl_group_commit_wait(gc, seq));
  ck_assert_uint_eq(disk_size(), 3);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(interval_mode_writes_on_its_tick_without_a_flush) {
  pl_group_commit_options o;
  pl_group_commit *gc;
  uint64_t seq;
  pl_group_commit_options_init(&o);
  o.wake = PL_GC_WAKE_INTERVAL;
  o.interval_ms = 20;
  ck_assert_pl_ok(pl_group_commit_open(pl_env_default(), path, &o, &gc));
  ck_assert_pl_ok(pl_group_commit_append(gc, "abc", 3, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_append(gc, "def", 3, 0, &seq));
  ck_assert_pl_ok(pl_group_commit_wait(gc, seq));
  ck_assert_uint_eq(disk_size(), 6);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(manual_mode_writes_only_on_flush) {
  pl_group_commit_stats st;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "abc", 3, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_append(gc, "def", 3, 0, NULL));
  /* Give a wrongly eager writer the chance to write. */
  pl_env_sleep_micros(pl_env_default(), 50000);
  ck_assert_uint_eq(disk_size(), 0);
  ck_assert_int_eq(fault_env_stats().syncs, 0);
  ck_assert_uint_eq(pl_group_commit_durable_seq(gc), 0);
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  ck_assert_uint_eq(disk_size(), 6);
  ck_assert_uint_eq(pl_group_commit_durable_seq(gc), 2);
  pl_group_commit_stats_get(gc, &st);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(queued_records_go_out_in_one_write_and_one_sync) {
  pl_group_commit_stats st;
  int i;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  for (i = 0; i < 10; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "0123456789", 10, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  ck_assert_int_eq(fault_env_stats().appends, 1);
  ck_assert_int_eq(fault_env_stats().syncs, 1);
  pl_group_commit_stats_get(gc, &st);
  ck_assert_uint_eq(st.records, 10);
  ck_assert_uint_eq(st.bytes, 100);
  ck_assert_uint_eq(st.batches, 1);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  ck_assert_uint_eq(disk_size(), 100);
}
END_TEST

START_TEST(flush_with_nothing_queued_succeeds) {
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  ck_assert_int_eq(fault_env_stats().syncs, 0);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

START_TEST(stats_count_records_bytes_batches_syncs_and_latency) {
  pl_group_commit_stats st;
  int i;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_MANUAL, 0);
  for (i = 0; i < 3; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "abcd", 4, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  for (i = 0; i < 2; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "xy", 2, 0, NULL));
  /* latency covers append -> durable; make it measurable */
  pl_env_sleep_micros(pl_env_default(), 2000);
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  pl_group_commit_stats_get(gc, &st);
  ck_assert_uint_eq(st.records, 5);
  ck_assert_uint_eq(st.bytes, 16);
  ck_assert_uint_eq(st.batches, 2);
  ck_assert_uint_eq(st.syncs, 2);
  ck_assert_uint_ge(st.latency_max_us, 2000);
  ck_assert_uint_le(st.latency_p50_us, st.latency_p90_us);
  ck_assert_uint_le(st.latency_p90_us, st.latency_p99_us);
  /* p99 of 5 records is the slowest one's bucket: within 12.5% of max */
  ck_assert_uint_ge(st.latency_p99_us, st.latency_max_us);
  ck_assert_uint_le(st.latency_p99_us, st.latency_max_us + st.latency_max_us / 8 + 1);
  ck_assert_pl_ok(pl_group_commit_close(gc));
}
END_TEST

/* ---- backpressure --------------------------------------------------------- */

typedef struct blocked {
  pl_group_commit *gc;
  int returned;
  uint64_t seq;
  pl_status status;
} blocked;

static void *append_third(void *arg) {
  blocked *b = arg;
  b->status = pl_group_commit_append(b->gc, "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\n", 40, 0, &b->seq);
  __atomic_store_n(&b->returned, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

START_TEST(full_queue_blocks_the_producer_until_the_writer_takes_it) {
  blocked b = {0};
  pthread_t t;
  size_t n;
  char *data;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_MANUAL, 100);
  b.gc = gc;
  ck_assert_pl_ok(pl_group_commit_append(gc, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 40, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_append(gc, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n", 40, 0, NULL));
  pthread_create(&t, NULL, append_third, &b);
  /* 80 + 40 > 100: the third append must wait, however long we look. */
  pl_env_sleep_micros(pl_env_default(), 50000);
  ck_assert_int_eq(__atomic_load_n(&b.returned, __ATOMIC_SEQ_CST), 0);
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  pthread_join(t, NULL);
  ck_assert_pl_ok(b.status);
  ck_assert_uint_eq(b.seq, 3);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  data = read_file(&n);
  ck_assert_uint_eq(n, 120);
  ck_assert_int_eq(data[0], 'A');
  ck_assert_int_eq(data[40], 'B');
  ck_assert_int_eq(data[80], 'C');
  free(data);
}
END_TEST

START_TEST(tiny_queue_under_load_never_drops_a_record) {
  producer ps[THREADS];
  /* room for about four records: producers block constantly */
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 4 * REC);
  run_producers(gc, 0, ps);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  check_producers_file(ps);
}
END_TEST

START_TEST(record_larger_than_the_queue_is_accepted_alone) {
  char big[1000];
  size_t n;
  char *data;
  uint64_t seq;
  pl_group_commit *gc = open_gc(pl_env_default(), PL_GC_WAKE_EVERY_APPEND, 100);
  memset(big, 'z', sizeof big);
  ck_assert_pl_ok(pl_group_commit_append(gc, "a", 1, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_append(gc, big, sizeof big, PL_GC_DURABLE, &seq));
  ck_assert_uint_eq(seq, 2);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  data = read_file(&n);
  ck_assert_uint_eq(n, 1001);
  ck_assert_int_eq(data[0], 'a');
  ck_assert_int_eq(data[1000], 'z');
  free(data);
}
END_TEST

/* ---- close ---------------------------------------------------------------- */

START_TEST(close_writes_and_syncs_what_is_queued) {
  int i;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  for (i = 0; i < 5; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "rec\n", 4, 0, NULL));
  ck_assert_int_eq(fault_env_stats().syncs, 0);
  ck_assert_pl_ok(pl_group_commit_close(gc));
  ck_assert_int_eq(fault_env_stats().syncs, 1);
  ck_assert_uint_eq(disk_size(), 20);
}
END_TEST

START_TEST(append_existing_keeps_the_old_contents) {
  pl_group_commit_options o;
  pl_group_commit *gc;
  size_t n;
  char *data;
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), path, "old|", 4, 1));
  pl_group_commit_options_init(&o);
  o.append_existing = 1;
  ck_assert_pl_ok(pl_group_commit_open(pl_env_default(), path, &o, &gc));
  ck_assert_pl_ok(pl_group_commit_append(gc, "new", 3, PL_GC_DURABLE, NULL));
  ck_assert_pl_ok(pl_group_commit_close(gc));
  data = read_file(&n);
  ck_assert_uint_eq(n, 7);
  ck_assert_mem_eq(data, "old|new", 7);
  free(data);
}
END_TEST

START_TEST(open_in_a_missing_directory_fails_with_not_found) {
  char bad[1300];
  pl_group_commit *gc = (pl_group_commit *)1;
  pl_test_path(bad, sizeof bad, dir, "missing/wal");
  ck_assert_int_eq(pl_group_commit_open(pl_env_default(), bad, NULL, &gc), PL_NOT_FOUND);
  ck_assert_ptr_null(gc);
}
END_TEST

/* ---- failures --------------------------------------------------------------- */

typedef struct waiter {
  pl_group_commit *gc;
  uint64_t seq;
  pl_status status;
  char msg[256];
} waiter;

static void *wait_for(void *arg) {
  waiter *w = arg;
  w->status = pl_group_commit_wait(w->gc, w->seq);
  snprintf(w->msg, sizeof w->msg, "%s", w->status == PL_OK ? "" : pl_error_message());
  return NULL;
}

START_TEST(sync_failure_reaches_exactly_the_waiters_of_that_batch) {
  waiter w[6];
  pthread_t t[6];
  int i;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  /* batch 1: records 1-3, synced fine */
  for (i = 0; i < 3; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "good", 4, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_flush(gc));
  /* batch 2: records 4-6, its sync fails */
  for (i = 0; i < 3; i++) ck_assert_pl_ok(pl_group_commit_append(gc, "lost", 4, 0, NULL));
  for (i = 0; i < 6; i++) {
    w[i].gc = gc;
    w[i].seq = (uint64_t)i + 1;
    pthread_create(&t[i], NULL, wait_for, &w[i]);
  }
  fault_env_fail(PL_FAULT_SYNC_EIO, 1);
  ck_assert_int_eq(pl_group_commit_flush(gc), PL_IO_ERROR);
  for (i = 0; i < 6; i++) pthread_join(t[i], NULL);
  for (i = 0; i < 3; i++) ck_assert_pl_ok(w[i].status);
  for (i = 3; i < 6; i++) {
    ck_assert_int_eq(w[i].status, PL_IO_ERROR);
    ck_assert_msg(strstr(w[i].msg, "injected sync") != NULL, "waiter %d got \"%s\"", i, w[i].msg);
  }
  /* records of the good batch stay good */
  ck_assert_pl_ok(pl_group_commit_wait(gc, 2));
  ck_assert_uint_eq(pl_group_commit_durable_seq(gc), 3);
  ck_assert_int_eq(pl_group_commit_close(gc), PL_IO_ERROR);
}
END_TEST

START_TEST(sync_failure_is_sticky) {
  uint64_t seq;
  int syncs;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_EVERY_APPEND, 0);
  fault_env_fail(PL_FAULT_SYNC_EIO, 1);
  ck_assert_int_eq(pl_group_commit_append(gc, "a", 1, PL_GC_DURABLE, &seq), PL_IO_ERROR);
  syncs = fault_env_stats().syncs;
  /* later appends fail at once, without touching the file */
  ck_assert_int_eq(pl_group_commit_append(gc, "b", 1, 0, NULL), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected sync") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_group_commit_append(gc, "c", 1, PL_GC_DURABLE, NULL), PL_IO_ERROR);
  ck_assert_int_eq(pl_group_commit_flush(gc), PL_IO_ERROR);
  ck_assert_int_eq(pl_group_commit_wait(gc, seq), PL_IO_ERROR);
  ck_assert_int_eq(fault_env_stats().syncs, syncs);
  ck_assert_int_eq(pl_group_commit_close(gc), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected sync") != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(write_failure_fails_the_batch_and_is_sticky) {
  uint64_t s1, s2;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 0);
  ck_assert_pl_ok(pl_group_commit_append(gc, "a", 1, 0, &s1));
  ck_assert_pl_ok(pl_group_commit_append(gc, "b", 1, 0, &s2));
  fault_env_fail(PL_FAULT_APPEND_EIO, 1);
  ck_assert_int_eq(pl_group_commit_flush(gc), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected append") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_group_commit_wait(gc, s1), PL_IO_ERROR);
  ck_assert_int_eq(pl_group_commit_wait(gc, s2), PL_IO_ERROR);
  ck_assert_int_eq(fault_env_stats().syncs, 0);
  ck_assert_int_eq(pl_group_commit_append(gc, "c", 1, 0, NULL), PL_IO_ERROR);
  ck_assert_int_eq(pl_group_commit_close(gc), PL_IO_ERROR);
}
END_TEST

static void *append_blocked_then_fail(void *arg) {
  blocked *b = arg;
  b->status = pl_group_commit_append(b->gc, "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\n", 40, PL_GC_DURABLE, &b->seq);
  return NULL;
}

START_TEST(producer_blocked_on_a_full_queue_gets_the_failure) {
  blocked b = {0};
  pthread_t t;
  pl_group_commit *gc = open_gc(fault(), PL_GC_WAKE_MANUAL, 100);
  b.gc = gc;
  ck_assert_pl_ok(pl_group_commit_append(gc, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 40, 0, NULL));
  ck_assert_pl_ok(pl_group_commit_append(gc, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n", 40, 0, NULL));
  pthread_create(&t, NULL, append_blocked_then_fail, &b);
  fault_env_fail(PL_FAULT_SYNC_EIO, 1);
  /* The flush's batch fails; the blocked producer's record either joined
   * a later batch that is never written or was refused: it fails too. */
  ck_assert_int_eq(pl_group_commit_flush(gc), PL_IO_ERROR);
  pthread_join(t, NULL);
  ck_assert_int_eq(b.status, PL_IO_ERROR);
  ck_assert_int_eq(pl_group_commit_close(gc), PL_IO_ERROR);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "group_commit", "group_commit", setup, teardown, 60);
  tcase_add_test(tc, concurrent_appends_reach_file_whole_in_sequence_order);
  tcase_add_test(tc, concurrent_durable_appends_are_durable_when_they_return);
  tcase_add_test(tc, durable_appends_after_an_idle_pause_still_wake_the_writer);
  tcase_add_test(tc, sequence_numbers_start_at_one_and_are_consecutive);
  tcase_add_test(tc, durable_append_has_synced_its_record_when_it_returns);
  tcase_add_test(tc, open_syncs_the_directory_of_the_new_file);
  tcase_add_test(tc, wait_returns_once_the_record_is_durable);
  tcase_add_test(tc, wait_rejects_a_sequence_never_handed_out);
  tcase_add_test(tc, every_append_mode_writes_without_a_flush);
  tcase_add_test(tc, interval_mode_writes_on_its_tick_without_a_flush);
  tcase_add_test(tc, manual_mode_writes_only_on_flush);
  tcase_add_test(tc, queued_records_go_out_in_one_write_and_one_sync);
  tcase_add_test(tc, flush_with_nothing_queued_succeeds);
  tcase_add_test(tc, stats_count_records_bytes_batches_syncs_and_latency);
  tcase_add_test(tc, full_queue_blocks_the_producer_until_the_writer_takes_it);
  tcase_add_test(tc, tiny_queue_under_load_never_drops_a_record);
  tcase_add_test(tc, record_larger_than_the_queue_is_accepted_alone);
  tcase_add_test(tc, close_writes_and_syncs_what_is_queued);
  tcase_add_test(tc, append_existing_keeps_the_old_contents);
  tcase_add_test(tc, open_in_a_missing_directory_fails_with_not_found);
  tcase_add_test(tc, sync_failure_reaches_exactly_the_waiters_of_that_batch);
  tcase_add_test(tc, sync_failure_is_sticky);
  tcase_add_test(tc, write_failure_fails_the_batch_and_is_sticky);
  tcase_add_test(tc, producer_blocked_on_a_full_queue_gets_the_failure);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
