/* A syscall spy for the POSIX suites: the test program defines fsync,
 * fdatasync, write, writev, rename and fallocate itself, so calls from libplinth reach these
 * definitions first (symbol interposition).  Each call is logged with the
 * path of its descriptor, and a test can make the next calls fail or come
 * back short, which is how EIO from fsync, EINVAL from a directory fsync,
 * EINTR and short writes are produced on demand. */
#ifndef PLINTH_TESTS_SYSCALL_SPY_H
#define PLINTH_TESTS_SYSCALL_SPY_H

#include <stddef.h>

enum { SPY_FSYNC, SPY_FDATASYNC, SPY_WRITEV, SPY_RENAME, SPY_FALLOCATE, SPY_KINDS };

typedef struct spy_call {
  int kind;
  char path[512]; /* the descriptor's path, or rename's target */
} spy_call;

/* The kind plinth's file sync uses here: SPY_FDATASYNC where configure
 * found fdatasync, else SPY_FSYNC. */
int spy_data_sync_kind(void);

/* Forgets the log and every planned failure. */
void spy_reset(void);
/* Number of calls logged and the i-th call. */
int spy_count(void);
const spy_call *spy_at(int i);
/* Number of logged calls of kind whose path ends with suffix. */
int spy_count_kind(int kind, const char *suffix);
/* Index of the first logged call of kind whose path ends with suffix, or -1. */
int spy_find(int kind, const char *suffix);

/* The next `times` calls of kind fail with errno err (no effect on the
 * file), after `skip` calls that run normally. */
void spy_fail(int kind, int err, int skip, int times);
/* The next `times` writev (or write) calls write at most max bytes (short
 * writes). */
void spy_short_writes(size_t max, int times);

#endif
