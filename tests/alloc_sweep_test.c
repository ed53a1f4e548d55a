/* Out of memory at every allocation: a workload over the crash harness
 * (build, save, load, explore with a checker, replay, reports), the
 * recorder and the whole-file helpers is run once per allocation it makes,
 * with exactly that allocation failing.  Each run must end in a status
 * (never a crash), and an error must say "out of memory" somewhere in its
 * detail or be a status the caller can act on; the asan and valgrind
 * stages check that no run leaks.
 *
 * The library's calls to malloc, calloc, realloc and strdup are wrapped at
 * link time (-Wl,--wrap): this suite links the convenience library, so
 * only plinth's own allocations are counted and failed, not libc's or
 * Check's. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "tests/test_util.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long allocations, fail_at = -1;

/* Non-zero if this allocation is the one to fail. */
static int failing(void) {
  allocations++;
  return allocations == fail_at;
}

void *__wrap_malloc(size_t n) { return failing() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return failing() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return failing() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return failing() ? NULL : __real_strdup(s); }

static char dir[1024];

static int pass_all(void *arg, const char *d, const char *const *notes, size_t n, char *msg, size_t cap) {
  (void)arg;
  (void)d;
  (void)notes;
  (void)n;
  /* Fail one state in three, so failures are reported and shrunk too. */
  if (++*(int *)arg % 3 == 0) {
    snprintf(msg, cap, "every third state");
    return 1;
  }
  return 0;
}

/* The workload: returns the first non-OK status (or PL_OK). */
static pl_status workload(void) {
  char path[1200], out[1200], html[1200];
  pl_crash_trace t, loaded;
  pl_crash_options o;
  pl_crash_report r;
  int calls = 0;
  pl_crash_checker c = {pass_all, &calls, NULL};
  pl_crash_recorder *rec;
  pl_status s;
  FILE *sink;
  char *data;
  size_t n;
  pl_crash_trace_init(&t);
  /* A trace with every kind the model knows. */
  s = pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "d", NULL);
  if (s == PL_OK) s = pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "d/f");
  if (s == PL_OK) s = pl_crash_trace_add_write(&t, 1, 0, "0123456789abcdef", 16);
  if (s == PL_OK) s = pl_crash_trace_add_write(&t, 1, 0, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 48);
  if (s == PL_OK) s = pl_crash_trace_add_sync(&t, 1);
  if (s == PL_OK) s = pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "d", NULL);
  if (s == PL_OK) s = pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "d/f", "g");
  if (s == PL_OK) s = pl_crash_trace_add_path(&t, PL_CRASH_LINK, "g", "d/h");
  if (s == PL_OK) s = pl_crash_trace_add_note(&t, "ack");
  if (s == PL_OK) s = pl_crash_trace_add_path(&t, PL_CRASH_UNLINK, "d/h", NULL);
  pl_test_path(path, sizeof path, dir, "t.plt");
  if (s == PL_OK) s = pl_crash_trace_save(pl_env_platform(), path, &t);
  if (s == PL_OK) {
    s = pl_crash_trace_load(pl_env_platform(), path, &loaded);
    if (s == PL_OK) pl_crash_trace_free(&loaded);
  }
  pl_crash_options_init(&o);
  o.work_dir = pl_test_path(out, sizeof out, dir, "work");
  o.sector_size = 16; /* tears of four sectors */
  if (s == PL_OK) {
    s = pl_crash_explore(&t, &o, &c, &r);
    if (s == PL_OK) {
      sink = fopen("/dev/null", "w");
      if (sink != NULL) {
        pl_crash_report_print(&r, sink);
        pl_crash_report_print_json(&r, sink);
        s = pl_crash_report_write_html(&r, &t, &o, "alloc", sink);
        pl_crash_trace_dump(&t, sink);
        fclose(sink);
      }
    }
    pl_crash_report_free(&r);
  }
  if (s == PL_OK) {
    uint64_t comb, distinct;
    s = pl_crash_count_states(&t, &o, t.count, &comb, &distinct);
  }
  if (s == PL_OK) {
    pl_test_path(html, sizeof html, dir, "replayed");
    pl_file_remove_tree(pl_env_platform(), html);
    s = pl_crash_replay(&t, &o, "3:1.1.1", html);
    if (s == PL_INVALID_ARGUMENT) s = PL_OK; /* the id fits other options: not what this tests */
  }
  pl_crash_trace_free(&t);
  /* The recorder, in memory, with the whole-file helpers through it. */
  if (s == PL_OK) s = pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec);
  if (s == PL_OK) {
    pl_env *env = pl_crash_recorder_env(rec);
    pl_test_path(path, sizeof path, dir, "replaced");
    s = pl_file_replace(env, path, "contents", 8);
    if (s == PL_OK) s = pl_file_read_all(env, path, &data, &n);
    if (s == PL_OK) free(data);
    pl_crash_note(rec, "replaced");
    pl_crash_recorder_free(rec);
  }
  return s;
}

START_TEST(every_allocation_failure_ends_in_a_clean_status) {
  long total, k, failed = 0;
  pl_status s;
  pl_test_fresh_dir(dir, sizeof dir, "alloc-sweep");
  /* Count the allocations of one clean run. */
  allocations = 0;
  fail_at = -1;
  ck_assert_pl_ok(workload());
  total = allocations;
  ck_assert_int_gt(total, 50);
  for (k = 1; k <= total; k++) {
    pl_test_remove_tree(dir);
    pl_test_fresh_dir(dir, sizeof dir, "alloc-sweep");
    allocations = 0;
    fail_at = k;
    pl_error_clear();
    s = workload();
    fail_at = -1;
    /* Failing an allocation that had a fallback (shrinking is best
     * effort) may still succeed; a failure must say what happened. */
    if (s != PL_OK) {
      failed++;
      ck_assert_msg(pl_error_message()[0] != '\0', "allocation %ld: %s with no message", k, pl_status_name(s));
    }
  }
  printf("alloc_sweep: %ld allocations, each failed once: %ld runs reported an error, %ld recovered\n", total,
         failed, total - failed);
  /* Most allocations are on paths that must report. */
  ck_assert_int_gt(failed, total / 2);
  pl_test_remove_tree(dir);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "alloc_sweep", "alloc_sweep", NULL, NULL, 600);
  tcase_add_test(tc, every_allocation_failure_ends_in_a_clean_status);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
