/* plinth crash harness — the state generator.  Internal. */
#ifndef PLINTH_CRASH_GENERATOR_H
#define PLINTH_CRASH_GENERATOR_H

#include "crash/crash_internal.h"

typedef struct pl__gen {
  const pl__model *m;
  uint64_t combinations; /* product of the choice counts (UINT64_MAX: huge) */
  int exhaustive;        /* every combination is produced */
  uint64_t max_exhaustive, samples, seed;
  size_t point;
  int phase;
  uint64_t produced;     /* in the current phase */
  int started;           /* the current walk has begun */
  uint64_t rng;
  int base_ok;           /* the tear-free combinations are few enough */
  int tear_v, tear_i, tear_side, tears_left;
  uint64_t tear_budget;
} pl__gen;

/* Prepares to walk the states of m.  While the pending ops have at most
 * max_exhaustive combinations, every valid one; beyond that, in order:
 * everything lost and everything kept; every combination without torn
 * writes, if there are at most max_exhaustive of those; each torn variant
 * of each write with the other ops all kept, and with the ops before it
 * kept and those after it lost (at most max_exhaustive states in all); then
 * `samples` random combinations drawn from seed and point. */
void pl__gen_init(pl__gen *g, const pl__model *m, uint64_t max_exhaustive, uint64_t samples,
                  uint64_t seed, size_t point);
/* Stores the next valid combination in c (m->npend entries); 0 when done. */
int pl__gen_next(pl__gen *g, pl__choice *c);

#endif
