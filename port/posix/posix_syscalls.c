/* POSIX: the system-call table's defaults (see port/syscalls.h). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port/syscalls.h"

/* open and fcntl are variadic; the table's entries are not. */
static int sys_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
static int sys_fcntl(int fd, int cmd, void *arg) { return fcntl(fd, cmd, arg); }

#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
#define PL__SYS_FDATASYNC .fdatasync = fdatasync,
#else
#define PL__SYS_FDATASYNC
#endif
#if HAVE_FALLOCATE
#define PL__SYS_ALLOCATE .fallocate = fallocate,
#elif HAVE_POSIX_FALLOCATE
#define PL__SYS_ALLOCATE .posix_fallocate = posix_fallocate,
#else
#define PL__SYS_ALLOCATE
#endif

#define PL__SYS_DEFAULTS                                                        \
  {                                                                             \
    .open = sys_open, .close = close, .read = read, .pread = pread,             \
    .write = write, .writev = writev, .pwrite = pwrite, .lseek = lseek,         \
    .fsync = fsync, PL__SYS_FDATASYNC.fcntl = sys_fcntl, PL__SYS_ALLOCATE       \
    .fstat = fstat, .stat = stat, .access = access, .mmap = mmap,               \
    .munmap = munmap, .opendir = opendir, .readdir = readdir,                   \
    .closedir = closedir, .unlink = unlink, .mkdir = mkdir, .rmdir = rmdir,     \
    .rename = rename, .symlink = symlink                                        \
  }

const pl__syscalls pl__sys_default = PL__SYS_DEFAULTS;
pl__syscalls pl__sys = PL__SYS_DEFAULTS;

void pl__sys_reset(void) { pl__sys = pl__sys_default; }
