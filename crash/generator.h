/* plinth crash harness — the state generator.  Internal. */
#ifndef PLINTH_CRASH_GENERATOR_H
#define PLINTH_CRASH_GENERATOR_H

#include "crash/crash_internal.h"

typedef struct pl_gen {
  const pl_model *m;
  uint64_t combinations; /* product of the choice counts (UINT64_MAX: huge) */
  int exhaustive;        /* all combinations, or a sample */
  uint64_t samples;
  uint64_t produced;
  uint64_t rng;
  int started;
} pl_gen;

/* Prepares to walk the states of m: every valid combination if there are
 * at most max_exhaustive, else all-lost, all-kept and `samples` random
 * ones drawn from seed and point. */
void pl_gen_init(pl_gen *g, const pl_model *m, uint64_t max_exhaustive, uint64_t samples,
                 uint64_t seed, size_t point);
/* Stores the next valid combination in c (m->npend entries); 0 when done. */
int pl_gen_next(pl_gen *g, unsigned char *c);

#endif
