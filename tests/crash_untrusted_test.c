/* Traces are input from outside (users attach them to bug reports): a
 * crafted one must be refused with a clear status, never crash, never cost
 * memory out of proportion to its size, and never make the harness write
 * outside the directory it was given.  Each case is a crafted input that
 * broke one of these before. */
#include "config.h"

#include <stdlib.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "tests/test_util.h"

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "crash-untrusted"); }
static void teardown(void) { pl_test_remove_tree(dir); }

/* CRC-32C by its definition: the test does not trust the library's. */
static uint32_t crc32c(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  size_t i;
  int k;
  for (i = 0; i < n; i++) {
    c ^= p[i];
    for (k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

static void put32(unsigned char *p, uint32_t v) {
  int i;
  for (i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

/* A trace file of version 2 with one record: the given header fields, then
 * `tail` (paths and data) as they are; the record's own length and
 * checksum are right, so only the fields are wrong. */
static const char *craft(int kind, uint32_t handle, uint64_t off, uint64_t len, uint32_t pl,
                         uint32_t pl2, uint32_t hasdata, const void *tail, size_t ntail) {
  static char path[1200];
  unsigned char buf[4096];
  size_t body = 36 + ntail;
  ck_assert_uint_le(16 + 8 + body, sizeof buf);
  memcpy(buf, "PLTRACE\n", 8);
  put32(buf + 8, 2);
  put32(buf + 12, 0);
  buf[24] = (unsigned char)kind;
  buf[25] = 0;
  buf[26] = buf[27] = 0;
  put32(buf + 28, handle);
  put64(buf + 32, off);
  put64(buf + 40, len);
  put32(buf + 48, pl);
  put32(buf + 52, pl2);
  put32(buf + 56, hasdata);
  memcpy(buf + 60, tail, ntail);
  put32(buf + 16, (uint32_t)body);
  put32(buf + 20, crc32c(buf + 24, body));
  pl_test_path(path, sizeof path, dir, "crafted.plt");
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, buf, 16 + 8 + body, 0));
  return path;
}

static pl_status load(const char *path) {
  pl_crash_trace t;
  pl_status s = pl_crash_trace_load(pl_env_platform(), path, &t);
  if (s == PL_OK) pl_crash_trace_free(&t);
  return s;
}

/* 36 + path_len + data_len wrapped around 2^64 to the body's length: the
 * reader took the record and copied a huge length. */
START_TEST(lengths_that_wrap_around_are_corruption) {
  const char *p = craft(PL_CRASH_WRITE, 1, 0, 0xffffffffffffffdcULL + 8, 0xffffffffu, 0xffffffffu, 1, "abcdefgh", 8);
  ck_assert_int_eq(load(p), PL_CORRUPTION);
  p = craft(PL_CRASH_CREATE, 1, 0, 0, 0xfffffff0u, 0xffffffffu, 0, "abcdefgh", 8);
  ck_assert_int_eq(load(p), PL_CORRUPTION);
}
END_TEST

START_TEST(lengths_that_do_not_add_up_are_corruption) {
  ck_assert_int_eq(load(craft(PL_CRASH_WRITE, 1, 0, 9, 0xffffffffu, 0xffffffffu, 1, "abcdefgh", 8)), PL_CORRUPTION);
  ck_assert_int_eq(load(craft(PL_CRASH_CREATE, 1, 0, 0, 9, 0xffffffffu, 0, "abcdefgh", 8)), PL_CORRUPTION);
  ck_assert_int_eq(load(craft(PL_CRASH_WRITE, 1, 0, 8, 0xffffffffu, 0xffffffffu, 2, "abcdefgh", 8)),
                   PL_CORRUPTION);
}
END_TEST

/* Each kind needs its fields: a rename without a target, a write without
 * its data, an unknown kind. */
START_TEST(ops_without_the_fields_their_kind_needs_are_corruption) {
  ck_assert_int_eq(load(craft(PL_CRASH_RENAME, 0, 0, 0, 1, 0xffffffffu, 0, "a", 1)), PL_CORRUPTION);
  ck_assert_int_eq(load(craft(PL_CRASH_WRITE, 1, 0, 5, 0xffffffffu, 0xffffffffu, 0, "", 0)), PL_CORRUPTION);
  ck_assert_int_eq(load(craft(99, 1, 0, 0, 0xffffffffu, 0xffffffffu, 0, "", 0)), PL_CORRUPTION);
  ck_assert_int_eq(load(craft(PL_CRASH_WRITE, 1, 1ULL << 63, 1, 0xffffffffu, 0xffffffffu, 1, "x", 1)),
                   PL_CORRUPTION);
}
END_TEST

/* Paths that would name something outside the directory a state is
 * written to, or mean something other than their text. */
START_TEST(paths_that_leave_the_root_are_refused_on_load) {
  static const char *const bad[] = {"../f", "a/../../f", "/etc/passwd", "a//b", "a/./b", "a/", ".", "..",
                                    "a\\..\\b"};
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *p = craft(PL_CRASH_CREATE, 1, 0, 0, (uint32_t)strlen(bad[i]), 0xffffffffu, 0, bad[i], strlen(bad[i]));
    ck_assert_msg(load(p) == PL_CORRUPTION, "path \"%s\" was accepted", bad[i]);
  }
  /* A NUL inside would end the path early wherever C strings are used. */
  ck_assert_int_eq(load(craft(PL_CRASH_CREATE, 1, 0, 0, 3, 0xffffffffu, 0, "a\0b", 3)), PL_CORRUPTION);
  /* The second path of a rename is checked too. */
  ck_assert_int_eq(load(craft(PL_CRASH_RENAME, 0, 0, 0, 1, 4, 0, "a../b", 5)), PL_CORRUPTION);
}
END_TEST

START_TEST(paths_that_leave_the_root_are_refused_when_building_a_trace) {
  pl_crash_trace t;
  pl_crash_trace_init(&t);
  ck_assert_int_eq(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "../escape"), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "a", "/tmp/x"), PL_INVALID_ARGUMENT);
  ck_assert_uint_eq(t.count, 0);
  pl_crash_trace_free(&t);
}
END_TEST

/* A 61-byte trace with handle 0xffffffff made the model's handle table
 * 2^32 entries long; handles now go through a map. */
START_TEST(huge_handles_cost_no_memory) {
  pl_crash_trace t;
  uint64_t comb, distinct;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 0xffffffffu, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 0xffffffffu, 0, "x", 1));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 0xfffffffeu, 0, "y", 1)); /* never opened */
  ck_assert_pl_ok(pl_crash_count_states(&t, NULL, t.count, &comb, &distinct));
  ck_assert_uint_eq(distinct, 4);
  pl_crash_trace_free(&t);
}
END_TEST

/* A write far into a file would be materialized in memory: refused. */
START_TEST(files_too_large_for_a_state_are_refused) {
  pl_crash_trace t;
  pl_crash_options o;
  char out[1200];
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 1ULL << 40, "x", 1));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_int_eq(pl_crash_replay(&t, &o, "3:1", pl_test_path(out, sizeof out, dir, "out")),
                   PL_INVALID_ARGUMENT);
  pl_crash_trace_free(&t);
}
END_TEST

#if !defined(_WIN32)
/* /dev/zero never ends: the reader stops one byte past its limit. */
START_TEST(endless_trace_file_is_refused_at_its_size_limit) {
  pl_crash_trace t;
  ck_assert_int_eq(pl_crash_trace_load_max(pl_env_platform(), "/dev/zero", 1 << 20, &t), PL_INVALID_ARGUMENT);
  ck_assert_uint_eq(t.count, 0);
}
END_TEST

static int nothing_outside(void *arg, const char *d, const char *const *notes, size_t n, char *msg, size_t cap) {
  (void)d;
  (void)notes;
  (void)n;
  if (pl_env_file_exists(pl_env_platform(), arg) != PL_OK) return 0;
  snprintf(msg, cap, "%s was written through a symbolic link", (const char *)arg);
  return 1;
}

/* A symbolic link in a state is a leaf: an entry "under" it is not
 * reachable and is never written through it. */
START_TEST(entries_under_a_symbolic_link_are_never_written_through_it) {
  pl_crash_trace t;
  pl_crash_op op;
  pl_crash_options o;
  char out[1200], outside[1200], probe[1300];
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  pl_test_path(outside, sizeof outside, dir, "outside");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), outside));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYMLINK;
  op.path = "l";
  op.data = (unsigned char *)outside;
  op.len = strlen(outside);
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "l/x"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "escaped", 7));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  /* Every state the model allows: none may put x outside. */
  o.work_dir = pl_test_path(out, sizeof out, dir, "states");
  {
    pl_crash_checker c = {nothing_outside, probe, NULL};
    pl_crash_report r;
    pl_test_path(probe, sizeof probe, outside, "x");
    ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
    ck_assert_uint_gt(r.checked, 1);
    ck_assert_uint_eq(r.failures, 0);
    pl_crash_report_free(&r);
  }
  pl_crash_trace_free(&t);
}
END_TEST

/* A symbolic link planted in the output directory: the directory is not
 * empty, so nothing is written (the contract), and nothing goes through
 * the link. */
START_TEST(replay_into_a_directory_holding_a_planted_link_writes_nothing) {
  pl_crash_trace t;
  pl_crash_options o;
  char out[1200], outside[1200], link[1300], probe[1300];
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  pl_test_path(outside, sizeof outside, dir, "target");
  pl_test_path(out, sizeof out, dir, "out");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), outside));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), out));
  ck_assert_int_eq(symlink(pl_test_path(probe, sizeof probe, outside, "f"), pl_test_path(link, sizeof link, out, "f")),
                   0);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "escaped", 7));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_int_eq(pl_crash_replay(&t, &o, "4:", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_env_file_exists(pl_env_platform(), probe), PL_NOT_FOUND);
  pl_crash_trace_free(&t);
}
END_TEST
#endif

/* State ids are input too: run lengths and their total are bounded. */
START_TEST(state_ids_that_would_take_unbounded_memory_are_refused) {
  pl_crash_trace t;
  pl_crash_options o;
  char out[1200], *id;
  size_t i;
  pl_crash_trace_init(&t);
  pl_crash_options_init(&o);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  pl_test_path(out, sizeof out, dir, "out");
  ck_assert_int_eq(pl_crash_replay(&t, &o, "1:1*99999999", out), PL_INVALID_ARGUMENT);
  /* Thousands of tokens of a million each. */
  id = malloc(100000);
  strcpy(id, "1:");
  for (i = 0; i < 5000; i++) strcat(id, i ? ".1*1000000" : "1*1000000");
  ck_assert_int_eq(pl_crash_replay(&t, &o, id, out), PL_INVALID_ARGUMENT);
  /* Signs, spaces and overflow are not numbers. */
  ck_assert_int_eq(pl_crash_replay(&t, &o, "-1:1", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_replay(&t, &o, "1: 1", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_replay(&t, &o, "99999999999999999999999:1", out), PL_INVALID_ARGUMENT);
  ck_assert_int_eq(pl_crash_replay(&t, &o, "1:70000", out), PL_INVALID_ARGUMENT);
  free(id);
  pl_crash_trace_free(&t);
}
END_TEST

/* The recorder resolves ".." before deciding what is inside its root:
 * ROOT/../f is outside and is not recorded as "../f". */
START_TEST(recorder_never_records_a_path_that_climbs_out_of_its_root) {
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  char root[1200], sib[1300], p[1400];
  size_t i;
  pl_test_path(root, sizeof root, dir, "root");
  pl_test_path(sib, sizeof sib, dir, "sibling");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), sib));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  snprintf(p, sizeof p, "%s/../sibling/f", root);
  ck_assert_pl_ok(pl_file_write_all(pl_crash_recorder_env(rec), p, "x", 1, 1));
  snprintf(p, sizeof p, "%s/sub", root);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), p));
  snprintf(p, sizeof p, "%s/sub/../g", root);
  ck_assert_pl_ok(pl_file_write_all(pl_crash_recorder_env(rec), p, "y", 1, 1));
  t = pl_crash_recorder_trace(rec);
  for (i = 0; i < t->count; i++) {
    if (t->ops[i].path) ck_assert_msg(strstr(t->ops[i].path, "..") == NULL, "recorded %s", t->ops[i].path);
    if (t->ops[i].kind == PL_CRASH_CREATE) ck_assert_str_eq(t->ops[i].path, "g");
  }
  pl_crash_recorder_free(rec);
}
END_TEST

/* Bytes of paths and notes that would drive a terminal are printed as
 * '?' by the dump. */
START_TEST(dump_never_prints_control_bytes_from_a_trace) {
  pl_crash_trace t;
  char path[1200], *text;
  size_t n, i, lines;
  FILE *f;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "evil \x1b[2J\x07 note\nsecond line"));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "a\x1b]0;title\x07"));
  pl_test_path(path, sizeof path, dir, "dump.txt");
  f = fopen(path, "wb"); /* binary: no "\r\n" on Windows */
  ck_assert_ptr_nonnull(f);
  pl_crash_trace_dump(&t, f);
  fclose(f);
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &text, &n));
  ck_assert_uint_gt(n, 0);
  for (i = 0; i < n; i++) ck_assert(text[i] == '\n' || ((unsigned char)text[i] >= 0x20 && text[i] != 0x7f));
  /* One line per op: the note's newline did not start a line of its own. */
  for (i = 0, lines = 0; i < n; i++) lines += text[i] == '\n';
  ck_assert_uint_eq(lines, 2);
  free(text);
  pl_crash_trace_free(&t);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_untrusted", "untrusted", setup, teardown, 0);
  tcase_add_test(tc, lengths_that_wrap_around_are_corruption);
  tcase_add_test(tc, lengths_that_do_not_add_up_are_corruption);
  tcase_add_test(tc, ops_without_the_fields_their_kind_needs_are_corruption);
  tcase_add_test(tc, paths_that_leave_the_root_are_refused_on_load);
  tcase_add_test(tc, paths_that_leave_the_root_are_refused_when_building_a_trace);
  tcase_add_test(tc, huge_handles_cost_no_memory);
  tcase_add_test(tc, files_too_large_for_a_state_are_refused);
  PL_TEST_POSIX_ONLY(tc, endless_trace_file_is_refused_at_its_size_limit);
  PL_TEST_POSIX_ONLY(tc, entries_under_a_symbolic_link_are_never_written_through_it);
  PL_TEST_POSIX_ONLY(tc, replay_into_a_directory_holding_a_planted_link_writes_nothing);
  tcase_add_test(tc, state_ids_that_would_take_unbounded_memory_are_refused);
  tcase_add_test(tc, recorder_never_records_a_path_that_climbs_out_of_its_root);
  tcase_add_test(tc, dump_never_prints_control_bytes_from_a_trace);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
