/* Checkers: the user's C callback, or an external command run through the
 * shell as `command DIR NOTESFILE` (exit status 0 = consistent).
 *
 * Only a verdict counts as one.  A command that is not found, cannot be
 * executed, dies by a signal or hangs has said nothing about the state:
 * reporting it as "inconsistent" would turn a typo in --checker into a
 * wall of failures that reads like a real bug, so each is an error. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"
#include "port/process.h"

/* The last non-empty line of the command's output, for the message. */
static void last_line(pl_env *env, const char *path, char *msg, size_t cap) {
  char *out;
  size_t n;
  if (pl_file_read_all(env, path, &out, &n) != PL_OK) return;
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
  if (n > 0) {
    char *line = out + n;
    while (line > out && line[-1] != '\n') line--;
    snprintf(msg, cap, "%s", line);
  }
  free(out);
}

pl_status pl__checker_run(const pl_crash_checker *c, const pl_crash_options *o, pl_env *env,
                          const char *work, const char *dir, const char *const *notes,
                          size_t nnotes, int *failed, char *msg, size_t cap) {
  pl__buf text = {0}, notes_path = {0}, out_path = {0};
  pl__proc_options po;
  pl__proc_status st;
  const char *args[3];
  char how[128];
  size_t i;
  pl_status s = PL_OK;
  msg[0] = '\0';
  *failed = 0;
  if (c->command == NULL) {
    *failed = c->check(c->arg, dir, notes, nnotes, msg, cap) != 0;
    if (*failed && msg[0] == '\0') snprintf(msg, cap, "checker reported an inconsistent state");
    return PL_OK;
  }
  if (!pl__buf_addf(&notes_path, "%s/notes.txt", work) || !pl__buf_add(&notes_path, "", 1) ||
      !pl__buf_addf(&out_path, "%s/checker.out", work) || !pl__buf_add(&out_path, "", 1))
    s = pl_error_set(PL_IO_ERROR, 0, "checker: out of memory");
  for (i = 0; s == PL_OK && i < nnotes; i++)
    if (!pl__buf_add_str(&text, notes[i]) || !pl__buf_add(&text, "\n", 1))
      s = pl_error_set(PL_IO_ERROR, 0, "checker: out of memory");
  if (s == PL_OK)
    s = pl_file_write_all(env, (const char *)notes_path.p, text.p ? (const void *)text.p : "", text.len, 0);
  pl__buf_free(&text);
  if (s == PL_OK) {
    memset(&po, 0, sizeof po);
    /* The command's output goes to a file: its last line is the failure's
     * message in the report. */
    po.output = (const char *)out_path.p;
    po.timeout_ms = o->checker_timeout_ms;
    args[0] = dir;
    args[1] = (const char *)notes_path.p;
    args[2] = NULL;
    s = pl__process_run_shell(c->command, args, &po, &st);
    if (s == PL_OK && st.exited && st.code > 128 && st.code <= 128 + 64) {
      /* The shell reports a command killed by signal N as 128 + N. */
      st.exited = 0;
      st.sig = st.code - 128;
    }
    if (s != PL_OK) {
      s = pl_error_set(s, pl_error_os(), "checker \"%s\" could not be run: %s", c->command, pl_error_message());
    } else if (st.exited && st.code == 0) {
      *failed = 0;
    } else if (st.exited && st.code < 126) {
      *failed = 1;
      snprintf(msg, cap, "checker command exited with status %d", st.code);
      last_line(env, (const char *)out_path.p, msg, cap);
    } else {
      char said[512] = "";
      pl__proc_status_describe(&st, po.timeout_ms, how, sizeof how);
      last_line(env, (const char *)out_path.p, said, sizeof said);
      if (st.exited && st.code == 127)
        s = pl_error_set(PL_IO_ERROR, 0, "checker \"%s\" was not found (the shell's exit 127)%s%s", c->command,
                         said[0] ? ": " : "", said);
      else if (st.exited && st.code == 126)
        s = pl_error_set(PL_IO_ERROR, 0, "checker \"%s\" cannot be executed (the shell's exit 126)%s%s",
                         c->command, said[0] ? ": " : "", said);
      else if (st.timed_out)
        s = pl_error_set(PL_IO_ERROR, 0, "checker \"%s\" %s (--checker-timeout) and was killed", c->command, how);
      else
        s = pl_error_set(PL_IO_ERROR, 0, "checker \"%s\" crashed: %s%s%s", c->command, how,
                         said[0] ? ": " : "", said);
    }
  }
  pl__buf_free(&notes_path);
  pl__buf_free(&out_path);
  return s;
}
