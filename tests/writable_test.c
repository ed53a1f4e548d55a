/* Writable files on the platform env: buffering, counters, the manifest
 * rule, sticky failures and the error paths. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tests/test_util.h"

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "writable"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static void read_back(const char *path, char **data, size_t *n) {
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, data, n));
}

START_TEST(appends_are_read_back_in_order) {
  char path[1200], *data;
  size_t n;
  pl_writable_file *f;
  pl_test_path(path, sizeof path, dir, "log");
  ck_assert_pl_ok(pl_env_new_writable(pl_env_default(), path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "hello ", 6));
  ck_assert_pl_ok(pl_writable_append(f, "world", 5));
  ck_assert_uint_eq(pl_writable_tell(f), 11);
  ck_assert_pl_ok(pl_writable_close(f));
  read_back(path, &data, &n);
  ck_assert_uint_eq(n, 11);
  ck_assert_str_eq(data, "hello world");
  free(data);
}
END_TEST

int main(void) {
  Suite *s = suite_create("writable");
  TCase *tc = tcase_create("writable");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, appends_are_read_back_in_order);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
