/* Running other programs (port/process.h) on POSIX: what the crash harness
 * learns when a program cannot be found, cannot be started, is killed or
 * runs too long. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port/process.h"
#include "tests/test_util.h"

/* Cases change the working directory, PATH and the descriptor limit:
 * each puts them back, so the suite also runs in one process (CK_FORK=no,
 * as under valgrind). */
static char saved_cwd[4096], saved_path[8192];
static int had_path;
static struct rlimit saved_nofile;

static void save_state(void) {
  const char *p = getenv("PATH");
  ck_assert_ptr_nonnull(getcwd(saved_cwd, sizeof saved_cwd));
  had_path = p != NULL;
  snprintf(saved_path, sizeof saved_path, "%s", p ? p : "");
  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
}

static void restore_state(void) {
  if (chdir(saved_cwd) != 0) perror(saved_cwd);
  pl__process_setenv("PATH", had_path ? saved_path : NULL);
  pl__process_setenv("PLINTH_PROCESS_A", NULL);
  setrlimit(RLIMIT_NOFILE, &saved_nofile);
}

static void write_script(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(process_resolve_takes_an_empty_path_entry_as_the_current_directory) {
  char dir[1024], path[1200], out[4096];
  pl_test_fresh_dir(dir, sizeof dir, "process");
  pl_test_path(path, sizeof path, dir, "plinth-probe-prog");
  write_script(path, "#!/bin/sh\nexit 0\n", 0755);
  ck_assert_int_eq(chdir(dir), 0);
  pl__process_setenv("PATH", "/nonexistent-plinth::/also-absent");
  ck_assert_pl_ok(pl__process_resolve("plinth-probe-prog", out, sizeof out));
  ck_assert_str_eq(pl_path_basename(out), "plinth-probe-prog");
  ck_assert_msg(out[0] == '/', "resolved path is absolute: %s", out);
  ck_assert_int_eq(pl__process_resolve("plinth-absent-prog", out, sizeof out), PL_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "plinth-absent-prog: command not found in PATH"));
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(process_setenv_sets_and_removes_a_variable) {
  pl__process_setenv("PLINTH_PROCESS_TEST", "one");
  ck_assert_str_eq(getenv("PLINTH_PROCESS_TEST"), "one");
  pl__process_setenv("PLINTH_PROCESS_TEST", NULL);
  ck_assert_ptr_null(getenv("PLINTH_PROCESS_TEST"));
}
END_TEST

START_TEST(process_run_refuses_a_file_that_is_not_executable) {
  /* Mode 0644: no execute bit for anyone, so even root's access(X_OK)
   * fails. */
  char dir[1024], path[1200];
  const char *argv[2];
  pl__proc_status st;
  pl_test_fresh_dir(dir, sizeof dir, "process");
  pl_test_path(path, sizeof path, dir, "plain");
  write_script(path, "#!/bin/sh\nexit 0\n", 0644);
  argv[0] = path;
  argv[1] = NULL;
  ck_assert_int_eq(pl__process_run(argv, NULL, &st), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EACCES);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "not an executable file"));
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(process_run_reports_a_missing_working_directory_as_not_found) {
  char dir[1024], missing[1200];
  const char *argv[] = {"/bin/true", NULL};
  pl__proc_options o;
  pl__proc_status st;
  pl_test_fresh_dir(dir, sizeof dir, "process");
  pl_test_path(missing, sizeof missing, dir, "absent");
  memset(&o, 0, sizeof o);
  o.cwd = missing;
  ck_assert_int_eq(pl__process_run(argv, &o, &st), PL_NOT_FOUND);
  ck_assert_int_eq(pl_error_os(), ENOENT);
  ck_assert_int_eq(st.exited, 0);
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(process_run_reports_an_output_file_it_cannot_open) {
  /* The output path is a directory: open fails with EISDIR in the child,
   * which reports it before exec. */
  char dir[1024];
  const char *argv[] = {"/bin/true", NULL};
  pl__proc_options o;
  pl__proc_status st;
  pl_test_fresh_dir(dir, sizeof dir, "process");
  memset(&o, 0, sizeof o);
  o.output = dir;
  ck_assert_int_eq(pl__process_run(argv, &o, &st), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EISDIR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "/bin/true: cannot run"));
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(process_run_reports_the_signal_that_killed_the_program) {
  pl__proc_status st;
  char text[64];
  ck_assert_pl_ok(pl__process_run_shell("kill -SEGV $$", NULL, NULL, &st));
  ck_assert_int_eq(st.exited, 0);
  ck_assert_int_eq(st.timed_out, 0);
  ck_assert_int_eq(st.sig, SIGSEGV);
  pl__proc_status_describe(&st, 0, text, sizeof text);
  ck_assert_str_eq(text, "killed by SIGSEGV");
}
END_TEST

START_TEST(proc_status_describe_names_common_signals_and_numbers_the_rest) {
  static const struct {
    int sig;
    const char *text;
  } cases[] = {{SIGABRT, "killed by SIGABRT"}, {SIGSEGV, "killed by SIGSEGV"}, {SIGBUS, "killed by SIGBUS"},
               {SIGFPE, "killed by SIGFPE"},   {SIGILL, "killed by SIGILL"},   {SIGKILL, "killed by SIGKILL"},
               {SIGTERM, "killed by SIGTERM"}, {SIGINT, "killed by SIGINT"},   {SIGPIPE, "killed by SIGPIPE"},
               {SIGHUP, "killed by SIGHUP"},   {SIGQUIT, "killed by SIGQUIT"}, {SIGTRAP, "killed by SIGTRAP"},
               {SIGXFSZ, "killed by SIGXFSZ"}, {SIGUSR1, NULL}};
  size_t i;
  char text[64], want[64];
  pl__proc_status st;
  memset(&st, 0, sizeof st);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    st.sig = cases[i].sig;
    pl__proc_status_describe(&st, 0, text, sizeof text);
    if (cases[i].text == NULL) snprintf(want, sizeof want, "killed by signal %d", SIGUSR1);
    else snprintf(want, sizeof want, "%s", cases[i].text);
    ck_assert_str_eq(text, want);
  }
  st.exited = 1;
  st.code = 3;
  pl__proc_status_describe(&st, 0, text, sizeof text);
  ck_assert_str_eq(text, "exit 3");
}
END_TEST

START_TEST(process_run_reports_a_pipe_failure_with_the_os_error) {
  /* No descriptor left for the pipe that reports exec failures. */
  const char *argv[] = {"/bin/true", NULL};
  pl__proc_status st;
  struct rlimit rl = saved_nofile;
  int fds[64], n = 0, fd, i;
  pl_status s;
  rl.rlim_cur = 32; /* the soft limit only: it can be raised again */
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  while (n < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0) fds[n++] = fd;
  ck_assert_int_eq(errno, EMFILE);
  s = pl__process_run(argv, NULL, &st);
  for (i = 0; i < n; i++) close(fds[i]);
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EMFILE);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "pipe"));
}
END_TEST

START_TEST(process_absolute_refuses_a_result_longer_than_the_buffer) {
  char out[16];
  ck_assert_int_eq(pl__process_absolute("/a/rather/long/absolute/path", out, sizeof out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_error_os(), ENAMETOOLONG);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "/a/rather/long/absolute/path: path too long"));
}
END_TEST

START_TEST(process_run_gives_the_program_the_added_variables_over_its_own) {
  static const char *const add[] = {"PLINTH_PROCESS_A=new", "PLINTH_PROCESS_B=added", NULL};
  const char *args[] = {NULL};
  pl__proc_options o;
  pl__proc_status st;
  pl__process_setenv("PLINTH_PROCESS_A", "old");
  memset(&o, 0, sizeof o);
  o.env_add = add;
  ck_assert_pl_ok(pl__process_run_shell("test \"$PLINTH_PROCESS_A/$PLINTH_PROCESS_B\" = new/added", args, &o, &st));
  ck_assert_int_eq(st.exited, 1);
  ck_assert_int_eq(st.code, 0);
  /* and this process keeps its own */
  ck_assert_str_eq(getenv("PLINTH_PROCESS_A"), "old");
  ck_assert_ptr_null(getenv("PLINTH_PROCESS_B"));
}
END_TEST

START_TEST(process_resolve_refuses_an_empty_name_a_directory_and_a_missing_file) {
  char dir[1024], out[4096];
  pl_test_fresh_dir(dir, sizeof dir, "process");
  ck_assert_int_eq(pl__process_resolve("", out, sizeof out), PL_NOT_FOUND);
  ck_assert_str_eq(pl_error_message(), "empty program name");
  /* a directory exists but is no executable file */
  ck_assert_int_eq(pl__process_resolve(dir, out, sizeof out), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EACCES);
  ck_assert_int_eq(chdir(dir), 0);
  ck_assert_int_eq(pl__process_resolve("./absent", out, sizeof out), PL_NOT_FOUND);
  ck_assert_int_eq(pl_error_os(), ENOENT);
  ck_assert_str_eq(pl_error_message(), "./absent: No such file or directory");
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(process_resolve_searches_the_default_path_when_path_is_empty) {
  char out[4096];
  pl__process_setenv("PATH", "");
  ck_assert_pl_ok(pl__process_resolve("sh", out, sizeof out));
  ck_assert_msg(strcmp(out, "/usr/local/bin/sh") == 0 || strcmp(out, "/usr/bin/sh") == 0 ||
                    strcmp(out, "/bin/sh") == 0,
                "%s", out);
  /* a name whose candidates overflow the buffer is not found */
  ck_assert_int_eq(pl__process_resolve("sh", out, 7), PL_NOT_FOUND);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "process", "process", save_state, restore_state, 0);
  tcase_add_test(tc, process_resolve_takes_an_empty_path_entry_as_the_current_directory);
  tcase_add_test(tc, process_setenv_sets_and_removes_a_variable);
  tcase_add_test(tc, process_run_refuses_a_file_that_is_not_executable);
  tcase_add_test(tc, process_run_reports_a_missing_working_directory_as_not_found);
  tcase_add_test(tc, process_run_reports_an_output_file_it_cannot_open);
  tcase_add_test(tc, process_run_reports_the_signal_that_killed_the_program);
  tcase_add_test(tc, proc_status_describe_names_common_signals_and_numbers_the_rest);
  tcase_add_test(tc, process_run_reports_a_pipe_failure_with_the_os_error);
  tcase_add_test(tc, process_absolute_refuses_a_result_longer_than_the_buffer);
  tcase_add_test(tc, process_run_gives_the_program_the_added_variables_over_its_own);
  tcase_add_test(tc, process_resolve_refuses_an_empty_name_a_directory_and_a_missing_file);
  tcase_add_test(tc, process_resolve_searches_the_default_path_when_path_is_empty);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
