/* crash_rate — how fast the harness generates and materializes crash states
 * on a small workload, with a checker that does nothing (the checker's time
 * is excluded from the figure anyway).
 *
 * Workload: a log of 200 appends of 40-600 bytes with a sync every 20, and a
 * small file replaced 5 times; crash after every op.  Runs the exploration
 * ROUNDS times (default 5) and prints each round and the median rates. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"

static int pass(void *arg, const char *dir, const char *const *notes, size_t n, char *msg,
                size_t cap) {
  (void)arg, (void)dir, (void)notes, (void)n, (void)msg, (void)cap;
  return 0;
}

static pl_status workload(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  char path[4096], buf[600];
  pl_writable_file *f;
  pl_status s;
  int i;
  for (i = 0; i < (int)sizeof buf; i++) buf[i] = (char)('a' + i % 26);
  snprintf(path, sizeof path, "%s/log", dir);
  s = pl_env_new_writable(env, path, NULL, &f);
  if (s != PL_OK) return s;
  for (i = 0; i < 200 && s == PL_OK; i++) {
    s = pl_writable_append(f, buf, 40 + (size_t)(i * 37) % 560);
    if (s == PL_OK && i % 20 == 19) {
      s = pl_writable_sync(f);
      if (s == PL_OK) pl_crash_note(rec, "ack %d", i);
    }
  }
  if (s == PL_OK) s = pl_writable_close(f);
  else pl_writable_close(f);
  snprintf(path, sizeof path, "%s/config", dir);
  for (i = 0; i < 5 && s == PL_OK; i++) s = pl_file_replace(env, path, buf, 100 + (size_t)i * 100);
  return s;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  pl_env *env = pl_env_platform();
  int rounds = argc > 1 ? atoi(argv[1]) : 5, r;
  char base[2048], dir[3000];
  pl_crash_recorder *rec;
  pl_crash_trace t;
  pl_crash_options o;
  pl_crash_checker c = {pass, NULL, NULL};
  double gen[64], mat[64];
  pl_status s;
  if (rounds < 1 || rounds > 64) rounds = 5;
  s = pl_env_test_directory(env, base, sizeof base);
  snprintf(dir, sizeof dir, "%s/crash-rate-%llu", base, (unsigned long long)pl_env_now_micros(env));
  if (s == PL_OK) s = pl_env_create_dir(env, dir);
  if (s == PL_OK) s = pl_crash_recorder_new(env, dir, NULL, &rec);
  if (s != PL_OK) {
    fprintf(stderr, "crash_rate: %s\n", pl_error_message());
    return 1;
  }
  s = workload(pl_crash_recorder_env(rec), dir, rec);
  pl_crash_recorder_take(rec, &t);
  pl_crash_recorder_free(rec);
  if (s != PL_OK) {
    fprintf(stderr, "crash_rate: workload: %s\n", pl_error_message());
    return 1;
  }
  pl_crash_options_init(&o);
  o.samples = 64;
  printf("round  points  generated  distinct  explore_s  generated/s  materialized/s\n");
  for (r = 0; r < rounds; r++) {
    pl_crash_report rep;
    double secs;
    s = pl_crash_explore(&t, &o, &c, &rep);
    if (s != PL_OK) {
      fprintf(stderr, "crash_rate: explore: %s\n", pl_error_message());
      return 1;
    }
    secs = (double)rep.explore_micros / 1e6;
    gen[r] = secs > 0 ? (double)rep.generated / secs : 0;
    mat[r] = secs > 0 ? (double)rep.checked / secs : 0;
    printf("%5d  %6lu  %9llu  %8llu  %9.3f  %11.0f  %14.0f\n", r + 1, (unsigned long)rep.points,
           (unsigned long long)rep.generated, (unsigned long long)rep.checked, secs, gen[r], mat[r]);
    pl_crash_report_free(&rep);
  }
  qsort(gen, (size_t)rounds, sizeof gen[0], cmp);
  qsort(mat, (size_t)rounds, sizeof mat[0], cmp);
  printf("median: %.0f states generated/s, %.0f distinct states materialized/s (checker excluded)\n",
         gen[rounds / 2], mat[rounds / 2]);
  pl_crash_trace_free(&t);
  {
    pl_strlist names = {0};
    size_t i;
    char p[4096];
    if (pl_env_list_children(env, dir, &names) == PL_OK) {
      for (i = 0; i < names.count; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names.items[i]);
        pl_env_remove_file(env, p);
      }
      pl_strlist_free(&names);
    }
    pl_env_remove_dir(env, dir);
  }
  return 0;
}
