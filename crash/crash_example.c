/* crash_example — a built-in example as a program of its own, so it can be
 * recorded from outside, by plinth's env or at the system-call level, and
 * the two recordings compared (tests/crash_differential_test.c, make
 * crash-programs):
 *
 *   crash_example run NAME
 *       Runs the example's workload on pl_env_default() in
 *       $PLINTH_CRASH_DIR (or the current directory).  Its notes go through
 *       a recorder stacked on that env, so they reach the env-level trace
 *       (PLINTH_TRACE) or the notes file ($PLINTH_NOTES), whichever records.
 *   crash_example check NAME DIR NOTES
 *       The example's checker as a command: exit 0 if DIR is consistent,
 *       1 (and the reason on stdout) if not. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"

static int run(const pl_crash_example *e) {
  const char *dir = getenv("PLINTH_CRASH_DIR");
  pl_crash_recorder *rec;
  pl_status s;
  if (dir == NULL || dir[0] == '\0') dir = ".";
  /* In memory and thrown away: it is here for its notes, which it passes
   * down to the env below it. */
  s = pl_crash_recorder_new(pl_env_default(), "", NULL, &rec);
  if (s == PL_OK) {
    s = e->run(pl_crash_recorder_env(rec), dir, rec);
    pl_crash_recorder_free(rec);
  }
  if (s != PL_OK) {
    fprintf(stderr, "crash_example %s: %s\n", e->name, pl_error_message());
    return 1;
  }
  return 0;
}

static int check(const pl_crash_example *e, const char *dir, const char *notes_path) {
  char *data = NULL, msg[1024] = "", *line, *next;
  const char **notes = NULL;
  size_t n = 0, len = 0;
  int failed;
  if (pl_file_read_all(pl_env_platform(), notes_path, &data, &len) == PL_OK) {
    for (line = data; line != NULL && *line; line = next) {
      next = strchr(line, '\n');
      if (next != NULL) *next++ = '\0';
      notes = realloc(notes, (n + 1) * sizeof *notes);
      if (notes == NULL) return 2;
      notes[n++] = line;
    }
  }
  failed = e->check(NULL, dir, notes, n, msg, sizeof msg);
  if (failed) printf("%s\n", msg);
  free(notes);
  free(data);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  const pl_crash_example *e = argc > 2 ? pl_crash_example_find(argv[2]) : NULL;
  if (e != NULL && argc == 3 && strcmp(argv[1], "run") == 0) return run(e);
  if (e != NULL && argc == 5 && strcmp(argv[1], "check") == 0) return check(e, argv[3], argv[4]);
  fprintf(stderr, "usage: crash_example run NAME | crash_example check NAME DIR NOTES\n");
  return 2;
}
