/* plinth — threads, mutexes, condition variables and one-time
 * initialization, as the backend supplies them.  Internal: never installed.
 *
 * Nothing above port/ includes <pthread.h> or <windows.h>: code in env/,
 * crash/ and the write paths uses these (libuv's uv_mutex_t/uv_cond_t
 * shape).  Timed waits take a relative timeout and are measured on the
 * monotonic clock, so no caller does deadline arithmetic and a change of
 * the wall clock cannot stretch or cut a wait.
 *
 * None of these fail in a way a caller could handle (a mutex that cannot be
 * locked means memory corruption), except thread creation, which returns a
 * status.
 */
#ifndef PLINTH_PORT_THREAD_H
#define PLINTH_PORT_THREAD_H

#include <stdint.h>

#include "plinth/status.h"

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef SRWLOCK pl__mutex;
typedef CONDITION_VARIABLE pl__cond;
typedef INIT_ONCE pl__once;
typedef HANDLE pl__thread;
#define PL__MUTEX_INIT SRWLOCK_INIT
#define PL__COND_INIT CONDITION_VARIABLE_INIT
#define PL__ONCE_INIT INIT_ONCE_STATIC_INIT
#else
#include <pthread.h>
typedef pthread_mutex_t pl__mutex;
/* A condition variable bound to CLOCK_MONOTONIC where the system allows
 * (pl__cond_init); the static initializer uses the default clock and is
 * only for variables that never wait with a timeout. */
typedef pthread_cond_t pl__cond;
typedef pthread_once_t pl__once;
typedef pthread_t pl__thread;
#define PL__MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#define PL__COND_INIT PTHREAD_COND_INITIALIZER
#define PL__ONCE_INIT PTHREAD_ONCE_INIT
#endif

void pl__mutex_init(pl__mutex *m);
void pl__mutex_destroy(pl__mutex *m);
void pl__mutex_lock(pl__mutex *m);
void pl__mutex_unlock(pl__mutex *m);

void pl__cond_init(pl__cond *c);
void pl__cond_destroy(pl__cond *c);
void pl__cond_signal(pl__cond *c);
void pl__cond_broadcast(pl__cond *c);
/* Waits for a signal; m is held on entry and on return.  May wake
 * spuriously: callers wait in a loop on their condition. */
void pl__cond_wait(pl__cond *c, pl__mutex *m);
/* As pl__cond_wait, for at most timeout_micros.  Returns 1 if the time ran
 * out, 0 if woken (by a signal or spuriously).  REQUIRES: c was initialized
 * with pl__cond_init. */
int pl__cond_timedwait(pl__cond *c, pl__mutex *m, uint64_t timeout_micros);

/* Runs fn exactly once for *once, whichever thread gets there first; the
 * others wait until it has returned. */
void pl__once_run(pl__once *once, void (*fn)(void));

/* Starts fn(arg) on a new thread that pl__thread_join must reap. */
pl_status pl__thread_create(pl__thread *t, void (*fn)(void *), void *arg);
/* Waits for t to end and frees what it held. */
void pl__thread_join(pl__thread t);
/* Starts fn(arg) on a new thread that nobody joins. */
pl_status pl__thread_create_detached(void (*fn)(void *), void *arg);
/* A number identifying the calling thread (for log lines). */
uint64_t pl__thread_self_id(void);

/* Registers fn to run in the child after fork() (POSIX); nothing on systems
 * without fork. */
void pl__atfork_child(void (*fn)(void));

#endif /* PLINTH_PORT_THREAD_H */
