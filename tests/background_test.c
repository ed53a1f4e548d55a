/* Background work and threads. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "tests/test_util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int order[100];
static pthread_t runner[100];
static int done;

static void record(void *arg) {
  pthread_mutex_lock(&mu);
  order[done] = (int)(intptr_t)arg;
  runner[done] = pthread_self();
  done++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void wait_for(int n) {
  pthread_mutex_lock(&mu);
  while (done < n) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
}

START_TEST(scheduled_work_runs_in_order_on_one_background_thread) {
  int i;
  done = 0;
  for (i = 0; i < 100; i++) pl_env_schedule(pl_env_default(), record, (void *)(intptr_t)i);
  wait_for(100);
  for (i = 0; i < 100; i++) {
    ck_assert_int_eq(order[i], i);
    ck_assert(pthread_equal(runner[i], runner[0]));
  }
  ck_assert(!pthread_equal(runner[0], pthread_self()));
}
END_TEST

START_TEST(start_thread_runs_the_function_on_a_new_thread) {
  done = 0;
  ck_assert_pl_ok(pl_env_start_thread(pl_env_default(), record, (void *)(intptr_t)42));
  wait_for(1);
  ck_assert_int_eq(order[0], 42);
  ck_assert(!pthread_equal(runner[0], pthread_self()));
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "background", "background", NULL, NULL, 0);
  tcase_add_test(tc, scheduled_work_runs_in_order_on_one_background_thread);
  tcase_add_test(tc, start_thread_runs_the_function_on_a_new_thread);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
