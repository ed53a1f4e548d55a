/* plinth — the RADOS env's pieces shared between env/rados/ files.
 * Internal: never installed.  The contract is in include/plinth/rados.h and
 * env/rados/README.md. */
#ifndef PLINTH_ENV_RADOS_INTERNAL_H
#define PLINTH_ENV_RADOS_INTERNAL_H

#include <rados/librados.h>

#include "plinth/env.h"
#include "plinth/rados.h"
#include "port/thread.h"

typedef struct pl__rados_lock pl__rados_lock;

typedef struct pl__rados_env {
  pl_env base; /* first: a pl__rados_env * is a pl_env * */
  rados_t cluster;
  rados_ioctx_t io;
  uint64_t stripe;     /* bytes per data object */
  uint64_t lease_ms;   /* lock lease */
  unsigned max_inflight;
  uint64_t instance;   /* this client's id in the cluster: unique file ids */
  uint64_t next_id;    /* per-env counter (atomic) */
  pl__mutex mu;        /* guards locks, renewer state */
  pl__cond cv;
  pl__rados_lock *locks;
  int renewer_started;
  int stopping;
  pl__thread renewer;
  uint64_t ahead_bytes; /* held by read-ahead windows (atomic) */
  pl_rados_stats stats; /* operations sent to the cluster (atomic adds) */
} pl__rados_env;

/* Counts one operation sent to the cluster: PL__RADOS_COUNT(e, reads, 1). */
#define PL__RADOS_COUNT(e, field, n) __atomic_add_fetch(&(e)->stats.field, (uint64_t)(n), __ATOMIC_RELAXED)

/* Read-ahead of files read in order (rados_file.c). */
#define PL__RADOS_AHEAD_MIN ((size_t)64 << 10)
#define PL__RADOS_AHEAD_MAX ((size_t)1 << 20)
#define PL__RADOS_AHEAD_BUDGET ((uint64_t)64 << 20)

/* Maps a negative librados return value to a status and records
 * "<context>: <OS text>" with errno -r as this thread's failure. */
pl_status pl__rados_error(int r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Makes path absolute and canonical ("a//b/./c/.." -> "/a/b") in a new
 * string.  InvalidArgument for an empty path. */
pl_status pl__rados_canon(const char *path, char **out);

/* Object names, written into buf (cap bytes; names are at most a path plus
 * 40 bytes). */
void pl__rados_dir_oid(char *buf, size_t cap, const char *canon);
void pl__rados_data_oid(char *buf, size_t cap, const char *id, uint64_t index);

/* A new file id, unique in the cluster: "<client instance>.<counter>". */
void pl__rados_new_id(pl__rados_env *e, char *buf, size_t cap);

/* What a name is: PL__RADOS_DIR, or PL__RADOS_FILE with its id. */
enum { PL__RADOS_DIR = 'd', PL__RADOS_FILE = 'f' };
#define PL__RADOS_ID_MAX 48
pl_status pl__rados_lookup(pl__rados_env *e, const char *canon, int *kind, char *id);

/* Size and number of data objects of file id.  The objects of a file are
 * contiguous and all but the last are full (every writer keeps it so), so
 * this needs O(log n) stats. */
pl_status pl__rados_extent(pl__rados_env *e, const char *id, const char *path, uint64_t *size,
                           uint64_t *count);

/* Removes data objects [from, count) of file id, the last first, so that
 * a failure leaves a shorter file whose objects are still contiguous. */
pl_status pl__rados_remove_data(pl__rados_env *e, const char *id, const char *path, uint64_t from,
                                uint64_t count);

/* Files (rados_file.c).  flags: PL__RADOS_TRUNCATE or PL__RADOS_APPEND. */
enum { PL__RADOS_TRUNCATE = 1, PL__RADOS_APPEND = 2 };
pl_status pl__rados_writable_open(pl__rados_env *e, const char *path, int flags,
                                  const pl_writable_options *opt, pl_writable_file **out);
pl_status pl__rados_sequential_open(pl__rados_env *e, const char *path, pl_sequential_file **out);
pl_status pl__rados_random_open(pl__rados_env *e, const char *path, pl_random_file **out);

/* Creates the file entry canon (with a new id) unless it exists; sets
 * *kind and id as pl__rados_lookup.  *created says whether it was made. */
pl_status pl__rados_create_entry(pl__rados_env *e, const char *canon, int *kind, char *id,
                                 int *created);

/* Creates every missing directory above canon. */
pl_status pl__rados_create_parents(pl__rados_env *e, const char *canon);

/* Locks (rados_lock.c). */
pl_status pl__rados_lock_acquire(pl__rados_env *e, const char *path, pl_file_lock **out);
pl_status pl__rados_lock_release(pl__rados_env *e, pl_file_lock *lock);
void pl__rados_locks_shutdown(pl__rados_env *e);

#endif /* PLINTH_ENV_RADOS_INTERNAL_H */
