/* See syscall_spy.h.  The real calls go through syscall(2), so the spy needs
 * no dlsym and works the same in static, shared and sanitizer builds. */
#include "config.h"

#if !defined(_WIN32)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tests/syscall_spy.h"

#define MAX_CALLS 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static spy_call calls[MAX_CALLS];
static int ncalls;
static struct {
  int err, skip, times;
} plan[SPY_KINDS];
static size_t short_max;
static int short_times;

int spy_data_sync_kind(void) {
#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  return SPY_FDATASYNC;
#else
  return SPY_FSYNC;
#endif
}

void spy_reset(void) {
  pthread_mutex_lock(&mu);
  ncalls = 0;
  memset(plan, 0, sizeof plan);
  short_times = 0;
  pthread_mutex_unlock(&mu);
}

int spy_count(void) { return ncalls; }
const spy_call *spy_at(int i) { return &calls[i]; }

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

int spy_count_kind(int kind, const char *suffix) {
  int i, n = 0;
  for (i = 0; i < ncalls; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) n++;
  return n;
}

int spy_find(int kind, const char *suffix) {
  int i;
  for (i = 0; i < ncalls; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) return i;
  return -1;
}

void spy_fail(int kind, int err, int skip, int times) {
  pthread_mutex_lock(&mu);
  plan[kind].err = err;
  plan[kind].skip = skip;
  plan[kind].times = times;
  pthread_mutex_unlock(&mu);
}

void spy_short_writes(size_t max, int times) {
  pthread_mutex_lock(&mu);
  short_max = max;
  short_times = times;
  pthread_mutex_unlock(&mu);
}

/* Logs the call and returns the planned errno, or 0 to run it. */
static int enter(int kind, const char *path) {
  int err = 0;
  pthread_mutex_lock(&mu);
  if (ncalls < MAX_CALLS) {
    calls[ncalls].kind = kind;
    snprintf(calls[ncalls].path, sizeof calls[ncalls].path, "%s", path);
    ncalls++;
  }
  if (plan[kind].times > 0) {
    if (plan[kind].skip > 0) {
      plan[kind].skip--;
    } else {
      plan[kind].times--;
      err = plan[kind].err;
    }
  }
  pthread_mutex_unlock(&mu);
  return err;
}

static void fd_path(int fd, char *buf, size_t cap) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, buf, cap - 1);
  buf[n < 0 ? 0 : n] = '\0';
}

int fsync(int fd) {
  char path[512];
  int err;
  fd_path(fd, path, sizeof path);
  err = enter(SPY_FSYNC, path);
  if (err) {
    errno = err;
    return -1;
  }
  return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd) {
  char path[512];
  int err;
  fd_path(fd, path, sizeof path);
  err = enter(SPY_FDATASYNC, path);
  if (err) {
    errno = err;
    return -1;
  }
  return (int)syscall(SYS_fdatasync, fd);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  char path[512];
  int err;
  fd_path(fd, path, sizeof path);
  err = enter(SPY_WRITEV, path);
  if (err) {
    errno = err;
    return -1;
  }
  pthread_mutex_lock(&mu);
  if (short_times > 0 && iovcnt > 0) {
    size_t n = iov[0].iov_len < short_max ? iov[0].iov_len : short_max;
    short_times--;
    pthread_mutex_unlock(&mu);
    return (ssize_t)syscall(SYS_write, fd, iov[0].iov_base, n);
  }
  pthread_mutex_unlock(&mu);
  return (ssize_t)syscall(SYS_writev, fd, iov, iovcnt);
}

/* plinth hands a single piece to write and several to writev; both are
 * logged as SPY_WRITEV, so a test plans "the next data write" whichever
 * call carries it.  (stdio reaches the kernel through libc's internal
 * write, not this symbol, so Check's own output is not logged.) */
ssize_t write(int fd, const void *buf, size_t n) {
  struct iovec v;
  v.iov_base = (void *)buf;
  v.iov_len = n;
  return writev(fd, &v, 1);
}

int rename(const char *from, const char *to) {
  int err = enter(SPY_RENAME, to);
  if (err) {
    errno = err;
    return -1;
  }
#ifdef SYS_rename
  return (int)syscall(SYS_rename, from, to);
#else
  return (int)syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
#endif
}
#if HAVE_FALLOCATE
int fallocate(int fd, int mode, off_t offset, off_t len) {
  char path[512];
  int err;
  fd_path(fd, path, sizeof path);
  err = enter(SPY_FALLOCATE, path);
  if (err) {
    errno = err;
    return -1;
  }
  return (int)syscall(SYS_fallocate, fd, mode, offset, len);
}
#endif
#endif /* !_WIN32 */
