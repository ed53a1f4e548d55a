/* plinth — pieces of the platform env shared between env/ files.
 * Internal: never installed. */
#ifndef PLINTH_ENV_INTERNAL_H
#define PLINTH_ENV_INTERNAL_H

#include "plinth/env.h"
#include "port/port.h"

/* Opens a buffered writable file on the backend.  flags are PL__OPEN_*
 * (TRUNCATE for new_writable, APPEND for new_appendable).  env is the env
 * opening it: the file's directory operations go through opt->dir_env, or
 * env when that is NULL. */
pl_status pl__writable_open(pl_env *env, const char *path, int flags,
                            const pl_writable_options *opt, pl_writable_file **out);

/* Test hook: bits that make every writable opened afterwards break one of
 * its durability rules, so a suite can prove the crash harness and the
 * recorded trace notice (tests/crash_litmus_test.c).  0 in production. */
extern int pl__writable_test_break_rules;
#define PL__BREAK_MANIFEST_RULE 1       /* no directory sync before a manifest's data */
#define PL__BREAK_CREATE_PARENTS_SYNC 2 /* created parents never synced */

pl_status pl__sequential_open(const char *path, pl_sequential_file **out);

/* Opens a random-access file, mapping it or keeping its descriptor while the
 * platform limits allow. */
pl_status pl__random_open(const char *path, pl_random_file **out);

/* The process-wide lock table over the backend's file locks. */
pl_status pl__lock_acquire(pl_env *env, const char *path, pl_file_lock **out);
pl_status pl__lock_release(pl_file_lock *lock);

/* The single background worker (FIFO), started on first use. */
void pl__background_schedule(void (*fn)(void *), void *arg);

#endif /* PLINTH_ENV_INTERNAL_H */
