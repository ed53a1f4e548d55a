/* Group commit: producers copy records into a queue; one writer thread
 * swaps the queue for an empty one, hands the whole batch to a sink (one
 * write and one sync) and wakes the waiters of that batch.  The sink is a
 * file (pl_group_commit_open: one vectored append and one sync) or an
 * internal writer that frames each record itself (the record log, through
 * pl__group_commit_start): one batching loop for both. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/file_util.h"
#include "plinth/group_commit.h"
#include "env/group_commit_internal.h"
#include "port/thread.h"
#include "util/error.h"

/* Latency histogram: values below 16 us get a bucket each; above, each
 * power of two is split into 8 buckets, so a bucket's upper bound is at
 * most 12.5% above any value in it. */
#define HIST_BUCKETS (16 + 8 * 60)

typedef struct queue {
  char *data;
  size_t len, cap;
  uint64_t *times; /* append time of each record, for latency */
  size_t *lens;    /* length of each record, for sinks that frame them */
  size_t count, times_cap;
  size_t waiters; /* durable appends among the records */
} queue;

struct pl_group_commit {
  pl_env *env;
  pl_writable_file *file; /* the file sink's file; NULL for other sinks */
  pl__gc_sink sink;
  pl_group_commit_options opt;
  pl__mutex mu;
  pl__cond work_cv; /* the writer waits here for work */
  pl__cond done_cv; /* waiters wait here for batches to finish */
  pl__cond room_cv; /* producers wait here for queue room */
  pl__thread writer;
  int writer_idle; /* the writer is waiting on work_cv */

  queue q;         /* records not yet taken by the writer (under mu) */
  queue spare;     /* the writer's batch; touched only by the writer */
  uint64_t last_seq;    /* last sequence number handed out */
  uint64_t durable_seq; /* every record <= this is durable */
  uint64_t flush_target; /* records <= this must be written without delay */
  int closing;
  /* Gathering (wake on every append): after a batch, the writer waits until
   * gather_target records are queued or gather_deadline passes.  See
   * writer_main. */
  size_t gather_target;
  uint64_t gather_deadline;
  int blocked; /* producers waiting for queue room */
  int writing; /* a batch is being written (by the writer or a producer) */

  /* The first failure, replayed to every later caller. */
  pl_status sticky;
  pl__error_saved sticky_detail;
  uint64_t failed_from; /* first sequence number that failed */

  pl_group_commit_stats stats;
  uint64_t hist[HIST_BUCKETS];
};

void pl_group_commit_options_init(pl_group_commit_options *o) {
  o->wake = PL_GC_WAKE_EVERY_APPEND;
  o->interval_ms = 1;
  o->queue_bytes = 4u << 20;
  o->append_existing = 0;
  o->file_options = NULL;
}

static int hist_bucket(uint64_t v) {
  int e = 0, b;
  uint64_t t = v;
  if (v < 16) return (int)v;
  while (t >>= 1) e++;
  b = 16 + (e - 4) * 8 + (int)((v >> (e - 3)) & 7);
  return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

static uint64_t hist_upper(int b) {
  int e, sub;
  if (b < 16) return (uint64_t)b;
  e = (b - 16) / 8 + 4;
  sub = (b - 16) % 8;
  return (((uint64_t)(9 + sub)) << (e - 3)) - 1;
}

static uint64_t hist_percentile(const uint64_t *h, uint64_t total, double p) {
  uint64_t want = (uint64_t)(p * (double)total + 0.999999), seen = 0;
  int b;
  if (total == 0) return 0;
  if (want == 0) want = 1;
  for (b = 0; b < HIST_BUCKETS; b++) {
    seen += h[b];
    if (seen >= want) return hist_upper(b);
  }
  return hist_upper(HIST_BUCKETS - 1);
}

static pl_status replay(pl_group_commit *gc) { return pl__error_restore(&gc->sticky_detail); }

/* Records the first failure, whose detail is this thread's.  REQUIRES:
 * gc->mu held. */
static void set_sticky(pl_group_commit *gc, pl_status s, uint64_t from) {
  if (gc->sticky != PL_OK) return;
  gc->sticky = pl__error_save(&gc->sticky_detail, s);
  gc->failed_from = from;
}

static int queue_reserve(queue *q, size_t n) {
  if (q->len + n > q->cap) {
    size_t cap = q->cap ? q->cap : 4096;
    char *p;
    while (cap < q->len + n) cap *= 2;
    p = realloc(q->data, cap);
    if (p == NULL) return 0;
    q->data = p;
    q->cap = cap;
  }
  if (q->count + 1 > q->times_cap) {
    size_t cap = q->times_cap ? q->times_cap * 2 : 256;
    uint64_t *t = realloc(q->times, cap * sizeof *t);
    size_t *l;
    if (t == NULL) return 0;
    q->times = t;
    l = realloc(q->lens, cap * sizeof *l);
    if (l == NULL) return 0;
    q->lens = l;
    q->times_cap = cap;
  }
  return 1;
}

static void queue_free(queue *q) {
  free(q->data);
  free(q->times);
  free(q->lens);
}

/* True when the writer should take the queue now.  REQUIRES: gc->mu held. */
static int batch_due(pl_group_commit *gc, uint64_t deadline, uint64_t now) {
  uint64_t first = gc->last_seq - gc->q.count + 1;
  if (gc->q.count == 0) return 0;
  if (gc->closing || gc->flush_target >= first) return 1;
  switch (gc->opt.wake) {
    case PL_GC_WAKE_EVERY_APPEND:
      return gc->q.count >= gc->gather_target || gc->blocked > 0 ||
             gc->q.len >= gc->opt.queue_bytes || now >= gc->gather_deadline;
    case PL_GC_WAKE_INTERVAL:
      return gc->blocked > 0 || gc->q.len >= gc->opt.queue_bytes || now >= deadline;
    default: return 0;
  }
}

static void wait_until_micros(pl_group_commit *gc, uint64_t deadline, uint64_t now) {
  pl__cond_timedwait(&gc->work_cv, &gc->mu, deadline - now);
}

/* Writes the queued records as one batch: one sink write and one sink
 * sync, outside the lock, then wakes the batch's waiters.  Runs on the
 * writer thread, or on a producer whose durable append completes a batch
 * while the writer is idle (saving two thread switches per batch).
 * REQUIRES: gc->mu held, no batch in flight, records queued. */
static void run_batch(pl_group_commit *gc) {
  queue batch;
  uint64_t lo, hi, done_at, started;
  pl_status s;
  size_t i;
  gc->writing = 1;
  /* Take the queue; producers fill the spare buffer meanwhile. */
  batch = gc->q;
  gc->q = gc->spare;
  gc->q.len = 0;
  gc->q.count = 0;
  gc->q.waiters = 0;
  hi = gc->last_seq;
  lo = hi - batch.count + 1;
  pl__cond_broadcast(&gc->room_cv);
  pl__mutex_unlock(&gc->mu);

  started = pl_env_now_micros(gc->env);
  s = gc->sink.write(gc->sink.arg, batch.data, batch.len, batch.lens, batch.count);
  if (s == PL_OK) s = gc->sink.sync(gc->sink.arg);
  done_at = pl_env_now_micros(gc->env);

  pl__mutex_lock(&gc->mu);
  gc->stats.batches++;
  if (s == PL_OK) {
    gc->stats.syncs++;
    gc->stats.records += batch.count;
    gc->stats.bytes += batch.len;
    for (i = 0; i < batch.count; i++) {
      uint64_t lat = done_at > batch.times[i] ? done_at - batch.times[i] : 0;
      gc->hist[hist_bucket(lat)]++;
      if (lat > gc->stats.latency_max_us) gc->stats.latency_max_us = lat;
    }
    gc->durable_seq = hi;
  } else {
    set_sticky(gc, s, lo);
  }
  if (gc->opt.wake == PL_GC_WAKE_EVERY_APPEND) {
    /* The threads this batch releases usually append again at once.  Taking
     * the queue the moment the first of them is back would split them
     * into two cohorts that alternate, each paying a whole sync; waiting a
     * little for all of them (at most one batch's write+sync time, 2 ms at
     * most) keeps them in one batch.  The bound was half of that until the
     * record log, whose sync is cheaper, showed it too short for eight
     * threads to come back on two busy CPUs: its batches were 20% smaller
     * and the cheaper sync was lost in the extra batches (bench Q3).
     * Nothing to wait for when no durable append was in the batch. */
    uint64_t took = done_at - started;
    gc->gather_target = gc->q.count + batch.waiters;
    if (gc->gather_target == 0) gc->gather_target = 1;
    gc->gather_deadline = done_at + (took < 2000 ? took : 2000);
  }
  gc->spare = batch;
  gc->writing = 0;
  pl__cond_broadcast(&gc->done_cv);
  /* The writer may have been woken while this batch was in flight. */
  if (gc->writer_idle) pl__cond_signal(&gc->work_cv);
}

static void writer_main(void *arg) {
  pl_group_commit *gc = arg;
  uint64_t deadline = 0;
  int have_deadline = 0;
  pl__mutex_lock(&gc->mu);
  for (;;) {
    uint64_t now = pl_env_now_micros(gc->env);
    if (gc->sticky != PL_OK && gc->q.count > 0) {
      /* Records queued after a failure are never written: their waiters
       * see the sticky error (their seq >= failed_from). */
      gc->q.len = 0;
      gc->q.count = 0;
      gc->q.waiters = 0;
      pl__cond_broadcast(&gc->room_cv);
    }
    if (gc->q.count > 0 && gc->opt.wake == PL_GC_WAKE_INTERVAL && !have_deadline) {
      deadline = now + (uint64_t)gc->opt.interval_ms * 1000;
      have_deadline = 1;
    }
    /* Past the gathering deadline any record is worth a batch; producers
     * must then wake the writer for their first record. */
    if (now >= gc->gather_deadline) gc->gather_target = 1;
    if (!gc->writing && batch_due(gc, deadline, now)) {
      have_deadline = 0;
      run_batch(gc);
      continue;
    }
    if (gc->closing && gc->q.count == 0 && !gc->writing) break;
    gc->writer_idle = 1;
    if (gc->writing) pl__cond_wait(&gc->work_cv, &gc->mu);
    else if (gc->q.count > 0 && have_deadline) wait_until_micros(gc, deadline, now);
    else if (gc->opt.wake == PL_GC_WAKE_EVERY_APPEND && now < gc->gather_deadline)
      wait_until_micros(gc, gc->gather_deadline, now);
    else pl__cond_wait(&gc->work_cv, &gc->mu);
    gc->writer_idle = 0;
  }
  pl__mutex_unlock(&gc->mu);
}

/* The file sink: the whole batch in one vectored append, then a sync. */
static pl_status file_write(void *arg, const char *data, size_t len, const size_t *lens,
                            size_t count) {
  pl_iovec piece;
  (void)lens;
  (void)count;
  piece.base = data;
  piece.len = len;
  return pl_writable_appendv(((pl_group_commit *)arg)->file, &piece, 1);
}

static pl_status file_sync(void *arg) { return pl_writable_sync(((pl_group_commit *)arg)->file); }

static pl_group_commit *gc_new(pl_env *env, const pl_group_commit_options *opt) {
  pl_group_commit *gc = calloc(1, sizeof *gc);
  if (gc == NULL) return NULL;
  if (opt) gc->opt = *opt;
  else pl_group_commit_options_init(&gc->opt);
  if (gc->opt.queue_bytes == 0) gc->opt.queue_bytes = 1;
  if (gc->opt.interval_ms == 0) gc->opt.interval_ms = 1;
  gc->opt.file_options = NULL; /* not kept: the caller's pointer may die */
  gc->env = env;
  return gc;
}

/* Starts the writer thread; on failure closes gc's file and frees gc. */
static pl_status gc_start(pl_group_commit *gc, pl_group_commit **out) {
  pl_status s;
  pl__mutex_init(&gc->mu);
  pl__cond_init(&gc->work_cv);
  pl__cond_init(&gc->done_cv);
  pl__cond_init(&gc->room_cv);
  s = pl__thread_create(&gc->writer, writer_main, gc);
  if (s != PL_OK) {
    pl__error_saved first;
    pl__error_save(&first, s);
    if (gc->file) pl_writable_close(gc->file);
    pl__mutex_destroy(&gc->mu);
    pl__cond_destroy(&gc->work_cv);
    pl__cond_destroy(&gc->done_cv);
    pl__cond_destroy(&gc->room_cv);
    free(gc);
    return pl__error_restore(&first);
  }
  *out = gc;
  return PL_OK;
}

pl_status pl__group_commit_start(pl_env *env, const pl__gc_sink *sink,
                                 const pl_group_commit_options *opt, pl_group_commit **out) {
  pl_group_commit *gc;
  *out = NULL;
  gc = gc_new(env, opt);
  if (gc == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "group commit: out of memory");
  gc->sink = *sink;
  return gc_start(gc, out);
}

pl_status pl_group_commit_open(pl_env *env, const char *path,
                               const pl_group_commit_options *opt,
                               pl_group_commit **out) {
  pl_group_commit *gc;
  pl_status s;
  char dir[4096];
  *out = NULL;
  gc = gc_new(env, opt);
  if (gc == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  gc->sink.write = file_write;
  gc->sink.sync = file_sync;
  gc->sink.arg = gc;
  s = pl_path_dirname(path, dir, sizeof dir);
  if (s == PL_OK) {
    s = opt && opt->append_existing
            ? pl_env_new_appendable(env, path, opt ? opt->file_options : NULL, &gc->file)
            : pl_env_new_writable(env, path, opt ? opt->file_options : NULL, &gc->file);
  }
  /* A record is durable only if the file's directory entry is too. */
  if (s == PL_OK) s = pl_env_sync_dir(env, dir);
  if (s != PL_OK) {
    pl__error_saved first;
    pl__error_save(&first, s);
    if (gc->file) pl_writable_close(gc->file);
    free(gc);
    return pl__error_restore(&first);
  }
  return gc_start(gc, out);
}

/* REQUIRES: gc->mu held. */
static pl_status wait_locked(pl_group_commit *gc, uint64_t seq) {
  for (;;) {
    if (seq <= gc->durable_seq) return PL_OK;
    if (gc->sticky != PL_OK && seq >= gc->failed_from) return replay(gc);
    pl__cond_wait(&gc->done_cv, &gc->mu);
  }
}

pl_status pl_group_commit_append(pl_group_commit *gc, const void *data,
                                 size_t n, int flags, uint64_t *seq) {
  uint64_t my;
  pl_status s = PL_OK;
  pl__mutex_lock(&gc->mu);
  /* Backpressure: wait for room; a record larger than the whole queue
   * goes alone into an empty one. */
  while (gc->sticky == PL_OK && gc->q.len > 0 &&
         gc->q.len + n > gc->opt.queue_bytes) {
    if (gc->opt.wake != PL_GC_WAKE_MANUAL && gc->writer_idle)
      pl__cond_signal(&gc->work_cv);
    gc->blocked++;
    pl__cond_wait(&gc->room_cv, &gc->mu);
    gc->blocked--;
  }
  if (gc->sticky != PL_OK) {
    s = replay(gc);
    pl__mutex_unlock(&gc->mu);
    return s;
  }
  if (!queue_reserve(&gc->q, n)) {
    pl__mutex_unlock(&gc->mu);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "group commit: out of memory");
  }
  if (n) memcpy(gc->q.data + gc->q.len, data, n);
  gc->q.len += n;
  gc->q.lens[gc->q.count] = n;
  gc->q.times[gc->q.count++] = pl_env_now_micros(gc->env);
  my = ++gc->last_seq;
  if (seq) *seq = my;
  if (flags & PL_GC_DURABLE) gc->q.waiters++;
  if ((flags & PL_GC_DURABLE) && gc->opt.wake == PL_GC_WAKE_EVERY_APPEND && !gc->writing &&
      gc->writer_idle) {
    /* This record completes a batch and the writer is asleep: write the
     * batch here rather than wake the writer and sleep until it is done. */
    uint64_t now = pl_env_now_micros(gc->env);
    if (now >= gc->gather_deadline) gc->gather_target = 1;
    if (batch_due(gc, 0, now)) {
      run_batch(gc);
      s = wait_locked(gc, my);
      pl__mutex_unlock(&gc->mu);
      return s;
    }
  }
  if (gc->writer_idle &&
      ((gc->opt.wake == PL_GC_WAKE_EVERY_APPEND && gc->q.count >= gc->gather_target) ||
       (gc->opt.wake == PL_GC_WAKE_INTERVAL && (gc->q.count == 1 || gc->q.len >= gc->opt.queue_bytes))))
    pl__cond_signal(&gc->work_cv);
  if (flags & PL_GC_DURABLE) s = wait_locked(gc, my);
  pl__mutex_unlock(&gc->mu);
  return s;
}

pl_status pl_group_commit_wait(pl_group_commit *gc, uint64_t seq) {
  pl_status s;
  pl__mutex_lock(&gc->mu);
  if (seq == 0 || seq > gc->last_seq) {
    uint64_t last = gc->last_seq;
    pl__mutex_unlock(&gc->mu);
    return pl_error_set(PL_INVALID_ARGUMENT, 0,
                        "group commit: sequence %llu was never handed out (last is %llu)",
                        (unsigned long long)seq, (unsigned long long)last);
  }
  s = wait_locked(gc, seq);
  pl__mutex_unlock(&gc->mu);
  return s;
}

pl_status pl_group_commit_flush(pl_group_commit *gc) {
  pl_status s = PL_OK;
  uint64_t target;
  pl__mutex_lock(&gc->mu);
  target = gc->last_seq;
  if (target > gc->flush_target) {
    gc->flush_target = target;
    pl__cond_signal(&gc->work_cv);
  }
  if (target > 0) s = wait_locked(gc, target);
  else if (gc->sticky != PL_OK) s = replay(gc);
  pl__mutex_unlock(&gc->mu);
  return s;
}

uint64_t pl_group_commit_durable_seq(pl_group_commit *gc) {
  uint64_t d;
  pl__mutex_lock(&gc->mu);
  d = gc->durable_seq;
  pl__mutex_unlock(&gc->mu);
  return d;
}

void pl_group_commit_stats_get(pl_group_commit *gc, pl_group_commit_stats *out) {
  pl__mutex_lock(&gc->mu);
  *out = gc->stats;
  out->latency_p50_us = hist_percentile(gc->hist, gc->stats.records, 0.50);
  out->latency_p90_us = hist_percentile(gc->hist, gc->stats.records, 0.90);
  out->latency_p99_us = hist_percentile(gc->hist, gc->stats.records, 0.99);
  pl__mutex_unlock(&gc->mu);
}

pl_status pl_group_commit_close(pl_group_commit *gc) {
  pl_status s, c;
  pl__error_saved first;
  pl__mutex_lock(&gc->mu);
  gc->closing = 1;
  pl__cond_signal(&gc->work_cv);
  pl__mutex_unlock(&gc->mu);
  pl__thread_join(gc->writer);
  /* The writer is gone: no lock needed from here on. */
  s = gc->sticky;
  if (s != PL_OK) first = gc->sticky_detail;
  /* Other sinks belong to whoever started the appender. */
  c = gc->file ? pl_writable_close(gc->file) : PL_OK;
  if (s == PL_OK && c != PL_OK) s = pl__error_save(&first, c);
  pl__mutex_destroy(&gc->mu);
  pl__cond_destroy(&gc->work_cv);
  pl__cond_destroy(&gc->done_cv);
  pl__cond_destroy(&gc->room_cv);
  queue_free(&gc->q);
  queue_free(&gc->spare);
  free(gc);
  if (s != PL_OK) return pl__error_restore(&first);
  return PL_OK;
}
