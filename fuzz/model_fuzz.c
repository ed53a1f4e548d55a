/* Fuzz target: the model, the state builder and the materializer on
 * fuzzed traces (checksums repaired).  Every trace that loads is explored
 * with a bounded budget and a checker that passes everything; exploring
 * must end in PL_OK or a clean error, and nothing may be written outside
 * the exploration's directory: a sibling canary directory must stay
 * empty. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "plinth/crash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static int pass(void *arg, const char *dir, const char *const *notes, size_t nnotes, char *msg, size_t cap) {
  (void)arg;
  (void)dir;
  (void)notes;
  (void)nnotes;
  (void)msg;
  (void)cap;
  return 0;
}

/* Files of at most 64 KiB: each state is written out whole, so a trace
 * writing at an offset of megabytes is slow by design (bounded by the
 * harness's 1 GiB per file), not a finding. */
static int small_files(const pl_crash_trace *t) {
  size_t i;
  for (i = 0; i < t->count; i++)
    if (t->ops[i].offset > 65536 || t->ops[i].len > 65536) return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  pl_crash_trace t;
  pl_crash_options o;
  pl_crash_checker c = {pass, NULL, NULL};
  pl_crash_report r;
  const char *path;
  char work[600], canary[600];
  if (n > 1 << 16) return 0;
  path = fuzz_input("trace.plt", data, n, fuzz_repair_crcs);
  if (path == NULL) return 0;
  if (pl_crash_trace_load_max(pl_env_platform(), path, 1 << 16, &t) != PL_OK) return 0;
  if (t.count <= 64 && small_files(&t)) {
    snprintf(work, sizeof work, "%s", fuzz_path("work"));
    snprintf(canary, sizeof canary, "%s", fuzz_path("canary"));
    fuzz_clear(work);
    fuzz_clear(canary);
    pl_crash_options_init(&o);
    o.work_dir = work;
    o.max_exhaustive = 64;
    o.samples = 8;
    o.max_tears = 16;
    o.shrink = 0;
    o.max_failures = 1;
    if (pl_crash_explore(&t, &o, &c, &r) == PL_OK && r.failures != 0) abort();
    pl_crash_report_free(&r);
    fuzz_expect_empty(canary);
  }
  pl_crash_trace_free(&t);
  return 0;
}
