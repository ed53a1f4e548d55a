/* Shared pieces of the bench programs: options, timing, medians, the
 * printed table and the CSV files under bench/results/. */
#ifndef PLINTH_BENCH_UTIL_H
#define PLINTH_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plinth/part_writer.h"

typedef struct bench_opts {
  uint64_t size;   /* bytes per file (PLINTH_BENCH_SIZE, --size=) */
  int rounds;      /* rounds; each runs every method once (alternating) */
  int quick;       /* --quick / PLINTH_BENCH_QUICK=1: seconds, not minutes */
  char dir[1024];  /* scratch directory (PLINTH_BENCH_DIR, --dir=) */
  char out[1024];  /* results directory (--out=), "" = no files */
} bench_opts;

/* Parses the environment, then argv (--quick, --size=N[KMG],
 * --rounds=N, --dir=D, --out=D); full defaults are 1 GiB and full_rounds
 * rounds, quick ones 64 MiB and 3 rounds.  Creates dir. */
void bench_init(bench_opts *o, int argc, char **argv, int full_rounds);

/* Monotonic seconds. */
double bench_now(void);

/* User + system CPU seconds used by the process so far. */
double bench_cpu(void);

/* Median of v[0..n) (sorts v). */
double bench_median(double *v, int n);

/* Smallest of v[0..n): the best round, least disturbed by other work. */
double bench_min(const double *v, int n);

/* Prints what failed (with plinth's error message) and exits 1. */
void bench_fail(const char *what);

/* Joins o->dir and name. */
const char *bench_path(const bench_opts *o, char *buf, size_t cap, const char *name);

/* Prints "# load average: ..." and the machine conditions line. */
void bench_print_conditions(FILE *f, const char *question, const bench_opts *o);

/* Opens <out>/<name>.csv for writing with a conditions comment line;
 * NULL when o->out is empty. */
FILE *bench_csv_open(const bench_opts *o, const char *name);

/* Appends one headline ratio (plinth over a baseline) to
 * <out>/<name>-ratios.csv: label, ratio of the medians, ratio of the best
 * rounds, goal (0 = none); the chart is drawn from these. */
void bench_ratio(const bench_opts *o, const char *name, const char *label,
                 double ratio, double best_ratio, double goal);

/* On a shared machine: waits (at most max_seconds) until the disk's
 * pressure stall information (/proc/pressure/io, "some avg10") is below
 * limit percent, so a round does not start in the middle of someone
 * else's burst of I/O.  Returns the pressure it started at (-1 where the
 * kernel does not report it, and then it does not wait). */
double bench_wait_quiet_io(double limit, double max_seconds);

/* Deletes path, ignoring a missing file. */
void bench_unlink(const char *path);

/* Untimed, between runs: writes path's dirty pages (fdatasync, exiting
 * through bench_fail if that fails) and deletes it, so no run starts with
 * the previous one's writeback. */
void bench_settle(const char *path);

/* Fills buf with printable pseudo-random bytes (deterministic). */
void bench_fill(char *buf, size_t n);

/* Writes every part of pw with `threads` threads (1 to 16), each taking
 * the next part from a shared counter and writing it in pieces of at most
 * piece bytes, all from source; then finalizes pw.  Exits through
 * bench_fail on any error. */
void bench_write_parts(pl_part_writer *pw, int threads, const char *source, size_t piece);

#endif
