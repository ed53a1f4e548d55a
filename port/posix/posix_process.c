/* POSIX: running programs with fork and exec, each in its own process
 * group so a timeout kills everything it started. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"
#include "port/posix/posix_process.h"
#include "port/process.h"
#include "util/buf.h"

extern char **environ;

static int executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

pl_status pl__process_absolute(const char *path, char *out, size_t cap) {
  char cwd[4096];
  int n;
  if (path[0] == '/') {
    n = snprintf(out, cap, "%s", path);
  } else {
    if (getcwd(cwd, sizeof cwd) == NULL) return pl__port_error(errno, "getcwd");
    n = snprintf(out, cap, "%s/%s", cwd, path);
  }
  if (n < 0 || (size_t)n >= cap) return pl_error_set(PL_INVALID_ARGUMENT, ENAMETOOLONG, "%s: path too long", path);
  return PL_OK;
}

pl_status pl__process_resolve(const char *name, char *out, size_t cap) {
  const char *path, *p;
  if (name[0] == '\0') return pl_error_set(PL_NOT_FOUND, ENOENT, "empty program name");
  if (strchr(name, '/') != NULL) {
    pl_status s = pl__process_absolute(name, out, cap);
    if (s != PL_OK) return s;
    if (!executable(out))
      return access(out, F_OK) == 0 ? pl_error_set(PL_IO_ERROR, EACCES, "%s: not an executable file", name)
                                    : pl_error_set(PL_NOT_FOUND, ENOENT, "%s: No such file or directory", name);
    return PL_OK;
  }
  path = getenv("PATH");
  if (path == NULL || *path == '\0') path = "/usr/local/bin:/usr/bin:/bin";
  for (p = path;;) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    int n;
    /* An empty PATH entry means the current directory, as in sh. */
    if (len == 0) n = snprintf(out, cap, "./%s", name);
    else n = snprintf(out, cap, "%.*s/%s", (int)len, p, name);
    if (n > 0 && (size_t)n < cap && executable(out)) {
      if (out[0] != '/') {
        char rel[4096];
        snprintf(rel, sizeof rel, "%s", out);
        return pl__process_absolute(rel, out, cap);
      }
      return PL_OK;
    }
    if (end == NULL) break;
    p = end + 1;
  }
  return pl_error_set(PL_NOT_FOUND, ENOENT, "%s: command not found in PATH", name);
}

void pl__process_setenv(const char *name, const char *value) {
  if (value != NULL) setenv(name, value, 1);
  else unsetenv(name);
}

char **pl__process_child_environment(const char *const *add) {
  size_t n = 0, k = 0, i, j;
  char **envp;
  while (environ[n] != NULL) n++;
  for (i = 0; add != NULL && add[i] != NULL; i++) {
  }
  envp = malloc((n + i + 1) * sizeof *envp);
  if (envp == NULL) return NULL;
  for (j = 0; j < n; j++) {
    int replaced = 0;
    for (i = 0; add != NULL && add[i] != NULL && !replaced; i++) {
      const char *eq = strchr(add[i], '=');
      size_t len = eq ? (size_t)(eq - add[i]) + 1 : 0;
      replaced = len > 0 && strncmp(environ[j], add[i], len) == 0;
    }
    if (!replaced) envp[k++] = environ[j];
  }
  for (i = 0; add != NULL && add[i] != NULL; i++) envp[k++] = (char *)add[i];
  envp[k] = NULL;
  return envp;
}

/* The child's side: set up and exec, or report errno on the pipe.  Only
 * async-signal-safe calls. */
static void child(const char *prog, const char *const *argv, char **envp, const pl__proc_options *o,
                  int report) {
  int e;
  setpgid(0, 0);
  /* The parent may have ignored SIGPIPE or blocked signals; the program
   * starts with the defaults, as from a shell. */
  signal(SIGPIPE, SIG_DFL);
  if (o->cwd != NULL && chdir(o->cwd) != 0) goto fail;
  if (o->output != NULL) {
    int fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) goto fail;
    close(fd);
  }
  execve(prog, (char *const *)argv, envp);
fail:
  e = errno;
  if (write(report, &e, sizeof e) < 0) {
  }
  _exit(127);
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

pl_status pl__process_run(const char *const *argv, const pl__proc_options *o, pl__proc_status *st) {
  static const pl__proc_options defaults;
  char prog[4096], **envp;
  int pipefd[2], e = 0, status = 0;
  ssize_t got;
  pid_t pid, w;
  uint64_t start, sleep_ms = 1;
  pl_status s;
  memset(st, 0, sizeof *st);
  if (o == NULL) o = &defaults;
  s = pl__process_resolve(argv[0], prog, sizeof prog);
  if (s != PL_OK) return s;
  envp = pl__process_child_environment(o->env_add);
  if (envp == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", argv[0]);
  if (pipe(pipefd) != 0) {
    free(envp);
    return pl__port_error(errno, "pipe");
  }
  fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
  fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    e = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    free(envp);
    return pl_error_set(PL_IO_ERROR, e, "%s: cannot start: %s", argv[0], strerror(e));
  }
  if (pid == 0) {
    close(pipefd[0]);
    child(prog, argv, envp, o, pipefd[1]);
  }
  free(envp);
  /* Also in the parent: whichever runs first, the child is in its own
   * group before anyone signals it. */
  setpgid(pid, pid);
  close(pipefd[1]);
  /* The pipe closes on a successful exec (close-on-exec) or carries the
   * errno of the step that failed. */
  do {
    got = read(pipefd[0], &e, sizeof e);
  } while (got < 0 && errno == EINTR);
  close(pipefd[0]);
  start = now_ms();
  for (;;) {
    w = waitpid(pid, &status, o->timeout_ms ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return pl__port_error(errno, "waitpid");
    if (w == 0 && now_ms() - start >= o->timeout_ms) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      st->timed_out = 1;
      st->sig = SIGKILL;
      return PL_OK;
    }
    if (w == 0) {
      /* Poll with a growing pause: quick checkers answer in a few ms. */
      struct timespec ts;
      ts.tv_sec = 0;
      ts.tv_nsec = (long)sleep_ms * 1000000L;
      nanosleep(&ts, NULL);
      if (sleep_ms < 50) sleep_ms *= 2;
    }
  }
  if (got == (ssize_t)sizeof e) {
    if (e == ENOENT) return pl_error_set(PL_NOT_FOUND, e, "%s: %s", argv[0], strerror(e));
    return pl_error_set(PL_IO_ERROR, e, "%s: cannot run: %s", argv[0], strerror(e));
  }
  if (WIFEXITED(status)) {
    st->exited = 1;
    st->code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    st->sig = WTERMSIG(status);
  }
  return PL_OK;
}

pl_status pl__process_run_shell(const char *command, const char *const *args,
                                const pl__proc_options *o, pl__proc_status *st) {
  const char *argv[64];
  size_t n = 0, i;
  pl__buf script = {0};
  pl_status s;
  /* sh -c 'COMMAND "$@"' sh ARGS...: the arguments reach the command as
   * separate words whatever they contain, with no quoting to get wrong. */
  if (!pl__buf_add_str(&script, command) || !pl__buf_add_str(&script, " \"$@\"") || !pl__buf_add(&script, "", 1)) {
    pl__buf_free(&script);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "out of memory");
  }
  argv[n++] = "/bin/sh";
  argv[n++] = "-c";
  argv[n++] = (const char *)script.p;
  argv[n++] = "sh";
  for (i = 0; args != NULL && args[i] != NULL && n < 63; i++) argv[n++] = args[i];
  argv[n] = NULL;
  s = pl__process_run(argv, o, st);
  pl__buf_free(&script);
  return s;
}

void pl__proc_status_describe(const pl__proc_status *st, uint64_t timeout_ms, char *buf, size_t cap) {
  if (st->timed_out) {
    snprintf(buf, cap, "timed out after %llu ms", (unsigned long long)timeout_ms);
  } else if (st->exited) {
    snprintf(buf, cap, "exit %d", st->code);
  } else {
    const char *name = NULL;
    switch (st->sig) {
      case SIGABRT: name = "SIGABRT"; break;
      case SIGSEGV: name = "SIGSEGV"; break;
      case SIGBUS: name = "SIGBUS"; break;
      case SIGFPE: name = "SIGFPE"; break;
      case SIGILL: name = "SIGILL"; break;
      case SIGKILL: name = "SIGKILL"; break;
      case SIGTERM: name = "SIGTERM"; break;
      case SIGINT: name = "SIGINT"; break;
      case SIGPIPE: name = "SIGPIPE"; break;
      case SIGHUP: name = "SIGHUP"; break;
      case SIGQUIT: name = "SIGQUIT"; break;
      case SIGTRAP: name = "SIGTRAP"; break;
      case SIGXFSZ: name = "SIGXFSZ"; break;
      default: break;
    }
    if (name) snprintf(buf, cap, "killed by %s", name);
    else snprintf(buf, cap, "killed by signal %d", st->sig);
  }
}
