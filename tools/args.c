/* Strict numbers for command-line options (tools/args.h). */
#include "config.h"

#include <stdio.h>

#include "tools/args.h"

int pl_tool_number(const char *tool, const char *option, const char *s, uint64_t min, uint64_t max,
                   uint64_t *out) {
  uint64_t v = 0;
  const char *p = s;
  /* strtoull would take "-512" as 2^64 - 512 and " 5" as 5: both have
   * turned a wrong option into a silently different run. */
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) break;
    v = v * 10 + d;
  }
  if (p == s || *p != '\0' || v < min || v > max) {
    fprintf(stderr, "%s: %s wants a whole number from %llu to %llu, not '%s'\n", tool, option,
            (unsigned long long)min, (unsigned long long)max, s);
    return 0;
  }
  *out = v;
  return 1;
}
