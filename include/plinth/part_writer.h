/* plinth — parallel part writer: a file of known size, split into parts
 * that threads write concurrently, published atomically when whole.
 *
 * All parts are written with positional writes into ONE preallocated
 * temporary file beside the destination ("<path>.parts-tmp"): there are no
 * per-part files and no copy to assemble them.  pl_part_writer_finalize
 * syncs it, renames it over the destination and syncs the directory, so a
 * reader (or a power loss) sees the old destination or the whole new one,
 * never a partial file.  Each part keeps its status and the CRC-32C of its
 * bytes.
 *
 *   pl_part_writer *pw;
 *   pl_part_writer_open(env, "/data/blob", size, NULL, &pw);
 *   ... thread k: pl_part_writer_write(pw, k, buf, n) until part k is full
 *   pl_part_writer_finalize(pw);      (or pl_part_writer_abort(pw))
 *
 * Built only on the pl_env vtable: the env's writable files must support
 * write_at (pl_writable_write_at); allocate is used where supported.
 */
#ifndef PLINTH_PART_WRITER_H
#define PLINTH_PART_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_part_writer pl_part_writer;

#define PL_PART_WRITER_DEFAULT_PART_SIZE (8u << 20)

typedef struct pl_part_writer_options {
  /* Size of every part but the last (which holds the remainder).  Default
   * 8 MiB; 0 means the default. */
  uint64_t part_size;
} pl_part_writer_options;

/* Fills *o with the defaults. */
PL_API void pl_part_writer_options_init(pl_part_writer_options *o);

/* What pl_part_writer_part_info reports about one part. */
typedef struct pl_part_info {
  uint64_t offset;  /* where the part starts in the file */
  uint64_t length;  /* its size */
  uint64_t written; /* bytes written into it so far */
  uint32_t crc32c;  /* CRC-32C of the bytes written so far */
  pl_status status; /* PL_OK, or the first error a write to it met */
} pl_part_info;

/* Creates the temporary file "<path>.parts-tmp" (replacing a stale one)
 * and reserves total_size bytes for it.  opt may be NULL.  NotSupported if
 * the env's files have no positional writes.  On failure nothing is left
 * behind and *out is NULL. */
PL_API pl_status pl_part_writer_open(pl_env *env, const char *path, uint64_t total_size,
                              const pl_part_writer_options *opt,
                              pl_part_writer **out);

/* ------------------------------------------------------------------ */
/* Sinks: destinations other than a file of a pl_env                   */

/* A part sink receives the parts instead of a temporary file: an object
 * store's multipart upload, for instance (plinth/s3.h).  The part writer
 * keeps the bookkeeping -- part boundaries, fill positions, CRC-32C, the
 * first error of each part, the checks before publishing -- and the sink
 * moves the bytes.  A sink embeds pl_part_sink first, as files embed their
 * methods pointer. */
typedef struct pl_part_sink pl_part_sink;

/* The version of pl_part_sink_methods built with this header. */
#define PL_PART_SINK_VERSION 1

typedef struct pl_part_sink_methods {
  int version; /* PL_PART_SINK_VERSION */
  /* Takes bytes [offset, offset + n) of part `part` (offset counted from
   * the part's start; calls for one part come in order, each continuing
   * where the last ended); last is non-zero on the call that completes the
   * part.  Called concurrently for different parts. */
  pl_status (*write)(pl_part_sink *s, size_t part, uint64_t offset, const void *data, size_t n,
                     int last);
  /* Publishes the whole, atomically: every part was written whole and
   * without error; parts[0..count) describes them.  On failure the sink
   * has discarded everything (as abort). */
  pl_status (*finalize)(pl_part_sink *s, const pl_part_info *parts, size_t count);
  /* Discards everything written; nothing is published. */
  pl_status (*abort)(pl_part_sink *s);
  /* Frees the sink; called once, after finalize or abort. */
  void (*destroy)(pl_part_sink *s);
} pl_part_sink_methods;

struct pl_part_sink {
  const pl_part_sink_methods *methods;
};

/* As pl_part_writer_open, with the parts going to sink instead of a file;
 * name is used in messages.  The part writer owns sink from this call on,
 * failure included: finalize, abort or a failed open destroy it (a failed
 * open aborts it first). */
PL_API pl_status pl_part_writer_open_sink(pl_part_sink *sink, const char *name, uint64_t total_size,
                                          const pl_part_writer_options *opt,
                                          pl_part_writer **out);

/* The sink given to pl_part_writer_open_sink, or NULL for a file. */
PL_API pl_part_sink *pl_part_writer_sink(pl_part_writer *pw);

/* Number of parts (at least 1; a 0-byte file has one empty part). */
PL_API size_t pl_part_writer_count(const pl_part_writer *pw);

/* Appends data[0..n) to part `part` at its current fill position.
 * InvalidArgument if part is out of range or n exceeds what is left of
 * the part.  A failed write is recorded in the part's status and makes
 * finalize fail.  Safe for concurrent use on different parts; calls on the
 * same part need external synchronization. */
PL_API pl_status pl_part_writer_write(pl_part_writer *pw, size_t part,
                               const void *data, size_t n);

/* Copies part's state into *out.  Reads a part that another thread is
 * writing only under external synchronization.  InvalidArgument if part is
 * out of range. */
PL_API pl_status pl_part_writer_part_info(pl_part_writer *pw, size_t part,
                                   pl_part_info *out);

/* Publishes the file: requires every part to be written whole without
 * error (else InvalidArgument, or the part's error), then syncs the
 * temporary file, closes it, renames it over path and syncs the directory.
 * On failure the temporary file is removed and path is left as it was
 * (unless the failure came after the rename, when path holds the new
 * contents but their durability is unknown).  Frees pw either way.
 * REQUIRES: no write in progress. */
PL_API pl_status pl_part_writer_finalize(pl_part_writer *pw);

/* Closes and removes the temporary file and frees pw; path is untouched.
 * Returns the error of the removal, if any.  REQUIRES: no write in
 * progress. */
PL_API pl_status pl_part_writer_abort(pl_part_writer *pw);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_PART_WRITER_H */
