/* Loggers: stamped lines, whole messages, no interleaving between threads,
 * errors for missing directories. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "tests/test_util.h"

static char dir[1024];
static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "logger"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (*s == '\n') n++;
  return n;
}

START_TEST(logger_writes_stamped_lines_each_ending_once_in_newline) {
  char p[1300], *data;
  size_t n;
  pl_logger *l;
  pl_test_path(p, sizeof p, dir, "LOG");
  ck_assert_pl_ok(pl_env_new_logger(pl_env_default(), p, &l));
  pl_logger_log(l, "opened %s with %d files", "db", 3);
  pl_logger_log(l, "already ends in a newline\n");
  /* Each line is flushed: readable before close. */
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), p, &data, &n));
  ck_assert_int_eq(count_lines(data), 2);
  /* "YYYY/MM/DD-HH:MM:SS.uuuuuu " */
  ck_assert_msg(data[4] == '/' && data[7] == '/' && data[10] == '-' && data[13] == ':' &&
                    data[19] == '.' && data[26] == ' ',
                "timestamp format: %s", data);
  ck_assert_ptr_nonnull(strstr(data, " opened db with 3 files\n"));
  ck_assert_ptr_nonnull(strstr(data, " already ends in a newline\n"));
  free(data);
  l->methods->close(l);
}
END_TEST

START_TEST(logger_keeps_long_messages_whole) {
  char p[1300], *data, big[3000];
  size_t n;
  pl_logger *l;
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  pl_test_path(p, sizeof p, dir, "LOG");
  ck_assert_pl_ok(pl_env_new_logger(pl_env_default(), p, &l));
  pl_logger_log(l, "<%s>", big);
  l->methods->close(l);
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), p, &data, &n));
  ck_assert_ptr_nonnull(strstr(data, big));
  ck_assert_int_eq(count_lines(data), 1);
  free(data);
}
END_TEST

static pl_logger *shared_logger;

static void *log_many(void *arg) {
  int i;
  for (i = 0; i < 200; i++) pl_logger_log(shared_logger, "thread %d line %d end", (int)(intptr_t)arg, i);
  return NULL;
}

START_TEST(logger_lines_from_many_threads_never_interleave) {
  char p[1300], *data, *line;
  size_t n;
  pthread_t t[4];
  int i, lines = 0;
  pl_test_path(p, sizeof p, dir, "LOG");
  ck_assert_pl_ok(pl_env_new_logger(pl_env_default(), p, &shared_logger));
  for (i = 0; i < 4; i++) pthread_create(&t[i], NULL, log_many, (void *)(intptr_t)i);
  for (i = 0; i < 4; i++) pthread_join(t[i], NULL);
  shared_logger->methods->close(shared_logger);
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), p, &data, &n));
  for (line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
    ck_assert_msg(strstr(line, " thread ") && strcmp(line + strlen(line) - 4, " end") == 0,
                  "torn line: %s", line);
    lines++;
  }
  ck_assert_int_eq(lines, 800);
  free(data);
}
END_TEST

START_TEST(logger_in_missing_directory_is_not_found) {
  char p[1400];
  pl_logger *l;
  snprintf(p, sizeof p, "%s/missing/LOG", dir);
  ck_assert_int_eq(pl_env_new_logger(pl_env_default(), p, &l), PL_NOT_FOUND);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "logger", "logger", setup, teardown, 0);
  tcase_add_test(tc, logger_writes_stamped_lines_each_ending_once_in_newline);
  tcase_add_test(tc, logger_keeps_long_messages_whole);
  tcase_add_test(tc, logger_lines_from_many_threads_never_interleave);
  tcase_add_test(tc, logger_in_missing_directory_is_not_found);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
