/* Compressed files with zstd: the writable wrapper and the sequential
 * reader of the chunk format in env/COMPRESS-FORMAT.md. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "env/compress_internal.h"
#include "port/port.h"
#include "util/bytes.h"
#include "util/crc32c.h"

/* ---- the chunk header ------------------------------------------------------ */

/* The header's checksum: the stream id first, so a chunk left in the file
 * by another stream (an older file at the same name whose truncation did
 * not reach the disk) never passes for one of this stream.  It covers the
 * payload's checksum and length, so a damaged length is never trusted. */
static uint32_t header_crc(uint64_t stream_id, const unsigned char *hdr) {
  unsigned char id[8];
  pl__put64(id, stream_id);
  return pl__crc32c_extend(pl__crc32c_extend(0, id, sizeof id), hdr + 4, PL__CZ_HEADER_SIZE - 4);
}

static void seal_chunk(unsigned char *hdr, uint64_t stream_id, uint32_t len, uint32_t seq, int type,
                       unsigned flags, uint64_t in_total) {
  pl__put32(hdr + 4, pl__crc32c(hdr + PL__CZ_HEADER_SIZE, len));
  pl__put32(hdr + 8, len);
  pl__put32(hdr + 12, seq);
  hdr[16] = (unsigned char)type;
  hdr[17] = (unsigned char)flags;
  hdr[18] = hdr[19] = 0;
  pl__put64(hdr + 20, in_total);
  pl__put32(hdr, header_crc(type == PL__CZ_HEADER ? 0 : stream_id, hdr));
}

/* A stream id that differs between streams written to one name: the clock,
 * where this stream lives and a counter, mixed (splitmix64).  Not a secret;
 * it only has to differ from the stream that was there before. */
static uint64_t new_stream_id(const void *self) {
  static uint64_t counter;
  uint64_t z = pl__port_now_micros() ^ (uint64_t)(uintptr_t)self ^
               (__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static pl_status zstd_error(size_t code, const char *what) {
  return pl_error_set(PL_IO_ERROR, 0, "zstd %s: %s", what, ZSTD_getErrorName(code));
}

/* ---- the writer ------------------------------------------------------------ */

typedef struct cz_writer {
  pl_writable_file base;
  pl_writable_file *target;
  ZSTD_CCtx *cctx;
  unsigned char *chunk; /* header room, then up to cap compressed bytes */
  size_t cap;
  size_t len;           /* compressed bytes in chunk after the header */
  uint64_t stream_id;
  uint32_t seq;
  int frame_per_sync;
  int break_flush;
  pl_writable_stats wstats;
  pl_compress_stats cstats;
  pl_status sticky;
  int sticky_os;
  char *sticky_msg;
} cz_writer;

static const pl_writable_methods cz_methods;

static pl_status cz_fail(cz_writer *w, pl_status s) {
  if (w->sticky == PL_OK) {
    w->sticky = s;
    w->sticky_os = pl_error_os();
    w->sticky_msg = strdup(pl_error_message());
  }
  return s;
}

static pl_status cz_replay(cz_writer *w) {
  return pl_error_set(w->sticky, w->sticky_os,
                      "%s (earlier failure of the compressed stream; what reached the file is its whole chunks)",
                      w->sticky_msg ? w->sticky_msg : "compressed file");
}

/* Writes the gathered chunk to target in one append. */
static pl_status emit(cz_writer *w, int type, unsigned flags) {
  size_t n = PL__CZ_HEADER_SIZE + w->len;
  pl_status s;
  seal_chunk(w->chunk, w->stream_id, (uint32_t)w->len, w->seq, type, flags, w->cstats.bytes_in);
  s = pl_writable_append(w->target, w->chunk, n);
  if (s != PL_OK) return cz_fail(w, s);
  w->seq++;
  w->len = 0;
  w->cstats.bytes_out += n;
  w->cstats.chunks++;
  w->wstats.os_writes++;
  return PL_OK;
}

/* Feeds data to zstd, writing a chunk each time cap compressed bytes are
 * gathered.  With op = ZSTD_e_flush or ZSTD_e_end, runs until zstd has
 * given out everything; the last chunk is then written with `last_type`
 * and marked flushed (even if empty, when something before it in this
 * chunk needs the mark). */
static pl_status compress(cz_writer *w, const void *data, size_t n, ZSTD_EndDirective op,
                          int last_type) {
  ZSTD_inBuffer in;
  in.src = data;
  in.size = n;
  in.pos = 0;
  for (;;) {
    ZSTD_outBuffer out;
    size_t left;
    pl_status s;
    out.dst = w->chunk + PL__CZ_HEADER_SIZE;
    out.size = w->cap;
    out.pos = w->len;
    left = ZSTD_compressStream2(w->cctx, &out, &in, op);
    w->len = out.pos;
    if (ZSTD_isError(left)) return cz_fail(w, zstd_error(left, "compress"));
    if (op == ZSTD_e_continue) {
      if (w->len == w->cap) {
        s = emit(w, PL__CZ_DATA, 0);
        if (s != PL_OK) return s;
      }
      if (in.pos == in.size) return PL_OK;
    } else if (left == 0) {
      /* zstd has given out everything: this chunk ends at a block (or
       * frame) boundary, so everything appended so far decodes from the
       * chunks up to and including it. */
      if (w->len == 0 && last_type == PL__CZ_DATA) return PL_OK;
      return emit(w, last_type, PL__CZ_FLUSHED);
    } else if (w->len == w->cap) {
      s = emit(w, PL__CZ_DATA, 0);
      if (s != PL_OK) return s;
    }
  }
}

static pl_status cz_append(pl_writable_file *f, const void *data, size_t n) {
  cz_writer *w = (cz_writer *)f;
  pl_status s;
  if (w->sticky != PL_OK) return cz_replay(w);
  s = compress(w, data, n, ZSTD_e_continue, PL__CZ_DATA);
  if (s != PL_OK) return s;
  w->cstats.bytes_in += n;
  w->wstats.bytes += n;
  w->wstats.appends++;
  return PL_OK;
}

static pl_status cz_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  cz_writer *w = (cz_writer *)f;
  size_t total = 0;
  int i;
  if (w->sticky != PL_OK) return cz_replay(w);
  for (i = 0; i < cnt; i++) {
    pl_status s = compress(w, iov[i].base, iov[i].len, ZSTD_e_continue, PL__CZ_DATA);
    if (s != PL_OK) return s;
    total += iov[i].len;
    /* bytes_in goes into each chunk header: keep it current */
    w->cstats.bytes_in += iov[i].len;
  }
  w->wstats.bytes += total;
  w->wstats.appends++;
  return PL_OK;
}

/* Ends the current block (or frame) and writes it: from here on every byte
 * appended decodes from what target holds. */
static pl_status end_block(cz_writer *w) {
  pl_status s;
  uint64_t before = w->cstats.chunks;
  if (w->break_flush) {
    /* The negative control: only what zstd happened to produce. */
    if (w->len == 0) return PL_OK;
    return emit(w, PL__CZ_DATA, 0);
  }
  s = compress(w, NULL, 0, w->frame_per_sync ? ZSTD_e_end : ZSTD_e_flush, PL__CZ_DATA);
  if (s == PL_OK && w->cstats.chunks != before) w->cstats.flushes++;
  return s;
}

static pl_status cz_flush(pl_writable_file *f) {
  cz_writer *w = (cz_writer *)f;
  pl_status s;
  if (w->sticky != PL_OK) return cz_replay(w);
  s = end_block(w);
  if (s != PL_OK) return s;
  s = pl_writable_flush(w->target);
  if (s != PL_OK) return cz_fail(w, s);
  w->wstats.flushes++;
  return PL_OK;
}

static pl_status cz_sync(pl_writable_file *f) {
  cz_writer *w = (cz_writer *)f;
  pl_status s;
  if (w->sticky != PL_OK) return cz_replay(w);
  s = end_block(w);
  if (s != PL_OK) return s;
  s = pl_writable_sync(w->target);
  if (s != PL_OK) return cz_fail(w, s);
  w->wstats.syncs++;
  return PL_OK;
}

static void cz_free(cz_writer *w) {
  ZSTD_freeCCtx(w->cctx);
  free(w->chunk);
  free(w->sticky_msg);
  free(w);
}

static pl_status cz_close(pl_writable_file *f) {
  cz_writer *w = (cz_writer *)f;
  pl_status s = PL_OK, c;
  if (w->sticky != PL_OK) s = cz_replay(w);
  else s = compress(w, NULL, 0, ZSTD_e_end, PL__CZ_END);
  c = pl_writable_close(w->target);
  if (s == PL_OK) s = c;
  cz_free(w);
  return s;
}

static uint64_t cz_tell(pl_writable_file *f) { return ((cz_writer *)f)->cstats.bytes_in; }

static void cz_stats(pl_writable_file *f, pl_writable_stats *out) { *out = ((cz_writer *)f)->wstats; }

static pl_status cz_write_at(pl_writable_file *f, uint64_t offset, const void *data, size_t n) {
  return pl_error_set(PL_NOT_SUPPORTED, 0, "compressed file: no positional writes");
}

static pl_status cz_allocate(pl_writable_file *f, uint64_t offset, uint64_t len) {
  return pl_error_set(PL_NOT_SUPPORTED, 0, "compressed file: no preallocation");
}

static const pl_writable_methods cz_methods = {PL_WRITABLE_VERSION, cz_append, cz_appendv, cz_flush,
                                               cz_sync, cz_close, cz_tell, cz_stats, cz_write_at,
                                               cz_allocate};

int pl_compress_available(int algorithm) { return algorithm == PL_COMPRESS_ZSTD; }

static pl_status check_options(const pl_compress_options *o) {
  if (o->algorithm != PL_COMPRESS_ZSTD)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "compression: unknown algorithm %d", o->algorithm);
  if (o->level != 0 && (o->level < ZSTD_minCLevel() || o->level > ZSTD_maxCLevel()))
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "compression: zstd level %d is outside %d..%d",
                        o->level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  if (o->chunk_size < PL_COMPRESS_MIN_CHUNK || o->chunk_size > PL_COMPRESS_MAX_CHUNK)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "compression: chunk size %lu is outside %d..%d",
                        (unsigned long)o->chunk_size, PL_COMPRESS_MIN_CHUNK, PL_COMPRESS_MAX_CHUNK);
  return PL_OK;
}

pl_status pl_compress_writable_new(pl_writable_file *target, const pl_compress_options *o,
                                   pl_writable_file **out) {
  pl_compress_options defaults;
  cz_writer *w;
  size_t r;
  pl_status s;
  unsigned char *p;
  *out = NULL;
  if (o == NULL) {
    pl_compress_options_init(&defaults);
    o = &defaults;
  }
  s = check_options(o);
  if (s != PL_OK) return s;
  w = calloc(1, sizeof *w);
  if (w == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "compressed file: out of memory");
  w->base.methods = &cz_methods;
  w->target = target;
  w->cap = o->chunk_size;
  w->frame_per_sync = o->frame_per_sync;
  w->break_flush = (pl__compress_test_break_rules & PL__BREAK_COMPRESS_FLUSH) != 0;
  w->chunk = malloc(PL__CZ_HEADER_SIZE + w->cap);
  w->cctx = ZSTD_createCCtx();
  if (w->chunk == NULL || w->cctx == NULL) {
    cz_free(w);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "compressed file: out of memory");
  }
  r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o->level);
  /* No frame checksum: every chunk carries a CRC-32C of its compressed
   * bytes, checked before the decoder sees them, which also covers the
   * data of a stream that never reaches its frame's end. */
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0);
  if (ZSTD_isError(r)) {
    s = zstd_error(r, "parameters");
    cz_free(w);
    return s;
  }
  w->stream_id = new_stream_id(w);
  /* The header chunk: magic, version, algorithm, stream id. */
  p = w->chunk + PL__CZ_HEADER_SIZE;
  memcpy(p, PL__CZ_MAGIC, 8);
  pl__put32(p + 8, PL__CZ_VERSION);
  pl__put32(p + 12, PL_COMPRESS_ZSTD);
  pl__put64(p + 16, w->stream_id);
  w->len = PL__CZ_STREAM_PAYLOAD;
  s = emit(w, PL__CZ_HEADER, PL__CZ_FLUSHED);
  if (s != PL_OK) {
    cz_free(w);
    return s;
  }
  *out = &w->base;
  return PL_OK;
}

pl_status pl_env_new_compressed_writable(pl_env *env, const char *path,
                                         const pl_writable_options *wopt,
                                         const pl_compress_options *copt, pl_writable_file **out) {
  pl_writable_file *t;
  pl_status s;
  *out = NULL;
  if (copt != NULL) {
    s = check_options(copt);
    if (s != PL_OK) return s;
  }
  s = pl_env_new_writable(env, path, wopt, &t);
  if (s != PL_OK) return s;
  s = pl_compress_writable_new(t, copt, out);
  if (s != PL_OK) {
    /* keep the first error's message, not close's */
    int os = pl_error_os();
    char *msg = strdup(pl_error_message());
    pl_writable_close(t);
    pl_error_set(s, os, "%s: %s", path, msg ? msg : "compressed file");
    free(msg);
  }
  return s;
}

pl_status pl_compress_stats_get(pl_writable_file *f, pl_compress_stats *out) {
  cz_writer *w = (cz_writer *)f;
  if (f == NULL || f->methods != &cz_methods)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "not a compressed writable file");
  *out = w->cstats;
  out->ratio = out->bytes_out ? (double)out->bytes_in / (double)out->bytes_out : 0.0;
  return PL_OK;
}

/* ---- the reader ------------------------------------------------------------ */

typedef struct cz_reader {
  pl_sequential_file base;
  pl_sequential_file *src;
  ZSTD_DCtx *dctx;
  unsigned char *payload; /* the current chunk's compressed bytes */
  size_t in_len, in_pos;
  int out_full;           /* the last decode filled its output: more may wait */
  unsigned char hdr[PL__CZ_HEADER_SIZE];
  int cur_type;
  unsigned cur_flags;
  uint64_t cur_in_total;
  uint64_t pos;           /* stream bytes consumed from src */
  uint64_t stream_id;
  uint32_t seq;           /* the next chunk's expected number */
  int tail_is_eof;
  pl_compress_end end;
  /* A read error of src met after this call had decoded some bytes: those
   * are returned first, the error by the next call. */
  pl_status src_err;
  int src_err_os;
  char *src_err_msg;
  char *path;             /* for messages; may be NULL */
} cz_reader;

static const pl_sequential_methods cz_reader_methods;

/* Reads exactly n bytes unless the file ends first. */
static pl_status read_full(cz_reader *r, unsigned char *buf, size_t n, size_t *got) {
  size_t done = 0;
  while (done < n) {
    size_t k = 0;
    pl_status s = pl_sequential_read(r->src, buf + done, n - done, &k);
    if (s != PL_OK) {
      *got = done;
      return s;
    }
    if (k == 0) break;
    done += k;
  }
  *got = done;
  return PL_OK;
}

/* 1 if every one of the n bytes at p is zero. */
static int all_zero(const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

/* The chunk at r->pos could not be used: decide what the rest of the file
 * is (the `have` bytes already read of it included) and stop there.
 * header_ok: the chunk's header checked out and declared its payload's
 * length, so a file that ends before that length is a truncated chunk. */
static pl_status stop_at_damage(cz_reader *r, const unsigned char *have, size_t nhave,
                                int header_ok, uint64_t declared) {
  unsigned char buf[16384];
  uint64_t rest = nhave;
  int zeros = all_zero(have, nhave);
  for (;;) {
    size_t k = 0;
    pl_status s = pl_sequential_read(r->src, buf, sizeof buf, &k);
    if (s != PL_OK) return s;
    if (k == 0) break;
    if (zeros && !all_zero(buf, k)) zeros = 0;
    rest += k;
  }
  r->end.offset = r->pos;
  if (zeros && rest > 0) r->end.kind = PL_COMPRESS_END_ZEROS;
  else if (rest < PL__CZ_HEADER_SIZE || (header_ok && PL__CZ_HEADER_SIZE + declared > rest))
    r->end.kind = PL_COMPRESS_END_TRUNCATED;
  else r->end.kind = PL_COMPRESS_END_CHECKSUM;
  return PL_OK;
}

/* stop_at_damage for a chunk whose whole header and `got` bytes of its
 * `len`-byte payload were read. */
static pl_status damaged_chunk(cz_reader *r, size_t got, uint32_t len) {
  unsigned char *both = malloc(PL__CZ_HEADER_SIZE + got);
  pl_status s;
  if (both == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "compressed file: out of memory");
  memcpy(both, r->hdr, PL__CZ_HEADER_SIZE);
  memcpy(both + PL__CZ_HEADER_SIZE, r->payload, got);
  s = stop_at_damage(r, both, PL__CZ_HEADER_SIZE + got, 1, len);
  free(both);
  return s;
}

/* Reads and checks the next chunk into r->payload.  Returns PL_OK with
 * r->end.kind set when the stream ends here. */
static pl_status next_chunk(cz_reader *r) {
  size_t got = 0;
  uint32_t len, seq;
  int type;
  unsigned flags;
  uint64_t in_total, id;
  pl_status s = read_full(r, r->hdr, PL__CZ_HEADER_SIZE, &got);
  if (s != PL_OK) return s;
  if (got == 0) {
    r->end.offset = r->pos;
    r->end.kind = r->seq == 0 ? PL_COMPRESS_END_TRUNCATED : PL_COMPRESS_END_OPEN;
    return PL_OK;
  }
  if (got < PL__CZ_HEADER_SIZE) return stop_at_damage(r, r->hdr, got, 0, 0);
  /* Nothing in a header is used before its checksum matched: a damaged
   * length is never allocated or read. */
  if (pl__get32(r->hdr) != header_crc(r->seq == 0 ? 0 : r->stream_id, r->hdr))
    return stop_at_damage(r, r->hdr, got, 0, 0);
  len = pl__get32(r->hdr + 8);
  seq = pl__get32(r->hdr + 12);
  type = r->hdr[16];
  flags = r->hdr[17];
  in_total = pl__get64(r->hdr + 20);
  /* A header whose checksum matches but whose fields are wrong was not
   * written by this writer for this place: damage all the same. */
  if (len > PL__CZ_MAX_PAYLOAD || seq != r->seq || r->hdr[18] || r->hdr[19] ||
      (flags & ~PL__CZ_FLUSHED) || (seq == 0) != (type == PL__CZ_HEADER) ||
      type < PL__CZ_HEADER || type > PL__CZ_END || (type == PL__CZ_HEADER && len != PL__CZ_STREAM_PAYLOAD))
    return stop_at_damage(r, r->hdr, got, 0, 0);
  s = read_full(r, r->payload, len, &got);
  if (s != PL_OK) return s;
  if (got < len) return damaged_chunk(r, got, len);
  if (pl__get32(r->hdr + 4) != pl__crc32c(r->payload, len)) return damaged_chunk(r, len, len);
  id = r->stream_id;
  if (type == PL__CZ_HEADER) {
    /* Another format or version: not this reader's stream, and nothing in
     * it is used. */
    if (memcmp(r->payload, PL__CZ_MAGIC, 8) != 0 || pl__get32(r->payload + 8) != PL__CZ_VERSION ||
        pl__get32(r->payload + 12) != PL_COMPRESS_ZSTD)
      return damaged_chunk(r, len, len);
    id = pl__get64(r->payload + 16);
  }
  if (type == PL__CZ_HEADER) r->stream_id = id;
  r->seq++;
  r->pos += PL__CZ_HEADER_SIZE + len;
  r->end.chunks++;
  r->cur_type = type;
  r->cur_flags = flags;
  r->cur_in_total = in_total;
  r->in_len = type == PL__CZ_HEADER ? 0 : len;
  r->in_pos = 0;
  return PL_OK;
}

/* The decoder has given out everything the current chunk holds: check a
 * flushed chunk's promise, and note where the stream ends. */
static void chunk_done(cz_reader *r) {
  if (r->cur_type == 0) return;
  if (r->cur_flags & PL__CZ_FLUSHED) {
    if (r->end.bytes != r->cur_in_total) {
      r->end.kind = PL_COMPRESS_END_BAD_DATA;
      r->end.offset = r->pos;
      return;
    }
    r->end.flushed = r->cur_in_total;
  }
  if (r->cur_type == PL__CZ_END) {
    r->end.kind = PL_COMPRESS_END_CLOSED;
    r->end.offset = r->pos;
  }
  r->cur_type = 0;
}

static pl_status end_status(cz_reader *r) {
  const char *path = r->path ? r->path : "compressed file";
  switch (r->end.kind) {
    case PL_COMPRESS_END_CLOSED:
    case PL_COMPRESS_END_OPEN:
      return PL_OK;
    case PL_COMPRESS_END_BAD_DATA:
      break;
    default:
      if (r->tail_is_eof) return PL_OK;
  }
  return pl_error_set(PL_CORRUPTION, 0,
                      "%s: %s at offset %llu; the stream's whole chunks end there (%llu bytes read)",
                      path, pl_compress_end_name(r->end.kind), (unsigned long long)r->end.offset,
                      (unsigned long long)r->end.bytes);
}

static pl_status cz_read(pl_sequential_file *f, void *buf, size_t n, size_t *got) {
  cz_reader *r = (cz_reader *)f;
  unsigned char *dst = buf;
  size_t done = 0;
  pl_status s;
  *got = 0;
  if (r->src_err != PL_OK) {
    s = pl_error_set(r->src_err, r->src_err_os, "%s", r->src_err_msg ? r->src_err_msg : "read failed");
    r->src_err = PL_OK;
    free(r->src_err_msg);
    r->src_err_msg = NULL;
    return s;
  }
  while (done < n && r->end.kind == PL_COMPRESS_END_NONE) {
    ZSTD_inBuffer in;
    ZSTD_outBuffer out;
    size_t z;
    if (r->in_pos == r->in_len && !r->out_full) {
      chunk_done(r);
      if (r->end.kind != PL_COMPRESS_END_NONE) break;
      s = next_chunk(r);
      if (s != PL_OK) {
        if (done == 0) return s;
        r->src_err = s;
        r->src_err_os = pl_error_os();
        r->src_err_msg = strdup(pl_error_message());
        break;
      }
      continue;
    }
    in.src = r->payload;
    in.size = r->in_len;
    in.pos = r->in_pos;
    out.dst = dst + done;
    out.size = n - done;
    out.pos = 0;
    z = ZSTD_decompressStream(r->dctx, &out, &in);
    if (ZSTD_isError(z)) {
      /* Checked bytes that do not decode: never a power loss. */
      r->end.kind = PL_COMPRESS_END_BAD_DATA;
      r->end.offset = r->pos;
      break;
    }
    r->in_pos = in.pos;
    r->out_full = out.pos == out.size;
    done += out.pos;
    r->end.bytes += out.pos;
  }
  *got = done;
  if (done > 0) return PL_OK;
  return end_status(r);
}

static pl_status cz_skip(pl_sequential_file *f, uint64_t n) {
  unsigned char buf[16384];
  while (n > 0) {
    size_t got = 0, want = n < sizeof buf ? (size_t)n : sizeof buf;
    pl_status s = cz_read(f, buf, want, &got);
    if (s != PL_OK) return s;
    if (got == 0) break;
    n -= got;
  }
  return PL_OK;
}

static void cz_reader_close(pl_sequential_file *f) {
  cz_reader *r = (cz_reader *)f;
  if (r->src) pl_sequential_close(r->src);
  ZSTD_freeDCtx(r->dctx);
  free(r->payload);
  free(r->src_err_msg);
  free(r->path);
  free(r);
}

static const pl_sequential_methods cz_reader_methods = {PL_SEQUENTIAL_VERSION, cz_read, cz_skip,
                                                        cz_reader_close};

static pl_status reader_new(pl_sequential_file *src, const pl_compress_read_options *o,
                            const char *path, pl_sequential_file **out) {
  cz_reader *r = calloc(1, sizeof *r);
  *out = NULL;
  if (r == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "compressed file: out of memory");
  r->base.methods = &cz_reader_methods;
  r->dctx = ZSTD_createDCtx();
  r->payload = malloc(PL__CZ_MAX_PAYLOAD);
  r->path = path ? strdup(path) : NULL;
  r->tail_is_eof = o ? o->tail_is_eof : 0;
  if (r->dctx == NULL || r->payload == NULL || (path && r->path == NULL)) {
    cz_reader_close(&r->base);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "compressed file: out of memory");
  }
  r->src = src;
  *out = &r->base;
  return PL_OK;
}

pl_status pl_compress_sequential_new(pl_sequential_file *src, const pl_compress_read_options *o,
                                     pl_sequential_file **out) {
  return reader_new(src, o, NULL, out);
}

pl_status pl_env_new_compressed_sequential(pl_env *env, const char *path,
                                           const pl_compress_read_options *o,
                                           pl_sequential_file **out) {
  pl_sequential_file *src;
  pl_status s;
  *out = NULL;
  s = pl_env_new_sequential(env, path, &src);
  if (s != PL_OK) return s;
  s = reader_new(src, o, path, out);
  if (s != PL_OK) pl_sequential_close(src);
  return s;
}

pl_status pl_compress_read_end(pl_sequential_file *f, pl_compress_end *out) {
  if (f == NULL || f->methods != &cz_reader_methods)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "not a compressed sequential file");
  *out = ((cz_reader *)f)->end;
  return PL_OK;
}
