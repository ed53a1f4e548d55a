/* Exploration: for every crash point, generate its states, write each
 * distinct one out as a directory, check it, and collect the report; and
 * replaying or counting the states of one point with the same rules. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/generator.h"
#include "plinth/file_util.h"
#include "util/error.h"

void pl_crash_options_init(pl_crash_options *o) {
  memset(o, 0, sizeof *o);
  o->sector_size = 512;
  o->rename_atomic = 1;
  o->max_exhaustive = 4096;
  o->samples = 256;
  o->seed = 1;
  o->max_tears = 256;
  o->shrink = 1;
  o->max_failures = 10;
  o->checker_timeout_ms = 60000;
}

/* ---- a set of 64-bit state keys (open addressing) ---- */
typedef struct seen_set {
  uint64_t *slot;
  size_t cap, n;
} seen_set;

/* Adds key; returns 1 if it was new, 0 if seen, -1 on out of memory. */
static int seen_add(seen_set *s, uint64_t key) {
  size_t i;
  if (key == 0) key = 1; /* 0 marks an empty slot */
  if ((s->n + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024, k;
    uint64_t *n = calloc(cap, sizeof *n);
    if (n == NULL) return -1;
    for (k = 0; k < s->cap; k++) {
      if (s->slot[k] == 0) continue;
      for (i = (size_t)(s->slot[k] & (cap - 1)); n[i] != 0; i = (i + 1) & (cap - 1)) {
      }
      n[i] = s->slot[k];
    }
    free(s->slot);
    s->slot = n;
    s->cap = cap;
  }
  for (i = (size_t)(key & (s->cap - 1)); s->slot[i] != 0; i = (i + 1) & (s->cap - 1))
    if (s->slot[i] == key) return 0;
  s->slot[i] = key;
  s->n++;
  return 1;
}

static pl_status oom(void) { return pl_error_set(PL_IO_ERROR, ENOMEM, "crash exploration: out of memory"); }

/* ---- the session ---- */

static pl_status session_open(pl__session *s, const pl_crash_trace *t, const pl_crash_options *o,
                              const pl_crash_checker *c) {
  pl_status st;
  memset(s, 0, sizeof *s);
  s->trace = t;
  pl__options_normalize(o, &s->opt);
  s->checker = c;
  s->env = s->opt.env ? s->opt.env : pl_env_platform();
  if (s->opt.work_dir != NULL) {
    if (snprintf(s->work, sizeof s->work, "%s", s->opt.work_dir) >= (int)sizeof s->work)
      return pl_error_set(PL_INVALID_ARGUMENT, 0, "work directory path too long");
    st = pl_env_create_dir(s->env, s->work);
    if (st != PL_OK) return st;
  } else {
    char base[2048];
    static unsigned counter;
    st = pl_env_test_directory(s->env, base, sizeof base);
    if (st != PL_OK) return st;
    snprintf(s->work, sizeof s->work, "%s/crash-%llu-%u", base,
             (unsigned long long)pl_env_now_micros(s->env), ++counter);
    st = pl_env_create_dir(s->env, s->work);
    if (st != PL_OK) return st;
    s->own_work = 1;
  }
  snprintf(s->dir, sizeof s->dir, "%s/state", s->work);
  st = pl_env_create_dir(s->env, s->dir);
  /* Whatever an earlier run left in a --work directory goes: states are
   * written into an empty directory. */
  if (st == PL_OK) st = pl_file_clear_dir(s->env, s->dir);
  return st;
}

/* Frees the session and removes its scratch directory; returns st with its
 * detail intact (removing files must not overwrite the reason the
 * exploration stopped). */
static pl_status session_close(pl__session *s, pl_status st) {
  pl__error_saved first;
  pl__error_save(&first, st);
  pl__state_free(&s->state);
  if (s->own_work) {
    pl_file_clear_dir(s->env, s->work);
    pl_env_remove_dir(s->env, s->work);
  }
  return st == PL_OK ? PL_OK : pl__error_restore(&first);
}

pl_status pl__session_check(pl__session *s, const pl__model *m, size_t point,
                            const pl__choice *choices, int *failed, char *msg, size_t cap) {
  uint64_t t0;
  pl_status st = pl_file_clear_dir(s->env, s->dir);
  if (st == PL_OK) st = pl__state_materialize(s->env, m, &s->state, s->dir);
  if (st != PL_OK) return st;
  t0 = pl_env_now_micros(s->env);
  st = pl__checker_run(s->checker, &s->opt, s->env, s->work, s->dir, m->notes, m->nnotes, failed, msg,
                       cap);
  s->check_micros += pl_env_now_micros(s->env) - t0;
  s->tries++;
  if (st != PL_OK) {
    /* Name the state, so the user can replay it and run the checker on it
     * by hand. */
    char *id = pl__state_id(point, choices, m->npend, pl__options_fingerprint(&s->opt));
    st = pl_error_set(st, pl_error_os(), "state %s: %s", id ? id : "?", pl_error_message());
    free(id);
  }
  return st;
}

/* Crash points: "after op i" for every op from the baseline on (notes are
 * not points: a note belongs to the op before it), or only after syncs.
 * A point is stored as the number of ops applied. */
static size_t *crash_points(const pl_crash_trace *t, int sync_only, size_t *n) {
  size_t i, start = 0, k = 0, last = 0;
  size_t *p = malloc((t->count + 1) * sizeof *p);
  int has_baseline = 0;
  if (p == NULL) return NULL;
  for (i = 0; i < t->count; i++)
    if (t->ops[i].kind == PL_CRASH_BASELINE) {
      start = i;
      has_baseline = 1;
    }
  if (!has_baseline) p[k++] = 0;
  for (i = start; i < t->count; i++) {
    int kind = t->ops[i].kind;
    if (kind == PL_CRASH_NOTE || kind == PL_CRASH_IGNORED) continue;
    last = i + 1;
    if (sync_only && kind != PL_CRASH_SYNC && kind != PL_CRASH_SYNC_DIR && kind != PL_CRASH_SYNC_ALL &&
        kind != PL_CRASH_BASELINE && !(t->ops[i].flags & PL_CRASH_FLAG_DURABLE))
      continue;
    p[k++] = i + 1;
  }
  /* The end of the trace is always a point. */
  if (last > 0 && (k == 0 || p[k - 1] != last)) p[k++] = last;
  *n = k;
  return p;
}

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

static pl_status add_failure(pl__session *s, pl_crash_report *r, const pl__model *m, size_t point,
                             const pl__choice *failing, const char *msg) {
  pl_crash_failure *f;
  char smsg[1024];
  pl__choice *c;
  unsigned fp = pl__options_fingerprint(&s->opt);
  pl_status st = PL_OK;
  if (r->nfailure >= s->opt.max_failures && s->opt.max_failures != 0) return PL_OK;
  /* Shrinking works on a copy: the generator walks on from the original. */
  c = malloc(((size_t)m->npend + 1) * sizeof *c);
  if (c == NULL) return oom();
  memcpy(c, failing, (size_t)m->npend * sizeof *c);
  f = realloc(r->failure, (r->nfailure + 1) * sizeof *f);
  if (f == NULL) {
    free(c);
    return oom();
  }
  r->failure = f;
  f = &r->failure[r->nfailure++];
  memset(f, 0, sizeof *f);
  f->point = point;
  f->id = pl__state_id(point, c, m->npend, fp);
  f->lost = pl__model_describe_lost(m, c, &f->lost_count);
  f->message = xstrdup(msg);
  snprintf(smsg, sizeof smsg, "%s", msg);
  if (s->opt.shrink) st = pl__shrink(s, m, point, c, smsg, sizeof smsg);
  f->shrunk_id = pl__state_id(point, c, m->npend, fp);
  f->shrunk_lost = pl__model_describe_lost(m, c, &f->shrunk_lost_count);
  f->shrunk_message = xstrdup(smsg);
  free(c);
  if (st == PL_OK && (f->id == NULL || f->lost == NULL || f->message == NULL || f->shrunk_id == NULL ||
                      f->shrunk_lost == NULL || f->shrunk_message == NULL))
    st = oom();
  return st;
}

pl_status pl_crash_explore(const pl_crash_trace *t, const pl_crash_options *o,
                           const pl_crash_checker *c, pl_crash_report *r) {
  pl__session s;
  seen_set seen = {0};
  size_t *points, npoints = 0, pi;
  uint64_t t0;
  pl_status st;
  memset(r, 0, sizeof *r);
  for (pi = 0; pi < t->count; pi++)
    if (t->ops[pi].kind != PL_CRASH_NOTE && t->ops[pi].kind != PL_CRASH_BASELINE &&
        t->ops[pi].kind != PL_CRASH_IGNORED)
      r->ops++;
  st = session_open(&s, t, o, c);
  if (st != PL_OK) return session_close(&s, st);
  points = crash_points(t, s.opt.sync_points_only, &npoints);
  if (points == NULL) return session_close(&s, oom());
  t0 = pl_env_now_micros(s.env);
  for (pi = 0; pi < npoints && st == PL_OK; pi++) {
    pl__model m;
    pl__gen g;
    pl__choice *ch;
    st = pl__model_build(&m, t, &s.opt, points[pi]);
    if (st != PL_OK) break;
    ch = malloc(((size_t)m.npend + 1) * sizeof *ch);
    if (ch == NULL) {
      pl__model_free(&m);
      st = oom();
      break;
    }
    pl__gen_init(&g, &m, s.opt.max_exhaustive, s.opt.samples, s.opt.seed, points[pi]);
    if (!g.exhaustive) r->sampled_points++;
    while (st == PL_OK && pl__gen_next(&g, ch)) {
      uint64_t h;
      int isnew, failed = 0;
      char msg[1024];
      r->generated++;
      st = pl__state_build(&m, ch, &s.state, &h);
      if (st != PL_OK) break;
      /* The same directory with the same notes gets the same verdict. */
      isnew = seen_add(&seen, h ^ ((uint64_t)m.nnotes * 0x9e3779b97f4a7c15ULL));
      if (isnew < 0) {
        st = oom();
        break;
      }
      if (!isnew) continue;
      /* Built once, above: checked as it is. */
      st = pl__session_check(&s, &m, points[pi], ch, &failed, msg, sizeof msg);
      if (st != PL_OK) break;
      r->checked++;
      if (failed) {
        uint64_t before = s.check_micros, ts = pl_env_now_micros(s.env);
        r->failures++;
        st = add_failure(&s, r, &m, points[pi], ch, msg);
        /* Shrinking is not exploring: keep it out of both clocks. */
        t0 += (pl_env_now_micros(s.env) - ts) - (s.check_micros - before);
      }
    }
    free(ch);
    pl__model_free(&m);
    r->points++;
    if (s.opt.progress) {
      pl_crash_progress p;
      p.point = pi + 1;
      p.points = npoints;
      p.generated = r->generated;
      p.checked = r->checked;
      p.failures = r->failures;
      s.opt.progress(s.opt.progress_arg, &p);
    }
  }
  r->check_micros = s.check_micros;
  {
    uint64_t total = pl_env_now_micros(s.env) - t0;
    r->explore_micros = total > s.check_micros ? total - s.check_micros : 0;
  }
  free(points);
  free(seen.slot);
  return session_close(&s, st);
}

/* Builds the state id names: the model of its point, checked choices. */
static pl_status state_of_id(const pl_crash_trace *t, const pl_crash_options *opt, const char *id,
                             pl__model *m, pl__state *state) {
  pl__choice *c;
  size_t point;
  int n, i;
  long fp;
  uint64_t h;
  pl_status st = pl__state_id_parse(id, &point, &c, &n, &fp);
  if (st != PL_OK) return st;
  if (point > t->count) {
    free(c);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "state id %.80s: the trace has %lu ops", id,
                        (unsigned long)t->count);
  }
  if (fp >= 0 && (unsigned)fp != pl__options_fingerprint(opt)) {
    free(c);
    return pl_error_set(PL_INVALID_ARGUMENT, 0,
                        "state id %.80s was made with other options (--model, --sector, --max-tears, "
                        "--garbage or --non-atomic-rename differ from the exploration's)",
                        id);
  }
  st = pl__model_build(m, t, opt, point);
  if (st != PL_OK) {
    free(c);
    return st;
  }
  if (n != m->npend)
    st = pl_error_set(PL_INVALID_ARGUMENT, 0,
                      "state id %.80s: %d choices, but the point has %d pending ops (other options?)", id, n,
                      m->npend);
  for (i = 0; st == PL_OK && i < n; i++)
    if (c[i] >= m->pend[i].nchoices)
      st = pl_error_set(PL_INVALID_ARGUMENT, 0, "state id %.80s: choice %d out of range", id, i);
  if (st == PL_OK && !pl__model_valid(m, c))
    st = pl_error_set(PL_INVALID_ARGUMENT, 0, "state id %.80s: breaks a dependency", id);
  if (st == PL_OK) st = pl__state_build(m, c, state, &h);
  free(c);
  if (st != PL_OK) pl__model_free(m);
  return st;
}

pl_status pl_crash_replay(const pl_crash_trace *t, const pl_crash_options *o, const char *id,
                          const char *dir) {
  pl_crash_options opt;
  pl__model m;
  pl__state state;
  pl_env *env;
  pl_status st;
  pl__options_normalize(o, &opt);
  env = opt.env ? opt.env : pl_env_platform();
  memset(&state, 0, sizeof state);
  st = state_of_id(t, &opt, id, &m, &state);
  if (st != PL_OK) {
    pl__state_free(&state);
    return st;
  }
  st = pl_env_create_dir(env, dir);
  /* Refuses a directory that holds anything (the contract). */
  if (st == PL_OK) st = pl__state_materialize(env, &m, &state, dir);
  pl__state_free(&state);
  pl__model_free(&m);
  return st;
}

pl_status pl_crash_count_states(const pl_crash_trace *t, const pl_crash_options *o, size_t point,
                                uint64_t *combinations, uint64_t *distinct) {
  pl_crash_options opt;
  pl__model m;
  pl__gen g;
  pl__state state;
  seen_set seen = {0};
  pl__choice *c;
  pl_status st;
  pl__options_normalize(o, &opt);
  *combinations = *distinct = 0;
  st = pl__model_build(&m, t, &opt, point);
  if (st != PL_OK) return st;
  c = malloc(((size_t)m.npend + 1) * sizeof *c);
  memset(&state, 0, sizeof state);
  if (c == NULL) st = oom();
  if (st == PL_OK) pl__gen_init(&g, &m, UINT64_MAX, 0, 0, point);
  while (st == PL_OK && pl__gen_next(&g, c)) {
    uint64_t h;
    int isnew;
    st = pl__state_build(&m, c, &state, &h);
    if (st != PL_OK) break;
    (*combinations)++;
    isnew = seen_add(&seen, h);
    if (isnew < 0) st = oom();
    else if (isnew) (*distinct)++;
  }
  free(seen.slot);
  free(c);
  pl__state_free(&state);
  pl__model_free(&m);
  return st;
}
