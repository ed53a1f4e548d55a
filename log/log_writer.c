/* The record log's writer: segments, spares, framing, whole-page writes,
 * the three durability modes (see plinth/log.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/group_commit_internal.h"
#include "log/log_internal.h"
#include "plinth/file_util.h"
#include "port/thread.h"
#include "util/error.h"

#define ZERO_CHUNK (256u * 1024u) /* zeros written per call when preparing a spare */
#define MAX_SPARES 48
/* Unsynced mode writes whole pages once this much is buffered; so does a
 * group-commit batch on its way. */
#define FLUSH_BYTES (1u << 20)

typedef struct spare {
  uint64_t id;  /* fresh: a number of its own; recycled: its old log number */
  int recycled; /* "%016x.old": holds records of its earlier life */
  int ready;    /* recycled: its first page zeroed and synced by this process */
  int busy;     /* being made ready */
} spare;

struct pl_log {
  pl_env *env;
  char *dir;
  pl_log_options opt;
  unsigned hooks;
  unsigned wflags; /* PL_WRITABLE_* for segments */

  pl__mutex mu;
  pl__cond cv; /* the spare thread waits for work, writers for spares */

  /* The segment being written: the bytes of [base, pos) are in buf (base
   * is a page boundary), and buf is zero from pos on. */
  pl_writable_file *seg;
  uint64_t seg_no, seg_size;
  uint64_t pos;     /* logical end */
  uint64_t base;    /* segment offset of buf[0] */
  uint64_t flushed; /* pos when the pages were last all written */
  uint64_t durable; /* bytes of the segment known synced */
  unsigned char *buf, *buf_mem;
  size_t buf_cap;
  uint64_t next_log; /* number of the next segment */
  uint64_t oldest;   /* oldest live segment */

  spare spares[MAX_SPARES];
  int nspares;
  uint64_t next_spare_id;
  int thread_busy;   /* the spare thread is making a spare ready */
  int thread_failed; /* it gave up, until a writer succeeds again */
  pl__error_saved thread_error;
  int stopping;
  int have_thread;
  pl__thread thread;
  unsigned char *zeros; /* ZERO_CHUNK zero bytes, aligned */
  unsigned char *zeros_mem;

  pl__mutex release_mu; /* one release at a time */

  pl_status sticky;
  pl__error_saved sticky_detail;
  pl_group_commit *gc;
  pl_log_stats stats;
};

void pl_log_options_init(pl_log_options *o) {
  memset(o, 0, sizeof *o);
  o->durability = PL_LOG_SYNC_EACH;
  o->segment_size = 16u << 20;
  o->spares = 1;
  o->recycle = 4;
  o->direct = PL_LOG_DIRECT_OFF;
  o->first_log_number = 1;
}

/* ---- failures ------------------------------------------------------------ */

/* Records the first write or sync failure (this thread's detail), which
 * every later call replays.  REQUIRES: mu held. */
static pl_status fail(pl_log *log, pl_status s) {
  if (log->sticky == PL_OK) log->sticky = pl__error_save(&log->sticky_detail, s);
  return s;
}

static pl_status replay(pl_log *log) {
  pl__error_saved e = log->sticky_detail;
  return pl_error_set(e.code, e.os, "%s (earlier failure; the log's durable state is unknown)",
                      e.message);
}

/* ---- memory ---------------------------------------------------------------- */

/* Allocates n bytes aligned to a page (direct I/O needs it), zeroed; *mem
 * is what to free. */
static unsigned char *aligned_zalloc(size_t n, unsigned char **mem) {
  unsigned char *m = calloc(1, n + PL__LOG_P);
  uintptr_t a;
  *mem = m;
  if (m == NULL) return NULL;
  a = ((uintptr_t)m + PL__LOG_P - 1) & ~(uintptr_t)(PL__LOG_P - 1);
  return (unsigned char *)a;
}

/* Makes buf hold [base, end) plus the page after end.  REQUIRES: mu. */
static pl_status ensure_buf(pl_log *log, uint64_t end) {
  size_t need = (size_t)((end / PL__LOG_P + 1) * PL__LOG_P - log->base);
  unsigned char *mem, *b;
  size_t cap;
  if (need <= log->buf_cap) return PL_OK;
  cap = log->buf_cap ? log->buf_cap : 4 * PL__LOG_P;
  while (cap < need) cap *= 2;
  b = aligned_zalloc(cap, &mem);
  if (b == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: log: out of memory", log->dir);
  if (log->buf) memcpy(b, log->buf, (size_t)(log->pos - log->base));
  free(log->buf_mem);
  log->buf = b;
  log->buf_mem = mem;
  log->buf_cap = cap;
  return PL_OK;
}

/* ---- framing and writing -------------------------------------------------- */

static uint32_t seg_num32(const pl_log *log) {
  return (log->hooks & PL__LOG_HOOK_NO_NUMBERS) ? 0 : (uint32_t)log->seg_no;
}

/* Frames n bytes as one record at pos.  REQUIRES: mu, ensure_buf done. */
static void frame(pl_log *log, const unsigned char *data, size_t n) {
  uint64_t p = log->pos;
  size_t left = n;
  int first = 1;
  for (;;) {
    uint64_t room;
    size_t piece;
    int type;
    unsigned char *at;
    p = pl__log_skip_trailer(p); /* the trailer stays zero */
    room = pl__log_block_left(p) - PL__LOG_H;
    piece = left < room ? left : (size_t)room;
    if (first) type = piece == left ? PL__LOG_FULL : PL__LOG_FIRST;
    else type = piece == left ? PL__LOG_LAST : PL__LOG_MIDDLE;
    at = log->buf + (p - log->base);
    if (piece) memcpy(at + PL__LOG_H, data, piece);
    pl__log_frame(at, type, seg_num32(log), (uint32_t)log->durable, piece);
    p += PL__LOG_H + piece;
    data += piece;
    left -= piece;
    first = 0;
    if (left == 0) break;
  }
  log->pos = p;
}

/* Writes buf's pages: all of them up to and including the page holding pos
 * (whole), or with whole_tail 0 only the pages before it.  The page holding
 * pos stays in buf, to be written again as it fills: every write is of
 * whole pages from memory, so the OS never reads a page to merge a partial
 * write into it.  REQUIRES: mu. */
static pl_status write_pages(pl_log *log, int whole_tail) {
  uint64_t tail = log->pos / PL__LOG_P * PL__LOG_P;
  uint64_t end = whole_tail ? tail + PL__LOG_P : tail;
  size_t used;
  pl_status s;
  if (end > log->seg_size) end = log->seg_size;
  if (end <= log->base) return PL_OK;
  s = pl_writable_write_at(log->seg, log->base, log->buf, (size_t)(end - log->base));
  if (s != PL_OK) return fail(log, s);
  log->stats.writes++;
  log->stats.bytes_written += end - log->base;
  if (whole_tail) log->flushed = log->pos;
  if (tail > log->base) {
    used = (size_t)(tail - log->base) + PL__LOG_P;
    if (used > log->buf_cap) used = log->buf_cap;
    memmove(log->buf, log->buf + (tail - log->base), PL__LOG_P);
    memset(log->buf + PL__LOG_P, 0, used - PL__LOG_P);
    log->base = tail;
  }
  return PL_OK;
}

/* REQUIRES: mu, pages written. */
static pl_status sync_seg(pl_log *log) {
  uint64_t upto = log->flushed;
  pl_status s = pl_writable_sync(log->seg);
  if (s != PL_OK) return fail(log, s);
  log->stats.syncs++;
  if (upto > log->durable) log->durable = upto;
  return PL_OK;
}

/* Writes the seal (after a pad if the block is too short for it), then the
 * pages, and syncs: the segment is complete.  REQUIRES: mu. */
static pl_status seal(pl_log *log) {
  uint64_t p = pl__log_skip_trailer(log->pos);
  unsigned char payload[PL__LOG_SEAL_LEN];
  pl_status s = ensure_buf(log, pl__log_seal_end(log->pos));
  if (s != PL_OK) return fail(log, s);
  if (pl__log_block_left(p) < PL__LOG_H + PL__LOG_SEAL_LEN) {
    size_t pad = (size_t)(pl__log_block_left(p) - PL__LOG_H);
    pl__log_frame(log->buf + (p - log->base), PL__LOG_PAD, seg_num32(log), (uint32_t)log->durable,
                  pad); /* its payload is the zeros already there */
    p += PL__LOG_H + pad;
  }
  pl__put64(payload, log->next_log);
  memcpy(log->buf + (p - log->base) + PL__LOG_H, payload, sizeof payload);
  pl__log_frame(log->buf + (p - log->base), PL__LOG_SEAL, seg_num32(log), (uint32_t)log->durable,
                sizeof payload);
  log->pos = p + PL__LOG_H + sizeof payload;
  s = write_pages(log, 1);
  if (s == PL_OK) s = sync_seg(log);
  return s;
}

/* ---- spares ---------------------------------------------------------------- */

static int count_ready(const pl_log *log) {
  int i, n = 0;
  for (i = 0; i < log->nspares; i++) n += log->spares[i].ready;
  return n;
}

static void push_spare(pl_log *log, uint64_t id, int recycled, int ready) {
  spare *sp;
  if (log->nspares >= MAX_SPARES) return; /* cannot happen: the limits keep it below */
  sp = &log->spares[log->nspares++];
  sp->id = id;
  sp->recycled = recycled;
  sp->ready = ready;
  sp->busy = 0;
}

static void remove_spare(pl_log *log, int i) {
  memmove(&log->spares[i], &log->spares[i + 1], (size_t)(log->nspares - i - 1) * sizeof *log->spares);
  log->nspares--;
}

/* Writes a fresh spare: "%016x.tmp" written with zeros, synced, then named
 * "%016x.zero".  A crash before the rename leaves a .tmp, which open
 * removes; the rename is not synced here because a spare's name matters only
 * once it becomes a segment, and that rename is synced.  *stop (read
 * without the lock: a hint) abandons the work.  No lock held. */
static pl_status make_fresh(pl_log *log, uint64_t id, const volatile int *stop) {
  char tmp[4200], fin[4200];
  pl_writable_options wo;
  pl_writable_file *f = NULL;
  pl_status s;
  uint64_t done = 0;
  pl__log_name(tmp, sizeof tmp, log->dir, id, "tmp");
  pl__log_name(fin, sizeof fin, log->dir, id, "zero");
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  s = pl_env_new_writable(log->env, tmp, &wo, &f);
  while (s == PL_OK && done < log->opt.segment_size) {
    uint64_t n = log->opt.segment_size - done;
    if (n > ZERO_CHUNK) n = ZERO_CHUNK;
    if (stop && *stop) {
      s = pl_error_set(PL_IO_ERROR, 0, "%s: abandoned (the log is closing)", tmp);
      break;
    }
    s = pl_writable_append(f, log->zeros, (size_t)n);
    done += n;
  }
  if (s == PL_OK) s = pl_writable_sync(f);
  if (f) {
    pl_status c = pl_writable_close(f);
    if (s == PL_OK) s = c;
  }
  if (s == PL_OK) s = pl_env_rename(log->env, tmp, fin);
  if (s != PL_OK) {
    pl__error_saved e;
    pl__error_save(&e, s);
    pl_env_remove_file(log->env, tmp);
    return pl__error_restore(&e);
  }
  return PL_OK;
}

/* A recycled spare's first page is zeroed and synced before it is used, so
 * a segment that crashes before its first write reads as empty rather than
 * as stale records at offset 0.  No lock held. */
static pl_status ready_recycled(pl_log *log, uint64_t id) {
  char path[4200];
  pl_writable_options wo;
  pl_writable_file *f;
  pl_status s, c;
  pl__log_name(path, sizeof path, log->dir, id, "old");
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  s = pl_env_new_appendable(log->env, path, &wo, &f);
  if (s != PL_OK) return s;
  s = pl_writable_write_at(f, 0, log->zeros, PL__LOG_P);
  if (s == PL_OK) s = pl_writable_sync(f);
  c = pl_writable_close(f);
  return s != PL_OK ? s : c;
}

static void spare_thread(void *arg) {
  pl_log *log = arg;
  pl__mutex_lock(&log->mu);
  for (;;) {
    int i, pick = -1;
    pl_status s;
    uint64_t id;
    if (log->stopping) break;
    if (!log->thread_failed) {
      for (i = 0; i < log->nspares && pick < 0; i++)
        if (!log->spares[i].ready && !log->spares[i].busy) pick = i;
      if (pick < 0 && count_ready(log) < log->opt.spares) pick = MAX_SPARES;
    }
    if (pick < 0) {
      pl__cond_wait(&log->cv, &log->mu);
      continue;
    }
    log->thread_busy = 1;
    if (pick < MAX_SPARES) {
      log->spares[pick].busy = 1;
      id = log->spares[pick].id;
      pl__mutex_unlock(&log->mu);
      s = ready_recycled(log, id);
    } else {
      id = log->next_spare_id++;
      pl__mutex_unlock(&log->mu);
      s = make_fresh(log, id, &log->stopping);
    }
    pl__mutex_lock(&log->mu);
    log->thread_busy = 0;
    if (pick < MAX_SPARES) {
      for (i = 0; i < log->nspares; i++)
        if (log->spares[i].recycled && log->spares[i].id == id) {
          log->spares[i].busy = 0;
          if (s == PL_OK) log->spares[i].ready = 1;
        }
    } else if (s == PL_OK) {
      push_spare(log, id, 0, 1);
      log->stats.spares_zeroed++;
    }
    if (s != PL_OK && !log->stopping) {
      /* ENOSPC and the like: stop trying until a writer, which needs a
       * spare and tries itself, succeeds (or wait_spares is called). */
      pl__error_save(&log->thread_error, s);
      log->thread_failed = 1;
      log->stats.spare_failures++;
    }
    pl__cond_broadcast(&log->cv);
  }
  pl__mutex_unlock(&log->mu);
}

/* Takes a ready spare off the list into *out, making one here if the
 * background thread has none and is not making one.  A failure changes
 * nothing (not sticky).  REQUIRES: mu. */
static pl_status take_spare(pl_log *log, spare *out) {
  int waited = 0;
  for (;;) {
    int i, unready = -1;
    pl_status s;
    for (i = 0; i < log->nspares; i++) {
      if (log->spares[i].ready) {
        *out = log->spares[i];
        remove_spare(log, i);
        pl__cond_broadcast(&log->cv); /* the thread may make the next one */
        return PL_OK;
      }
      if (!log->spares[i].busy && unready < 0) unready = i;
    }
    if (log->thread_busy) {
      if (!waited) log->stats.spare_waits++;
      waited = 1;
      pl__cond_wait(&log->cv, &log->mu);
      continue;
    }
    if (unready >= 0) {
      uint64_t id = log->spares[unready].id;
      log->spares[unready].busy = 1;
      pl__mutex_unlock(&log->mu);
      s = ready_recycled(log, id);
      pl__mutex_lock(&log->mu);
      for (i = 0; i < log->nspares; i++)
        if (log->spares[i].recycled && log->spares[i].id == id) {
          log->spares[i].busy = 0;
          if (s == PL_OK) log->spares[i].ready = 1;
        }
    } else {
      uint64_t id = log->next_spare_id++;
      pl__mutex_unlock(&log->mu);
      s = make_fresh(log, id, NULL);
      pl__mutex_lock(&log->mu);
      if (s == PL_OK) {
        push_spare(log, id, 0, 1);
        log->stats.spares_zeroed++;
        log->stats.spares_inline++;
      }
    }
    if (s != PL_OK) {
      pl__error_saved e;
      log->stats.spare_failures++;
      pl__error_save(&e, s);
      return pl__error_restore(&e);
    }
    log->thread_failed = 0;
  }
}

/* Opens segment path for positional writes, directly if asked, falling
 * back (TRY) when the file system refuses.  REQUIRES: mu. */
static pl_status open_segment(pl_log *log, const char *path, pl_writable_file **f) {
  pl_writable_options wo;
  pl_status s;
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  wo.flags = log->wflags;
  s = pl_env_new_appendable(log->env, path, &wo, f);
  if (s == PL_NOT_SUPPORTED && log->wflags != 0 && log->opt.direct == PL_LOG_DIRECT_TRY) {
    snprintf(log->stats.direct_note, sizeof log->stats.direct_note, "%s", pl_error_message());
    log->wflags = 0;
    wo.flags = 0;
    s = pl_env_new_appendable(log->env, path, &wo, f);
  }
  log->stats.direct = log->wflags != 0;
  return s;
}

/* Makes spare sp segment next_log: opens it, renames it, syncs the
 * directory (so the segment's name is durable before any record in it is
 * acknowledged).  It is opened under its spare name, before the rename, so
 * nothing about the new name's durability rides on the file's own syncs:
 * only the directory sync makes it durable.  REQUIRES: mu, no current
 * segment. */
static pl_status activate(pl_log *log, const spare *sp) {
  char from[4200], to[4200];
  pl_status s;
  pl_writable_file *f = NULL;
  uint64_t size;
  pl__log_name(from, sizeof from, log->dir, sp->id, sp->recycled ? "old" : "zero");
  pl__log_name(to, sizeof to, log->dir, log->next_log, "log");
  s = open_segment(log, from, &f);
  if (s != PL_OK) return fail(log, s);
  size = pl_writable_tell(f) / PL__LOG_P * PL__LOG_P;
  if (size < 2 * PL__LOG_P)
    s = pl_error_set(PL_CORRUPTION, 0, "%s: spare segment is %llu bytes, too short", from,
                     (unsigned long long)pl_writable_tell(f));
  if (s == PL_OK) s = pl_env_rename(log->env, from, to);
  if (s == PL_OK && !(sp->recycled && (log->hooks & PL__LOG_HOOK_NO_RECYCLE_DIRSYNC)))
    s = pl_env_sync_dir(log->env, log->dir);
  if (s != PL_OK) {
    pl_writable_close(f);
    return fail(log, s);
  }
  log->seg = f;
  log->seg_size = size;
  log->seg_no = log->next_log++;
  log->pos = log->base = log->flushed = log->durable = 0;
  if (log->buf) memset(log->buf, 0, log->buf_cap);
  log->stats.segments++;
  log->stats.current_log = log->seg_no;
  return PL_OK;
}

/* Seals the current segment and starts the next.  REQUIRES: mu. */
static pl_status roll(pl_log *log) {
  spare sp;
  pl_status s;
  if (log->sticky != PL_OK) return replay(log);
  s = take_spare(log, &sp);
  if (s != PL_OK) return s;
  if (log->seg) {
    s = seal(log);
    if (s == PL_OK) {
      s = pl_writable_close(log->seg);
      log->seg = NULL;
      if (s != PL_OK) s = fail(log, s);
    }
    if (s != PL_OK) {
      push_spare(log, sp.id, sp.recycled, sp.ready);
      return s;
    }
  }
  return activate(log, &sp);
}

/* ---- appending -------------------------------------------------------------- */

/* A record of n bytes fits in an empty segment of this log. */
static int fits_at_all(const pl_log *log, size_t n) {
  return pl__log_seal_end(pl__log_record_end(0, n)) <= log->opt.segment_size;
}

/* Frames one record, rolling first if it does not fit.  REQUIRES: mu. */
static pl_status add_record(pl_log *log, const void *data, size_t n) {
  pl_status s;
  if (pl__log_seal_end(pl__log_record_end(log->pos, n)) > log->seg_size) {
    s = roll(log);
    if (s != PL_OK) return s;
  }
  s = ensure_buf(log, pl__log_record_end(log->pos, n));
  if (s != PL_OK) return s;
  frame(log, data, n);
  log->stats.records++;
  log->stats.bytes += n;
  return PL_OK;
}

static pl_status too_large(pl_log *log, size_t n) {
  return pl_error_set(PL_INVALID_ARGUMENT, 0,
                      "%s: a record of %lu bytes does not fit in a segment of %llu bytes", log->dir,
                      (unsigned long)n, (unsigned long long)log->opt.segment_size);
}

/* The group-commit sink: frames each record of a batch, writes the pages. */
static pl_status sink_write(void *arg, const char *data, size_t len, const size_t *lens,
                            size_t count) {
  pl_log *log = arg;
  pl_status s = PL_OK;
  size_t i, off = 0;
  (void)len;
  pl__mutex_lock(&log->mu);
  if (log->sticky != PL_OK) s = replay(log);
  for (i = 0; i < count && s == PL_OK; i++) {
    s = add_record(log, data + off, lens[i]);
    off += lens[i];
    if (s == PL_OK && log->pos - log->base >= FLUSH_BYTES) s = write_pages(log, 0);
  }
  if (s == PL_OK) s = write_pages(log, 1);
  pl__mutex_unlock(&log->mu);
  return s;
}

static pl_status sink_sync(void *arg) {
  pl_log *log = arg;
  pl_status s;
  pl__mutex_lock(&log->mu);
  s = log->sticky != PL_OK ? replay(log) : sync_seg(log);
  pl__mutex_unlock(&log->mu);
  return s;
}

pl_status pl_log_append(pl_log *log, const void *data, size_t n) {
  pl_status s;
  if (!fits_at_all(log, n)) return too_large(log, n);
  if (log->gc) return pl_group_commit_append(log->gc, data, n, PL_GC_DURABLE, NULL);
  pl__mutex_lock(&log->mu);
  if (log->sticky != PL_OK) s = replay(log);
  else s = add_record(log, data, n);
  if (s == PL_OK) {
    if (log->opt.durability == PL_LOG_SYNC_EACH) {
      s = write_pages(log, 1);
      if (s == PL_OK) s = sync_seg(log);
    } else if (log->pos - log->base >= FLUSH_BYTES) {
      s = write_pages(log, 0);
    }
  }
  pl__mutex_unlock(&log->mu);
  return s;
}

pl_status pl_log_sync(pl_log *log) {
  pl_status s;
  if (log->gc) return pl_group_commit_flush(log->gc);
  pl__mutex_lock(&log->mu);
  if (log->sticky != PL_OK) s = replay(log);
  else if (log->durable == log->pos) s = PL_OK;
  else {
    s = write_pages(log, 1);
    if (s == PL_OK) s = sync_seg(log);
  }
  pl__mutex_unlock(&log->mu);
  return s;
}

pl_status pl_log_roll(pl_log *log, uint64_t *log_number) {
  pl_status s;
  if (log->gc) {
    /* Records appended before the roll belong to the sealed segment. */
    s = pl_group_commit_flush(log->gc);
    if (s != PL_OK) return s;
  }
  pl__mutex_lock(&log->mu);
  s = roll(log);
  if (s == PL_OK && log_number) *log_number = log->seg_no;
  pl__mutex_unlock(&log->mu);
  return s;
}

uint64_t pl_log_current(pl_log *log) {
  uint64_t n;
  pl__mutex_lock(&log->mu);
  n = log->seg_no;
  pl__mutex_unlock(&log->mu);
  return n;
}

void pl_log_stats_get(pl_log *log, pl_log_stats *out) {
  pl__mutex_lock(&log->mu);
  *out = log->stats;
  pl__mutex_unlock(&log->mu);
}

pl_status pl_log_wait_spares(pl_log *log) {
  pl_status s = PL_OK;
  int i, unready;
  pl__mutex_lock(&log->mu);
  for (;;) {
    unready = 0;
    for (i = 0; i < log->nspares; i++) unready += !log->spares[i].ready;
    if (log->thread_failed) {
      s = pl__error_restore(&log->thread_error);
      break;
    }
    if (!log->thread_busy && unready == 0 && count_ready(log) >= log->opt.spares) break;
    pl__cond_wait(&log->cv, &log->mu);
  }
  pl__mutex_unlock(&log->mu);
  return s;
}

/* ---- releasing -------------------------------------------------------------- */

/* Retires live segments [lo, hi]: the first `keep` become recycled spares
 * (renamed "%016x.old"), the rest are removed; then syncs the directory.
 * *done is the last one handled.  No lock held. */
static pl_status retire(pl_log *log, uint64_t lo, uint64_t hi, int keep, uint64_t *kept,
                        uint64_t *done) {
  char from[4200], to[4200];
  uint64_t n;
  pl_status s = PL_OK;
  *kept = 0;
  *done = lo - 1;
  for (n = lo; n <= hi && s == PL_OK; n++) {
    pl__log_name(from, sizeof from, log->dir, n, "log");
    if ((int)*kept < keep) {
      pl__log_name(to, sizeof to, log->dir, n, "old");
      s = pl_env_rename(log->env, from, to);
      if (s == PL_OK) (*kept)++;
    } else {
      s = pl_env_remove_file(log->env, from);
    }
    if (s == PL_NOT_FOUND) s = PL_OK; /* already gone */
    if (s == PL_OK) *done = n;
  }
  if (*done >= lo) {
    /* A released segment must not come back after a power loss: the
     * reader would find it again, out of the chain. */
    pl_status d = pl_env_sync_dir(log->env, log->dir);
    if (s == PL_OK) s = d;
  }
  return s;
}

static int recycled_count(const pl_log *log) {
  int i, n = 0;
  for (i = 0; i < log->nspares; i++) n += log->spares[i].recycled;
  return n;
}

pl_status pl_log_release(pl_log *log, uint64_t upto) {
  uint64_t lo, hi, kept = 0, done, n;
  int keep;
  pl_status s;
  pl__mutex_lock(&log->release_mu);
  pl__mutex_lock(&log->mu);
  lo = log->oldest;
  hi = upto < log->seg_no ? upto : log->seg_no - 1;
  keep = log->opt.recycle - recycled_count(log);
  if (keep < 0) keep = 0;
  pl__mutex_unlock(&log->mu);
  if (hi < lo) {
    pl__mutex_unlock(&log->release_mu);
    return PL_OK;
  }
  s = retire(log, lo, hi, keep, &kept, &done);
  pl__mutex_lock(&log->mu);
  if (done + 1 > log->oldest) log->oldest = done + 1;
  /* The kept ones are the lowest numbers, lo .. lo+kept-1. */
  for (n = lo; n < lo + kept; n++) push_spare(log, n, 1, 0);
  log->stats.spares_recycled += kept;
  pl__cond_broadcast(&log->cv);
  pl__mutex_unlock(&log->mu);
  pl__mutex_unlock(&log->release_mu);
  return s;
}

/* ---- opening ---------------------------------------------------------------- */

static pl_status check_options(const char *dir, const pl_log_options *o) {
  const char *bad = NULL;
  if (o->segment_size % PL__LOG_P != 0 || o->segment_size < 2 * PL__LOG_P ||
      o->segment_size > ((uint64_t)1 << 30))
    bad = "segment_size must be a multiple of 4096 from 8 KiB to 1 GiB";
  else if (o->spares < 0 || o->spares > 8) bad = "spares must be 0 to 8";
  else if (o->recycle < 0 || o->recycle > 32) bad = "recycle must be 0 to 32";
  else if (o->durability < PL_LOG_SYNC_EACH || o->durability > PL_LOG_SYNC_NONE)
    bad = "unknown durability";
  else if (o->direct < PL_LOG_DIRECT_OFF || o->direct > PL_LOG_DIRECT_REQUIRE)
    bad = "unknown direct mode";
  if (bad) return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: log: %s", dir, bad);
  return PL_OK;
}

/* The log directory, created (with its parent synced) if missing. */
static pl_status make_dir(pl_log *log) {
  char parent[4200];
  pl_status s = pl_env_file_exists(log->env, log->dir);
  if (s == PL_OK) return PL_OK;
  if (s != PL_NOT_FOUND) return s;
  s = pl_env_create_dir(log->env, log->dir);
  if (s == PL_OK) s = pl_path_dirname(log->dir, parent, sizeof parent);
  /* The directory's own entry is durable only once its parent is synced. */
  if (s == PL_OK) s = pl_env_sync_dir(log->env, parent);
  return s;
}

typedef struct found {
  uint64_t *live;
  size_t nlive, cap;
} found;

static int add_live(found *f, uint64_t n) {
  if (f->nlive == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    uint64_t *p = realloc(f->live, cap * sizeof *p);
    if (p == NULL) return 0;
    f->live = p;
    f->cap = cap;
  }
  f->live[f->nlive++] = n;
  return 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Lists dir: live segments into *f, spares onto the log's list; removes
 * unfinished spares and spares of another size. */
static pl_status scan_dir(pl_log *log, found *f) {
  pl_strlist names;
  pl_status s = pl_env_list_children(log->env, log->dir, &names);
  size_t i;
  uint64_t max_log = 0, max_id = 0;
  if (s != PL_OK) return s;
  for (i = 0; i < names.count && s == PL_OK; i++) {
    const char *nm = names.items[i];
    char path[4200];
    uint64_t n, size = 0;
    snprintf(path, sizeof path, "%s/%s", log->dir, nm);
    if (pl__log_parse_name(nm, "log", &n)) {
      if (!add_live(f, n)) s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", log->dir);
      if (n > max_log) max_log = n;
    } else if (pl__log_parse_name(nm, "old", &n) || pl__log_parse_name(nm, "zero", &n)) {
      int recycled = nm[17] == 'o';
      if (recycled && n > max_log) max_log = n;
      if (!recycled && n > max_id) max_id = n;
      s = pl_env_file_size(log->env, path, &size);
      if (s == PL_OK && (size != log->opt.segment_size || log->nspares >= MAX_SPARES - 8 ||
                         (recycled && recycled_count(log) >= log->opt.recycle)))
        s = pl_env_remove_file(log->env, path); /* another size, or too many */
      else if (s == PL_OK) push_spare(log, n, recycled, !recycled);
    } else if (pl__log_parse_name(nm, "tmp", &n)) {
      if (n > max_id) max_id = n;
      s = pl_env_remove_file(log->env, path); /* zeroing never finished */
    }
  }
  pl_strlist_free(&names);
  if (s != PL_OK) return s;
  if (f->nlive > 1) qsort(f->live, f->nlive, sizeof *f->live, cmp_u64);
  log->next_log = max_log + 1;
  if (log->next_log < log->opt.first_log_number) log->next_log = log->opt.first_log_number;
  log->next_spare_id = max_id + 1;
  log->oldest = f->nlive ? f->live[0] : log->next_log;
  return PL_OK;
}

/* Seals segment n at `at` (or, when at is UINT64_MAX, after its last whole
 * record), pointing at next_log: the page holding that point is written
 * again from what was read, with the seal and zeros after it.  A torn tail
 * is thereby dropped for good.  No lock needed (nothing runs yet). */
static pl_status seal_existing(pl_log *log, uint64_t n, uint64_t at) {
  char path[4200];
  const unsigned char *data;
  unsigned char *owned = NULL, *page = NULL, *page_mem = NULL, payload[PL__LOG_SEAL_LEN];
  pl_random_file *rf = NULL;
  pl_writable_file *f = NULL;
  pl__log_seg seg;
  pl__log_buf scratch = {NULL, 0, 0};
  pl__log_parsed rec;
  pl_writable_options wo;
  uint64_t size, p = 0, e = UINT64_MAX, base, end, q;
  pl_status s;
  pl__log_name(path, sizeof path, log->dir, n, "log");
  s = pl__log_read_file(log->env, path, &data, &size, &rf, &owned);
  if (s != PL_OK) return s;
  seg.d = data;
  seg.size = size;
  seg.num = (log->hooks & PL__LOG_HOOK_NO_NUMBERS) ? 0 : (uint32_t)n;
  seg.check_num = !(log->hooks & PL__LOG_HOOK_NO_NUMBERS);
  for (;;) {
    if (at != UINT64_MAX && p >= at) {
      if (p == at) e = at;
      else
        s = pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: resume offset %llu is not the end of a record",
                         path, (unsigned long long)at);
      break;
    }
    if (pl__log_parse(&seg, p, &rec, &scratch) != 0) {
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
      break;
    }
    if (rec.what == PL__LOG_AT_RECORD) {
      p = rec.end;
      continue;
    }
    if (at != UINT64_MAX) {
      s = pl_error_set(PL_INVALID_ARGUMENT, 0,
                       "%s: resume offset %llu is past the last whole record (which ends at %llu)",
                       path, (unsigned long long)at, (unsigned long long)p);
      break;
    }
    if (rec.what == PL__LOG_AT_SEAL) {
      /* Sealed already: rewritten only if it names another next segment
       * (first_log_number moved the numbering on). */
      if (rec.next_log != log->next_log) e = rec.start;
      break;
    }
    if (rec.what == PL__LOG_AT_DAMAGE) {
      pl__log_after after;
      if (pl__log_scan_after(&seg, rec.start, rec.reason, &after, &scratch) != 0) {
        s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
        break;
      }
      if (after.proven) {
        s = pl_error_set(PL_CORRUPTION, 0,
                         "%s: damage at offset %llu in bytes a later record proves were synced; "
                         "read the log and reopen with resume_log/resume_offset to drop it",
                         path, (unsigned long long)rec.start);
        break;
      }
    }
    e = rec.start; /* a torn tail, or the end of the file: seal there */
    break;
  }
  if (s == PL_OK && e != UINT64_MAX) {
    /* The page(s) holding the seal, rebuilt from what was read. */
    base = e / PL__LOG_P * PL__LOG_P;
    end = pl__log_seal_end(e);
    end = (end + PL__LOG_P - 1) / PL__LOG_P * PL__LOG_P;
    page = aligned_zalloc((size_t)(end - base), &page_mem);
    if (page == NULL) s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
    if (s == PL_OK) {
      size_t keep = (size_t)(e - base);
      if (base + keep > size) keep = size > base ? (size_t)(size - base) : 0;
      memcpy(page, data + base, keep);
      q = pl__log_skip_trailer(e);
      if (pl__log_block_left(q) < PL__LOG_H + PL__LOG_SEAL_LEN) {
        size_t pad = (size_t)(pl__log_block_left(q) - PL__LOG_H);
        pl__log_frame(page + (q - base), PL__LOG_PAD, seg.num, 0, pad);
        q += PL__LOG_H + pad;
      }
      pl__put64(payload, log->next_log);
      memcpy(page + (q - base) + PL__LOG_H, payload, sizeof payload);
      /* Durable mark 0: nothing is claimed about what a crashed writer left. */
      pl__log_frame(page + (q - base), PL__LOG_SEAL, seg.num, 0, sizeof payload);
      /* Unmapped before writing: Windows refuses to grow a mapped file. */
      if (rf) pl_random_close(rf);
      rf = NULL;
      pl_writable_options_init(&wo);
      wo.buffer_size = 0;
      s = pl_env_new_appendable(log->env, path, &wo, &f);
    }
    if (s == PL_OK) s = pl_writable_write_at(f, base, page, (size_t)(end - base));
    if (s == PL_OK) s = pl_writable_sync(f);
    if (f) {
      pl_status c = pl_writable_close(f);
      if (s == PL_OK) s = c;
    }
  }
  if (rf) pl_random_close(rf);
  free(owned);
  free(page_mem);
  free(scratch.p);
  return s;
}

static void free_log(pl_log *log) {
  free(log->buf_mem);
  free(log->zeros_mem);
  free(log->dir);
  free(log);
}

/* Undoes a partly opened log (thread not started).  Returns s. */
static pl_status open_failed(pl_log *log, pl_status s, int locks) {
  pl__error_saved e;
  pl__error_save(&e, s);
  if (log->seg) pl_writable_close(log->seg);
  if (locks) {
    pl__mutex_destroy(&log->mu);
    pl__mutex_destroy(&log->release_mu);
    pl__cond_destroy(&log->cv);
  }
  free_log(log);
  return pl__error_restore(&e);
}

pl_status pl_log_open(pl_env *env, const char *dir, const pl_log_options *opt, pl_log **out) {
  pl_log *log;
  found f = {NULL, 0, 0};
  spare sp;
  pl_status s;
  *out = NULL;
  log = calloc(1, sizeof *log);
  if (log == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
  if (opt) log->opt = *opt;
  else pl_log_options_init(&log->opt);
  if (log->opt.first_log_number == 0) log->opt.first_log_number = 1;
  log->opt.group = NULL; /* the caller's pointer may die; used below only */
  log->env = env;
  log->hooks = pl__log_test_hooks;
  log->dir = strdup(dir);
  log->zeros = aligned_zalloc(ZERO_CHUNK, &log->zeros_mem);
  if (log->dir == NULL || log->zeros == NULL) {
    free_log(log);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
  }
  s = check_options(dir, &log->opt);
  if (s == PL_OK) s = make_dir(log);
  if (s == PL_OK) s = scan_dir(log, &f);
  if (s == PL_OK && log->opt.resume_log != 0) {
    uint64_t kept = 0, done, last = f.nlive ? f.live[f.nlive - 1] : 0, i;
    int live = 0;
    for (i = 0; i < f.nlive; i++) live |= f.live[i] == log->opt.resume_log;
    if (!live) {
      s = pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: resume_log %016llx is not a segment of the log",
                       dir, (unsigned long long)log->opt.resume_log);
    } else if (last > log->opt.resume_log) {
      /* Everything after the resume point goes; its numbers are never
       * used again (next_log stays above them). */
      s = retire(log, log->opt.resume_log + 1, last, 0, &kept, &done);
    }
    if (s == PL_OK) s = seal_existing(log, log->opt.resume_log, log->opt.resume_offset);
  } else if (s == PL_OK && f.nlive > 0) {
    s = seal_existing(log, f.live[f.nlive - 1], UINT64_MAX);
  }
  free(f.live);
  if (s != PL_OK) return open_failed(log, s, 0);
  if (log->opt.direct != PL_LOG_DIRECT_OFF)
    log->wflags = PL_WRITABLE_DIRECT | PL_WRITABLE_SYNC_WRITES;
  pl__mutex_init(&log->mu);
  pl__mutex_init(&log->release_mu);
  pl__cond_init(&log->cv);
  pl__mutex_lock(&log->mu);
  s = take_spare(log, &sp);
  if (s == PL_OK) s = activate(log, &sp);
  pl__mutex_unlock(&log->mu);
  if (s == PL_OK) {
    s = ensure_buf(log, 0);
    if (s == PL_OK) s = pl__thread_create(&log->thread, spare_thread, log);
    if (s == PL_OK) log->have_thread = 1;
  }
  if (s == PL_OK && log->opt.durability == PL_LOG_SYNC_GROUP) {
    pl__gc_sink sink;
    sink.write = sink_write;
    sink.sync = sink_sync;
    sink.arg = log;
    s = pl__group_commit_start(env, &sink, opt ? opt->group : NULL, &log->gc);
  }
  if (s != PL_OK) {
    if (log->have_thread) {
      pl__mutex_lock(&log->mu);
      log->stopping = 1;
      pl__cond_broadcast(&log->cv);
      pl__mutex_unlock(&log->mu);
      pl__thread_join(log->thread);
    }
    return open_failed(log, s, 1);
  }
  *out = log;
  return PL_OK;
}

pl_status pl_log_close(pl_log *log) {
  pl_status s = PL_OK;
  pl__error_saved first;
  if (log->gc) {
    s = pl_group_commit_close(log->gc);
    if (s != PL_OK) pl__error_save(&first, s);
    log->gc = NULL;
  }
  pl__mutex_lock(&log->mu);
  log->stopping = 1;
  pl__cond_broadcast(&log->cv);
  pl__mutex_unlock(&log->mu);
  if (log->have_thread) pl__thread_join(log->thread);
  pl__mutex_lock(&log->mu);
  if (log->seg) {
    pl_status c;
    if (log->sticky == PL_OK) {
      /* The seal writes and syncs everything appended. */
      c = seal(log);
      if (c != PL_OK && s == PL_OK) s = pl__error_save(&first, c);
    } else if (s == PL_OK) {
      s = pl__error_save(&first, replay(log));
    }
    c = pl_writable_close(log->seg);
    log->seg = NULL;
    if (c != PL_OK && s == PL_OK) s = pl__error_save(&first, c);
  }
  pl__mutex_unlock(&log->mu);
  pl__mutex_destroy(&log->mu);
  pl__mutex_destroy(&log->release_mu);
  pl__cond_destroy(&log->cv);
  free_log(log);
  if (s != PL_OK) return pl__error_restore(&first);
  return PL_OK;
}
