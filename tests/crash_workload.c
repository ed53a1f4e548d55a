/* A tiny program for tests/crash_cli.sh: it does what its first argument
 * says through pl_env_default(), so plinth crashcheck can record it.
 *
 *   ok            writes "data" (synced, directory synced), notes "ack"
 *   fail CODE     ok, then exits with CODE
 *   abort         ok, then aborts (SIGABRT)
 *   none          takes the env and does nothing with it
 *   outside PATH  writes PATH (an absolute path outside the root)
 *   nothing       never calls pl_env_default()
 *   sleep         ok, then sleeps for a minute */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/plinth.h"
#include "plinth/crash.h"

static int ok(pl_env *env) {
  pl_status s = pl_file_write_all(env, "data", "acknowledged", 12, 1);
  if (s == PL_OK) s = pl_env_sync_dir(env, ".");
  if (s != PL_OK) {
    fprintf(stderr, "crash_workload: %s\n", pl_error_message());
    return 1;
  }
  pl_crash_env_note(env, "ack");
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "ok";
  pl_env *env;
  if (strcmp(mode, "nothing") == 0) return 0;
  env = pl_env_default();
  if (strcmp(mode, "none") == 0) return 0;
  if (strcmp(mode, "outside") == 0 && argc > 2)
    return pl_file_write_all(env, argv[2], "x", 1, 1) == PL_OK ? 0 : 1;
  if (ok(env) != 0) return 1;
  if (strcmp(mode, "fail") == 0) return argc > 2 ? atoi(argv[2]) : 3;
  if (strcmp(mode, "abort") == 0) abort();
  if (strcmp(mode, "sleep") == 0) pl_env_sleep_micros(env, 60 * 1000000ULL);
  return 0;
}
