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
          "       plinth crashcheck [OPTIONS] --record-only [--record FILE] -- PROGRAM [ARGS...]\n"
          "       plinth crashcheck (EXAMPLE | --trace FILE) --replay ID --out DIR\n"
          "       plinth crashcheck (EXAMPLE | --trace FILE) --dump\n"
          "\n"
          "Simulates a power loss after every recorded operation, generates every state\n"
          "the disk could be left in (strict POSIX model: unsynced data lost, kept or torn\n"
          "into any subset of its sectors, directory operations lost until their\n"
          "directory is synced), writes each distinct state out as a directory and\n"
          "checks it.\n"
          "\n"
          "A program runs in a fresh directory, its working directory and the\n"
          "recording's root ($PLINTH_CRASH_DIR).  On Linux it is recorded at the\n"
          "system-call level (ptrace + seccomp): any program, in any language, static\n"
          "or dynamic, with every thread, child and program it executes; it states\n"
          "what it acknowledged by writing lines to the file $PLINTH_NOTES (e.g.\n"
          "`echo \"row 5 committed\" >> \"$PLINTH_NOTES\"`).  A program that uses plinth\n"
          "(pl_env_default()) is recorded by plinth's env instead, unless --syscalls;\n"
          "elsewhere only such programs can be recorded.  PROGRAM is found as a shell\n"
          "finds it: relative to the current directory if it has a '/', else in PATH.\n"
          "CMD is run through the shell as `CMD DIR NOTESFILE`: exit 0 means the state\n"
          "is consistent, 1-125 inconsistent; a checker that is not found, cannot run,\n"
          "crashes or times out is an error.\n"
          "\n"
          "Exit status: 0 no failure, 1 failures found, 2 error (bad usage, unreadable\n"
          "trace, a program that failed, a checker that gave no verdict).\n"
          "\n"
          "options:\n"
          "  --trace FILE            explore a trace file (crash/TRACE-FORMAT.md)\n"
          "  --checker CMD           judge each state with CMD DIR NOTESFILE\n"
          "  --replay ID --out DIR   write the state ID into DIR (empty or missing)\n"
          "  --dump                  print the trace, one numbered op per line\n"
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
          "  --syscalls              record the program's system calls even if it uses\n"
          "                          plinth (Linux)\n"
          "  --env                   record with plinth's env only (PLINTH_TRACE)\n"
          "  --allow-failed-program  explore the trace of a program that failed\n"
          "  --max-trace-size BYTES  refuse larger trace files (1073741824)\n"
          "  --exclude GLOB          leave out files no recovery reads (e.g. '*-shm');\n"
          "                          '*' and '?' never match '/'; repeatable\n"
          "  --record FILE           keep the program's trace in FILE\n"
          "  --record-only           record the program and stop (no checker needed;\n"
          "                          explore later with --trace FILE)\n"
          "  --work DIR              scratch directory (default: under the test directory)\n"
          "  --format FORMAT         text (default) or json\n"
          "  --html FILE             also write the report as a page with a timeline of\n"
          "                          each failure (self-contained HTML)\n"
          "  --quiet                 no progress line\n"
          "  --list                  list the built-in examples\n"
          "  -h, --help              this text\n"
          "\nexamples:\n");
  for (e = pl_crash_examples; e->name != NULL; e++) fprintf(out, "  %-18s %s\n", e->name, e->summary);
}

typedef struct cc_args {
  pl_crash_options o;
  const char *trace_file, *checker_cmd, *replay, *out_dir, *record_to, *work, *html;
  const pl_crash_example *ex;
  char **program; /* NULL-terminated, or NULL */
  int quiet, dump, json, allow_failed, syscalls, env_only, record_only;
  const char *exclude[16];
  int nexclude;
  char recorded_with[256]; /* how the program was recorded, for the report */
  uint64_t max_trace, program_timeout_ms;
} cc_args;

enum {
  OPT_MODEL = 256, OPT_SYNC_POINTS, OPT_SECTOR, OPT_MAX_TEARS, OPT_GARBAGE, OPT_NON_ATOMIC,
  OPT_MAX_EXHAUSTIVE, OPT_SAMPLES, OPT_SEED, OPT_MAX_FAILURES, OPT_NO_SHRINK, OPT_CHECKER_TIMEOUT,
  OPT_PROGRAM_TIMEOUT, OPT_ALLOW_FAILED, OPT_MAX_TRACE, OPT_RECORD, OPT_WORK, OPT_FORMAT, OPT_QUIET,
  OPT_LIST, OPT_TRACE, OPT_CHECKER, OPT_REPLAY, OPT_OUT, OPT_DUMP, OPT_HTML, OPT_SYSCALLS, OPT_ENV,
  OPT_RECORD_ONLY, OPT_EXCLUDE
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
    {"syscalls", no_argument, NULL, OPT_SYSCALLS},
    {"env", no_argument, NULL, OPT_ENV},
    {"record-only", no_argument, NULL, OPT_RECORD_ONLY},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
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
    {"html", required_argument, NULL, OPT_HTML},
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
  while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
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
      case OPT_SYSCALLS: a->syscalls = 1; break;
      case OPT_ENV: a->env_only = 1; break;
      case OPT_RECORD_ONLY: a->record_only = 1; break;
      case OPT_EXCLUDE:
        if (a->nexclude == sizeof a->exclude / sizeof a->exclude[0]) {
          fprintf(stderr, TOOL ": at most %d --exclude patterns\n", (int)(sizeof a->exclude / sizeof a->exclude[0]));
          return 2;
        }
        a->exclude[a->nexclude++] = optarg;
        break;
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
      case OPT_HTML: a->html = optarg; break;
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
  if (a->record_only && a->program == NULL) {
    fprintf(stderr, TOOL ": --record-only records a program: give -- PROGRAM\n");
    return 2;
  }
  if (a->ex == NULL && a->checker_cmd == NULL && a->replay == NULL && !a->dump && !a->record_only) {
    fprintf(stderr, TOOL ": a trace or program needs --checker CMD\n");
    return 2;
  }
  if (a->syscalls && a->env_only) {
    fprintf(stderr, TOOL ": --syscalls and --env exclude each other\n");
    return 2;
  }
  if ((a->syscalls || a->env_only) && a->program == NULL) {
    fprintf(stderr, TOOL ": --syscalls and --env choose how a program is recorded: give -- PROGRAM\n");
    return 2;
  }
  if (a->replay != NULL && a->out_dir == NULL) {
    fprintf(stderr, TOOL ": --replay needs --out DIR\n");
    return 2;
  }
  return -1;
}

#define OUTSIDE_TEXT ": outside the recording root"

/* Non-zero if an IGNORED op's text says a change outside the root was left
 * out (the other IGNORED ops are calls the recorder could not record). */
static int is_outside(const pl_crash_op *op) {
  size_t n = op->data ? strlen((const char *)op->data) : 0, k = strlen(OUTSIDE_TEXT);
  return (n >= k && strcmp((const char *)op->data + n - k, OUTSIDE_TEXT) == 0) ||
         (op->data && strstr((const char *)op->data, "more changes outside the recording root") != NULL);
}

/* Warns about a trace that cannot show everything, or anything, and says
 * why. */
static void warn_about(const pl_crash_trace *t, const char *origin, int syscalls) {
  size_t i, ops = 0, outside = 0, other = 0, more = 0;
  const pl_crash_op *first_outside = NULL;
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *op = &t->ops[i];
    int k = op->kind;
    if (k == PL_CRASH_IGNORED && is_outside(op)) {
      unsigned long long extra;
      if (op->data && sscanf((const char *)op->data, "and %llu more", &extra) == 1) {
        more += (size_t)extra;
        continue;
      }
      if (first_outside == NULL) first_outside = op;
      outside++;
    } else if (k == PL_CRASH_IGNORED) {
      /* A call that changes state the recorder could not record: each one
       * matters, so each is said. */
      char line[1024];
      if (other++ < 10) {
        pl_crash_op_describe(op, NULL, line, sizeof line);
        fprintf(stderr, TOOL ": warning: %s\n", line);
      }
    } else if (k == PL_CRASH_BASELINE) {
      ops = 0; /* what came before is the starting tree, not the program */
    } else if (k != PL_CRASH_NOTE) {
      ops++;
    }
  }
  if (other > 10) fprintf(stderr, TOOL ": warning: and %lu more calls that were not recorded\n", (unsigned long)(other - 10));
  if (outside > 0) {
    char line[1024];
    pl_crash_op_describe(first_outside, NULL, line, sizeof line);
    if (syscalls)
      fprintf(stderr,
              TOOL ": note: %s%lu change(s) outside the recording root were not recorded (first: %s); "
                   "files the checker needs must be under the program's working directory ($PLINTH_CRASH_DIR)\n",
              "", (unsigned long)(outside + more), line);
    else
      fprintf(stderr,
              TOOL ": warning: %s%lu operation(s) on paths outside the recording root were not recorded "
                   "(first: %s); paths given to the program should be relative, or under its directory\n",
              outside >= 16 ? "at least " : "", (unsigned long)outside, line);
  }
  if (ops == 0)
    fprintf(stderr, TOOL ": warning: %s recorded no operation that changes durable state%s\n", origin,
            outside ? " inside the recording root" : "");
}

/* Paths a trace creates or names (creates, opens, mkdirs, links, rename
 * targets), one per line in *out. */
static void named_paths(const pl_crash_trace *t, char ***out, size_t *n) {
  size_t i;
  *out = NULL;
  *n = 0;
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *op = &t->ops[i];
    const char *p = NULL;
    char **grown;
    if (op->kind == PL_CRASH_CREATE || op->kind == PL_CRASH_OPEN || op->kind == PL_CRASH_MKDIR ||
        op->kind == PL_CRASH_SYMLINK)
      p = op->path;
    else if (op->kind == PL_CRASH_RENAME || op->kind == PL_CRASH_LINK)
      p = op->path2;
    if (p == NULL) continue;
    grown = realloc(*out, (*n + 1) * sizeof **out);
    if (grown == NULL) return;
    *out = grown;
    (*out)[(*n)++] = (char *)p;
  }
}

/* A program that uses plinth was recorded both ways: its env-level trace
 * is used, unless the program (or a process it started) also changed
 * files without plinth; those are named, with the advice to use
 * --syscalls. */
static void compare_with_syscalls(const pl_crash_trace *env_t, const pl_crash_trace *sys_t, const char *prog) {
  char **ep, **sp;
  size_t ne, ns, i, j, missing = 0;
  const char *first = NULL;
  named_paths(env_t, &ep, &ne);
  named_paths(sys_t, &sp, &ns);
  for (i = 0; i < ns; i++) {
    int found = 0;
    for (j = 0; j < ne && !found; j++) found = strcmp(sp[i], ep[j]) == 0;
    if (!found) {
      if (first == NULL) first = sp[i];
      missing++;
    }
  }
  if (missing > 0)
    fprintf(stderr,
            TOOL ": warning: %s uses plinth, so plinth's env recorded it, but %lu file(s) were also changed "
                 "without plinth (first: %s): --syscalls records those too\n",
            prog, (unsigned long)missing, first);
  free(ep);
  free(sp);
}

/* Says how a program run ended, and whether its trace is explored. */
static int judge_run(cc_args *a, const pl_crash_program_status *st, const char *trace_path) {
  if (st->exited && st->code == 0) return -1;
  fprintf(stderr, TOOL ": %s failed: %s; its trace is in %s%s\n", a->program[0], st->how, trace_path,
          a->allow_failed ? " (exploring it anyway: --allow-failed-program)"
                          : " (--allow-failed-program explores it anyway)");
  /* Kept for --trace: a second run may record something else. */
  return a->allow_failed ? -1 : 2;
}

/* Runs the program with recording on; *t gets its trace.  By default, on
 * a system with a tracer, the one run records at both levels: the
 * env-level trace is used if the program wrote one (it uses plinth), the
 * system-call trace otherwise. */
static int record(cc_args *a, const char *own_work, pl_crash_trace *t, char *trace_path, size_t cap) {
  pl_env *env = pl_env_platform();
  pl_crash_program p;
  pl_crash_program_status st;
  char run_dir[4200], env_trace[4200], notes[4200];
  int both = !a->env_only && !a->syscalls, rc;
  pl_status s;
  snprintf(run_dir, sizeof run_dir, "%s/run", own_work);
  snprintf(env_trace, sizeof env_trace, "%s/env-trace.plt", own_work);
  snprintf(notes, sizeof notes, "%s/notes", own_work);
  snprintf(trace_path, cap, "%s", a->record_to ? a->record_to : "");
  if (a->record_to == NULL) snprintf(trace_path, cap, "%s/trace.plt", own_work);
  memset(&p, 0, sizeof p);
  p.argv = (const char *const *)a->program;
  p.dir = run_dir;
  p.trace_path = trace_path;
  p.timeout_ms = a->program_timeout_ms;
  p.notes_path = notes;
  if (!a->env_only) {
    p.flags = PL_CRASH_PROGRAM_SYSCALLS | (both ? PL_CRASH_PROGRAM_ALSO_ENV : 0u);
    p.env_trace_path = env_trace;
  }
  s = pl_crash_record_program(&p, &st);
  if (s == PL_NOT_SUPPORTED && both) {
    /* No tracer here (or the kernel refuses it): plinth's env alone. */
    if (!a->quiet) fprintf(stderr, TOOL ": %s; recording with plinth's env only\n", pl_error_message());
    pl_file_remove_tree(env, run_dir);
    p.flags = 0;
    both = 0;
    a->env_only = 1;
    s = pl_crash_record_program(&p, &st);
  }
  /* The program's own files are not needed any more: the trace holds
   * everything. */
  pl_file_remove_tree(env, run_dir);
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": cannot run %s: %s\n", a->program[0], pl_error_message());
    return 2;
  }
  if (a->env_only && pl_env_file_exists(env, trace_path) != PL_OK) {
    fprintf(stderr,
            TOOL ": %s (%s) wrote no trace: it did not call pl_env_default(), so nothing was recorded\n",
            a->program[0], st.how);
    return 2;
  }
  if (both && pl_env_file_exists(env, env_trace) == PL_OK) {
    /* It uses plinth: its env-level trace, checked against what the
     * system calls show. */
    pl_crash_trace sys_t;
    pl_crash_trace_init(&sys_t);
    s = pl_crash_trace_load_max(env, trace_path, a->max_trace, &sys_t);
    if (s == PL_OK) s = pl_crash_trace_load_max(env, env_trace, a->max_trace, t);
    if (s != PL_OK) {
      fprintf(stderr, TOOL ": %s\n", pl_error_message());
      pl_crash_trace_free(&sys_t);
      return 2;
    }
    compare_with_syscalls(t, &sys_t, a->program[0]);
    pl_crash_trace_free(&sys_t);
    if (a->record_to != NULL) {
      /* --record keeps the trace that is explored. */
      pl_crash_trace_free(t);
      pl_env_remove_file(env, trace_path);
      s = pl_env_rename(env, env_trace, trace_path);
      if (s == PL_OK) s = pl_crash_trace_load_max(env, trace_path, a->max_trace, t);
      if (s != PL_OK) {
        fprintf(stderr, TOOL ": %s\n", pl_error_message());
        return 2;
      }
    } else {
      snprintf(trace_path, cap, "%s", env_trace);
    }
    snprintf(a->recorded_with, sizeof a->recorded_with, "plinth's env (the program uses plinth; --syscalls records its system calls)");
    rc = judge_run(a, &st, trace_path);
    if (rc >= 0) {
      pl_crash_trace_free(t);
      return rc;
    }
    warn_about(t, a->program[0], 0);
    return -1;
  }
  if (a->env_only)
    snprintf(a->recorded_with, sizeof a->recorded_with, "plinth's env");
  else
    snprintf(a->recorded_with, sizeof a->recorded_with,
             "system calls (%llu process(es) and thread(s), %llu calls stopped at, %llu note(s))",
             (unsigned long long)st.processes, (unsigned long long)st.stops, (unsigned long long)st.notes);
  rc = judge_run(a, &st, trace_path);
  if (rc >= 0) return rc;
  s = pl_crash_trace_load_max(env, trace_path, a->max_trace, t);
  if (s != PL_OK) {
    fprintf(stderr, TOOL ": %s\n", pl_error_message());
    return 2;
  }
  warn_about(t, a->program[0], !a->env_only);
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
    if (a->recorded_with[0]) printf("  recorded with: %s\n", a->recorded_with);
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
  if (a->html != NULL) {
    FILE *f = fopen(a->html, "wb");
    const char *title = a->ex ? a->ex->name : a->trace_file ? a->trace_file : a->program[0];
    if (f == NULL || pl_crash_report_write_html(&r, t, &a->o, title, f) != PL_OK) {
      fprintf(stderr, TOOL ": cannot write %s\n", a->html);
      rc = 2;
    }
    if (f != NULL && fclose(f) != 0) {
      fprintf(stderr, TOOL ": cannot write %s\n", a->html);
      rc = 2;
    }
  }
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
  if (rc < 0) {
    int i;
    for (i = 0; i < a.nexclude && rc < 0; i++) {
      size_t removed;
      if (pl_crash_trace_exclude(&t, a.exclude[i], &removed) != PL_OK) {
        fprintf(stderr, TOOL ": --exclude %s\n", pl_error_message());
        rc = 2;
      }
    }
  }
  /* With --work the states are written there too, and the last one is left
   * for inspection. */
  if (a.work != NULL) a.o.work_dir = own_work;

  if (rc < 0 && a.record_only) {
    size_t i, notes = 0;
    for (i = 0; i < t.count; i++) notes += t.ops[i].kind == PL_CRASH_NOTE;
    printf("recorded %s with %s: %lu ops, %lu notes%s%s\n", a.program[0], a.recorded_with,
           (unsigned long)(t.count - notes), (unsigned long)notes, a.record_to ? ", trace in " : "",
           a.record_to ? trace_path : "");
    rc = 0;
  } else if (rc < 0 && a.dump) {
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
