/* plinth — the record log's format and segment parser, shared by the
 * writer (which parses the last segment when it reopens a log) and the
 * reader.  Internal: never installed.
 *
 * A fragment header, little-endian:
 *   [0,4)   CRC-32C of bytes [4,15) of the header and of the payload
 *   [4,6)   payload length
 *   [6]     type: FULL, FIRST, MIDDLE, LAST (a user record in one or several
 *           fragments), SEAL (the segment's end; payload: the next
 *           segment's log number, 8 bytes), PAD (fills the rest of a block
 *           when a seal does not fit in it)
 *   [7,11)  low 32 bits of the segment's log number
 *   [11,15) durable mark: every byte of the segment before this offset had
 *           been synced when the fragment was written
 * A fragment never crosses a 32 KiB block boundary; fewer than 15 bytes left
 * in a block are a zero trailer.  Fifteen zero bytes are "nothing here".
 */
#ifndef PLINTH_LOG_INTERNAL_H
#define PLINTH_LOG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/log.h"
#include "util/bytes.h"

#define PL__LOG_H PL_LOG_HEADER_SIZE
#define PL__LOG_B PL_LOG_BLOCK_SIZE
#define PL__LOG_P PL_LOG_PAGE_SIZE
#define PL__LOG_SEAL_LEN 8

enum {
  PL__LOG_FULL = 1,
  PL__LOG_FIRST = 2,
  PL__LOG_MIDDLE = 3,
  PL__LOG_LAST = 4,
  PL__LOG_SEAL = 5,
  PL__LOG_PAD = 6
};

/* Test hooks (internal tests only): the negative controls of the crash
 * proofs.  NO_NUMBERS: the writer stores 0 as every log number and the
 * reader ignores the field.  NO_RECYCLE_DIRSYNC: starting a segment from a
 * recycled spare skips the directory sync. */
#define PL__LOG_HOOK_NO_NUMBERS 1u
#define PL__LOG_HOOK_NO_RECYCLE_DIRSYNC 2u
extern unsigned pl__log_test_hooks;

/* Bytes left in the block at offset p. */
static inline uint64_t pl__log_block_left(uint64_t p) { return PL__LOG_B - p % PL__LOG_B; }

/* p, moved past a block trailer if it is in one. */
static inline uint64_t pl__log_skip_trailer(uint64_t p) {
  uint64_t left = pl__log_block_left(p);
  return left < PL__LOG_H ? p + left : p;
}

/* Writes the header of a fragment whose len payload bytes are already at
 * at + PL__LOG_H (the CRC covers them). */
void pl__log_frame(unsigned char *at, int type, uint32_t num, uint32_t synced, size_t len);

/* Where a record of n bytes starting at p ends, with its framing
 * (trailers skipped, fragments cut at block boundaries). */
uint64_t pl__log_record_end(uint64_t p, uint64_t n);
/* Where a seal written at p ends (after a pad if the block is too short). */
uint64_t pl__log_seal_end(uint64_t p);

/* A segment's bytes, read whole. */
typedef struct pl__log_seg {
  const unsigned char *d;
  uint64_t size;
  uint32_t num;   /* the low 32 bits of its log number */
  int check_num;  /* 0 under PL__LOG_HOOK_NO_NUMBERS */
} pl__log_seg;

/* What is at a record start. */
enum {
  PL__LOG_AT_RECORD = 1, /* a whole record */
  PL__LOG_AT_SEAL = 2,   /* the segment's seal */
  PL__LOG_AT_EOF = 3,    /* the end of the file, cleanly between records */
  PL__LOG_AT_DAMAGE = 4  /* anything else */
};

typedef struct pl__log_parsed {
  int what;            /* PL__LOG_AT_* */
  uint64_t start, end; /* the record's (or seal's, or damage's) start; its end */
  int reason;          /* DAMAGE: a pl_log_drop_reason, or 0 for a zero header */
  uint64_t next_log;   /* SEAL: the next segment's log number */
  const unsigned char *data; /* RECORD: payload (into the segment, or scratch) */
  size_t len;
} pl__log_parsed;

/* A growable buffer for records of several fragments. */
typedef struct pl__log_buf {
  unsigned char *p;
  size_t len, cap;
} pl__log_buf;

/* Parses what is at p (skipping trailers and pads first) into *out,
 * assembling fragmented payloads in scratch.  Returns 0, or -1 if scratch
 * could not grow (out of memory). */
int pl__log_parse(const pl__log_seg *s, uint64_t p, pl__log_parsed *out, pl__log_buf *scratch);

/* What follows damage at `at`: looks at every offset after it for fragments
 * of this segment's life. */
typedef struct pl__log_after {
  int clean;          /* no damage at all: zeros from `at` to the end of its
                         page and nothing of this life after them */
  uint32_t max_mark;  /* highest durable mark of a fragment after `at` */
  int proven;         /* max_mark > at: bytes at `at` had been synced */
  uint64_t last_end;  /* end of the last fragment of this life after `at`
                         (0: none) */
  uint64_t resync;    /* first offset after `at` where a whole record or the
                         seal parses (0: none) */
} pl__log_after;

/* Scans the segment after damage at `at` (reason from pl__log_parse).
 * Returns 0, or -1 out of memory. */
int pl__log_scan_after(const pl__log_seg *s, uint64_t at, int reason, pl__log_after *out,
                       pl__log_buf *scratch);

/* The file name of segment n in dir ("%016x.log" and friends). */
void pl__log_name(char *buf, size_t cap, const char *dir, uint64_t n, const char *ext);
/* If name is "<16 hex digits>.<ext>", stores the number and returns 1. */
int pl__log_parse_name(const char *name, const char *ext, uint64_t *n);

/* Reads the whole file at path into memory: *data is either into a mapping
 * owned by *file (close it after use) or into *owned (free it).  A missing
 * file is PL_NOT_FOUND. */
pl_status pl__log_read_file(pl_env *env, const char *path, const unsigned char **data,
                            uint64_t *size, pl_random_file **file, unsigned char **owned);

#endif /* PLINTH_LOG_INTERNAL_H */
