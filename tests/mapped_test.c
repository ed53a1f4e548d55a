/* The mapped writable (pl_writable_options.strategy = PL_WRITABLE_MAPPED):
 * the same contract as the buffered one (contents, tell, counters, the
 * manifest rule, sticky errors), growth by steps, the cut to the logical
 * size on close, what sync asks of the OS (msync, and fdatasync when the
 * size changed), and the error paths: a full disk, a file size limit and a
 * failed msync. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#endif

#include "tests/syscall_spy.h"
#include "tests/test_util.h"

#define STEP (64 * 1024)

static char dir[1024];
static char path[1200];

static void setup(void) {
  pl_test_fresh_dir(dir, sizeof dir, "mapped");
  pl_test_path(path, sizeof path, dir, "file");
#if !defined(_WIN32)
  spy_reset();
#endif
}
static void teardown(void) { pl_test_remove_tree(dir); }

static pl_writable_file *open_mapped(pl_env *env, const char *p, int append) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_writable_options_init(&o);
  o.strategy = PL_WRITABLE_MAPPED;
  o.map_step = STEP;
  if (append) ck_assert_pl_ok(pl_env_new_appendable(env, p, &o, &f));
  else ck_assert_pl_ok(pl_env_new_writable(env, p, &o, &f));
  return f;
}

static uint64_t size_of(const char *p) {
  uint64_t n = 0;
  ck_assert_pl_ok(pl_env_file_size(pl_env_default(), p, &n));
  return n;
}

static void fill(char *b, size_t n, int seed) {
  size_t i;
  for (i = 0; i < n; i++) b[i] = (char)('a' + (i * 7 + (size_t)seed) % 26);
}

START_TEST(appends_read_back_and_close_cuts_to_the_logical_size) {
  static const size_t sizes[] = {1, 100, 4096, STEP - 5, STEP, 3 * STEP + 17, 0, 9};
  size_t i, total = 0, n;
  char *src = malloc(8 * STEP), *back;
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  pl_writable_stats st;
  fill(src, 8 * STEP, 1);
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    ck_assert_pl_ok(pl_writable_append(f, src + total, sizes[i]));
    total += sizes[i];
    ck_assert_uint_eq(pl_writable_tell(f), total);
    /* on disk: whole steps ahead of the data */
    ck_assert_uint_eq(size_of(path), (total + STEP - 1) / STEP * STEP);
  }
  pl_writable_stats_get(f, &st);
  ck_assert_uint_eq(st.bytes, total);
  ck_assert_uint_eq(st.appends, 8);
  ck_assert_uint_eq(st.os_writes, 0);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(size_of(path), total);
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, &back, &n));
  ck_assert_uint_eq(n, total);
  ck_assert_mem_eq(back, src, n);
  free(back);
  free(src);
}
END_TEST

START_TEST(vectored_and_formatted_appends_land_in_order) {
  char *back;
  size_t n;
  pl_iovec v[3];
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  char big[STEP + 10];
  fill(big, sizeof big, 2);
  v[0].base = "head:", v[0].len = 5;
  v[1].base = big, v[1].len = sizeof big;
  v[2].base = ":tail", v[2].len = 5;
  ck_assert_pl_ok(pl_writable_appendv(f, v, 3));
  ck_assert_pl_ok(pl_writable_appendf(f, "[%d]", 42));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, &back, &n));
  ck_assert_uint_eq(n, 5 + sizeof big + 5 + 4);
  ck_assert_mem_eq(back, "head:", 5);
  ck_assert_mem_eq(back + 5, big, sizeof big);
  ck_assert_mem_eq(back + 5 + sizeof big, ":tail[42]", 9);
  free(back);
}
END_TEST

START_TEST(appendable_mapped_file_continues_at_its_end) {
  char *back;
  size_t n;
  pl_writable_file *f;
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), path, "old|", 4, 0));
  f = open_mapped(pl_env_default(), path, 1);
  ck_assert_uint_eq(pl_writable_tell(f), 4);
  ck_assert_pl_ok(pl_writable_append(f, "new", 3));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, &back, &n));
  ck_assert_uint_eq(n, 7);
  ck_assert_mem_eq(back, "old|new", 7);
  free(back);
}
END_TEST

START_TEST(positional_writes_and_allocation_past_the_end_are_kept_at_close) {
  char *back;
  size_t n;
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  ck_assert_pl_ok(pl_writable_append(f, "abc", 3));
  ck_assert_pl_ok(pl_writable_write_at(f, 1, "X", 1));
  ck_assert_pl_ok(pl_writable_write_at(f, 10, "end", 3));
  ck_assert_uint_eq(pl_writable_tell(f), 3);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, &back, &n));
  ck_assert_uint_eq(n, 13);
  ck_assert_mem_eq(back, "aXc\0\0\0\0\0\0\0end", 13);
  free(back);
  f = open_mapped(pl_env_default(), path, 0);
  ck_assert_pl_ok(pl_writable_append(f, "z", 1));
  if (pl_writable_allocate(f, 0, 5000) == PL_OK) {
    ck_assert_pl_ok(pl_writable_close(f));
    ck_assert_uint_eq(size_of(path), 5000);
  } else {
    ck_assert_pl_ok(pl_writable_close(f));
  }
}
END_TEST

START_TEST(unknown_strategy_is_refused) {
  pl_writable_options o;
  pl_writable_file *f = NULL;
  pl_writable_options_init(&o);
  o.strategy = 7;
  ck_assert_int_eq(pl_env_new_writable(pl_env_default(), path, &o, &f), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(f);
  ck_assert_int_eq(pl_env_file_exists(pl_env_default(), path), PL_NOT_FOUND);
}
END_TEST

START_TEST(sync_on_close_keeps_the_contents_and_the_cut) {
  pl_writable_options o;
  pl_writable_file *f;
  char *back;
  size_t n;
  pl_writable_options_init(&o);
  o.strategy = PL_WRITABLE_MAPPED;
  o.sync_on_close = 1;
  ck_assert_pl_ok(pl_env_new_writable(pl_env_default(), path, &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "durable", 7));
  ck_assert_pl_ok(pl_writable_flush(f));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_default(), path, &back, &n));
  ck_assert_uint_eq(n, 7);
  ck_assert_mem_eq(back, "durable", 7);
  free(back);
}
END_TEST

#if !defined(_WIN32)
/* ---- POSIX-only: the syscall spy, rlimits, /dev/full ---- */

START_TEST(manifest_rule_and_created_parents_hold_for_a_mapped_file) {
  pl_writable_options o;
  pl_writable_file *f;
  char p[1400], sub[1400];
  int parent, leaf, data;
  pl_writable_options_init(&o);
  o.strategy = PL_WRITABLE_MAPPED;
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(pl_env_default(), pl_test_path(p, sizeof p, dir, "a/b/MANIFEST-000001"), &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "edit", 4));
  spy_reset();
  ck_assert_pl_ok(pl_writable_sync(f));
  /* the directories open created, top-down, then the manifest's own
   * directory, then the data */
  parent = spy_find(SPY_FSYNC, dir);
  leaf = spy_find(SPY_FSYNC, pl_test_path(sub, sizeof sub, dir, "a/b"));
  data = spy_find(SPY_MSYNC, "");
  ck_assert_int_ge(parent, 0);
  ck_assert_int_gt(leaf, parent);
  ck_assert_int_eq(spy_count_kind(SPY_FSYNC, sub), 2); /* created, manifest */
  ck_assert_int_gt(data, leaf);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(sync_msyncs_what_was_stored_and_fdatasyncs_when_the_size_changed) {
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  int i, first;
  char rec[100];
  fill(rec, sizeof rec, 3);
  ck_assert_pl_ok(pl_writable_append(f, rec, sizeof rec));
  spy_reset();
  ck_assert_pl_ok(pl_writable_sync(f));
  /* the first sync after the file grew: msync of the page, then
   * fdatasync for the new size */
  ck_assert_int_eq(spy_count_kind(SPY_MSYNC, ""), 1);
  first = spy_find(SPY_MSYNC, "");
  ck_assert_int_eq(spy_at(first)->flags, MS_SYNC);
  ck_assert_uint_eq(spy_at(first)->len, 100);
  ck_assert_int_eq(spy_count_kind(spy_data_sync_kind(), path), 1);
  ck_assert_int_gt(spy_find(spy_data_sync_kind(), path), first);
  ck_assert_int_eq(spy_count_kind(SPY_WRITEV, path), 0);
  /* later syncs within the step: msync only, from the page of the first
   * new byte */
  for (i = 0; i < 3; i++) {
    spy_reset();
    ck_assert_pl_ok(pl_writable_append(f, rec, sizeof rec));
    ck_assert_pl_ok(pl_writable_sync(f));
    ck_assert_int_eq(spy_count_kind(SPY_MSYNC, ""), 1);
    ck_assert_uint_eq(spy_at(spy_find(SPY_MSYNC, ""))->len, (size_t)(i + 2) * 100);
    ck_assert_int_eq(spy_count_kind(spy_data_sync_kind(), path), 0);
  }
  /* nothing stored since: nothing to sync */
  spy_reset();
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_int_eq(spy_count(), 0);
  ck_assert_pl_ok(pl_writable_close(f));
}
END_TEST

START_TEST(growing_preallocates_the_step) {
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  char block[STEP / 2];
  int i;
  fill(block, sizeof block, 4);
  for (i = 0; i < 5; i++) ck_assert_pl_ok(pl_writable_append(f, block, sizeof block));
  /* 2.5 steps of data: three reservations of one step each */
#if HAVE_FALLOCATE
  ck_assert_int_eq(spy_count_kind(SPY_FALLOCATE, path), 3);
#endif
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_uint_eq(size_of(path), 5 * sizeof block);
}
END_TEST

START_TEST(failed_msync_is_sticky) {
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  ck_assert_pl_ok(pl_writable_append(f, "x", 1));
  spy_fail(SPY_MSYNC, EIO, 0, 1);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EIO);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  /* the msync would succeed now; the file says no */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EIO);
  ck_assert_int_eq(pl_writable_append(f, "y", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  /* the cut still happened */
  ck_assert_uint_eq(size_of(path), 1);
}
END_TEST

START_TEST(full_disk_fails_the_growing_append_not_a_store) {
  pl_writable_file *f;
  char rec[100];
  fill(rec, sizeof rec, 5);
  /* fallocate reports ENOSPC: the append that needs the new step fails
   * with it (a store into an unreserved hole would have been SIGBUS). */
  f = open_mapped(pl_env_default(), path, 0);
  ck_assert_pl_ok(pl_writable_append(f, rec, sizeof rec));
#if HAVE_FALLOCATE
  spy_fail(SPY_FALLOCATE, ENOSPC, 0, 1);
  {
    char big[STEP];
    fill(big, sizeof big, 6);
    ck_assert_int_eq(pl_writable_append(f, big, sizeof big), PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), ENOSPC);
    ck_assert_int_eq(pl_writable_append(f, rec, sizeof rec), PL_IO_ERROR);
    ck_assert_int_eq(pl_error_os(), ENOSPC);
  }
#endif
  pl_writable_close(f);
  /* /dev/full cannot be grown or mapped: an error, never a signal */
  if (pl_env_file_exists(pl_env_default(), "/dev/full") == PL_OK) {
    f = open_mapped(pl_env_default(), "/dev/full", 1);
    ck_assert_int_eq(pl_writable_append(f, rec, sizeof rec), PL_IO_ERROR);
    ck_assert_msg(strncmp(pl_error_message(), "/dev/full: ", 11) == 0, "%s", pl_error_message());
    ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
    pl_writable_close(f);
  }
}
END_TEST

START_TEST(file_size_limit_fails_the_growing_append) {
  struct rlimit old, lim;
  pl_writable_file *f = open_mapped(pl_env_default(), path, 0);
  char block[STEP];
  pl_status s1, s2;
  fill(block, sizeof block, 7);
  signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of being killed */
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = STEP + STEP / 2;
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  s1 = pl_writable_append(f, block, sizeof block);     /* one step: fits */
  s2 = pl_writable_append(f, block, sizeof block);     /* a second: over */
  setrlimit(RLIMIT_FSIZE, &old);
  ck_assert_pl_ok(s1);
  ck_assert_int_eq(s2, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_msg(strstr(pl_error_message(), path) != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  ck_assert_uint_eq(size_of(path), STEP);
}
END_TEST
#endif /* !_WIN32 */

int main(void) {
  Suite *s = suite_create("mapped");
  TCase *tc = tcase_create("mapped");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, appends_read_back_and_close_cuts_to_the_logical_size);
  tcase_add_test(tc, vectored_and_formatted_appends_land_in_order);
  tcase_add_test(tc, appendable_mapped_file_continues_at_its_end);
  tcase_add_test(tc, positional_writes_and_allocation_past_the_end_are_kept_at_close);
  tcase_add_test(tc, unknown_strategy_is_refused);
  tcase_add_test(tc, sync_on_close_keeps_the_contents_and_the_cut);
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, manifest_rule_and_created_parents_hold_for_a_mapped_file);
  PL_TEST_POSIX_ONLY(tc, sync_msyncs_what_was_stored_and_fdatasyncs_when_the_size_changed);
  PL_TEST_POSIX_ONLY(tc, growing_preallocates_the_step);
  PL_TEST_POSIX_ONLY(tc, failed_msync_is_sticky);
  PL_TEST_POSIX_ONLY(tc, full_disk_fails_the_growing_append_not_a_store);
  PL_TEST_POSIX_ONLY(tc, file_size_limit_fails_the_growing_append);
#else
  pl_test_note_skip("posix-only", "manifest_rule_and_created_parents_hold_for_a_mapped_file");
  pl_test_note_skip("posix-only", "sync_msyncs_what_was_stored_and_fdatasyncs_when_the_size_changed");
  pl_test_note_skip("posix-only", "growing_preallocates_the_step");
  pl_test_note_skip("posix-only", "failed_msync_is_sticky");
  pl_test_note_skip("posix-only", "full_disk_fails_the_growing_append_not_a_store");
  pl_test_note_skip("posix-only", "file_size_limit_fails_the_growing_append");
#endif
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
