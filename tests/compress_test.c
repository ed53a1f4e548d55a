/* Compressed files (plinth/compress.h): round trips, what sync promises,
 * counters, and the reader's verdict on every kind of damage: a truncated
 * file, a zero-filled tail, a corrupt chunk in the middle, a chunk of
 * another stream; the error paths (ENOSPC and failures of the file
 * underneath, sticky afterwards; RLIMIT_FSIZE).  In a build without
 * libzstd, the one case that runs checks that the feature says so. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <signal.h>
#include <sys/resource.h>
#endif

#include "tests/fault_env.h"
#include "tests/test_util.h"

static char dir[1024];
static char path[1200];

static void setup(void) { fault_env_fixture(dir, sizeof dir, path, sizeof path, "compress", "log.zst"); }
static void teardown(void) { fault_env_fixture_end(dir); }

/* n bytes of JSON-like log lines, the same for the same seed. */
static char *log_text(size_t n, uint32_t seed) {
  static const char *const levels[] = {"info", "warn", "debug", "error"};
  static const char *const users[] = {"alice", "bob", "carol", "dave", "erin"};
  char *t = malloc(n + 200);
  size_t len = 0;
  uint32_t x = seed * 2654435761u + 1;
  int i = 0;
  while (len < n) {
    x = x * 1103515245u + 12345u;
    len += (size_t)snprintf(t + len, 200,
                            "{\"ts\":%u,\"seq\":%d,\"level\":\"%s\",\"user\":\"%s\",\"latency_us\":%u,\"msg\":\"request done\"}\n",
                            1700000000u + (unsigned)i, i, levels[(x >> 8) & 3], users[(x >> 12) % 5],
                            (x >> 16) % 5000);
    i++;
  }
  return t;
}

static pl_writable_file *open_compressed(const pl_compress_options *co) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_compressed_writable(pl_env_default(), path, NULL, co, &f));
  return f;
}

/* Reads the whole stream at p; returns the bytes (caller frees), fills *n,
 * *end and the status of the final read. */
static char *read_stream(const char *p, int tail_is_eof, size_t *n, pl_compress_end *end,
                         pl_status *last) {
  pl_compress_read_options ro;
  pl_sequential_file *in;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  pl_status s;
  memset(&ro, 0, sizeof ro);
  ro.tail_is_eof = tail_is_eof;
  ck_assert_pl_ok(pl_env_new_compressed_sequential(pl_env_default(), p, &ro, &in));
  for (;;) {
    if (cap - len < 4096) buf = realloc(buf, cap *= 2);
    s = pl_sequential_read(in, buf + len, 1 + (len % 5000), &got); /* odd sizes */
    if (s != PL_OK || got == 0) break;
    len += got;
  }
  *last = s;
  ck_assert_pl_ok(pl_compress_read_end(in, end));
  pl_sequential_close(in);
  *n = len;
  return buf;
}

static uint64_t file_size(const char *p) {
  uint64_t n = 0;
  ck_assert_pl_ok(pl_env_file_size(pl_env_default(), p, &n));
  return n;
}

/* Keeps the first n bytes of path (rewritten through the platform env). */
static void cut_file(const char *p, uint64_t n) {
  char *data;
  size_t len;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &data, &len));
  ck_assert_uint_le(n, len);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), p, data, (size_t)n, 0));
  free(data);
}

/* ---- round trips ------------------------------------------------------------- */

START_TEST(appends_read_back_exactly_after_close) {
  static const size_t sizes[] = {0, 1, 100, 4096, 65536, 300000, 7};
  char *text = log_text(700000, 1), *back;
  size_t i, off = 0, n;
  pl_compress_end end;
  pl_status last;
  pl_writable_file *f = open_compressed(NULL);
  pl_iovec v[3];
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    ck_assert_pl_ok(pl_writable_append(f, text + off, sizes[i]));
    off += sizes[i];
  }
  v[0].base = text + off, v[0].len = 10;
  v[1].base = text + off + 10, v[1].len = 0;
  v[2].base = text + off + 10, v[2].len = 5000;
  ck_assert_pl_ok(pl_writable_appendv(f, v, 3));
  off += 5010;
  ck_assert_pl_ok(pl_writable_appendf(f, "%.*s", 20, text + off));
  off += 20;
  ck_assert_uint_eq(pl_writable_tell(f), off);
  ck_assert_pl_ok(pl_writable_close(f));
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_pl_ok(last);
  ck_assert_uint_eq(n, off);
  ck_assert_mem_eq(back, text, off);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_CLOSED);
  ck_assert_uint_eq(end.offset, file_size(path));
  ck_assert_uint_eq(end.bytes, off);
  ck_assert_uint_eq(end.flushed, off);
  free(back);
  free(text);
}
END_TEST

START_TEST(every_level_and_frame_mode_round_trips) {
  static const int levels[] = {-5, 1, 3, 9, 19};
  char *text = log_text(150000, 2), *back;
  size_t i, n;
  int mode;
  pl_compress_end end;
  pl_status last;
  for (mode = 0; mode < 2; mode++) {
    for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
      pl_compress_options co;
      pl_writable_file *f;
      pl_compress_options_init(&co);
      co.level = levels[i];
      co.frame_per_sync = mode;
      co.chunk_size = PL_COMPRESS_MIN_CHUNK;
      f = open_compressed(&co);
      ck_assert_pl_ok(pl_writable_append(f, text, 50000));
      ck_assert_pl_ok(pl_writable_sync(f));
      ck_assert_pl_ok(pl_writable_append(f, text + 50000, 100000));
      ck_assert_pl_ok(pl_writable_flush(f));
      ck_assert_pl_ok(pl_writable_close(f));
      back = read_stream(path, 0, &n, &end, &last);
      ck_assert_pl_ok(last);
      ck_assert_uint_eq(n, 150000);
      ck_assert_mem_eq(back, text, n);
      ck_assert_int_eq(end.kind, PL_COMPRESS_END_CLOSED);
      free(back);
    }
  }
  free(text);
}
END_TEST

START_TEST(synced_stream_reads_back_whole_before_close) {
  char *text = log_text(20000, 3), *back;
  size_t n;
  pl_compress_end end;
  pl_status last;
  pl_writable_file *f = open_compressed(NULL);
  ck_assert_pl_ok(pl_writable_append(f, text, 12345));
  ck_assert_pl_ok(pl_writable_sync(f));
  /* The writer is still open: the reader sees every synced byte, and an
   * open stream (no closing chunk), not damage. */
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_pl_ok(last);
  ck_assert_uint_eq(n, 12345);
  ck_assert_mem_eq(back, text, n);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_OPEN);
  ck_assert_uint_eq(end.flushed, 12345);
  ck_assert_uint_eq(end.offset, file_size(path));
  free(back);
  ck_assert_pl_ok(pl_writable_close(f));
  free(text);
}
END_TEST

START_TEST(counters_report_bytes_in_out_and_ratio) {
  char *text = log_text(400000, 4);
  pl_compress_stats cs;
  pl_writable_stats ws;
  pl_writable_file *f = open_compressed(NULL);
  ck_assert_pl_ok(pl_compress_stats_get(f, &cs));
  ck_assert_uint_eq(cs.bytes_in, 0);
  ck_assert_uint_eq(cs.chunks, 1); /* the stream's header */
  ck_assert_uint_eq(cs.bytes_out, 28 + 24);
  ck_assert_pl_ok(pl_writable_append(f, text, 400000));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_sync(f)); /* nothing new: no chunk */
  ck_assert_pl_ok(pl_compress_stats_get(f, &cs));
  ck_assert_uint_eq(cs.bytes_in, 400000);
  ck_assert_uint_eq(cs.flushes, 1);
  ck_assert_uint_eq(cs.bytes_out, file_size(path));
  ck_assert_msg(cs.ratio > 4.0, "log lines compress: ratio %.2f", cs.ratio);
  ck_assert_msg(cs.ratio == (double)cs.bytes_in / (double)cs.bytes_out, "ratio");
  pl_writable_stats_get(f, &ws);
  ck_assert_uint_eq(ws.bytes, 400000);
  ck_assert_uint_eq(ws.appends, 1);
  ck_assert_uint_eq(ws.syncs, 2);
  ck_assert_uint_eq(ws.os_writes, cs.chunks);
  ck_assert_pl_ok(pl_writable_close(f));
  free(text);
}
END_TEST

START_TEST(per_sync_frames_cost_ratio_and_flushed_blocks_do_not) {
  /* 400 syncs of 500 bytes each: ending the frame forgets the history at
   * every sync, ending the block does not. */
  char *text = log_text(200000, 5);
  double ratio[2];
  int mode, i;
  for (mode = 0; mode < 2; mode++) {
    pl_compress_options co;
    pl_compress_stats cs;
    pl_writable_file *f;
    pl_compress_options_init(&co);
    co.frame_per_sync = mode;
    f = open_compressed(&co);
    for (i = 0; i < 400; i++) {
      ck_assert_pl_ok(pl_writable_append(f, text + i * 500, 500));
      ck_assert_pl_ok(pl_writable_sync(f));
    }
    ck_assert_pl_ok(pl_compress_stats_get(f, &cs));
    ratio[mode] = cs.ratio;
    ck_assert_pl_ok(pl_writable_close(f));
  }
  ck_assert_msg(ratio[0] > ratio[1] * 1.3, "block flush %.2f vs frame per sync %.2f", ratio[0],
                ratio[1]);
  free(text);
}
END_TEST

START_TEST(positional_writes_and_preallocation_are_not_supported) {
  pl_writable_file *f = open_compressed(NULL);
  pl_compress_stats cs;
  pl_compress_end end;
  pl_sequential_file *plain;
  ck_assert_int_eq(pl_writable_write_at(f, 0, "x", 1), PL_NOT_SUPPORTED);
  ck_assert_int_eq(pl_writable_allocate(f, 0, 4096), PL_NOT_SUPPORTED);
  ck_assert_pl_ok(pl_writable_append(f, "still fine", 10)); /* not sticky */
  ck_assert_pl_ok(pl_writable_close(f));
  /* The counters and the verdict belong to compressed files only. */
  ck_assert_pl_ok(pl_env_new_writable(pl_env_default(), path, NULL, &f));
  ck_assert_int_eq(pl_compress_stats_get(f, &cs), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_new_sequential(pl_env_default(), path, &plain));
  ck_assert_int_eq(pl_compress_read_end(plain, &end), PL_INVALID_ARGUMENT);
  pl_sequential_close(plain);
}
END_TEST

START_TEST(options_out_of_range_are_refused) {
  pl_compress_options co;
  pl_writable_file *f = NULL;
  pl_compress_options_init(&co);
  co.level = 99;
  ck_assert_int_eq(pl_env_new_compressed_writable(pl_env_default(), path, NULL, &co, &f), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(f);
  ck_assert_msg(strstr(pl_error_message(), "level 99") != NULL, "%s", pl_error_message());
  pl_compress_options_init(&co);
  co.chunk_size = 100;
  ck_assert_int_eq(pl_env_new_compressed_writable(pl_env_default(), path, NULL, &co, &f), PL_INVALID_ARGUMENT);
  co.chunk_size = PL_COMPRESS_MAX_CHUNK + 1;
  ck_assert_int_eq(pl_env_new_compressed_writable(pl_env_default(), path, NULL, &co, &f), PL_INVALID_ARGUMENT);
  pl_compress_options_init(&co);
  co.algorithm = 42;
  ck_assert_int_eq(pl_env_new_compressed_writable(pl_env_default(), path, NULL, &co, &f), PL_NOT_SUPPORTED);
  /* nothing was created for a refused open */
  ck_assert_int_eq(pl_env_file_exists(pl_env_default(), path), PL_NOT_FOUND);
}
END_TEST

START_TEST(skip_decompresses_and_discards) {
  char *text = log_text(100000, 6), buf[100];
  size_t got;
  pl_sequential_file *in;
  pl_writable_file *f = open_compressed(NULL);
  ck_assert_pl_ok(pl_writable_append(f, text, 100000));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_new_compressed_sequential(pl_env_default(), path, NULL, &in));
  ck_assert_pl_ok(pl_sequential_skip(in, 77777));
  ck_assert_pl_ok(pl_sequential_read(in, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, sizeof buf);
  ck_assert_mem_eq(buf, text + 77777, sizeof buf);
  ck_assert_pl_ok(pl_sequential_skip(in, 1u << 30)); /* past the end: at the end */
  ck_assert_pl_ok(pl_sequential_read(in, buf, sizeof buf, &got));
  ck_assert_uint_eq(got, 0);
  pl_sequential_close(in);
  free(text);
}
END_TEST

/* ---- damage ------------------------------------------------------------------ */

/* Writes three synced pieces of 30000 bytes (so chunk boundaries are known
 * from file sizes) and returns the file size after each sync in ends[]. */
static char *three_synced_pieces(uint64_t ends[3]) {
  char *text = log_text(90000, 7);
  int i;
  pl_writable_file *f = open_compressed(NULL);
  for (i = 0; i < 3; i++) {
    ck_assert_pl_ok(pl_writable_append(f, text + i * 30000, 30000));
    ck_assert_pl_ok(pl_writable_sync(f));
    ends[i] = file_size(path);
  }
  ck_assert_pl_ok(pl_writable_close(f));
  return text;
}

START_TEST(truncated_file_stops_at_the_last_whole_chunk) {
  uint64_t ends[3], cut;
  char *text = three_synced_pieces(ends), *back, *data;
  size_t n, len;
  pl_compress_end end;
  pl_status last;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, &len));
  /* Cuts inside the third piece's chunk (the second is whole). */
  for (cut = ends[1] + 1; cut < ends[2]; cut += (ends[2] - ends[1]) / 7 + 1) {
    ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, data, (size_t)cut, 0));
    back = read_stream(path, 0, &n, &end, &last);
    ck_assert_int_eq(last, PL_CORRUPTION);
    ck_assert_msg(strstr(pl_error_message(), "truncated chunk at offset") != NULL, "%s", pl_error_message());
    ck_assert_int_eq(end.kind, PL_COMPRESS_END_TRUNCATED);
    ck_assert_uint_eq(end.offset, ends[1]);
    ck_assert_uint_eq(n, 60000);
    ck_assert_uint_eq(end.flushed, 60000);
    ck_assert_mem_eq(back, text, n);
    free(back);
  }
  free(data);
  /* Cut exactly at a chunk's end: whole chunks, an open stream. */
  cut_file(path, ends[0]);
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_pl_ok(last);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_OPEN);
  ck_assert_uint_eq(n, 30000);
  free(back);
  /* Nothing left, or only part of the stream's header. */
  cut_file(path, 10);
  back = read_stream(path, 1, &n, &end, &last);
  ck_assert_pl_ok(last); /* tail_is_eof */
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_TRUNCATED);
  ck_assert_uint_eq(end.offset, 0);
  ck_assert_uint_eq(n, 0);
  free(back);
  cut_file(path, 0);
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_TRUNCATED);
  free(back);
  free(text);
}
END_TEST

START_TEST(zero_filled_tail_is_reported_as_zeros) {
  uint64_t ends[3];
  char *text = three_synced_pieces(ends), *back, *data;
  size_t n, len;
  pl_compress_end end;
  pl_status last;
  /* The third chunk's bytes never reached the disk, but the size did (and
   * more: a grown file). */
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, &len));
  data = realloc(data, (size_t)ends[2] + 5000);
  memset(data + ends[1], 0, (size_t)(ends[2] + 5000 - ends[1]));
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, data, (size_t)ends[2] + 5000, 0));
  back = read_stream(path, 1, &n, &end, &last);
  ck_assert_pl_ok(last);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_ZEROS);
  ck_assert_uint_eq(end.offset, ends[1]);
  ck_assert_uint_eq(n, 60000);
  ck_assert_mem_eq(back, text, n);
  free(back);
  /* Zeros from the very start: nothing, and no garbage. */
  memset(data, 0, (size_t)ends[2]);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, data, (size_t)ends[2], 0));
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_ZEROS);
  ck_assert_uint_eq(end.offset, 0);
  ck_assert_uint_eq(n, 0);
  free(back);
  free(data);
  free(text);
}
END_TEST

START_TEST(corrupt_chunk_in_the_middle_stops_there) {
  uint64_t ends[3];
  char *text = three_synced_pieces(ends), *back, *data;
  size_t n, len;
  pl_compress_end end;
  pl_status last;
  uint64_t at[3];
  int i;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, &len));
  /* One flipped bit in the second chunk's payload, in its length field and
   * in its checksum: each stops the reader at that chunk, with the first
   * piece returned and nothing from the damaged or later chunks. */
  at[0] = ends[0] + 24 + (ends[1] - ends[0] - 24) / 2;
  at[1] = ends[0] + 9;  /* the length */
  at[2] = ends[0] + 1;  /* the header's checksum */
  for (i = 0; i < 3; i++) {
    data[at[i]] ^= 0x10;
    ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, data, len, 0));
    data[at[i]] ^= 0x10;
    back = read_stream(path, 0, &n, &end, &last);
    ck_assert_int_eq(last, PL_CORRUPTION);
    ck_assert_int_eq(end.kind, PL_COMPRESS_END_CHECKSUM);
    ck_assert_uint_eq(end.offset, ends[0]);
    ck_assert_uint_eq(n, 30000);
    ck_assert_mem_eq(back, text, n);
    ck_assert_msg(strstr(pl_error_message(), "torn or corrupt chunk") != NULL, "%s", pl_error_message());
    free(back);
  }
  free(data);
  free(text);
}
END_TEST

START_TEST(chunks_of_an_older_stream_are_not_read_as_this_one) {
  /* An older, longer stream was at this name; the new one overwrote its
   * start but the truncation was lost (as a power loss may do).  The older
   * stream's chunks after the new one's end fail the new stream's check. */
  char *old_text = log_text(90000, 8), *new_text = log_text(30000, 9), *old_data, *new_data, *back;
  size_t old_len, new_len, n, synced_len;
  pl_compress_end end;
  pl_status last;
  pl_writable_file *f = open_compressed(NULL);
  int i;
  for (i = 0; i < 3; i++) {
    ck_assert_pl_ok(pl_writable_append(f, old_text + i * 30000, 30000));
    ck_assert_pl_ok(pl_writable_sync(f));
  }
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &old_data, &old_len));
  f = open_compressed(NULL);
  ck_assert_pl_ok(pl_writable_append(f, new_text, 30000));
  ck_assert_pl_ok(pl_writable_sync(f));
  synced_len = (size_t)file_size(path);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &new_data, &new_len));
  ck_assert_uint_lt(new_len, old_len);
  /* The new stream up to its sync, without its closing chunk (the crash
   * came first), over the old one; the old one's bytes follow. */
  memcpy(old_data, new_data, synced_len);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, old_data, old_len, 0));
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_msg(end.kind == PL_COMPRESS_END_CHECKSUM || end.kind == PL_COMPRESS_END_TRUNCATED,
                "%s", pl_compress_end_name(end.kind));
  ck_assert_uint_eq(end.offset, synced_len);
  ck_assert_uint_eq(n, 30000);
  ck_assert_mem_eq(back, new_text, n);
  free(back);
  free(old_data);
  free(new_data);
  free(old_text);
  free(new_text);
}
END_TEST

START_TEST(old_chunk_at_the_next_position_fails_the_stream_check) {
  /* Two streams whose header and first piece have the same size: the old
   * stream's second chunk sits exactly where the new stream's second chunk
   * would be.  Its sequence number fits; its stream id does not. */
  char *text = log_text(60000, 10), *a, *b, *back, *mixed;
  size_t alen, blen, n;
  uint64_t a_first = 0, b_first = 0;
  pl_compress_end end;
  pl_status last;
  pl_writable_file *f;
  f = open_compressed(NULL);
  ck_assert_pl_ok(pl_writable_append(f, text, 30000));
  ck_assert_pl_ok(pl_writable_sync(f));
  a_first = file_size(path);
  ck_assert_pl_ok(pl_writable_append(f, text + 30000, 30000));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &a, &alen));
  f = open_compressed(NULL);
  ck_assert_pl_ok(pl_writable_append(f, text, 30000));
  ck_assert_pl_ok(pl_writable_sync(f));
  b_first = file_size(path);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &b, &blen));
  ck_assert_uint_eq(a_first, b_first); /* same input, same compressed size */
  mixed = malloc(alen);
  memcpy(mixed, b, (size_t)b_first);
  memcpy(mixed + b_first, a + a_first, alen - (size_t)a_first);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, mixed, alen, 0));
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_CHECKSUM);
  ck_assert_uint_eq(end.offset, b_first);
  ck_assert_uint_eq(n, 30000);
  free(back);
  free(mixed);
  free(a);
  free(b);
  free(text);
}
END_TEST

START_TEST(a_file_that_is_not_a_compressed_stream_yields_nothing) {
  char *back, junk[5000];
  size_t n, i;
  pl_compress_end end;
  pl_status last;
  for (i = 0; i < sizeof junk; i++) junk[i] = (char)('a' + i % 26);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, junk, sizeof junk, 0));
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_CHECKSUM);
  ck_assert_uint_eq(end.offset, 0);
  ck_assert_uint_eq(n, 0);
  free(back);
}
END_TEST

/* A sequential file over memory that fails with EIO once fail_at bytes
 * were read (the compressed reader's source, through the public
 * pl_compress_sequential_new). */
typedef struct mem_file {
  pl_sequential_file base;
  const char *data;
  size_t len, pos, fail_at;
  int *closed;
} mem_file;

static pl_status mem_read(pl_sequential_file *f, void *buf, size_t n, size_t *got) {
  mem_file *m = (mem_file *)f;
  size_t k = m->len - m->pos < n ? m->len - m->pos : n;
  *got = 0;
  if (m->pos >= m->fail_at && k > 0) return pl_error_set(PL_IO_ERROR, EIO, "mem: injected read failure");
  if (m->pos + k > m->fail_at) k = m->fail_at - m->pos;
  memcpy(buf, m->data + m->pos, k);
  m->pos += k;
  *got = k;
  return PL_OK;
}

static pl_status mem_skip(pl_sequential_file *f, uint64_t n) {
  mem_file *m = (mem_file *)f;
  m->pos = n > m->len - m->pos ? m->len : m->pos + (size_t)n;
  return PL_OK;
}

static void mem_close(pl_sequential_file *f) {
  mem_file *m = (mem_file *)f;
  (*m->closed)++;
  free(m);
}

static const pl_sequential_methods mem_methods = {PL_SEQUENTIAL_VERSION, mem_read, mem_skip, mem_close};

static pl_sequential_file *mem_open(const char *data, size_t len, size_t fail_at, int *closed) {
  mem_file *m = calloc(1, sizeof *m);
  m->base.methods = &mem_methods;
  m->data = data;
  m->len = len;
  m->fail_at = fail_at;
  m->closed = closed;
  return &m->base;
}

START_TEST(read_error_underneath_is_returned_not_taken_for_damage) {
  uint64_t ends[3];
  char *text = three_synced_pieces(ends), *data, buf[4096];
  size_t len, got, total = 0;
  int closed = 0;
  pl_status s;
  pl_sequential_file *in;
  pl_compress_end end;
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), path, &data, &len));
  /* the source fails in the middle of the second chunk */
  ck_assert_pl_ok(pl_compress_sequential_new(mem_open(data, len, (size_t)ends[0] + 50, &closed), NULL, &in));
  do {
    s = pl_sequential_read(in, buf, sizeof buf, &got);
    total += got;
  } while (s == PL_OK && got > 0);
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EIO);
  ck_assert_msg(strstr(pl_error_message(), "injected read failure") != NULL, "%s", pl_error_message());
  ck_assert_uint_eq(total, 30000); /* the first piece, nothing after */
  ck_assert_pl_ok(pl_compress_read_end(in, &end));
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_NONE); /* no verdict on the file */
  pl_sequential_close(in);
  ck_assert_int_eq(closed, 1); /* the reader owned its source */
  free(data);
  free(text);
}
END_TEST

START_TEST(stream_after_a_prefix_is_read_from_where_it_starts) {
  /* The stream starts at the end of what the file underneath held. */
  char *text = log_text(5000, 15), *back;
  pl_writable_file *t, *f;
  pl_sequential_file *raw, *in;
  size_t got, n = 0;
  pl_status s;
  pl_compress_end end;
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), path, "PREFIX:", 7, 0));
  ck_assert_pl_ok(pl_env_new_appendable(pl_env_default(), path, NULL, &t));
  ck_assert_pl_ok(pl_compress_writable_new(t, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, text, 5000));
  ck_assert_uint_eq(pl_writable_tell(f), 5000);
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_new_sequential(pl_env_default(), path, &raw));
  ck_assert_pl_ok(pl_sequential_skip(raw, 7));
  ck_assert_pl_ok(pl_compress_sequential_new(raw, NULL, &in));
  back = malloc(8000);
  do {
    s = pl_sequential_read(in, back + n, 8000 - n, &got);
    n += got;
  } while (s == PL_OK && got > 0);
  ck_assert_pl_ok(s);
  ck_assert_uint_eq(n, 5000);
  ck_assert_mem_eq(back, text, n);
  ck_assert_pl_ok(pl_compress_read_end(in, &end));
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_CLOSED);
  ck_assert_uint_eq(end.offset + 7, file_size(path)); /* from the stream's start */
  pl_sequential_close(in);
  free(back);
  free(text);
}
END_TEST

/* ---- errors of the file underneath ------------------------------------------- */

START_TEST(failed_append_underneath_is_sticky) {
  /* The 3rd append to the file underneath fails (the header is the 1st, a
   * chunk written by sync the 2nd). */
  char *text = log_text(200000, 11);
  pl_writable_file *f;
  pl_compress_options co;
  pl_compress_options_init(&co);
  co.chunk_size = PL_COMPRESS_MIN_CHUNK;
  fault_env_fail(PL_FAULT_APPEND_EIO, 3);
  ck_assert_pl_ok(pl_env_new_compressed_writable(fault_env(), path, NULL, &co, &f));
  ck_assert_pl_ok(pl_writable_append(f, text, 1000));
  ck_assert_pl_ok(pl_writable_sync(f));
  /* enough to fill a chunk: the failing append happens here */
  ck_assert_int_eq(pl_writable_append(f, text, 200000), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected append") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "x", 1), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected append") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  free(text);
}
END_TEST

START_TEST(failed_sync_underneath_is_sticky) {
  pl_writable_file *f;
  fault_env_fail(PL_FAULT_SYNC_EIO, 2);
  ck_assert_pl_ok(pl_env_new_compressed_writable(fault_env(), path, NULL, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, "one", 3));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_append(f, "two", 3));
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_append(f, "three", 5), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected sync") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
}
END_TEST

START_TEST(no_space_for_a_flushed_chunk_is_sticky_and_keeps_the_synced_stream) {
  /* The file underneath fills up (ENOSPC, nothing written) when the flush
   * hands it the second piece's chunk: flush reports it, every later call
   * repeats it, and the file still reads back the first, synced piece. */
  char *text = log_text(20000, 14), *back;
  pl_writable_options wo;
  pl_writable_file *f;
  size_t n;
  pl_compress_end end;
  pl_status last;
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  ck_assert_pl_ok(pl_env_new_compressed_writable(fault_env(), path, &wo, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, text, 10000));
  ck_assert_pl_ok(pl_writable_sync(f));
  fault_env_fail(PL_FAULT_ENOSPC, 1);
  ck_assert_pl_ok(pl_writable_append(f, text + 10000, 10000));
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_msg(strstr(pl_error_message(), "No space left") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "x", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_pl_ok(last);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_OPEN);
  ck_assert_uint_eq(n, 10000);
  ck_assert_mem_eq(back, text, n);
  free(back);
  free(text);
}
END_TEST

START_TEST(failed_header_write_fails_the_open) {
  pl_writable_file *t, *f = NULL;
  pl_writable_options wo;
  pl_writable_options_init(&wo);
  wo.buffer_size = 0; /* the header's append reaches the fault at once */
  fault_env_fail(PL_FAULT_APPEND_EIO, 1);
  ck_assert_pl_ok(pl_env_new_writable(fault_env(), path, &wo, &t));
  ck_assert_int_eq(pl_compress_writable_new(t, NULL, &f), PL_IO_ERROR);
  ck_assert_ptr_null(f);
  /* the file underneath is still the caller's */
  ck_assert_int_eq(pl_writable_close(t), PL_OK);
  fault_env_fail(PL_FAULT_APPEND_EIO, 1);
  ck_assert_int_eq(pl_env_new_compressed_writable(fault_env(), path, &wo, NULL, &f), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "injected append") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(f);
}
END_TEST

#if !defined(_WIN32)
START_TEST(enospc_during_a_flush_is_reported_and_sticky) {
  pl_writable_file *f;
  char *text = log_text(10000, 12);
  if (pl_env_file_exists(pl_env_default(), "/dev/full") != PL_OK) return;
  /* /dev/full takes the open; the header waits in the 64 KiB buffer
   * underneath, and the flush that hands it to the OS meets ENOSPC. */
  ck_assert_pl_ok(pl_env_new_compressed_writable(pl_env_default(), "/dev/full", NULL, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, text, 10000));
  ck_assert_int_eq(pl_writable_flush(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_msg(strstr(pl_error_message(), "/dev/full") != NULL, "%s", pl_error_message());
  ck_assert_int_eq(pl_writable_append(f, "x", 1), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOSPC);
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  free(text);
}
END_TEST

START_TEST(file_size_limit_stops_the_stream_at_whole_chunks) {
  /* RLIMIT_FSIZE cuts a chunk short (EFBIG): the writer reports it, and
   * the reader returns every synced byte and stops at the cut chunk. */
  struct rlimit old, lim;
  char *text = log_text(400000, 13), *back;
  pl_writable_options wo;
  pl_compress_options co;
  pl_writable_file *f;
  pl_status s = PL_OK;
  size_t n, i;
  uint64_t synced = 0;
  pl_compress_end end;
  pl_status last;
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  pl_compress_options_init(&co);
  co.chunk_size = PL_COMPRESS_MIN_CHUNK;
  co.level = 1;
  ck_assert_pl_ok(pl_env_new_compressed_writable(pl_env_default(), path, &wo, &co, &f));
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 20000;
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  for (i = 0; i < 40 && s == PL_OK; i++) {
    s = pl_writable_append(f, text + i * 10000, 10000);
    if (s == PL_OK) s = pl_writable_sync(f);
    if (s == PL_OK) synced = (i + 1) * 10000;
  }
  setrlimit(RLIMIT_FSIZE, &old);
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), EFBIG);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  back = read_stream(path, 0, &n, &end, &last);
  ck_assert_int_eq(last, PL_CORRUPTION);
  ck_assert_int_eq(end.kind, PL_COMPRESS_END_TRUNCATED);
  ck_assert_uint_ge(n, synced);
  ck_assert_uint_gt(synced, 0);
  ck_assert_mem_eq(back, text, n);
  free(back);
  free(text);
}
END_TEST
#endif

/* ---- a build without zstd ---------------------------------------------------- */

START_TEST(absent_feature_says_not_supported) {
  pl_writable_file *f = NULL, *t;
  pl_sequential_file *r = NULL;
  ck_assert_int_eq(pl_compress_available(PL_COMPRESS_ZSTD), 0);
  ck_assert_int_eq(pl_env_new_compressed_writable(pl_env_default(), path, NULL, NULL, &f), PL_NOT_SUPPORTED);
  ck_assert_msg(strstr(pl_error_message(), "without libzstd") != NULL, "%s", pl_error_message());
  ck_assert_ptr_null(f);
  ck_assert_pl_ok(pl_env_new_writable(pl_env_default(), path, NULL, &t));
  ck_assert_int_eq(pl_compress_writable_new(t, NULL, &f), PL_NOT_SUPPORTED);
  ck_assert_pl_ok(pl_writable_close(t));
  ck_assert_int_eq(pl_env_new_compressed_sequential(pl_env_default(), path, NULL, &r), PL_NOT_SUPPORTED);
  ck_assert_ptr_null(r);
}
END_TEST

START_TEST(every_end_kind_has_a_name_and_unknown_kinds_say_so) {
  static const struct {
    int kind;
    const char *name;
  } names[] = {{PL_COMPRESS_END_NONE, "not at the end"},
               {PL_COMPRESS_END_CLOSED, "closed"},
               {PL_COMPRESS_END_OPEN, "open (not closed by its writer)"},
               {PL_COMPRESS_END_TRUNCATED, "truncated chunk"},
               {PL_COMPRESS_END_ZEROS, "zero-filled tail"},
               {PL_COMPRESS_END_CHECKSUM, "torn or corrupt chunk"},
               {PL_COMPRESS_END_BAD_DATA, "chunk does not decode"},
               {-1, "unknown"}};
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    ck_assert_str_eq(pl_compress_end_name(names[i].kind), names[i].name);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "compress", "compress", setup, teardown, 0);
  if (!pl_compress_available(PL_COMPRESS_ZSTD)) {
    pl_test_note_skip("built without libzstd", "every zstd case");
    tcase_add_test(tc, absent_feature_says_not_supported);
  } else {
    tcase_add_test(tc, appends_read_back_exactly_after_close);
    tcase_add_test(tc, every_level_and_frame_mode_round_trips);
    tcase_add_test(tc, synced_stream_reads_back_whole_before_close);
    tcase_add_test(tc, counters_report_bytes_in_out_and_ratio);
    tcase_add_test(tc, per_sync_frames_cost_ratio_and_flushed_blocks_do_not);
    tcase_add_test(tc, positional_writes_and_preallocation_are_not_supported);
    tcase_add_test(tc, options_out_of_range_are_refused);
    tcase_add_test(tc, skip_decompresses_and_discards);
    tcase_add_test(tc, truncated_file_stops_at_the_last_whole_chunk);
    tcase_add_test(tc, zero_filled_tail_is_reported_as_zeros);
    tcase_add_test(tc, corrupt_chunk_in_the_middle_stops_there);
    tcase_add_test(tc, chunks_of_an_older_stream_are_not_read_as_this_one);
    tcase_add_test(tc, old_chunk_at_the_next_position_fails_the_stream_check);
    tcase_add_test(tc, a_file_that_is_not_a_compressed_stream_yields_nothing);
    tcase_add_test(tc, read_error_underneath_is_returned_not_taken_for_damage);
    tcase_add_test(tc, stream_after_a_prefix_is_read_from_where_it_starts);
    tcase_add_test(tc, failed_append_underneath_is_sticky);
    tcase_add_test(tc, failed_sync_underneath_is_sticky);
    tcase_add_test(tc, failed_header_write_fails_the_open);
    tcase_add_test(tc, no_space_for_a_flushed_chunk_is_sticky_and_keeps_the_synced_stream);
#if !defined(_WIN32)
    PL_TEST_POSIX_ONLY(tc, enospc_during_a_flush_is_reported_and_sticky);
    PL_TEST_POSIX_ONLY(tc, file_size_limit_stops_the_stream_at_whole_chunks);
#endif
  }
  tcase_add_test(tc, every_end_kind_has_a_name_and_unknown_kinds_say_so);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
