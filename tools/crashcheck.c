/* plinth crashcheck — explore the crash states of a recorded trace, of a
 * program recorded on the fly, or of a built-in example, and check each
 * one.  main reads as parse -> get the trace -> explore -> report. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "tools/args.h"
#include "tools/tool.h"

#define TOOL "plinth crashcheck"

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
          "into any subset of its sectors, directory operations lost until their\n"
          "directory is synced), writes each distinct state out as a directory and\n"
          "checks it.\n"
          "\n"
          "A program is recorded by running it with PLINTH_TRACE set (pl_env_default()\n"
          "then records) in a fresh directory, which is its working directory and the\n"
          "recording's root.  PROGRAM is found as a shell finds it: relative to the\n"
          "current directory if it has a '/', else in PATH.  CMD is run through the\n"
          "shell as `CMD DIR NOTESFILE`: exit 0 means the state is consistent, 1-125\n"
          "inconsistent; a checker that is not found, cannot run, crashes or times out\n"
          "is an error.\n"
          "\n"
          "Exit status: 0 no failure, 1 failures found, 2 error (bad usage, unreadable\n"
          "trace, a program that failed, a checker that gave no verdict).\n"
          "\n"
          "options:\n"
          "  --model NAME            strict (default) or ext4-ordered (for comparison)\n"
          "  --sync-points           crash only after syncs (default: after every op)\n"
          "  --sector N              tear writes at N-byte sectors (default 512)\n"
          "  --max-tears N           torn variants per write (default 256: every subset\n"
          "                          of a write of up to 8 sectors)\n"
          "  --garbage               unwritten grown bytes read as garbage, not zeros\n"
          "  --non-atomic-rename     a rename may leave the target missing or both names\n"
          "  --max-exhaustive N      enumerate at most N combinations per point (4096)\n"
          "  --samples N             random states per point beyond that (256)\n"
          "  --seed N                sampling seed (1)\n"
          "  --max-failures N        failures reported in detail and shrunk (10; 0: all)\n"
          "  --no-shrink             do not shrink failures\n"
          "  --checker-timeout SECS  kill a checker after SECS seconds (60; 0: never)\n"
          "  --program-timeout SECS  kill the recorded program after SECS seconds (0)\n"
          "  --allow-failed-program  explore the trace of a program that failed\n"
          "  --max-trace-size BYTES  refuse larger trace files (1073741824)\n"
          "  --record FILE           keep the program's trace in FILE\n"
          "  --work DIR              scratch directory (default: under the test directory)\n"
          "  --format FORMAT         text (default) or json\n"
          "  --quiet                 no progress line\n"
          "  --list                  list the built-in examples\n"
          "  -h, --help              this text\n"
          "\nexamples:\n");
  for (e = pl_crash_examples; e->name != NULL; e++) fprintf(out, "  %-18s %s\n", e->name, e->summary);
}

typedef struct cc_args {
  pl_crash_options o;
  const char *trace_file, *checker_cmd, *replay, *out_dir, *record_to, *work;
  const pl_crash_example *ex;
  char **program; /* NULL-terminated, or NULL */
  int quiet, dump, json, allow_failed;
  uint64_t max_trace, program_timeout_ms;
} cc_args;

enum {
  OPT_MODEL = 256, OPT_SYNC_POINTS, OPT_SECTOR, OPT_MAX_TEARS, OPT_GARBAGE, OPT_NON_ATOMIC,
  OPT_MAX_EXHAUSTIVE, OPT_SAMPLES, OPT_SEED, OPT_MAX_FAILURES, OPT_NO_SHRINK, OPT_CHECKER_TIMEOUT,
  OPT_PROGRAM_TIMEOUT, OPT_ALLOW_FAILED, OPT_MAX_TRACE, OPT_RECORD, OPT_WORK, OPT_FORMAT, OPT_QUIET,
  OPT_LIST, OPT_TRACE, OPT_CHECKER, OPT_REPLAY, OPT_OUT, OPT_DUMP
};

static const struct option long_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"sync-points", no_argument, NULL, OPT_SYNC_POINTS},
    {"sector", required_argument, NULL, OPT_SECTOR},
    {"max-tears", required_argument, NULL, OPT_MAX_TEARS},
    {"garbage", no_argument, NULL, OPT_GARBAGE},
    {"non-atomic-rename", no_argument, NULL, OPT_NON_ATOMIC},
    {"max-exhaustive", required_argument, NULL, OPT_MAX_EXHAUSTIVE},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"max-failures", required_argument, NULL, OPT_MAX_FAILURES},
    {"no-shrink", no_argument, NULL, OPT_NO_SHRINK},
    {"checker-timeout", required_argument, NULL, OPT_CHECKER_TIMEOUT},
    {"program-timeout", required_argument, NULL, OPT_PROGRAM_TIMEOUT},
    {"allow-failed-program", no_argument, NULL, OPT_ALLOW_FAILED},
    {"max-trace-size", required_argument, NULL, OPT_MAX_TRACE},
    {"record", required_argument, NULL, OPT_RECORD},
    {"work", required_argument, NULL, OPT_WORK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"list", no_argument, NULL, OPT_LIST},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"checker", required_argument, NULL, OPT_CHECKER},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"out", required_argument, NULL, OPT_OUT},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Stores a number option into *out after checking its range. */
static int number(const char *option, const char *arg, uint64_t min, uint64_t max, uint64_t *out) {
  return pl_tool_number(TOOL, option, arg, min, max, out);
}

/* Fills *a from the command line.  Returns -1 to go on, else the exit
 * status (0 after --help or --list, 2 on bad usage). */
static int parse(int argc, char **argv, cc_args *a) {
  uint64_t v;
  int c, i;
  const char *example = NULL;
  memset(a, 0, sizeof *a);
  pl_crash_options_init(&a->o);
  a->max_trace = PL_CRASH_TRACE_MAX_BYTES;
  /* "--" ends the options: what follows is the program, untouched. */
  for (i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      a->program = argv + i + 1;
      argv[i] = NULL;
      argc = i;
      break;
    }
  optind = 1;
  opterr = 0;
  /* Options and the EXAMPLE may come in any order (GNU permutation). */
  while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
    const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    switch (c) {
      case 'h': usage(stdout); return 0;
      case OPT_LIST: {
        const pl_crash_example *e;
        for (e = pl_crash_examples; e->name != NULL; e++) printf("%-18s %s\n", e->name, e->summary);
        return 0;
      }
      case OPT_MODEL:
        if (strcmp(optarg, "strict") == 0) a->o.model = PL_CRASH_MODEL_STRICT;
        else if (strcmp(optarg, "ext4-ordered") == 0) a->o.model = PL_CRASH_MODEL_EXT4_ORDERED;
        else {
          fprintf(stderr, TOOL ": unknown model '%s' (strict, ext4-ordered)\n", optarg);
          return 2;
        }
        break;
      case OPT_SYNC_POINTS: a->o.sync_points_only = 1; break;
      case OPT_GARBAGE: a->o.garbage_tails = 1; break;
      case OPT_NON_ATOMIC: a->o.rename_atomic = 0; break;
      case OPT_NO_SHRINK: a->o.shrink = 0; break;
      case OPT_ALLOW_FAILED: a->allow_failed = 1; break;
      case OPT_QUIET: a->quiet = 1; break;
      case OPT_DUMP: a->dump = 1; break;
      case OPT_SECTOR:
        if (!number("--sector", optarg, 1, 1u << 20, &v)) return 2;
        a->o.sector_size = (size_t)v;
        break;
      case OPT_MAX_TEARS:
        if (!number("--max-tears", optarg, 0, 60000, &v)) return 2;
        a->o.max_tears = (int)v;
        break;
      case OPT_MAX_EXHAUSTIVE:
        if (!number("--max-exhaustive", optarg, 1, 1ULL << 40, &v)) return 2;
        a->o.max_exhaustive = v;
        break;
      case OPT_SAMPLES:
        if (!number("--samples", optarg, 0, 1ULL << 32, &v)) return 2;
        a->o.samples = v;
        break;
      case OPT_SEED:
        if (!number("--seed", optarg, 0, UINT64_MAX, &v)) return 2;
        a->o.seed = v;
        break;
      case OPT_MAX_FAILURES:
        if (!number("--max-failures", optarg, 0, 1000000, &v)) return 2;
        a->o.max_failures = (size_t)v;
        break;
      case OPT_CHECKER_TIMEOUT:
        if (!number("--checker-timeout", optarg, 0, 86400, &v)) return 2;
        a->o.checker_timeout_ms = v * 1000;
        break;
      case OPT_PROGRAM_TIMEOUT:
        if (!number("--program-timeout", optarg, 0, 86400, &v)) return 2;
        a->program_timeout_ms = v * 1000;
        break;
      case OPT_MAX_TRACE:
        if (!number("--max-trace-size", optarg, 16, 1ULL << 40, &v)) return 2;
        a->max_trace = v;
        break;
      case OPT_FORMAT:
        if (strcmp(optarg, "json") == 0) a->json = 1;
        else if (strcmp(optarg, "text") != 0) {
          fprintf(stderr, TOOL ": unknown format '%s' (text, json)\n", optarg);
          return 2;
        }
        break;
      case OPT_RECORD: a->record_to = optarg; break;
      case OPT_WORK: a->work = optarg; break;
      case OPT_TRACE: a->trace_file = optarg; break;
      case OPT_CHECKER: a->checker_cmd = optarg; break;
      case OPT_REPLAY: a->replay = optarg; break;
      case OPT_OUT: a->out_dir = optarg; break;
      case ':':
        fprintf(stderr, TOOL ": option '%s' needs a value\n\n", name);
        usage(stderr);
        return 2;
      default:
        fprintf(stderr, TOOL ": unknown option '%s'\n\n", name);
        usage(stderr);
        return 2;
    }
  }
  for (i = optind; i < argc; i++) {
    if (example != NULL) {
      fprintf(stderr, TOOL ": one EXAMPLE at most ('%s' and '%s')\n", example, argv[i]);
      return 2;
    }
    example = argv[i];
  }
  if (example != NULL && (a->ex = pl_crash_example_find(example)) == NULL) {
    fprintf(stderr, TOOL ": no example called '%s' (--list shows them)\n", example);
    return 2;
  }
  if ((a->ex != NULL) + (a->trace_file != NULL) + (a->program != NULL) != 1) {
    fprintf(stderr, TOOL ": give one of EXAMPLE, --trace FILE or -- PROGRAM\n\n");
    usage(stderr);
    return 2;
  }
  if (a->program != NULL && a->program[0] == NULL) {
    fprintf(stderr, TOOL ": no program after --\n");
    return 2;
  }
  if (a->ex == NULL && a->checker_cmd == NULL && a->replay == NULL && !a->dump) {
    fprintf(stderr, TOOL ": a trace or program needs --checker CMD\n");
    return 2;
  }
  if (a->replay != NULL && a->out_dir == NULL) {
    fprintf(stderr, TOOL ": --replay needs --out DIR\n");
    return 2;
  }
  return -1;
}

/* Warns about a trace that cannot show anything, and says why. */
static void warn_about(const pl_crash_trace *t, const char *origin) {
  size_t i, ops = 0, ignored = 0;
  const pl_crash_op *first_ignored = NULL;
  for (i = 0; i < t->count; i++) {
    int k = t->ops[i].kind;
    if (k == PL_CRASH_IGNORED) {
      if (first_ignored == NULL) first_ignored = &t->ops[i];
      ignored++;
    } else if (k == PL_CRASH_BASELINE) {
      ops = 0; /* what came before is the starting tree, not the program */
    } else if (k != PL_CRASH_NOTE) {
      ops++;
    }
  }
  if (ignored > 0) {
    char line[1024];
    pl_crash_op_describe(first_ignored, NULL, line, sizeof line);
    fprintf(stderr,
            TOOL ": warning: %s%lu operation(s) on paths outside the recording root were not recorded "
                 "(first: %s); paths given to the program should be relative, or under its directory\n",
            ignored >= 16 ? "at least " : "", (unsigned long)ignored, line);
  }
  if (ops == 0)
    fprintf(stderr, TOOL ": warning: %s recorded no operation that changes durable state%s\n", origin,
            ignored ? " inside the recording root" : "");
}

/* Runs the program with recording on; *t gets its trace. */
static int record(cc_args *a, const char *own_work, pl_crash_trace *t, char *trace_path, size_t cap) {
  pl_env *env = pl_env_platform();
  pl_crash_program p;
  pl_crash_program_status st;
  char run_dir[4200];
  pl_status s;
  snprintf(run_dir, sizeof run_dir, "%s/run", own_work);
  snprintf(trace_path, cap, "%s", a->record_to ? a->record_to : "");
  if (a->record_to == NULL) snprintf(trace_path, cap, "%s/trace.plt", own_work);
  memset(&p, 0, sizeof p);
  p.argv = (const char *const *)a->program;
  p.dir = run_dir;
  p.trace_path = trace_path;
  p.timeout_ms = a->program_timeout_ms;
  s = pl_crash_record_program(&p, &st);
  /* The program's own files are not needed any more: the trace holds
   * everything. */
  pl_file_remove_tree(env, run_dir);
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": cannot run %s: %s\n", a->program[0], pl_error_message());
    return 2;
  }
  if (pl_env_file_exists(env, trace_path) != PL_OK) {
    fprintf(stderr,
            TOOL ": %s (%s) wrote no trace: it did not call pl_env_default(), so nothing was recorded\n",
            a->program[0], st.how);
    return 2;
  }
  if (!(st.exited && st.code == 0)) {
    fprintf(stderr, TOOL ": %s failed: %s; its trace is in %s%s\n", a->program[0], st.how, trace_path,
            a->allow_failed ? " (exploring it anyway: --allow-failed-program)"
                            : " (--allow-failed-program explores it anyway)");
    if (!a->allow_failed) {
      /* Kept for --trace: a second run may record something else. */
      return 2;
    }
  }
  s = pl_crash_trace_load_max(env, trace_path, a->max_trace, t);
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": %s\n", pl_error_message());
    return 2;
  }
  warn_about(t, a->program[0]);
  return -1;
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

/* Explores t and prints the report; returns the exit status. */
static int explore(cc_args *a, const pl_crash_trace *t, const char *trace_path) {
  pl_crash_checker c;
  pl_crash_report r;
  progress_state ps;
  pl_status s;
  int rc;
  memset(&c, 0, sizeof c);
  if (a->checker_cmd != NULL) c.command = a->checker_cmd;
  else c.check = a->ex->check;
  ps.env = pl_env_platform();
  ps.last = 0;
  ps.printed = 0;
  if (!a->quiet) {
    a->o.progress = on_progress;
    a->o.progress_arg = &ps;
  }
  if (!a->json) {
    printf("crashcheck %s\n", a->ex ? a->ex->name : a->trace_file ? a->trace_file : a->program[0]);
    fflush(stdout);
  }
  s = pl_crash_explore(t, &a->o, &c, &r);
  if (ps.printed) fprintf(stderr, "\n");
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": %s\n", pl_error_message());
    pl_crash_report_free(&r);
    return 2;
  }
  if (a->json) {
    pl_crash_report_print_json(&r, stdout);
  } else {
    pl_crash_report_print(&r, stdout);
    if (a->ex != NULL)
      printf("\nverdict: %s (expected: %s)\n", r.failures ? "caught" : "passed",
             a->ex->expect_failure ? "caught" : "passed");
    if (a->program != NULL && r.failures)
      printf("\ntrace: %s\n(replay a state: plinth crashcheck --trace %s --replay ID --out DIR)\n", trace_path,
             trace_path);
  }
  rc = r.failures ? 1 : 0;
  pl_crash_report_free(&r);
  return rc;
}

int pl_tool_crashcheck(int argc, char **argv) {
  cc_args a;
  pl_crash_trace t;
  pl_env *env = pl_env_platform();
  char scratch[2048], own_work[3072], trace_path[4200] = "";
  pl_status s;
  int rc = parse(argc, argv, &a);
  if (rc >= 0) return rc;

  s = pl_env_test_directory(env, scratch, sizeof scratch);
  if (s == PL_OK) {
    snprintf(own_work, sizeof own_work, "%s/crashcheck-%llu", a.work ? a.work : scratch,
             (unsigned long long)pl_env_now_micros(env));
    if (a.work) pl_env_create_dir(env, a.work);
    s = pl_env_create_dir(env, own_work);
  }
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": %s\n", pl_error_message());
    return 2;
  }

  pl_crash_trace_init(&t);
  if (a.ex != NULL) {
    s = pl_crash_example_record(a.ex, env, own_work, &t);
    rc = s == PL_OK ? -1 : 2;
  } else if (a.trace_file != NULL) {
    s = pl_crash_trace_load_max(env, a.trace_file, a.max_trace, &t);
    rc = s == PL_OK ? -1 : 2;
  } else {
    rc = record(&a, own_work, &t, trace_path, sizeof trace_path);
    s = PL_OK;
  }
  if (s != PL_OK) fprintf(stderr, TOOL ": %s\n", pl_error_message());
  /* With --work the states are written there too, and the last one is left
   * for inspection. */
  if (a.work != NULL) a.o.work_dir = own_work;

  if (rc < 0 && a.dump) {
    pl_crash_trace_dump(&t, stdout);
    rc = 0;
  } else if (rc < 0 && a.replay != NULL) {
    s = pl_crash_replay(&t, &a.o, a.replay, a.out_dir);
    if (s != PL_OK) {
      fprintf(stderr, TOOL ": %s\n", pl_error_message());
      rc = 2;
    } else {
      printf("state %s written to %s\n", a.replay, a.out_dir);
      rc = 0;
    }
  } else if (rc < 0) {
    rc = explore(&a, &t, trace_path);
  }
  pl_crash_trace_free(&t);
  /* With --work everything stays for inspection.  Otherwise a program's
   * trace stays when there is something to replay from it (a failure, or a
   * failed run) and it is not kept elsewhere (--record); the rest of the
   * scratch directory goes. */
  if (a.work == NULL && (a.program == NULL || rc == 0 || a.record_to != NULL))
    pl_file_remove_tree(env, own_work);
  return rc;
}
