/* plinth — group commit: many threads append records to one file; a writer
 * thread gathers whatever is queued into one vectored write and one sync, so
 * N concurrent durable appends cost about one sync instead of N.  (When the
 * writer is idle, the thread whose durable append completes a batch writes
 * that batch itself, saving two thread switches; the batches are the same.)
 *
 *   pl_group_commit *gc;
 *   uint64_t seq;
 *   pl_group_commit_open(pl_env_default(), "/data/wal", NULL, &gc);
 *   pl_group_commit_append(gc, rec, len, PL_GC_DURABLE, &seq);  (any thread)
 *   ...
 *   pl_group_commit_close(gc);
 *
 * Built only on the pl_env vtable, so it works on every backend and under
 * wrappers (fault injection, the crash harness's recording env).
 */
#ifndef PLINTH_GROUP_COMMIT_H
#define PLINTH_GROUP_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_group_commit pl_group_commit;

/* When the writer thread writes and syncs what is queued. */
typedef enum pl_gc_wake {
  /* As soon as a record is queued; records queued while a batch is being
   * synced form the next batch.  Lowest latency. */
  PL_GC_WAKE_EVERY_APPEND = 0,
  /* Once per interval_ms tick (and at once when the queue is full or a
   * caller calls pl_group_commit_flush).  Fewer, larger batches. */
  PL_GC_WAKE_INTERVAL = 1,
  /* Only when some thread calls pl_group_commit_flush (or close).  A full
   * queue then blocks producers until the next flush, and a durable append
   * or a wait returns only after some thread has flushed. */
  PL_GC_WAKE_MANUAL = 2
} pl_gc_wake;

typedef struct pl_group_commit_options {
  pl_gc_wake wake;       /* default PL_GC_WAKE_EVERY_APPEND */
  unsigned interval_ms;  /* tick for PL_GC_WAKE_INTERVAL; default 1 */
  /* Bytes that may wait in the queue.  A producer whose record does not fit
   * blocks until the writer has taken the queue (records are never
   * dropped).  A record larger than this is accepted alone into an empty
   * queue.  Default 4 MiB. */
  size_t queue_bytes;
  /* Non-zero: open the file for appending at its end instead of
   * truncating it. */
  int append_existing;
  /* Options for the file itself (buffering); NULL for the env's defaults. */
  const pl_writable_options *file_options;
} pl_group_commit_options;

/* Fills *o with the defaults above. */
PL_API void pl_group_commit_options_init(pl_group_commit_options *o);

typedef struct pl_group_commit_stats {
  uint64_t records;  /* records written (durable or failed not counted) */
  uint64_t bytes;    /* bytes of those records */
  uint64_t batches;  /* vectored writes issued */
  uint64_t syncs;    /* syncs that succeeded */
  /* Time from append to the end of the sync that made the record durable,
   * in microseconds, over every record so far.  Percentiles are the upper
   * bound of a logarithmic bucket (at most 12.5% above the true value). */
  uint64_t latency_p50_us;
  uint64_t latency_p90_us;
  uint64_t latency_p99_us;
  uint64_t latency_max_us;
} pl_group_commit_stats;

/* Opens path through env (creating or truncating it, or appending if
 * opt->append_existing), syncs its directory so the file's entry is
 * durable, and starts the writer thread.  opt may be NULL for the
 * defaults.  On failure nothing is left running and *out is NULL. */
PL_API pl_status pl_group_commit_open(pl_env *env, const char *path,
                               const pl_group_commit_options *opt,
                               pl_group_commit **out);

/* Flag for pl_group_commit_append. */
#define PL_GC_DURABLE 1

/* Queues a copy of data[0..n) as one record and stores its sequence number
 * (1 for the first record, then consecutive) in *seq if seq is not NULL.
 * Records reach the file whole and in sequence order.  Blocks while the
 * queue is full.  With PL_GC_DURABLE in flags it returns only when the
 * record is durable (as pl_group_commit_wait).  After any write or sync
 * failure every append fails at once with that first error (sticky).
 * Safe for concurrent use. */
PL_API pl_status pl_group_commit_append(pl_group_commit *gc, const void *data,
                                 size_t n, int flags, uint64_t *seq);

/* Blocks until record seq is durable and returns PL_OK, or returns the
 * error of the batch that failed to write or sync it (also for records
 * queued after that failure: they are never written).  A seq that was
 * never handed out is PL_INVALID_ARGUMENT.  Safe for concurrent use. */
PL_API pl_status pl_group_commit_wait(pl_group_commit *gc, uint64_t seq);

/* Writes and syncs every record appended before the call, in every wake
 * mode, and returns as pl_group_commit_wait on the last of them (PL_OK if
 * there were none and no failure).  Safe for concurrent use. */
PL_API pl_status pl_group_commit_flush(pl_group_commit *gc);

/* The highest sequence number known durable (0 if none). */
PL_API uint64_t pl_group_commit_durable_seq(pl_group_commit *gc);

/* Copies the counters into *out.  Safe for concurrent use. */
PL_API void pl_group_commit_stats_get(pl_group_commit *gc, pl_group_commit_stats *out);

/* Writes and syncs everything queued, stops the writer, closes the file
 * and frees gc, even when it fails; returns the first error the appender
 * met (write, sync or close).  REQUIRES: no other thread is using gc. */
PL_API pl_status pl_group_commit_close(pl_group_commit *gc);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_GROUP_COMMIT_H */
