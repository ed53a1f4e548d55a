/* Background work: one worker thread, started on first use, running
 * scheduled functions in the order they were scheduled (LevelDB runs
 * compactions this way). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "env/env_internal.h"

typedef struct work {
  void (*fn)(void *);
  void *arg;
  struct work *next;
} work;

static pthread_mutex_t queue_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cv = PTHREAD_COND_INITIALIZER;
static work *head, *tail;
static int worker_started;

static void *worker_main(void *unused) {
  (void)unused;
  for (;;) {
    work *w;
    pthread_mutex_lock(&queue_mu);
    while (head == NULL) pthread_cond_wait(&queue_cv, &queue_mu);
    w = head;
    head = w->next;
    if (head == NULL) tail = NULL;
    pthread_mutex_unlock(&queue_mu);
    w->fn(w->arg);
    free(w);
  }
  return NULL;
}

void pl__background_schedule(void (*fn)(void *), void *arg) {
  work *w = malloc(sizeof *w);
  if (w == NULL) {
    /* schedule cannot report failure (LevelDB's contract); running the work
     * inline is better than losing it. */
    fn(arg);
    return;
  }
  w->fn = fn;
  w->arg = arg;
  w->next = NULL;
  pthread_mutex_lock(&queue_mu);
  if (!worker_started) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker_main, NULL) != 0) {
      pthread_attr_destroy(&attr);
      pthread_mutex_unlock(&queue_mu);
      free(w);
      fn(arg);
      return;
    }
    pthread_attr_destroy(&attr);
    worker_started = 1;
  }
  if (tail) tail->next = w;
  else head = w;
  tail = w;
  pthread_cond_signal(&queue_cv);
  pthread_mutex_unlock(&queue_mu);
}

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

pl_status pl__thread_start(void (*fn)(void *), void *arg) {
  pthread_t t;
  pthread_attr_t attr;
  int r;
  start *st = malloc(sizeof *st);
  if (st == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "start_thread: out of memory");
  st->fn = fn;
  st->arg = arg;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  r = pthread_create(&t, &attr, thread_main, st);
  pthread_attr_destroy(&attr);
  if (r != 0) {
    free(st);
    return pl_error_set(PL_IO_ERROR, r, "start_thread: cannot create thread (error %d)", r);
  }
  return PL_OK;
}
