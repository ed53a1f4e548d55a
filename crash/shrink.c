/* Shrinking: from a failing state, keep pending ops one at a time (with
 * what they depend on) as long as the checker still fails, until no single
 * op can be kept.  What is left lost is a minimal explanation of the
 * failure: each remaining lost or torn op is needed for it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"

/* Marks op i and, transitively, what it depends on as kept. */
static void keep(const pl__model *m, pl__choice *c, int i) {
  int j;
  c[i] = 1;
  for (j = 0; j < m->pend[i].ndeps; j++)
    if (c[m->pend[i].deps[j]] != 1) keep(m, c, m->pend[i].deps[j]);
}

pl_status pl__shrink(pl__session *s, const pl__model *m, size_t point, pl__choice *choices,
                     char *msg, size_t cap) {
  pl__choice *trial;
  size_t bytes = (size_t)m->npend * sizeof *choices;
  int changed = 1, i;
  char tmsg[1024];
  pl_status st = PL_OK;
  if (m->npend == 0) return PL_OK;
  trial = malloc(bytes);
  if (trial == NULL) return PL_OK; /* shrinking is best effort */
  while (changed && st == PL_OK) {
    changed = 0;
    for (i = 0; i < m->npend && st == PL_OK; i++) {
      int failed = 0;
      uint64_t h;
      if (choices[i] == 1) continue;
      memcpy(trial, choices, bytes);
      keep(m, trial, i);
      if (!pl__model_valid(m, trial)) continue;
      st = pl__state_build(m, trial, &s->state, &h);
      if (st == PL_OK) st = pl__session_check(s, m, point, trial, &failed, tmsg, sizeof tmsg);
      if (st == PL_OK && failed) {
        memcpy(choices, trial, bytes);
        snprintf(msg, cap, "%s", tmsg);
        changed = 1;
      }
    }
  }
  free(trial);
  return st;
}
