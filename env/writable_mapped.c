/* The platform's writable file, mapped strategy (PL_WRITABLE_MAPPED):
 * appends are stores into a shared mapping of the file.  The file grows by
 * a step at a time (preallocated, so a full disk is an error from the
 * append that grows it, never a SIGBUS from a store into a hole), sync is
 * msync of the stores since the last sync (and fdatasync when the file's
 * size changed), close cuts the file back to its logical size.  What it
 * shares with the buffered strategy (sticky errors, the manifest rule,
 * created parents) is in env/writable.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/writable_internal.h"

#define NONE UINT64_MAX

static uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

static uint64_t logical(const os_writable *w) { return w->opened_size + w->stats.bytes; }

void pl__mapped_init(os_writable *w, uint64_t step) {
  uint64_t g = pl__port_map_granularity();
  w->map.step = round_up(step ? step : PL_WRITABLE_DEFAULT_MAP_STEP, g);
  w->map.extent = w->opened_size;
  w->map.dirty_from = NONE;
}

static void unmap(os_writable *w) {
  if (w->map.base == NULL) return;
  /* The stores stay in the file's cached pages; the next sync reaches
   * them through fdatasync, no longer through this window's msync. */
  if (w->map.dirty_from != NONE) w->map.meta_dirty = 1;
  pl__port_unmap_rw(w->map.base, w->map.len);
  w->map.base = NULL;
  w->map.len = 0;
}

/* Grows the file to hold `need` bytes (by whole steps) and maps a window
 * from the granule holding `at` to the new end. */
static pl_status grow_and_map(os_writable *w, uint64_t at, uint64_t need) {
  uint64_t g = pl__port_map_granularity(), off, extent = w->map.extent;
  pl_status s;
  void *base;
  if (need > extent) {
    extent = round_up(need, w->map.step);
    /* Reserve the blocks, not only the size: a store into a hole the file
     * system cannot fill raises SIGBUS, where a failed reservation is an
     * error this append can return. */
    s = pl__port_allocate(w->fd, w->map.extent, extent - w->map.extent, w->path);
    if (s == PL_NOT_SUPPORTED) s = pl__port_set_size(w->fd, extent, w->path);
    if (s != PL_OK) return pl__writable_fail(w, s);
    w->map.extent = extent;
    w->map.meta_dirty = 1;
  }
  unmap(w);
  off = at / g * g;
  if (extent - off > (uint64_t)SIZE_MAX)
    return pl__writable_fail(w, pl_error_set(PL_NOT_SUPPORTED, 0, "%s: window too large to map", w->path));
  s = pl__port_map_rw(w->fd, off, (size_t)(extent - off), &base, w->path);
  if (s != PL_OK) return pl__writable_fail(w, s);
  w->map.base = base;
  w->map.off = off;
  w->map.len = (size_t)(extent - off);
  return PL_OK;
}

/* Stores n bytes at the logical end. */
static pl_status store(os_writable *w, const char *p, size_t n) {
  uint64_t at = logical(w);
  while (n > 0) {
    size_t room, k;
    if (w->map.base == NULL || at >= w->map.off + w->map.len) {
      pl_status s = grow_and_map(w, at, at + n);
      if (s != PL_OK) return s;
    }
    room = (size_t)(w->map.off + w->map.len - at);
    k = n < room ? n : room;
    memcpy(w->map.base + (at - w->map.off), p, k);
    if (w->map.dirty_from == NONE) w->map.dirty_from = at;
    at += k;
    p += k;
    n -= k;
    w->stats.bytes += k;
  }
  return PL_OK;
}

static pl_status m_append(pl_writable_file *f, const void *data, size_t n) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (w->sticky != PL_OK) return pl__writable_replay_sticky(w);
  s = store(w, data, n);
  if (s != PL_OK) return s;
  w->stats.appends++;
  return PL_OK;
}

static pl_status m_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  os_writable *w = (os_writable *)f;
  int i;
  uint64_t total = 0;
  if (w->sticky != PL_OK) return pl__writable_replay_sticky(w);
  for (i = 0; i < cnt; i++) total += iov[i].len;
  /* Grow once for the whole vector, then store the pieces. */
  if (total > 0 && logical(w) + total > w->map.extent) {
    pl_status s = grow_and_map(w, logical(w), logical(w) + total);
    if (s != PL_OK) return s;
  }
  for (i = 0; i < cnt; i++) {
    pl_status s = store(w, iov[i].base, iov[i].len);
    if (s != PL_OK) return s;
  }
  w->stats.appends++;
  return PL_OK;
}

static pl_status m_flush(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  if (w->sticky != PL_OK) return pl__writable_replay_sticky(w);
  /* The stores are in the file's cached pages already: a process crash
   * cannot lose them. */
  w->stats.flushes++;
  return PL_OK;
}

/* msync of the stores in the current window, fdatasync when the size
 * changed or stores left with an unmapped window. */
static pl_status make_durable(os_writable *w) {
  pl_status s;
  uint64_t g = pl__port_map_granularity();
  if (w->map.base != NULL && w->map.dirty_from != NONE && w->map.dirty_from < w->map.off + w->map.len) {
    uint64_t from = w->map.dirty_from > w->map.off ? w->map.dirty_from / g * g : w->map.off;
    uint64_t to = logical(w) < w->map.off + w->map.len ? logical(w) : w->map.off + w->map.len;
    if (to > from) {
      s = pl__port_map_sync(w->fd, w->map.base + (from - w->map.off), (size_t)(to - from), w->path);
      if (s != PL_OK) return pl__writable_fail(w, s);
    }
  }
  if (w->map.meta_dirty) {
    s = pl__port_sync(w->fd, w->path);
    if (s != PL_OK) return pl__writable_fail(w, s);
  }
  w->map.dirty_from = NONE;
  w->map.meta_dirty = 0;
  return PL_OK;
}

static pl_status m_sync(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (w->sticky != PL_OK) return pl__writable_replay_sticky(w);
  s = pl__writable_dir_rules(w);
  if (s != PL_OK) return s;
  s = make_durable(w);
  if (s != PL_OK) return s;
  w->stats.syncs++;
  return PL_OK;
}

static pl_status m_close(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  pl_status s = PL_OK, c;
  uint64_t size = logical(w) > w->map.keep ? logical(w) : w->map.keep;
  if (w->sticky != PL_OK) s = pl__writable_replay_sticky(w);
  else if (w->sync_on_close) s = m_sync(f);
  unmap(w);
  /* Cut the steps' zeros off.  Done even after a failure, so the file is
   * never left longer than it was written; not synced unless asked. */
  if (w->map.extent > size) {
    c = pl__port_set_size(w->fd, size, w->path);
    if (s == PL_OK) s = c;
    if (c == PL_OK && s == PL_OK && w->sync_on_close) s = pl__port_sync(w->fd, w->path);
  }
  c = pl__port_close(w->fd, w->path);
  if (s == PL_OK) s = c;
  pl__writable_free(w);
  return s;
}

static uint64_t m_tell(pl_writable_file *f) { return logical((os_writable *)f); }

static void m_stats(pl_writable_file *f, pl_writable_stats *out) { *out = ((os_writable *)f)->stats; }

static pl_status m_write_at(pl_writable_file *f, uint64_t offset, const void *data, size_t n) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (pl__writable_sticky_now(w) != PL_OK) return pl__writable_replay_sticky(w);
  /* Through the descriptor: the page cache is shared with the mapping,
   * and a write past the extent grows the file as it would anywhere.
   * Not thread-safe with append (as for every writable). */
  s = pl__port_pwrite(w->fd, offset, data, n, w->path);
  if (s != PL_OK) return pl__writable_fail(w, s);
  /* write_at calls may run concurrently: the shared fields under the
   * sticky mutex.  close keeps what they wrote past the logical end. */
  pl__mutex_lock(&w->sticky_mu);
  w->map.meta_dirty = 1;
  if (offset + n > w->map.keep) w->map.keep = offset + n;
  pl__mutex_unlock(&w->sticky_mu);
  return PL_OK;
}

static pl_status m_allocate(pl_writable_file *f, uint64_t offset, uint64_t len) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (pl__writable_sticky_now(w) != PL_OK) return pl__writable_replay_sticky(w);
  s = pl__port_allocate(w->fd, offset, len, w->path);
  if (s != PL_OK) return s;
  w->map.meta_dirty = 1;
  if (offset + len > w->map.keep) w->map.keep = offset + len;
  return PL_OK;
}

const pl_writable_methods pl__mapped_writable_methods = {
    PL_WRITABLE_VERSION, m_append, m_appendv, m_flush, m_sync, m_close,
    m_tell, m_stats, m_write_at, m_allocate};

int pl__writable_mapped_sizes(pl_writable_file *f, uint64_t *extent, uint64_t *final_size) {
  os_writable *w = (os_writable *)f;
  if (f == NULL || f->methods != &pl__mapped_writable_methods) return 0;
  *extent = w->map.extent;
  *final_size = logical(w) > w->map.keep ? logical(w) : w->map.keep;
  return 1;
}
