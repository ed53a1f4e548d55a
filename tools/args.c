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

int pl_tool_seconds(const char *tool, const char *option, const char *s, uint64_t min_ms,
                    uint64_t max_ms, uint64_t *out_ms) {
  uint64_t whole = 0, ms = 0;
  const char *p = s;
  int digits = 0, decimals = 0;
  for (; *p >= '0' && *p <= '9' && digits < 9; p++, digits++) whole = whole * 10 + (uint64_t)(*p - '0');
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9' && decimals < 3; p++, decimals++) ms = ms * 10 + (uint64_t)(*p - '0');
    while (decimals > 0 && decimals < 3) {
      ms *= 10;
      decimals++;
    }
    if (decimals == 0) digits = 0; /* "5." is not a number */
  }
  ms += whole * 1000;
  if (digits == 0 || *p != '\0' || ms < min_ms || ms > max_ms) {
    fprintf(stderr, "%s: %s wants seconds from %llu.%03llu to %llu (at most 3 decimals), not '%s'\n", tool,
            option, (unsigned long long)(min_ms / 1000), (unsigned long long)(min_ms % 1000),
            (unsigned long long)(max_ms / 1000), s);
    return 0;
  }
  *out_ms = ms;
  return 1;
}
