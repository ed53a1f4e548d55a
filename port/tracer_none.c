/* Systems without a system-call tracer (every backend but Linux): the
 * crash harness records programs through plinth's own env only. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "port/tracer.h"

int pl__tracer_available(void) { return 0; }

pl_status pl__tracer_run(const pl__tracer_options *o, pl__proc_status *st, pl__tracer_stats *stats) {
  memset(st, 0, sizeof *st);
  if (stats != NULL) memset(stats, 0, sizeof *stats);
  return pl_error_set(PL_NOT_SUPPORTED, 0,
                      "cannot record %s at the system-call level: this build has no tracer (Linux only); "
                      "a program that uses plinth's pl_env_default() is recorded without it",
                      o->argv && o->argv[0] ? o->argv[0] : "the program");
}

pl_status pl__tracer_canonical(const char *path, char *out, size_t cap) {
  if ((size_t)snprintf(out, cap, "%s", path) >= cap) return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: path too long", path);
  return PL_OK;
}
