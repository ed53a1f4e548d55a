/* Formatted appends (pl_writable_appendf / vappendf): formatting, the
 * stack and heap paths, and errors passed through from the file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tests/fault_env.h"
#include "tests/test_util.h"

static char dir[1024];
static char path[1200];

static void setup(void) { fault_env_fixture(dir, sizeof dir, path, sizeof path, "appendf", "out"); }
static void teardown(void) { fault_env_fixture_end(dir); }

static pl_writable_file *open_file(pl_env *env) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &f));
  return f;
}

static char *contents(size_t *n) {
  char *data;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, n));
  return data;
}

START_TEST(formats_like_printf_without_a_terminator) {
  size_t n;
  char *data;
  pl_writable_file *f = open_file(pl_env_default());
  ck_assert_pl_ok(pl_writable_appendf(f, "%s=%d;", "seq", 42));
  ck_assert_pl_ok(pl_writable_appendf(f, "%05.1f|%x|%c", 3.25, 255u, 'z'));
  ck_assert_uint_eq(pl_writable_tell(f), 17);
  ck_assert_pl_ok(pl_writable_close(f));
  data = contents(&n);
  ck_assert_uint_eq(n, 17);
  ck_assert_mem_eq(data, "seq=42;003.2|ff|z", 17);
  free(data);
}
END_TEST

START_TEST(text_longer_than_the_stack_buffer_is_appended_whole) {
  /* 512 bytes is the stack buffer: exercise exactly-full, one past it and
   * far past it (the heap path). */
  static const size_t sizes[] = {511, 512, 513, 100000};
  size_t i, n, total = 0, off = 0;
  char *data, *big = malloc(100001);
  pl_writable_file *f = open_file(pl_env_default());
  memset(big, 'q', 100000);
  big[100000] = '\0';
  for (i = 0; i < 4; i++) {
    ck_assert_pl_ok(pl_writable_appendf(f, "<%.*s>", (int)sizes[i], big));
    total += sizes[i] + 2;
  }
  ck_assert_pl_ok(pl_writable_close(f));
  data = contents(&n);
  ck_assert_uint_eq(n, total);
  for (i = 0; i < 4; i++) {
    ck_assert_int_eq(data[off], '<');
    ck_assert_int_eq(data[off + 1], 'q');
    ck_assert_int_eq(data[off + sizes[i]], 'q');
    ck_assert_int_eq(data[off + sizes[i] + 1], '>');
    off += sizes[i] + 2;
  }
  free(data);
  free(big);
}
END_TEST

START_TEST(empty_output_appends_nothing) {
  pl_writable_file *f = open_file(pl_env_default());
  ck_assert_pl_ok(pl_writable_appendf(f, "%s", ""));
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(works_on_a_wrapped_env) {
  size_t n;
  char *data;
  pl_writable_file *f = open_file(fault_env());
  ck_assert_pl_ok(pl_writable_appendf(f, "n=%u\n", 7u));
  ck_assert_int_eq(fault_env_stats().appends, 1); /* one append per call */
  ck_assert_pl_ok(pl_writable_close(f));
  data = contents(&n);
  ck_assert_uint_eq(n, 4);
  ck_assert_mem_eq(data, "n=7\n", 4);
  free(data);
}
END_TEST

START_TEST(append_failure_is_returned_with_its_message) {
  char big[2000];
  pl_writable_file *f = open_file(fault_env());
  fault_env_fail(PL_FAULT_APPEND_EIO, 1);
  ck_assert_int_eq(pl_writable_appendf(f, "%d", 1), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected append") != NULL, "%s", pl_error_message());
  /* the heap path returns the failure too (and frees its buffer: ASan) */
  fault_env_fail(PL_FAULT_APPEND_EIO, 1); /* the next one */
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ck_assert_int_eq(pl_writable_appendf(f, "%s", big), PL_IO_ERROR);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

#if !defined(_WIN32)
START_TEST(sticky_failure_makes_later_appendf_fail) {
  /* /dev/full accepts the open and fails every write with ENOSPC. */
  pl_writable_file *f;
  pl_writable_options o;
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  ck_assert_pl_ok(pl_env_new_appendable(pl_env_default(), "/dev/full", &o, &f));
  ck_assert_int_eq(pl_writable_appendf(f, "%s", "first"), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_appendf(f, "%s", "second"), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "earlier failure") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(unformattable_argument_is_invalid_argument) {
  /* In the C locale a non-ASCII wide character cannot be converted, so
   * the C library's formatter fails (glibc returns -1, EILSEQ). */
  static const wchar_t euro[] = {0x20AC, 0};
  pl_writable_file *f = open_file(pl_env_default());
  ck_assert_int_eq(pl_writable_appendf(f, "%ls", euro), PL_INVALID_ARGUMENT);
  ck_assert_uint_eq(pl_writable_tell(f), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST
#endif /* !_WIN32 */

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "appendf", "appendf", setup, teardown, 0);
  tcase_add_test(tc, formats_like_printf_without_a_terminator);
  tcase_add_test(tc, text_longer_than_the_stack_buffer_is_appended_whole);
  tcase_add_test(tc, empty_output_appends_nothing);
  tcase_add_test(tc, works_on_a_wrapped_env);
  tcase_add_test(tc, append_failure_is_returned_with_its_message);
  PL_TEST_POSIX_ONLY(tc, sticky_failure_makes_later_appendf_fail);
  PL_TEST_POSIX_ONLY(tc, unformattable_argument_is_invalid_argument);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
