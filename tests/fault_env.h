/* The write-path suites' fault env: plinth's public one (plinth/crash.h,
 * "Faults beyond power loss") over the platform env, one per test case,
 * with the few lines every suite would otherwise repeat. */
#ifndef PLINTH_TESTS_FAULT_ENV_H
#define PLINTH_TESTS_FAULT_ENV_H

#include "plinth/crash.h"
#include "plinth/plinth.h"

/* Makes the test case's fault env (nothing planned); frees it. */
void fault_env_init(void);
void fault_env_free(void);
/* The fixture of a suite whose cases write one file through the fault
 * env: pl_test_fresh_file (see tests/test_util.h), then fault_env_init.
 * fault_env_fixture_end frees the fault env and removes dir. */
void fault_env_fixture(char *dir, size_t dir_cap, char *path, size_t path_cap, const char *name,
                       const char *file);
void fault_env_fixture_end(const char *dir);
/* The env and its injector. */
pl_env *fault_env(void);
pl_crash_faults *fault_env_faults(void);
/* What reached it so far. */
pl_crash_faults_stats fault_env_stats(void);
/* The nth operation of the kind's sort (a pl_crash_fault_kind) from now
 * on fails, on any file. */
void fault_env_fail(int kind, int nth);

#endif
