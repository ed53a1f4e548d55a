/* In-memory traces: building, copying and describing recorded ops. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"

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
    o->len = op->kind == PL_CRASH_WRITE || op->kind == PL_CRASH_NOTE ? 0 : op->len;
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
    default: return "unknown";
  }
}

void pl_crash_op_describe(const pl_crash_op *op, const char *file_path,
                          char *buf, size_t cap) {
  const char *fp = file_path ? file_path : "?";
  const char *failed = op->failed ? " (failed)" : "";
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
      snprintf(buf, cap, "rename %s -> %s%s", op->path ? op->path : "?",
               op->path2 ? op->path2 : "?", failed);
      break;
    case PL_CRASH_NOTE:
      snprintf(buf, cap, "note \"%.*s\"", (int)(op->len > 200 ? 200 : op->len),
               op->data ? (const char *)op->data : "");
      break;
    case PL_CRASH_BASELINE:
      snprintf(buf, cap, "baseline");
      break;
    default:
      snprintf(buf, cap, "%s %s%s", pl_crash_op_name(op->kind),
               op->path == NULL ? "?" : op->path[0] ? op->path : "(root)", failed);
      break;
  }
}
