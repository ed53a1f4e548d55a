/* The trace file format (crash/TRACE-FORMAT.md): a 16-byte header, then one
 * checksummed record per op, little-endian throughout. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"
#include "util/crc32c.h"

#define NO_PATH 0xffffffffu
#define FIXED 36 /* kind, failed, pad, handle, offset, len, two path lengths */

int pl__cbuf_reserve(pl__cbuf *b, size_t n) {
  if (b->cap - b->len >= n) return 1;
  {
    size_t cap = b->cap ? b->cap : 256;
    unsigned char *p;
    while (cap - b->len < n) cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) return 0;
    b->p = p;
    b->cap = cap;
  }
  return 1;
}

int pl__cbuf_add(pl__cbuf *b, const void *d, size_t n) {
  if (!pl__cbuf_reserve(b, n)) return 0;
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
  return 1;
}

void pl__cbuf_free(pl__cbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void pl__trace_header(unsigned char out[PL__TRACE_HEADER_SIZE]) {
  memcpy(out, PL__TRACE_MAGIC, 8);
  put32(out + 8, PL__TRACE_VERSION);
  put32(out + 12, 0);
}

pl_status pl__trace_encode(const pl_crash_op *op, unsigned char **out, size_t *n) {
  size_t pl = op->path ? strlen(op->path) : 0;
  size_t pl2 = op->path2 ? strlen(op->path2) : 0;
  size_t dl = op->data ? (size_t)op->len : 0;
  size_t body = FIXED + pl + pl2 + dl;
  unsigned char *p = malloc(8 + body), *b;
  if (p == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "trace: out of memory");
  b = p + 8;
  b[0] = (unsigned char)op->kind;
  b[1] = (unsigned char)(op->failed != 0);
  b[2] = b[3] = 0;
  put32(b + 4, op->handle);
  put64(b + 8, op->offset);
  put64(b + 16, op->len);
  put32(b + 24, op->path ? (uint32_t)pl : NO_PATH);
  put32(b + 28, op->path2 ? (uint32_t)pl2 : NO_PATH);
  put32(b + 32, op->data ? 1u : 0u);
  memcpy(b + FIXED, op->path ? op->path : "", pl);
  memcpy(b + FIXED + pl, op->path2 ? op->path2 : "", pl2);
  if (dl) memcpy(b + FIXED + pl + pl2, op->data, dl);
  put32(p, (uint32_t)body);
  put32(p + 4, pl__crc32c(b, body));
  *out = p;
  *n = 8 + body;
  return PL_OK;
}

pl_status pl_crash_trace_save(pl_env *env, const char *path,
                              const pl_crash_trace *t) {
  pl__cbuf all = {0};
  unsigned char hdr[PL__TRACE_HEADER_SIZE];
  size_t i;
  pl_status s = PL_OK;
  pl__trace_header(hdr);
  if (!pl__cbuf_add(&all, hdr, sizeof hdr)) s = PL_IO_ERROR;
  for (i = 0; i < t->count && s == PL_OK; i++) {
    unsigned char *rec;
    size_t n;
    s = pl__trace_encode(&t->ops[i], &rec, &n);
    if (s != PL_OK) break;
    if (!pl__cbuf_add(&all, rec, n)) s = PL_IO_ERROR;
    free(rec);
  }
  if (s == PL_IO_ERROR && pl_error_os() == 0)
    s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  if (s == PL_OK) s = pl_file_write_all(env, path, all.p, all.len, 1);
  pl__cbuf_free(&all);
  return s;
}

static pl_status corrupt(const char *path, size_t at, const char *what) {
  return pl_error_set(PL_CORRUPTION, 0, "%s: bad trace record at byte %lu: %s", path,
                      (unsigned long)at, what);
}

pl_status pl_crash_trace_load(pl_env *env, const char *path, pl_crash_trace *t) {
  char *raw;
  size_t n, at;
  const unsigned char *p;
  pl_status s;
  pl_crash_trace_init(t);
  s = pl_file_read_all(env, path, &raw, &n);
  if (s != PL_OK) return s;
  p = (const unsigned char *)raw;
  if (n < PL__TRACE_HEADER_SIZE || memcmp(p, PL__TRACE_MAGIC, 8) != 0) {
    free(raw);
    return pl_error_set(PL_CORRUPTION, 0, "%s: not a plinth trace file", path);
  }
  if (get32(p + 8) != PL__TRACE_VERSION) {
    unsigned v = get32(p + 8);
    free(raw);
    return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: trace format version %u (this plinth reads %d)",
                        path, v, PL__TRACE_VERSION);
  }
  at = PL__TRACE_HEADER_SIZE;
  while (at < n) {
    uint32_t body, pl, pl2, hasdata;
    const unsigned char *b;
    pl_crash_op op;
    char *p1 = NULL, *p2 = NULL;
    uint64_t dl;
    /* A record cut short at the end: the recorded program died while
     * appending it.  Everything before it is whole. */
    if (n - at < 8) break;
    body = get32(p + at);
    if (n - at - 8 < body) break;
    b = p + at + 8;
    if (pl__crc32c(b, body) != get32(p + at + 4)) {
      s = corrupt(path, at, "checksum mismatch");
      break;
    }
    if (body < FIXED) {
      s = corrupt(path, at, "record too short");
      break;
    }
    memset(&op, 0, sizeof op);
    op.kind = b[0];
    op.failed = b[1];
    op.handle = get32(b + 4);
    op.offset = get64(b + 8);
    op.len = get64(b + 16);
    pl = get32(b + 24);
    pl2 = get32(b + 28);
    hasdata = get32(b + 32);
    dl = hasdata ? op.len : 0;
    if (op.kind < PL_CRASH_CREATE || op.kind > PL_CRASH_BASELINE) {
      s = corrupt(path, at, "unknown op kind");
      break;
    }
    {
      uint64_t need = (uint64_t)FIXED + (pl == NO_PATH ? 0 : pl) + (pl2 == NO_PATH ? 0 : pl2) + dl;
      if (need != body) {
        s = corrupt(path, at, "lengths do not add up");
        break;
      }
    }
    if (pl != NO_PATH) {
      p1 = malloc(pl + 1);
      if (p1) { memcpy(p1, b + FIXED, pl); p1[pl] = '\0'; }
    }
    if (pl2 != NO_PATH) {
      p2 = malloc(pl2 + 1);
      if (p2) { memcpy(p2, b + FIXED + (pl == NO_PATH ? 0 : pl), pl2); p2[pl2] = '\0'; }
    }
    op.path = p1;
    op.path2 = p2;
    op.data = hasdata ? (unsigned char *)(b + body - dl) : NULL;
    if ((pl != NO_PATH && p1 == NULL) || (pl2 != NO_PATH && p2 == NULL))
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
    else
      s = pl_crash_trace_add(t, &op);
    free(p1);
    free(p2);
    if (s != PL_OK) break;
    at += 8 + (size_t)body;
  }
  free(raw);
  if (s != PL_OK) pl_crash_trace_free(t);
  return s;
}
