/* Question 7: what does compressing a log cost and save?  JSON-like log
 * lines (about 150 bytes each, appended one at a time) written through the
 * compressed writable (zstd, plinth/compress.h) and through the plain
 * buffered writable:
 *   A. open to close, unsynced: MB/s of records in, MB/s on disk, CPU,
 *      ratio (zstd levels 1 and 3 against plain);
 *   B. every record synced: the latency of append + sync, plain against
 *      zstd ending a block per sync (the default) and a frame per sync,
 *      the three files open side by side and the methods alternating op
 *      by op, so all see the same background (other fsyncs on the file
 *      system): medians and 90th percentiles of every op's latency;
 *   C. the ratio cost of syncing: the same records with a sync every 1, 10,
 *      100, 1000 records or never, block per sync against frame per sync
 *      (measured with flush, which ends the block or frame exactly as sync
 *      does, so no disk wait is involved: the ratio is the stream's).
 * Methods alternate in every round (A) or op (B); medians. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "plinth/plinth.h"

#define MAXR 64
#define POOL (48u << 20) /* distinct log text, longer than any zstd window here */

static char *pool;
static size_t *line_off; /* start of each line in pool */
static size_t nlines;

/* A day of a web service's log, one JSON object per line. */
static void make_pool(void) {
  static const char *const levels[] = {"INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"};
  static const char *const paths[] = {"/api/v1/users", "/api/v1/orders", "/api/v1/orders/items", "/health",
                                      "/api/v2/search", "/static/app.js", "/api/v1/login", "/api/v1/cart"};
  static const char *const methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
  static const char *const msgs[] = {"request served", "cache miss", "slow query", "retrying upstream",
                                     "user not found", "payment declined"};
  size_t len = 0, cap = POOL / 100;
  uint64_t x = 88172645463325252ULL;
  uint64_t ts = 1764547200000ULL;
  pool = malloc(POOL + 512);
  line_off = malloc(cap * sizeof *line_off);
  nlines = 0;
  while (len < POOL) {
    unsigned st;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ts += x % 7;
    st = (x >> 20) % 100 < 92 ? 200 : (x >> 20) % 100 < 97 ? 404 : 500;
    if (nlines == cap) line_off = realloc(line_off, (cap *= 2) * sizeof *line_off);
    line_off[nlines++] = len;
    len += (size_t)snprintf(pool + len, 512,
                            "{\"ts\":%llu,\"level\":\"%s\",\"req\":\"%08llx\",\"method\":\"%s\",\"path\":\"%s/%u\","
                            "\"status\":%u,\"ms\":%u.%u,\"user\":%u,\"msg\":\"%s\"}\n",
                            (unsigned long long)ts, levels[(x >> 8) % 6], (unsigned long long)(x >> 32),
                            methods[(x >> 12) % 6], paths[(x >> 16) % 8], (unsigned)((x >> 24) % 100000),
                            st, (unsigned)((x >> 40) % 900), (unsigned)((x >> 50) % 10),
                            (unsigned)((x >> 44) % 50000), msgs[(x >> 56) % 6]);
  }
  line_off[nlines] = len;
}

static const char *line(size_t i, size_t *n) {
  i %= nlines - 1;
  *n = line_off[i + 1] - line_off[i];
  return pool + line_off[i];
}

typedef struct method {
  const char *name;
  int compressed;
  int level;
  int frame_per_sync;
} method;

static pl_writable_file *open_method(const method *m, const char *path) {
  pl_writable_file *f;
  pl_status s;
  if (!m->compressed) {
    s = pl_env_new_writable(pl_env_platform(), path, NULL, &f);
  } else {
    pl_compress_options co;
    pl_compress_options_init(&co);
    co.level = m->level;
    co.frame_per_sync = m->frame_per_sync;
    s = pl_env_new_compressed_writable(pl_env_platform(), path, NULL, &co, &f);
  }
  if (s != PL_OK) bench_fail("open");
  return f;
}

static uint64_t file_size(const char *path) {
  uint64_t n = 0;
  if (pl_env_file_size(pl_env_platform(), path, &n) != PL_OK) bench_fail("size");
  return n;
}

/* Appends lines until `total` bytes; every `every` lines ends the block
 * (with sync when do_sync, else flush; never when every is 0).  Returns the
 * bytes appended; *on_disk is the file's size after close. */
static uint64_t write_log(const method *m, const char *path, uint64_t total, size_t max_lines, int every,
                          int do_sync, uint64_t *on_disk) {
  pl_writable_file *f = open_method(m, path);
  uint64_t in = 0;
  size_t i;
  for (i = 0; in < total && i < max_lines; i++) {
    size_t n;
    const char *p = line(i, &n);
    if (pl_writable_append(f, p, n) != PL_OK) bench_fail("append");
    in += n;
    if (every && (i + 1) % (size_t)every == 0) {
      if ((do_sync ? pl_writable_sync(f) : pl_writable_flush(f)) != PL_OK) bench_fail("sync");
    }
  }
  if (pl_writable_close(f) != PL_OK) bench_fail("close");
  *on_disk = file_size(path);
  return in;
}

int main(int argc, char **argv) {
  static const method a_methods[] = {{"plain", 0, 0, 0}, {"zstd-1", 1, 1, 0}, {"zstd-3", 1, 3, 0}};
  static const method b_methods[] = {{"plain", 0, 0, 0}, {"zstd-3 block/sync", 1, 3, 0}, {"zstd-3 frame/sync", 1, 3, 1}};
  static const int intervals[] = {1, 10, 100, 1000, 0};
  static double secs[3][MAXR], cpu[3][MAXR];
  double *lat[3];
  uint64_t in_a[3] = {0}, disk_a[3] = {0}, in_b[3] = {0}, disk_b[3] = {0};
  bench_opts o;
  char path[1200];
  const char *e = getenv("PLINTH_BENCH_SYNCS");
  uint64_t total;
  int syncs, r, k, i;
  FILE *csv;
  if (!pl_compress_available(PL_COMPRESS_ZSTD)) {
    printf("== Q7 compressed appends: this plinth was built without libzstd; nothing to measure\n");
    return 0;
  }
  bench_init(&o, argc, argv, 7);
  if (o.rounds > MAXR) o.rounds = MAXR;
  total = o.size / 4;
  syncs = e && *e ? atoi(e) : o.quick ? 100 : 500;
  make_pool();
  for (k = 0; k < 3; k++) lat[k] = malloc(sizeof(double) * (size_t)syncs * (size_t)o.rounds);
  bench_path(&o, path, sizeof path, "compressed_appends.dat");
  printf("== Q7 compressed appends of JSON log lines (%lu lines of %.0f bytes on average in the pool)\n",
         (unsigned long)nlines, (double)POOL / (double)nlines);
  bench_print_conditions(stdout, "compressed_appends", &o);
  csv = bench_csv_open(&o, "compressed_appends");
  if (csv) fprintf(csv, "part,method,round,seconds,cpu_seconds,bytes_in,bytes_on_disk\n");
  for (r = 0; r < o.rounds; r++) {
    for (k = 0; k < 3; k++) {
      int m = (k + r) % 3;
      double t0, c0;
      c0 = bench_cpu();
      t0 = bench_now();
      in_a[m] = write_log(&a_methods[m], path, total, (size_t)-1, 0, 0, &disk_a[m]);
      secs[m][r] = bench_now() - t0;
      cpu[m][r] = bench_cpu() - c0;
      bench_settle(path);
      if (csv)
        fprintf(csv, "A unsynced,%s,%d,%.6f,%.6f,%llu,%llu\n", a_methods[m].name, r, secs[m][r], cpu[m][r],
                (unsigned long long)in_a[m], (unsigned long long)disk_a[m]);
    }
    {
      pl_writable_file *f[3];
      char p[3][1300];
      int j;
      for (k = 0; k < 3; k++) {
        snprintf(p[k], sizeof p[k], "%s.%d", path, k);
        f[k] = open_method(&b_methods[k], p[k]);
        in_b[k] = 0;
      }
      for (j = 0; j < syncs; j++) {
        size_t n;
        const char *ln = line((size_t)j, &n);
        for (k = 0; k < 3; k++) {
          int m = (k + j + r) % 3;
          double t0 = bench_now();
          if (pl_writable_append(f[m], ln, n) != PL_OK) bench_fail("append");
          if (pl_writable_sync(f[m]) != PL_OK) bench_fail("sync");
          lat[m][r * syncs + j] = bench_now() - t0;
          in_b[m] += n;
        }
      }
      for (k = 0; k < 3; k++) {
        if (pl_writable_close(f[k]) != PL_OK) bench_fail("close");
        disk_b[k] = file_size(p[k]);
        bench_unlink(p[k]);
      }
    }
  }
  printf("A. %lu MiB of lines, open to close, unsynced\n", (unsigned long)(total >> 20));
  printf("%-20s %10s %12s %8s %8s %10s %12s\n", "method", "MB/s in", "MB/s on disk", "ratio", "cpu s",
         "vs plain", "best MB/s in");
  for (k = 0; k < 3; k++) {
    double med = bench_median(secs[k], o.rounds), best = bench_min(secs[k], o.rounds);
    double pmed = bench_median(secs[0], o.rounds);
    printf("%-20s %10.1f %12.1f %8.2f %8.3f %9.3fx %12.1f\n", a_methods[k].name, in_a[k] / 1e6 / med,
           disk_a[k] / 1e6 / med, (double)in_a[k] / (double)disk_a[k], bench_median(cpu[k], o.rounds),
           pmed / med, in_a[k] / 1e6 / best);
  }
  printf("B. %d x (append one line + sync) per method and round, methods alternating op by op\n", syncs);
  printf("%-20s %10s %10s %10s %8s %14s\n", "method", "p50 us", "p90 us", "mean us", "ratio", "p50 vs plain");
  {
    double p50[3], p90[3], mean[3];
    int n = syncs * o.rounds, j;
    for (k = 0; k < 3; k++) {
      mean[k] = 0;
      for (j = 0; j < n; j++) mean[k] += lat[k][j] / n;
      if (csv)
        for (j = 0; j < n; j++)
          fprintf(csv, "B synced,%s,%d,%.7f,0,0,0\n", b_methods[k].name, j / syncs, lat[k][j]);
      bench_median(lat[k], n); /* sorts */
      p50[k] = lat[k][(n - 1) / 2];
      p90[k] = lat[k][(int)(0.9 * (n - 1) + 0.5)];
    }
    for (k = 0; k < 3; k++)
      printf("%-20s %10.1f %10.1f %10.1f %8.2f %13.3fx\n", b_methods[k].name, p50[k] * 1e6, p90[k] * 1e6,
             mean[k] * 1e6, (double)in_b[k] / (double)disk_b[k], p50[0] / p50[k]);
  }
  /* C: deterministic, one pass each. */
  printf("C. ratio by sync interval (zstd-3; %lu MiB of lines, or 20000 lines when syncing every line)\n",
         (unsigned long)((total < (64u << 20) ? total : (64u << 20)) >> 20));
  printf("%-14s %14s %14s %16s %16s\n", "sync every", "block/sync", "frame/sync", "bytes/sync block",
         "bytes/sync frame");
  for (i = 0; i < (int)(sizeof intervals / sizeof intervals[0]); i++) {
    double ratio[2], per[2];
    int mode;
    for (mode = 0; mode < 2; mode++) {
      method m = {"c", 1, 3, 0};
      uint64_t in, disk, lines_max = intervals[i] == 1 ? 20000 : (uint64_t)-1;
      uint64_t t = total < (64u << 20) ? total : (64u << 20);
      size_t lines_used;
      m.frame_per_sync = mode;
      in = write_log(&m, path, t, (size_t)lines_max, intervals[i], 0, &disk);
      bench_unlink(path);
      ratio[mode] = (double)in / (double)disk;
      /* lines written: t bytes' worth, or the cap */
      lines_used = intervals[i] == 1 ? 20000 : (size_t)((double)in / ((double)POOL / (double)nlines));
      per[mode] = intervals[i] ? (double)disk / ((double)lines_used / intervals[i]) : 0;
      if (csv)
        fprintf(csv, "C every %d,%s,0,0,0,%llu,%llu\n", intervals[i], mode ? "frame/sync" : "block/sync",
                (unsigned long long)in, (unsigned long long)disk);
    }
    if (intervals[i])
      printf("%-14d %14.2f %14.2f %16.0f %16.0f\n", intervals[i], ratio[0], ratio[1], per[0], per[1]);
    else
      printf("%-14s %14.2f %14.2f %16s %16s\n", "never", ratio[0], ratio[1], "-", "-");
  }
  if (csv) fclose(csv);
  for (k = 0; k < 3; k++) free(lat[k]);
  free(pool);
  free(line_off);
  return 0;
}
