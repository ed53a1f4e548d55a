/* The record log: records read back in each durability mode, framing across
 * blocks, segments, seals, spares (pre-zeroed, recycled), reopening, the
 * reader's recovery modes on torn, zero, garbage, stale, truncated and
 * corrupted segments, and every error path. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "log/log_internal.h"
#include "plinth/crash.h"
#include "tests/fault_env.h"
#include "tests/test_util.h"

#define SEG (64 * 1024)

static char root[1024]; /* per test */
static char dir[1200];  /* the log */
static char snap[1200]; /* a copy taken before close: a crash's leftovers */

static void setup(void) {
  pl_test_fresh_dir(root, sizeof root, "log");
  pl_test_path(dir, sizeof dir, root, "wal");
  pl_test_path(snap, sizeof snap, root, "snap");
  pl__log_test_hooks = 0;
}

static void teardown(void) {
  pl__log_test_hooks = 0;
  pl_test_remove_tree(root);
}

/* Record i of a test: its number, then a fill that depends on it. */
static size_t make_record(char *buf, int i, size_t len, char tag) {
  size_t k;
  for (k = 0; k < len; k++) buf[k] = (char)('a' + (i * 7 + (int)k) % 26);
  if (len >= 9) snprintf(buf, 10, "%c%07d:", tag, i);
  return len;
}

static pl_log *open_log(pl_env *env, pl_log_durability d, uint64_t seg, int spares) {
  pl_log_options o;
  pl_log *log;
  pl_log_options_init(&o);
  o.durability = d;
  o.segment_size = seg;
  o.spares = spares;
  ck_assert_pl_ok(pl_log_open(env, dir, &o, &log));
  return log;
}

static void append_n(pl_log *log, int from, int n, size_t len, char tag) {
  char *buf = malloc(len + 10);
  int i;
  for (i = from; i < from + n; i++) {
    make_record(buf, i, len, tag);
    ck_assert_pl_ok(pl_log_append(log, buf, len));
  }
  free(buf);
}

/* What a reader returned. */
typedef struct got {
  int records;
  char **data;
  size_t *len;
  uint64_t *log_number;
  pl_log_drop drops[64];
  int ndrops;
  pl_status status;
} got;

static void on_drop(void *arg, const pl_log_drop *d) {
  got *g = arg;
  if (g->ndrops < 64) g->drops[g->ndrops] = *d;
  g->ndrops++;
}

static void got_free(got *g) {
  int i;
  for (i = 0; i < g->records; i++) free(g->data[i]);
  free(g->data);
  free(g->len);
  free(g->log_number);
  memset(g, 0, sizeof *g);
}

static void read_with(pl_log_reader *r, got *g) {
  pl_log_record rec;
  int cap = 0;
  for (;;) {
    g->status = pl_log_reader_next(r, &rec);
    if (g->status != PL_OK || rec.data == NULL) break;
    if (g->records == cap) {
      cap = cap ? cap * 2 : 64;
      g->data = realloc(g->data, (size_t)cap * sizeof *g->data);
      g->len = realloc(g->len, (size_t)cap * sizeof *g->len);
      g->log_number = realloc(g->log_number, (size_t)cap * sizeof *g->log_number);
    }
    g->data[g->records] = malloc(rec.len + 1);
    memcpy(g->data[g->records], rec.data, rec.len);
    g->len[g->records] = rec.len;
    g->log_number[g->records] = rec.log_number;
    g->records++;
  }
  pl_log_reader_close(r);
}

static void read_log(const char *d, pl_log_recovery mode, uint64_t first, got *g) {
  pl_log_reader_options o;
  pl_log_reader *r;
  memset(g, 0, sizeof *g);
  pl_log_reader_options_init(&o);
  o.recovery = mode;
  o.first_log = first;
  o.dropped = on_drop;
  o.arg = g;
  ck_assert_pl_ok(pl_log_reader_open(pl_env_default(), d, &o, &r));
  read_with(r, g);
}

/* Records [from, from+n) of length len and tag, in order, at g[at..]. */
static void expect_records(const got *g, int at, int from, int n, size_t len, char tag) {
  char *want = malloc(len + 10);
  int i;
  ck_assert_int_ge(g->records, at + n);
  for (i = 0; i < n; i++) {
    make_record(want, from + i, len, tag);
    ck_assert_uint_eq(g->len[at + i], len);
    ck_assert_msg(memcmp(g->data[at + i], want, len) == 0, "record %d differs", at + i);
  }
  free(want);
}

static int count_files(const char *d, const char *ext) {
  pl_strlist names;
  size_t i;
  int n = 0;
  uint64_t num;
  if (pl_env_list_children(pl_env_platform(), d, &names) != PL_OK) return 0;
  for (i = 0; i < names.count; i++) n += pl__log_parse_name(names.items[i], ext, &num);
  pl_strlist_free(&names);
  return n;
}

/* Copies every file of the log: what a crash of the process (not of the
 * machine) would leave, since all was handed to the OS. */
static void snapshot(void) {
  pl_strlist names;
  size_t i;
  pl_test_remove_tree(snap);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), snap));
  ck_assert_pl_ok(pl_env_list_children(pl_env_platform(), dir, &names));
  for (i = 0; i < names.count; i++) {
    char from[1500], to[1500], *data;
    size_t n;
    snprintf(from, sizeof from, "%s/%s", dir, names.items[i]);
    snprintf(to, sizeof to, "%s/%s", snap, names.items[i]);
    ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), from, &data, &n));
    ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), to, data, n, 0));
    free(data);
  }
  pl_strlist_free(&names);
}

static void seg_path(char *buf, size_t cap, const char *d, uint64_t n) {
  pl__log_name(buf, cap, d, n, "log");
}

/* Rewrites bytes [off, off+n) of a file with data. */
static void patch(const char *path, uint64_t off, const void *data, size_t n) {
  char *c;
  size_t len;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &c, &len));
  ck_assert_uint_le(off + n, len);
  memcpy(c + off, data, n);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, c, len, 0));
  free(c);
}

static void cut(const char *path, uint64_t size) {
  char *c;
  size_t len;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &c, &len));
  ck_assert_uint_le(size, len);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, c, (size_t)size, 0));
  free(c);
}

/* ---- records in, records out ------------------------------------------------ */

static void round_trip(pl_log_durability d) {
  static const size_t sizes[] = {0, 1, 9, 100, 4081, 4096, 32753, 40000, 100000};
  pl_log *log = open_log(pl_env_default(), d, 1 << 20, 1);
  got g;
  size_t k;
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) append_n(log, (int)k * 10, 10, sizes[k], 'R');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 90);
  ck_assert_int_eq(g.ndrops, 0);
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    expect_records(&g, (int)k * 10, (int)k * 10, 10, sizes[k], 'R');
  got_free(&g);
}

START_TEST(records_read_back_in_order_when_each_append_syncs) { round_trip(PL_LOG_SYNC_EACH); }
END_TEST
START_TEST(records_read_back_in_order_with_group_commit) { round_trip(PL_LOG_SYNC_GROUP); }
END_TEST
START_TEST(records_read_back_in_order_without_syncs) { round_trip(PL_LOG_SYNC_NONE); }
END_TEST

START_TEST(a_record_too_large_for_a_segment_is_invalid_argument) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  char *big = calloc(1, SEG);
  ck_assert_int_eq(pl_log_append(log, big, SEG), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "does not fit") != NULL, "%s", pl_error_message());
  /* not sticky: the log goes on */
  ck_assert_pl_ok(pl_log_append(log, big, 100));
  ck_assert_pl_ok(pl_log_close(log));
  free(big);
}
END_TEST

START_TEST(bad_options_are_invalid_argument) {
  pl_log_options o;
  pl_log *log;
  pl_log_options_init(&o);
  o.segment_size = 10000;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(log);
  pl_log_options_init(&o);
  o.spares = -1;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
}
END_TEST

START_TEST(fragments_never_cross_a_block_and_trailers_are_zero) {
  /* Records that leave fewer than a header's bytes in a block: the rest
   * of the block is a zero trailer and the next record starts at the block
   * boundary. */
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_NONE, 1 << 20, 0);
  char path[1300], *c;
  size_t n, first = PL_LOG_BLOCK_SIZE - PL_LOG_HEADER_SIZE - 10;
  got g;
  append_n(log, 0, 1, first, 'T');  /* leaves 10 bytes: a trailer */
  append_n(log, 1, 1, 50000, 'T');  /* FIRST in block 1, LAST in block 2 */
  ck_assert_pl_ok(pl_log_close(log));
  seg_path(path, sizeof path, dir, 1);
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &c, &n));
  ck_assert_uint_eq(n, 1 << 20);
  for (n = PL_LOG_BLOCK_SIZE - 10; n < PL_LOG_BLOCK_SIZE; n++) ck_assert_int_eq(c[n], 0);
  ck_assert_int_eq(c[PL_LOG_BLOCK_SIZE + 6], PL__LOG_FIRST);
  ck_assert_uint_eq(pl__get32((unsigned char *)c + PL_LOG_BLOCK_SIZE + 7), 1); /* log number */
  free(c);
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  expect_records(&g, 0, 0, 1, first, 'T');
  expect_records(&g, 1, 1, 1, 50000, 'T');
  got_free(&g);
}
END_TEST

/* ---- segments, seals, spares --------------------------------------------------- */

START_TEST(a_full_segment_is_sealed_and_the_next_starts_from_a_spare) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 1);
  pl_log_stats st;
  got g;
  append_n(log, 0, 600, 300, 'S'); /* 180 KB: three segments and a bit */
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.records, 600);
  ck_assert_uint_ge(st.segments, 3);
  ck_assert_uint_eq(st.current_log, st.segments);
  ck_assert_uint_eq(st.syncs, 600 + st.segments - 1); /* one per append, one per seal */
  /* whole pages only */
  ck_assert_uint_eq(st.bytes_written % PL_LOG_PAGE_SIZE, 0);
  ck_assert_pl_ok(pl_log_close(log));
  ck_assert_int_eq(count_files(dir, "log"), (int)st.segments);
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g); /* every segment ends in a seal */
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 600);
  expect_records(&g, 0, 0, 600, 300, 'S');
  ck_assert_uint_eq(g.log_number[0], 1);
  ck_assert_uint_eq(g.log_number[599], st.segments);
  got_free(&g);
}
END_TEST

START_TEST(spares_are_zeroed_and_synced_off_the_append_path) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 2);
  pl_log_stats st;
  pl_strlist names;
  size_t i;
  int zeros = 0;
  ck_assert_pl_ok(pl_log_wait_spares(log));
  ck_assert_pl_ok(pl_env_list_children(pl_env_platform(), dir, &names));
  for (i = 0; i < names.count; i++) {
    uint64_t n;
    if (pl__log_parse_name(names.items[i], "zero", &n)) {
      char path[1300], *c;
      size_t len, k;
      snprintf(path, sizeof path, "%s/%s", dir, names.items[i]);
      ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &c, &len));
      ck_assert_uint_eq(len, SEG); /* full size: physically written */
      for (k = 0; k < len; k++) ck_assert_int_eq(c[k], 0);
      free(c);
      zeros++;
    }
  }
  pl_strlist_free(&names);
  ck_assert_int_eq(zeros, 2);
  append_n(log, 0, 400, 300, 'Z'); /* two rolls */
  pl_log_stats_get(log, &st);
  ck_assert_uint_ge(st.segments, 2);
  ck_assert_uint_eq(st.spares_inline, 1); /* only the first segment, at open */
  ck_assert_pl_ok(pl_log_close(log));
}
END_TEST

START_TEST(released_segments_are_recycled_and_their_records_never_come_back) {
  pl_log_options o;
  pl_log *log;
  pl_log_stats st;
  uint64_t zeroed;
  got g;
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.spares = 0; /* every roll takes a recycled segment or zeroes one */
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  append_n(log, 0, 200, 700, 'O'); /* ~ 3 segments of "old" records */
  ck_assert_pl_ok(pl_log_roll(log, NULL));
  ck_assert_pl_ok(pl_log_release(log, pl_log_current(log) - 1));
  ck_assert_int_eq(count_files(dir, "log"), 1);
  ck_assert_int_ge(count_files(dir, "old"), 3);
  pl_log_stats_get(log, &st);
  zeroed = st.spares_zeroed;
  ck_assert_uint_ge(st.spares_recycled, 3);
  /* shorter records than before: their ends never line up with the old
   * ones, so a reader that ignored log numbers would meet old records */
  append_n(log, 0, 150, 500, 'N');
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.spares_zeroed, zeroed); /* no new zeroing: recycled */
  ck_assert_uint_ge(st.segments, 3);
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 150);
  expect_records(&g, 0, 0, 150, 500, 'N');
  got_free(&g);
}
END_TEST

START_TEST(release_never_touches_the_current_segment) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  got g;
  append_n(log, 0, 3, 100, 'C');
  ck_assert_pl_ok(pl_log_release(log, 1000));
  ck_assert_int_eq(count_files(dir, "log"), 1);
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_int_eq(g.records, 3);
  got_free(&g);
}
END_TEST

START_TEST(reopening_seals_the_last_segment_and_starts_a_new_one) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 1);
  got g;
  append_n(log, 0, 5, 100, 'A');
  ck_assert_pl_ok(pl_log_close(log));
  log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 1);
  ck_assert_uint_eq(pl_log_current(log), 2);
  append_n(log, 5, 5, 100, 'A');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 10);
  expect_records(&g, 0, 0, 10, 100, 'A');
  ck_assert_uint_eq(g.log_number[9], 2);
  got_free(&g);
}
END_TEST

START_TEST(reopening_after_a_crash_drops_the_torn_tail_and_keeps_the_rest) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  char path[1300], garbage[200];
  got g;
  append_n(log, 0, 20, 100, 'K');
  snapshot();
  ck_assert_pl_ok(pl_log_close(log));
  /* The snapshot is a crashed log: no seal.  Tear the tail: garbage
   * where record 20 would start. */
  seg_path(path, sizeof path, snap, 1);
  memset(garbage, 0x5a, sizeof garbage);
  patch(path, 20 * (100 + PL_LOG_HEADER_SIZE), garbage, sizeof garbage);
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 20);
  ck_assert_int_eq(g.ndrops, 1);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_BAD_HEADER);
  ck_assert_int_eq(g.drops[0].synced, 0);
  got_free(&g);
  strcpy(dir, snap);
  log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 20, 5, 100, 'K');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(snap, PL_LOG_ABSOLUTE, 0, &g); /* sealed where the tail was */
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 25);
  expect_records(&g, 0, 0, 25, 100, 'K');
  got_free(&g);
}
END_TEST

START_TEST(reopening_over_synced_damage_is_corruption_until_resumed) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  char path[1300];
  unsigned char flip = 0xff;
  got g;
  uint64_t end5 = 0;
  append_n(log, 0, 20, 100, 'D');
  snapshot();
  ck_assert_pl_ok(pl_log_close(log));
  seg_path(path, sizeof path, snap, 1);
  patch(path, 6 * 115 + 40, &flip, 1); /* inside record 6, synced long ago */
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  ck_assert_int_eq(g.records, 6);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_BAD_CHECKSUM);
  ck_assert_int_eq(g.drops[0].synced, 1); /* records 7.. prove it */
  got_free(&g);
  strcpy(dir, snap);
  pl_log_options_init(&o);
  o.segment_size = SEG;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_CORRUPTION);
  /* A point-in-time read stops before record 6; resuming there drops the
   * rest for good and the log goes on. */
  read_log(snap, PL_LOG_POINT_IN_TIME, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 6);
  got_free(&g);
  {
    pl_log_reader *r;
    pl_log_record rec;
    int i;
    ck_assert_pl_ok(pl_log_reader_open(pl_env_default(), snap, NULL, &r));
    for (i = 0; i < 6; i++) {
      ck_assert_pl_ok(pl_log_reader_next(r, &rec));
      end5 = rec.end_offset;
    }
    pl_log_reader_close(r);
  }
  o.resume_log = 1;
  o.resume_offset = end5;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  append_n(log, 6, 4, 100, 'E');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(snap, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 10);
  expect_records(&g, 0, 0, 6, 100, 'D');
  expect_records(&g, 6, 6, 4, 100, 'E');
  got_free(&g);
}
END_TEST

START_TEST(first_log_number_moves_the_numbering_on_and_the_chain_follows) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  got g;
  append_n(log, 0, 3, 100, 'F');
  ck_assert_pl_ok(pl_log_close(log)); /* sealed, naming segment 2 */
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.first_log_number = 100;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  ck_assert_uint_eq(pl_log_current(log), 100);
  append_n(log, 3, 3, 100, 'F');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g); /* segment 1's seal was rewritten */
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 6);
  expect_records(&g, 0, 0, 6, 100, 'F');
  ck_assert_uint_eq(g.log_number[5], 100);
  got_free(&g);
}
END_TEST

START_TEST(resume_at_an_offset_inside_a_record_is_invalid_argument) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  append_n(log, 0, 3, 100, 'I');
  ck_assert_pl_ok(pl_log_close(log));
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.resume_log = 1;
  o.resume_offset = 50;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  o.resume_log = 7;
  o.resume_offset = 0;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
}
END_TEST

/* ---- the reader's recovery modes --------------------------------------------------- */

/* A crashed log (snapshot) of one segment holding 10 records of 100 bytes,
 * durable, then `tail` written into it at the end of record 10. */
static void crashed_log(const void *tail, size_t n) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 10, 100, 'M');
  snapshot();
  ck_assert_pl_ok(pl_log_close(log));
  if (n) {
    char path[1300];
    seg_path(path, sizeof path, snap, 1);
    patch(path, 10 * 115, tail, n);
  }
}

/* Reads snap in each mode: tolerant ones give 10 records and OK (skip mode
 * `skipped` more, found after the damage); the absolute one gives
 * `absolute`. */
static void expect_modes_skip(pl_status absolute, int reason, int skipped) {
  static const pl_log_recovery modes[] = {PL_LOG_TOLERATE_TAIL, PL_LOG_POINT_IN_TIME,
                                          PL_LOG_SKIP_CORRUPTED, PL_LOG_ABSOLUTE};
  size_t m;
  for (m = 0; m < 4; m++) {
    got g;
    read_log(snap, modes[m], 0, &g);
    ck_assert_int_eq(g.records, 10 + (modes[m] == PL_LOG_SKIP_CORRUPTED ? skipped : 0));
    expect_records(&g, 0, 0, 10, 100, 'M');
    if (modes[m] == PL_LOG_ABSOLUTE) ck_assert_int_eq(g.status, absolute);
    else ck_assert_pl_ok(g.status);
    if (reason) {
      ck_assert_int_eq(g.ndrops, 1);
      ck_assert_int_eq(g.drops[0].reason, reason);
      ck_assert_uint_eq(g.drops[0].offset, 10 * 115);
      ck_assert_uint_gt(g.drops[0].length, 0);
      ck_assert_int_eq(g.drops[0].synced, 0);
    } else {
      ck_assert_int_eq(g.ndrops, 0);
    }
    got_free(&g);
  }
}

static void expect_modes(pl_status absolute, int reason) { expect_modes_skip(absolute, reason, 0); }

START_TEST(an_unsealed_log_that_ends_in_zeros_is_clean_in_every_mode) {
  crashed_log(NULL, 0);
  expect_modes(PL_OK, 0);
}
END_TEST

START_TEST(a_torn_record_at_the_tail_is_dropped_and_reported) {
  /* a whole record written, then its second half lost (zeros) */
  unsigned char rec[115];
  memset(rec, 'x', sizeof rec);
  memcpy(rec + PL_LOG_HEADER_SIZE, "torn-away", 9);
  pl__log_frame(rec, PL__LOG_FULL, 1, 0, 100);
  memset(rec + 60, 0, sizeof rec - 60);
  crashed_log(rec, sizeof rec);
  expect_modes(PL_CORRUPTION, PL_LOG_DROP_BAD_CHECKSUM);
}
END_TEST

START_TEST(a_garbage_tail_is_dropped_and_reported) {
  unsigned char junk[300];
  size_t i;
  for (i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 37 + 11);
  junk[6] = 200; /* not a type */
  crashed_log(junk, sizeof junk);
  expect_modes(PL_CORRUPTION, PL_LOG_DROP_BAD_HEADER);
}
END_TEST

START_TEST(a_stale_record_of_an_earlier_life_is_never_returned) {
  /* a whole, valid record -- of log number 7 */
  unsigned char rec[115];
  memcpy(rec + PL_LOG_HEADER_SIZE, "from the segment's earlier life.......................................................................", 100);
  pl__log_frame(rec, PL__LOG_FULL, 7, 0, 100);
  crashed_log(rec, sizeof rec);
  expect_modes(PL_CORRUPTION, PL_LOG_DROP_STALE);
}
END_TEST

START_TEST(zeros_followed_by_written_bytes_are_a_hole) {
  /* record 11 written whole but with a sector lost in front of it: zeros,
   * then a valid fragment of this life */
  unsigned char rec[115 + 115];
  memset(rec, 0, sizeof rec);
  memcpy(rec + 115 + PL_LOG_HEADER_SIZE, "after a hole", 12);
  pl__log_frame(rec + 115, PL__LOG_FULL, 1, 0, 100);
  crashed_log(rec, sizeof rec);
  expect_modes_skip(PL_CORRUPTION, PL_LOG_DROP_ZEROS, 1);
}
END_TEST

START_TEST(a_truncated_segment_is_dropped_at_its_last_whole_record) {
  char path[1300];
  got g;
  crashed_log(NULL, 0);
  seg_path(path, sizeof path, snap, 1);
  cut(path, 10 * 115 - 30); /* into record 10 */
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 9);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_TRUNCATED);
  ck_assert_uint_eq(g.drops[0].offset, 9 * 115);
  ck_assert_uint_eq(g.drops[0].length, 115 - 30);
  got_free(&g);
  read_log(snap, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  ck_assert_msg(strstr(pl_error_message(), "truncated") != NULL, "%s", pl_error_message());
  got_free(&g);
}
END_TEST

START_TEST(a_partial_record_missing_its_last_fragment_is_dropped) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  char path[1300];
  unsigned char zeros[64] = {0};
  got g;
  append_n(log, 0, 1, 100, 'P');
  append_n(log, 1, 1, 40000, 'P'); /* FIRST in block 0, LAST in block 1 */
  snapshot();
  ck_assert_pl_ok(pl_log_close(log));
  seg_path(path, sizeof path, snap, 1);
  patch(path, PL_LOG_BLOCK_SIZE, zeros, sizeof zeros); /* the LAST's header */
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 1);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_PARTIAL);
  ck_assert_uint_eq(g.drops[0].offset, 115);
  got_free(&g);
}
END_TEST

START_TEST(synced_damage_is_corruption_point_in_time_stops_and_skip_goes_on) {
  char path[1300];
  unsigned char flip = 0x01;
  got g;
  crashed_log(NULL, 0);
  seg_path(path, sizeof path, snap, 1);
  patch(path, 3 * 115 + PL_LOG_HEADER_SIZE + 5, &flip, 1); /* record 3's payload */
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  ck_assert_int_eq(g.records, 3);
  ck_assert_int_eq(g.drops[0].synced, 1);
  ck_assert_msg(strstr(pl_error_message(), "bad checksum in bytes that had been synced") != NULL,
                "%s", pl_error_message());
  got_free(&g);
  read_log(snap, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  got_free(&g);
  read_log(snap, PL_LOG_POINT_IN_TIME, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 3);
  expect_records(&g, 0, 0, 3, 100, 'M');
  got_free(&g);
  read_log(snap, PL_LOG_SKIP_CORRUPTED, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 9);
  expect_records(&g, 0, 0, 3, 100, 'M');
  expect_records(&g, 3, 4, 6, 100, 'M');
  ck_assert_int_eq(g.ndrops, 1);
  ck_assert_uint_eq(g.drops[0].offset, 3 * 115);
  ck_assert_uint_eq(g.drops[0].length, 115); /* exactly record 3 */
  got_free(&g);
}
END_TEST

/* Three sealed segments of 200 records each (snap), for the chain cases. */
static void three_segments(void) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 100, 300, 'C');
  ck_assert_pl_ok(pl_log_roll(log, NULL));
  append_n(log, 100, 100, 300, 'C');
  ck_assert_pl_ok(pl_log_roll(log, NULL));
  append_n(log, 200, 100, 300, 'C');
  ck_assert_pl_ok(pl_log_close(log));
  snapshot();
}

START_TEST(a_missing_middle_segment_is_a_gap_no_mode_reads_across_silently) {
  char path[1300];
  got g;
  three_segments();
  seg_path(path, sizeof path, snap, 2);
  ck_assert_pl_ok(pl_env_remove_file(pl_env_platform(), path));
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  ck_assert_int_eq(g.records, 100);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_MISSING_SEGMENT);
  ck_assert_uint_eq(g.drops[0].log_number, 2);
  got_free(&g);
  read_log(snap, PL_LOG_POINT_IN_TIME, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 100); /* never past the gap */
  ck_assert_int_eq(g.drops[1].reason, PL_LOG_DROP_AFTER_DAMAGE);
  ck_assert_uint_eq(g.drops[1].log_number, 3);
  got_free(&g);
  read_log(snap, PL_LOG_SKIP_CORRUPTED, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 200);
  expect_records(&g, 100, 200, 100, 300, 'C');
  got_free(&g);
}
END_TEST

START_TEST(a_segment_cut_before_its_seal_is_corruption_unless_last) {
  char path[1300];
  got g;
  three_segments();
  seg_path(path, sizeof path, snap, 1);
  cut(path, 50 * 315); /* segment 1 loses its last 50 records and seal */
  read_log(snap, PL_LOG_TOLERATE_TAIL, 0, &g);
  ck_assert_int_eq(g.status, PL_CORRUPTION);
  ck_assert_int_eq(g.records, 50);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_UNSEALED);
  got_free(&g);
  read_log(snap, PL_LOG_SKIP_CORRUPTED, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 250);
  got_free(&g);
  /* first_log skips it: a checkpoint covers segment 1 */
  read_log(snap, PL_LOG_ABSOLUTE, 2, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 200);
  expect_records(&g, 0, 100, 200, 300, 'C');
  got_free(&g);
}
END_TEST

START_TEST(a_missing_directory_is_an_empty_log) {
  got g;
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 0);
  got_free(&g);
}
END_TEST

START_TEST(any_bytes_parse_without_harm_through_the_file_entry_point) {
  /* What the fuzz target does: arbitrary bytes in a file, parsed as a
   * segment in every mode.  Valid records appear among the noise. */
  char path[1300];
  unsigned char *c = malloc(3 * PL_LOG_BLOCK_SIZE);
  uint32_t x = 12345;
  int round, m;
  pl_test_path(path, sizeof path, root, "fuzz.seg");
  for (round = 0; round < 20; round++) {
    size_t i, n = (size_t)(round * 4999) % (3 * PL_LOG_BLOCK_SIZE);
    for (i = 0; i < n; i++) {
      x = x * 1103515245u + 12345u;
      c[i] = (unsigned char)(round % 3 == 0 ? 0 : x >> 24);
    }
    if (n > 300) {
      memset(c + 100, 0, 150);
      pl__log_frame(c + 100, PL__LOG_FULL, 9, (uint32_t)round, 100);
      if (round % 2) pl__log_frame(c, PL__LOG_FIRST, 9, 0, 70);
    }
    ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, c, n, 0));
    for (m = 0; m < 4; m++) {
      pl_log_reader_options o;
      pl_log_reader *r;
      got g;
      memset(&g, 0, sizeof g);
      pl_log_reader_options_init(&o);
      o.recovery = (pl_log_recovery)m;
      o.dropped = on_drop;
      o.arg = &g;
      ck_assert_pl_ok(pl_log_reader_open_file(pl_env_platform(), path, 9, &o, &r));
      read_with(r, &g);
      if (m == PL_LOG_POINT_IN_TIME || m == PL_LOG_SKIP_CORRUPTED) ck_assert_pl_ok(g.status);
      got_free(&g);
    }
  }
  free(c);
}
END_TEST

/* ---- durability order ------------------------------------------------------------- */

START_TEST(a_new_segments_name_is_synced_before_any_record_in_it) {
  /* In the trace: after a spare is renamed to a segment's name, the
   * directory is synced before any file sync (a record's, or a seal's). */
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  pl_log *log;
  size_t i;
  int pending = 0, activations = 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  log = open_log(pl_crash_recorder_env(rec), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 20, 8000, 'Y'); /* eight to a segment: two rolls */
  ck_assert_pl_ok(pl_log_close(log));
  t = pl_crash_recorder_trace(rec);
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *op = &t->ops[i];
    size_t n = op->path2 ? strlen(op->path2) : 0;
    if (op->kind == PL_CRASH_RENAME && n > 4 && strcmp(op->path2 + n - 4, ".log") == 0) {
      pending = 1;
      activations++;
    }
    if (op->kind == PL_CRASH_SYNC_DIR && strcmp(op->path, "wal") == 0) pending = 0;
    ck_assert_msg(!(pending && op->kind == PL_CRASH_SYNC), "file sync at op %lu before the directory sync",
                  (unsigned long)i);
  }
  ck_assert_int_eq(activations, 3);
  pl_crash_recorder_free(rec);
}
END_TEST

START_TEST(every_write_is_whole_pages_from_memory) {
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  pl_log *log;
  size_t i;
  int writes = 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  log = open_log(pl_crash_recorder_env(rec), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 50, 100, 'W');
  append_n(log, 50, 5, 9000, 'W');
  ck_assert_pl_ok(pl_log_close(log));
  t = pl_crash_recorder_trace(rec);
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *op = &t->ops[i];
    if (op->kind == PL_CRASH_WRITE) { /* segments, seals, and the spares' zeros */
      ck_assert_uint_eq(op->offset % PL_LOG_PAGE_SIZE, 0);
      ck_assert_uint_eq(op->len % PL_LOG_PAGE_SIZE, 0);
      writes++;
    }
  }
  ck_assert_int_ge(writes, 50);
  pl_crash_recorder_free(rec);
}
END_TEST

/* ---- group commit ------------------------------------------------------------------ */

#define THREADS 4
#define PER_THREAD 150

typedef struct producer {
  pl_log *log;
  int id;
  pl_status status;
} producer;

static void *produce(void *arg) {
  producer *p = arg;
  int i;
  p->status = PL_OK;
  for (i = 0; i < PER_THREAD && p->status == PL_OK; i++) {
    char rec[64];
    int n = snprintf(rec, sizeof rec, "t%d %06d %.*s", p->id, i, i % 40, "........................................");
    p->status = pl_log_append(p->log, rec, (size_t)n);
  }
  return NULL;
}

START_TEST(concurrent_group_commit_appends_keep_each_threads_order) {
  producer ps[THREADS];
  pthread_t t[THREADS];
  int next[THREADS] = {0}, i;
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_GROUP, SEG, 1);
  pl_log_stats st;
  got g;
  for (i = 0; i < THREADS; i++) {
    ps[i].log = log;
    ps[i].id = i;
    pthread_create(&t[i], NULL, produce, &ps[i]);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    ck_assert_pl_ok(ps[i].status);
  }
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.records, THREADS * PER_THREAD);
  ck_assert_uint_le(st.syncs, THREADS * PER_THREAD);
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, THREADS * PER_THREAD);
  for (i = 0; i < g.records; i++) {
    int id, k;
    g.data[i][g.len[i]] = 0;
    ck_assert_int_eq(sscanf(g.data[i], "t%d %d", &id, &k), 2);
    ck_assert_int_eq(k, next[id]);
    next[id]++;
  }
  got_free(&g);
}
END_TEST

START_TEST(sync_makes_unsynced_appends_durable) {
  pl_log *log;
  pl_log_stats st;
  fault_env_init();
  log = open_log(fault_env(), PL_LOG_SYNC_NONE, SEG, 0);
  append_n(log, 0, 30, 100, 'U');
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.syncs, 0);
  ck_assert_uint_eq(st.writes, 0); /* all in memory */
  ck_assert_pl_ok(pl_log_sync(log));
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_uint_eq(st.writes, 1);
  ck_assert_pl_ok(pl_log_sync(log)); /* nothing new: no sync */
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.syncs, 1);
  ck_assert_pl_ok(pl_log_close(log));
  fault_env_free();
}
END_TEST

/* ---- error paths -------------------------------------------------------------------- */

START_TEST(enospc_while_zeroing_the_first_spare_fails_open_cleanly) {
  pl_crash_fault fault = {PL_FAULT_ENOSPC, ".tmp", 1, 0};
  pl_crash_faults *fe;
  pl_log *log;
  pl_log_options o;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe));
  pl_log_options_init(&o);
  o.segment_size = SEG;
  ck_assert_int_eq(pl_log_open(pl_crash_faults_env(fe), dir, &o, &log), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 28); /* ENOSPC */
  ck_assert_msg(strstr(pl_error_message(), ".tmp") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(log);
  ck_assert_int_eq(count_files(dir, "tmp"), 0); /* the partial spare is gone */
  ck_assert_int_eq(count_files(dir, "log"), 0);
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(enospc_while_zeroing_a_spare_fails_only_the_append_that_needs_it) {
  /* The background spare fails (2nd .tmp write), so does the roll's own
   * attempt (3rd); the append that needed it fails, nothing sticks, and
   * once space is back (no more faults) the log goes on. */
  pl_crash_fault faults[2] = {{PL_FAULT_ENOSPC, ".tmp", 2, 0}, {PL_FAULT_ENOSPC, ".tmp", 3, 0}};
  pl_crash_faults *fe;
  pl_log *log;
  pl_log_stats st;
  char rec[300];
  pl_status s = PL_OK;
  int i;
  got g;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), faults, 2, &fe));
  log = open_log(pl_crash_faults_env(fe), PL_LOG_SYNC_EACH, SEG, 1);
  ck_assert_int_eq(pl_log_wait_spares(log), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 28);
  for (i = 0; i < 400 && s == PL_OK; i++) {
    make_record(rec, i, sizeof rec, 'F');
    s = pl_log_append(log, rec, sizeof rec);
  }
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 28);
  i--; /* record i was not appended */
  pl_log_stats_get(log, &st);
  ck_assert_uint_ge(st.spare_failures, 2);
  make_record(rec, i, sizeof rec, 'F');
  ck_assert_pl_ok(pl_log_append(log, rec, sizeof rec)); /* not sticky */
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, i + 1);
  expect_records(&g, 0, 0, i + 1, sizeof rec, 'F');
  got_free(&g);
  ck_assert_int_eq(count_files(dir, "tmp"), 0);
  pl_crash_faults_free(fe);
}
END_TEST

static void sticky_after(pl_crash_fault fault, int durability) {
  pl_crash_faults *fe;
  pl_log *log;
  char rec[100];
  pl_status s = PL_OK, first;
  int i, os;
  char msg[1100];
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &fault, 1, &fe));
  log = open_log(pl_crash_faults_env(fe), (pl_log_durability)durability, SEG, 0);
  for (i = 0; i < 20 && s == PL_OK; i++) {
    make_record(rec, i, sizeof rec, 'X');
    s = pl_log_append(log, rec, sizeof rec);
  }
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(i, 3); /* the third write or sync failed */
  first = s;
  os = pl_error_os();
  snprintf(msg, sizeof msg, "%s", pl_error_message());
  ck_assert_msg(strstr(msg, "injected") != NULL, "%s", msg);
  /* sticky: the OS may have dropped what it failed to write */
  ck_assert_int_eq(pl_log_append(log, rec, sizeof rec), first);
  ck_assert_int_eq(pl_error_os(), os);
  ck_assert_int_eq(pl_log_sync(log), first);
  ck_assert_int_eq(pl_log_roll(log, NULL), first);
  ck_assert_int_eq(pl_log_close(log), first);
  ck_assert_int_eq(pl_crash_faults_injected(fe), 1);
  pl_crash_faults_free(fe);
}

START_TEST(eio_on_sync_is_sticky_with_linux_semantics) {
  /* A segment is opened under its spare's name, then renamed. */
  pl_crash_fault f = {PL_FAULT_SYNC_EIO, ".zero", 3, 0};
  sticky_after(f, PL_LOG_SYNC_EACH);
}
END_TEST

START_TEST(eio_on_sync_is_sticky_under_group_commit) {
  pl_crash_fault f = {PL_FAULT_SYNC_EIO, ".zero", 3, 0};
  sticky_after(f, PL_LOG_SYNC_GROUP);
}
END_TEST

START_TEST(a_short_write_is_sticky) {
  pl_crash_fault f = {PL_FAULT_SHORT_WRITE, ".zero", 3, 1000};
  sticky_after(f, PL_LOG_SYNC_EACH);
}
END_TEST

START_TEST(a_failed_rename_of_a_spare_fails_open) {
  pl_log *log;
  pl_log_options o;
  fault_env_init();
  fault_env_fail(PL_FAULT_RENAME_EIO, 2); /* the first is the spare's .tmp -> .zero */
  pl_log_options_init(&o);
  o.segment_size = SEG;
  ck_assert_int_eq(pl_log_open(fault_env(), dir, &o, &log), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected rename") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(log);
  ck_assert_int_eq(fault_env_stats().injected, 1);
  fault_env_free();
}
END_TEST

START_TEST(a_missing_parent_directory_is_not_found) {
  pl_log *log;
  char path[1300];
  pl_test_path(path, sizeof path, root, "no/such/dir");
  ck_assert_int_eq(pl_log_open(pl_env_default(), path, NULL, &log), PL_NOT_FOUND);
  ck_assert_ptr_null(log);
}
END_TEST

START_TEST(a_directory_that_is_a_file_fails_open) {
  pl_log *log;
  char path[1300];
  pl_test_path(path, sizeof path, root, "plain");
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, "x", 1, 0));
  ck_assert_int_ne(pl_log_open(pl_env_default(), path, NULL, &log), PL_OK);
  ck_assert_ptr_null(log);
}
END_TEST

START_TEST(a_log_directory_it_creates_is_made_durable) {
  pl_log *log;
  char ops[64];
  fault_env_init();
  log = open_log(fault_env(), PL_LOG_SYNC_EACH, SEG, 0);
  /* D first: the parent, for the new directory's entry */
  pl_crash_faults_ops(fault_env_faults(), ops, sizeof ops);
  ck_assert_msg(ops[0] == 'D', "durable operations: %s", ops);
  ck_assert_pl_ok(pl_log_close(log));
  fault_env_free();
}
END_TEST

#if !defined(_WIN32)
START_TEST(rlimit_fsize_while_zeroing_is_reported_not_sticky) {
  /* A file-size limit below the segment size: every spare fails with
   * EFBIG (SIGXFSZ ignored), the real OS error on a real file system. */
  struct rlimit old, lim;
  pl_log *log;
  pl_log_options o;
  pl_status s;
  signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = SEG / 2;
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  pl_log_options_init(&o);
  o.segment_size = SEG;
  s = pl_log_open(pl_env_default(), dir, &o, &log);
  setrlimit(RLIMIT_FSIZE, &old);
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), ".tmp") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(count_files(dir, "tmp"), 0);
  /* with the limit gone, the same directory opens */
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  ck_assert_pl_ok(pl_log_close(log));
}
END_TEST

#endif

/* An env whose file system refuses direct I/O, as the platform env says it
 * (tmpfs before Linux 6.6, some FUSE and network file systems). */
static pl_status refuse_direct(pl_env *e, const char *path, const pl_writable_options *opt,
                               pl_writable_file **out) {
  if (opt && (opt->flags & PL_WRITABLE_DIRECT)) {
    *out = NULL;
    return pl_error_set(PL_NOT_SUPPORTED, 22, "%s: the file system refuses direct I/O (O_DIRECT)",
                        path);
  }
  return pl_env_new_appendable(((pl_env_wrapper *)e)->target, path, opt, out);
}

START_TEST(direct_io_refused_by_the_file_system_falls_back_or_fails_clearly) {
  pl_env_wrapper w;
  pl_log *log;
  pl_log_options o;
  pl_log_stats st;
  got g;
  pl_env_wrapper_init(&w, pl_env_default(), "no-direct");
  w.env.new_appendable = refuse_direct;
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.direct = PL_LOG_DIRECT_REQUIRE;
  ck_assert_int_eq(pl_log_open(&w.env, dir, &o, &log), PL_NOT_SUPPORTED);
  ck_assert_msg(strstr(pl_error_message(), "refuses direct I/O") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(log);
  o.direct = PL_LOG_DIRECT_TRY;
  ck_assert_pl_ok(pl_log_open(&w.env, dir, &o, &log));
  pl_log_stats_get(log, &st);
  ck_assert_int_eq(st.direct, 0);
  ck_assert_msg(strstr(st.direct_note, "refuses direct I/O") != NULL, "%s", st.direct_note);
  append_n(log, 0, 300, 300, 'H'); /* and after rolls */
  pl_log_stats_get(log, &st);
  ck_assert_int_eq(st.direct, 0);
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 300);
  got_free(&g);
}
END_TEST

START_TEST(direct_io_where_the_file_system_allows_it) {
  pl_log *log;
  pl_log_options o;
  pl_log_stats st;
  got g;
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.direct = PL_LOG_DIRECT_TRY;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  append_n(log, 0, 300, 300, 'J'); /* rolls, in direct mode too */
  pl_log_stats_get(log, &st);
  if (!st.direct) pl_test_note_skip(st.direct_note, "direct_io_where_the_file_system_allows_it");
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 300);
  expect_records(&g, 0, 0, 300, 300, 'J');
  got_free(&g);
}
END_TEST

START_TEST(unknown_durability_and_direct_modes_are_invalid_argument) {
  pl_log_options o;
  pl_log *log = (pl_log *)1;
  pl_log_options_init(&o);
  o.durability = (pl_log_durability)99;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "unknown durability") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(log);
  pl_log_options_init(&o);
  o.direct = (pl_log_direct)99;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "unknown direct mode") != NULL, "%s", pl_error_message());
  o.direct = PL_LOG_DIRECT_OFF;
  o.recycle = 33;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "recycle must be 0 to 32") != NULL, "%s", pl_error_message());
}
END_TEST

START_TEST(open_removes_unfinished_zeroing_and_spares_of_another_size) {
  /* What a crash while zeroing a spare leaves (a .tmp), and a spare made
   * for another segment size: neither is ever used. */
  char tmp[1300], odd[1300];
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 3, 100, 'T');
  ck_assert_pl_ok(pl_log_close(log));
  pl__log_name(tmp, sizeof tmp, dir, 0x63, "tmp");
  pl__log_name(odd, sizeof odd, dir, 0x64, "zero");
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), tmp, "half", 4, 0));
  ck_assert_pl_ok(pl_file_write_all(pl_env_default(), odd, "short", 5, 0));
  log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  ck_assert_int_eq(pl_env_file_exists(pl_env_default(), tmp), PL_NOT_FOUND);
  ck_assert_int_eq(pl_env_file_exists(pl_env_default(), odd), PL_NOT_FOUND);
  append_n(log, 3, 1, 100, 'T');
  ck_assert_pl_ok(pl_log_close(log));
}
END_TEST

START_TEST(resume_offset_past_the_last_whole_record_is_invalid_argument) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  append_n(log, 0, 3, 100, 'P');
  ck_assert_pl_ok(pl_log_close(log));
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.resume_log = 1;
  o.resume_offset = 10 * 115;
  log = (pl_log *)1;
  ck_assert_int_eq(pl_log_open(pl_env_default(), dir, &o, &log), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "past the last whole record (which ends at 345)") != NULL, "%s",
                pl_error_message());
  ck_assert_ptr_null(log);
}
END_TEST

START_TEST(resuming_in_an_earlier_segment_releases_every_later_one) {
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  got g;
  append_n(log, 0, 5, 100, 'R');
  ck_assert_pl_ok(pl_log_close(log));
  log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 5, 5, 100, 'R');
  ck_assert_pl_ok(pl_log_close(log));
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.spares = 0;
  o.resume_log = 1;
  o.resume_offset = 3 * 115;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  append_n(log, 100, 2, 100, 'S');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 5);
  expect_records(&g, 0, 0, 3, 100, 'R');
  expect_records(&g, 3, 100, 2, 100, 'S');
  ck_assert_uint_gt(g.log_number[3], 2);
  got_free(&g);
}
END_TEST

START_TEST(every_drop_reason_has_a_name) {
  static const char *const names[] = {"unknown", "truncated", "zeros", "bad header", "bad checksum",
                                      "stale record", "partial record", "orphan fragment",
                                      "unsealed segment", "missing segment", "after damage",
                                      "segment not in the chain"};
  int i;
  for (i = 0; i <= 11; i++) ck_assert_str_eq(pl_log_drop_reason_name((pl_log_drop_reason)i), names[i]);
  ck_assert_str_eq(pl_log_drop_reason_name((pl_log_drop_reason)99), "unknown");
}
END_TEST

START_TEST(a_stray_segment_no_seal_leads_to_is_reported_not_in_the_chain) {
  /* Segment 1's seal names segment 100 (first_log_number moved the
   * numbering on): a segment 2 found beside them is in no chain. */
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  pl_log_options o;
  char stray[1300];
  got g;
  append_n(log, 0, 3, 100, 'F');
  ck_assert_pl_ok(pl_log_close(log));
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.first_log_number = 100;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), dir, &o, &log));
  append_n(log, 3, 3, 100, 'F');
  ck_assert_pl_ok(pl_log_close(log));
  seg_path(stray, sizeof stray, dir, 2);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), stray, "stray", 5, 0));
  read_log(dir, PL_LOG_SKIP_CORRUPTED, 0, &g);
  ck_assert_int_eq(g.records, 6);
  expect_records(&g, 0, 0, 6, 100, 'F');
  ck_assert_int_eq(g.ndrops, 1);
  ck_assert_int_eq(g.drops[0].reason, PL_LOG_DROP_NOT_IN_CHAIN);
  ck_assert_uint_eq(g.drops[0].log_number, 2);
  ck_assert_uint_eq(g.drops[0].length, 5);
  got_free(&g);
}
END_TEST

START_TEST(a_segment_that_cannot_be_read_stops_the_reader_with_its_error) {
  /* A directory where segment 1 should be: listed like a segment, but
   * reading it fails. */
  char path[1300];
  got g;
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), dir));
  seg_path(path, sizeof path, dir, 1);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), path));
  read_log(dir, PL_LOG_SKIP_CORRUPTED, 0, &g);
  ck_assert_int_ne(g.status, PL_OK);
  ck_assert_int_eq(g.records, 0);
  got_free(&g);
}
END_TEST

static pl_status refuse_listing(pl_env *e, const char *d, pl_strlist *out) {
  (void)e;
  (void)out;
  return pl_error_set(PL_IO_ERROR, 5, "%s: listing refused", d);
}

START_TEST(a_directory_that_cannot_be_listed_fails_the_reader_open) {
  pl_env_wrapper w;
  pl_log_reader *r = (pl_log_reader *)1;
  pl_env_wrapper_init(&w, pl_env_default(), "no-listing");
  w.env.list_children = refuse_listing;
  ck_assert_int_eq(pl_log_reader_open(&w.env, dir, NULL, &r), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), 5);
  ck_assert_msg(strstr(pl_error_message(), "listing refused") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(names_that_are_not_segment_names_are_left_alone) {
  /* Not 16 lowercase hex digits and a known extension: neither read nor
   * removed, by the writer or the reader. */
  static const char *const others[] = {"000000000000000g.log", "0000000000000001.txt", "000000000000000A.log",
                                       "0000000000000001.logx", "notes"};
  char p[1300];
  size_t i;
  got g;
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 0, 2, 100, 'N');
  for (i = 0; i < sizeof others / sizeof others[0]; i++) {
    pl_test_path(p, sizeof p, dir, others[i]);
    ck_assert_pl_ok(pl_file_write_all(pl_env_default(), p, "other", 5, 0));
  }
  ck_assert_pl_ok(pl_log_close(log));
  log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  append_n(log, 2, 1, 100, 'N');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 3);
  expect_records(&g, 0, 0, 3, 100, 'N');
  ck_assert_int_eq(g.ndrops, 0);
  got_free(&g);
  for (i = 0; i < sizeof others / sizeof others[0]; i++)
    ck_assert_pl_ok(pl_env_file_exists(pl_env_default(), pl_test_path(p, sizeof p, dir, others[i])));
}
END_TEST

START_TEST(a_seal_that_does_not_fit_in_its_block_follows_a_pad) {
  /* One record leaves 20 bytes of the first block: room for a header, not
   * for a seal.  Closing, and reopening a crashed copy, both pad the block
   * and seal in the next. */
  const size_t len = PL_LOG_BLOCK_SIZE - 20 - PL_LOG_HEADER_SIZE;
  pl_log_options o;
  pl_log *log = open_log(pl_env_default(), PL_LOG_SYNC_EACH, SEG, 0);
  got g;
  append_n(log, 0, 1, len, 'Q');
  snapshot();
  ck_assert_pl_ok(pl_log_close(log));
  read_log(dir, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 1);
  expect_records(&g, 0, 0, 1, len, 'Q');
  got_free(&g);
  pl_log_options_init(&o);
  o.segment_size = SEG;
  o.spares = 0;
  ck_assert_pl_ok(pl_log_open(pl_env_default(), snap, &o, &log));
  append_n(log, 1, 1, 100, 'Q');
  ck_assert_pl_ok(pl_log_close(log));
  read_log(snap, PL_LOG_ABSOLUTE, 0, &g);
  ck_assert_pl_ok(g.status);
  ck_assert_int_eq(g.records, 2);
  expect_records(&g, 0, 0, 1, len, 'Q');
  expect_records(&g, 1, 1, 1, 100, 'Q');
  ck_assert_int_eq(g.ndrops, 0);
  got_free(&g);
}
END_TEST

START_TEST(a_roll_whose_seal_cannot_be_synced_fails_and_starts_no_segment) {
  /* Without per-append syncs the seal's sync is the segment's first. */
  /* (the segment was opened by its spare name) */
  static const pl_crash_fault sync_fails = {PL_FAULT_SYNC_EIO, ".zero", 1, 0};
  pl_log *log;
  pl_log_stats st;
  uint64_t segments;
  char buf[100];
  fault_env_init();
  log = open_log(fault_env(), PL_LOG_SYNC_NONE, SEG, 1);
  append_n(log, 0, 3, 100, 'W');
  pl_log_stats_get(log, &st);
  segments = st.segments;
  ck_assert_pl_ok(pl_crash_faults_add(fault_env_faults(), &sync_fails));
  ck_assert_int_eq(pl_log_roll(log, NULL), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected sync") != NULL, "%s", pl_error_message());
  pl_log_stats_get(log, &st);
  ck_assert_uint_eq(st.segments, segments); /* no new segment began */
  /* sticky: nothing more is accepted */
  make_record(buf, 3, sizeof buf, 'W');
  ck_assert_int_eq(pl_log_append(log, buf, sizeof buf), PL_IO_ERROR);
  pl_log_close(log);
  fault_env_free();
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "log", "log", setup, teardown, 120);
  tcase_add_test(tc, records_read_back_in_order_when_each_append_syncs);
  tcase_add_test(tc, records_read_back_in_order_with_group_commit);
  tcase_add_test(tc, records_read_back_in_order_without_syncs);
  tcase_add_test(tc, a_record_too_large_for_a_segment_is_invalid_argument);
  tcase_add_test(tc, bad_options_are_invalid_argument);
  tcase_add_test(tc, fragments_never_cross_a_block_and_trailers_are_zero);
  tcase_add_test(tc, a_full_segment_is_sealed_and_the_next_starts_from_a_spare);
  tcase_add_test(tc, spares_are_zeroed_and_synced_off_the_append_path);
  tcase_add_test(tc, released_segments_are_recycled_and_their_records_never_come_back);
  tcase_add_test(tc, release_never_touches_the_current_segment);
  tcase_add_test(tc, reopening_seals_the_last_segment_and_starts_a_new_one);
  tcase_add_test(tc, reopening_after_a_crash_drops_the_torn_tail_and_keeps_the_rest);
  tcase_add_test(tc, reopening_over_synced_damage_is_corruption_until_resumed);
  tcase_add_test(tc, first_log_number_moves_the_numbering_on_and_the_chain_follows);
  tcase_add_test(tc, resume_at_an_offset_inside_a_record_is_invalid_argument);
  tcase_add_test(tc, an_unsealed_log_that_ends_in_zeros_is_clean_in_every_mode);
  tcase_add_test(tc, a_torn_record_at_the_tail_is_dropped_and_reported);
  tcase_add_test(tc, a_garbage_tail_is_dropped_and_reported);
  tcase_add_test(tc, a_stale_record_of_an_earlier_life_is_never_returned);
  tcase_add_test(tc, zeros_followed_by_written_bytes_are_a_hole);
  tcase_add_test(tc, a_truncated_segment_is_dropped_at_its_last_whole_record);
  tcase_add_test(tc, a_partial_record_missing_its_last_fragment_is_dropped);
  tcase_add_test(tc, synced_damage_is_corruption_point_in_time_stops_and_skip_goes_on);
  tcase_add_test(tc, a_missing_middle_segment_is_a_gap_no_mode_reads_across_silently);
  tcase_add_test(tc, a_segment_cut_before_its_seal_is_corruption_unless_last);
  tcase_add_test(tc, a_missing_directory_is_an_empty_log);
  tcase_add_test(tc, any_bytes_parse_without_harm_through_the_file_entry_point);
  tcase_add_test(tc, a_new_segments_name_is_synced_before_any_record_in_it);
  tcase_add_test(tc, every_write_is_whole_pages_from_memory);
  tcase_add_test(tc, concurrent_group_commit_appends_keep_each_threads_order);
  tcase_add_test(tc, sync_makes_unsynced_appends_durable);
  tcase_add_test(tc, enospc_while_zeroing_the_first_spare_fails_open_cleanly);
  tcase_add_test(tc, enospc_while_zeroing_a_spare_fails_only_the_append_that_needs_it);
  tcase_add_test(tc, eio_on_sync_is_sticky_with_linux_semantics);
  tcase_add_test(tc, eio_on_sync_is_sticky_under_group_commit);
  tcase_add_test(tc, a_short_write_is_sticky);
  tcase_add_test(tc, a_failed_rename_of_a_spare_fails_open);
  tcase_add_test(tc, a_missing_parent_directory_is_not_found);
  tcase_add_test(tc, a_directory_that_is_a_file_fails_open);
  tcase_add_test(tc, a_log_directory_it_creates_is_made_durable);
  PL_TEST_POSIX_ONLY(tc, rlimit_fsize_while_zeroing_is_reported_not_sticky);
  tcase_add_test(tc, direct_io_refused_by_the_file_system_falls_back_or_fails_clearly);
  tcase_add_test(tc, direct_io_where_the_file_system_allows_it);
  tcase_add_test(tc, unknown_durability_and_direct_modes_are_invalid_argument);
  tcase_add_test(tc, open_removes_unfinished_zeroing_and_spares_of_another_size);
  tcase_add_test(tc, resume_offset_past_the_last_whole_record_is_invalid_argument);
  tcase_add_test(tc, resuming_in_an_earlier_segment_releases_every_later_one);
  tcase_add_test(tc, every_drop_reason_has_a_name);
  tcase_add_test(tc, a_stray_segment_no_seal_leads_to_is_reported_not_in_the_chain);
  tcase_add_test(tc, a_segment_that_cannot_be_read_stops_the_reader_with_its_error);
  tcase_add_test(tc, a_directory_that_cannot_be_listed_fails_the_reader_open);
  tcase_add_test(tc, names_that_are_not_segment_names_are_left_alone);
  tcase_add_test(tc, a_seal_that_does_not_fit_in_its_block_follows_a_pad);
  tcase_add_test(tc, a_roll_whose_seal_cannot_be_synced_fails_and_starts_no_segment);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
