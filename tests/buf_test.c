/* The growable byte buffer (util/buf.h): growth, formatting past the stack
 * buffer, and refusal of sizes that would overflow. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "tests/test_util.h"
#include "util/buf.h"

START_TEST(buf_reserve_refuses_a_size_that_would_overflow) {
  pl__buf b = {0};
  ck_assert_int_eq(pl__buf_add_str(&b, "abc"), 1);
  ck_assert_int_eq(pl__buf_reserve(&b, SIZE_MAX - 1), 0);
  /* unchanged */
  ck_assert_uint_eq(b.len, 3);
  ck_assert_mem_eq(b.p, "abc", 3);
  pl__buf_free(&b);
  ck_assert_ptr_null(b.p);
  ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(buf_addf_formats_text_longer_than_its_stack_buffer) {
  pl__buf b = {0};
  char big[1001];
  memset(big, 'y', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ck_assert_int_eq(pl__buf_addf(&b, "<%d>", 7), 1);
  ck_assert_int_eq(pl__buf_addf(&b, "[%s]%d", big, 42), 1);
  ck_assert_uint_eq(b.len, 3 + 1 + 1000 + 1 + 2);
  ck_assert_mem_eq(b.p, "<7>[", 4);
  ck_assert_int_eq(b.p[4 + 999], 'y');
  ck_assert_mem_eq(b.p + 4 + 1000, "]42", 3);
  ck_assert_uint_ge(b.cap, b.len);
  pl__buf_free(&b);
}
END_TEST

START_TEST(buf_add_of_nothing_leaves_the_buffer_as_it_was) {
  pl__buf b = {0};
  ck_assert_int_eq(pl__buf_add(&b, "xy", 2), 1);
  ck_assert_int_eq(pl__buf_add(&b, NULL, 0), 1);
  ck_assert_uint_eq(b.len, 2);
  ck_assert_mem_eq(b.p, "xy", 2);
  pl__buf_free(&b);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "buf", "buf", NULL, NULL, 0);
  tcase_add_test(tc, buf_reserve_refuses_a_size_that_would_overflow);
  tcase_add_test(tc, buf_addf_formats_text_longer_than_its_stack_buffer);
  tcase_add_test(tc, buf_add_of_nothing_leaves_the_buffer_as_it_was);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
