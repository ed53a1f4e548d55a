/* Status codes and the per-thread error detail. */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "tests/test_util.h"

START_TEST(status_names_are_leveldbs) {
  ck_assert_str_eq(pl_status_name(PL_OK), "OK");
  ck_assert_str_eq(pl_status_name(PL_NOT_FOUND), "NotFound");
  ck_assert_str_eq(pl_status_name(PL_CORRUPTION), "Corruption");
  ck_assert_str_eq(pl_status_name(PL_NOT_SUPPORTED), "NotSupported");
  ck_assert_str_eq(pl_status_name(PL_INVALID_ARGUMENT), "InvalidArgument");
  ck_assert_str_eq(pl_status_name(PL_IO_ERROR), "IOError");
  ck_assert_str_eq(pl_status_name((pl_status)99), "Unknown");
}
END_TEST

START_TEST(missing_path_is_not_found_with_path_and_os_text) {
  char dir[1024], path[1200];
  pl_sequential_file *f;
  pl_test_fresh_dir(dir, sizeof dir, "status");
  pl_test_path(path, sizeof path, dir, "absent");
  ck_assert_int_eq(pl_env_new_sequential(pl_env_default(), path, &f), PL_NOT_FOUND);
  ck_assert_ptr_null(f);
  ck_assert_int_ne(pl_error_os(), 0);
  ck_assert_msg(strstr(pl_error_message(), path) == pl_error_message(),
                "message should start with the path: %s", pl_error_message());
  ck_assert_msg(strlen(pl_error_message()) > strlen(path) + 2, "message has OS text: %s",
                pl_error_message());
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(success_leaves_the_last_error_untouched) {
  char dir[1024];
  pl_test_fresh_dir(dir, sizeof dir, "status");
  pl_error_set(PL_IO_ERROR, 5, "earlier failure");
  ck_assert_pl_ok(pl_env_file_exists(pl_env_default(), dir));
  ck_assert_str_eq(pl_error_message(), "earlier failure");
  ck_assert_int_eq(pl_error_os(), 5);
  pl_error_clear();
  ck_assert_str_eq(pl_error_message(), "");
  ck_assert_int_eq(pl_error_os(), 0);
  pl_test_remove_tree(dir);
}
END_TEST

static void *other_thread(void *arg) {
  (void)arg;
  pl_error_set(PL_CORRUPTION, 7, "other thread");
  return NULL;
}

START_TEST(error_detail_is_per_thread) {
  pthread_t t;
  pl_error_set(PL_IO_ERROR, 3, "this thread");
  ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
  pthread_join(t, NULL);
  ck_assert_str_eq(pl_error_message(), "this thread");
  ck_assert_int_eq(pl_error_os(), 3);
}
END_TEST

START_TEST(long_messages_are_truncated_not_overflowed) {
  char big[4000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ck_assert_int_eq(pl_error_set(PL_IO_ERROR, 0, "%s", big), PL_IO_ERROR);
  ck_assert_uint_eq(strlen(pl_error_message()), 1023);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "status", "status", NULL, NULL, 0);
  tcase_add_test(tc, status_names_are_leveldbs);
  tcase_add_test(tc, missing_path_is_not_found_with_path_and_os_text);
  tcase_add_test(tc, success_leaves_the_last_error_untouched);
  tcase_add_test(tc, error_detail_is_per_thread);
  tcase_add_test(tc, long_messages_are_truncated_not_overflowed);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
