/* The record log's reader: segments in chain order, records, and the four
 * recovery modes (see plinth/log.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log_internal.h"
#include "util/error.h"

struct pl_log_reader {
  pl_env *env;
  char *dir;  /* NULL when reading one file */
  char *path; /* that file */
  pl_log_reader_options opt;
  unsigned hooks;
  uint64_t *segs; /* segment numbers, ascending */
  size_t nsegs, next_idx;

  /* The segment being read. */
  int have;
  uint64_t num;
  int last;
  const unsigned char *data;
  pl_random_file *rf;
  unsigned char *owned;
  pl__log_seg seg;
  uint64_t p; /* where the next record starts */

  uint64_t expect; /* number the next segment must have (0: any) */
  int started;     /* a segment has been opened */
  int done;
  pl_status err;
  pl__error_saved err_detail;
  pl__log_buf scratch;
  pl_log_reader_stats stats;
};

static const char empty[1] = "";

const char *pl_log_drop_reason_name(pl_log_drop_reason r) {
  switch (r) {
    case PL_LOG_DROP_TRUNCATED: return "truncated";
    case PL_LOG_DROP_ZEROS: return "zeros";
    case PL_LOG_DROP_BAD_HEADER: return "bad header";
    case PL_LOG_DROP_BAD_CHECKSUM: return "bad checksum";
    case PL_LOG_DROP_STALE: return "stale record";
    case PL_LOG_DROP_PARTIAL: return "partial record";
    case PL_LOG_DROP_ORPHAN: return "orphan fragment";
    case PL_LOG_DROP_UNSEALED: return "unsealed segment";
    case PL_LOG_DROP_MISSING_SEGMENT: return "missing segment";
    case PL_LOG_DROP_AFTER_DAMAGE: return "after damage";
    case PL_LOG_DROP_NOT_IN_CHAIN: return "segment not in the chain";
  }
  return "unknown";
}

void pl_log_reader_options_init(pl_log_reader_options *o) {
  memset(o, 0, sizeof *o);
  o->recovery = PL_LOG_TOLERATE_TAIL;
}

static void report(pl_log_reader *r, uint64_t num, uint64_t off, uint64_t len, int reason,
                   int synced) {
  pl_log_drop d;
  d.log_number = num;
  d.offset = off;
  d.length = len;
  d.reason = (pl_log_drop_reason)reason;
  d.synced = synced;
  r->stats.drops++;
  r->stats.dropped_bytes += len;
  if (r->opt.dropped) r->opt.dropped(r->opt.arg, &d);
}

/* Makes err this reader's sticky failure, with this thread's detail. */
static pl_status stop_with(pl_log_reader *r, pl_status s) {
  r->err = pl__error_save(&r->err_detail, s);
  r->done = 1;
  return s;
}

static pl_status corrupt(pl_log_reader *r, uint64_t num, uint64_t off, int reason, int synced) {
  const char *where = r->dir ? r->dir : r->path;
  return stop_with(r, pl_error_set(PL_CORRUPTION, 0,
                                   "%s: log segment %016llx, offset %llu: %s%s", where,
                                   (unsigned long long)num, (unsigned long long)off,
                                   pl_log_drop_reason_name((pl_log_drop_reason)reason),
                                   synced ? " in bytes that had been synced" : ""));
}

static void release_seg(pl_log_reader *r) {
  if (r->rf) pl_random_close(r->rf);
  free(r->owned);
  r->rf = NULL;
  r->owned = NULL;
  r->data = NULL;
  r->have = 0;
}

static void seg_path(pl_log_reader *r, uint64_t n, char *buf, size_t cap) {
  if (r->dir) pl__log_name(buf, cap, r->dir, n, "log");
  else snprintf(buf, cap, "%s", r->path);
}

/* Point-in-time: what comes after damage is not read; each later segment is
 * reported whole. */
static void drop_rest(pl_log_reader *r) {
  char path[4200];
  while (r->next_idx < r->nsegs) {
    uint64_t n = r->segs[r->next_idx++], size = 0;
    seg_path(r, n, path, sizeof path);
    pl_env_file_size(r->env, path, &size);
    report(r, n, 0, size, PL_LOG_DROP_AFTER_DAMAGE, 0);
  }
  r->done = 1;
}

/* Damage between segments (a missing one, or one outside the chain):
 * returns 1 to go on with the next segment, 0 when reading stops (err set
 * or done). */
static int chain_damage(pl_log_reader *r, uint64_t num, uint64_t len, int reason) {
  report(r, num, 0, len, reason, 0);
  switch (r->opt.recovery) {
    case PL_LOG_SKIP_CORRUPTED: return 1;
    case PL_LOG_POINT_IN_TIME: drop_rest(r); return 0;
    default: corrupt(r, num, 0, reason, 0); return 0;
  }
}

/* Opens the next segment of the chain; 0 when there is none or reading
 * stopped. */
static int open_next(pl_log_reader *r) {
  char path[4200];
  pl_status s;
  uint64_t n, size;
  for (;;) {
    if (r->next_idx >= r->nsegs) {
      r->done = 1;
      return 0;
    }
    n = r->segs[r->next_idx];
    if (r->dir && r->expect != 0 && n != r->expect) {
      if (n < r->expect) {
        /* No seal leads here. */
        r->next_idx++;
        seg_path(r, n, path, sizeof path);
        size = 0;
        pl_env_file_size(r->env, path, &size);
        if (!chain_damage(r, n, size, PL_LOG_DROP_NOT_IN_CHAIN)) return 0;
        continue;
      }
      if (!chain_damage(r, r->expect, 0, PL_LOG_DROP_MISSING_SEGMENT)) return 0;
    }
    r->next_idx++;
    break;
  }
  seg_path(r, n, path, sizeof path);
  s = pl__log_read_file(r->env, path, &r->data, &size, &r->rf, &r->owned);
  if (s != PL_OK) {
    stop_with(r, s);
    return 0;
  }
  r->have = 1;
  r->started = 1;
  r->num = n;
  r->last = r->next_idx >= r->nsegs;
  r->seg.d = r->data;
  r->seg.size = size;
  r->seg.check_num = !(r->hooks & PL__LOG_HOOK_NO_NUMBERS);
  r->seg.num = r->seg.check_num ? (uint32_t)n : 0;
  r->p = 0;
  r->expect = 0;
  r->stats.segments++;
  return 1;
}

/* The segment stopped at `at` (damage, or its end without a seal).
 * Returns 1 to keep reading (r->p or the next segment), 0 to stop. */
static int segment_end(pl_log_reader *r, uint64_t at, int reason) {
  pl__log_after after;
  uint64_t end, page_end;
  if (pl__log_scan_after(&r->seg, at, reason, &after, &r->scratch) != 0) {
    stop_with(r, pl_error_set(PL_IO_ERROR, ENOMEM, "log reader: out of memory"));
    return 0;
  }
  if (after.clean && r->last) {
    r->done = 1;
    return 0;
  }
  if (reason == 0) reason = after.clean ? PL_LOG_DROP_UNSEALED : PL_LOG_DROP_ZEROS;
  page_end = (at / PL__LOG_P + 1) * PL__LOG_P;
  end = reason == PL_LOG_DROP_TRUNCATED ? r->seg.size : page_end;
  if (after.last_end > end) end = after.last_end;
  if (end > r->seg.size) end = r->seg.size;
  if (end < at) end = at;
  if (r->opt.recovery == PL_LOG_SKIP_CORRUPTED && after.resync) end = after.resync;
  report(r, r->num, at, end - at, reason, after.proven);
  switch (r->opt.recovery) {
    case PL_LOG_TOLERATE_TAIL:
      /* A torn tail of the last segment is what a power loss leaves;
       * anything else is damage to the log. */
      if (r->last && !after.proven) {
        r->done = 1;
        return 0;
      }
      corrupt(r, r->num, at, reason, after.proven);
      return 0;
    case PL_LOG_ABSOLUTE: corrupt(r, r->num, at, reason, after.proven); return 0;
    case PL_LOG_POINT_IN_TIME: drop_rest(r); return 0;
    default:
      if (after.resync) {
        r->p = after.resync;
        return 1;
      }
      release_seg(r);
      return 1;
  }
}

pl_status pl_log_reader_next(pl_log_reader *r, pl_log_record *rec) {
  memset(rec, 0, sizeof *rec);
  if (r->err != PL_OK) return pl__error_restore(&r->err_detail);
  for (;;) {
    pl__log_parsed got;
    if (r->done) return PL_OK;
    if (!r->have) {
      if (!open_next(r)) {
        if (r->err != PL_OK) return pl__error_restore(&r->err_detail);
        return PL_OK;
      }
    }
    if (pl__log_parse(&r->seg, r->p, &got, &r->scratch) != 0)
      return stop_with(r, pl_error_set(PL_IO_ERROR, ENOMEM, "log reader: out of memory"));
    if (got.what == PL__LOG_AT_RECORD) {
      rec->data = got.data ? (const void *)got.data : (const void *)empty;
      rec->len = got.len;
      rec->log_number = r->num;
      rec->offset = got.start;
      rec->end_offset = got.end;
      r->p = got.end;
      r->stats.records++;
      r->stats.bytes += got.len;
      return PL_OK;
    }
    if (got.what == PL__LOG_AT_SEAL) {
      r->expect = got.next_log;
      release_seg(r);
      if (r->next_idx >= r->nsegs) r->done = 1;
      continue;
    }
    if (!segment_end(r, got.start, got.what == PL__LOG_AT_EOF ? 0 : got.reason)) {
      if (r->err != PL_OK) return pl__error_restore(&r->err_detail);
      continue;
    }
  }
}

void pl_log_reader_stats_get(pl_log_reader *r, pl_log_reader_stats *out) { *out = r->stats; }

void pl_log_reader_close(pl_log_reader *r) {
  if (r == NULL) return;
  release_seg(r);
  free(r->scratch.p);
  free(r->segs);
  free(r->dir);
  free(r->path);
  free(r);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static pl_log_reader *reader_new(pl_env *env, const pl_log_reader_options *opt) {
  pl_log_reader *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->env = env;
  if (opt) r->opt = *opt;
  else pl_log_reader_options_init(&r->opt);
  r->hooks = pl__log_test_hooks;
  return r;
}

pl_status pl_log_reader_open(pl_env *env, const char *dir, const pl_log_reader_options *opt,
                             pl_log_reader **out) {
  pl_log_reader *r;
  pl_strlist names;
  pl_status s;
  size_t i;
  *out = NULL;
  r = reader_new(env, opt);
  if (r == NULL || (r->dir = strdup(dir)) == NULL) {
    pl_log_reader_close(r);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
  }
  s = pl_env_list_children(env, dir, &names);
  if (s == PL_NOT_FOUND) {
    *out = r; /* no directory: an empty log */
    return PL_OK;
  }
  if (s != PL_OK) {
    pl__error_saved e;
    pl__error_save(&e, s);
    pl_log_reader_close(r);
    return pl__error_restore(&e);
  }
  r->segs = calloc(names.count + 1, sizeof *r->segs);
  if (r->segs == NULL) {
    pl_strlist_free(&names);
    pl_log_reader_close(r);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
  }
  for (i = 0; i < names.count; i++) {
    uint64_t n;
    if (pl__log_parse_name(names.items[i], "log", &n) && n >= r->opt.first_log)
      r->segs[r->nsegs++] = n;
  }
  pl_strlist_free(&names);
  if (r->nsegs > 1) qsort(r->segs, r->nsegs, sizeof *r->segs, cmp_u64);
  /* The caller says its log starts at first_log: that segment must be
   * there (unless nothing at all is, after it was all released). */
  if (r->opt.first_log != 0 && r->nsegs > 0 && r->segs[0] != r->opt.first_log)
    r->expect = r->opt.first_log;
  *out = r;
  return PL_OK;
}

pl_status pl_log_reader_open_file(pl_env *env, const char *path, uint64_t log_number,
                                  const pl_log_reader_options *opt, pl_log_reader **out) {
  pl_log_reader *r;
  *out = NULL;
  r = reader_new(env, opt);
  if (r == NULL || (r->path = strdup(path)) == NULL ||
      (r->segs = calloc(1, sizeof *r->segs)) == NULL) {
    pl_log_reader_close(r);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  r->segs[0] = log_number;
  r->nsegs = 1;
  *out = r;
  return PL_OK;
}
