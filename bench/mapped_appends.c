/* Question 6: would a memory-mapped writable (stores into a shared mapping
 * of the file, grown by preallocated 16 MiB steps, msync on sync, cut to
 * its logical size on close) be faster than the buffered one (a 64 KiB
 * buffer, write(2), fdatasync on sync)?  Appends of 100 B, 4 KiB and
 * 64 KiB:
 *   unsynced: a file written open to close; the two methods alternate in
 *   every round; medians of wall and CPU time;
 *   synced: each append followed by a sync, the two files open side by
 *   side and the methods alternating op by op, so both see the same
 *   background (other fsyncs on the same file system); medians and 90th
 *   percentiles of every op's latency.
 * A third method, buffered+alloc, preallocates the buffered file by the
 * mapped file's steps.  Ratios are each method's speed over the plain
 * buffered one's (above 1.0: faster than buffered).
 *
 * The mapped writable was plinth's PL_WRITABLE_MAPPED strategy (commit
 * "Mapped writable ..." on the zstd branch, env/writable_mapped.c); it was
 * measured here, lost, and was removed (bench/README.md, Q6).  The same
 * algorithm stays below as a writable of this program's own, on the public
 * vtable, so the question can be asked again on another machine. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "plinth/plinth.h"

/* buffered+alloc: the buffered writable with the file preallocated by the
 * same steps the mapped one grows by (pl_writable_allocate), so a sync
 * finds the file's size and blocks unchanged, as the mapped file's sync
 * does: it tells the mapping's effect from the preallocation's. */
enum { M_BUFFERED, M_MAPPED, M_ALLOC, NMETHODS };
static const char *names[NMETHODS] = {"buffered", "mapped", "buffered+alloc"};
#define STEP ((uint64_t)16 << 20)
static const size_t sizes[] = {100, 4096, 65536};
#define NSIZES 3
#define MAXR 64

static char *data; /* 64 KiB of printable bytes */

/* ---- the mapped writable ---------------------------------------------------- */

typedef struct mapped {
  pl_writable_file base;
  int fd;
  char *map;          /* window from off to extent */
  uint64_t off, extent, size;
  uint64_t dirty_from; /* first byte stored since the last sync; UINT64_MAX: none */
  int grown;          /* the size changed since the last sync */
  size_t page;
} mapped;

static pl_status mapped_fail(const char *what) {
  return pl_error_set(PL_IO_ERROR, errno, "mapped %s: %s", what, strerror(errno));
}

/* Grows the file by whole steps (fallocate: blocks reserved, so a store
 * never meets a full disk as SIGBUS) and maps from the page of `at`. */
static pl_status mapped_grow(mapped *w, uint64_t at, uint64_t need) {
  uint64_t extent = (need + STEP - 1) / STEP * STEP;
  void *p;
  if (posix_fallocate(w->fd, (off_t)w->extent, (off_t)(extent - w->extent)) != 0) return mapped_fail("fallocate");
  if (w->map) munmap(w->map, (size_t)(w->extent - w->off));
  w->off = at / w->page * w->page;
  p = mmap(NULL, (size_t)(extent - w->off), PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, (off_t)w->off);
  if (p == MAP_FAILED) return mapped_fail("mmap");
  w->map = p;
  w->extent = extent;
  w->grown = 1;
  return PL_OK;
}

static pl_status mapped_append(pl_writable_file *f, const void *d, size_t n) {
  mapped *w = (mapped *)f;
  if (w->size + n > w->extent) {
    pl_status s = mapped_grow(w, w->size, w->size + n);
    if (s != PL_OK) return s;
  }
  memcpy(w->map + (w->size - w->off), d, n);
  if (w->dirty_from == UINT64_MAX) w->dirty_from = w->size;
  w->size += n;
  return PL_OK;
}

static pl_status mapped_sync(pl_writable_file *f) {
  mapped *w = (mapped *)f;
  if (w->dirty_from != UINT64_MAX) {
    /* from the page of the first byte stored since the last sync (stores
     * in an earlier, unmapped window reach the disk by the fdatasync) */
    uint64_t from = w->dirty_from < w->off ? w->off : w->dirty_from / w->page * w->page;
    if (msync(w->map + (from - w->off), (size_t)(w->size - from), MS_SYNC) != 0) return mapped_fail("msync");
  }
  if (w->grown && fdatasync(w->fd) != 0) return mapped_fail("fdatasync");
  w->dirty_from = UINT64_MAX;
  w->grown = 0;
  return PL_OK;
}

static pl_status mapped_close(pl_writable_file *f) {
  mapped *w = (mapped *)f;
  pl_status s = PL_OK;
  if (w->map) munmap(w->map, (size_t)(w->extent - w->off));
  if (ftruncate(w->fd, (off_t)w->size) != 0) s = mapped_fail("ftruncate");
  close(w->fd);
  free(w);
  return s;
}

static pl_status mapped_flush(pl_writable_file *f) { return PL_OK; }
static uint64_t mapped_tell(pl_writable_file *f) { return ((mapped *)f)->size; }
static void mapped_stats(pl_writable_file *f, pl_writable_stats *o) { memset(o, 0, sizeof *o); }
static pl_status mapped_appendv(pl_writable_file *f, const pl_iovec *v, int n) {
  int i;
  for (i = 0; i < n; i++) {
    pl_status s = mapped_append(f, v[i].base, v[i].len);
    if (s != PL_OK) return s;
  }
  return PL_OK;
}
/* Version 1: no write_at or allocate. */
static const pl_writable_methods mapped_methods = {1, mapped_append, mapped_appendv, mapped_flush, mapped_sync,
                                                   mapped_close, mapped_tell, mapped_stats, NULL, NULL};

static pl_writable_file *mapped_open(const char *path) {
  mapped *w = calloc(1, sizeof *w);
  if (w == NULL) bench_fail("out of memory");
  w->base.methods = &mapped_methods;
  w->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) bench_fail("open");
  w->dirty_from = UINT64_MAX;
  w->page = (size_t)sysconf(_SC_PAGESIZE);
  return &w->base;
}

/* ---- the program ------------------------------------------------------------- */

static pl_writable_file *open_method(int m, const char *path) {
  pl_writable_file *f;
  if (m == M_MAPPED) return mapped_open(path);
  if (pl_env_new_writable(pl_env_platform(), path, NULL, &f) != PL_OK) bench_fail("open");
  return f;
}

/* Appends n bytes; buffered+alloc first reserves the next step when the
 * append crosses the reserved end (*reserved). */
static void append(int m, pl_writable_file *f, size_t n, uint64_t *reserved) {
  if (m == M_ALLOC && pl_writable_tell(f) + n > *reserved) {
    if (pl_writable_allocate(f, *reserved, STEP) != PL_OK) bench_fail("allocate");
    *reserved += STEP;
  }
  if (pl_writable_append(f, data, n) != PL_OK) bench_fail("append");
}

/* Writes total bytes in appends of n, open to close. */
static void run_unsynced(int m, const char *path, size_t n, uint64_t total) {
  pl_writable_file *f = open_method(m, path);
  uint64_t done, reserved = 0;
  for (done = 0; done < total; done += n) append(m, f, n, &reserved);
  if (pl_writable_close(f) != PL_OK) bench_fail("close");
}

/* count appends of n bytes to each of the two files, each followed by a
 * sync, alternating between the methods op by op; latencies into lat. */
static void run_synced(const char *path, size_t n, int count, int r, double *lat[NMETHODS]) {
  pl_writable_file *f[NMETHODS];
  char p[NMETHODS][1300];
  uint64_t reserved[NMETHODS] = {0};
  int i, k;
  for (k = 0; k < NMETHODS; k++) {
    snprintf(p[k], sizeof p[k], "%s.%d", path, k);
    f[k] = open_method(k, p[k]);
  }
  for (i = 0; i < count; i++) {
    for (k = 0; k < NMETHODS; k++) {
      int m = (k + i + r) % NMETHODS;
      double t0 = bench_now();
      append(m, f[m], n, &reserved[m]);
      if (pl_writable_sync(f[m]) != PL_OK) bench_fail("sync");
      lat[m][r * count + i] = bench_now() - t0;
    }
  }
  for (k = 0; k < NMETHODS; k++) {
    if (pl_writable_close(f[k]) != PL_OK) bench_fail("close");
    bench_unlink(p[k]);
  }
}

/* The q-quantile of v[0..n) (sorts v). */
static double quantile(double *v, int n, double q) {
  int i = (int)(q * (n - 1) + 0.5);
  bench_median(v, n); /* sorts */
  return v[i];
}

int main(int argc, char **argv) {
  bench_opts o;
  char path[1200];
  static double secs[NSIZES][NMETHODS][MAXR], cpu[NSIZES][NMETHODS][MAXR];
  double *lat[NSIZES][NMETHODS];
  const char *e = getenv("PLINTH_BENCH_SYNCS");
  uint64_t total;
  int count, r, k, si;
  FILE *csv;
  bench_init(&o, argc, argv, 9);
  if (o.rounds > MAXR) o.rounds = MAXR;
  /* A quarter of the Q1 file (256 MiB in a full run): three sizes, two
   * methods and every round write it. */
  total = o.size / 4;
  count = e && *e ? atoi(e) : o.quick ? 100 : 500;
  data = malloc(65536);
  bench_fill(data, 65536);
  for (si = 0; si < NSIZES; si++)
    for (k = 0; k < NMETHODS; k++) lat[si][k] = malloc(sizeof(double) * (size_t)count * (size_t)o.rounds);
  bench_path(&o, path, sizeof path, "mapped_appends.dat");
  printf("== Q6 a mapped writable vs the buffered one: appends of 100 B, 4 KiB, 64 KiB; %lu MiB open to close unsynced; %d x (append + sync) per round synced\n",
         (unsigned long)(total >> 20), count);
  bench_print_conditions(stdout, "mapped_appends", &o);
  csv = bench_csv_open(&o, "mapped_appends");
  if (csv) fprintf(csv, "mode,append_bytes,method,round,seconds,cpu_seconds,mib_per_s\n");
  for (r = 0; r < o.rounds; r++) {
    for (si = 0; si < NSIZES; si++) {
      for (k = 0; k < NMETHODS; k++) {
        int m = (k + r) % NMETHODS; /* the order alternates every round */
        double t0, c0;
        c0 = bench_cpu();
        t0 = bench_now();
        run_unsynced(m, path, sizes[si], total);
        secs[si][m][r] = bench_now() - t0;
        cpu[si][m][r] = bench_cpu() - c0;
        bench_settle(path);
        if (csv)
          fprintf(csv, "unsynced,%lu,%s,%d,%.6f,%.6f,%.1f\n", (unsigned long)sizes[si], names[m], r,
                  secs[si][m][r], cpu[si][m][r], (double)total / 1048576.0 / secs[si][m][r]);
      }
      run_synced(path, sizes[si], count, r, lat[si]);
    }
  }
  printf("unsynced: %lu MiB open to close\n", (unsigned long)(total >> 20));
  printf("%7s %-15s %9s %9s %13s %10s %10s %11s\n", "append", "method", "MiB/s", "us/op", "vs buffered",
         "cpu s", "cpu ratio", "best ratio");
  for (si = 0; si < NSIZES; si++) {
    double med[NMETHODS], best[NMETHODS], c[NMETHODS];
    double ops = (double)(total / sizes[si]);
    for (k = 0; k < NMETHODS; k++) {
      best[k] = bench_min(secs[si][k], o.rounds);
      med[k] = bench_median(secs[si][k], o.rounds);
      c[k] = bench_median(cpu[si][k], o.rounds);
    }
    for (k = 0; k < NMETHODS; k++)
      printf("%7lu %-15s %9.1f %9.3f %12.3fx %10.3f %9.3fx %10.3fx\n", (unsigned long)sizes[si], names[k],
             (double)total / 1048576.0 / med[k], med[k] * 1e6 / ops, med[M_BUFFERED] / med[k], c[k],
             c[M_BUFFERED] / c[k], best[M_BUFFERED] / best[k]);
  }
  printf("synced: append + sync, %d ops per method and round, methods alternating op by op\n", count);
  printf("%7s %-15s %10s %10s %13s %10s %11s\n", "append", "method", "p50 us", "p90 us", "vs buffered", "mean us",
         "p90 ratio");
  for (si = 0; si < NSIZES; si++) {
    double p50[NMETHODS], p90[NMETHODS], mean[NMETHODS];
    int n = count * o.rounds, i;
    for (k = 0; k < NMETHODS; k++) {
      mean[k] = 0;
      for (i = 0; i < n; i++) mean[k] += lat[si][k][i] / n;
      if (csv)
        for (i = 0; i < n; i++)
          fprintf(csv, "synced,%lu,%s,%d,%.7f,0,0\n", (unsigned long)sizes[si], names[k], i / count, lat[si][k][i]);
      p90[k] = quantile(lat[si][k], n, 0.9);
      p50[k] = quantile(lat[si][k], n, 0.5);
    }
    for (k = 0; k < NMETHODS; k++)
      printf("%7lu %-15s %10.1f %10.1f %12.3fx %10.1f %10.3fx\n", (unsigned long)sizes[si], names[k], p50[k] * 1e6,
             p90[k] * 1e6, p50[M_BUFFERED] / p50[k], mean[k] * 1e6, p90[M_BUFFERED] / p90[k]);
  }
  if (csv) fclose(csv);
  for (si = 0; si < NSIZES; si++)
    for (k = 0; k < NMETHODS; k++) free(lat[si][k]);
  free(data);
  return 0;
}
