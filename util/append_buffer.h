/* The append buffer of plinth's writable files (env/writable.c, the RADOS
 * env's env/rados/rados_file.c): where appends collect and when they go
 * out.  Header-only, so the libraries built beside libplinth, which see
 * only its public API, share the one policy too.  Internal to plinth.
 *
 * The policy: an append that fits is copied in; one smaller than the
 * buffer fills it, the full buffer goes out as one write, the rest is kept
 * (a full-size write per buffer's worth of small appends); one at least as
 * large as the buffer goes out at once behind what is buffered, without a
 * copy.  cap 0 is an unbuffered file: every append goes out at once. */
#ifndef PLINTH_UTIL_APPEND_BUFFER_H
#define PLINTH_UTIL_APPEND_BUFFER_H

#include <stddef.h>
#include <string.h>

#include "plinth/env.h"

typedef struct pl__append_buffer {
  char *buf;
  size_t cap; /* buffer size; 0 = unbuffered */
  size_t len; /* bytes in buf */
} pl__append_buffer;

/* The file's drain: writes the buffered bytes, then extra[0..n), and on
 * success empties the buffer (len = 0). */
typedef pl_status (*pl__append_drain_fn)(void *file, const pl_iovec *extra, int n);

/* Copies n bytes in.  REQUIRES: they fit. */
static inline void pl__append_buffer_take(pl__append_buffer *b, const void *data, size_t n) {
  if (n == 0) return; /* an unbuffered file has no buffer to copy into */
  memcpy(b->buf + b->len, data, n);
  b->len += n;
}

/* Appends n bytes by the policy above, draining through drain(file). */
static inline pl_status pl__append_buffer_add(pl__append_buffer *b, const char *p, size_t n,
                                              pl__append_drain_fn drain, void *file) {
  size_t room = b->cap - b->len;
  pl_iovec piece;
  if (n <= room) {
    pl__append_buffer_take(b, p, n);
    return PL_OK;
  }
  if (n < b->cap) {
    pl_status s;
    pl__append_buffer_take(b, p, room);
    s = drain(file, NULL, 0);
    if (s != PL_OK) return s;
    pl__append_buffer_take(b, p + room, n - room);
    return PL_OK;
  }
  piece.base = p;
  piece.len = n;
  return drain(file, &piece, 1);
}

/* Appends the pieces iov[0..cnt), total bytes in all: copied in if they
 * all fit; at least a buffer's worth goes out at once behind what is
 * buffered; otherwise piece by piece as pl__append_buffer_add. */
static inline pl_status pl__append_buffer_addv(pl__append_buffer *b, const pl_iovec *iov, int cnt,
                                               size_t total, pl__append_drain_fn drain, void *file) {
  pl_status s = PL_OK;
  int i;
  if (total <= b->cap - b->len) {
    for (i = 0; i < cnt; i++) pl__append_buffer_take(b, iov[i].base, iov[i].len);
  } else if (total >= b->cap) {
    s = drain(file, iov, cnt);
  } else {
    for (i = 0; i < cnt && s == PL_OK; i++)
      s = pl__append_buffer_add(b, (const char *)iov[i].base, iov[i].len, drain, file);
  }
  return s;
}

#endif /* PLINTH_UTIL_APPEND_BUFFER_H */
