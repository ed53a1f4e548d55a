/* The trace file format (crash/TRACE-FORMAT.md): a 16-byte header, then one
 * checksummed record per op, little-endian throughout.
 *
 * A trace is input from outside: users attach them to bug reports.  The
 * reader trusts nothing in it — every length is checked against what is
 * left of the file without overflow, every path against the rules of
 * pl__trace_path_ok, every kind against the fields it needs — and reads at
 * most a stated number of bytes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "util/bytes.h"
#include "util/crc32c.h"

#define NO_PATH 0xffffffffu
#define FIXED 36 /* kind, flags, pad, handle, offset, len, two path lengths, has_data */
#define MAX_PATH_BYTES 4095

int pl__trace_path_ok(const char *rel, size_t len) {
  size_t i, seg = 0;
  if (len > MAX_PATH_BYTES) return 0;
  if (len == 0) return 1; /* the root */
  for (i = 0; i <= len; i++) {
    if (i == len || rel[i] == '/') {
      size_t n = i - seg;
      const char *s = rel + seg;
      /* "" (a leading '/', "//", a trailing '/'), "." and "..": each
       * would make the path mean something other than its text. */
      if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
      seg = i + 1;
    } else if (rel[i] == '\0' || rel[i] == '\\') {
      /* A NUL would cut the path short where C strings are used; a
       * backslash is a separator on Windows, where states are written
       * too. */
      return 0;
    }
  }
  return 1;
}

void pl__trace_header(unsigned char out[PL__TRACE_HEADER_SIZE]) {
  memcpy(out, PL__TRACE_MAGIC, 8);
  pl__put32(out + 8, PL__TRACE_VERSION);
  pl__put32(out + 12, 0);
}

pl_status pl__trace_encode(const pl_crash_op *op, unsigned char **out, size_t *n) {
  size_t pl = op->path ? strlen(op->path) : 0;
  size_t pl2 = op->path2 ? strlen(op->path2) : 0;
  size_t dl = op->data ? (size_t)op->len : 0;
  size_t body;
  unsigned char *p, *b;
  if (pl > MAX_PATH_BYTES || pl2 > MAX_PATH_BYTES || dl > UINT32_MAX - FIXED - 2 * MAX_PATH_BYTES)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "trace: record too large to encode");
  body = FIXED + pl + pl2 + dl;
  p = malloc(8 + body);
  if (p == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "trace: out of memory");
  b = p + 8;
  b[0] = (unsigned char)op->kind;
  b[1] = (unsigned char)((op->failed != 0) | (op->flags << 1));
  b[2] = b[3] = 0;
  pl__put32(b + 4, op->handle);
  pl__put64(b + 8, op->offset);
  pl__put64(b + 16, op->len);
  pl__put32(b + 24, op->path ? (uint32_t)pl : NO_PATH);
  pl__put32(b + 28, op->path2 ? (uint32_t)pl2 : NO_PATH);
  pl__put32(b + 32, op->data ? 1u : 0u);
  memcpy(b + FIXED, op->path ? op->path : "", pl);
  memcpy(b + FIXED + pl, op->path2 ? op->path2 : "", pl2);
  if (dl) memcpy(b + FIXED + pl + pl2, op->data, dl);
  pl__put32(p, (uint32_t)body);
  pl__put32(p + 4, pl__crc32c(b, body));
  *out = p;
  *n = 8 + body;
  return PL_OK;
}

pl_status pl_crash_trace_save(pl_env *env, const char *path, const pl_crash_trace *t) {
  pl_writable_options o;
  pl_writable_file *f;
  unsigned char hdr[PL__TRACE_HEADER_SIZE];
  size_t i;
  pl_status s, c;
  pl_writable_options_init(&o);
  s = pl_env_new_writable(env, path, &o, &f);
  if (s != PL_OK) return s;
  pl__trace_header(hdr);
  s = pl_writable_append(f, hdr, sizeof hdr);
  for (i = 0; i < t->count && s == PL_OK; i++) {
    unsigned char *rec;
    size_t n;
    s = pl__trace_encode(&t->ops[i], &rec, &n);
    if (s != PL_OK) break;
    s = pl_writable_append(f, rec, n);
    free(rec);
  }
  if (s == PL_OK) s = pl_writable_sync(f);
  c = pl_writable_close(f);
  return s != PL_OK ? s : c;
}

static pl_status corrupt(const char *path, size_t at, const char *what) {
  return pl_error_set(PL_CORRUPTION, 0, "%s: bad trace record at byte %lu: %s", path,
                      (unsigned long)at, what);
}

/* Reads at most max + 1 bytes of path: one more than allowed proves the
 * file is too large without reading the rest (a trace named /dev/zero). */
static pl_status read_bounded(pl_env *env, const char *path, uint64_t max, pl__buf *out) {
  pl_sequential_file *f;
  pl_status s = pl_env_new_sequential(env, path, &f);
  if (s != PL_OK) return s;
  for (;;) {
    size_t got, want = 1 << 20;
    if ((uint64_t)out->len > max) break;
    if (!pl__buf_reserve(out, want)) {
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
      break;
    }
    s = pl_sequential_read(f, out->p + out->len, want, &got);
    if (s != PL_OK || got == 0) break;
    out->len += got;
  }
  pl_sequential_close(f);
  if (s == PL_OK && (uint64_t)out->len > max)
    s = pl_error_set(PL_INVALID_ARGUMENT, EFBIG, "%s: larger than %llu bytes, the most a trace may have",
                     path, (unsigned long long)max);
  return s;
}

/* Checks that op has the fields its kind needs and no others that would
 * be ignored silently. */
static const char *check_fields(const pl_crash_op *op, int version) {
  int p1 = op->path != NULL, p2 = op->path2 != NULL, d = op->data != NULL;
  if (op->kind < PL_CRASH_CREATE || op->kind > (version == 1 ? PL_CRASH_BASELINE : PL_CRASH_KIND_MAX))
    return "unknown op kind";
  if (op->offset > PL__TRACE_MAX_OFFSET || op->len > PL__TRACE_MAX_OFFSET) return "offset or length out of range";
  switch (op->kind) {
    case PL_CRASH_CREATE:
    case PL_CRASH_OPEN:
      return p1 && !p2 && !d && op->path[0] ? NULL : "create/open needs one non-root path";
    case PL_CRASH_WRITE:
      return !p1 && !p2 && (d || op->len == 0) ? NULL : "write needs its data and no path";
    case PL_CRASH_EXTEND:
    case PL_CRASH_SYNC:
      return !p1 && !p2 && !d ? NULL : "extend/sync take only a handle";
    case PL_CRASH_ZERO:
    case PL_CRASH_SYNC_RANGE:
      return !p1 && !p2 && !d ? NULL : "zero/syncrange take a handle, an offset and a length";
    case PL_CRASH_TRUNCATE:
      return !p2 && !d && (!p1 || op->path[0]) ? NULL : "truncate takes a handle or a file's path";
    case PL_CRASH_SYNC_DIR:
      return p1 && !p2 && !d ? NULL : "syncdir needs one path";
    case PL_CRASH_UNLINK:
    case PL_CRASH_MKDIR:
    case PL_CRASH_RMDIR:
      return p1 && !p2 && !d && op->path[0] ? NULL : "unlink/mkdir/rmdir need one non-root path";
    case PL_CRASH_RENAME:
    case PL_CRASH_LINK:
    case PL_CRASH_EXCHANGE:
      return p1 && p2 && !d && op->path[0] && op->path2[0] ? NULL : "rename/link/exchange need two non-root paths";
    case PL_CRASH_SYMLINK:
      return p1 && !p2 && d && op->path[0] ? NULL : "symlink needs a path and its target";
    case PL_CRASH_NOTE:
    case PL_CRASH_IGNORED:
      return !p1 && !p2 ? NULL : "note takes only text";
    default:
      return !p1 && !p2 && !d ? NULL : "baseline/sync-all take nothing";
  }
}

pl_status pl_crash_trace_load(pl_env *env, const char *path, pl_crash_trace *t) {
  return pl_crash_trace_load_max(env, path, PL_CRASH_TRACE_MAX_BYTES, t);
}

pl_status pl_crash_trace_load_max(pl_env *env, const char *path, uint64_t max_bytes,
                                  pl_crash_trace *t) {
  pl__buf raw = {0};
  size_t n, at;
  const unsigned char *p;
  uint32_t version;
  pl_status s;
  pl_crash_trace_init(t);
  s = read_bounded(env, path, max_bytes, &raw);
  if (s != PL_OK) {
    pl__buf_free(&raw);
    return s;
  }
  p = raw.p;
  n = raw.len;
  if (n < PL__TRACE_HEADER_SIZE || memcmp(p, PL__TRACE_MAGIC, 8) != 0) {
    pl__buf_free(&raw);
    return pl_error_set(PL_CORRUPTION, 0, "%s: not a plinth trace file", path);
  }
  version = pl__get32(p + 8);
  if (version != 1 && version != 2) {
    pl__buf_free(&raw);
    return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: trace format version %lu (this plinth reads 1 and 2)",
                        path, (unsigned long)version);
  }
  at = PL__TRACE_HEADER_SIZE;
  while (at < n) {
    uint32_t body, pl, pl2, hasdata;
    const unsigned char *b;
    pl_crash_op op;
    const char *why;
    char *p1 = NULL, *p2 = NULL;
    size_t need;
    /* A record cut short at the end: the recorded program died while
     * appending it.  Everything before it is whole. */
    if (n - at < 8) break;
    body = pl__get32(p + at);
    if (body > n - at - 8) break;
    b = p + at + 8;
    if (pl__crc32c(b, body) != pl__get32(p + at + 4)) {
      s = corrupt(path, at, "checksum mismatch");
      break;
    }
    if (body < FIXED) {
      s = corrupt(path, at, "record too short");
      break;
    }
    memset(&op, 0, sizeof op);
    op.kind = b[0];
    op.failed = b[1] & 1;
    op.flags = version == 1 ? 0u : (unsigned)(b[1] >> 1);
    op.handle = pl__get32(b + 4);
    op.offset = pl__get64(b + 8);
    op.len = pl__get64(b + 16);
    pl = pl__get32(b + 24);
    pl2 = pl__get32(b + 28);
    hasdata = pl__get32(b + 32);
    if ((pl != NO_PATH && pl > MAX_PATH_BYTES) || (pl2 != NO_PATH && pl2 > MAX_PATH_BYTES) || hasdata > 1) {
      s = corrupt(path, at, "field out of range");
      break;
    }
    /* Each term is bounded above, so the sum cannot wrap. */
    need = FIXED + (pl == NO_PATH ? 0 : pl) + (pl2 == NO_PATH ? 0 : pl2);
    if (need > body || (hasdata ? (uint64_t)(body - need) != op.len : body != need)) {
      s = corrupt(path, at, "lengths do not add up");
      break;
    }
    if (pl != NO_PATH) {
      if (!pl__trace_path_ok((const char *)b + FIXED, pl)) {
        s = corrupt(path, at, "a path that is absolute, has \"..\", \".\" or empty segments, or a NUL");
        break;
      }
      p1 = malloc((size_t)pl + 1);
      if (p1) {
        memcpy(p1, b + FIXED, pl);
        p1[pl] = '\0';
      }
    }
    if (pl2 != NO_PATH) {
      const unsigned char *src = b + FIXED + (pl == NO_PATH ? 0 : pl);
      if (!pl__trace_path_ok((const char *)src, pl2)) {
        free(p1);
        s = corrupt(path, at, "a path that is absolute, has \"..\", \".\" or empty segments, or a NUL");
        break;
      }
      p2 = malloc((size_t)pl2 + 1);
      if (p2) {
        memcpy(p2, src, pl2);
        p2[pl2] = '\0';
      }
    }
    op.path = p1;
    op.path2 = p2;
    op.data = hasdata ? (unsigned char *)(b + need) : NULL;
    if ((pl != NO_PATH && p1 == NULL) || (pl2 != NO_PATH && p2 == NULL)) {
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
    } else if ((why = check_fields(&op, (int)version)) != NULL) {
      s = corrupt(path, at, why);
    } else {
      s = pl_crash_trace_add(t, &op);
    }
    free(p1);
    free(p2);
    if (s != PL_OK) break;
    at += 8 + (size_t)body;
  }
  pl__buf_free(&raw);
  if (s != PL_OK) pl_crash_trace_free(t);
  return s;
}
