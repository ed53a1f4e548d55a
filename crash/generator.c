/* The crash-state generator: walks the combinations of choices for the
 * pending ops of one crash point — all of them while there are few, a
 * structured and seeded selection beyond (see generator.h) — and names each
 * state with an id that replays it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/generator.h"

enum { P_ALL, P_EXTREMES, P_BASE, P_TEARS, P_SAMPLES, P_DONE };

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t product(const pl__model *m, int tears) {
  uint64_t total = 1;
  int i;
  for (i = 0; i < m->npend; i++) {
    uint64_t c = (uint64_t)(tears ? m->pend[i].nchoices : m->pend[i].first_tear);
    if (c > (uint64_t)m->pend[i].nchoices) c = (uint64_t)m->pend[i].nchoices;
    total = total > UINT64_MAX / c ? UINT64_MAX : total * c;
  }
  return total;
}

void pl__gen_init(pl__gen *g, const pl__model *m, uint64_t max_exhaustive, uint64_t samples,
                  uint64_t seed, size_t point) {
  memset(g, 0, sizeof *g);
  g->m = m;
  g->combinations = product(m, 1);
  g->exhaustive = g->combinations <= max_exhaustive;
  g->max_exhaustive = max_exhaustive;
  g->samples = samples;
  g->seed = seed;
  g->point = point;
  g->rng = seed ^ ((uint64_t)point * 0x9e3779b97f4a7c15ULL);
  g->base_ok = product(m, 0) <= max_exhaustive;
  g->phase = g->exhaustive ? P_ALL : P_EXTREMES;
  g->tear_budget = max_exhaustive;
}

/* The next combination in mixed radix with at most limit(i) values per op;
 * 0 when it wrapped around. */
static int increment(const pl__model *m, pl__choice *c, int tears) {
  int i;
  for (i = 0; i < m->npend; i++) {
    int n = tears ? m->pend[i].nchoices : m->pend[i].first_tear;
    if (n > m->pend[i].nchoices) n = m->pend[i].nchoices;
    if (++c[i] < n) return 1;
    c[i] = 0;
  }
  return 0;
}

/* Walks all combinations (with or without tears); 0 when done. */
static int walk(pl__gen *g, pl__choice *c, int tears) {
  const pl__model *m = g->m;
  for (;;) {
    if (!g->started) {
      g->started = 1;
      memset(c, 0, (size_t)m->npend * sizeof *c);
    } else if (!increment(m, c, tears)) {
      return 0;
    }
    if (pl__model_valid(m, c)) return 1;
  }
}

/* The next torn variant to try: round robin over the writes, so every
 * write gets its first tears before any gets its hundredth. */
static int next_tear(pl__gen *g, pl__choice *c) {
  const pl__model *m = g->m;
  for (;;) {
    const pl__mpend *p;
    int tears, j;
    if (g->tear_budget == 0) return 0;
    if (g->tear_i >= m->npend) {
      if (!g->tears_left) return 0;
      g->tears_left = 0;
      g->tear_i = 0;
      g->tear_v++;
    }
    p = &m->pend[g->tear_i];
    tears = p->nchoices - p->first_tear;
    if (p->is_name || g->tear_v >= tears) {
      g->tear_i++;
      g->tear_side = 0;
      continue;
    }
    if (g->tear_v + 1 < tears) g->tears_left = 1;
    /* Side 0: everything else kept.  Side 1: the crash came during this
     * write (what was issued before it kept, what came after lost). */
    for (j = 0; j < m->npend; j++) c[j] = (pl__choice)(g->tear_side == 0 || j < g->tear_i ? 1 : 0);
    c[g->tear_i] = (pl__choice)(p->first_tear + g->tear_v);
    if (g->tear_side == 0) {
      g->tear_side = 1;
    } else {
      g->tear_side = 0;
      g->tear_i++;
    }
    if (!pl__model_valid(m, c)) continue;
    g->tear_budget--;
    return 1;
  }
}

static void sample(pl__gen *g, pl__choice *c) {
  const pl__model *m = g->m;
  int i, j;
  for (i = 0; i < m->npend; i++) {
    /* Half the time an op is simply lost or kept, so a sample looks like a
     * plausible disk rather than a sea of tears. */
    uint64_t r = splitmix(&g->rng);
    int n = m->pend[i].nchoices;
    if ((r & 1) == 0 || n <= 2) c[i] = (pl__choice)((r >> 1) & 1);
    else c[i] = (pl__choice)(2 + (r >> 1) % (uint64_t)(n - 2));
    /* Dependencies are earlier in the list: lose this op too if one of
     * them was lost. */
    for (j = 0; j < m->pend[i].ndeps; j++)
      if (c[m->pend[i].deps[j]] == 0) c[i] = 0;
  }
}

int pl__gen_next(pl__gen *g, pl__choice *c) {
  const pl__model *m = g->m;
  int i;
  for (;;) {
    switch (g->phase) {
      case P_ALL:
        if (walk(g, c, 1)) {
          g->produced++;
          return 1;
        }
        g->phase = P_DONE;
        break;
      case P_EXTREMES:
        if (g->produced < 2) {
          for (i = 0; i < m->npend; i++) c[i] = (pl__choice)g->produced;
          g->produced++;
          return 1;
        }
        g->phase = P_BASE;
        g->produced = 0;
        g->started = 0;
        break;
      case P_BASE:
        if (g->base_ok && walk(g, c, 0)) {
          g->produced++;
          return 1;
        }
        g->phase = P_TEARS;
        g->produced = 0;
        g->tear_side = 0;
        break;
      case P_TEARS:
        if (next_tear(g, c)) return 1;
        g->phase = P_SAMPLES;
        g->produced = 0;
        break;
      case P_SAMPLES:
        if (g->produced < g->samples) {
          sample(g, c);
          g->produced++;
          return 1;
        }
        g->phase = P_DONE;
        break;
      default:
        return 0;
    }
  }
}

/* ---- ids ---- */

char *pl__state_id(size_t point, const pl__choice *c, int n, unsigned fingerprint) {
  pl__buf b = {0};
  int i = 0, ok = pl__buf_addf(&b, "%lu:", (unsigned long)point);
  while (ok && i < n) {
    int run = 1;
    while (i + run < n && c[i + run] == c[i]) run++;
    if (run > 2) ok = pl__buf_addf(&b, "%s%u*%d", i ? "." : "", (unsigned)c[i], run);
    else if (run == 2) ok = pl__buf_addf(&b, "%s%u.%u", i ? "." : "", (unsigned)c[i], (unsigned)c[i]);
    else ok = pl__buf_addf(&b, "%s%u", i ? "." : "", (unsigned)c[i]);
    i += run;
  }
  if (ok) ok = pl__buf_addf(&b, ":%04x", fingerprint & 0xffffu);
  if (!ok || !pl__buf_add(&b, "", 1)) {
    pl__buf_free(&b);
    return NULL;
  }
  return (char *)b.p;
}

/* Reads a decimal number of at most `digits` digits no larger than max;
 * digits only (no sign, no space).  Returns the end, or NULL. */
static const char *number(const char *p, int digits, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  int k = 0;
  while (*p >= '0' && *p <= '9') {
    if (++k > digits) return NULL;
    v = v * 10 + (uint64_t)(*p - '0');
    p++;
  }
  if (k == 0 || v > max) return NULL;
  *out = v;
  return p;
}

/* The most choices an id may carry: far beyond any trace's pending ops,
 * small enough that a crafted id cannot exhaust memory. */
#define MAX_ID_CHOICES (1u << 22)

pl_status pl__state_id_parse(const char *id, size_t *point, pl__choice **choices, int *n,
                             long *fingerprint) {
  const char *p = id;
  uint64_t v, run, total = 0;
  pl__buf b = {0};
  *choices = NULL;
  *n = 0;
  *fingerprint = -1;
  if (strlen(id) > PL_CRASH_STATE_ID_MAX)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "state id longer than %d bytes", PL_CRASH_STATE_ID_MAX);
  p = number(p, 19, SIZE_MAX, &v);
  if (p == NULL || *p != ':') goto bad;
  *point = (size_t)v;
  p++;
  while (*p && *p != ':') {
    pl__choice u;
    p = number(p, 5, PL__CHOICE_MAX, &v);
    if (p == NULL) goto bad;
    run = 1;
    if (*p == '*') {
      p = number(p + 1, 8, MAX_ID_CHOICES, &run);
      if (p == NULL || run == 0) goto bad;
    }
    total += run;
    if (total > MAX_ID_CHOICES) goto bad;
    u = (pl__choice)v;
    while (run-- > 0) {
      if (!pl__buf_add(&b, &u, sizeof u)) {
        pl__buf_free(&b);
        return pl_error_set(PL_IO_ERROR, ENOMEM, "state id: out of memory");
      }
    }
    if (*p == '.') {
      p++;
      if (*p == '\0' || *p == ':') goto bad;
    } else if (*p != '\0' && *p != ':') {
      goto bad;
    }
  }
  if (*p == ':') {
    uint64_t fp = 0;
    int k;
    for (k = 1; k <= 4; k++) {
      char ch = p[k];
      int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
      if (d < 0) goto bad;
      fp = fp * 16 + (uint64_t)d;
    }
    if (p[5] != '\0') goto bad;
    *fingerprint = (long)fp;
  }
  *n = (int)(b.len / sizeof(pl__choice));
  *choices = b.p ? (pl__choice *)b.p : malloc(sizeof(pl__choice));
  if (*choices == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "state id: out of memory");
  return PL_OK;
bad:
  pl__buf_free(&b);
  return pl_error_set(PL_INVALID_ARGUMENT, 0, "bad state id \"%.80s%s\"", id, strlen(id) > 80 ? "..." : "");
}
