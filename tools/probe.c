/* plinth probe DIR — how fast can this file system make a block durable,
 * and can it sync directories?  In the spirit of PostgreSQL's
 * pg_test_fsync: each method rewrites (or appends) one block and makes it
 * durable, over and over, for a fixed time. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/plinth.h"
#include "tools/probe.h"
#include "tools/tool.h"

typedef struct result {
  const char *name;
  char why[160]; /* set when the method could not run */
  size_t ops;
  double avg_us, p50_us, p99_us, max_us;
} result;

typedef struct probe_run {
  pl_env *env;
  char path[4096];
  size_t block;
  double seconds;
  void *buf;
  double *lat; /* per-op latencies, microseconds */
  size_t lat_cap;
  int index, count; /* for the progress line */
  int tty;
} probe_run;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void summarize(probe_run *pr, result *r) {
  size_t i;
  double sum = 0;
  if (r->ops == 0) return;
  for (i = 0; i < r->ops; i++) sum += pr->lat[i];
  qsort(pr->lat, r->ops, sizeof pr->lat[0], cmp_double);
  r->avg_us = sum / (double)r->ops;
  r->p50_us = pr->lat[r->ops / 2];
  r->p99_us = pr->lat[(r->ops * 99) / 100 < r->ops ? (r->ops * 99) / 100 : r->ops - 1];
  r->max_us = pr->lat[r->ops - 1];
}

static void progress(probe_run *pr, const char *name, double elapsed, size_t ops, int final) {
  /* Redraw in place on a terminal; in a log, one line per method. */
  if (!final && !pr->tty) return;
  fprintf(stderr, "%s  [%d/%d] %-26s %5.1f s %8zu ops%s", pr->tty ? "\r" : "", pr->index, pr->count, name, elapsed, ops,
          final ? "\n" : "");
  fflush(stderr);
}

/* Runs one method: op() until the time is up, timing each call. */
typedef int (*op_fn)(void *ctx, char *why, size_t cap);

static void measure(probe_run *pr, result *r, op_fn op, void *ctx) {
  uint64_t start = pl_env_now_micros(pr->env), last_report = start, now = start;
  uint64_t end = start + (uint64_t)(pr->seconds * 1e6);
  r->ops = 0;
  while (now < end && r->ops < pr->lat_cap) {
    uint64_t t0 = pl_env_now_micros(pr->env);
    if (op(ctx, r->why, sizeof r->why) != 0) break;
    now = pl_env_now_micros(pr->env);
    pr->lat[r->ops++] = (double)(now - t0);
    if (now - last_report > 100000) {
      progress(pr, r->name, (double)(now - start) / 1e6, r->ops, 0);
      last_report = now;
    }
  }
  progress(pr, r->name, (double)(now - start) / 1e6, r->ops, 1);
  summarize(pr, r);
}

typedef struct raw_ctx {
  const probe_method *m;
  long h;
  probe_run *pr;
} raw_ctx;

static int raw_op(void *p, char *why, size_t cap) {
  raw_ctx *c = p;
  return c->m->op(c->h, c->pr->buf, c->pr->block, why, cap);
}

typedef struct plinth_ctx {
  pl_writable_file *f;
  probe_run *pr;
  int append;
} plinth_ctx;

static int plinth_op(void *p, char *why, size_t cap) {
  plinth_ctx *c = p;
  pl_status s = c->append ? pl_writable_append(c->f, c->pr->buf, c->pr->block)
                          : pl_writable_write_at(c->f, 0, c->pr->buf, c->pr->block);
  if (s == PL_OK) s = pl_writable_sync(c->f);
  if (s != PL_OK) {
    snprintf(why, cap, "%s: %s", pl_status_name(s), pl_error_message());
    return -1;
  }
  return 0;
}

static pl_status fresh_file(probe_run *pr) {
  /* A block-sized file, synced, so rewrites measure data syncs, not the
   * allocation of new blocks. */
  pl_status s = pl_file_write_all(pr->env, pr->path, pr->buf, pr->block, 1);
  if (s == PL_OK) {
    char dir[4096];
    pl_path_dirname(pr->path, dir, sizeof dir);
    s = pl_env_sync_dir(pr->env, dir);
  }
  return s;
}

static void run_plinth(probe_run *pr, result *r, int append) {
  plinth_ctx c;
  pl_writable_options o;
  pl_status s = fresh_file(pr);
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  if (s == PL_OK) s = append ? pl_env_new_writable(pr->env, pr->path, &o, &c.f)
                             : pl_env_new_appendable(pr->env, pr->path, &o, &c.f);
  if (s != PL_OK) {
    snprintf(r->why, sizeof r->why, "%s", pl_error_message());
    return;
  }
  c.pr = pr;
  c.append = append;
  measure(pr, r, plinth_op, &c);
  pl_writable_close(c.f);
}

static void run_raw(probe_run *pr, result *r, const probe_method *m) {
  raw_ctx c;
  if (fresh_file(pr) != PL_OK) {
    snprintf(r->why, sizeof r->why, "%s", pl_error_message());
    return;
  }
  c.m = m;
  c.pr = pr;
  c.h = m->open(pr->path, pr->block, r->why, sizeof r->why);
  if (c.h < 0) {
    fprintf(stderr, "  [%d/%d] %-26s skipped: %s\n", pr->index, pr->count, r->name, r->why);
    return;
  }
  measure(pr, r, raw_op, &c);
  m->close(c.h);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: plinth probe [--seconds S] [--block BYTES] DIR\n"
          "\n"
          "Measures how long this file system takes to make a block durable, by\n"
          "each method the platform offers and by plinth's own sync, and whether\n"
          "directories can be fsynced.  Writes one scratch file in DIR and\n"
          "removes it.\n"
          "\n"
          "  --seconds S    time per method (default 1)\n"
          "  --block BYTES  block size (default 8192; a multiple of 4096 for O_DIRECT)\n"
          "\n"
          "Exits 0 when at least one method ran, 1 when none could (one line on\n"
          "stderr says why: DIR missing, not a directory, not writable, full), and\n"
          "2 on bad usage.\n");
}

int pl_tool_probe(int argc, char **argv) {
  probe_run pr;
  result results[16];
  int nres = 0, i, nraw = 0;
  const char *dir = NULL;
  char dirsync[200];
  memset(&pr, 0, sizeof pr);
  pr.env = pl_env_default();
  pr.block = 8192;
  pr.seconds = 1.0;
  pr.tty = probe_raw_stderr_is_tty();
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      pr.seconds = atof(argv[++i]);
    } else if (strcmp(argv[i], "--block") == 0 && i + 1 < argc) {
      pr.block = (size_t)strtoul(argv[++i], NULL, 10);
    } else if (argv[i][0] == '-' || dir != NULL) {
      usage(stderr);
      return 2;
    } else {
      dir = argv[i];
    }
  }
  if (dir == NULL || pr.seconds <= 0 || pr.block == 0) {
    usage(stderr);
    return 2;
  }
  if (pl_env_file_exists(pr.env, dir) != PL_OK) {
    fprintf(stderr, "plinth probe: %s\n", pl_error_message());
    return 1;
  }
  snprintf(pr.path, sizeof pr.path, "%s/plinth-probe.tmp", dir);
  pr.buf = probe_raw_alloc(pr.block);
  pr.lat_cap = 2000000;
  pr.lat = malloc(pr.lat_cap * sizeof *pr.lat);
  if (pr.buf == NULL || pr.lat == NULL) {
    fprintf(stderr, "plinth probe: out of memory\n");
    return 1;
  }
  memset(pr.buf, 'p', pr.block);
  /* Every method writes the scratch file; when that cannot be done at all
   * (DIR is a file, read-only, full), say so once instead of printing a
   * table of the same failure. */
  if (fresh_file(&pr) != PL_OK) {
    fprintf(stderr, "plinth probe: cannot write a scratch file in %s: %s\n", dir, pl_error_message());
    pl_env_remove_file(pr.env, pr.path);
    probe_raw_free(pr.buf);
    free(pr.lat);
    return 1;
  }
  while (probe_raw_methods[nraw].name) nraw++;
  pr.count = nraw + 2;
  printf("plinth probe: %s (block %zu bytes, %.1f s per method, backend %s)\n", dir, pr.block,
         pr.seconds, pr.env->name);
  fflush(stdout);
  for (i = 0; i < nraw; i++) {
    result *r = &results[nres++];
    memset(r, 0, sizeof *r);
    r->name = probe_raw_methods[i].name;
    pr.index = i + 1;
    run_raw(&pr, r, &probe_raw_methods[i]);
  }
  {
    result *r = &results[nres++];
    memset(r, 0, sizeof *r);
    r->name = "plinth rewrite + sync";
    pr.index = nraw + 1;
    run_plinth(&pr, r, 0);
    r = &results[nres++];
    memset(r, 0, sizeof *r);
    r->name = "plinth append + sync";
    pr.index = nraw + 2;
    run_plinth(&pr, r, 1);
  }
  probe_raw_dir_sync(dir, dirsync, sizeof dirsync);
  pl_env_remove_file(pr.env, pr.path);
  for (i = 0; i < nres && results[i].ops == 0; i++) {}
  if (i == nres) {
    const char *why = "no operations completed";
    for (i = 0; i < nres; i++)
      if (results[i].why[0]) {
        why = results[i].why;
        break;
      }
    fprintf(stderr, "plinth probe: no method could run in %s: %s\n", dir, why);
    probe_raw_free(pr.buf);
    free(pr.lat);
    return 1;
  }

  printf("\n%-26s %9s %9s %9s %9s %9s %9s\n", "method", "ops", "ops/s", "avg us", "p50 us",
         "p99 us", "max us");
  for (i = 0; i < nres; i++) {
    result *r = &results[i];
    if (r->ops == 0) {
      printf("%-26s %s\n", r->name, r->why[0] ? r->why : "no operations completed");
      continue;
    }
    printf("%-26s %9zu %9.0f %9.1f %9.1f %9.1f %9.1f%s%s\n", r->name, r->ops, 1e6 / r->avg_us,
           r->avg_us, r->p50_us, r->p99_us, r->max_us, r->why[0] ? "  stopped: " : "", r->why);
  }
  printf("\ndirectory fsync: %s\n", dirsync);
  probe_raw_free(pr.buf);
  free(pr.lat);
  return 0;
}
