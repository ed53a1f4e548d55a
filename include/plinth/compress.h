/* plinth — compressed files that stay recoverable after a power loss.
 *
 * A compressing writable wraps any pl_writable_file: what is appended is
 * compressed with streaming zstd and written to the file underneath in
 * chunks, each with a small header and a CRC-32C (the format, and why it
 * is not plain zstd frames: env/COMPRESS-FORMAT.md).  sync ends the current
 * zstd block (ZSTD_e_flush), writes it out as a chunk and then syncs the
 * file underneath, so every byte appended before a sync that returned
 * PL_OK can be read back after a power loss.  Between syncs the compressor
 * keeps its history, so frequent syncs cost a few bytes each, not the
 * ratio of a fresh frame.
 *
 * The matching reader is a pl_sequential_file that returns the
 * decompressed bytes and stops at the first chunk that is cut short,
 * zero-filled or fails its checksum: it returns a prefix of what was
 * appended, never bytes that were not, and pl_compress_read_end says why
 * and where it stopped.
 *
 *   pl_compress_options co;  pl_compress_options_init(&co);   // zstd, level 3
 *   pl_writable_file *log;
 *   s = pl_env_new_compressed_writable(env, "wal.zst", NULL, &co, &log);
 *   s = pl_writable_append(log, rec, n);   // any number of appends
 *   s = pl_writable_sync(log);             // everything so far survives
 *   s = pl_writable_close(log);
 *
 *   pl_sequential_file *in;
 *   s = pl_env_new_compressed_sequential(env, "wal.zst", NULL, &in);
 *   while ((s = pl_sequential_read(in, buf, sizeof buf, &got)) == PL_OK && got > 0) use(buf, got);
 *   pl_compress_read_end(in, &end);       // closed, open, torn tail ... at end.offset
 *   pl_sequential_close(in);
 *
 * Built when configure finds libzstd (Debian: libzstd-dev).  Without it the
 * functions below exist but every constructor returns PL_NOT_SUPPORTED, and
 * pl_compress_available() returns 0: the feature is absent, not broken.
 */
#ifndef PLINTH_COMPRESS_H
#define PLINTH_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pl_compress_algorithm {
  PL_COMPRESS_ZSTD = 1
} pl_compress_algorithm;

#define PL_COMPRESS_MIN_CHUNK (4 * 1024)
#define PL_COMPRESS_MAX_CHUNK (1024 * 1024)

typedef struct pl_compress_options {
  int algorithm;     /* a pl_compress_algorithm; default PL_COMPRESS_ZSTD */
  /* zstd's level: 1 (fast) to 19 (small), or a negative "fast" level down
   * to zstd's minimum; 0 means zstd's default (3).  Default 3. */
  int level;
  /* Compressed bytes gathered in memory before a chunk is written between
   * syncs: PL_COMPRESS_MIN_CHUNK..PL_COMPRESS_MAX_CHUNK, default 64 KiB.
   * sync and flush write what they have, whatever its size. */
  size_t chunk_size;
  /* Non-zero: every sync and flush ends the zstd frame (ZSTD_e_end)
   * instead of the block (ZSTD_e_flush), so each synced piece is an
   * independent frame.  The reader handles both; this mode forgets the
   * history at every sync and compresses worse (bench/README.md measures
   * by how much).  Default 0. */
  int frame_per_sync;
} pl_compress_options;

/* Fills *o with the defaults: zstd, level 3, 64 KiB chunks, one frame. */
PL_API void pl_compress_options_init(pl_compress_options *o);

/* 1 if this build of plinth has the algorithm, 0 if not. */
PL_API int pl_compress_available(int algorithm);

/* Makes a compressing writable over target and writes the stream's header
 * chunk to it (not synced: the first sync makes it durable).  The stream
 * starts at target's current end; a reader must start there too.
 *
 * The result is a pl_writable_file: append, appendv, appendf compress;
 * flush ends the zstd block and hands the chunk to target's flush; sync
 * does the same, then syncs target; close ends the frame, writes the last
 * chunk (marked as the end of the stream) and closes target, which it
 * owns from a successful return on.  tell() is the number of uncompressed
 * bytes appended; stats() counts them (bytes) and counts chunks written
 * as os_writes.  write_at and allocate return PL_NOT_SUPPORTED: a
 * compressed stream has no positions to write at.
 *
 * Errors are sticky, as for every writable: once an append, flush or sync
 * of target fails (or zstd reports an error), every later call returns
 * that first error, because the compressor's state is then ahead of what
 * reached the file.
 *
 * InvalidArgument for options out of range; NotSupported for an algorithm
 * this build lacks.  On failure target is left open for the caller (it
 * may have received the header). */
PL_API pl_status pl_compress_writable_new(pl_writable_file *target, const pl_compress_options *o,
                                          pl_writable_file **out);

/* Creates (or truncates) path through env with wopt (NULL: the defaults)
 * and wraps it as pl_compress_writable_new does with copt (NULL: the
 * defaults).  Through env, so a recording or fault-injecting env sees
 * every chunk as the disk does. */
PL_API pl_status pl_env_new_compressed_writable(pl_env *env, const char *path,
                                                const pl_writable_options *wopt,
                                                const pl_compress_options *copt,
                                                pl_writable_file **out);

typedef struct pl_compress_stats {
  uint64_t bytes_in;  /* uncompressed bytes appended */
  uint64_t bytes_out; /* bytes handed to the file underneath: chunk
                         headers and compressed data */
  uint64_t chunks;    /* chunks written, the stream's header included */
  uint64_t flushes;   /* zstd blocks (or frames) ended by flush or sync */
  double ratio;       /* bytes_in / bytes_out; 0 before anything is out */
} pl_compress_stats;

/* Copies the counters of a file made by pl_compress_writable_new or
 * pl_env_new_compressed_writable.  InvalidArgument for any other file. */
PL_API pl_status pl_compress_stats_get(pl_writable_file *f, pl_compress_stats *out);

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

typedef struct pl_compress_read_options {
  /* Non-zero: a damaged tail (TRUNCATED, ZEROS or CHECKSUM below) ends the
   * stream as the end of the file does: read returns *got = 0 and PL_OK.
   * Zero (default): read returns PL_CORRUPTION there, with the kind and
   * the offset in the message.  Either way pl_compress_read_end tells. */
  int tail_is_eof;
} pl_compress_read_options;

/* Why the reader stopped. */
typedef enum pl_compress_end_kind {
  PL_COMPRESS_END_NONE = 0,      /* not at the end yet */
  PL_COMPRESS_END_CLOSED = 1,    /* the stream's closing chunk: the writer
                                    closed it and every byte it accepted
                                    was read */
  PL_COMPRESS_END_OPEN = 2,      /* the file ends after a whole chunk but
                                    without the closing one: the writer did
                                    not close (still writing, crashed, or
                                    failed); everything up to there was
                                    read */
  PL_COMPRESS_END_TRUNCATED = 3, /* the file ends inside a chunk (or
                                    before the stream's header) */
  PL_COMPRESS_END_ZEROS = 4,     /* only zero bytes from the offset to the
                                    end of the file: a size that reached the
                                    disk before its data */
  PL_COMPRESS_END_CHECKSUM = 5,  /* a chunk whose header or CRC-32C does not
                                    match: torn by a power loss, or damaged
                                    (data may follow it; it is not read) */
  PL_COMPRESS_END_BAD_DATA = 6   /* a chunk that passed its checksum but does
                                    not decode, or decodes to another length
                                    than its header says: not a power loss
                                    (a bug, or a forged chunk); always
                                    PL_CORRUPTION */
} pl_compress_end_kind;

typedef struct pl_compress_end {
  int kind;             /* a pl_compress_end_kind */
  uint64_t offset;      /* where the stream's whole chunks end: the file
                           offset (from the stream's start) of the first
                           byte not used */
  uint64_t bytes;       /* uncompressed bytes returned in all */
  uint64_t chunks;      /* whole chunks read, the header included */
  uint64_t flushed;     /* uncompressed bytes the last whole flushed chunk
                           completed: at least every byte synced before
                           the crash (sync writes such a chunk) */
} pl_compress_end;

/* Makes a reader of the compressed stream that src holds from its current
 * position.  It owns src from a successful return on (close closes it).
 * read returns decompressed bytes; *got is 0 only at the end (see
 * pl_compress_read_options).  skip decompresses and discards. */
PL_API pl_status pl_compress_sequential_new(pl_sequential_file *src,
                                            const pl_compress_read_options *o,
                                            pl_sequential_file **out);

/* Opens path through env and makes a reader of it (o may be NULL). */
PL_API pl_status pl_env_new_compressed_sequential(pl_env *env, const char *path,
                                                  const pl_compress_read_options *o,
                                                  pl_sequential_file **out);

/* Where and why a reader made by the two calls above stopped; kind is
 * PL_COMPRESS_END_NONE while it has not.  InvalidArgument for any other
 * file. */
PL_API pl_status pl_compress_read_end(pl_sequential_file *f, pl_compress_end *out);

/* A static name for an end kind ("closed", "torn or corrupt chunk", ...). */
PL_API const char *pl_compress_end_name(int kind);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_COMPRESS_H */
