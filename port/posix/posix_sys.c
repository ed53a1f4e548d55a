/* POSIX: clock, threads' ids, limits, temporary directory. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"

uint64_t pl__port_now_micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void pl__port_sleep_micros(uint64_t micros) {
  struct timespec ts, rem;
  ts.tv_sec = (time_t)(micros / 1000000u);
  ts.tv_nsec = (long)(micros % 1000000u) * 1000;
  while (nanosleep(&ts, &rem) != 0 && errno == EINTR) ts = rem;
}

void pl__port_format_time(char *buf, size_t cap) {
  struct timeval tv;
  struct tm tm;
  time_t secs;
  gettimeofday(&tv, NULL);
  secs = tv.tv_sec;
  localtime_r(&secs, &tm);
  snprintf(buf, cap, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (long)tv.tv_usec);
}

int pl__port_default_mmap_limit(void) {
  /* Mapping many files only pays off where address space is plentiful. */
  return sizeof(void *) >= 8 ? 1000 : 0;
}

int pl__port_default_read_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 50;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 5 > INT_MAX) return INT_MAX;
  /* A fifth of the descriptors, so an engine's table cache cannot starve
   * its logs and sockets. */
  return (int)(rl.rlim_cur / 5);
}

pl_status pl__port_temp_dir(char *buf, size_t cap) {
  const char *t = getenv("TMPDIR");
  int n;
  if (t == NULL || *t == '\0') t = "/tmp";
  n = snprintf(buf, cap, "%s/plinthtest-%d", t, (int)geteuid());
  if (n < 0 || (size_t)n >= cap)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "test directory: buffer too small");
  return PL_OK;
}
