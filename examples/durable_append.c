/* The README's example: durable appends to a log with plinth.
 * Usage: durable_append DIR [RECORDS] */
#include <stdio.h>
#include <stdlib.h>

#include <plinth/plinth.h>

int main(int argc, char **argv) {
  char path[4096];
  int records = argc > 2 ? atoi(argv[2]) : 1000, i;
  pl_env *env = pl_env_default();
  pl_writable_file *log;
  pl_writable_stats st;
  if (argc < 2) {
    fprintf(stderr, "usage: durable_append DIR [RECORDS]\n");
    return 2;
  }
  snprintf(path, sizeof path, "%s/demo.log", argv[1]);

  pl_status s = pl_env_new_writable(env, path, NULL, &log);     /* 64 KiB buffer */
  for (i = 0; s == PL_OK && i < records; i++) {
    s = pl_writable_appendf(log, "record %d\n", i);             /* buffered */
    if (s == PL_OK && i % 100 == 99) s = pl_writable_sync(log); /* durable up to i */
  }
  if (s == PL_OK) s = pl_writable_sync(log);
  if (s == PL_OK) s = pl_env_sync_dir(env, argv[1]); /* the new name is durable too */
  if (s != PL_OK) {
    fprintf(stderr, "%s: %s\n", pl_status_name(s), pl_error_message());
    pl_writable_close(log);
    return 1;
  }
  pl_writable_stats_get(log, &st);
  printf("%s: %llu records, %llu bytes, %llu writes, %llu syncs\n", path,
         (unsigned long long)st.appends, (unsigned long long)st.bytes,
         (unsigned long long)st.os_writes, (unsigned long long)st.syncs);
  return pl_writable_close(log) == PL_OK ? 0 : 1;
}
