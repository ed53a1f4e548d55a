/* plinth — pieces of the platform env shared between env/ files.
 * Internal: never installed. */
#ifndef PLINTH_ENV_INTERNAL_H
#define PLINTH_ENV_INTERNAL_H

#include "plinth/env.h"
#include "port/port.h"

/* Opens a buffered writable file on the backend.  flags are PL__OPEN_*
 * (TRUNCATE for new_writable, APPEND for new_appendable). */
pl_status pl__writable_open(const char *path, int flags,
                           const pl_writable_options *opt,
                           pl_writable_file **out);

pl_status pl__sequential_open(const char *path, pl_sequential_file **out);

/* Opens a random-access file, mapping it or keeping its descriptor while the
 * platform limits allow. */
pl_status pl__random_open(const char *path, pl_random_file **out);

/* The process-wide lock table over the backend's file locks. */
pl_status pl__lock_acquire(pl_env *env, const char *path, pl_file_lock **out);
pl_status pl__lock_release(pl_file_lock *lock);

/* The single background worker (FIFO), started on first use. */
void pl__background_schedule(void (*fn)(void *), void *arg);

/* Creates every missing directory above path (not path itself).  If it
 * created any, *created is set and *existing is the length of the deepest
 * directory prefix of path that already existed (0: the current directory),
 * so the caller can sync the new chain. */
pl_status pl__create_parents(const char *path, int *created, size_t *existing);

#endif /* PLINTH_ENV_INTERNAL_H */
