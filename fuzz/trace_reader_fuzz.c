/* Fuzz target: the trace reader.  Every input is a trace file; whatever it
 * holds, loading must end in PL_OK or a clean error, and a loaded trace
 * must dump and encode again without trouble.  Built twice: as is, and with
 * FUZZ_REPAIR_CRCS, which fixes every record's checksum first so the
 * fuzzer's mutations reach the length, kind and path checks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  pl_crash_trace t;
  const char *path = fuzz_input("trace.plt", data, n, FUZZ_REPAIR(fuzz_repair_crcs));
  static FILE *sink;
  if (path == NULL) return 0;
  if (pl_crash_trace_load_max(pl_env_platform(), path, 1 << 20, &t) == PL_OK) {
    if (sink == NULL) sink = fopen("/dev/null", "w");
    if (sink != NULL) pl_crash_trace_dump(&t, sink);
    /* Every op that loaded encodes again (saving does this, without the
     * file and its sync). */
    {
      size_t i;
      for (i = 0; i < t.count; i++) {
        unsigned char *rec;
        size_t len;
        if (pl__trace_encode(&t.ops[i], &rec, &len) != PL_OK) abort();
        free(rec);
      }
    }
    pl_crash_trace_free(&t);
  }
  return 0;
}
