/* Question 1: how fast are small appends?  100-byte records into one file
 * (1 GiB by default), timed from open to close (data handed to the OS, no
 * sync): plinth's writable file vs LevelDB's own POSIX env, stdio fwrite,
 * and the raw bound, write(2) of 64 KiB chunks of the same bytes.  Every
 * run is followed, untimed, by fdatasync and unlink, so each starts with
 * no dirty pages of the previous one. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "bench/ldb_shim.h"
#include "plinth/plinth.h"

#define REC 100
#define CHUNK (64 * 1024)

static char pattern[CHUNK + REC];

enum { M_PLINTH, M_LEVELDB, M_FWRITE, M_RAW, NMETHODS };
static const char *names[NMETHODS] = {"plinth", "leveldb-env", "stdio-fwrite", "raw-write-64k"};

static const char *rec(uint64_t i) { return pattern + (i * REC) % CHUNK; }

static void run_plinth(const char *path, uint64_t nrec) {
  pl_writable_file *f;
  uint64_t i;
  if (pl_env_new_writable(pl_env_default(), path, NULL, &f) != PL_OK) bench_fail("plinth open");
  for (i = 0; i < nrec; i++)
    if (pl_writable_append(f, rec(i), REC) != PL_OK) bench_fail("plinth append");
  if (pl_writable_close(f) != PL_OK) bench_fail("plinth close");
}

static void run_leveldb(const char *path, uint64_t nrec) {
  ldb_writable *f = ldb_writable_open(path);
  uint64_t i;
  for (i = 0; i < nrec; i++) ldb_writable_append(f, rec(i), REC);
  ldb_writable_close(f);
}

static void run_fwrite(const char *path, uint64_t nrec) {
  FILE *f = fopen(path, "wb");
  uint64_t i;
  if (f == NULL) bench_fail("fopen");
  for (i = 0; i < nrec; i++)
    if (fwrite(rec(i), 1, REC, f) != REC) bench_fail("fwrite");
  if (fclose(f) != 0) bench_fail("fclose");
}

static void run_raw(const char *path, uint64_t nrec) {
  /* The bound: the same number of bytes in 64 KiB write(2) calls straight
   * from one buffer, with no per-record work at all. */
  uint64_t left = nrec * REC;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) bench_fail("raw open");
  while (left > 0) {
    size_t n = left < CHUNK ? (size_t)left : CHUNK;
    if (write(fd, pattern, n) != (ssize_t)n) bench_fail("write");
    left -= n;
  }
  close(fd);
}

/* Untimed: makes the run's data durable and removes it. */
static void settle(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fdatasync(fd);
    close(fd);
  }
  bench_unlink(path);
}

int main(int argc, char **argv) {
  bench_opts o;
  char path[1200];
  uint64_t nrec;
  double secs[NMETHODS][64], cpus[NMETHODS][64], med[NMETHODS], cmed[NMETHODS], best[NMETHODS];
  int r, k, have_ldb = ldb_available();
  FILE *csv;
  bench_init(&o, argc, argv, 15);
  if (o.rounds > 64) o.rounds = 64;
  nrec = o.size / REC;
  bench_fill(pattern, sizeof pattern);
  bench_path(&o, path, sizeof path, "small_appends.dat");
  printf("== Q1 small appends: %llu records of %d bytes (%.0f MiB)\n",
         (unsigned long long)nrec, REC, (double)(nrec * REC) / (1 << 20));
  bench_print_conditions(stdout, "small_appends", &o);
  if (!have_ldb) printf("# LevelDB not linked: its column is skipped\n");
  csv = bench_csv_open(&o, "small_appends");
  if (csv) fprintf(csv, "method,round,seconds,mib_per_s,cpu_seconds\n");
  for (r = 0; r < o.rounds; r++) {
    for (k = 0; k < NMETHODS; k++) {
      int m = (k + r) % NMETHODS; /* rotate the order every round */
      double t0, c0;
      if (m == M_LEVELDB && !have_ldb) continue;
      c0 = bench_cpu();
      t0 = bench_now();
      switch (m) {
        case M_PLINTH: run_plinth(path, nrec); break;
        case M_LEVELDB: run_leveldb(path, nrec); break;
        case M_FWRITE: run_fwrite(path, nrec); break;
        default: run_raw(path, nrec); break;
      }
      secs[m][r] = bench_now() - t0;
      cpus[m][r] = bench_cpu() - c0;
      settle(path);
      if (csv)
        fprintf(csv, "%s,%d,%.6f,%.1f,%.6f\n", names[m], r, secs[m][r],
                (double)(nrec * REC) / (1 << 20) / secs[m][r], cpus[m][r]);
    }
  }
  /* Wall time is what the goals are about; CPU time (user + system) is the
   * layer's own cost and moves much less when other work shares the
   * machine. */
  printf("%-16s %10s %13s %10s %11s %10s %10s\n", "method", "MiB/s", "plinth ratio", "best MiB/s",
         "best ratio", "cpu s", "cpu ratio");
  for (k = 0; k < NMETHODS; k++) {
    if (k == M_LEVELDB && !have_ldb) continue;
    best[k] = bench_min(secs[k], o.rounds);
    med[k] = bench_median(secs[k], o.rounds);
    cmed[k] = bench_median(cpus[k], o.rounds);
  }
  for (k = 0; k < NMETHODS; k++) {
    double ratio, bratio, mib = (double)(nrec * REC) / (1 << 20);
    if (k == M_LEVELDB && !have_ldb) continue;
    ratio = med[k] / med[M_PLINTH]; /* throughput ratio = inverse time ratio */
    bratio = best[k] / best[M_PLINTH];
    printf("%-16s %10.1f %12.3fx %10.1f %10.3fx %10.3f %9.3fx\n", names[k], mib / med[k], ratio,
           mib / best[k], bratio, cmed[k], cmed[k] / cmed[M_PLINTH]);
    if (k == M_LEVELDB) bench_ratio(&o, "small_appends", "Q1 vs LevelDB env", ratio, bratio, 1.0);
    if (k == M_FWRITE) bench_ratio(&o, "small_appends", "Q1 vs fwrite", ratio, bratio, 1.0);
    if (k == M_RAW) bench_ratio(&o, "small_appends", "Q1 vs raw write 64K", ratio, bratio, 0.9);
  }
  if (csv) fclose(csv);
  return 0;
}
