/* plinth — a record log (write-ahead log) whose durable appends cost what
 * the disk costs: an overwrite of space that was written and synced before,
 * so a sync never has to commit a new file size through the file system's
 * journal.
 *
 *   pl_log *log;
 *   pl_log_open(pl_env_default(), "/data/wal", NULL, &log);
 *   pl_log_append(log, rec, len);          durable when it returns
 *   ...
 *   pl_log_release(log, checkpointed);     old segments become spares
 *   pl_log_close(log);
 *
 *   pl_log_reader *r;  pl_log_record rec;
 *   pl_log_reader_open(pl_env_default(), "/data/wal", NULL, &r);
 *   while (pl_log_reader_next(r, &rec) == PL_OK && rec.data != NULL)
 *     replay(rec.data, rec.len);
 *   pl_log_reader_close(r);
 *
 * A log is a directory of fixed-size segment files, numbered by a 64-bit
 * log number ("%016x.log").  A segment is never grown: it is created full
 * size and physically written with zeros (not merely reserved: reserved
 * extents are "unwritten" and converting them costs a journal commit per
 * sync, which is the cost this log exists to avoid), synced, and only then
 * given a live name.  That preparation happens on a background thread, so a
 * spare is ready before the current segment fills.  A segment the user
 * releases becomes a spare again ("recycled") without being zeroed again.
 *
 * Format.  Records are framed in 32 KiB blocks, each fragment behind a
 * 15-byte header: CRC-32C (of the rest of the header and the payload),
 * payload length, type (full, first, middle, last, seal, pad), the low 32
 * bits of the segment's log number, and how much of the segment was
 * already durable when the fragment was written.  The log number is what
 * makes recycling safe: bytes left from a segment's earlier life carry an
 * older number and are never returned.  The durable mark is what lets a
 * reader tell a torn tail (bytes that were never synced, after a power
 * loss) from damage to bytes that had been synced (corruption): a later
 * fragment whose mark lies beyond the damage proves it.  Every segment but
 * the last ends with a seal naming the next segment's number, so a missing
 * or cut segment in the middle is noticed too.
 *
 * Writes are whole 4 KiB pages from memory (the last page is written again
 * as it fills), so an overwrite never makes the OS read a page from disk
 * first; with PL_LOG_DIRECT_TRY the segments are opened O_DIRECT|O_DSYNC.
 *
 * Built only on the pl_env vtable: it runs on every backend and under
 * wrappers (fault injection, the crash harness's recording env).
 */
#ifndef PLINTH_LOG_H
#define PLINTH_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/env.h"
#include "plinth/group_commit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The framing block and the write unit. */
#define PL_LOG_BLOCK_SIZE 32768
#define PL_LOG_PAGE_SIZE 4096
/* Bytes of framing per fragment. */
#define PL_LOG_HEADER_SIZE 15

typedef struct pl_log pl_log;

/* When an append is durable. */
typedef enum pl_log_durability {
  /* Each append writes its pages and syncs before returning. */
  PL_LOG_SYNC_EACH = 0,
  /* Appends from many threads are gathered by plinth's group-commit
   * appender (plinth/group_commit.h) into one write and one sync; each
   * returns once its record is durable. */
  PL_LOG_SYNC_GROUP = 1,
  /* Appends are kept in memory and written in whole pages; durable only
   * after pl_log_sync (or a roll, or close). */
  PL_LOG_SYNC_NONE = 2
} pl_log_durability;

/* Whether segments bypass the OS's cache. */
typedef enum pl_log_direct {
  PL_LOG_DIRECT_OFF = 0,
  /* O_DIRECT|O_DSYNC (FILE_FLAG_NO_BUFFERING|WRITE_THROUGH on Windows)
   * where the file system accepts it; otherwise ordinary writes and syncs,
   * with the reason in pl_log_stats.direct_note. */
  PL_LOG_DIRECT_TRY = 1,
  /* As TRY, but opening fails with PL_NOT_SUPPORTED where it is refused. */
  PL_LOG_DIRECT_REQUIRE = 2
} pl_log_direct;

typedef struct pl_log_options {
  pl_log_durability durability; /* default PL_LOG_SYNC_EACH */
  /* Bytes per segment: a multiple of 4096, from 8 KiB to 1 GiB; default
   * 16 MiB.  A record must fit in one segment with its framing. */
  uint64_t segment_size;
  /* Spare segments the background thread keeps zeroed and ready; default
   * 1.  0: a spare is made when a segment fills, on the append path. */
  int spares;
  /* How many released segments may be kept as spares (recycled instead of
   * deleted); default 4.  0: released segments are deleted. */
  int recycle;
  pl_log_direct direct; /* default PL_LOG_DIRECT_OFF */
  /* Log numbers are never below this (default 1): a caller that keeps its
   * own record of log numbers can make sure they keep growing even if every
   * file of the log was removed. */
  uint64_t first_log_number;
  /* For PL_LOG_SYNC_GROUP: the appender's options (wake mode, queue
   * bytes); NULL for its defaults. */
  const pl_group_commit_options *group;
  /* Where writing resumes when the log already has segments.  0 (the
   * default): after the last whole record of the last segment, dropping a
   * torn tail -- but if that segment holds damage that a later fragment
   * proves had been synced, open fails with PL_CORRUPTION rather than drop
   * synced records.  Non-zero: after the record that ends at resume_offset
   * in segment resume_log (a pl_log_record's log_number and end_offset, e.g.
   * the last record a point-in-time reader returned); every later segment
   * is released and everything after that point is dropped. */
  uint64_t resume_log;
  uint64_t resume_offset;
} pl_log_options;

/* Fills *o with the defaults above. */
PL_API void pl_log_options_init(pl_log_options *o);

typedef struct pl_log_stats {
  uint64_t records;        /* records appended (accepted) */
  uint64_t bytes;          /* payload bytes of those records */
  uint64_t writes;         /* write calls to the segments */
  uint64_t bytes_written;  /* bytes handed to the OS: whole pages */
  uint64_t syncs;          /* segment syncs that succeeded */
  uint64_t segments;       /* segments started by this pl_log */
  uint64_t spares_zeroed;  /* spares written with zeros and synced */
  uint64_t spares_recycled;/* released segments kept as spares */
  uint64_t spare_waits;    /* rolls that waited for the background spare */
  uint64_t spares_inline;  /* rolls that had to make a spare themselves */
  uint64_t spare_failures; /* spares that could not be made (e.g. ENOSPC) */
  uint64_t current_log;    /* the segment being written */
  int direct;              /* 1: segments are open O_DIRECT|O_DSYNC */
  char direct_note[200];   /* why not, when PL_LOG_DIRECT_TRY fell back */
} pl_log_stats;

/* Opens (creating if needed) the log in directory dir through env: removes
 * spares whose zeroing never finished, seals the last segment after its
 * last whole record (see resume_* above), starts a new segment from a spare
 * (zeroing one first if none is ready), syncs the directory, and starts the
 * background thread.  A directory it creates is made durable too (its
 * parent is synced).  opt may be NULL for the defaults.  On failure nothing
 * is left running and *out is NULL.  Each open starts a new segment: a
 * closed log is never appended to in place. */
PL_API pl_status pl_log_open(pl_env *env, const char *dir, const pl_log_options *opt,
                             pl_log **out);

/* Appends data[0..n) as one record.  PL_LOG_SYNC_EACH and _GROUP: returns
 * once the record is durable; _NONE: once it is in memory.  A record that
 * does not fit in the rest of the segment starts the next one (sealing this
 * one); one that could never fit is PL_INVALID_ARGUMENT.  A failed write or
 * sync is sticky: every later call returns that first error, because the
 * OS may have dropped what it failed to write.  Failing to make a spare
 * (ENOSPC while zeroing) fails only that append, with the spare's error,
 * except under PL_LOG_SYNC_GROUP, where every failure of a batch is sticky
 * (the appender's rule).  Safe for concurrent use. */
PL_API pl_status pl_log_append(pl_log *log, const void *data, size_t n);

/* Makes every record appended before the call durable (in every mode).
 * Safe for concurrent use. */
PL_API pl_status pl_log_sync(pl_log *log);

/* Seals the current segment and starts the next; stores its log number in
 * *log_number if not NULL.  Safe for concurrent use. */
PL_API pl_status pl_log_roll(pl_log *log, uint64_t *log_number);

/* The log number of the segment being written.  Records appended from now
 * on land in it or later ones. */
PL_API uint64_t pl_log_current(pl_log *log);

/* The caller no longer needs segments up to log number upto (typically: a
 * checkpoint covers them).  Every such segment except the current one
 * becomes a spare (its old records stay in it, marked by their old log
 * number, until overwritten) or, beyond the recycle limit, is removed; the
 * directory is synced before this returns, so a released segment never
 * comes back after a power loss.  Safe for concurrent use. */
PL_API pl_status pl_log_release(pl_log *log, uint64_t upto);

/* Blocks until the background thread has the configured number of spares
 * ready, or returns the error of its last attempt if it gave up (it tries
 * again after a roll has managed to make a spare itself).  For benchmarks
 * and tests that want a steady state. */
PL_API pl_status pl_log_wait_spares(pl_log *log);

/* Copies the counters into *out.  Safe for concurrent use. */
PL_API void pl_log_stats_get(pl_log *log, pl_log_stats *out);

/* Makes everything appended durable, seals the current segment, stops the
 * background thread (abandoning a spare it was zeroing), closes and frees
 * log, even when it fails; returns the first error met.  REQUIRES: no other
 * thread is using log. */
PL_API pl_status pl_log_close(pl_log *log);

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

typedef struct pl_log_reader pl_log_reader;

/* What a reader does when bytes cannot be read as records. */
typedef enum pl_log_recovery {
  /* The default, for recovery after a crash: the last segment may end in a
   * torn, zero-filled, garbage or stale tail (writes that were never made
   * durable), which is dropped and reported.  Damage that a later
   * fragment proves had been synced, a segment other than the last that
   * does not end in a seal, or a missing segment is PL_CORRUPTION. */
  PL_LOG_TOLERATE_TAIL = 0,
  /* Every segment must end cleanly: any dropped byte is PL_CORRUPTION
   * (for logs that were closed, or checked after a clean shutdown).  Stale
   * records after a clean end are not damage: they are outside the log. */
  PL_LOG_ABSOLUTE = 1,
  /* Returns every record up to the first damage anywhere and stops there,
   * reporting the rest (later segments included) as dropped; never
   * PL_CORRUPTION.  No record after a gap is ever returned, so what is
   * returned is a prefix of what was written. */
  PL_LOG_POINT_IN_TIME = 2,
  /* Skips damaged bytes, reports them, and goes on with the next whole
   * record of this segment's life, through every segment; never
   * PL_CORRUPTION.  For salvage. */
  PL_LOG_SKIP_CORRUPTED = 3
} pl_log_recovery;

/* Why bytes were not returned. */
typedef enum pl_log_drop_reason {
  PL_LOG_DROP_TRUNCATED = 1,   /* the file ends inside a header or payload */
  PL_LOG_DROP_ZEROS = 2,       /* zeros where a record should start, with
                                  more written after them (a hole) */
  PL_LOG_DROP_BAD_HEADER = 3,  /* impossible type or length (garbage) */
  PL_LOG_DROP_BAD_CHECKSUM = 4,/* the CRC does not match */
  PL_LOG_DROP_STALE = 5,       /* a record of the segment's earlier life */
  PL_LOG_DROP_PARTIAL = 6,     /* a record's first fragments without its last */
  PL_LOG_DROP_ORPHAN = 7,      /* a middle or last fragment without its first */
  PL_LOG_DROP_UNSEALED = 8,    /* a segment before the last ends without a seal */
  PL_LOG_DROP_MISSING_SEGMENT = 9, /* a segment of the chain is not there
                                      (log_number: the first missing one,
                                      length 0) */
  PL_LOG_DROP_AFTER_DAMAGE = 10,   /* point-in-time: not read, because it
                                      comes after damage */
  PL_LOG_DROP_NOT_IN_CHAIN = 11    /* a segment no seal leads to */
} pl_log_drop_reason;

/* A range of a segment that was not returned. */
typedef struct pl_log_drop {
  uint64_t log_number;
  uint64_t offset;
  uint64_t length;
  pl_log_drop_reason reason;
  /* Non-zero when a later fragment proves these bytes had been synced:
   * corruption of durable data, not a torn write. */
  int synced;
} pl_log_drop;

/* Returns a static name for a reason ("torn: truncated", "stale", ...). */
PL_API const char *pl_log_drop_reason_name(pl_log_drop_reason r);

typedef struct pl_log_reader_options {
  pl_log_recovery recovery; /* default PL_LOG_TOLERATE_TAIL */
  /* Segments below this log number are ignored (a checkpoint covers them;
   * they may be partly released).  0: start at the oldest. */
  uint64_t first_log;
  /* Called for every dropped range, in order, before the record that
   * follows it is returned; may be NULL. */
  void (*dropped)(void *arg, const pl_log_drop *d);
  void *arg;
} pl_log_reader_options;

PL_API void pl_log_reader_options_init(pl_log_reader_options *o);

/* One record. */
typedef struct pl_log_record {
  const void *data;    /* NULL at the end of the log; else len bytes, valid
                          until the next call on the reader */
  size_t len;
  uint64_t log_number; /* the segment it is in */
  uint64_t offset;     /* where its first fragment starts */
  uint64_t end_offset; /* just after its last fragment (see resume_offset) */
} pl_log_record;

typedef struct pl_log_reader_stats {
  uint64_t records, bytes;   /* returned */
  uint64_t segments;         /* segments read */
  uint64_t drops, dropped_bytes;
} pl_log_reader_stats;

/* Opens the log in dir for reading, oldest segment first (from
 * opt->first_log).  A missing directory is an empty log.  opt may be NULL
 * for the defaults.  One segment at a time is held in memory, read when the
 * reader reaches it: for recovery, before a writer opens the log (a
 * segment being written may be read up to a record in flight). */
PL_API pl_status pl_log_reader_open(pl_env *env, const char *dir,
                                    const pl_log_reader_options *opt, pl_log_reader **out);

/* Opens one segment file, whatever its name, as the last segment of a log
 * with number log_number: the entry point for tools and for fuzzing the
 * parser with arbitrary bytes. */
PL_API pl_status pl_log_reader_open_file(pl_env *env, const char *path, uint64_t log_number,
                                         const pl_log_reader_options *opt,
                                         pl_log_reader **out);

/* Stores the next record in *rec and returns PL_OK; at the end of the log
 * returns PL_OK with rec->data NULL.  PL_CORRUPTION when the recovery mode
 * does not accept what it found (after reporting it); an I/O error as
 * such.  Errors are sticky.  REQUIRES: external synchronization. */
PL_API pl_status pl_log_reader_next(pl_log_reader *r, pl_log_record *rec);

PL_API void pl_log_reader_stats_get(pl_log_reader *r, pl_log_reader_stats *out);

/* Closes and frees r. */
PL_API void pl_log_reader_close(pl_log_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_LOG_H */
