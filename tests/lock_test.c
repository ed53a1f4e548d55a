/* File locks: exclusive within the process (lock table) and across
 * processes (OS lock), released on unlock and on process exit. */
#include "config.h"

#include <stdlib.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "tests/test_util.h"

static char dir[1024];
static char path[1200];
static pl_env *env;

static void setup(void) {
  env = pl_test_env();
  pl_test_fresh_file(dir, sizeof dir, path, sizeof path, "lock", "LOCK");
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

/* Asserts that locking p is refused because this process holds the file. */
static void assert_held_here(const char *p) {
  pl_file_lock *l2 = (pl_file_lock *)1;
  ck_assert_int_eq(pl_env_lock_file(env, p, &l2), PL_IO_ERROR);
  ck_assert_ptr_null(l2);
  ck_assert_msg(strstr(pl_error_message(), p) != NULL, "%s", pl_error_message());
  ck_assert_msg(strstr(pl_error_message(), "already held by this process") != NULL, "%s",
                pl_error_message());
}

START_TEST(every_spelling_of_a_held_file_is_the_same_lock) {
  char sub[1300], p[1400];
  pl_file_lock *l;
  pl_test_path(sub, sizeof sub, dir, "sub");
  ck_assert_pl_ok(pl_env_create_dir(env, sub));
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  snprintf(p, sizeof p, "%s/./LOCK", dir);
  assert_held_here(p);
  snprintf(p, sizeof p, "%s/sub/../LOCK", dir);
  assert_held_here(p);
  snprintf(p, sizeof p, "%s//LOCK", dir);
  assert_held_here(p);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  /* Released, it can be taken under any name. */
  snprintf(p, sizeof p, "%s/./LOCK", dir);
  ck_assert_pl_ok(pl_env_lock_file(env, p, &l));
  assert_held_here(path);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
}
END_TEST

static void make_hard_link(const char *target, const char *link_path) {
#if defined(_WIN32)
  wchar_t wt[1300], wl[1300];
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, target, -1, wt, 1300), 0);
  ck_assert_int_gt(MultiByteToWideChar(CP_UTF8, 0, link_path, -1, wl, 1300), 0);
  ck_assert_msg(CreateHardLinkW(wl, wt, NULL), "CreateHardLinkW: %lu", GetLastError());
#else
  ck_assert_int_eq(link(target, link_path), 0);
#endif
}

START_TEST(hard_link_to_a_held_file_is_the_same_lock) {
  char p[1300];
  pl_file_lock *l;
  pl_test_path(p, sizeof p, dir, "LOCK-link");
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  make_hard_link(path, p);
  assert_held_here(p);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  ck_assert_pl_ok(pl_env_lock_file(env, p, &l));
  assert_held_here(path);
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

START_TEST(symbolic_link_to_a_held_file_is_the_same_lock) {
  char p[1300];
  pl_file_lock *l;
  pl_test_path(p, sizeof p, dir, "LOCK-symlink");
  ck_assert_int_eq(symlink("LOCK", p), 0);
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  assert_held_here(p);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
}
END_TEST

/* fcntl locks belong to the process: had the refused attempt opened and
 * closed a descriptor of the file, or taken and dropped the lock itself,
 * the first holder would have lost the lock without knowing. */
START_TEST(refused_second_spelling_leaves_the_lock_held_against_other_processes) {
  char p[1400];
  pl_file_lock *l;
  snprintf(p, sizeof p, "%s/./LOCK", dir);
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  assert_held_here(p);
  assert_held_here(p);
  ck_assert_int_eq(child_tries_lock(), 1);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  ck_assert_int_eq(child_tries_lock(), 0);
}
END_TEST

/* The test program's open() comes first for libplinth's calls too (symbol
 * interposition, as in syscall_spy.c).  Armed, it renames race_from onto
 * race_to just before opening race_to: the held file reaches the name being
 * locked after the lock table looked at that name and before it opened it. */
static const char *race_from, *race_to;

int open(const char *p, int flags, ...) {
  int mode = 0, has_mode = (flags & O_CREAT) != 0;
#ifdef O_TMPFILE
  has_mode |= (flags & O_TMPFILE) == O_TMPFILE;
#endif
  if (has_mode) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  if (race_to != NULL && strcmp(p, race_to) == 0) {
    const char *from = race_from;
    race_to = race_from = NULL;
    if (rename(from, p) != 0) return -1;
  }
  return (int)syscall(SYS_openat, AT_FDCWD, p, flags, mode);
}

START_TEST(held_file_renamed_onto_the_name_being_locked_stays_locked) {
  char other[1200];
  pl_file_lock *l;
  pl_test_path(other, sizeof other, dir, "OTHER");
  ck_assert_pl_ok(pl_env_lock_file(env, path, &l));
  race_from = path;
  race_to = other;
  assert_held_here(other);
  ck_assert_ptr_null(race_to); /* the race did happen */
  ck_assert_int_eq(pl_env_file_exists(env, path), PL_NOT_FOUND);
  /* The refused attempt's descriptor of the held file is still open, so
   * the process still holds its lock, now under the name OTHER. */
  snprintf(path, sizeof path, "%s", other);
  ck_assert_int_eq(child_tries_lock(), 1);
  ck_assert_pl_ok(pl_env_unlock_file(env, l));
  ck_assert_int_eq(child_tries_lock(), 0);
}
END_TEST

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
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "lock", "lock", setup, teardown, 0);
  tcase_add_test(tc, lock_creates_the_file_and_unlock_releases_it);
  tcase_add_test(tc, second_lock_in_the_same_process_fails_clearly);
  tcase_add_test(tc, every_spelling_of_a_held_file_is_the_same_lock);
  PL_TEST_PLATFORM_ONLY(tc, hard_link_to_a_held_file_is_the_same_lock, "platform env: hard links");
  tcase_add_test(tc, lock_in_missing_directory_is_not_found);
  PL_TEST_POSIX_ONLY(tc, symbolic_link_to_a_held_file_is_the_same_lock);
  PL_TEST_POSIX_ONLY(tc, refused_second_spelling_leaves_the_lock_held_against_other_processes);
  PL_TEST_POSIX_ONLY(tc, held_file_renamed_onto_the_name_being_locked_stays_locked);
  PL_TEST_POSIX_ONLY(tc, lock_excludes_another_process_until_unlock);
  PL_TEST_POSIX_ONLY(tc, lock_is_released_when_the_holder_exits);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
