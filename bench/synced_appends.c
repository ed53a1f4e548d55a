/* Question 2: what does a durable append cost?  Each operation appends one
 * 100-byte record and syncs it: plinth's writable file (append + sync) vs
 * LevelDB's own POSIX env (Append + Sync) vs the raw bound, write(2) +
 * fdatasync(2).  Reported as synced appends per second. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "bench/ldb_shim.h"
#include "plinth/plinth.h"

#define REC 100

enum { M_PLINTH, M_LEVELDB, M_RAW, NMETHODS };
static const char *names[NMETHODS] = {"plinth", "leveldb-env", "raw-fdatasync"};
static char record[REC];

static void run_plinth(const char *path, int n) {
  pl_writable_file *f;
  int i;
  if (pl_env_new_writable(pl_env_default(), path, NULL, &f) != PL_OK) bench_fail("plinth open");
  for (i = 0; i < n; i++) {
    if (pl_writable_append(f, record, REC) != PL_OK) bench_fail("plinth append");
    if (pl_writable_sync(f) != PL_OK) bench_fail("plinth sync");
  }
  if (pl_writable_close(f) != PL_OK) bench_fail("plinth close");
}

static void run_leveldb(const char *path, int n) {
  ldb_writable *f = ldb_writable_open(path);
  int i;
  for (i = 0; i < n; i++) {
    ldb_writable_append(f, record, REC);
    ldb_writable_sync(f);
  }
  ldb_writable_close(f);
}

static void run_raw(const char *path, int n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), i;
  if (fd < 0) bench_fail("open");
  for (i = 0; i < n; i++) {
    if (write(fd, record, REC) != REC) bench_fail("write");
    if (fdatasync(fd) != 0) bench_fail("fdatasync");
  }
  close(fd);
}

int main(int argc, char **argv) {
  bench_opts o;
  char path[1200];
  double secs[NMETHODS][64], med[NMETHODS], best[NMETHODS];
  int r, k, n, have_ldb = ldb_available();
  const char *e = getenv("PLINTH_BENCH_SYNCS");
  FILE *csv;
  bench_init(&o, argc, argv, 7);
  if (o.rounds > 64) o.rounds = 64;
  n = e && *e ? atoi(e) : o.quick ? 500 : 3000;
  bench_fill(record, REC);
  bench_path(&o, path, sizeof path, "synced_appends.dat");
  printf("== Q2 synced appends: %d x (append %d bytes + sync) per run\n", n, REC);
  bench_print_conditions(stdout, "synced_appends", &o);
  if (!have_ldb) printf("# LevelDB not linked: its column is skipped\n");
  csv = bench_csv_open(&o, "synced_appends");
  if (csv) fprintf(csv, "method,round,seconds,syncs_per_s\n");
  for (r = 0; r < o.rounds; r++) {
    for (k = 0; k < NMETHODS; k++) {
      int m = (k + r) % NMETHODS;
      double t0;
      if (m == M_LEVELDB && !have_ldb) continue;
      t0 = bench_now();
      switch (m) {
        case M_PLINTH: run_plinth(path, n); break;
        case M_LEVELDB: run_leveldb(path, n); break;
        default: run_raw(path, n); break;
      }
      secs[m][r] = bench_now() - t0;
      bench_unlink(path);
      if (csv) fprintf(csv, "%s,%d,%.6f,%.1f\n", names[m], r, secs[m][r], n / secs[m][r]);
    }
  }
  printf("%-16s %10s %8s %13s %12s %11s\n", "method", "syncs/s", "us/op", "plinth ratio", "best syncs/s", "best ratio");
  for (k = 0; k < NMETHODS; k++)
    if (k != M_LEVELDB || have_ldb) {
      best[k] = bench_min(secs[k], o.rounds);
      med[k] = bench_median(secs[k], o.rounds);
    }
  for (k = 0; k < NMETHODS; k++) {
    double ratio, bratio;
    if (k == M_LEVELDB && !have_ldb) continue;
    ratio = med[k] / med[M_PLINTH];
    bratio = best[k] / best[M_PLINTH];
    printf("%-16s %10.0f %8.1f %12.3fx %12.0f %10.3fx\n", names[k], n / med[k], med[k] * 1e6 / n, ratio,
           n / best[k], bratio);
    if (k == M_LEVELDB) bench_ratio(&o, "synced_appends", "Q2 vs LevelDB env", ratio, bratio, 1.0);
    if (k == M_RAW) bench_ratio(&o, "synced_appends", "Q2 vs raw fdatasync", ratio, bratio, 0.95);
  }
  if (csv) fclose(csv);
  return 0;
}
