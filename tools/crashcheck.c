/* plinth crashcheck — explore the crash states of a recorded trace, of a
 * program recorded on the fly, or of a built-in example, and check each
 * one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "tools/tool.h"

static void usage(FILE *out) {
  const pl_crash_example *e;
  fprintf(out,
          "usage: plinth crashcheck [OPTIONS] EXAMPLE\n"
          "       plinth crashcheck [OPTIONS] --trace FILE --checker CMD\n"
          "       plinth crashcheck [OPTIONS] --checker CMD [--record FILE] -- PROGRAM [ARGS...]\n"
          "       plinth crashcheck (EXAMPLE | --trace FILE) --replay ID --out DIR\n"
          "       plinth crashcheck (EXAMPLE | --trace FILE) --dump\n"
          "\n"
          "Simulates a power loss after every recorded operation, generates every state\n"
          "the disk could be left in (strict POSIX model: unsynced data lost, kept or torn\n"
          "at sector granularity, directory operations lost until the directory is\n"
          "synced), writes each distinct state out as a directory and checks it.\n"
          "\n"
          "A program is recorded by running it with PLINTH_TRACE set (pl_env_default()\n"
          "then records) in a fresh directory, which is its working directory and the\n"
          "recording's root.  CMD is run as `CMD DIR NOTESFILE`; exit 0 means the state\n"
          "is consistent.  Exit status: 0 no failure, 1 failures found, 2 error.\n"
          "\n"
          "options:\n"
          "  --model NAME          strict (default) or ext4-ordered (for comparison)\n"
          "  --sync-points         crash only after syncs (default: after every op)\n"
          "  --sector N            tear writes at N-byte sectors (default 512)\n"
          "  --garbage             unwritten grown bytes read as garbage, not zeros\n"
          "  --non-atomic-rename   a rename may leave the target missing or both names\n"
          "  --max-exhaustive N    enumerate at most N combinations per point (4096)\n"
          "  --samples N           random states per point beyond that (256)\n"
          "  --seed N              sampling seed (1)\n"
          "  --max-failures N      failures reported in detail and shrunk (10)\n"
          "  --no-shrink           do not shrink failures\n"
          "  --work DIR            scratch directory (default: under the test directory)\n"
          "  --quiet               no progress line\n"
          "  --list                list the built-in examples\n"
          "\nexamples:\n");
  for (e = pl_crash_examples; e->name != NULL; e++) fprintf(out, "  %-18s %s\n", e->name, e->summary);
}

typedef struct progress_state {
  pl_env *env;
  uint64_t last;
  int printed;
} progress_state;

static void on_progress(void *arg, const pl_crash_progress *p) {
  progress_state *ps = arg;
  uint64_t now = pl_env_now_micros(ps->env);
  if (p->point != p->points && now - ps->last < 100000) return;
  ps->last = now;
  ps->printed = 1;
  fprintf(stderr, "\r  crash point %lu/%lu  states %llu  checked %llu  failures %llu   ",
          (unsigned long)p->point, (unsigned long)p->points, (unsigned long long)p->generated,
          (unsigned long long)p->checked, (unsigned long long)p->failures);
  fflush(stderr);
}

static void set_env(const char *name, const char *value) {
#if defined(_WIN32)
  _putenv_s(name, value);
#else
  setenv(name, value, 1);
#endif
}

static void unset_env(const char *name) {
#if defined(_WIN32)
  _putenv_s(name, "");
#else
  unsetenv(name);
#endif
}

static void add_quoted(char **cmd, size_t *len, const char *s) {
  size_t need = *len + strlen(s) * 4 + 4;
  char *p = realloc(*cmd, need);
  if (p == NULL) return;
  *cmd = p;
#if defined(_WIN32)
  *len += (size_t)sprintf(p + *len, " \"%s\"", s);
#else
  p[(*len)++] = ' ';
  p[(*len)++] = '\'';
  for (; *s; s++) {
    if (*s == '\'') {
      memcpy(p + *len, "'\\''", 4);
      *len += 4;
    } else {
      p[(*len)++] = *s;
    }
  }
  p[(*len)++] = '\'';
  p[*len] = '\0';
#endif
}

/* Runs argv with PLINTH_TRACE=trace, in run_dir (also the root). */
static int record_program(char **argv, int argc, const char *run_dir, const char *trace) {
  char *cmd = NULL;
  size_t len = 0;
  int i, rc;
  cmd = malloc(16);
  if (cmd == NULL) return -1;
#if defined(_WIN32)
  len = (size_t)sprintf(cmd, "cd /d");
#else
  len = (size_t)sprintf(cmd, "cd");
#endif
  add_quoted(&cmd, &len, run_dir);
  {
    char *p = realloc(cmd, len + 8);
    if (p == NULL) {
      free(cmd);
      return -1;
    }
    cmd = p;
    len += (size_t)sprintf(cmd + len, " &&");
  }
  for (i = 0; i < argc; i++) add_quoted(&cmd, &len, argv[i]);
  set_env("PLINTH_TRACE", trace);
  set_env("PLINTH_TRACE_ROOT", run_dir);
  set_env("PLINTH_CRASH_DIR", run_dir);
  fflush(NULL);
  rc = system(cmd);
  unset_env("PLINTH_TRACE");
  unset_env("PLINTH_TRACE_ROOT");
  unset_env("PLINTH_CRASH_DIR");
  free(cmd);
  return rc;
}

static void dump(const pl_crash_trace *t) {
  size_t i;
  char line[1024];
  char **names = NULL;
  size_t nnames = 0;
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *o = &t->ops[i];
    const char *fp = NULL;
    if ((o->kind == PL_CRASH_CREATE || o->kind == PL_CRASH_OPEN) && o->path) {
      if (o->handle >= nnames) {
        size_t n = o->handle + 16, k;
        char **p = realloc(names, n * sizeof *p);
        if (p == NULL) break;
        for (k = nnames; k < n; k++) p[k] = NULL;
        names = p;
        nnames = n;
      }
      names[o->handle] = o->path;
    }
    if (o->handle < nnames) fp = names[o->handle];
    pl_crash_op_describe(o, fp, line, sizeof line);
    printf("%6lu  %s\n", (unsigned long)i, line);
  }
  free(names);
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end) return 0;
  *out = v;
  return 1;
}

int pl_tool_crashcheck(int argc, char **argv) {
  pl_crash_options o;
  pl_crash_trace t;
  pl_crash_checker c;
  pl_crash_report r;
  progress_state ps;
  pl_env *env = pl_env_platform();
  const char *trace_file = NULL, *checker_cmd = NULL, *replay = NULL, *out_dir = NULL;
  const char *record_to = NULL, *example_name = NULL, *work = NULL;
  const pl_crash_example *ex = NULL;
  int i, quiet = 0, do_dump = 0, prog = -1, rc;
  char scratch[2048], own_work[3072], run_dir[3200], trace_path[3200];
  pl_status s;
  uint64_t v;

  pl_crash_options_init(&o);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (strcmp(a, "--") == 0) {
      prog = i + 1;
      break;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--list") == 0) {
      for (ex = pl_crash_examples; ex->name != NULL; ex++)
        printf("%-18s %s\n", ex->name, ex->summary);
      return 0;
    } else if (strcmp(a, "--sync-points") == 0) {
      o.sync_points_only = 1;
    } else if (strcmp(a, "--garbage") == 0) {
      o.garbage_tails = 1;
    } else if (strcmp(a, "--non-atomic-rename") == 0) {
      o.rename_atomic = 0;
    } else if (strcmp(a, "--no-shrink") == 0) {
      o.shrink = 0;
    } else if (strcmp(a, "--quiet") == 0) {
      quiet = 1;
    } else if (strcmp(a, "--dump") == 0) {
      do_dump = 1;
    } else if (has && strcmp(a, "--model") == 0) {
      const char *m = argv[++i];
      if (strcmp(m, "strict") == 0) o.model = PL_CRASH_MODEL_STRICT;
      else if (strcmp(m, "ext4-ordered") == 0) o.model = PL_CRASH_MODEL_EXT4_ORDERED;
      else {
        fprintf(stderr, "plinth crashcheck: unknown model '%s' (strict, ext4-ordered)\n", m);
        return 2;
      }
    } else if (has && strcmp(a, "--trace") == 0) {
      trace_file = argv[++i];
    } else if (has && strcmp(a, "--checker") == 0) {
      checker_cmd = argv[++i];
    } else if (has && strcmp(a, "--replay") == 0) {
      replay = argv[++i];
    } else if (has && strcmp(a, "--out") == 0) {
      out_dir = argv[++i];
    } else if (has && strcmp(a, "--record") == 0) {
      record_to = argv[++i];
    } else if (has && strcmp(a, "--work") == 0) {
      work = argv[++i];
    } else if (has && (strcmp(a, "--sector") == 0 || strcmp(a, "--max-exhaustive") == 0 ||
                       strcmp(a, "--samples") == 0 || strcmp(a, "--seed") == 0 ||
                       strcmp(a, "--max-failures") == 0)) {
      if (!parse_u64(argv[++i], &v) || (strcmp(a, "--sector") == 0 && v == 0)) {
        fprintf(stderr, "plinth crashcheck: %s wants a number\n", a);
        return 2;
      }
      if (strcmp(a, "--sector") == 0) o.sector_size = (size_t)v;
      else if (strcmp(a, "--max-exhaustive") == 0) o.max_exhaustive = v;
      else if (strcmp(a, "--samples") == 0) o.samples = v;
      else if (strcmp(a, "--seed") == 0) o.seed = v;
      else o.max_failures = (size_t)v;
    } else if (a[0] != '-' && example_name == NULL) {
      example_name = a;
    } else {
      fprintf(stderr, "plinth crashcheck: unknown or incomplete option '%s'\n\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (example_name != NULL) {
    ex = pl_crash_example_find(example_name);
    if (ex == NULL) {
      fprintf(stderr, "plinth crashcheck: no example called '%s' (--list shows them)\n", example_name);
      return 2;
    }
  }
  if ((ex != NULL) + (trace_file != NULL) + (prog >= 0) != 1) {
    fprintf(stderr, "plinth crashcheck: give one of EXAMPLE, --trace FILE or -- PROGRAM\n\n");
    usage(stderr);
    return 2;
  }
  if (prog >= 0 && prog >= argc) {
    fprintf(stderr, "plinth crashcheck: no program after --\n");
    return 2;
  }
  if (ex == NULL && checker_cmd == NULL && replay == NULL && !do_dump) {
    fprintf(stderr, "plinth crashcheck: a trace or program needs --checker CMD\n");
    return 2;
  }
  if (replay != NULL && out_dir == NULL) {
    fprintf(stderr, "plinth crashcheck: --replay needs --out DIR\n");
    return 2;
  }

  s = pl_env_test_directory(env, scratch, sizeof scratch);
  if (s != PL_OK) {
    fprintf(stderr, "plinth crashcheck: %s\n", pl_error_message());
    return 2;
  }
  snprintf(own_work, sizeof own_work, "%s/crashcheck-%llu", work ? work : scratch,
           (unsigned long long)pl_env_now_micros(env));
  if (work) pl_env_create_dir(env, work);
  s = pl_env_create_dir(env, own_work);
  if (s != PL_OK) {
    fprintf(stderr, "plinth crashcheck: %s\n", pl_error_message());
    return 2;
  }

  if (ex != NULL) {
    s = pl_crash_example_record(ex, env, own_work, &t);
  } else if (trace_file != NULL) {
    s = pl_crash_trace_load(env, trace_file, &t);
  } else {
    snprintf(run_dir, sizeof run_dir, "%s/run", own_work);
    snprintf(trace_path, sizeof trace_path, "%s", record_to ? record_to : "");
    if (record_to == NULL) snprintf(trace_path, sizeof trace_path, "%s/trace.plt", own_work);
    s = pl_env_create_dir(env, run_dir);
    if (s == PL_OK) {
      rc = record_program(argv + prog, argc - prog, run_dir, trace_path);
      if (rc != 0) fprintf(stderr, "plinth crashcheck: note: the program exited with status %d\n", rc);
      s = pl_crash_trace_load(env, trace_path, &t);
    }
  }
  /* The recorded program's own files are not needed any more: the trace
   * holds everything.  A program's trace stays, so its states can be
   * replayed (a second run of the program may record a different one). */
  if (prog >= 0) {
    pl_file_remove_tree(env, run_dir);
    if (record_to != NULL) pl_file_remove_tree(env, own_work);
  } else {
    pl_file_remove_tree(env, own_work);
  }
  /* With --work the states are written there too, and the last one is left
   * for inspection. */
  if (work != NULL) o.work_dir = own_work;
  if (s != PL_OK) {
    fprintf(stderr, "plinth crashcheck: %s\n", pl_error_message());
    return 2;
  }

  if (do_dump) {
    dump(&t);
    pl_crash_trace_free(&t);
    return 0;
  }
  if (replay != NULL) {
    s = pl_crash_replay(&t, &o, replay, out_dir);
    pl_crash_trace_free(&t);
    if (s != PL_OK) {
      fprintf(stderr, "plinth crashcheck: %s\n", pl_error_message());
      return 2;
    }
    printf("state %s written to %s\n", replay, out_dir);
    return 0;
  }

  memset(&c, 0, sizeof c);
  if (checker_cmd != NULL) {
    c.command = checker_cmd;
  } else {
    c.check = ex->check;
  }
  ps.env = env;
  ps.last = 0;
  ps.printed = 0;
  if (!quiet) {
    o.progress = on_progress;
    o.progress_arg = &ps;
  }
  printf("crashcheck %s\n", ex ? ex->name : trace_file ? trace_file : argv[prog]);
  fflush(stdout);
  s = pl_crash_explore(&t, &o, &c, &r);
  if (ps.printed) fprintf(stderr, "\n");
  pl_crash_trace_free(&t);
  if (s != PL_OK) {
    fprintf(stderr, "plinth crashcheck: %s\n", pl_error_message());
    pl_crash_report_free(&r);
    return 2;
  }
  pl_crash_report_print(&r, stdout);
  if (ex != NULL)
    printf("\nverdict: %s (expected: %s)\n", r.failures ? "caught" : "passed",
           ex->expect_failure ? "caught" : "passed");
  if (prog >= 0 && r.failures)
    printf("\ntrace: %s\n(replay a state: plinth crashcheck --trace %s --replay ID --out DIR)\n",
           trace_path, trace_path);
  /* Nothing to replay: the kept trace can go too. */
  if (prog >= 0 && record_to == NULL && work == NULL && r.failures == 0) pl_file_remove_tree(env, own_work);
  rc = r.failures ? 1 : 0;
  pl_crash_report_free(&r);
  return rc;
}
