/* Compressed files: what every build has, with or without zstd. */
#include "config.h"

#include <string.h>

#include "env/compress_internal.h"

int pl__compress_test_break_rules;

void pl_compress_options_init(pl_compress_options *o) {
  memset(o, 0, sizeof *o);
  o->algorithm = PL_COMPRESS_ZSTD;
  o->level = 3;
  o->chunk_size = 64 * 1024;
}

const char *pl_compress_end_name(int kind) {
  switch (kind) {
    case PL_COMPRESS_END_NONE: return "not at the end";
    case PL_COMPRESS_END_CLOSED: return "closed";
    case PL_COMPRESS_END_OPEN: return "open (not closed by its writer)";
    case PL_COMPRESS_END_TRUNCATED: return "truncated chunk";
    case PL_COMPRESS_END_ZEROS: return "zero-filled tail";
    case PL_COMPRESS_END_CHECKSUM: return "torn or corrupt chunk";
    case PL_COMPRESS_END_BAD_DATA: return "chunk does not decode";
    default: return "unknown";
  }
}
