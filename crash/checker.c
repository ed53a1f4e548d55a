/* Checkers: the user's C callback, or an external command run through the
 * shell as `command DIR NOTESFILE` (exit status 0 = consistent). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"

/* Appends s to b quoted for the shell. */
static void quote(pl__cbuf *b, const char *s) {
#if defined(_WIN32)
  pl__cbuf_add(b, "\"", 1);
  pl__cbuf_add(b, s, strlen(s));
  pl__cbuf_add(b, "\"", 1);
#else
  pl__cbuf_add(b, "'", 1);
  for (; *s; s++) {
    if (*s == '\'') pl__cbuf_add(b, "'\\''", 4);
    else pl__cbuf_add(b, s, 1);
  }
  pl__cbuf_add(b, "'", 1);
#endif
}

pl_status pl__checker_run(const pl_crash_checker *c, pl_env *env, const char *work,
                         const char *dir, const char *const *notes, size_t nnotes,
                         int *failed, char *msg, size_t cap) {
  pl__cbuf text = {0}, cmd = {0};
  char notes_path[4096], out_path[4096];
  size_t i;
  int rc;
  pl_status s;
  msg[0] = '\0';
  if (c->command == NULL) {
    *failed = c->check(c->arg, dir, notes, nnotes, msg, cap) != 0;
    if (*failed && msg[0] == '\0') snprintf(msg, cap, "checker reported an inconsistent state");
    return PL_OK;
  }
  snprintf(notes_path, sizeof notes_path, "%s/notes.txt", work);
  for (i = 0; i < nnotes; i++) {
    pl__cbuf_add(&text, notes[i], strlen(notes[i]));
    pl__cbuf_add(&text, "\n", 1);
  }
  s = pl_file_write_all(env, notes_path, text.p ? (const void *)text.p : "", text.len, 0);
  pl__cbuf_free(&text);
  if (s != PL_OK) return s;
  pl__cbuf_add(&cmd, c->command, strlen(c->command));
  pl__cbuf_add(&cmd, " ", 1);
  quote(&cmd, dir);
  pl__cbuf_add(&cmd, " ", 1);
  quote(&cmd, notes_path);
  /* The command's output goes to a file: its last line is the failure's
   * message in the report. */
  snprintf(out_path, sizeof out_path, "%s/checker.out", work);
  pl__cbuf_add(&cmd, " > ", 3);
  quote(&cmd, out_path);
  pl__cbuf_add(&cmd, " 2>&1", 5);
  if (!pl__cbuf_add(&cmd, "", 1)) return pl_error_set(PL_IO_ERROR, 0, "checker: out of memory");
  fflush(NULL);
  rc = system((const char *)cmd.p);
  pl__cbuf_free(&cmd);
  if (rc == -1) return pl_error_set(PL_IO_ERROR, 0, "checker: cannot run \"%s\"", c->command);
  *failed = rc != 0;
  if (*failed) {
    char *out;
    size_t n;
    snprintf(msg, cap, "checker command exited with status %d", rc);
    if (pl_file_read_all(env, out_path, &out, &n) == PL_OK) {
      /* The last non-empty line. */
      while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
      if (n > 0) {
        char *line = out + n;
        while (line > out && line[-1] != '\n') line--;
        snprintf(msg, cap, "%s", line);
      }
      free(out);
    }
  }
  return PL_OK;
}
