/* plinth — the compressed stream's chunk format (env/COMPRESS-FORMAT.md),
 * shared by the zstd writer and reader.  Internal: never installed. */
#ifndef PLINTH_ENV_COMPRESS_INTERNAL_H
#define PLINTH_ENV_COMPRESS_INTERNAL_H

#include <stdint.h>

#include "plinth/compress.h"

/* Every chunk starts with this header, little-endian:
 *   0  u32 hcrc     CRC-32C of the stream id (8 bytes; 0 for the stream's
 *                   header chunk, which carries the id) and header bytes
 *                   4..28
 *   4  u32 pcrc     CRC-32C of the payload
 *   8  u32 len      payload bytes, at most PL__CZ_MAX_PAYLOAD
 *  12  u32 seq      the chunk's number in the stream, from 0 (the header)
 *  16  u8  type     PL__CZ_HEADER, PL__CZ_DATA, PL__CZ_END
 *  17  u8  flags    PL__CZ_FLUSHED
 *  18  u16 zero
 *  20  u64 in_total uncompressed bytes appended before this chunk was
 *                   written; exact (all of them decodable) when FLUSHED */
#define PL__CZ_HEADER_SIZE 28
#define PL__CZ_MAX_PAYLOAD PL_COMPRESS_MAX_CHUNK

enum { PL__CZ_HEADER = 1, PL__CZ_DATA = 2, PL__CZ_END = 3 };
#define PL__CZ_FLUSHED 1u

/* The header chunk's payload: magic, format version, algorithm, stream id. */
#define PL__CZ_MAGIC "plinthcz"
#define PL__CZ_VERSION 1u
#define PL__CZ_STREAM_PAYLOAD 24

/* Test hook: bits that make every compressed writable made afterwards break
 * a rule, so the crash suite can prove its check catches it.  0 in
 * production. */
extern int pl__compress_test_break_rules;
#define PL__BREAK_COMPRESS_FLUSH 1 /* sync writes what zstd has produced,
                                      without ending the block first */

#endif /* PLINTH_ENV_COMPRESS_INTERNAL_H */
