/* The recording env: forwards everything to its target and records, in
 * order, every operation that changes durable state, plus the workload's
 * notes. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/env_wrapper.h"
#include "plinth/file_util.h"
#include "port/thread.h"

#define REC_MAGIC 0x52454330u /* "REC0" */

typedef struct rec_env {
  pl_env_wrapper base; /* first: a rec_env * is a pl_env * */
  uint32_t magic;
  pl_crash_recorder *rec;
} rec_env;

struct pl_crash_recorder {
  rec_env env;
  pl_env *target;
  char *root; /* normalized, no trailing '/'; "" = relative paths */
  pl__mutex mu;
  pl_crash_trace trace;
  pl_writable_file *out; /* the trace file, or NULL to keep in memory */
  uint32_t next_handle;
  int write_failed;
  int ignored; /* operations outside the root */
  int buffered; /* the trace file is flushed when full, not op by op */
};

typedef struct rec_writable {
  pl_writable_wrapper w;
  pl_crash_recorder *rec;
  uint32_t handle;
  uint64_t size; /* logical size: where the next append lands */
  int recorded;  /* the file is under the root */
  int sync_on_close;
} rec_writable;

/* Copies path into out with '\\' as '/', repeated '/' and "." segments
 * removed, ".." resolved against the segment before it (lexically: a
 * recording never follows links) and no trailing '/'.  A relative path
 * that climbs above its start keeps its leading ".." segments, so the
 * caller can tell it leaves the root.  Returns 0 if out is too small. */
static int normalize(const char *path, char *out, size_t cap) {
  size_t o = 0, floor;
  const char *p = path;
  int absolute = (*p == '/' || *p == '\\');
  if (cap < 2) return 0;
  if (absolute) out[o++] = '/';
  floor = o; /* ".." never removes what is left of here */
  while (*p) {
    const char *seg;
    size_t len;
    while (*p == '/' || *p == '\\') p++;
    seg = p;
    while (*p && *p != '/' && *p != '\\') p++;
    len = (size_t)(p - seg);
    if (len == 0 || (len == 1 && seg[0] == '.')) continue;
    if (len == 2 && seg[0] == '.' && seg[1] == '.') {
      size_t back = o;
      int climbed = back >= floor + 2 && out[back - 1] == '.' && out[back - 2] == '.' &&
                    (back == floor + 2 || out[back - 3] == '/');
      if (back > floor && !climbed) {
        /* Drop the last segment and its separator. */
        while (back > floor && out[back - 1] != '/') back--;
        if (back > floor) back--;
        o = back;
        continue;
      }
      if (absolute) continue; /* "/.." is "/" */
    }
    if (o > floor || (o > 0 && out[o - 1] != '/')) {
      if (o + 1 >= cap) return 0;
      if (o > 0 && out[o - 1] != '/') out[o++] = '/';
    }
    if (o + len >= cap) return 0;
    memcpy(out + o, seg, len);
    o += len;
  }
  out[o] = '\0';
  return 1;
}

/* Writes path relative to the root into out; 0 if it lies outside (or
 * cannot be a trace path: too long). */
static int relative(const pl_crash_recorder *rec, const char *path, char *out, size_t cap) {
  char norm[4096];
  const char *rel;
  size_t rl = strlen(rec->root);
  if (!normalize(path, norm, sizeof norm)) return 0;
  if (norm[0] != '/' && !(norm[0] && norm[1] == ':')) {
    /* A relative path is taken relative to the root: right when the
     * program runs in it, as crashcheck runs recorded programs. */
    rel = norm;
  } else {
    if (rl == 0) return 0;
    if (strncmp(norm, rec->root, rl) != 0) return 0;
    if (norm[rl] == '\0') rel = "";
    else if (rl == 1 && rec->root[0] == '/') rel = norm + 1;
    else if (norm[rl] == '/') rel = norm + rl + 1;
    else return 0;
  }
  /* "..", a segment climbing out of the root, or anything else a trace may
   * not hold. */
  if (!pl__trace_path_ok(rel, strlen(rel))) return 0;
  snprintf(out, cap, "%s", rel);
  return 1;
}

/* Appends op to the trace (file or memory).  Recording failures must not
 * change what the workload sees, so they are counted and reported once. */
static void record_locked(pl_crash_recorder *rec, const pl_crash_op *op) {
  pl_status s;
  if (rec->out != NULL) {
    unsigned char *buf;
    size_t n;
    s = pl__trace_encode(op, &buf, &n);
    if (s == PL_OK) {
      s = pl_writable_append(rec->out, buf, n);
      free(buf);
      /* Flushed op by op: a program that exits without tearing the
       * recorder down still leaves every op it issued in the file. */
      if (s == PL_OK && !rec->buffered) s = pl_writable_flush(rec->out);
    }
  } else {
    s = pl_crash_trace_add(&rec->trace, op);
  }
  if (s != PL_OK && !rec->write_failed) {
    rec->write_failed = 1;
    fprintf(stderr, "plinth: recording the trace failed: %s\n", pl_error_message());
  }
}

static void record(pl_crash_recorder *rec, const pl_crash_op *op) {
  pl__mutex_lock(&rec->mu);
  record_locked(rec, op);
  pl__mutex_unlock(&rec->mu);
}

static void record_simple(pl_crash_recorder *rec, int kind, uint32_t handle,
                          const char *path, const char *path2, int failed) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = kind;
  op.handle = handle;
  op.path = (char *)path;
  op.path2 = (char *)path2;
  op.failed = failed;
  record(rec, &op);
}

/* Notes in the trace that an operation on a path outside the root was not
 * recorded, so crashcheck can say why a trace is empty.  The first few are
 * kept; more would only repeat the point. */
#define MAX_IGNORED 16

static void record_ignored(pl_crash_recorder *rec, const char *what, const char *path) {
  char text[600];
  pl_crash_op op;
  int keep;
  pl__mutex_lock(&rec->mu);
  keep = rec->ignored++ < MAX_IGNORED;
  pl__mutex_unlock(&rec->mu);
  if (!keep) return;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_IGNORED;
  snprintf(text, sizeof text, "%s %.500s: outside the recording root", what, path);
  op.len = strlen(text);
  op.data = (unsigned char *)text;
  record(rec, &op);
}

/* relative(), noting the path when it is outside the root. */
static int inside(pl_crash_recorder *rec, const char *what, const char *path, char *out, size_t cap) {
  if (relative(rec, path, out, cap)) return 1;
  record_ignored(rec, what, path);
  return 0;
}

static uint32_t new_handle(pl_crash_recorder *rec) {
  uint32_t h;
  pl__mutex_lock(&rec->mu);
  h = ++rec->next_handle;
  pl__mutex_unlock(&rec->mu);
  return h;
}

#define REC(e) (((rec_env *)(e))->rec)

/* ---- writable files ---- */

static void record_write(rec_writable *w, uint64_t off, const void *d, size_t n, pl_status s) {
  pl_crash_op op;
  if (!w->recorded) return;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_WRITE;
  op.handle = w->handle;
  op.offset = off;
  op.len = n;
  op.data = (unsigned char *)d;
  op.failed = s != PL_OK;
  record(w->rec, &op);
}

static pl_status rw_append(pl_writable_file *f, const void *d, size_t n) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_append(w->w.target, d, n);
  record_write(w, w->size, d, n, s);
  if (s == PL_OK) w->size += n;
  return s;
}

static pl_status rw_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_appendv(w->w.target, iov, cnt);
  size_t total = 0;
  int i;
  for (i = 0; i < cnt; i++) total += iov[i].len;
  if (w->recorded) {
    pl__buf all = {0};
    for (i = 0; i < cnt; i++) pl__buf_add(&all, iov[i].base, iov[i].len);
    if (all.len == total) record_write(w, w->size, all.p, total, s);
    pl__buf_free(&all);
  }
  if (s == PL_OK) w->size += total;
  return s;
}

/* The file's own directory syncs (the manifest rule, create_parents) are
 * not recorded here: the file makes them through this env (dir_env), so
 * r_sync_dir records them as they happen, before the data sync. */
static void record_sync(rec_writable *w, pl_status s) {
  if (w->recorded) record_simple(w->rec, PL_CRASH_SYNC, w->handle, NULL, NULL, s != PL_OK);
}

static pl_status rw_sync(pl_writable_file *f) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_sync(w->w.target);
  record_sync(w, s);
  return s;
}

static pl_status rw_close(pl_writable_file *f) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_close(w->w.target);
  if (w->sync_on_close) record_sync(w, s);
  free(w);
  return s;
}

static uint64_t rw_tell(pl_writable_file *f) { return ((rec_writable *)f)->size; }

static pl_status rw_write_at(pl_writable_file *f, uint64_t off, const void *d, size_t n) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_write_at(w->w.target, off, d, n);
  record_write(w, off, d, n, s);
  return s;
}

static pl_status rw_allocate(pl_writable_file *f, uint64_t off, uint64_t len) {
  rec_writable *w = (rec_writable *)f;
  pl_status s = pl_writable_allocate(w->w.target, off, len);
  if (s == PL_OK && w->recorded) {
    pl_crash_op op;
    memset(&op, 0, sizeof op);
    op.kind = PL_CRASH_EXTEND;
    op.handle = w->handle;
    op.offset = off + len;
    record(w->rec, &op);
  }
  return s;
}

static pl_writable_methods rec_writable_methods;
static pl__once methods_once = PL__ONCE_INIT;

static void init_methods(void) {
  rec_writable_methods = pl_writable_wrapper_methods;
  rec_writable_methods.append = rw_append;
  rec_writable_methods.appendv = rw_appendv;
  rec_writable_methods.sync = rw_sync;
  rec_writable_methods.close = rw_close;
  rec_writable_methods.tell = rw_tell;
  rec_writable_methods.write_at = rw_write_at;
  rec_writable_methods.allocate = rw_allocate;
}

static pl_status open_writable(pl_env *e, const char *path, const pl_writable_options *opt,
                               pl_writable_file **out, int append) {
  pl_crash_recorder *rec = REC(e);
  pl_writable_options copy;
  char rel[4096];
  int in = inside(rec, append ? "open" : "create", path, rel, sizeof rel), existed = 0;
  rec_writable *w;
  pl_writable_file *t;
  pl_status s;
  *out = NULL;
  if (in && append) existed = pl_env_file_exists(rec->target, path) == PL_OK;
  /* Through pl_env_wrapper_options: the directories create_parents makes
   * and the syncs the file owes come back through this env and are
   * recorded as the disk sees them. */
  opt = pl_env_wrapper_options(e, opt, &copy);
  s = append ? pl_env_new_appendable(rec->target, path, opt, &t)
             : pl_env_new_writable(rec->target, path, opt, &t);
  if (s != PL_OK) return s;
  w = calloc(1, sizeof *w);
  if (w == NULL) {
    pl_writable_close(t);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  pl__once_run(&methods_once, init_methods);
  w->w.base.methods = &rec_writable_methods;
  w->w.target = t;
  w->rec = rec;
  w->size = append ? pl_writable_tell(t) : 0;
  w->sync_on_close = opt->sync_on_close;
  w->recorded = in;
  if (in) {
    w->handle = new_handle(rec);
    record_simple(rec, append && existed ? PL_CRASH_OPEN : PL_CRASH_CREATE, w->handle, rel, NULL, 0);
  }
  *out = &w->w.base;
  return PL_OK;
}

static pl_status r_new_writable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  return open_writable(e, p, o, out, 0);
}

static pl_status r_new_appendable(pl_env *e, const char *p, const pl_writable_options *o, pl_writable_file **out) {
  return open_writable(e, p, o, out, 1);
}

/* Records the removal of p (an op of kind; verb names it in a note if p is
 * outside the root) once the target's call returned s, and returns s. */
static pl_status record_removal(pl_crash_recorder *rec, pl_status s, const char *verb, int kind,
                                const char *p) {
  char rel[4096];
  if (s == PL_OK && inside(rec, verb, p, rel, sizeof rel)) record_simple(rec, kind, 0, rel, NULL, 0);
  return s;
}

static pl_status r_remove_file(pl_env *e, const char *p) {
  pl_crash_recorder *rec = REC(e);
  return record_removal(rec, pl_env_remove_file(rec->target, p), "unlink", PL_CRASH_UNLINK, p);
}

static pl_status r_create_dir(pl_env *e, const char *p) {
  pl_crash_recorder *rec = REC(e);
  char rel[4096];
  int in = inside(rec, "mkdir", p, rel, sizeof rel);
  int existed = in && pl_env_file_exists(rec->target, p) == PL_OK;
  pl_status s = pl_env_create_dir(rec->target, p);
  if (s == PL_OK && in && !existed) record_simple(rec, PL_CRASH_MKDIR, 0, rel, NULL, 0);
  return s;
}

static pl_status r_remove_dir(pl_env *e, const char *p) {
  pl_crash_recorder *rec = REC(e);
  return record_removal(rec, pl_env_remove_dir(rec->target, p), "rmdir", PL_CRASH_RMDIR, p);
}

static pl_status r_rename(pl_env *e, const char *from, const char *to) {
  pl_crash_recorder *rec = REC(e);
  char a[4096], b[4096];
  pl_status s = pl_env_rename(rec->target, from, to);
  int ia, ib;
  if (s != PL_OK) return s;
  ia = relative(rec, from, a, sizeof a);
  ib = relative(rec, to, b, sizeof b);
  if (!ia && !ib) record_ignored(rec, "rename", from);
  if (ia && ib) {
    record_simple(rec, PL_CRASH_RENAME, 0, a, b, 0);
  } else if (ia) {
    /* Moved out of the recorded tree: for the tree it is a removal. */
    record_simple(rec, PL_CRASH_UNLINK, 0, a, NULL, 0);
  } else if (ib) {
    /* Moved in from outside: the model cannot know its contents; it shows
     * up as an empty file. */
    record_simple(rec, PL_CRASH_CREATE, new_handle(rec), b, NULL, 0);
  }
  return s;
}

static pl_status r_sync_dir(pl_env *e, const char *p) {
  pl_crash_recorder *rec = REC(e);
  char rel[4096];
  pl_status s = pl_env_sync_dir(rec->target, p);
  if (inside(rec, "syncdir", p, rel, sizeof rel)) record_simple(rec, PL_CRASH_SYNC_DIR, 0, rel, NULL, s != PL_OK);
  return s;
}

static pl_status r_lock_file(pl_env *e, const char *p, pl_file_lock **out) {
  pl_crash_recorder *rec = REC(e);
  char rel[4096];
  int in = inside(rec, "lock", p, rel, sizeof rel);
  int existed = in && pl_env_file_exists(rec->target, p) == PL_OK;
  pl_status s = pl_env_lock_file(rec->target, p, out);
  /* Locking creates the lock file when it is missing. */
  if (s == PL_OK && in && !existed) record_simple(rec, PL_CRASH_CREATE, new_handle(rec), rel, NULL, 0);
  return s;
}

static pl_status r_new_logger(pl_env *e, const char *p, pl_logger **out) {
  pl_writable_file *f;
  pl_status s = r_new_writable(e, p, NULL, &f);
  if (s != PL_OK) return s;
  /* Through the recording writable, so the log's lines are in the trace
   * like any other data. */
  s = pl_logger_from_writable(f, out);
  if (s != PL_OK) pl_writable_close(f);
  return s;
}

/* Records the existing tree under the root as the durable start.  depth
 * bounds the walk: the env cannot tell a symbolic link to a directory from
 * a directory, and a link to an ancestor would otherwise never end. */
#define SNAPSHOT_MAX_DEPTH 32

static void snapshot(pl_crash_recorder *rec, const char *full, const char *rel, int depth) {
  pl_strlist names = {0};
  size_t i;
  if (depth > SNAPSHOT_MAX_DEPTH) return;
  if (pl_env_list_children(rec->target, full, &names) != PL_OK) return;
  for (i = 0; i < names.count; i++) {
    char cfull[4096], crel[4096];
    pl_strlist probe = {0};
    int nf = snprintf(cfull, sizeof cfull, "%s/%s", full, names.items[i]);
    int nr = rel[0] ? snprintf(crel, sizeof crel, "%s/%s", rel, names.items[i])
                    : snprintf(crel, sizeof crel, "%s", names.items[i]);
    if (nf < 0 || nr < 0 || (size_t)nf >= sizeof cfull || !pl__trace_path_ok(crel, (size_t)nr)) {
      record_ignored(rec, "snapshot", cfull);
      continue;
    }
    if (pl_env_list_children(rec->target, cfull, &probe) == PL_OK) {
      pl_strlist_free(&probe);
      record_simple(rec, PL_CRASH_MKDIR, 0, crel, NULL, 0);
      snapshot(rec, cfull, crel, depth + 1);
    } else {
      char *data;
      size_t n;
      uint32_t h = new_handle(rec);
      pl_crash_op op;
      record_simple(rec, PL_CRASH_CREATE, h, crel, NULL, 0);
      if (pl_file_read_all(rec->target, cfull, &data, &n) == PL_OK) {
        memset(&op, 0, sizeof op);
        op.kind = PL_CRASH_WRITE;
        op.handle = h;
        op.len = n;
        op.data = (unsigned char *)data;
        if (n) record(rec, &op);
        free(data);
      }
      record_simple(rec, PL_CRASH_SYNC, h, NULL, NULL, 0);
    }
  }
  pl_strlist_free(&names);
  record_simple(rec, PL_CRASH_SYNC_DIR, 0, rel, NULL, 0);
}

pl_status pl_crash_recorder_new(pl_env *target, const char *root, const char *trace_path,
                                pl_crash_recorder **out) {
  pl_crash_recorder *rec;
  char norm[4096];
  pl_status s;
  *out = NULL;
  rec = calloc(1, sizeof *rec);
  if (rec == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "recorder: out of memory");
  if (!normalize(root ? root : "", norm, sizeof norm)) {
    free(rec);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "recorder: root path too long");
  }
  rec->root = strdup(norm);
  if (rec->root == NULL) {
    free(rec);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "recorder: out of memory");
  }
  rec->target = target;
  pl__mutex_init(&rec->mu);
  pl_crash_trace_init(&rec->trace);
  pl_env_wrapper_init(&rec->env.base, target, "recording");
  rec->env.magic = REC_MAGIC;
  rec->env.rec = rec;
  {
    pl_env *e = &rec->env.base.env;
    e->new_writable = r_new_writable;
    e->new_appendable = r_new_appendable;
    e->remove_file = r_remove_file;
    e->create_dir = r_create_dir;
    e->remove_dir = r_remove_dir;
    e->rename = r_rename;
    e->sync_dir = r_sync_dir;
    e->lock_file = r_lock_file;
    e->new_logger = r_new_logger;
  }
  if (trace_path != NULL) {
    pl_writable_options o;
    unsigned char hdr[PL__TRACE_HEADER_SIZE];
    pl_writable_options_init(&o);
    s = pl_env_new_writable(target, trace_path, &o, &rec->out);
    if (s == PL_OK) {
      pl__trace_header(hdr);
      s = pl_writable_append(rec->out, hdr, sizeof hdr);
      if (s == PL_OK) s = pl_writable_flush(rec->out);
    }
    if (s != PL_OK) {
      pl_crash_recorder_free(rec);
      return s;
    }
  }
  if (rec->root[0] && pl_env_file_exists(target, rec->root) == PL_OK) {
    snapshot(rec, rec->root, "", 0);
  }
  record_simple(rec, PL_CRASH_BASELINE, 0, NULL, NULL, 0);
  *out = rec;
  return PL_OK;
}

pl_env *pl_crash_recorder_env(pl_crash_recorder *rec) { return &rec->env.base.env; }

const pl_crash_trace *pl_crash_recorder_trace(pl_crash_recorder *rec) { return &rec->trace; }

void pl_crash_recorder_take(pl_crash_recorder *rec, pl_crash_trace *out) {
  pl__mutex_lock(&rec->mu);
  *out = rec->trace;
  pl_crash_trace_init(&rec->trace);
  pl__mutex_unlock(&rec->mu);
}

void pl__recorder_add(pl_crash_recorder *rec, const pl_crash_op *op) { record(rec, op); }

void pl__recorder_add_simple(pl_crash_recorder *rec, int kind, uint32_t handle, const char *path,
                             const char *path2, int failed) {
  record_simple(rec, kind, handle, path, path2, failed);
}

uint32_t pl__recorder_new_handle(pl_crash_recorder *rec) { return new_handle(rec); }

void pl__recorder_flush_each_op(pl_crash_recorder *rec, int each_op) {
  pl__mutex_lock(&rec->mu);
  rec->buffered = !each_op;
  pl__mutex_unlock(&rec->mu);
}

/* The recorder behind env, or NULL if env is not a recording env.  Only a
 * recording env has the "recording" name and the magic after its table;
 * the name is checked first so no other env is read past its end. */
static pl_crash_recorder *recorder_of(pl_env *env) {
  if (env == NULL || env->name == NULL || strcmp(env->name, "recording") != 0) return NULL;
  if (((rec_env *)env)->magic != REC_MAGIC) return NULL;
  return ((rec_env *)env)->rec;
}

/* A program recorded at the system-call level states its notes by writing
 * lines to $PLINTH_NOTES: the recorder there sees each write.  Written
 * straight to the platform env (never through a recording env, which would
 * call the file outside its root), one line per open-append-close, so
 * notes from several processes never interleave inside a line.  Returns 1
 * if there is such a file. */
static int note_to_file(const char *text) {
  const char *path = getenv("PLINTH_NOTES");
  pl_writable_file *f;
  pl_writable_options o;
  size_t n = strcspn(text, "\n");
  if (path == NULL || path[0] == '\0') return 0;
  pl_writable_options_init(&o);
  if (pl_env_new_appendable(pl_env_platform(), path, &o, &f) != PL_OK) return 1;
  {
    pl_iovec v[2];
    v[0].base = text;
    v[0].len = n;
    v[1].base = "\n";
    v[1].len = 1;
    /* One write: a line is one note, whole. */
    pl_writable_appendv(f, v, 2);
  }
  pl_writable_close(f);
  return 1;
}

void pl__recorder_note_text(pl_crash_recorder *rec, const char *text) {
  pl_crash_op op;
  pl_crash_recorder *below;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_NOTE;
  op.len = strlen(text);
  op.data = (unsigned char *)text;
  record(rec, &op);
  /* Down the stack: the env this recorder forwards to may record too. */
  below = recorder_of(rec->target);
  if (below != NULL) pl__recorder_note_text(below, text);
  else note_to_file(text);
}

static void vnote(pl_crash_recorder *rec, const char *fmt, va_list ap) {
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) return;
  pl__recorder_note_text(rec, buf);
}

void pl_crash_note(pl_crash_recorder *rec, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(rec, fmt, ap);
  va_end(ap);
}

int pl_crash_env_note(pl_env *env, const char *fmt, ...) {
  va_list ap;
  char buf[1024];
  pl_crash_recorder *rec = recorder_of(env);
  int n;
  if (rec == NULL && (getenv("PLINTH_NOTES") == NULL || getenv("PLINTH_NOTES")[0] == '\0')) return 0;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return 0;
  if (rec != NULL) pl__recorder_note_text(rec, buf);
  else note_to_file(buf);
  return 1;
}

void pl_crash_recorder_free(pl_crash_recorder *rec) {
  if (rec == NULL) return;
  if (rec->out != NULL) pl_writable_close(rec->out);
  pl_crash_trace_free(&rec->trace);
  pl__mutex_destroy(&rec->mu);
  free(rec->root);
  free(rec);
}

static pl__once env_once = PL__ONCE_INIT;
static pl_env *env_platform_arg, *env_result;

static void env_from_environment_once(void) {
  const char *path = getenv("PLINTH_TRACE");
  const char *root = getenv("PLINTH_TRACE_ROOT");
  pl_crash_recorder *rec;
  env_result = env_platform_arg;
  if (path == NULL || path[0] == '\0') return;
  if (pl_crash_recorder_new(env_platform_arg, root ? root : "", path, &rec) != PL_OK) {
    fprintf(stderr, "plinth: PLINTH_TRACE=%s: cannot record: %s\n", path, pl_error_message());
    return;
  }
  /* Lives for the whole process: the trace is flushed op by op, so it is
   * whole when the process exits. */
  env_result = pl_crash_recorder_env(rec);
}

pl_env *pl_crash_env_from_environment(pl_env *platform) {
  env_platform_arg = platform;
  pl__once_run(&env_once, env_from_environment_once);
  return env_result;
}
