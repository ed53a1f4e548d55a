/* In-memory traces: building, copying and describing recorded ops. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "util/u32map.h"

void pl_crash_trace_init(pl_crash_trace *t) {
  t->ops = NULL;
  t->count = 0;
  t->cap = 0;
}

void pl_crash_trace_free(pl_crash_trace *t) {
  size_t i;
  for (i = 0; i < t->count; i++) {
    free(t->ops[i].path);
    free(t->ops[i].path2);
    free(t->ops[i].data);
  }
  free(t->ops);
  pl_crash_trace_init(t);
}

static char *dup_str(const char *s, int *oom) {
  char *d;
  if (s == NULL) return NULL;
  d = strdup(s);
  if (d == NULL) *oom = 1;
  return d;
}

pl_status pl_crash_trace_add(pl_crash_trace *t, const pl_crash_op *op) {
  pl_crash_op *o;
  int oom = 0;
  /* Every path the model and the materializer see passed this check, so a
   * state can never name anything outside its directory. */
  if ((op->path != NULL && !pl__trace_path_ok(op->path, strlen(op->path))) ||
      (op->path2 != NULL && !pl__trace_path_ok(op->path2, strlen(op->path2))))
    return pl_error_set(PL_INVALID_ARGUMENT, 0,
                        "trace: path \"%.200s\" is not relative to the root (absolute, \"..\", \".\" or empty segments)",
                        op->path != NULL && !pl__trace_path_ok(op->path, strlen(op->path)) ? op->path : op->path2);
  /* Sums of offsets and lengths stay far from overflowing. */
  if (op->offset > PL__TRACE_MAX_OFFSET || op->len > PL__TRACE_MAX_OFFSET)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "trace: offset or length beyond 2^62");
  if (op->len > 0 && op->data != NULL && op->len >= (uint64_t)SIZE_MAX)
    return pl_error_set(PL_IO_ERROR, ENOMEM, "trace: out of memory");
  if (t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    pl_crash_op *n = realloc(t->ops, cap * sizeof *n);
    if (n == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "trace: out of memory");
    t->ops = n;
    t->cap = cap;
  }
  o = &t->ops[t->count];
  *o = *op;
  o->path = dup_str(op->path, &oom);
  o->path2 = dup_str(op->path2, &oom);
  o->data = NULL;
  if (op->len > 0 && op->data != NULL) {
    /* One byte more, always NUL: a note's text is then a C string. */
    o->data = malloc((size_t)op->len + 1);
    if (o->data == NULL) {
      oom = 1;
    } else {
      memcpy(o->data, op->data, (size_t)op->len);
      o->data[op->len] = '\0';
    }
  } else if (op->data == NULL) {
    o->len = op->kind == PL_CRASH_WRITE || op->kind == PL_CRASH_NOTE || op->kind == PL_CRASH_IGNORED ||
                     op->kind == PL_CRASH_SYMLINK
                 ? 0
                 : op->len;
  }
  if (oom) {
    free(o->path);
    free(o->path2);
    free(o->data);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "trace: out of memory");
  }
  t->count++;
  return PL_OK;
}

pl_status pl_crash_trace_add_file(pl_crash_trace *t, int kind, uint32_t handle,
                                  const char *path) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = kind;
  op.handle = handle;
  op.path = (char *)path;
  return pl_crash_trace_add(t, &op);
}

pl_status pl_crash_trace_add_write(pl_crash_trace *t, uint32_t handle,
                                   uint64_t offset, const void *data,
                                   size_t len) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_WRITE;
  op.handle = handle;
  op.offset = offset;
  op.len = len;
  op.data = (unsigned char *)data;
  return pl_crash_trace_add(t, &op);
}

pl_status pl_crash_trace_add_sync(pl_crash_trace *t, uint32_t handle) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYNC;
  op.handle = handle;
  return pl_crash_trace_add(t, &op);
}

pl_status pl_crash_trace_add_path(pl_crash_trace *t, int kind,
                                  const char *path, const char *path2) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = kind;
  op.path = (char *)path;
  op.path2 = (char *)path2;
  return pl_crash_trace_add(t, &op);
}

pl_status pl_crash_trace_add_note(pl_crash_trace *t, const char *text) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_NOTE;
  op.len = strlen(text);
  op.data = (unsigned char *)text;
  return pl_crash_trace_add(t, &op);
}

const char *pl_crash_op_name(int kind) {
  switch (kind) {
    case PL_CRASH_CREATE: return "create";
    case PL_CRASH_OPEN: return "open";
    case PL_CRASH_WRITE: return "write";
    case PL_CRASH_EXTEND: return "extend";
    case PL_CRASH_SYNC: return "sync";
    case PL_CRASH_SYNC_DIR: return "syncdir";
    case PL_CRASH_RENAME: return "rename";
    case PL_CRASH_UNLINK: return "unlink";
    case PL_CRASH_MKDIR: return "mkdir";
    case PL_CRASH_RMDIR: return "rmdir";
    case PL_CRASH_NOTE: return "note";
    case PL_CRASH_BASELINE: return "baseline";
    case PL_CRASH_TRUNCATE: return "truncate";
    case PL_CRASH_LINK: return "link";
    case PL_CRASH_SYMLINK: return "symlink";
    case PL_CRASH_SYNC_ALL: return "syncall";
    case PL_CRASH_EXCHANGE: return "exchange";
    case PL_CRASH_ZERO: return "zero";
    case PL_CRASH_IGNORED: return "ignored";
    default: return "unknown";
  }
}

void pl_crash_op_describe(const pl_crash_op *op, const char *file_path,
                          char *buf, size_t cap) {
  size_t k;
  const char *fp = file_path ? file_path : "?";
  const char *failed = op->failed ? " (failed)" : (op->flags & PL_CRASH_FLAG_DURABLE) ? " (durable on return)" : "";
  switch (op->kind) {
    case PL_CRASH_CREATE:
    case PL_CRASH_OPEN:
      snprintf(buf, cap, "%s #%u %s%s", pl_crash_op_name(op->kind), (unsigned)op->handle,
               op->path ? op->path : "?", failed);
      break;
    case PL_CRASH_WRITE:
      snprintf(buf, cap, "write #%u %s [%llu,+%llu)%s", (unsigned)op->handle, fp,
               (unsigned long long)op->offset, (unsigned long long)op->len, failed);
      break;
    case PL_CRASH_EXTEND:
      snprintf(buf, cap, "extend #%u %s to %llu%s", (unsigned)op->handle, fp,
               (unsigned long long)op->offset, failed);
      break;
    case PL_CRASH_SYNC:
      snprintf(buf, cap, "sync #%u %s%s", (unsigned)op->handle, fp, failed);
      break;
    case PL_CRASH_RENAME:
    case PL_CRASH_LINK:
    case PL_CRASH_EXCHANGE:
      snprintf(buf, cap, "%s %s %s %s%s", pl_crash_op_name(op->kind), op->path ? op->path : "?",
               op->kind == PL_CRASH_EXCHANGE ? "<->" : "->", op->path2 ? op->path2 : "?", failed);
      break;
    case PL_CRASH_TRUNCATE:
      snprintf(buf, cap, "truncate #%u %s to %llu%s", (unsigned)op->handle, op->path ? op->path : fp,
               (unsigned long long)op->offset, failed);
      break;
    case PL_CRASH_ZERO:
      snprintf(buf, cap, "zero #%u %s [%llu,+%llu)%s%s", (unsigned)op->handle, fp,
               (unsigned long long)op->offset, (unsigned long long)op->len,
               (op->flags & PL_CRASH_FLAG_KEEP_SIZE) ? " keep size" : "", failed);
      break;
    case PL_CRASH_SYMLINK:
      snprintf(buf, cap, "symlink %s -> \"%.*s\"%s", op->path ? op->path : "?",
               (int)(op->len > 200 ? 200 : op->len), op->data ? (const char *)op->data : "", failed);
      break;
    case PL_CRASH_NOTE:
    case PL_CRASH_IGNORED:
      snprintf(buf, cap, "%s \"%.*s\"", pl_crash_op_name(op->kind), (int)(op->len > 200 ? 200 : op->len),
               op->data ? (const char *)op->data : "");
      break;
    case PL_CRASH_SYNC_ALL:
      snprintf(buf, cap, "syncall%s", failed);
      break;
    case PL_CRASH_BASELINE:
      snprintf(buf, cap, "baseline");
      break;
    default:
      snprintf(buf, cap, "%s %s%s", pl_crash_op_name(op->kind),
               op->path == NULL ? "?" : op->path[0] ? op->path : "(root)", failed);
      break;
  }
  /* Paths and notes come from traces, which come from outside: no byte of
   * them may move a terminal's cursor or start an escape sequence. */
  for (k = 0; k < cap && buf[k] != '\0'; k++)
    if ((unsigned char)buf[k] < 0x20 || (unsigned char)buf[k] == 0x7f) buf[k] = '?';
}

void pl_crash_trace_dump(const pl_crash_trace *t, FILE *out) {
  pl__u32map names = {0}; /* handle -> index of the op that opened it */
  size_t i;
  char line[1024];
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *o = &t->ops[i];
    const char *fp = NULL;
    int at;
    /* Handles come from the trace: a map, not an array indexed by them. */
    if ((o->kind == PL_CRASH_CREATE || o->kind == PL_CRASH_OPEN) && o->path && i <= (size_t)INT32_MAX)
      pl__u32map_put(&names, o->handle, (int)i); /* out of memory: printed as "?" */
    at = pl__u32map_get(&names, o->handle);
    if (at >= 0) fp = t->ops[at].path;
    pl_crash_op_describe(o, fp, line, sizeof line);
    fprintf(out, "%6lu  %s\n", (unsigned long)i, line);
  }
  pl__u32map_free(&names);
}
