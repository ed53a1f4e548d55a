/* Helpers shared by plinth's Check suites. */
#ifndef PLINTH_TESTS_TEST_UTIL_H
#define PLINTH_TESTS_TEST_UTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "plinth/plinth.h"

/* Asserts a plinth call succeeded, printing the status and message if not. */
#define ck_assert_pl_ok(expr)                                              \
  do {                                                                     \
    pl_status st_ = (expr);                                                \
    ck_assert_msg(st_ == PL_OK, "%s -> %s: %s", #expr, pl_status_name(st_), \
                  pl_error_message());                                     \
  } while (0)

/* The env the conformance cases run on: the platform env (pl_env_default)
 * in the ordinary build; the RADOS env (pl_rados_env_open_from_environment)
 * when the suite is built with PL_TEST_ENV_RADOS for `make check-ceph`.
 * Opened on first use in each test process (after Check's fork: librados
 * does not survive a fork). */
pl_env *pl_test_env(void);

/* Makes a new empty directory for one test under the env's test directory
 * (TEST_TMPDIR or the system temporary directory) and writes its path into
 * buf.  The directory is unique per process and call. */
void pl_test_fresh_dir(char *buf, size_t cap, const char *name);

/* The fixture of a suite whose cases work on one file: makes a fresh test
 * directory as pl_test_fresh_dir does (into dir, dir_cap bytes) and writes
 * the path of the file named file in it into path (path_cap bytes). */
void pl_test_fresh_file(char *dir, size_t dir_cap, char *path, size_t path_cap, const char *name,
                        const char *file);

/* Removes a directory tree made by pl_test_fresh_dir (best effort). */
void pl_test_remove_tree(const char *dir);

/* Joins dir and name with '/' into buf. */
const char *pl_test_path(char *buf, size_t cap, const char *dir, const char *name);

/* Makes a test case named name, with setup and teardown (either may be
 * NULL) as its checked fixture, run around each test in the test's own
 * process, and, when timeout is above 0, a timeout of that many seconds
 * instead of Check's default.  The caller adds it to its suite. */
TCase *pl_test_tcase(const char *name, SFun setup, SFun teardown, double timeout);

/* Makes the suite named name and, into *tc, its test case named
 * tcase_name as pl_test_tcase does; the caller adds the tests to *tc and
 * then *tc to the suite (suite_add_tcase), as for any other case. */
Suite *pl_test_suite(TCase **tc, const char *name, const char *tcase_name, SFun setup, SFun teardown,
                     double timeout);

/* Runs the suite and returns the exit status for main (0 = all passed). */
int pl_test_run(Suite *s);

/* Non-zero if the tests run as root (permission tests then need other
 * means than EACCES). */
int pl_test_is_root(void);

/* Adds a test case that needs POSIX-only means (fork, /dev/full, rlimits,
 * fcntl semantics).  On Windows the case is not added and a line
 * "SKIP posix-only: <name>" is printed, so skipped cases are visible in the
 * test log, never silent. */
#if defined(_WIN32)
#define PL_TEST_POSIX_ONLY(tc, fn) pl_test_note_skip("posix-only", #fn)
#elif defined(PL_TEST_ENV_RADOS)
#define PL_TEST_POSIX_ONLY(tc, fn) ((void)(fn), pl_test_note_skip("posix-only", #fn))
#else
#define PL_TEST_POSIX_ONLY(tc, fn) tcase_add_test(tc, fn)
#endif
void pl_test_note_skip(const char *rule, const char *name);

/* Adds a test case about the platform env itself (memory maps, descriptor
 * limits, process-exit semantics); on another env under test it is not
 * added and "SKIP <rule>: <name>" is printed. */
#if defined(PL_TEST_ENV_RADOS)
#define PL_TEST_PLATFORM_ONLY(tc, fn, rule) ((void)(fn), pl_test_note_skip(rule, #fn))
#else
#define PL_TEST_PLATFORM_ONLY(tc, fn, rule) tcase_add_test(tc, fn)
#endif

#endif
