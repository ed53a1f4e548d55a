/* See fault_env.h. */
#include "config.h"

#include "tests/fault_env.h"
#include "tests/test_util.h"

static pl_crash_faults *faults;

void fault_env_init(void) { ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), NULL, 0, &faults)); }

void fault_env_free(void) {
  pl_crash_faults_free(faults);
  faults = NULL;
}

void fault_env_fixture(char *dir, size_t dir_cap, char *path, size_t path_cap, const char *name,
                       const char *file) {
  pl_test_fresh_file(dir, dir_cap, path, path_cap, name, file);
  fault_env_init();
}

void fault_env_fixture_end(const char *dir) {
  fault_env_free();
  pl_test_remove_tree(dir);
}

pl_env *fault_env(void) { return pl_crash_faults_env(faults); }
pl_crash_faults *fault_env_faults(void) { return faults; }

pl_crash_faults_stats fault_env_stats(void) {
  pl_crash_faults_stats st;
  pl_crash_faults_stats_get(faults, &st);
  return st;
}

void fault_env_fail(int kind, int nth) {
  pl_crash_fault x = {kind, NULL, nth, 0};
  ck_assert_pl_ok(pl_crash_faults_add(faults, &x));
}
