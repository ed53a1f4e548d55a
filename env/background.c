/* Background work: one worker thread, started on first use, running
 * scheduled functions in the order they were scheduled (LevelDB runs
 * compactions this way). */
#include "config.h"

#include "port/thread.h"
#include <stdlib.h>

#include "env/env_internal.h"

typedef struct work {
  void (*fn)(void *);
  void *arg;
  struct work *next;
} work;

static pl__mutex queue_mu = PL__MUTEX_INIT;
static pl__cond queue_cv = PL__COND_INIT;
static work *head, *tail;
static int worker_started;

static void worker_main(void *unused) {
  (void)unused;
  for (;;) {
    work *w;
    pl__mutex_lock(&queue_mu);
    while (head == NULL) pl__cond_wait(&queue_cv, &queue_mu);
    w = head;
    head = w->next;
    if (head == NULL) tail = NULL;
    pl__mutex_unlock(&queue_mu);
    w->fn(w->arg);
    free(w);
  }
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
  pl__mutex_lock(&queue_mu);
  if (!worker_started) {
    if (pl__thread_create_detached(worker_main, NULL) != PL_OK) {
      pl__mutex_unlock(&queue_mu);
      free(w);
      fn(arg);
      return;
    }
    worker_started = 1;
  }
  if (tail) tail->next = w;
  else head = w;
  tail = w;
  pl__cond_signal(&queue_cv);
  pl__mutex_unlock(&queue_mu);
}
