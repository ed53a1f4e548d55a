/* Torn writes: which sectors of a write reach the disk in each torn
 * variant.  A device may write a multi-sector request's sectors in any
 * order and lose power between any two, so any subset of the sectors may
 * survive.  Small writes get every proper, non-empty subset; larger ones a
 * bounded list that always starts with the patterns recovery code trips on
 * (prefixes, suffixes, holes), then seeded random subsets.
 *
 * Variants are numbered 0 .. pl__tear_count() - 1 and depend only on the
 * piece count, max_tears and the op's index, so a state id replays the
 * same tear. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crash/crash_internal.h"

uint64_t pl__tear_pieces(uint64_t offset, uint64_t len, uint64_t sector) {
  if (len == 0) return 0;
  return (offset + len - 1) / sector - offset / sector + 1;
}

/* Non-zero if every proper subset of n pieces fits in max_tears. */
static int exhaustive(uint64_t n, int max_tears) {
  return n < 63 && ((1ULL << n) - 2) <= (uint64_t)max_tears;
}

int pl__tear_count(uint64_t n, int max_tears) {
  if (n < 2 || max_tears <= 0) return 0;
  if (exhaustive(n, max_tears)) return (int)((1ULL << n) - 2);
  return max_tears;
}

/* The fixed patterns tried first on a write too large to enumerate. */
enum {
  ALL_BUT_LAST, ALL_BUT_FIRST, FIRST_ONLY, LAST_ONLY, MIDDLE_HOLE, EVEN, ODD,
  FIRST_AND_LAST, NFIXED
};

/* Beyond the fixed patterns, variants cycle through four families: a
 * prefix, a suffix, all but one sector, a random subset; the k-th member of
 * a family is spread evenly over the write. */
enum { PREFIX, SUFFIX, HOLE, RANDOM, NFAMILIES };

static uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Where the k-th of `of` members of a family sits among positions
 * 1 .. n-1 (a prefix length, a suffix length, a hole). */
static uint64_t spread(uint64_t k, uint64_t of, uint64_t n) {
  uint64_t p = 1 + (k * (n - 1)) / (of ? of : 1);
  return p >= n ? n - 1 : p;
}

static void family_of(int v, int max_tears, int *fam, uint64_t *k, uint64_t *of) {
  int r = v - NFIXED, left = max_tears - NFIXED;
  *fam = r % NFAMILIES;
  *k = (uint64_t)(r / NFAMILIES);
  *of = (uint64_t)(left / NFAMILIES + 1);
}

int pl__tear_keeps(uint64_t n, int max_tears, size_t op, int v, uint64_t i) {
  int fam;
  uint64_t k, of;
  if (exhaustive(n, max_tears)) return (int)(((uint64_t)(v + 1) >> i) & 1);
  switch (v) {
    case ALL_BUT_LAST: return i + 1 < n;
    case ALL_BUT_FIRST: return i > 0;
    case FIRST_ONLY: return i == 0;
    case LAST_ONLY: return i + 1 == n;
    case MIDDLE_HOLE: return i != n / 2;
    case EVEN: return (i & 1) == 0;
    case ODD: return (i & 1) == 1;
    case FIRST_AND_LAST: return i == 0 || i + 1 == n;
    default: break;
  }
  family_of(v, max_tears, &fam, &k, &of);
  switch (fam) {
    case PREFIX: return i < spread(k, of, n);
    case SUFFIX: return i >= n - spread(k, of, n);
    case HOLE: return i != spread(k, of, n);
    default: return (int)(mix(((uint64_t)op << 20) ^ ((uint64_t)v << 40) ^ i) & 1);
  }
}

void pl__tear_describe(uint64_t n, int max_tears, size_t op, int v, char *buf, size_t cap) {
  int fam;
  uint64_t k, of;
  (void)op;
  if (exhaustive(n, max_tears)) {
    size_t at = (size_t)snprintf(buf, cap, "sectors ");
    uint64_t i;
    int first = 1;
    for (i = 0; i < n && at < cap; i++) {
      if (!(((uint64_t)(v + 1) >> i) & 1)) continue;
      at += (size_t)snprintf(buf + at, cap - at, "%s%llu", first ? "" : ",", (unsigned long long)i);
      first = 0;
    }
    if (at < cap) snprintf(buf + at, cap - at, " of %llu", (unsigned long long)n);
    return;
  }
  switch (v) {
    case ALL_BUT_LAST: snprintf(buf, cap, "all but the last of %llu sectors", (unsigned long long)n); return;
    case ALL_BUT_FIRST: snprintf(buf, cap, "all but the first of %llu sectors", (unsigned long long)n); return;
    case FIRST_ONLY: snprintf(buf, cap, "only the first of %llu sectors", (unsigned long long)n); return;
    case LAST_ONLY: snprintf(buf, cap, "only the last of %llu sectors", (unsigned long long)n); return;
    case MIDDLE_HOLE:
      snprintf(buf, cap, "all but sector %llu of %llu", (unsigned long long)(n / 2), (unsigned long long)n);
      return;
    case EVEN: snprintf(buf, cap, "the even sectors of %llu", (unsigned long long)n); return;
    case ODD: snprintf(buf, cap, "the odd sectors of %llu", (unsigned long long)n); return;
    case FIRST_AND_LAST: snprintf(buf, cap, "the first and last of %llu sectors", (unsigned long long)n); return;
    default: break;
  }
  family_of(v, max_tears, &fam, &k, &of);
  switch (fam) {
    case PREFIX:
      snprintf(buf, cap, "the first %llu of %llu sectors", (unsigned long long)spread(k, of, n),
               (unsigned long long)n);
      break;
    case SUFFIX:
      snprintf(buf, cap, "the last %llu of %llu sectors", (unsigned long long)spread(k, of, n),
               (unsigned long long)n);
      break;
    case HOLE:
      snprintf(buf, cap, "all but sector %llu of %llu", (unsigned long long)spread(k, of, n),
               (unsigned long long)n);
      break;
    default:
      snprintf(buf, cap, "random subset %d of %llu sectors", v, (unsigned long long)n);
      break;
  }
}
