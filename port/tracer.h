/* plinth — recording what a program does to its files at the system-call
 * level, as the backend supplies it.  Internal: never installed.
 *
 * The crash harness records a program that does not use plinth by watching
 * its system calls: the tracer runs the program — and everything it starts:
 * threads, forked children, programs it executes — and reports each call
 * that changes durable file state, decoded into an abstract event, in the
 * order the calls completed.  crash/syscall_recorder.c turns the events
 * into trace ops; nothing there knows a system call.
 *
 * What the tracer owns, because only the OS knows it: which descriptor
 * names which open file (dup, fork, exec's close-on-exec, threads sharing
 * a table), where a relative path or a directory descriptor points, the
 * offset an append or a write() lands at, the bytes written, what a shared
 * mapping changed.  Paths are classified against three sets (`where`):
 * under the root (reported relative to it, with data), a watched file (the
 * notes file: its writes are reported with their bytes), anything else
 * (a modification outside the root: reported once per open file, without
 * data, so the user can be told).
 *
 * Linux (x86-64, AArch64): ptrace with a seccomp filter that stops the
 * program only at the calls listed in port/linux/linux_tracer.c; every
 * other call runs at full speed.  Other systems: PL_NOT_SUPPORTED.
 */
#ifndef PLINTH_PORT_TRACER_H
#define PLINTH_PORT_TRACER_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/status.h"
#include "port/process.h"

typedef enum pl__tev_kind {
  PL__TEV_OPEN = 1,     /* `file` now names the regular file at path; flags
                           CREATED (it did not exist) or TRUNCATED */
  PL__TEV_WRITE = 2,    /* file, offset, data[len]; DURABLE: on disk when
                           the call returned (O_SYNC, O_DSYNC, RWF_DSYNC,
                           msync(MS_SYNC)) */
  PL__TEV_TRUNCATE = 3, /* file (or path, when file is 0): size = offset */
  PL__TEV_EXTEND = 4,   /* file: size becomes at least offset */
  PL__TEV_ZERO = 5,     /* file: [offset, offset+len) reads as zeros;
                           KEEP_SIZE */
  PL__TEV_SYNC = 6,     /* file; failed: the sync returned an I/O error */
  PL__TEV_SYNC_DIR = 7, /* path (a directory); failed */
  PL__TEV_SYNC_RANGE = 8, /* file, offset, len: sync_file_range, which
                           makes nothing durable */
  PL__TEV_SYNC_ALL = 9, /* sync, or syncfs of the root's file system */
  PL__TEV_RENAME = 10,  /* path -> path2 */
  PL__TEV_EXCHANGE = 11, /* path <-> path2 */
  PL__TEV_LINK = 12,    /* path2 becomes a new name of path's file */
  PL__TEV_SYMLINK = 13, /* path: a symbolic link holding data[len] */
  PL__TEV_UNLINK = 14,  /* path */
  PL__TEV_MKDIR = 15,   /* path */
  PL__TEV_RMDIR = 16,   /* path */
  PL__TEV_UNSUPPORTED = 17 /* data[len]: a call that changes state the
                           tracer cannot record (io_uring, O_TMPFILE, ...) */
} pl__tev_kind;

/* Where a path lies. */
enum {
  PL__TEV_ROOT = 1,    /* under the root: the path is relative to it ("" is
                          the root itself) */
  PL__TEV_WATCHED = 2, /* one of the watched files (absolute path) */
  PL__TEV_OUTSIDE = 3  /* anywhere else (absolute path); OUTSIDE events
                          carry no data and no file */
};

/* pl__tev.flags */
#define PL__TEVF_CREATED 1u
#define PL__TEVF_TRUNCATED 2u
#define PL__TEVF_DURABLE 4u
#define PL__TEVF_KEEP_SIZE 8u

typedef struct pl__tev {
  int kind;              /* a pl__tev_kind */
  int where, where2;     /* of path and path2 */
  int failed;
  unsigned flags;        /* PL__TEVF_* */
  uint32_t file;         /* the open file, numbered from 1 in the order
                            OPEN reported them; 0: none */
  const char *path, *path2;
  uint64_t offset, len;
  const unsigned char *data;
  int pid;               /* the thread that made the call */
} pl__tev;

typedef struct pl__tracer_options {
  const char *const *argv;      /* argv[0] found as pl__process_resolve
                                   finds it */
  const char *cwd;              /* NULL: the caller's directory */
  const char *const *env_add;   /* NAME=VALUE strings, NULL-terminated */
  uint64_t timeout_ms;          /* everything is killed after this long;
                                   0: no limit */
  const char *root;             /* absolute path of an existing directory */
  const char *const *watched;   /* absolute paths (NULL-terminated) */
  const char *const *quiet;     /* absolute paths of files never reported
                                   (the recorder's own), NULL-terminated */
  /* Called for each event, in order, on the calling thread, while the
   * program's thread that made the call is stopped. */
  void (*on_event)(void *arg, const pl__tev *ev);
  void *arg;
} pl__tracer_options;

typedef struct pl__tracer_stats {
  uint64_t stops;     /* system calls the program was stopped at */
  uint64_t events;    /* events reported */
  uint64_t tasks;     /* processes and threads traced */
} pl__tracer_stats;

/* Runs the program under the tracer until it and every process it started
 * have ended, reporting events as they happen.  Returns PL_OK once it ran,
 * whatever its status (*st: the first process's); PL_NOT_FOUND if argv[0]
 * does not exist; PL_NOT_SUPPORTED on systems without a tracer or where
 * the kernel refuses ptrace or seccomp (the message says which); PL_IO_ERROR
 * if it could not be started.  REQUIRES: the caller has no other child
 * processes running (the tracer waits for any child). */
pl_status pl__tracer_run(const pl__tracer_options *o, pl__proc_status *st,
                         pl__tracer_stats *stats);

/* Non-zero if this build has a tracer (the kernel may still refuse it). */
int pl__tracer_available(void);

/* Writes the canonical absolute form of path (symbolic links resolved)
 * into out: the form the tracer compares paths in. */
pl_status pl__tracer_canonical(const char *path, char *out, size_t cap);

#endif /* PLINTH_PORT_TRACER_H */
