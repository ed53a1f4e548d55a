/* POSIX: threads, mutexes, condition variables on the monotonic clock. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port/thread.h"

/* A failing mutex or condition call means a corrupted object or a bug in
 * the caller (unlocking what it does not hold): nothing to recover, so stop
 * where it happened rather than go on without mutual exclusion. */
static void check(int r) {
  if (r != 0) abort();
}

void pl__mutex_init(pl__mutex *m) { check(pthread_mutex_init(m, NULL)); }
void pl__mutex_destroy(pl__mutex *m) { pthread_mutex_destroy(m); }
void pl__mutex_lock(pl__mutex *m) { check(pthread_mutex_lock(m)); }
void pl__mutex_unlock(pl__mutex *m) { check(pthread_mutex_unlock(m)); }

void pl__cond_init(pl__cond *c) {
  pthread_condattr_t a;
  check(pthread_condattr_init(&a));
#if HAVE_PTHREAD_CONDATTR_SETCLOCK
  /* Timed waits then run on the clock pl__cond_timedwait reads. */
  check(pthread_condattr_setclock(&a, CLOCK_MONOTONIC));
#endif
  check(pthread_cond_init(c, &a));
  pthread_condattr_destroy(&a);
}

void pl__cond_destroy(pl__cond *c) { pthread_cond_destroy(c); }
void pl__cond_signal(pl__cond *c) { check(pthread_cond_signal(c)); }
void pl__cond_broadcast(pl__cond *c) { check(pthread_cond_broadcast(c)); }
void pl__cond_wait(pl__cond *c, pl__mutex *m) { check(pthread_cond_wait(c, m)); }

int pl__cond_timedwait(pl__cond *c, pl__mutex *m, uint64_t timeout_micros) {
  struct timespec ts;
  uint64_t ns;
  int r;
#if HAVE_PTHREAD_CONDATTR_SETCLOCK
  clock_gettime(CLOCK_MONOTONIC, &ts);
#else
  clock_gettime(CLOCK_REALTIME, &ts);
#endif
  /* Capped at a day: a larger deadline could overflow time_t arithmetic,
   * and a caller waiting that long loops anyway. */
  if (timeout_micros > 86400000000ULL) timeout_micros = 86400000000ULL;
  ns = (uint64_t)ts.tv_nsec + (timeout_micros % 1000000u) * 1000u;
  ts.tv_sec += (time_t)(timeout_micros / 1000000u + ns / 1000000000u);
  ts.tv_nsec = (long)(ns % 1000000000u);
  r = pthread_cond_timedwait(c, m, &ts);
  if (r == ETIMEDOUT) return 1;
  check(r);
  return 0;
}

void pl__once_run(pl__once *once, void (*fn)(void)) { check(pthread_once(once, fn)); }

typedef struct start {
  void (*fn)(void *);
  void *arg;
} start;

static void *thread_main(void *p) {
  start st = *(start *)p;
  free(p);
  st.fn(st.arg);
  return NULL;
}

static pl_status create(pl__thread *t, void (*fn)(void *), void *arg, int detached) {
  pthread_attr_t attr;
  pthread_t id;
  int r;
  start *st = malloc(sizeof *st);
  if (st == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "cannot start a thread: out of memory");
  st->fn = fn;
  st->arg = arg;
  pthread_attr_init(&attr);
  if (detached) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  r = pthread_create(&id, &attr, thread_main, st);
  pthread_attr_destroy(&attr);
  if (r != 0) {
    free(st);
    return pl_error_set(PL_IO_ERROR, r, "cannot start a thread: %s", strerror(r));
  }
  if (t != NULL) *t = id;
  return PL_OK;
}

pl_status pl__thread_create(pl__thread *t, void (*fn)(void *), void *arg) {
  return create(t, fn, arg, 0);
}

void pl__thread_join(pl__thread t) { pthread_join(t, NULL); }

pl_status pl__thread_create_detached(void (*fn)(void *), void *arg) {
  return create(NULL, fn, arg, 1);
}

uint64_t pl__thread_self_id(void) {
  pthread_t t = pthread_self();
  uint64_t id = 0;
  /* pthread_t is opaque; its first bytes identify the thread well enough
   * for a log line. */
  memcpy(&id, &t, sizeof t < sizeof id ? sizeof t : sizeof id);
  return id;
}

void pl__atfork_child(void (*fn)(void)) { pthread_atfork(NULL, NULL, fn); }
