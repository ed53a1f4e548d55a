/* plinth probe, POSIX: fdatasync, fsync, O_DSYNC and O_DIRECT writes,
 * measured as pg_test_fsync does (write a block at offset 0, make it
 * durable, repeat). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/probe.h"

static long open_flags(const char *path, int flags, char *why, size_t cap) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | flags);
  if (fd < 0) {
    snprintf(why, cap, "%s", errno == EINVAL ? "not supported by this file system" : strerror(errno));
    return -1;
  }
  return fd;
}

static int write_block(long fd, const void *b, size_t n, char *why, size_t cap) {
  if (pwrite((int)fd, b, n, 0) != (ssize_t)n) {
    snprintf(why, cap, "write: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static long open_plain(const char *p, size_t n, char *why, size_t cap) { return open_flags(p, 0, why, cap); }

static int op_fdatasync(long fd, const void *b, size_t n, char *why, size_t cap) {
  if (write_block(fd, b, n, why, cap)) return -1;
#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  if (fdatasync((int)fd) != 0) {
#else
  if (fsync((int)fd) != 0) {
#endif
    snprintf(why, cap, "fdatasync: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static int op_fsync(long fd, const void *b, size_t n, char *why, size_t cap) {
  if (write_block(fd, b, n, why, cap)) return -1;
  if (fsync((int)fd) != 0) {
    snprintf(why, cap, "fsync: %s", strerror(errno));
    return -1;
  }
  return 0;
}

#if HAVE_DECL_O_DSYNC
static long open_dsync(const char *p, size_t n, char *why, size_t cap) { return open_flags(p, O_DSYNC, why, cap); }
#endif

#if HAVE_DECL_O_DIRECT && HAVE_DECL_O_DSYNC
static long open_direct(const char *p, size_t n, char *why, size_t cap) {
  return open_flags(p, O_DIRECT | O_DSYNC, why, cap);
}
#endif

static void close_fd(long fd) { close((int)fd); }

const probe_method probe_raw_methods[] = {
    {"write + fdatasync", open_plain, op_fdatasync, close_fd},
    {"write + fsync", open_plain, op_fsync, close_fd},
#if HAVE_DECL_O_DSYNC
    {"O_DSYNC write", open_dsync, write_block, close_fd},
#endif
#if HAVE_DECL_O_DIRECT && HAVE_DECL_O_DSYNC
    {"O_DIRECT|O_DSYNC write", open_direct, write_block, close_fd},
#endif
    {NULL, NULL, NULL, NULL},
};

void probe_raw_dir_sync(const char *dir, char *out, size_t cap) {
  int fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
  if (fd < 0) {
    snprintf(out, cap, "cannot open: %s", strerror(errno));
    return;
  }
  if (fsync(fd) == 0)
    snprintf(out, cap, "works");
  else if (errno == EINVAL)
    snprintf(out, cap, "EINVAL (not supported here; plinth tolerates it)");
  else
    snprintf(out, cap, "fails: %s", strerror(errno));
  close(fd);
}

void *probe_raw_alloc(size_t size) {
  void *p = NULL;
  /* O_DIRECT needs buffers aligned to the logical block size; 4 KiB covers
   * every disk in use. */
  if (posix_memalign(&p, 4096, size) != 0) return NULL;
  return p;
}

void probe_raw_free(void *p) { free(p); }

int probe_raw_stderr_is_tty(void) { return isatty(2); }
