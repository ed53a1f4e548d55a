/* Every descriptor plinth opens is closed across exec, so a child process
 * (a compaction helper, a shell-out) cannot hold a file or a lock open. */
#include "config.h"

#include "tests/test_util.h"

#if !defined(_WIN32)
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "cloexec"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static int fcntl_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static char open_before[256];

static void note_open_fds(void) {
  int fd;
  for (fd = 0; fd < 256; fd++) open_before[fd] = (char)fcntl_is_open(fd);
}

/* Descriptors opened since note_open_fds: what plinth holds open now. */
static int new_fds(int *fds, int cap) {
  int n = 0, fd;
  for (fd = 0; fd < 256 && n < cap; fd++)
    if (!open_before[fd] && fcntl_is_open(fd)) fds[n++] = fd;
  return n;
}

START_TEST(no_descriptor_survives_fork_and_exec) {
  char p[1300], lockp[1300], script[4096];
  pl_env *env = pl_env_default();
  pl_writable_file *w, *a;
  pl_sequential_file *s;
  pl_random_file *r;
  pl_file_lock *l;
  int fds[16], n, i, status;
  size_t len;
  pid_t pid;
  pl_test_path(p, sizeof p, dir, "f");
  pl_test_path(lockp, sizeof lockp, dir, "LOCK");
  note_open_fds();
  ck_assert_pl_ok(pl_file_write_all(env, p, "data", 4, 0));
  pl_env_platform_set_limits(0, 100); /* keep the random file's descriptor */
  ck_assert_pl_ok(pl_env_new_writable(env, p, NULL, &w));
  ck_assert_pl_ok(pl_env_new_appendable(env, p, NULL, &a));
  ck_assert_pl_ok(pl_env_new_sequential(env, p, &s));
  ck_assert_pl_ok(pl_env_new_random(env, p, &r));
  ck_assert_pl_ok(pl_env_lock_file(env, lockp, &l));
  n = new_fds(fds, 16);
  ck_assert_int_eq(n, 5);
  /* The child shell checks /proc/self/fd for each of them after exec. */
  len = (size_t)snprintf(script, sizeof script, "for fd in");
  for (i = 0; i < n; i++) len += (size_t)snprintf(script + len, sizeof script - len, " %d", fds[i]);
  snprintf(script + len, sizeof script - len,
           "; do if [ -e /proc/self/fd/$fd ]; then echo \"fd $fd leaked\"; exit 1; fi; done; exit 0");
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", script, (char *)NULL);
    _exit(127);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a descriptor leaked into exec");
  pl_env_unlock_file(env, l);
  pl_random_close(r);
  pl_sequential_close(s);
  pl_writable_close(a);
  pl_writable_close(w);
}
END_TEST
#endif

int main(void) {
  Suite *s = suite_create("cloexec");
#if !defined(_WIN32)
  TCase *tc = pl_test_tcase("cloexec", setup, teardown, 0);
#else
  TCase *tc = pl_test_tcase("cloexec", NULL, NULL, 0);
#endif
  PL_TEST_POSIX_ONLY(tc, no_descriptor_survives_fork_and_exec);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
