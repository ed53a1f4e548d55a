/* Question 6: what does a durable append cost, and how close is it to the
 * disk's floor?  For records of 100 B, 4 KiB and 32 KiB, each operation
 * appends one record and returns when it is durable:
 *
 *   log-each        plinth's record log, sync per append (pre-zeroed segment)
 *   log-direct      the same, segments opened O_DIRECT|O_DSYNC
 *   log-group       the log with group commit (one thread: its fast path)
 *   log-none        the log without syncs: append latency only, NOT durable
 *   log-rolling     sync per append in 1 MiB segments, each released segment
 *                   recycled as a spare: rolls and recycling included
 *   log-evicted     log-each with the segment's pages dropped from the page
 *                   cache first: whole-page writes must not read them back
 *   writable        plinth's writable file, append + sync (grows the file)
 *   leveldb-env     LevelDB's POSIX env, Append + Sync (grows the file)
 *   raw-append      write(2) + fdatasync(2) (grows the file)
 *   floor           pwrite(2) over a file pre-written with zeros and synced,
 *                   + fdatasync(2): what the disk charges for an overwrite
 *   floor-evicted   the floor with the file's pages dropped first: a partial
 *                   page write must read the page first (the raft-engine#272
 *                   trap)
 *
 * Besides time, every method's timed loop counts sectors read from the disk
 * holding the directory (/proc/diskstats, whole device: other work on the
 * machine shows up too) and bytes this process caused to be read
 * (/proc/self/io read_bytes).  The machine this was written on is shared:
 * each round waits (up to 30 s) for the disk's pressure stall figure to
 * drop below 2%, and the CSV records it. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "bench/ldb_shim.h"
#include "plinth/plinth.h"

enum {
  M_LOG_EACH, M_LOG_DIRECT, M_LOG_GROUP, M_LOG_NONE, M_LOG_ROLLING, M_LOG_EVICTED,
  M_WRITABLE, M_LEVELDB, M_RAW, M_FLOOR, M_FLOOR_EVICTED, NMETHODS
};
static const char *names[NMETHODS] = {"log-each", "log-direct", "log-group", "log-none",
                                      "log-rolling", "log-evicted", "writable", "leveldb-env",
                                      "raw-append", "floor", "floor-evicted"};

static const bench_opts *O;
static char *record;
static char direct_note[256];
static unsigned dev_major, dev_minor;

/* Sectors read from the device holding the bench directory, or -1. */
static long long device_sectors_read(void) {
  FILE *f = fopen("/proc/diskstats", "r");
  char line[512];
  long long got = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f)) {
    unsigned ma, mi;
    unsigned long long reads, merged, sectors;
    char name[64];
    if (sscanf(line, "%u %u %63s %llu %llu %llu", &ma, &mi, name, &reads, &merged, &sectors) == 6 &&
        ma == dev_major && mi == dev_minor)
      got = (long long)sectors;
  }
  fclose(f);
  return got;
}

/* Bytes this process caused to be read from storage, or -1. */
static long long process_read_bytes(void) {
  FILE *f = fopen("/proc/self/io", "r");
  char line[256];
  long long got = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "read_bytes: %lld", &got) == 1) break;
  fclose(f);
  return got;
}

static void evict(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) bench_fail("open to evict");
  if (fdatasync(fd) != 0) bench_fail("fdatasync to evict");
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

/* Bytes a log needs for n records of len bytes, rounded up, with room. */
static uint64_t log_segment_for(int n, size_t len) {
  uint64_t per = len + PL_LOG_HEADER_SIZE * (1 + len / (PL_LOG_BLOCK_SIZE - PL_LOG_HEADER_SIZE));
  uint64_t need = (uint64_t)n * per + (uint64_t)n * per / 64 + (1u << 20);
  return (need + (1u << 20) - 1) / (1u << 20) * (1u << 20);
}

typedef struct result {
  double secs;
  long long dev_sectors, proc_bytes;
} result;

static void timed_log(int m, const char *dir, int n, size_t len, result *res) {
  pl_log_options lo;
  pl_log *log;
  pl_log_stats st;
  double t0;
  long long d0, p0;
  int i;
  uint64_t seen;
  pl_log_options_init(&lo);
  lo.segment_size = log_segment_for(n, len);
  lo.spares = 0; /* nothing zeroed while timing */
  if (m == M_LOG_DIRECT) lo.direct = PL_LOG_DIRECT_TRY;
  if (m == M_LOG_GROUP) lo.durability = PL_LOG_SYNC_GROUP;
  if (m == M_LOG_NONE) lo.durability = PL_LOG_SYNC_NONE;
  if (m == M_LOG_ROLLING) {
    lo.segment_size = 1u << 20;
    lo.spares = 2;
  }
  if (pl_log_open(pl_env_default(), dir, &lo, &log) != PL_OK) bench_fail("log open");
  if (pl_log_wait_spares(log) != PL_OK) bench_fail("log spares");
  if (m == M_LOG_EVICTED) {
    char seg[1300];
    snprintf(seg, sizeof seg, "%s/%016llx.log", dir, (unsigned long long)pl_log_current(log));
    evict(seg);
  }
  seen = pl_log_current(log);
  d0 = device_sectors_read();
  p0 = process_read_bytes();
  t0 = bench_now();
  for (i = 0; i < n; i++) {
    if (pl_log_append(log, record, len) != PL_OK) bench_fail("log append");
    if (m == M_LOG_ROLLING && pl_log_current(log) != seen) {
      /* a checkpointing engine releases what it no longer needs */
      seen = pl_log_current(log);
      if (pl_log_release(log, seen - 1) != PL_OK) bench_fail("log release");
    }
  }
  res->secs = bench_now() - t0;
  res->dev_sectors = device_sectors_read() - d0;
  res->proc_bytes = process_read_bytes() - p0;
  pl_log_stats_get(log, &st);
  if (m == M_LOG_DIRECT && !st.direct) snprintf(direct_note, sizeof direct_note, "%s", st.direct_note);
  if (pl_log_close(log) != PL_OK) bench_fail("log close");
  if (pl_file_remove_tree(pl_env_default(), dir) != PL_OK) bench_fail("remove log");
}

static void prezero(const char *path, uint64_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  char *z = calloc(1, 1 << 20);
  uint64_t done = 0;
  if (fd < 0 || z == NULL) bench_fail("prezero open");
  while (done < size) {
    size_t k = size - done < (1u << 20) ? (size_t)(size - done) : (1u << 20);
    if (write(fd, z, k) != (ssize_t)k) bench_fail("prezero write");
    done += k;
  }
  if (fdatasync(fd) != 0) bench_fail("prezero fdatasync");
  close(fd);
  free(z);
}

static void timed_file(int m, const char *path, int n, size_t len, result *res) {
  pl_writable_file *f = NULL;
  ldb_writable *lf = NULL;
  int fd = -1, i;
  double t0;
  long long d0, p0;
  if (m == M_FLOOR || m == M_FLOOR_EVICTED) {
    prezero(path, (uint64_t)n * len);
    if (m == M_FLOOR_EVICTED) evict(path);
    fd = open(path, O_WRONLY | O_CLOEXEC);
  } else if (m == M_RAW) {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } else if (m == M_WRITABLE) {
    if (pl_env_new_writable(pl_env_default(), path, NULL, &f) != PL_OK) bench_fail("open");
  } else {
    lf = ldb_writable_open(path);
  }
  if ((m == M_FLOOR || m == M_FLOOR_EVICTED || m == M_RAW) && fd < 0) bench_fail("open");
  d0 = device_sectors_read();
  p0 = process_read_bytes();
  t0 = bench_now();
  for (i = 0; i < n; i++) {
    switch (m) {
      case M_WRITABLE:
        if (pl_writable_append(f, record, len) != PL_OK) bench_fail("append");
        if (pl_writable_sync(f) != PL_OK) bench_fail("sync");
        break;
      case M_LEVELDB:
        ldb_writable_append(lf, record, len);
        ldb_writable_sync(lf);
        break;
      case M_RAW:
        if (write(fd, record, len) != (ssize_t)len) bench_fail("write");
        if (fdatasync(fd) != 0) bench_fail("fdatasync");
        break;
      default:
        if (pwrite(fd, record, len, (off_t)i * (off_t)len) != (ssize_t)len) bench_fail("pwrite");
        if (fdatasync(fd) != 0) bench_fail("fdatasync");
        break;
    }
  }
  res->secs = bench_now() - t0;
  res->dev_sectors = device_sectors_read() - d0;
  res->proc_bytes = process_read_bytes() - p0;
  if (f && pl_writable_close(f) != PL_OK) bench_fail("close");
  if (lf) ldb_writable_close(lf);
  if (fd >= 0) close(fd);
  bench_unlink(path);
}

/* ---- part 2: one operation of each method in turn ------------------------
 * On a shared machine whole runs are disturbed unevenly.  Here every method
 * keeps its file open and the methods take turns, one durable append each
 * (the order rotating), so they meet the same disk conditions; each
 * operation is timed on its own and the medians compared. */

enum { I_LOG_EACH, I_LOG_DIRECT, I_WRITABLE, I_LEVELDB, I_RAW, I_FLOOR, NINTER };
static const char *inames[NINTER] = {"log-each", "log-direct", "writable", "leveldb-env",
                                     "raw-append", "floor"};

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p) {
  int i = (int)(p * (n - 1) + 0.5);
  qsort(v, (size_t)n, sizeof *v, cmp_dbl);
  return v[i];
}

static void interleaved(const bench_opts *o, size_t len, int n, FILE *csv, int have_ldb) {
  char ldir[1200], ddir[1200], wpath[1200], lpath[1200], rpath[1200], fpath[1200];
  pl_log *logs[2];
  pl_writable_file *wf;
  ldb_writable *lf = NULL;
  int rfd, ffd, i, k, j;
  double *lat[NINTER], med[NINTER];
  pl_log_options lo;
  pl_log_stats st;
  bench_path(o, ldir, sizeof ldir, "interleaved.log");
  bench_path(o, ddir, sizeof ddir, "interleaved.direct");
  bench_path(o, wpath, sizeof wpath, "interleaved.writable");
  bench_path(o, lpath, sizeof lpath, "interleaved.leveldb");
  bench_path(o, rpath, sizeof rpath, "interleaved.raw");
  bench_path(o, fpath, sizeof fpath, "interleaved.floor");
  pl_file_remove_tree(pl_env_default(), ldir);
  pl_file_remove_tree(pl_env_default(), ddir);
  pl_log_options_init(&lo);
  lo.segment_size = log_segment_for(n, len);
  lo.spares = 0;
  if (pl_log_open(pl_env_default(), ldir, &lo, &logs[0]) != PL_OK) bench_fail("log open");
  lo.direct = PL_LOG_DIRECT_TRY;
  if (pl_log_open(pl_env_default(), ddir, &lo, &logs[1]) != PL_OK) bench_fail("log open");
  pl_log_stats_get(logs[1], &st);
  if (pl_env_new_writable(pl_env_default(), wpath, NULL, &wf) != PL_OK) bench_fail("open");
  if (have_ldb) lf = ldb_writable_open(lpath);
  rfd = open(rpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  prezero(fpath, (uint64_t)n * len);
  ffd = open(fpath, O_WRONLY | O_CLOEXEC);
  if (rfd < 0 || ffd < 0) bench_fail("open");
  for (k = 0; k < NINTER; k++) lat[k] = calloc((size_t)n, sizeof **lat);
  for (i = 0; i < n; i++)
    for (j = 0; j < NINTER; j++) {
      int m = (i + j) % NINTER;
      double t0;
      if (m == I_LEVELDB && !have_ldb) continue;
      t0 = bench_now();
      switch (m) {
        case I_LOG_EACH:
        case I_LOG_DIRECT:
          if (pl_log_append(logs[m], record, len) != PL_OK) bench_fail("log append");
          break;
        case I_WRITABLE:
          if (pl_writable_append(wf, record, len) != PL_OK) bench_fail("append");
          if (pl_writable_sync(wf) != PL_OK) bench_fail("sync");
          break;
        case I_LEVELDB:
          ldb_writable_append(lf, record, len);
          ldb_writable_sync(lf);
          break;
        case I_RAW:
          if (write(rfd, record, len) != (ssize_t)len) bench_fail("write");
          if (fdatasync(rfd) != 0) bench_fail("fdatasync");
          break;
        default:
          if (pwrite(ffd, record, len, (off_t)i * (off_t)len) != (ssize_t)len) bench_fail("pwrite");
          if (fdatasync(ffd) != 0) bench_fail("fdatasync");
          break;
      }
      lat[m][i] = (bench_now() - t0) * 1e6;
    }
  printf("\n%lu-byte records, interleaved: %d operations of each method, one of each in turn\n",
         (unsigned long)len, n);
  printf("%-14s %9s %9s %9s %11s %9s\n", "method", "p50 us", "p90 us", "p99 us", "vs leveldb", "vs floor");
  for (k = 0; k < NINTER; k++) {
    if (k == I_LEVELDB && !have_ldb) continue;
    med[k] = pct(lat[k], n, 0.5);
  }
  for (k = 0; k < NINTER; k++) {
    double p90, p99;
    if (k == I_LEVELDB && !have_ldb) continue;
    p90 = pct(lat[k], n, 0.9);
    p99 = pct(lat[k], n, 0.99);
    printf("%-14s %9.1f %9.1f %9.1f %10.3fx %8.3fx%s\n", inames[k], med[k], p90, p99,
           have_ldb ? med[I_LEVELDB] / med[k] : 0, med[I_FLOOR] / med[k],
           k == I_LOG_DIRECT && !st.direct ? "  (fell back: not direct)" : "");
    if (csv)
      fprintf(csv, "%lu,%s-interleaved,p50,%d,0,%.2f,0,0,0\n", (unsigned long)len, inames[k], n, med[k]);
  }
  {
    char label[128];
    const char *sz = len == 100 ? "100B" : len == 4096 ? "4K" : "32K";
    double goal = len == 100 ? 1.3 : len == 4096 ? 1.8 : 0;
    if (have_ldb) {
      snprintf(label, sizeof label, "Q8 %s log p50 vs LevelDB (interleaved)", sz);
      bench_ratio(o, "durable_appends", label, med[I_LEVELDB] / med[I_LOG_EACH], med[I_LEVELDB] / med[I_LOG_EACH],
                  goal);
    }
    snprintf(label, sizeof label, "Q8 %s log p50 vs floor (interleaved)", sz);
    bench_ratio(o, "durable_appends", label, med[I_FLOOR] / med[I_LOG_EACH], med[I_FLOOR] / med[I_LOG_EACH], 0.91);
  }
  for (k = 0; k < NINTER; k++) free(lat[k]);
  if (pl_log_close(logs[0]) != PL_OK || pl_log_close(logs[1]) != PL_OK) bench_fail("log close");
  if (pl_writable_close(wf) != PL_OK) bench_fail("close");
  if (lf) ldb_writable_close(lf);
  close(rfd);
  close(ffd);
  pl_file_remove_tree(pl_env_default(), ldir);
  pl_file_remove_tree(pl_env_default(), ddir);
  bench_unlink(wpath);
  bench_unlink(lpath);
  bench_unlink(rpath);
  bench_unlink(fpath);
}

int main(int argc, char **argv) {
  static const size_t sizes[] = {100, 4096, 32768};
  bench_opts o;
  char dir[1200], path[1200];
  int have_ldb = ldb_available(), si, r, k;
  const char *e = getenv("PLINTH_BENCH_SYNCS");
  struct stat st;
  FILE *csv;
  bench_init(&o, argc, argv, 15);
  O = &o;
  if (o.rounds > 64) o.rounds = 64;
  if (stat(o.dir, &st) == 0) {
    dev_major = major(st.st_dev);
    dev_minor = minor(st.st_dev);
  }
  record = malloc(32768);
  bench_fill(record, 32768);
  bench_path(&o, dir, sizeof dir, "durable_appends.log");
  bench_path(&o, path, sizeof path, "durable_appends.dat");
  pl_file_remove_tree(pl_env_default(), dir);
  printf("== Q8 durable appends: one record + durable, per operation; 100 B, 4 KiB, 32 KiB records\n");
  bench_print_conditions(stdout, "durable_appends", &o);
  if (!have_ldb) printf("# LevelDB not linked: its column is skipped\n");
  csv = bench_csv_open(&o, "durable_appends");
  if (csv)
    fprintf(csv, "record_bytes,method,round,ops,seconds,us_per_op,device_sectors_read,process_read_bytes,"
                 "io_pressure_at_round_start\n");
  for (si = 0; si < 3; si++) {
    size_t len = sizes[si];
    int n = e && *e ? atoi(e) : o.quick ? 300 : (len > 4096 ? 500 : 1000);
    double secs[NMETHODS][64], raw[NMETHODS][64], med[NMETHODS], best[NMETHODS], pl[64], pf[64];
    long long dev[NMETHODS] = {0}, proc[NMETHODS] = {0};
    for (r = 0; r < o.rounds; r++) {
      double pressure = bench_wait_quiet_io(2.0, 30);
      for (k = 0; k < NMETHODS; k++) {
        int m = (k + r) % NMETHODS;
        result res;
        if (m == M_LEVELDB && !have_ldb) continue;
        if (m <= M_LOG_EVICTED) timed_log(m, dir, n, len, &res);
        else timed_file(m, path, n, len, &res);
        secs[m][r] = raw[m][r] = res.secs;
        dev[m] += res.dev_sectors;
        proc[m] += res.proc_bytes;
        if (csv)
          fprintf(csv, "%lu,%s,%d,%d,%.6f,%.2f,%lld,%lld,%.2f\n", (unsigned long)len, names[m], r, n, res.secs,
                  res.secs * 1e6 / n, res.dev_sectors, res.proc_bytes, pressure);
      }
    }
    for (k = 0; k < NMETHODS; k++) {
      if (k == M_LEVELDB && !have_ldb) continue;
      best[k] = bench_min(secs[k], o.rounds);
      med[k] = bench_median(secs[k], o.rounds);
    }
    printf("\n%lu-byte records, %d per run\n", (unsigned long)len, n);
    printf("%-14s %9s %11s %9s %11s %9s %11s %12s %13s\n", "method", "us/op", "vs leveldb", "vs floor",
           "paired ldb", "paired fl", "best us/op", "dev sectors", "proc rd bytes");
    for (k = 0; k < NMETHODS; k++) {
      double vl = have_ldb ? med[M_LEVELDB] / med[k] : 0, vf = med[M_FLOOR] / med[k];
      if (k == M_LEVELDB && !have_ldb) continue;
      /* the same ratios taken within each round, then the median: rounds
       * that other work on the machine slowed down count once */
      for (r = 0; r < o.rounds; r++) {
        pl[r] = have_ldb ? raw[M_LEVELDB][r] / raw[k][r] : 0;
        pf[r] = raw[M_FLOOR][r] / raw[k][r];
      }
      printf("%-14s %9.1f %10.3fx %8.3fx %10.3fx %8.3fx %11.1f %12lld %13lld%s\n", names[k], med[k] * 1e6 / n, vl,
             vf, bench_median(pl, o.rounds), bench_median(pf, o.rounds), best[k] * 1e6 / n, dev[k], proc[k],
             k == M_LOG_NONE ? "  (not durable)" : "");
    }
  }
  for (si = 0; si < 3; si++) {
    int n = e && *e ? atoi(e) : o.quick ? 300 : (sizes[si] > 4096 ? 2000 : 4000);
    interleaved(&o, sizes[si], n, csv, have_ldb);
  }
  if (direct_note[0]) printf("# log-direct fell back to buffered writes: %s\n", direct_note);
  printf("# vs leveldb / vs floor: that method's speed relative to it (median us/op ratio; "
         "above 1 is faster); dev sectors: summed over all rounds, whole device\n");
  if (csv) fclose(csv);
  free(record);
  return 0;
}
