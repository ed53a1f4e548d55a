/* The record log's framing and the segment parser (see log_internal.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log_internal.h"
#include "util/crc32c.h"

unsigned pl__log_test_hooks;

void pl__log_frame(unsigned char *at, int type, uint32_t num, uint32_t synced, size_t len) {
  pl__put16(at + 4, (uint32_t)len);
  at[6] = (unsigned char)type;
  pl__put32(at + 7, num);
  pl__put32(at + 11, synced);
  pl__put32(at, pl__crc32c(at + 4, PL__LOG_H - 4 + len));
}

uint64_t pl__log_record_end(uint64_t p, uint64_t n) {
  for (;;) {
    uint64_t room, frag;
    p = pl__log_skip_trailer(p);
    room = pl__log_block_left(p) - PL__LOG_H;
    frag = n < room ? n : room;
    p += PL__LOG_H + frag;
    n -= frag;
    if (n == 0) return p;
  }
}

uint64_t pl__log_seal_end(uint64_t p) {
  p = pl__log_skip_trailer(p);
  if (pl__log_block_left(p) < PL__LOG_H + PL__LOG_SEAL_LEN) p += pl__log_block_left(p);
  return p + PL__LOG_H + PL__LOG_SEAL_LEN;
}

/* How the bytes at p read as one fragment. */
enum { FRAG_OK = 0, FRAG_ZERO, FRAG_TRUNCATED, FRAG_BAD_HEADER, FRAG_BAD_CRC, FRAG_STALE };

typedef struct frag {
  int type;
  uint32_t len, mark;
} frag;

static int all_zero(const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

/* REQUIRES: p is not in a block trailer. */
static int frag_at(const pl__log_seg *s, uint64_t p, frag *f) {
  const unsigned char *h = s->d + p;
  if (p + PL__LOG_H > s->size) return FRAG_TRUNCATED;
  if (all_zero(h, PL__LOG_H)) return FRAG_ZERO;
  f->len = pl__get16(h + 4);
  f->type = h[6];
  f->mark = pl__get32(h + 11);
  if (f->type < PL__LOG_FULL || f->type > PL__LOG_PAD) return FRAG_BAD_HEADER;
  if (f->len > pl__log_block_left(p) - PL__LOG_H) return FRAG_BAD_HEADER;
  if (p + PL__LOG_H + f->len > s->size) return FRAG_TRUNCATED;
  if (pl__crc32c(h + 4, PL__LOG_H - 4 + f->len) != pl__get32(h)) return FRAG_BAD_CRC;
  /* A whole fragment of another life of this file: stale, never data. */
  if (s->check_num && pl__get32(h + 7) != s->num) return FRAG_STALE;
  return FRAG_OK;
}

static int frag_reason(int r) {
  switch (r) {
    case FRAG_TRUNCATED: return PL_LOG_DROP_TRUNCATED;
    case FRAG_BAD_HEADER: return PL_LOG_DROP_BAD_HEADER;
    case FRAG_BAD_CRC: return PL_LOG_DROP_BAD_CHECKSUM;
    case FRAG_STALE: return PL_LOG_DROP_STALE;
    default: return 0; /* zeros: a clean end or a hole, decided later */
  }
}

static int buf_add(pl__log_buf *b, const unsigned char *d, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    unsigned char *p;
    while (cap < b->len + n) cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
  return 0;
}

static void damage(pl__log_parsed *out, uint64_t start, int reason) {
  out->what = PL__LOG_AT_DAMAGE;
  out->start = start;
  out->end = start;
  out->reason = reason;
}

int pl__log_parse(const pl__log_seg *s, uint64_t p, pl__log_parsed *out, pl__log_buf *scratch) {
  frag f;
  int r;
  uint64_t q;
  memset(out, 0, sizeof *out);
  for (;;) {
    p = pl__log_skip_trailer(p);
    if (p >= s->size) {
      out->what = PL__LOG_AT_EOF;
      out->start = out->end = s->size;
      return 0;
    }
    r = frag_at(s, p, &f);
    if (r != FRAG_OK) {
      damage(out, p, frag_reason(r));
      return 0;
    }
    if (f.type != PL__LOG_PAD) break;
    p += PL__LOG_H + f.len;
  }
  out->start = p;
  switch (f.type) {
    case PL__LOG_FULL:
      out->what = PL__LOG_AT_RECORD;
      out->data = s->d + p + PL__LOG_H;
      out->len = f.len;
      out->end = p + PL__LOG_H + f.len;
      return 0;
    case PL__LOG_SEAL:
      if (f.len != PL__LOG_SEAL_LEN) {
        damage(out, p, PL_LOG_DROP_BAD_HEADER);
        return 0;
      }
      out->what = PL__LOG_AT_SEAL;
      out->next_log = pl__get64(s->d + p + PL__LOG_H);
      out->end = p + PL__LOG_H + f.len;
      return 0;
    case PL__LOG_FIRST: break;
    default: /* MIDDLE or LAST where a record should start */
      damage(out, p, PL_LOG_DROP_ORPHAN);
      return 0;
  }
  scratch->len = 0;
  if (buf_add(scratch, s->d + p + PL__LOG_H, f.len) != 0) return -1;
  q = p + PL__LOG_H + f.len;
  for (;;) {
    q = pl__log_skip_trailer(q);
    r = q >= s->size ? FRAG_TRUNCATED : frag_at(s, q, &f);
    if (r != FRAG_OK) {
      damage(out, p, r == FRAG_TRUNCATED ? PL_LOG_DROP_TRUNCATED : PL_LOG_DROP_PARTIAL);
      return 0;
    }
    if (f.type != PL__LOG_MIDDLE && f.type != PL__LOG_LAST) {
      damage(out, p, PL_LOG_DROP_PARTIAL);
      return 0;
    }
    if (buf_add(scratch, s->d + q + PL__LOG_H, f.len) != 0) return -1;
    q += PL__LOG_H + f.len;
    if (f.type == PL__LOG_LAST) break;
  }
  out->what = PL__LOG_AT_RECORD;
  out->data = scratch->p;
  out->len = scratch->len;
  out->end = q;
  return 0;
}

int pl__log_scan_after(const pl__log_seg *s, uint64_t at, int reason, pl__log_after *out,
                       pl__log_buf *scratch) {
  uint64_t q, page_end;
  unsigned char want[4];
  memset(out, 0, sizeof *out);
  pl__put32(want, s->num);
  /* Every offset could be where a torn write left a fragment of this life:
   * a write reaches the disk in sectors, in any order.  The log number
   * makes candidates rare, so the CRC is computed only for a few. */
  q = at + 1;
  while (q + PL__LOG_H <= s->size) {
    frag f;
    if (pl__log_block_left(q) < PL__LOG_H) {
      q += pl__log_block_left(q);
      continue;
    }
    if (s->check_num && memcmp(s->d + q + 7, want, 4) != 0) {
      q++;
      continue;
    }
    if (frag_at(s, q, &f) != FRAG_OK) {
      q++;
      continue;
    }
    if (f.mark > out->max_mark) out->max_mark = f.mark;
    out->last_end = q + PL__LOG_H + f.len;
    if (out->resync == 0 && (f.type == PL__LOG_FULL || f.type == PL__LOG_FIRST ||
                             f.type == PL__LOG_SEAL)) {
      pl__log_parsed rec;
      if (pl__log_parse(s, q, &rec, scratch) != 0) return -1;
      if (rec.what == PL__LOG_AT_RECORD || rec.what == PL__LOG_AT_SEAL) out->resync = q;
    }
    q += PL__LOG_H + f.len;
  }
  out->proven = out->max_mark > at;
  page_end = (at / PL__LOG_P + 1) * PL__LOG_P;
  if (page_end > s->size) page_end = s->size;
  /* The writer always writes the page holding its end, zeros after it:
   * zeros there and nothing of this life beyond is a log that simply ends. */
  out->clean = reason == 0 && out->last_end == 0 &&
               (at >= s->size || all_zero(s->d + at, (size_t)(page_end - at)));
  return 0;
}

void pl__log_name(char *buf, size_t cap, const char *dir, uint64_t n, const char *ext) {
  snprintf(buf, cap, "%s/%016llx.%s", dir, (unsigned long long)n, ext);
}

int pl__log_parse_name(const char *name, const char *ext, uint64_t *n) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 16; i++) {
    char c = name[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return 0;
    v = v * 16 + (uint64_t)d;
  }
  if (name[16] != '.' || strcmp(name + 17, ext) != 0) return 0;
  *n = v;
  return 1;
}

pl_status pl__log_read_file(pl_env *env, const char *path, const unsigned char **data,
                            uint64_t *size, pl_random_file **file, unsigned char **owned) {
  pl_status s;
  const char *res = NULL;
  size_t got = 0;
  *data = NULL;
  *file = NULL;
  *owned = NULL;
  s = pl_env_file_size(env, path, size);
  if (s != PL_OK) return s;
  if (*size > (uint64_t)(size_t)-1 / 2)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: too large to read", path);
  s = pl_env_new_random(env, path, file);
  if (s != PL_OK) return s;
  *owned = malloc(*size ? (size_t)*size : 1);
  if (*owned == NULL) {
    pl_random_close(*file);
    *file = NULL;
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  if (*size > 0) {
    s = pl_random_read_at(*file, 0, (size_t)*size, *owned, &res, &got);
    if (s != PL_OK) {
      free(*owned);
      *owned = NULL;
      pl_random_close(*file);
      *file = NULL;
      return s;
    }
    *size = got; /* it may have shrunk meanwhile */
  }
  if (res != NULL && res != (const char *)*owned) {
    /* A mapping: no copy needed. */
    free(*owned);
    *owned = NULL;
    *data = (const unsigned char *)res;
  } else {
    *data = *owned;
    pl_random_close(*file);
    *file = NULL;
  }
  return PL_OK;
}
