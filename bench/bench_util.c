/* Shared pieces of the bench programs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "plinth/plinth.h"

static uint64_t parse_size(const char *s) {
  char *end;
  double v = strtod(s, &end);
  switch (*end) {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return (uint64_t)v;
}

void bench_init(bench_opts *o, int argc, char **argv, int full_rounds) {
  const char *e;
  int i;
  memset(o, 0, sizeof *o);
  e = getenv("PLINTH_BENCH_QUICK");
  o->quick = e && *e && strcmp(e, "0") != 0;
  for (i = 1; i < argc; i++)
    if (strcmp(argv[i], "--quick") == 0) o->quick = 1;
  o->size = o->quick ? (64u << 20) : (1u << 30);
  o->rounds = o->quick ? 3 : full_rounds;
  snprintf(o->dir, sizeof o->dir, "%s", "/tmp/plinth-bench");
  if ((e = getenv("PLINTH_BENCH_SIZE")) && *e) o->size = parse_size(e);
  if ((e = getenv("PLINTH_BENCH_ROUNDS")) && *e) o->rounds = atoi(e);
  if ((e = getenv("PLINTH_BENCH_DIR")) && *e) snprintf(o->dir, sizeof o->dir, "%s", e);
  for (i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--size=", 7) == 0) o->size = parse_size(argv[i] + 7);
    else if (strncmp(argv[i], "--rounds=", 9) == 0) o->rounds = atoi(argv[i] + 9);
    else if (strncmp(argv[i], "--dir=", 6) == 0) snprintf(o->dir, sizeof o->dir, "%s", argv[i] + 6);
    else if (strncmp(argv[i], "--out=", 6) == 0) snprintf(o->out, sizeof o->out, "%s", argv[i] + 6);
    else if (strcmp(argv[i], "--quick") != 0) {
      fprintf(stderr, "usage: %s [--quick] [--size=N[KMG]] [--rounds=N] [--dir=D] [--out=D]\n", argv[0]);
      exit(2);
    }
  }
  if (o->rounds < 1) o->rounds = 1;
  if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
    perror(o->dir);
    exit(1);
  }
  if (o->out[0] && mkdir(o->out, 0755) != 0 && errno != EEXIST) {
    perror(o->out);
    exit(1);
  }
}

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_min(const double *v, int n) {
  double m = v[0];
  int i;
  for (i = 1; i < n; i++)
    if (v[i] < m) m = v[i];
  return m;
}

void bench_fail(const char *what) {
  fprintf(stderr, "bench: %s failed: %s\n", what, pl_error_message());
  exit(1);
}

const char *bench_path(const bench_opts *o, char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", o->dir, name);
  return buf;
}

void bench_print_conditions(FILE *f, const char *question, const bench_opts *o) {
  double load[3] = {0, 0, 0};
  FILE *la = fopen("/proc/loadavg", "r");
  if (la) {
    if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    fclose(la);
  }
  fprintf(f, "# %s: size %.0f MiB, %d rounds (methods alternate each round; medians), "
             "dir %s, %ld cpus, load average %.2f %.2f %.2f\n",
          question, (double)o->size / (1 << 20), o->rounds, o->dir,
          sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
}

FILE *bench_csv_open(const bench_opts *o, const char *name) {
  char p[2200];
  FILE *f;
  if (!o->out[0]) return NULL;
  snprintf(p, sizeof p, "%s/%s.csv", o->out, name);
  f = fopen(p, "w");
  if (f == NULL) {
    perror(p);
    exit(1);
  }
  bench_print_conditions(f, name, o);
  return f;
}

void bench_ratio(const bench_opts *o, const char *name, const char *label,
                 double ratio, double best_ratio, double goal) {
  char p[2200];
  FILE *f;
  if (!o->out[0]) return;
  snprintf(p, sizeof p, "%s/%s-ratios.csv", o->out, name);
  f = fopen(p, "a");
  if (f == NULL) {
    perror(p);
    exit(1);
  }
  fprintf(f, "\"%s\",%.3f,%.3f,%.2f\n", label, ratio, best_ratio, goal);
  fclose(f);
}

static double io_pressure(void) {
  FILE *f = fopen("/proc/pressure/io", "r");
  double v = -1;
  if (f == NULL) return -1;
  if (fscanf(f, "some avg10=%lf", &v) != 1) v = -1;
  fclose(f);
  return v;
}

double bench_wait_quiet_io(double limit, double max_seconds) {
  double start = bench_now(), p = io_pressure();
  while (p >= limit && bench_now() - start < max_seconds) {
    usleep(500 * 1000);
    p = io_pressure();
  }
  return p;
}

void bench_unlink(const char *path) {
  if (unlink(path) != 0 && errno != ENOENT) perror(path);
}

void bench_settle(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (fdatasync(fd) != 0) bench_fail("fdatasync");
    close(fd);
  }
  bench_unlink(path);
}

void bench_fill(char *buf, size_t n) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  size_t i;
  for (i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = (char)('a' + (x % 26));
  }
}

typedef struct parts_job {
  pl_part_writer *pw;
  const char *source;
  size_t piece;
  size_t next; /* next part to take (atomic) */
} parts_job;

static void *write_parts(void *arg) {
  parts_job *j = arg;
  size_t count = pl_part_writer_count(j->pw), k;
  while ((k = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < count) {
    pl_part_info info;
    uint64_t done = 0;
    if (pl_part_writer_part_info(j->pw, k, &info) != PL_OK) bench_fail("part_info");
    while (done < info.length) {
      size_t n = info.length - done < j->piece ? (size_t)(info.length - done) : j->piece;
      if (pl_part_writer_write(j->pw, k, j->source, n) != PL_OK) bench_fail("part write");
      done += n;
    }
  }
  return NULL;
}

void bench_write_parts(pl_part_writer *pw, int threads, const char *source, size_t piece) {
  parts_job j;
  pthread_t t[16];
  int i;
  j.pw = pw;
  j.source = source;
  j.piece = piece;
  j.next = 0;
  for (i = 0; i < threads; i++) pthread_create(&t[i], NULL, write_parts, &j);
  for (i = 0; i < threads; i++) pthread_join(t[i], NULL);
  if (pl_part_writer_finalize(pw) != PL_OK) bench_fail("finalize");
}
