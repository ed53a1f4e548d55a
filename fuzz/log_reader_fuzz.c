/* Fuzz target: the record log's segment parser (plinth/log.h,
 * pl_log_reader_open_file).  A segment is read back after crashes, from
 * recycled files full of an earlier life's records and from disks that
 * damage data: whatever the bytes, reading to the end in every recovery
 * mode must finish with PL_OK or PL_CORRUPTION, never crash, hang or
 * return bytes that are not in the file; every record and every dropped
 * range lies inside the file, in order.  Built twice: as is, and with
 * FUZZ_REPAIR_CRCS, which fixes the CRC of every fragment the framing
 * reaches first, so mutations get past the checksum to the type, length,
 * log number, durable mark and seal checks behind it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "log/log_internal.h"
#include "plinth/plinth.h"
#include "util/crc32c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#ifdef FUZZ_REPAIR_CRCS
/* Walks the fragments as the writer lays them out (headers never in a
 * block's trailer) and rewrites each one's CRC; stops at the first length
 * that does not fit its block or the file. */
static void repair(uint8_t *d, size_t n) {
  uint64_t p = 0;
  for (;;) {
    uint32_t len;
    p = pl__log_skip_trailer(p);
    if (p + PL__LOG_H > n) return;
    len = (uint32_t)d[p + 4] | (uint32_t)d[p + 5] << 8;
    if (len > pl__log_block_left(p) - PL__LOG_H || p + PL__LOG_H + len > n) return;
    pl__put32(d + p, pl__crc32c(d + p + 4, PL__LOG_H - 4 + len));
    p += PL__LOG_H + len;
  }
}
#endif

typedef struct drops {
  uint64_t size, last_end;
  int count;
} drops;

static void on_drop(void *arg, const pl_log_drop *d) {
  drops *x = arg;
  if (d->reason < PL_LOG_DROP_TRUNCATED || d->reason > PL_LOG_DROP_AFTER_DAMAGE) abort();
  /* a dropped range of this one segment lies in the file, after the last */
  if (d->reason != PL_LOG_DROP_MISSING_SEGMENT) {
    if (d->offset > x->size || d->length > x->size - d->offset) abort();
    if (d->offset < x->last_end) abort();
    x->last_end = d->offset + d->length;
  }
  x->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  const char *path = fuzz_input("segment.log", data, n, FUZZ_REPAIR(repair));
  uint64_t number;
  int mode;
  if (path == NULL) return 0;
  /* The segment's log number: the one its first header names (the repair
   * leaves it alone), so records are not all stale, or (odd sizes) one
   * more, so they all are. */
  number = n >= PL__LOG_H ? pl__get32(data + 7) + (uint64_t)(n & 1) : 1;
  for (mode = PL_LOG_TOLERATE_TAIL; mode <= PL_LOG_SKIP_CORRUPTED; mode++) {
    pl_log_reader_options o;
    pl_log_reader *r;
    pl_log_record rec;
    pl_log_reader_stats st;
    drops x = {n, 0, 0};
    uint64_t bytes = 0, records = 0, last_end = 0;
    pl_status s;
    pl_log_reader_options_init(&o);
    o.recovery = (pl_log_recovery)mode;
    o.dropped = on_drop;
    o.arg = &x;
    if (pl_log_reader_open_file(pl_env_platform(), path, number, &o, &r) != PL_OK) abort();
    for (;;) {
      s = pl_log_reader_next(r, &rec);
      if (s != PL_OK || rec.data == NULL) break;
      /* a record is inside the file, after the one before it, and its
       * payload cannot be longer than the bytes it spans */
      if (rec.offset < last_end || rec.end_offset <= rec.offset || rec.end_offset > n) abort();
      if (rec.len > rec.end_offset - rec.offset) abort();
      if (rec.log_number != number) abort();
      last_end = rec.end_offset;
      bytes += rec.len;
      records++;
      if (records > n) abort(); /* a runaway: more records than bytes */
    }
    if (s != PL_OK && s != PL_CORRUPTION) abort();
    /* the verdict is sticky */
    if (pl_log_reader_next(r, &rec) != s) abort();
    pl_log_reader_stats_get(r, &st);
    if (st.records != records || st.bytes != bytes || st.drops != (uint64_t)x.count) abort();
    /* a torn tail is never an error when torn tails are tolerated */
    if (mode == PL_LOG_SKIP_CORRUPTED && s != PL_OK) abort();
    pl_log_reader_close(r);
  }
  return 0;
}
