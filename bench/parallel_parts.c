/* Question 4: how fast is a large file written and published durably?
 * The part writer with 1, 2 and 4 threads (8 MiB parts, taken from a shared
 * counter, each written in 1 MiB pieces, CRC-32C per part) vs one
 * sequential writer doing the same publish by hand: plinth writable file,
 * 1 MiB appends, sync, close, rename, directory sync.  Timed from open to
 * the end of the publish, so the data is on disk in every case. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "plinth/part_writer.h"
#include "plinth/plinth.h"

#define PIECE (1u << 20)
#define PART (8u << 20)

enum { M_SEQ, M_P1, M_P2, M_P4, NMETHODS };
static const char *names[NMETHODS] = {"sequential", "parts-1-thread", "parts-2-threads", "parts-4-threads"};
static const int nthreads[NMETHODS] = {1, 1, 2, 4};
static char *source; /* PIECE bytes, written over and over */

static void run_sequential(const bench_opts *o, const char *dest) {
  char tmp[1300];
  pl_writable_file *f;
  uint64_t left = o->size;
  snprintf(tmp, sizeof tmp, "%s.tmp", dest);
  if (pl_env_new_writable(pl_env_default(), tmp, NULL, &f) != PL_OK) bench_fail("open");
  while (left > 0) {
    size_t n = left < PIECE ? (size_t)left : PIECE;
    if (pl_writable_append(f, source, n) != PL_OK) bench_fail("append");
    left -= n;
  }
  if (pl_writable_sync(f) != PL_OK) bench_fail("sync");
  if (pl_writable_close(f) != PL_OK) bench_fail("close");
  if (pl_env_rename(pl_env_default(), tmp, dest) != PL_OK) bench_fail("rename");
  if (pl_env_sync_dir(pl_env_default(), o->dir) != PL_OK) bench_fail("sync_dir");
}

static void run_parts(const bench_opts *o, const char *dest, int threads) {
  pl_part_writer_options po;
  pl_part_writer *pw;
  pl_part_writer_options_init(&po);
  po.part_size = PART;
  if (pl_part_writer_open(pl_env_default(), dest, o->size, &po, &pw) != PL_OK) bench_fail("part writer open");
  bench_write_parts(pw, threads, source, PIECE);
}

int main(int argc, char **argv) {
  bench_opts o;
  char dest[1200];
  double secs[NMETHODS][64], med[NMETHODS], best[NMETHODS];
  double mib;
  int r, k;
  FILE *csv;
  bench_init(&o, argc, argv, 11);
  if (o.rounds > 64) o.rounds = 64;
  mib = (double)o.size / (1 << 20);
  source = malloc(PIECE);
  bench_fill(source, PIECE);
  bench_path(&o, dest, sizeof dest, "parallel_parts.dat");
  printf("== Q4 parallel parts: %.0f MiB published durably (8 MiB parts)\n", mib);
  bench_print_conditions(stdout, "parallel_parts", &o);
  csv = bench_csv_open(&o, "parallel_parts");
  if (csv) fprintf(csv, "method,round,seconds,mib_per_s\n");
  for (r = 0; r < o.rounds; r++)
    for (k = 0; k < NMETHODS; k++) {
      int m = (k + r) % NMETHODS;
      double t0 = bench_now();
      if (m == M_SEQ) run_sequential(&o, dest);
      else run_parts(&o, dest, nthreads[m]);
      secs[m][r] = bench_now() - t0;
      bench_unlink(dest);
      if (csv) fprintf(csv, "%s,%d,%.6f,%.1f\n", names[m], r, secs[m][r], mib / secs[m][r]);
    }
  printf("%-18s %10s %14s %11s %11s\n", "method", "MiB/s", "vs sequential", "best MiB/s", "best ratio");
  for (k = 0; k < NMETHODS; k++) {
    best[k] = bench_min(secs[k], o.rounds);
    med[k] = bench_median(secs[k], o.rounds);
  }
  for (k = 0; k < NMETHODS; k++) {
    double ratio = med[M_SEQ] / med[k], bratio = best[M_SEQ] / best[k];
    char label[64];
    printf("%-18s %10.1f %13.3fx %11.1f %10.3fx\n", names[k], mib / med[k], ratio, mib / best[k], bratio);
    if (k != M_SEQ) {
      snprintf(label, sizeof label, "Q4 %d thread%s vs sequential", nthreads[k], nthreads[k] > 1 ? "s" : "");
      bench_ratio(&o, "parallel_parts", label, ratio, bratio, k == M_P1 ? 1.0 : 0);
    }
  }
  if (csv) fclose(csv);
  free(source);
  return 0;
}
