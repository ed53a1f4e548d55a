/* RADOS files: striped data objects, buffered appends sent as
 * asynchronous writes whose acknowledgements sync collects, positional
 * writes and reads. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/rados/rados_internal.h"
#include "plinth/file_util.h"
#include "util/append_buffer.h"

#define OID_LEN (PL__RADOS_ID_MAX + 32)

/* ------------------------------------------------------------------ */
/* Reads                                                               */

/* Reads up to n bytes at off into buf: object by object, stopping at the
 * first short or missing object (the end of the file). */
static pl_status read_range(pl__rados_env *e, const char *id, const char *path, uint64_t off,
                            char *buf, size_t n, size_t *got) {
  char oid[OID_LEN];
  *got = 0;
  while (n > 0) {
    uint64_t index = off / e->stripe, within = off % e->stripe;
    size_t piece = n;
    int r;
    if ((uint64_t)piece > e->stripe - within) piece = (size_t)(e->stripe - within);
    pl__rados_data_oid(oid, sizeof oid, id, index);
    PL__RADOS_COUNT(e, reads, 1);
    r = rados_read(e->io, oid, buf, piece, within);
    if (r > 0) PL__RADOS_COUNT(e, read_bytes, r);
    if (r == -ENOENT) break;
    if (r < 0) return pl__rados_error(r, "%s (reading object %s)", path, oid);
    *got += (size_t)r;
    buf += r;
    off += (uint64_t)r;
    n -= (size_t)r;
    if ((size_t)r < piece) break;
  }
  return PL_OK;
}

/* Resolves path to a file id for reading. */
static pl_status open_for_read(pl__rados_env *e, const char *path, char **canon, char *id) {
  int kind;
  pl_status s = pl__rados_canon(path, canon);
  if (s != PL_OK) return s;
  s = pl__rados_lookup(e, *canon, &kind, id);
  if (s == PL_OK && kind != PL__RADOS_FILE) s = pl__rados_error(-EISDIR, "%s", *canon);
  if (s != PL_OK) {
    free(*canon);
    *canon = NULL;
  }
  return s;
}

/* ------------------------------------------------------------------ */
/* Read-ahead                                                          */

/* A file read in order (LevelDB's compactions and iterators read a table
 * block after block, its log reader 32 KiB at a time) would cost one round
 * trip per block.  Once a read starts where the previous one ended, or
 * where the window ends, the file reads ahead: PL__RADOS_AHEAD_MIN bytes,
 * doubling at each further read in order up to PL__RADOS_AHEAD_MAX, kept
 * in a window that later reads are served from.  Other reads (a Get)
 * fetch exactly what they ask for and leave the window and its size
 * alone, so a compaction and the Gets on the same table share it.  The
 * windows of an env hold at most PL__RADOS_AHEAD_BUDGET bytes; beyond,
 * reads go straight to the cluster.  Bytes in a window are as they were
 * when read: a reader does not see what another writer changes there
 * (write_at) until it reads that range again after the window moved on. */
typedef struct ahead {
  pl__mutex mu;
  char *buf;
  uint64_t off;      /* file offset of buf[0] */
  size_t len;        /* bytes in buf */
  uint64_t last_end; /* where the last read ended */
  size_t size;       /* the next read-ahead: 0 until reads come in order */
} ahead;

static void ahead_init(ahead *a) {
  memset(a, 0, sizeof *a);
  pl__mutex_init(&a->mu);
}

static void ahead_drop(pl__rados_env *e, ahead *a) {
  if (a->buf != NULL) __atomic_sub_fetch(&e->ahead_bytes, a->len, __ATOMIC_RELAXED);
  free(a->buf);
  a->buf = NULL;
  a->len = 0;
}

static void ahead_free(pl__rados_env *e, ahead *a) {
  ahead_drop(e, a);
  pl__mutex_destroy(&a->mu);
}

/* Reads up to n bytes at off into buf through the window a. */
static pl_status ahead_read(pl__rados_env *e, ahead *a, const char *id, const char *path,
                            uint64_t off, char *buf, size_t n, size_t *got) {
  size_t fetch = 0, g = 0, k;
  char *nb = NULL;
  pl_status s;
  *got = 0;
  pl__mutex_lock(&a->mu);
  if (a->len > 0 && off >= a->off && off < a->off + a->len) {
    k = (size_t)(a->off + a->len - off);
    if (k > n) k = n;
    memcpy(buf, a->buf + (off - a->off), k);
    buf += k;
    off += k;
    n -= k;
    *got = k;
  }
  if (n == 0) {
    a->last_end = off;
    pl__mutex_unlock(&a->mu);
    return PL_OK;
  }
  if (off == a->last_end || (a->len > 0 && off == a->off + a->len)) {
    a->size = a->size == 0 ? PL__RADOS_AHEAD_MIN : a->size * 2;
    if (a->size > PL__RADOS_AHEAD_MAX) a->size = PL__RADOS_AHEAD_MAX;
    if (a->size > n) fetch = a->size;
  }
  pl__mutex_unlock(&a->mu);
  if (fetch > 0 && __atomic_add_fetch(&e->ahead_bytes, fetch, __ATOMIC_RELAXED) > PL__RADOS_AHEAD_BUDGET) {
    __atomic_sub_fetch(&e->ahead_bytes, fetch, __ATOMIC_RELAXED);
    fetch = 0;
  }
  if (fetch > 0 && (nb = malloc(fetch)) == NULL) {
    __atomic_sub_fetch(&e->ahead_bytes, fetch, __ATOMIC_RELAXED);
    fetch = 0;
  }
  if (fetch == 0) {
    s = read_range(e, id, path, off, buf, n, &g);
    if (s != PL_OK) return s;
    *got += g;
    pl__mutex_lock(&a->mu);
    a->last_end = off + g;
    pl__mutex_unlock(&a->mu);
    return PL_OK;
  }
  s = read_range(e, id, path, off, nb, fetch, &g);
  if (s != PL_OK) {
    __atomic_sub_fetch(&e->ahead_bytes, fetch, __ATOMIC_RELAXED);
    free(nb);
    return s;
  }
  k = g < n ? g : n;
  memcpy(buf, nb, k);
  *got += k;
  /* The budget holds what the window keeps. */
  __atomic_sub_fetch(&e->ahead_bytes, fetch - g, __ATOMIC_RELAXED);
  pl__mutex_lock(&a->mu);
  ahead_drop(e, a);
  a->buf = nb;
  a->off = off;
  a->len = g;
  a->last_end = off + k;
  if (g == 0) {
    free(nb);
    a->buf = NULL;
  }
  pl__mutex_unlock(&a->mu);
  return PL_OK;
}

typedef struct rseq {
  pl_sequential_file base;
  pl__rados_env *e;
  char *path;
  char id[PL__RADOS_ID_MAX];
  uint64_t off;
  ahead ra;
} rseq;

static pl_status seq_read(pl_sequential_file *f, void *buf, size_t n, size_t *got) {
  rseq *q = (rseq *)f;
  pl_status s = ahead_read(q->e, &q->ra, q->id, q->path, q->off, buf, n, got);
  if (s == PL_OK) q->off += *got;
  return s;
}

static pl_status seq_skip(pl_sequential_file *f, uint64_t n) {
  /* Past the end, reads find nothing: that is the end. */
  ((rseq *)f)->off += n;
  return PL_OK;
}

static void seq_close(pl_sequential_file *f) {
  rseq *q = (rseq *)f;
  ahead_free(q->e, &q->ra);
  free(q->path);
  free(q);
}

static const pl_sequential_methods rseq_methods = {PL_SEQUENTIAL_VERSION, seq_read, seq_skip,
                                                   seq_close};

pl_status pl__rados_sequential_open(pl__rados_env *e, const char *path, pl_sequential_file **out) {
  rseq *q = calloc(1, sizeof *q);
  pl_status s;
  if (q == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  s = open_for_read(e, path, &q->path, q->id);
  if (s != PL_OK) {
    free(q);
    return s;
  }
  ahead_init(&q->ra);
  q->base.methods = &rseq_methods;
  q->e = e;
  *out = &q->base;
  return PL_OK;
}

typedef struct rrand {
  pl_random_file base;
  pl__rados_env *e;
  char *path;
  char id[PL__RADOS_ID_MAX];
  ahead ra;
} rrand;

static pl_status rand_read(pl_random_file *f, uint64_t offset, size_t n, void *scratch,
                           const char **result, size_t *got) {
  rrand *r = (rrand *)f;
  *result = scratch;
  return ahead_read(r->e, &r->ra, r->id, r->path, offset, scratch, n, got);
}

static void rand_close(pl_random_file *f) {
  rrand *r = (rrand *)f;
  ahead_free(r->e, &r->ra);
  free(r->path);
  free(r);
}

static const pl_random_methods rrand_methods = {PL_RANDOM_VERSION, rand_read, rand_close};

pl_status pl__rados_random_open(pl__rados_env *e, const char *path, pl_random_file **out) {
  rrand *r = calloc(1, sizeof *r);
  pl_status s;
  if (r == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  s = open_for_read(e, path, &r->path, r->id);
  if (s != PL_OK) {
    free(r);
    return s;
  }
  ahead_init(&r->ra);
  r->base.methods = &rrand_methods;
  r->e = e;
  *out = &r->base;
  return PL_OK;
}

/* ------------------------------------------------------------------ */
/* Writable files                                                      */

typedef struct rwrite {
  pl_writable_file base;
  pl__rados_env *e;
  char *path;
  char id[PL__RADOS_ID_MAX];
  pl__append_buffer ab;
  uint64_t opened_size; /* tell() = opened_size + stats.bytes */
  uint64_t next_off;    /* where ab.buf[0] goes in the file */
  int sync_on_close;
  pl_writable_stats stats;
  /* Writes sent and not yet acknowledged, oldest first. */
  rados_completion_t *inflight;
  unsigned ninflight;
  /* Guards sticky and extent: write_at may run on several threads. */
  pl__mutex mu;
  pl_status sticky;
  int sticky_os;
  char *sticky_msg;
  /* Bytes of the file that data objects hold or writes already sent will
   * make them hold: objects below extent / stripe are full. */
  uint64_t extent;
} rwrite;

static pl_status fail(rwrite *w, pl_status s) {
  pl__mutex_lock(&w->mu);
  if (w->sticky == PL_OK) {
    w->sticky_os = pl_error_os();
    w->sticky_msg = strdup(pl_error_message());
    w->sticky = s;
  }
  pl__mutex_unlock(&w->mu);
  return s;
}

static pl_status sticky_now(rwrite *w) {
  pl_status s;
  pl__mutex_lock(&w->mu);
  s = w->sticky;
  pl__mutex_unlock(&w->mu);
  return s;
}

static pl_status replay_sticky(rwrite *w) {
  pl_status s;
  pl__mutex_lock(&w->mu);
  s = pl_error_set(w->sticky, w->sticky_os, "%s (earlier failure; the file's durable state is unknown)",
                   w->sticky_msg ? w->sticky_msg : w->path);
  pl__mutex_unlock(&w->mu);
  return s;
}

/* Waits for the oldest write sent; its error becomes the file's. */
static pl_status reap_oldest(rwrite *w) {
  rados_completion_t c = w->inflight[0];
  int r;
  rados_aio_wait_for_complete(c);
  r = rados_aio_get_return_value(c);
  rados_aio_release(c);
  w->ninflight--;
  memmove(w->inflight, w->inflight + 1, w->ninflight * sizeof *w->inflight);
  if (r < 0) return fail(w, pl__rados_error(r, "%s: write", w->path));
  return PL_OK;
}

/* Collects the writes already acknowledged, without waiting. */
static pl_status reap_done(rwrite *w) {
  pl_status s = PL_OK;
  while (s == PL_OK && w->ninflight > 0 && rados_aio_is_complete(w->inflight[0])) s = reap_oldest(w);
  return s;
}

/* Waits for every write sent; returns the first error among them. */
static pl_status reap_all(rwrite *w) {
  pl_status s = PL_OK, t;
  while (w->ninflight > 0) {
    t = reap_oldest(w);
    if (s == PL_OK) s = t;
  }
  return s;
}

/* Sends [p, p+n) to file offset off as asynchronous writes, one per data
 * object it touches. */
static pl_status send_range(rwrite *w, const char *p, size_t n, uint64_t off) {
  pl__rados_env *e = w->e;
  char oid[OID_LEN];
  while (n > 0) {
    uint64_t index = off / e->stripe, within = off % e->stripe;
    size_t piece = n;
    rados_completion_t c;
    int r, fresh;
    pl_status s;
    if ((uint64_t)piece > e->stripe - within) piece = (size_t)(e->stripe - within);
    /* Object index must not exist before object index-1 is whole (a reader
     * and pl__rados_extent stop at the first short object), so the writes
     * of the previous object are acknowledged first. */
    fresh = index * e->stripe >= w->extent;
    if (fresh && index > 0 && w->ninflight > 0 && (s = reap_all(w)) != PL_OK) return s;
    if (w->ninflight >= e->max_inflight && (s = reap_oldest(w)) != PL_OK) return s;
    if (rados_aio_create_completion2(NULL, NULL, &c) < 0)
      return fail(w, pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", w->path));
    pl__rados_data_oid(oid, sizeof oid, w->id, index);
    /* An object this file has not reached yet may hold bytes of an older,
     * truncated incarnation: the first write replaces it whole. */
    PL__RADOS_COUNT(e, writes, 1);
    PL__RADOS_COUNT(e, write_bytes, piece);
    if (fresh && within == 0)
      r = rados_aio_write_full(e->io, oid, c, p, piece);
    else
      r = rados_aio_write(e->io, oid, c, p, piece, within);
    if (r < 0) {
      rados_aio_release(c);
      return fail(w, pl__rados_error(r, "%s: write to %s", w->path, oid));
    }
    w->inflight[w->ninflight++] = c;
    p += piece;
    n -= piece;
    off += piece;
    if (off > w->extent) w->extent = off;
  }
  return PL_OK;
}

/* Sends the buffer, then the extra pieces: one drain, counted as one of
 * the file's os_writes however many RADOS writes it takes. */
static pl_status drain(rwrite *w, const pl_iovec *extra, int cnt) {
  pl_status s;
  int i, sent = 0;
  if (w->ab.len > 0) {
    s = send_range(w, w->ab.buf, w->ab.len, w->next_off);
    if (s != PL_OK) return s;
    w->next_off += w->ab.len;
    w->ab.len = 0;
    sent = 1;
  }
  for (i = 0; i < cnt; i++) {
    if (extra[i].len == 0) continue;
    s = send_range(w, extra[i].base, extra[i].len, w->next_off);
    if (s != PL_OK) return s;
    w->next_off += extra[i].len;
    sent = 1;
  }
  if (sent) w->stats.os_writes++;
  return PL_OK;
}

/* The append buffer's drain (util/append_buffer.h). */
static pl_status drain_buffer(void *file, const pl_iovec *extra, int n) {
  return drain((rwrite *)file, extra, n);
}

static pl_status w_append(pl_writable_file *f, const void *data, size_t n) {
  rwrite *w = (rwrite *)f;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  s = pl__append_buffer_add(&w->ab, data, n, drain_buffer, w);
  if (s != PL_OK) return s;
  w->stats.bytes += n;
  w->stats.appends++;
  return PL_OK;
}

static pl_status w_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  rwrite *w = (rwrite *)f;
  size_t total = 0;
  int i;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  for (i = 0; i < cnt; i++) total += iov[i].len;
  s = pl__append_buffer_addv(&w->ab, iov, cnt, total, drain_buffer, w);
  if (s != PL_OK) return s;
  w->stats.bytes += total;
  w->stats.appends++;
  return PL_OK;
}

static pl_status w_flush(pl_writable_file *f) {
  rwrite *w = (rwrite *)f;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  s = reap_done(w);
  /* While an earlier write of this file is unacknowledged, the bytes wait
   * in the buffer for the next flush, sync or close (TCP's Nagle rule): a
   * engine that flushes every record (LevelDB's log) then sends one RADOS
   * write per round trip, not one per record.  Sent or not, flushed bytes
   * are durable only after sync. */
  if (s == PL_OK && w->ninflight == 0) s = drain(w, NULL, 0);
  if (s == PL_OK) w->stats.flushes++;
  return s;
}

static pl_status w_sync(pl_writable_file *f) {
  rwrite *w = (rwrite *)f;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  s = drain(w, NULL, 0);
  /* Durable means acknowledged: wait for every write sent so far. */
  if (s == PL_OK) s = reap_all(w);
  if (s == PL_OK) w->stats.syncs++;
  return s;
}

static void w_free(rwrite *w) {
  pl__mutex_destroy(&w->mu);
  free(w->inflight);
  free(w->ab.buf);
  free(w->sticky_msg);
  free(w->path);
  free(w);
}

static pl_status w_close(pl_writable_file *f) {
  rwrite *w = (rwrite *)f;
  pl_status s = w->sync_on_close ? w_sync(f) : w_flush(f), t;
  /* What flush left in the buffer (behind a write in flight) goes now. */
  if (s == PL_OK) s = drain(w, NULL, 0);
  /* Nothing may still refer to the file once it is freed, and an error
   * of a write in flight must not be lost: wait for all of them. */
  t = reap_all(w);
  if (s == PL_OK) s = t;
  w_free(w);
  return s;
}

static uint64_t w_tell(pl_writable_file *f) {
  rwrite *w = (rwrite *)f;
  return w->opened_size + w->stats.bytes;
}

static void w_stats(pl_writable_file *f, pl_writable_stats *out) { *out = ((rwrite *)f)->stats; }

/* Makes the file's objects cover [0, end): every object below end's is
 * truncated up to full size, end's object up to end's offset in it.
 * REQUIRES: w->mu held. */
static pl_status extend_to(rwrite *w, uint64_t end) {
  pl__rados_env *e = w->e;
  char oid[OID_LEN];
  uint64_t j;
  if (end <= w->extent) return PL_OK;
  for (j = w->extent / e->stripe; j <= (end - 1) / e->stripe; j++) {
    uint64_t target = end - j * e->stripe < e->stripe ? end - j * e->stripe : e->stripe;
    uint64_t current = j < w->extent / e->stripe ? e->stripe : w->extent - j * e->stripe;
    rados_write_op_t op;
    int r;
    if (target <= current) continue;
    pl__rados_data_oid(oid, sizeof oid, w->id, j);
    /* Truncating a missing object does not create it: create, then
     * truncate, in one operation. */
    op = rados_create_write_op();
    rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
    rados_write_op_truncate(op, target);
    PL__RADOS_COUNT(e, writes, 1);
    r = rados_write_op_operate(op, e->io, oid, NULL, 0);
    rados_release_write_op(op);
    if (r < 0) return pl__rados_error(r, "%s: extending %s", w->path, oid);
    w->extent = j * e->stripe + target;
  }
  return PL_OK;
}

static pl_status w_write_at(pl_writable_file *f, uint64_t offset, const void *data, size_t n) {
  rwrite *w = (rwrite *)f;
  pl__rados_env *e = w->e;
  const char *p = data;
  char oid[OID_LEN];
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  pl__mutex_lock(&w->mu);
  /* Objects stay contiguous: a write beyond the end first fills the gap. */
  s = offset > w->extent ? extend_to(w, offset) : PL_OK;
  pl__mutex_unlock(&w->mu);
  if (s != PL_OK) return fail(w, s);
  while (n > 0) {
    uint64_t index = offset / e->stripe, within = offset % e->stripe;
    size_t piece = n;
    int r;
    if ((uint64_t)piece > e->stripe - within) piece = (size_t)(e->stripe - within);
    pl__rados_data_oid(oid, sizeof oid, w->id, index);
    PL__RADOS_COUNT(e, writes, 1);
    PL__RADOS_COUNT(e, write_bytes, piece);
    r = rados_write(e->io, oid, p, piece, within);
    if (r < 0) return fail(w, pl__rados_error(r, "%s: write to %s", w->path, oid));
    p += piece;
    n -= piece;
    offset += piece;
    pl__mutex_lock(&w->mu);
    if (offset > w->extent) w->extent = offset;
    pl__mutex_unlock(&w->mu);
  }
  return PL_OK;
}

static pl_status w_allocate(pl_writable_file *f, uint64_t offset, uint64_t len) {
  rwrite *w = (rwrite *)f;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  pl__mutex_lock(&w->mu);
  s = extend_to(w, offset + len);
  pl__mutex_unlock(&w->mu);
  return s == PL_OK ? PL_OK : fail(w, s);
}

static const pl_writable_methods rwrite_methods = {PL_WRITABLE_VERSION, w_append, w_appendv, w_flush,
                                                   w_sync, w_close, w_tell, w_stats, w_write_at,
                                                   w_allocate};

pl_status pl__rados_writable_open(pl__rados_env *e, const char *path, int flags,
                                  const pl_writable_options *opt, pl_writable_file **out) {
  pl_writable_options defaults;
  rwrite *w;
  pl_status s;
  int kind, created;
  uint64_t size = 0, count = 0;
  *out = NULL;
  if (opt == NULL) {
    pl_writable_options_init(&defaults);
    opt = &defaults;
  }
  w = calloc(1, sizeof *w);
  if (w == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  pl__mutex_init(&w->mu);
  w->base.methods = &rwrite_methods;
  w->e = e;
  w->ab.cap = opt->buffer_size;
  w->sync_on_close = opt->sync_on_close;
  w->ab.buf = w->ab.cap ? malloc(w->ab.cap) : NULL;
  w->inflight = malloc(e->max_inflight * sizeof *w->inflight);
  if ((w->ab.cap && w->ab.buf == NULL) || w->inflight == NULL) {
    w_free(w);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  s = pl__rados_canon(path, &w->path);
  if (s == PL_OK && opt->create_parents) s = pl__rados_create_parents(e, w->path);
  if (s == PL_OK) s = pl__rados_create_entry(e, w->path, &kind, w->id, &created);
  if (s == PL_OK && kind != PL__RADOS_FILE) s = pl__rados_error(-EISDIR, "%s", w->path);
  if (s == PL_OK && !created) s = pl__rados_extent(e, w->id, w->path, &size, &count);
  if (s == PL_OK && !created && (flags & PL__RADOS_TRUNCATE) && count > 0) {
    /* Truncate in place: the objects beyond the first go, last first, then
     * the first is emptied; at every step the file is a shorter prefix. */
    char oid[OID_LEN];
    int r;
    s = pl__rados_remove_data(e, w->id, w->path, 1, count);
    pl__rados_data_oid(oid, sizeof oid, w->id, 0);
    if (s == PL_OK) PL__RADOS_COUNT(e, meta_ops, 1);
    if (s == PL_OK && (r = rados_trunc(e->io, oid, 0)) < 0 && r != -ENOENT)
      s = pl__rados_error(r, "%s: truncating %s", w->path, oid);
    size = 0;
  }
  if (s != PL_OK) {
    w_free(w);
    return s;
  }
  if (flags & PL__RADOS_APPEND) w->opened_size = size;
  w->next_off = w->opened_size;
  w->extent = w->opened_size;
  *out = &w->base;
  return PL_OK;
}
