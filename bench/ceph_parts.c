/* The part writer on Ceph vs local disk: the same publish (a file of
 * --size bytes in 8 MiB parts, written by 4 threads in 1 MiB pieces,
 * CRC-32C per part, then finalized) to
 *   local-file    the platform env, a file in --dir (sync, rename,
 *                 directory sync);
 *   s3-multipart  radosgw by S3 multipart upload (libplinth_s3: each part
 *                 uploaded by the thread that completed it, finalize
 *                 completes the upload);
 *   rados-env     the RADOS env (libplinth_rados: positional writes into
 *                 striped objects, sync, rename).
 * Methods alternate every round; medians and ratios against local-file.
 * Needs PLINTH_S3_* and PLINTH_RADOS_* (scripts/bench-ceph.sh sets them). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "plinth/part_writer.h"
#include "plinth/plinth.h"
#include "plinth/rados.h"
#include "plinth/s3.h"

#define PIECE (1u << 20)
#define PART (8u << 20)
#define THREADS 4

enum { M_LOCAL, M_S3, M_RADOS, NMETHODS };
static const char *names[NMETHODS] = {"local-file", "s3-multipart", "rados-env"};
static char *source; /* PIECE bytes, written over and over */

static void write_and_finalize(pl_part_writer *pw) { bench_write_parts(pw, THREADS, source, PIECE); }

int main(int argc, char **argv) {
  bench_opts o;
  pl_part_writer_options po;
  pl_s3_options s3;
  pl_env *rados;
  pl_part_writer *pw;
  char dest[1200];
  const char *key = "bench/parts.dat", *rados_path = "/bench-parts.dat";
  double secs[NMETHODS][64], med[NMETHODS], best[NMETHODS];
  double mib;
  int r, k;
  FILE *csv;
  bench_init(&o, argc, argv, 5);
  if (o.rounds > 64) o.rounds = 64;
  mib = (double)o.size / (1 << 20);
  pl_s3_options_init(&s3);
  if (pl_s3_options_from_environment(&s3) != PL_OK) bench_fail("S3 options (PLINTH_S3_*)");
  if (pl_s3_create_bucket(&s3) != PL_OK) bench_fail("creating the bucket");
  if (pl_rados_env_open_from_environment(&rados) != PL_OK) bench_fail("RADOS env (PLINTH_RADOS_*)");
  source = malloc(PIECE);
  bench_fill(source, PIECE);
  bench_path(&o, dest, sizeof dest, "ceph_parts.dat");
  pl_part_writer_options_init(&po);
  po.part_size = PART;
  /* Untimed warm-up: radosgw creates its data pools at the first upload,
   * which takes seconds on a fresh cluster. */
  if (pl_s3_part_writer_open(&s3, key, PART, &po, &pw) != PL_OK) bench_fail("S3 open (warm-up)");
  write_and_finalize(pw);
  if (pl_s3_delete_object(&s3, key) != PL_OK) bench_fail("S3 delete (warm-up)");
  printf("== part writer on Ceph: %.0f MiB published in 8 MiB parts by %d threads\n", mib, THREADS);
  bench_print_conditions(stdout, "ceph_parts", &o);
  csv = bench_csv_open(&o, "ceph_parts");
  if (csv) fprintf(csv, "method,round,seconds,mib_per_s\n");
  for (r = 0; r < o.rounds; r++)
    for (k = 0; k < NMETHODS; k++) {
      int m = (k + r) % NMETHODS;
      double t0 = bench_now();
      if (m == M_LOCAL) {
        if (pl_part_writer_open(pl_env_default(), dest, o.size, &po, &pw) != PL_OK) bench_fail("local open");
      } else if (m == M_S3) {
        if (pl_s3_part_writer_open(&s3, key, o.size, &po, &pw) != PL_OK) bench_fail("S3 open");
      } else {
        if (pl_part_writer_open(rados, rados_path, o.size, &po, &pw) != PL_OK) bench_fail("RADOS open");
      }
      write_and_finalize(pw);
      secs[m][r] = bench_now() - t0;
      if (m == M_LOCAL) bench_unlink(dest);
      else if (m == M_S3 && pl_s3_delete_object(&s3, key) != PL_OK) bench_fail("S3 delete");
      else if (m == M_RADOS && pl_env_remove_file(rados, rados_path) != PL_OK) bench_fail("RADOS remove");
      if (csv) fprintf(csv, "%s,%d,%.6f,%.1f\n", names[m], r, secs[m][r], mib / secs[m][r]);
    }
  printf("%-16s %10s %12s %11s %11s\n", "method", "MiB/s", "vs local", "best MiB/s", "best ratio");
  for (k = 0; k < NMETHODS; k++) {
    best[k] = bench_min(secs[k], o.rounds);
    med[k] = bench_median(secs[k], o.rounds);
  }
  for (k = 0; k < NMETHODS; k++) {
    double ratio = med[M_LOCAL] / med[k], bratio = best[M_LOCAL] / best[k];
    char label[64];
    printf("%-16s %10.1f %11.3fx %11.1f %10.3fx\n", names[k], mib / med[k], ratio, mib / best[k], bratio);
    if (k != M_LOCAL) {
      snprintf(label, sizeof label, "part writer %s vs local", names[k]);
      bench_ratio(&o, "ceph_parts", label, ratio, bratio, 0);
    }
  }
  if (csv) fclose(csv);
  pl_rados_env_close(rados);
  free(source);
  return 0;
}
