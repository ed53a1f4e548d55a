/* Question 5: how fast are reads?  One file (1 GiB by default), written
 * and synced once, untimed.  Sequential: the whole file in 64 KiB reads.
 * Random: 4 KiB reads at random (unaligned) offsets, the same sequence for
 * every method.  plinth (pl_sequential_file / pl_random_file) vs LevelDB's
 * own POSIX env (SequentialFile / RandomAccessFile) vs raw read(2) /
 * pread(2).  Every method folds every byte it gets into a checksum, so a
 * mapping's page faults and a copy's memcpy are both paid.  The file stays
 * in the page cache (the machine has far more memory than the file):
 * these are cached reads, the case where the layer's own cost shows. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "bench/ldb_shim.h"
#include "plinth/plinth.h"

#define SEQ_READ (64 * 1024)
#define RND_READ 4096

enum { M_PLINTH, M_LEVELDB, M_RAW, NMETHODS };
static const char *names[NMETHODS] = {"plinth", "leveldb-env", "raw"};
static uint64_t *offsets;
static int nrand;
static volatile uint64_t sink;

static uint64_t fold(const char *p, size_t n) {
  uint64_t x = 0, w;
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    x ^= w;
  }
  return x;
}

static uint64_t seq_plinth(const char *path, char *buf) {
  pl_sequential_file *f;
  size_t got;
  uint64_t x = 0;
  if (pl_env_new_sequential(pl_env_default(), path, &f) != PL_OK) bench_fail("open");
  for (;;) {
    if (pl_sequential_read(f, buf, SEQ_READ, &got) != PL_OK) bench_fail("read");
    if (got == 0) break;
    x ^= fold(buf, got);
  }
  pl_sequential_close(f);
  return x;
}

static uint64_t seq_leveldb(const char *path, char *buf) {
  ldb_sequential *f = ldb_sequential_open(path);
  const char *res;
  size_t got;
  uint64_t x = 0;
  while ((got = ldb_sequential_read(f, SEQ_READ, buf, &res)) > 0) x ^= fold(res, got);
  ldb_sequential_close(f);
  return x;
}

static uint64_t seq_raw(const char *path, char *buf) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t got;
  uint64_t x = 0;
  if (fd < 0) bench_fail("open");
  while ((got = read(fd, buf, SEQ_READ)) > 0) x ^= fold(buf, (size_t)got);
  if (got < 0) bench_fail("read");
  close(fd);
  return x;
}

static uint64_t rnd_plinth(const char *path, char *buf) {
  pl_random_file *f;
  const char *res;
  size_t got;
  uint64_t x = 0;
  int i;
  if (pl_env_new_random(pl_env_default(), path, &f) != PL_OK) bench_fail("open");
  for (i = 0; i < nrand; i++) {
    if (pl_random_read_at(f, offsets[i], RND_READ, buf, &res, &got) != PL_OK) bench_fail("read");
    x ^= fold(res, got);
  }
  pl_random_close(f);
  return x;
}

static uint64_t rnd_leveldb(const char *path, char *buf) {
  ldb_random *f = ldb_random_open(path);
  const char *res;
  uint64_t x = 0;
  int i;
  for (i = 0; i < nrand; i++) {
    size_t got = ldb_random_read(f, offsets[i], RND_READ, buf, &res);
    x ^= fold(res, got);
  }
  ldb_random_close(f);
  return x;
}

static uint64_t rnd_raw(const char *path, char *buf) {
  int fd = open(path, O_RDONLY | O_CLOEXEC), i;
  uint64_t x = 0;
  if (fd < 0) bench_fail("open");
  for (i = 0; i < nrand; i++) {
    ssize_t got = pread(fd, buf, RND_READ, (off_t)offsets[i]);
    if (got < 0) bench_fail("pread");
    x ^= fold(buf, (size_t)got);
  }
  close(fd);
  return x;
}

static void make_file(const bench_opts *o, const char *path) {
  char *buf = malloc(1 << 20);
  uint64_t left = o->size;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || buf == NULL) bench_fail("create");
  bench_fill(buf, 1 << 20);
  while (left > 0) {
    size_t n = left < (1u << 20) ? (size_t)left : (1u << 20);
    if (write(fd, buf, n) != (ssize_t)n) bench_fail("write");
    buf[left % 4096] ^= 1; /* vary the content a little */
    left -= n;
  }
  fdatasync(fd);
  close(fd);
  free(buf);
}

int main(int argc, char **argv) {
  bench_opts o;
  char path[1200];
  char *buf = malloc(SEQ_READ);
  double secs[2][NMETHODS][64];
  uint64_t sums[2][NMETHODS], x = 88172645463325252ull;
  int r, k, q, have_ldb = ldb_available();
  const char *e = getenv("PLINTH_BENCH_READS");
  FILE *csv;
  bench_init(&o, argc, argv, 9);
  if (o.rounds > 64) o.rounds = 64;
  nrand = e && *e ? atoi(e) : o.quick ? 50000 : 200000;
  offsets = malloc((size_t)nrand * sizeof *offsets);
  for (k = 0; k < nrand; k++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    offsets[k] = x % (o.size - RND_READ);
  }
  bench_path(&o, path, sizeof path, "reads.dat");
  make_file(&o, path);
  printf("== Q5 reads: %.0f MiB file; sequential 64 KiB reads; %d random 4 KiB reads\n",
         (double)o.size / (1 << 20), nrand);
  bench_print_conditions(stdout, "reads", &o);
  if (!have_ldb) printf("# LevelDB not linked: its column is skipped\n");
  csv = bench_csv_open(&o, "reads");
  if (csv) fprintf(csv, "pattern,method,round,seconds\n");
  for (r = 0; r < o.rounds; r++)
    for (q = 0; q < 2; q++)
      for (k = 0; k < NMETHODS; k++) {
        int m = (k + r) % NMETHODS;
        double t0;
        if (m == M_LEVELDB && !have_ldb) continue;
        t0 = bench_now();
        if (q == 0)
          sums[q][m] = m == M_PLINTH ? seq_plinth(path, buf) : m == M_LEVELDB ? seq_leveldb(path, buf) : seq_raw(path, buf);
        else
          sums[q][m] = m == M_PLINTH ? rnd_plinth(path, buf) : m == M_LEVELDB ? rnd_leveldb(path, buf) : rnd_raw(path, buf);
        secs[q][m][r] = bench_now() - t0;
        sink ^= sums[q][m];
        if (csv) fprintf(csv, "%s,%s,%d,%.6f\n", q ? "random-4k" : "sequential", names[m], r, secs[q][m][r]);
      }
  bench_unlink(path);
  for (q = 0; q < 2; q++) {
    double med[NMETHODS], best[NMETHODS];
    /* Every method must have read the same bytes. */
    for (k = 1; k < NMETHODS; k++)
      if ((k != M_LEVELDB || have_ldb) && sums[q][k] != sums[q][M_PLINTH]) {
        fprintf(stderr, "bench: %s read different data than plinth\n", names[k]);
        return 1;
      }
    printf("%-12s %-14s %10s %13s %10s %11s\n", q ? "random-4k" : "sequential", "method",
           q ? "reads/s" : "MiB/s", "plinth ratio", "best", "best ratio");
    for (k = 0; k < NMETHODS; k++)
      if (k != M_LEVELDB || have_ldb) {
        best[k] = bench_min(secs[q][k], o.rounds);
        med[k] = bench_median(secs[q][k], o.rounds);
      }
    for (k = 0; k < NMETHODS; k++) {
      double ratio, bratio, units = q ? nrand : (double)o.size / (1 << 20);
      if (k == M_LEVELDB && !have_ldb) continue;
      ratio = med[k] / med[M_PLINTH];
      bratio = best[k] / best[M_PLINTH];
      printf("%-12s %-14s %10.0f %12.3fx %10.0f %10.3fx\n", "", names[k], units / med[k], ratio,
             units / best[k], bratio);
      if (k != M_PLINTH) {
        char label[64];
        snprintf(label, sizeof label, "Q5 %s vs %s", q ? "random" : "seq", k == M_LEVELDB ? "LevelDB env" : "raw");
        bench_ratio(&o, "reads", label, ratio, bratio, k == M_LEVELDB ? 1.0 : 0);
      }
    }
  }
  if (csv) fclose(csv);
  free(buf);
  free(offsets);
  return 0;
}
