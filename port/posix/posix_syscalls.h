/* plinth — the POSIX backend's system-call table (see port/syscalls.h).
 * Internal.  Each entry has the system call's own meaning: it returns what
 * the call returns and sets errno as it does.  The variadic calls (open,
 * fcntl) take their optional argument always, so a replacement need not be
 * variadic. */
#ifndef PLINTH_PORT_POSIX_SYSCALLS_H
#define PLINTH_PORT_POSIX_SYSCALLS_H

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct pl__syscalls {
  int (*open)(const char *path, int flags, mode_t mode);
  int (*close)(int fd);
  ssize_t (*read)(int fd, void *buf, size_t n);
  ssize_t (*pread)(int fd, void *buf, size_t n, off_t offset);
  ssize_t (*write)(int fd, const void *buf, size_t n);
  ssize_t (*writev)(int fd, const struct iovec *iov, int iovcnt);
  ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t offset);
  off_t (*lseek)(int fd, off_t offset, int whence);
  int (*fsync)(int fd);
#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  int (*fdatasync)(int fd);
#endif
  /* F_SETLK with a struct flock *, F_FULLFSYNC (arg unused), F_SETFD. */
  int (*fcntl)(int fd, int cmd, void *arg);
#if HAVE_FALLOCATE
  int (*fallocate)(int fd, int mode, off_t offset, off_t len);
#elif HAVE_POSIX_FALLOCATE
  int (*posix_fallocate)(int fd, off_t offset, off_t len); /* returns the error */
#endif
  int (*fstat)(int fd, struct stat *st);
  int (*stat)(const char *path, struct stat *st);
  int (*access)(const char *path, int mode);
  void *(*mmap)(void *addr, size_t n, int prot, int flags, int fd, off_t offset);
  int (*munmap)(void *addr, size_t n);
  DIR *(*opendir)(const char *path);
  struct dirent *(*readdir)(DIR *d);
  int (*closedir)(DIR *d);
  int (*unlink)(const char *path);
  int (*mkdir)(const char *path, mode_t mode);
  int (*rmdir)(const char *path);
  int (*rename)(const char *from, const char *to);
  int (*symlink)(const char *target, const char *path);
} pl__syscalls;

#endif /* PLINTH_PORT_POSIX_SYSCALLS_H */
