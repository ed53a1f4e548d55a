/* plinth — running other programs, as the backend supplies it.  Internal:
 * never installed.
 *
 * The crash harness runs programs twice over: the workload it records, and
 * the user's checker for every state.  Both must report what happened to
 * the program exactly — it exited with a code, it was killed by a signal,
 * it ran too long, it could not be started at all — because each of those
 * leads to a different verdict.  system(3) cannot tell "not found" from
 * "exited 127", cannot stop a checker that hangs, and leaves the status
 * encoded; this does all three.
 */
#ifndef PLINTH_PORT_PROCESS_H
#define PLINTH_PORT_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/status.h"

typedef struct pl__proc_status {
  int exited;    /* 1: exited with `code`; 0: ended by signal `sig` */
  int code;
  int sig;
  int timed_out; /* killed after the timeout (exited is 0) */
} pl__proc_status;

typedef struct pl__proc_options {
  const char *cwd;              /* NULL: the caller's directory */
  const char *const *env_add;   /* NAME=VALUE strings set for the child
                                   (NULL-terminated), or NULL */
  const char *output;           /* stdout and stderr go to this file
                                   (created or truncated); NULL: inherited */
  uint64_t timeout_ms;          /* the child and everything it started are
                                   killed after this long; 0: no limit */
} pl__proc_options;

/* Runs argv (argv[0] found as pl__process_resolve finds it) and waits for
 * it.  Returns PL_OK once it ran, whatever its status (in *st);
 * PL_NOT_FOUND if argv[0] does not exist, PL_IO_ERROR if it could not be
 * started (not executable, out of resources), with the OS error. */
pl_status pl__process_run(const char *const *argv, const pl__proc_options *o,
                          pl__proc_status *st);

/* Runs `command` through the system's shell (/bin/sh -c, cmd.exe /c) with
 * args appended as separate, quoted arguments. */
pl_status pl__process_run_shell(const char *command, const char *const *args,
                                const pl__proc_options *o, pl__proc_status *st);

/* Writes "exit 3", "killed by SIGABRT" or "timed out after 60000 ms". */
void pl__proc_status_describe(const pl__proc_status *st, uint64_t timeout_ms,
                              char *buf, size_t cap);

/* Finds a program as a shell does: a name with a '/' (or '\' on Windows)
 * is taken relative to the current directory and made absolute; any other
 * name is looked up in PATH.  NotFound if there is no such executable. */
pl_status pl__process_resolve(const char *name, char *out, size_t cap);

/* Sets (value != NULL) or removes an environment variable of this
 * process. */
void pl__process_setenv(const char *name, const char *value);

/* Writes the absolute form of path (relative to the current directory)
 * into out; the path need not exist. */
pl_status pl__process_absolute(const char *path, char *out, size_t cap);

#endif /* PLINTH_PORT_PROCESS_H */
