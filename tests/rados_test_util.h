/* Helpers of the RADOS env's own suites (rados_test, rados_kill_test):
 * envs with chosen options, a direct librados handle to look at the pool,
 * and helper processes (the test program re-executed) that hold or try
 * locks.  librados does not survive fork(), so a child always execs. */
#ifndef PLINTH_TESTS_RADOS_TEST_UTIL_H
#define PLINTH_TESTS_RADOS_TEST_UTIL_H

#include <errno.h>
#include <rados/librados.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plinth/rados.h"
#include "tests/test_util.h"

/* Options from the PLINTH_RADOS_* variables, as the env under test. */
static inline void rt_options(pl_rados_options *o) {
  pl_rados_options_init(o);
  o->conf_path = getenv("PLINTH_RADOS_CONF");
  o->pool = getenv("PLINTH_RADOS_POOL");
  o->rados_namespace = getenv("PLINTH_RADOS_NAMESPACE");
}

static inline pl_env *rt_open(const pl_rados_options *o) {
  pl_env *e;
  ck_assert_pl_ok(pl_rados_env_open(o, &e));
  return e;
}

/* A raw librados handle on the same pool and namespace. */
static inline rados_ioctx_t rt_ioctx(rados_t *cluster) {
  rados_ioctx_t io;
  ck_assert_int_eq(rados_create(cluster, NULL), 0);
  ck_assert_int_eq(rados_conf_read_file(*cluster, getenv("PLINTH_RADOS_CONF")), 0);
  ck_assert_int_eq(rados_connect(*cluster), 0);
  ck_assert_int_eq(rados_ioctx_create(*cluster, getenv("PLINTH_RADOS_POOL"), &io), 0);
  if (getenv("PLINTH_RADOS_NAMESPACE")) rados_ioctx_set_namespace(io, getenv("PLINTH_RADOS_NAMESPACE"));
  return io;
}

static inline int rt_object_exists(const char *oid) {
  rados_t c;
  rados_ioctx_t io = rt_ioctx(&c);
  uint64_t size;
  time_t mt;
  int r = rados_stat(io, oid, &size, &mt);
  rados_ioctx_destroy(io);
  rados_shutdown(c);
  return r == 0;
}

/* A helper process: this program re-executed with argv[1] = mode and
 * argv[2] = path; its stdout is read through *out_fd. */
static inline pid_t rt_spawn(const char *mode, const char *path, int *out_fd) {
  int fds[2];
  pid_t pid;
  char self[4096];
  /* This program's path, read before the fork: under valgrind,
   * /proc/self/exe itself is the tool's binary, but readlink of it gives
   * the program's. */
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  ck_assert_int_gt(n, 0);
  self[n] = '\0';
  ck_assert_int_eq(pipe(fds), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char *args[4];
    args[0] = (char *)"helper";
    args[1] = (char *)mode;
    args[2] = (char *)path;
    args[3] = NULL;
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execv(self, args);
    _exit(99);
  }
  close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

/* Runs "--try-lock path" to its end: 0 if the helper got the lock, 1 if it
 * was refused as locked by another process, other values otherwise. */
static inline int rt_child_tries_lock(const char *path) {
  int fd, status;
  pid_t pid = rt_spawn("--try-lock", path, &fd);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(fd);
  ck_assert(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* Starts "--hold-lock path" and waits until it holds the lock. */
static inline pid_t rt_child_holds_lock(const char *path, int *fd) {
  char c = 0;
  pid_t pid = rt_spawn("--hold-lock", path, fd);
  ck_assert_int_eq(read(*fd, &c, 1), 1);
  ck_assert_int_eq(c, 'L');
  return pid;
}

/* The helper modes; returns -1 if argv names none. */
static inline int rt_helper_main(int argc, char **argv) {
  pl_env *env;
  pl_file_lock *l;
  pl_status s;
  if (argc < 3) return -1;
  if (strcmp(argv[1], "--try-lock") != 0 && strcmp(argv[1], "--hold-lock") != 0) return -1;
  if (pl_rados_env_open_from_environment(&env) != PL_OK) {
    fprintf(stderr, "helper: %s\n", pl_error_message());
    return 3;
  }
  s = pl_env_lock_file(env, argv[2], &l);
  if (strcmp(argv[1], "--try-lock") == 0) {
    int rc = s == PL_OK ? 0 : strstr(pl_error_message(), "locked by another process") ? 1 : 2;
    if (rc == 2) fprintf(stderr, "helper: %s\n", pl_error_message());
    if (s == PL_OK) pl_env_unlock_file(env, l);
    pl_rados_env_close(env);
    return rc;
  }
  if (s != PL_OK) {
    fprintf(stderr, "helper: %s\n", pl_error_message());
    return 2;
  }
  if (write(1, "L", 1) != 1) return 4;
  /* Holds the lock (renewed by the env) until killed or told to go. */
  for (;;) {
    char c;
    if (read(0, &c, 1) <= 0) pause();
  }
}

/* The start of both suites' main: when the program was started as a
 * helper process (rt_spawn), runs the helper and exits with its status;
 * otherwise returns the suite named name with its test case of the same
 * name in *tc (pl_test_suite, fixture setup and teardown). */
static inline Suite *rt_suite(int argc, char **argv, TCase **tc, const char *name, SFun setup,
                              SFun teardown) {
  int rc = rt_helper_main(argc, argv);
  if (rc >= 0) exit(rc);
  return pl_test_suite(tc, name, name, setup, teardown, 0);
}

#endif
