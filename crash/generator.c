/* The crash-state generator: walks the combinations of choices for the
 * pending ops of one crash point — all of them while there are few, a
 * seeded random sample (always with "all lost" and "all kept") beyond —
 * and names each state with an id that replays it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/generator.h"

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void pl__gen_init(pl__gen *g, const pl__model *m, uint64_t max_exhaustive, uint64_t samples,
                 uint64_t seed, size_t point) {
  int i;
  uint64_t total = 1;
  memset(g, 0, sizeof *g);
  g->m = m;
  for (i = 0; i < m->npend; i++) {
    uint64_t c = (uint64_t)m->pend[i].nchoices;
    total = total > UINT64_MAX / c ? UINT64_MAX : total * c;
  }
  g->combinations = total;
  g->exhaustive = total <= max_exhaustive;
  g->samples = samples;
  g->rng = seed ^ ((uint64_t)point * 0x9e3779b97f4a7c15ULL);
}

/* Next combination in mixed radix; 0 when it wrapped around. */
static int increment(const pl__model *m, unsigned char *c) {
  int i;
  for (i = 0; i < m->npend; i++) {
    if (++c[i] < m->pend[i].nchoices) return 1;
    c[i] = 0;
  }
  return 0;
}

int pl__gen_next(pl__gen *g, unsigned char *c) {
  const pl__model *m = g->m;
  int i, j;
  if (g->exhaustive) {
    for (;;) {
      if (g->produced == 0 && !g->started) {
        g->started = 1;
        memset(c, 0, (size_t)m->npend);
      } else if (!increment(m, c)) {
        return 0;
      }
      if (pl__model_valid(m, c)) {
        g->produced++;
        return 1;
      }
    }
  }
  if (g->produced == 0) {
    memset(c, 0, (size_t)m->npend); /* everything pending lost */
  } else if (g->produced == 1) {
    memset(c, 1, (size_t)m->npend); /* everything pending kept */
  } else if (g->produced < g->samples + 2) {
    for (i = 0; i < m->npend; i++) {
      /* Half the time an op is simply lost or kept, so a sample looks
       * like a plausible disk rather than a sea of tears. */
      uint64_t r = splitmix(&g->rng);
      int n = m->pend[i].nchoices;
      if ((r & 1) == 0 || n <= 2) c[i] = (unsigned char)((r >> 1) & 1);
      else c[i] = (unsigned char)(2 + (r >> 1) % (uint64_t)(n - 2));
      /* Dependencies are earlier in the list: lose this op too if one of
       * them was lost. */
      for (j = 0; j < m->pend[i].ndeps; j++)
        if (c[m->pend[i].deps[j]] == 0) c[i] = 0;
    }
  } else {
    return 0;
  }
  g->produced++;
  return 1;
}

static char choice_char(int c) { return (char)(c < 10 ? '0' + c : 'a' + (c - 10)); }

static int char_choice(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 10;
  return -1;
}

char *pl__state_id(size_t point, const unsigned char *c, int n) {
  pl__cbuf b = {0};
  char tok[64];
  int i = 0;
  snprintf(tok, sizeof tok, "%lu:", (unsigned long)point);
  pl__cbuf_add(&b, tok, strlen(tok));
  while (i < n) {
    int run = 1;
    while (i + run < n && c[i + run] == c[i]) run++;
    if (run > 2) snprintf(tok, sizeof tok, "%s%c*%d", i ? "." : "", choice_char(c[i]), run);
    else if (run == 2) snprintf(tok, sizeof tok, "%s%c.%c", i ? "." : "", choice_char(c[i]), choice_char(c[i]));
    else snprintf(tok, sizeof tok, "%s%c", i ? "." : "", choice_char(c[i]));
    pl__cbuf_add(&b, tok, strlen(tok));
    i += run;
  }
  pl__cbuf_add(&b, "", 1);
  return (char *)b.p;
}

pl_status pl__state_id_parse(const char *id, size_t *point, unsigned char **choices, int *n) {
  const char *p = id;
  char *end;
  unsigned long pt;
  pl__cbuf b = {0};
  *choices = NULL;
  *n = 0;
  pt = strtoul(p, &end, 10);
  if (end == p || *end != ':') return pl_error_set(PL_INVALID_ARGUMENT, 0, "bad state id \"%s\"", id);
  p = end + 1;
  while (*p) {
    int c = char_choice(*p);
    long run = 1;
    if (c < 0) goto bad;
    p++;
    if (*p == '*') {
      run = strtol(p + 1, &end, 10);
      if (end == p + 1 || run <= 0 || run > 1000000) goto bad;
      p = end;
    }
    while (run-- > 0) {
      unsigned char u = (unsigned char)c;
      if (!pl__cbuf_add(&b, &u, 1)) {
        pl__cbuf_free(&b);
        return pl_error_set(PL_IO_ERROR, ENOMEM, "state id: out of memory");
      }
    }
    if (*p == '.') {
      p++;
      if (*p == '\0') goto bad;
    } else if (*p != '\0') {
      goto bad;
    }
  }
  *point = (size_t)pt;
  *n = (int)b.len;
  *choices = b.p ? b.p : malloc(1);
  if (*choices == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "state id: out of memory");
  return PL_OK;
bad:
  pl__cbuf_free(&b);
  return pl_error_set(PL_INVALID_ARGUMENT, 0, "bad state id \"%s\"", id);
}
