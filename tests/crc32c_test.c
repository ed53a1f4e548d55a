/* CRC-32C: the known answer, piecewise extension, and long inputs (where
 * the x86-64 path sums three stripes at once) against a bit-at-a-time
 * reference. */
#include "config.h"

#include <stdlib.h>

#include "tests/test_util.h"
#include "util/crc32c.h"

/* The definition, one bit at a time. */
static uint32_t reference(uint32_t crc, const unsigned char *p, size_t n) {
  int k;
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

static unsigned char *random_bytes(size_t n, unsigned seed) {
  unsigned char *b = malloc(n);
  size_t i;
  for (i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    b[i] = (unsigned char)(seed >> 16);
  }
  return b;
}

START_TEST(known_answer_for_123456789) {
  ck_assert_uint_eq(pl__crc32c("123456789", 9), 0xE3069283u);
  ck_assert_uint_eq(pl__crc32c("", 0), 0);
}
END_TEST

START_TEST(extending_in_pieces_equals_the_whole) {
  unsigned char *b = random_bytes(100000, 1);
  size_t cut;
  for (cut = 0; cut < 100000; cut += 7919)
    ck_assert_uint_eq(pl__crc32c_extend(pl__crc32c(b, cut), b + cut, 100000 - cut), pl__crc32c(b, 100000));
  free(b);
}
END_TEST

typedef uint32_t (*crc_fn)(uint32_t crc, const void *data, size_t n);

/* fn matches the definition on each of the lengths, at every alignment
 * mod 8, from crc. */
static void expect_matches_reference(crc_fn fn, uint32_t crc, const size_t *lengths, size_t count,
                                     unsigned seed) {
  size_t i, off, longest = 0;
  unsigned char *b;
  for (i = 0; i < count; i++)
    if (lengths[i] > longest) longest = lengths[i];
  b = random_bytes(longest + 8, seed);
  for (i = 0; i < count; i++)
    for (off = 0; off < 8; off++)
      ck_assert_uint_eq(fn(crc, b + off, lengths[i]), reference(crc, b + off, lengths[i]));
  free(b);
}

START_TEST(long_and_unaligned_inputs_match_the_definition) {
  /* lengths around multiples of 3 x 8 KiB */
  static const size_t lengths[] = {0, 1, 7, 8, 9, 24575, 24576, 24577, 49152 + 13, 100003};
  expect_matches_reference(pl__crc32c_extend, 0x12345678u, lengths, sizeof lengths / sizeof lengths[0], 2);
}
END_TEST

START_TEST(portable_table_matches_the_definition) {
  /* The path non-x86 hosts and CPUs without SSE4.2 take. */
  static const size_t lengths[] = {0, 1, 7, 8, 9, 63, 24577};
  ck_assert_uint_eq(pl__crc32c_extend_portable(0, "123456789", 9), 0xE3069283u);
  expect_matches_reference(pl__crc32c_extend_portable, 0x9abcdef0u, lengths,
                           sizeof lengths / sizeof lengths[0], 3);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crc32c", "crc32c", NULL, NULL, 60);
  tcase_add_test(tc, known_answer_for_123456789);
  tcase_add_test(tc, extending_in_pieces_equals_the_whole);
  tcase_add_test(tc, long_and_unaligned_inputs_match_the_definition);
  tcase_add_test(tc, portable_table_matches_the_definition);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
