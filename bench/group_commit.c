/* Question 3: how many durable records per second do N threads get?
 * Each thread appends 100-byte records and returns only when its record is
 * durable.  plinth's group-commit appender (wake on every append) vs the
 * two ways people do it without one: all threads share one file and each
 * takes a mutex, appends and syncs ("shared+mutex"), or each thread syncs
 * its own file ("file-per-thread").  Both baselines use plinth's writable
 * file, so only the grouping differs.  "log-group" is the record log
 * (plinth/log.h) with group commit: the same batching loop, writing framed
 * records over a pre-zeroed segment instead of growing a file. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "plinth/group_commit.h"
#include "plinth/plinth.h"

#define REC 100

enum { M_GROUP, M_SHARED, M_OWN, M_LOG, NMETHODS };
static const char *names[NMETHODS] = {"group-commit", "shared+mutex", "file-per-thread", "log-group"};
static char record[REC];

typedef struct run {
  int method;
  int per_thread;
  pl_group_commit *gc;
  pl_log *log;
  pl_writable_file *shared;
  pthread_mutex_t mu;
  const bench_opts *o;
} run;

typedef struct worker {
  run *run;
  int id;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  run *r = w->run;
  int i;
  if (r->method == M_LOG) {
    for (i = 0; i < r->per_thread; i++)
      if (pl_log_append(r->log, record, REC) != PL_OK) bench_fail("log append");
  } else if (r->method == M_GROUP) {
    for (i = 0; i < r->per_thread; i++)
      if (pl_group_commit_append(r->gc, record, REC, PL_GC_DURABLE, NULL) != PL_OK)
        bench_fail("group commit append");
  } else if (r->method == M_SHARED) {
    for (i = 0; i < r->per_thread; i++) {
      pthread_mutex_lock(&r->mu);
      if (pl_writable_append(r->shared, record, REC) != PL_OK) bench_fail("append");
      if (pl_writable_sync(r->shared) != PL_OK) bench_fail("sync");
      pthread_mutex_unlock(&r->mu);
    }
  } else {
    char path[1200], name[64];
    pl_writable_file *f;
    snprintf(name, sizeof name, "group_commit.%d.dat", w->id);
    bench_path(r->o, path, sizeof path, name);
    if (pl_env_new_writable(pl_env_default(), path, NULL, &f) != PL_OK) bench_fail("open");
    for (i = 0; i < r->per_thread; i++) {
      if (pl_writable_append(f, record, REC) != PL_OK) bench_fail("append");
      if (pl_writable_sync(f) != PL_OK) bench_fail("sync");
    }
    if (pl_writable_close(f) != PL_OK) bench_fail("close");
  }
  return NULL;
}

/* Returns the seconds for threads x per_thread durable records. */
static double run_once(const bench_opts *o, int method, int threads, int per_thread,
                       pl_group_commit_stats *gst) {
  run r;
  worker w[64];
  pthread_t t[64];
  char path[1200], name[64];
  double t0, dt;
  int i;
  memset(&r, 0, sizeof r);
  r.method = method;
  r.per_thread = per_thread;
  r.o = o;
  pthread_mutex_init(&r.mu, NULL);
  bench_path(o, path, sizeof path, "group_commit.dat");
  /* Opening (and the directory sync it includes) is outside the timing. */
  if (method == M_GROUP && pl_group_commit_open(pl_env_default(), path, NULL, &r.gc) != PL_OK)
    bench_fail("group commit open");
  if (method == M_SHARED && pl_env_new_writable(pl_env_default(), path, NULL, &r.shared) != PL_OK)
    bench_fail("open");
  if (method == M_LOG) {
    /* one pre-zeroed segment that holds the whole run; zeroing it is part
     * of opening, outside the timing, as the group-commit file's open is */
    pl_log_options lo;
    pl_log_options_init(&lo);
    lo.durability = PL_LOG_SYNC_GROUP;
    lo.segment_size = (((uint64_t)threads * per_thread * (REC + PL_LOG_HEADER_SIZE) >> 20) + 2) << 20;
    lo.spares = 0;
    bench_path(o, path, sizeof path, "group_commit.log");
    if (pl_log_open(pl_env_default(), path, &lo, &r.log) != PL_OK) bench_fail("log open");
  }
  t0 = bench_now();
  for (i = 0; i < threads; i++) {
    w[i].run = &r;
    w[i].id = i;
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (i = 0; i < threads; i++) pthread_join(t[i], NULL);
  dt = bench_now() - t0;
  if (method == M_GROUP) {
    pl_group_commit_stats_get(r.gc, gst);
    if (pl_group_commit_close(r.gc) != PL_OK) bench_fail("group commit close");
  }
  if (method == M_SHARED && pl_writable_close(r.shared) != PL_OK) bench_fail("close");
  if (method == M_LOG) {
    pl_log_stats ls;
    pl_log_stats_get(r.log, &ls);
    gst->batches = ls.syncs; /* one sync per batch */
    if (pl_log_close(r.log) != PL_OK) bench_fail("log close");
    if (pl_file_remove_tree(pl_env_default(), path) != PL_OK) bench_fail("remove log");
  } else {
    bench_unlink(path);
  }
  if (method == M_OWN)
    for (i = 0; i < threads; i++) {
      snprintf(name, sizeof name, "group_commit.%d.dat", i);
      bench_unlink(bench_path(o, path, sizeof path, name));
    }
  pthread_mutex_destroy(&r.mu);
  return dt;
}

int main(int argc, char **argv) {
  static const int full_threads[] = {1, 2, 4, 8, 16}, quick_threads[] = {1, 8};
  bench_opts o;
  const int *tc;
  int ntc, ti, r, k, total;
  const char *e = getenv("PLINTH_BENCH_RECORDS");
  FILE *csv;
  bench_init(&o, argc, argv, 7);
  if (o.rounds > 64) o.rounds = 64;
  tc = o.quick ? quick_threads : full_threads;
  ntc = o.quick ? 2 : 5;
  total = e && *e ? atoi(e) : o.quick ? 1600 : 8000;
  bench_fill(record, REC);
  printf("== Q3 group commit: %d durable records of %d bytes per run, split among the threads\n", total, REC);
  bench_print_conditions(stdout, "group_commit", &o);
  csv = bench_csv_open(&o, "group_commit");
  if (csv) fprintf(csv, "threads,method,round,seconds,records_per_s,batches,p50_us,p99_us\n");
  printf("%-8s %-16s %10s %8s %12s %11s %9s %12s\n", "threads", "method", "records/s", "ratio", "best rec/s",
         "best ratio", "batches", "p50/p99 us");
  for (ti = 0; ti < ntc; ti++) {
    int threads = tc[ti], per = total / threads;
    double secs[NMETHODS][64], med[NMETHODS], best[NMETHODS];
    pl_group_commit_stats last = {0}, last_log = {0};
    for (r = 0; r < o.rounds; r++) {
      /* on a shared machine, not in the middle of someone else's I/O burst */
      bench_wait_quiet_io(2.0, 30);
      for (k = 0; k < NMETHODS; k++) {
        int m = (k + r) % NMETHODS;
        pl_group_commit_stats st = {0};
        secs[m][r] = run_once(&o, m, threads, per, &st);
        if (m == M_GROUP) last = st;
        if (m == M_LOG) last_log = st;
        if (csv)
          fprintf(csv, "%d,%s,%d,%.6f,%.1f,%llu,%llu,%llu\n", threads, names[m], r, secs[m][r],
                  threads * per / secs[m][r], (unsigned long long)st.batches,
                  (unsigned long long)st.latency_p50_us, (unsigned long long)st.latency_p99_us);
      }
    }
    for (k = 0; k < NMETHODS; k++) {
      best[k] = bench_min(secs[k], o.rounds);
      med[k] = bench_median(secs[k], o.rounds);
    }
    for (k = 0; k < NMETHODS; k++) {
      double ratio = med[k] / med[M_GROUP], bratio = best[k] / best[M_GROUP];
      printf("%-8d %-16s %10.0f %7.2fx %12.0f %10.2fx", threads, names[k], threads * per / med[k], ratio,
             threads * per / best[k], bratio);
      if (k == M_GROUP)
        printf(" %9llu %5llu/%-6llu", (unsigned long long)last.batches,
               (unsigned long long)last.latency_p50_us, (unsigned long long)last.latency_p99_us);
      if (k == M_LOG) printf(" %9llu", (unsigned long long)last_log.batches);
      printf("\n");
      if (k != M_GROUP && k != M_LOG && (threads == 8 || threads == 1)) {
        char label[128];
        snprintf(label, sizeof label, "Q3 %dT vs %s", threads, names[k]);
        bench_ratio(&o, "group_commit", label, ratio, bratio, threads == 8 ? 5.0 : 0);
      }
      if (k == M_LOG && threads == 8)
        bench_ratio(&o, "group_commit", "Q3 8T log-group vs group-commit", 1 / ratio, 1 / bratio, 1.3);
    }
  }
  if (csv) fclose(csv);
  return 0;
}
