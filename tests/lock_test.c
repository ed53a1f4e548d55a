/* File locks: exclusive within the process (lock table) and across
 * processes (OS lock), released on unlock and on process exit. */
#include "config.h"

#include <stdlib.h>

#if !defined(_WIN32)
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "tests/test_util.h"

static char dir[1024];
static char path[1200];
static pl_env *env;

static void setup(void) {
  env = pl_test_env();
  pl_test_fresh_dir(dir, sizeof dir, "lock");
  pl_test_path(path, sizeof path, dir, "LOCK");
}
static void teardown(void) { pl_test_remove_tree(dir); }

START_TEST(lock_creates_the_file_and_unlock_releases_it) {
  pl_file_lock *l, *again;
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  ck_assert_pl_ok(pl_env_file_exists(env, path));
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  ck_assert_pl_ok(pl_env_lock_file(env, path, &again));
  ck_assert_pl_ok(pl_env_unlock_file(env, again));
}
END_TEST

START_TEST(second_lock_in_the_same_process_fails_clearly) {
  pl_file_lock *l, *l2 = (pl_file_lock *)1;
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  ck_assert_int_eq(pl_env_lock_file(env, path, &l2), PL_IO_ERROR);
  ck_assert_ptr_null(l2);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  ck_assert_msg(strstr(pl_error_message(), "already held by this process") != NULL, "%s",
                pl_error_message());
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
}
END_TEST

START_TEST(lock_in_missing_directory_is_not_found) {
  char p[1400];
  pl_file_lock *l;
  snprintf(p, sizeof p, "%s/missing/LOCK", dir);
  ck_assert_int_eq(pl_env_lock_file(env, p, &l), PL_NOT_FOUND);
}
END_TEST

#if !defined(_WIN32)
/* Runs a child that tries to lock path; returns 0 if it got the lock, 1 if
 * it was refused, other values for unexpected failures. */
static int child_tries_lock(void) {
  int status;
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    pl_file_lock *l;
    pl_status s = pl_env_lock_file(pl_env_default(), path, &l);
    if (s == PL_OK) _exit(0);
    _exit(strstr(pl_error_message(), "locked by another process") ? 1 : 2);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status));
  return WEXITSTATUS(status);
}

START_TEST(lock_excludes_another_process_until_unlock) {
  pl_file_lock *l;
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  ck_assert_int_eq(child_tries_lock(), 1);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  ck_assert_int_eq(child_tries_lock(), 0);
}
END_TEST

START_TEST(lock_is_released_when_the_holder_exits) {
  int to_parent[2], to_child[2], status;
  char c;
  pl_file_lock *l;
  pid_t pid;
  ck_assert_int_eq(pipe(to_parent), 0);
  ck_assert_int_eq(pipe(to_child), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    pl_file_lock *held;
    if (pl_env_lock_file(pl_env_default(), path, &held) != PL_OK) _exit(1);
    if (write(to_parent[1], "L", 1) != 1) _exit(1);
    if (read(to_child[0], &c, 1) != 1) _exit(1);
    _exit(0); /* exits holding the lock, without unlocking */
  }
  ck_assert_int_eq(read(to_parent[0], &c, 1), 1);
  ck_assert_int_eq(pl_env_lock_file(env, path, &l), PL_IO_ERROR);
  ck_assert_int_eq(write(to_child[1], "go", 1), 1);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  close(to_parent[0]);
  close(to_parent[1]);
  close(to_child[0]);
  close(to_child[1]);
}
END_TEST
#endif

int main(void) {
  Suite *s = suite_create("lock");
  TCase *tc = tcase_create("lock");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, lock_creates_the_file_and_unlock_releases_it);
  tcase_add_test(tc, second_lock_in_the_same_process_fails_clearly);
  tcase_add_test(tc, lock_in_missing_directory_is_not_found);
  PL_TEST_POSIX_ONLY(tc, lock_excludes_another_process_until_unlock);
  PL_TEST_POSIX_ONLY(tc, lock_is_released_when_the_holder_exits);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
