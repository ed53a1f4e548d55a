/* Fuzz target: the compressed stream's reader (plinth/compress.h).  A
 * compressed file is read back after crashes and from disks that damage
 * data: whatever the input, reading it to its end must finish with PL_OK
 * or PL_CORRUPTION and an end kind, never crash, hang or read past a
 * chunk; the bytes it returns never exceed what the whole chunks' in_total
 * promised.  Built twice: as is, and with FUZZ_REPAIR_CRCS, which fixes
 * every chunk's checksums first so mutations reach the header checks, the
 * decoder and the length check behind it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "env/compress_internal.h"
#include "fuzz/fuzz_util.h"
#include "plinth/plinth.h"
#include "util/bytes.h"
#include "util/crc32c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#ifdef FUZZ_REPAIR_CRCS
/* Rewrites both checksums of every whole chunk (env/COMPRESS-FORMAT.md):
 * the payload's, then the header's seeded with the stream id (0 for the
 * first chunk, whose payload carries the id). */
static void repair(uint8_t *d, size_t n) {
  size_t at = 0;
  uint8_t id[8] = {0};
  int first = 1;
  while (n - at >= PL__CZ_HEADER_SIZE) {
    uint32_t len = pl__get32(d + at + 8), c;
    if (len > n - at - PL__CZ_HEADER_SIZE) break;
    pl__put32(d + at + 4, pl__crc32c(d + at + PL__CZ_HEADER_SIZE, len));
    if (first && len >= PL__CZ_STREAM_PAYLOAD) memcpy(id, d + at + PL__CZ_HEADER_SIZE + 16, 8);
    c = pl__crc32c_extend(0, first ? (const uint8_t *)"\0\0\0\0\0\0\0\0" : id, 8);
    pl__put32(d + at, pl__crc32c_extend(c, d + at + 4, PL__CZ_HEADER_SIZE - 4));
    first = 0;
    at += PL__CZ_HEADER_SIZE + len;
  }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  const char *path = fuzz_input("stream.zst", data, n, FUZZ_REPAIR(repair));
  pl_compress_read_options ro;
  pl_sequential_file *in;
  pl_compress_end end;
  static uint8_t buf[4096];
  uint64_t total = 0;
  size_t got;
  pl_status s;
  if (path == NULL) return 0;
  memset(&ro, 0, sizeof ro);
  ro.tail_is_eof = n & 1; /* both endings */
  if (pl_env_new_compressed_sequential(pl_env_platform(), path, &ro, &in) != PL_OK) abort();
  for (;;) {
    s = pl_sequential_read(in, buf, 1 + total % sizeof buf, &got);
    if (s != PL_OK || got == 0) break;
    total += got;
    /* A decoder fed checked chunks stops where the chunks' lengths say;
     * far past any plausible expansion of n bytes means a runaway. */
    if (total > (uint64_t)n * 70000 + 1000000) abort();
  }
  if (s != PL_OK && s != PL_CORRUPTION) abort();
  if (pl_compress_read_end(in, &end) != PL_OK) abort();
  if (end.kind == PL_COMPRESS_END_NONE || end.bytes != total || end.offset > n || end.flushed > total) abort();
  if ((end.kind == PL_COMPRESS_END_CLOSED || end.kind == PL_COMPRESS_END_OPEN) && s != PL_OK) abort();
  if (end.kind == PL_COMPRESS_END_BAD_DATA && s != PL_CORRUPTION) abort();
  /* reading on at the end repeats the verdict */
  if (pl_sequential_read(in, buf, sizeof buf, &got) != s || got != 0) abort();
  pl_sequential_close(in);
  return 0;
}
