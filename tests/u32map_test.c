/* The 32-bit key map (util/u32map.h): every key survives the table's
 * growth, puts replace, absent keys read -1. */
#include "config.h"

#include "tests/test_util.h"
#include "util/u32map.h"

START_TEST(u32map_get_on_an_empty_map_is_absent) {
  pl__u32map m = {0};
  ck_assert_int_eq(pl__u32map_get(&m, 0), -1);
  ck_assert_int_eq(pl__u32map_get(&m, 12345), -1);
  pl__u32map_free(&m);
}
END_TEST

START_TEST(u32map_keeps_every_key_across_growth) {
  /* Keys that share low bits collide in the table, so growth rehashes
   * chains, not only lone slots. */
  pl__u32map m = {0};
  uint32_t i;
  for (i = 0; i < 1000; i++) ck_assert_int_eq(pl__u32map_put(&m, i * 64u + 0x80000000u, (int)i), 1);
  ck_assert_uint_eq(m.n, 1000);
  ck_assert_uint_ge(m.cap, 2000);
  for (i = 0; i < 1000; i++) ck_assert_int_eq(pl__u32map_get(&m, i * 64u + 0x80000000u), (int)i);
  ck_assert_int_eq(pl__u32map_get(&m, 1), -1);
  ck_assert_int_eq(pl__u32map_get(&m, 0x80000000u + 1000u * 64u), -1);
  pl__u32map_free(&m);
  ck_assert_uint_eq(m.cap, 0);
  ck_assert_int_eq(pl__u32map_get(&m, 0x80000000u), -1);
}
END_TEST

START_TEST(u32map_put_replaces_the_value_of_a_present_key) {
  pl__u32map m = {0};
  ck_assert_int_eq(pl__u32map_put(&m, 7, 1), 1);
  ck_assert_int_eq(pl__u32map_put(&m, 7, 2), 1);
  ck_assert_uint_eq(m.n, 1);
  ck_assert_int_eq(pl__u32map_get(&m, 7), 2);
  pl__u32map_free(&m);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "u32map", "u32map", NULL, NULL, 0);
  tcase_add_test(tc, u32map_get_on_an_empty_map_is_absent);
  tcase_add_test(tc, u32map_keeps_every_key_across_growth);
  tcase_add_test(tc, u32map_put_replaces_the_value_of_a_present_key);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
