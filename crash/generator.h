/* plinth crash harness — the state generator.  Internal. */
#ifndef PLINTH_CRASH_GENERATOR_H
#define PLINTH_CRASH_GENERATOR_H

#include "crash/crash_internal.h"

typedef struct pl__gen {
  const pl__model *m;
  uint64_t combinations; /* product of the choice counts (UINT64_MAX: huge) */
  int exhaustive;        /* all combinations, or a sample */
  uint64_t samples;
  uint64_t produced;
  uint64_t rng;
  int started;
} pl__gen;

/* Prepares to walk the states of m: every valid combination if there are
 * at most max_exhaustive, else all-lost, all-kept and `samples` random
 * ones drawn from seed and point. */
void pl__gen_init(pl__gen *g, const pl__model *m, uint64_t max_exhaustive, uint64_t samples,
                 uint64_t seed, size_t point);
/* Stores the next valid combination in c (m->npend entries); 0 when done. */
int pl__gen_next(pl__gen *g, unsigned char *c);

#endif
