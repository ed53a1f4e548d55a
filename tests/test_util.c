/* Helpers shared by plinth's Check suites; built on the env itself so they
 * work on every backend. */
#include "config.h"

#include <stdlib.h>

#include "tests/test_util.h"

#if defined(PL_TEST_ENV_RADOS)
#include "plinth/rados.h"
#endif

#if defined(_WIN32)
#include <process.h>
#define getpid _getpid
#else
#include <unistd.h>
#endif

static int counter;

const char *pl_test_path(char *buf, size_t cap, const char *dir, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
  return buf;
}

pl_env *pl_test_env(void) {
#if defined(PL_TEST_ENV_RADOS)
  static pl_env *env;
  if (env == NULL && pl_rados_env_open_from_environment(&env) != PL_OK) {
    fprintf(stderr, "the RADOS env under test cannot be opened: %s\n", pl_error_message());
    exit(1);
  }
  return env;
#else
  return pl_env_default();
#endif
}

/* Where test directories are made: the env under test, except that the
 * platform build uses the platform env itself (never a recorder that
 * PLINTH_TRACE may install behind pl_env_default). */
static pl_env *fixture_env(void) {
#if defined(PL_TEST_ENV_RADOS)
  return pl_test_env();
#else
  return pl_env_platform();
#endif
}

void pl_test_remove_tree(const char *dir) {
  /* Best effort: a test that left nothing behind is fine. */
  pl_file_remove_tree(fixture_env(), dir);
}

void pl_test_fresh_dir(char *buf, size_t cap, const char *name) {
  pl_env *env = fixture_env();
  char base[2048];
  ck_assert_pl_ok(pl_env_test_directory(env, base, sizeof base));
  snprintf(buf, cap, "%s/%s-%d-%d", base, name, (int)getpid(), ++counter);
  pl_test_remove_tree(buf);
  ck_assert_pl_ok(pl_env_create_dir(env, buf));
}

TCase *pl_test_tcase(const char *name, SFun setup, SFun teardown, double timeout) {
  TCase *tc = tcase_create(name);
  if (setup != NULL || teardown != NULL) tcase_add_checked_fixture(tc, setup, teardown);
  if (timeout > 0) tcase_set_timeout(tc, timeout);
  return tc;
}

void pl_test_fresh_file(char *dir, size_t dir_cap, char *path, size_t path_cap, const char *name,
                        const char *file) {
  pl_test_fresh_dir(dir, dir_cap, name);
  pl_test_path(path, path_cap, dir, file);
}

Suite *pl_test_suite(TCase **tc, const char *name, const char *tcase_name, SFun setup, SFun teardown,
                     double timeout) {
  Suite *s = suite_create(name);
  *tc = pl_test_tcase(tcase_name, setup, teardown, timeout);
  return s;
}

int pl_test_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

int pl_test_is_root(void) {
#if defined(_WIN32)
  return 0;
#else
  return geteuid() == 0;
#endif
}

void pl_test_note_skip(const char *rule, const char *name) {
  printf("SKIP %s: %s\n", rule, name);
  fflush(stdout);
}
