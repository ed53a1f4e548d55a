/* Recording a program at the system-call level: the backend's tracer
 * (port/tracer.h) reports what the program's calls did to its files; this
 * turns each event into trace ops, exactly as the recording env would
 * have written them, through the same recorder (the same file format, the
 * same baseline of what the directory held before).
 *
 * - Each open file the tracer reports gets a trace handle: CREATE when the
 *   open created or truncated it, OPEN otherwise.
 * - Lines written to the notes file ($PLINTH_NOTES), by any process, become
 *   NOTE ops in the order the writes completed; a line split over several
 *   writes is one note.
 * - A change outside the recording root is not recorded: it becomes an
 *   IGNORED op ("... outside the recording root"), the first few of them,
 *   so crashcheck can say so; a call the tracer cannot record becomes an
 *   IGNORED op saying what it was.
 * - A file moved (or linked) into the root from outside is recorded as
 *   created with its contents as they are then, unsynced: where it came
 *   from is not part of the model. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"
#include "port/process.h"
#include "port/tracer.h"
#include "util/buf.h"
#include "util/u32map.h"

#define MAX_OUTSIDE 16 /* outside changes recorded one by one; then counted */

typedef struct sysrec {
  pl_crash_recorder *rec;
  const char *root;   /* absolute */
  pl__u32map handles; /* tracer file id -> trace handle */
  pl__buf line;       /* a note line not ended yet */
  uint64_t outside, unsupported, notes;
} sysrec;

static void add(sysrec *r, int kind, uint32_t handle, const char *path, const char *path2) {
  pl__recorder_add_simple(r->rec, kind, handle, path, path2, 0);
}

static void ignored(sysrec *r, const char *text) {
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_IGNORED;
  op.data = (unsigned char *)text;
  op.len = strlen(text);
  pl__recorder_add(r->rec, &op);
}

static const char *verb(int kind) {
  switch (kind) {
    case PL__TEV_OPEN: return "create";
    case PL__TEV_WRITE: return "write";
    case PL__TEV_TRUNCATE: return "truncate";
    case PL__TEV_EXTEND: return "allocate";
    case PL__TEV_RENAME: return "rename";
    case PL__TEV_EXCHANGE: return "exchange";
    case PL__TEV_LINK: return "link";
    case PL__TEV_SYMLINK: return "symlink";
    case PL__TEV_UNLINK: return "unlink";
    case PL__TEV_MKDIR: return "mkdir";
    case PL__TEV_RMDIR: return "rmdir";
    default: return "change";
  }
}

/* Non-zero if path matches one of PLINTH_TRACE_IGNORE's patterns
 * (colon-separated globs): changes outside the root the user knows are
 * noise, e.g. an instrumented build's .gcda files written at exit. */
static int quiet_outside(const char *path) {
  const char *list = getenv("PLINTH_TRACE_IGNORE"), *p;
  char pattern[256];
  if (list == NULL || path == NULL) return 0;
  for (p = list; *p;) {
    size_t n = strcspn(p, ":");
    if (n > 0 && n < sizeof pattern) {
      memcpy(pattern, p, n);
      pattern[n] = '\0';
      if (pl__path_excluded(pattern, path[0] == '/' ? path + 1 : path)) return 1;
    }
    p += n;
    if (*p == ':') p++;
  }
  return 0;
}

static void outside(sysrec *r, int kind, const char *path) {
  char text[700];
  if (quiet_outside(path)) return;
  if (r->outside++ >= MAX_OUTSIDE) return;
  snprintf(text, sizeof text, "%s %.500s: outside the recording root", verb(kind), path ? path : "?");
  ignored(r, text);
}

static uint32_t handle_of(sysrec *r, uint32_t file) {
  int h = pl__u32map_get(&r->handles, file);
  return h < 0 ? 0 : (uint32_t)h;
}

/* A trace may only hold a path that names something under the root
 * without "." or ".." (names the program used that the format cannot
 * carry, e.g. with a backslash, are left out with a word). */
static int path_ok(sysrec *r, const char *rel) {
  char text[700];
  if (rel == NULL || pl__trace_path_ok(rel, strlen(rel))) return 1;
  snprintf(text, sizeof text, "a name the trace format cannot hold: %.500s", rel);
  r->unsupported++;
  ignored(r, text);
  return 0;
}

/* Lines written to the notes file: each complete line is one note. */
static void notes_write(sysrec *r, const unsigned char *data, uint64_t len) {
  uint64_t i;
  for (i = 0; i < len; i++) {
    if (data[i] == '\n') {
      if (!pl__buf_add(&r->line, "", 1)) return;
      pl__recorder_note_text(r->rec, (const char *)r->line.p);
      r->notes++;
      r->line.len = 0;
    } else if (data[i] != '\r' && r->line.len < 4000) {
      pl__buf_add(&r->line, &data[i], 1);
    }
  }
}

/* Something came into the root from outside (rename or link): it appears
 * there with what it holds now. */
static void came_in(sysrec *r, int kind, const char *from, const char *rel) {
  pl_env *env = pl_env_platform();
  char full[8400], text[900];
  char *data = NULL;
  size_t n = 0;
  pl_strlist probe = {0};
  snprintf(full, sizeof full, "%s/%s", r->root, rel);
  if (pl_env_list_children(env, full, &probe) == PL_OK) {
    pl_strlist_free(&probe);
    add(r, PL_CRASH_MKDIR, 0, rel, NULL);
    snprintf(text, sizeof text, "%s of directory %.300s into the root as %.300s: its contents are not recorded",
             verb(kind), from, rel);
    r->unsupported++;
    ignored(r, text);
    return;
  }
  {
    uint32_t h = pl__recorder_new_handle(r->rec);
    add(r, PL_CRASH_CREATE, h, rel, NULL);
    if (pl_file_read_all(env, full, &data, &n) == PL_OK && n > 0) {
      pl_crash_op op;
      memset(&op, 0, sizeof op);
      op.kind = PL_CRASH_WRITE;
      op.handle = h;
      op.len = n;
      op.data = (unsigned char *)data;
      pl__recorder_add(r->rec, &op);
    }
    free(data);
  }
  outside(r, kind, from);
}

static void on_event(void *arg, const pl__tev *ev) {
  sysrec *r = arg;
  pl_crash_op op;
  uint32_t h;
  memset(&op, 0, sizeof op);
  if (ev->kind == PL__TEV_UNSUPPORTED) {
    char text[1100];
    snprintf(text, sizeof text, "not recorded: %.*s", (int)(ev->len > 1000 ? 1000 : ev->len),
             ev->data ? (const char *)ev->data : "");
    r->unsupported++;
    ignored(r, text);
    return;
  }
  if (ev->kind == PL__TEV_WRITE && ev->where == PL__TEV_WATCHED) {
    notes_write(r, ev->data, ev->len);
    return;
  }
  if (ev->kind == PL__TEV_SYNC_ALL) {
    add(r, PL_CRASH_SYNC_ALL, 0, NULL, NULL);
    return;
  }
  if (ev->where == PL__TEV_OUTSIDE && ev->where2 != PL__TEV_ROOT) {
    outside(r, ev->kind, ev->path);
    return;
  }
  if (ev->where != PL__TEV_ROOT && ev->where2 != PL__TEV_ROOT) return;
  if (!path_ok(r, ev->where == PL__TEV_ROOT ? ev->path : NULL) ||
      !path_ok(r, ev->where2 == PL__TEV_ROOT ? ev->path2 : NULL))
    return;
  switch (ev->kind) {
    case PL__TEV_OPEN:
      if (ev->path == NULL || ev->path[0] == '\0') return;
      h = pl__recorder_new_handle(r->rec);
      if (!pl__u32map_put(&r->handles, ev->file, (int)h)) return;
      add(r, (ev->flags & (PL__TEVF_CREATED | PL__TEVF_TRUNCATED)) ? PL_CRASH_CREATE : PL_CRASH_OPEN, h, ev->path,
          NULL);
      return;
    case PL__TEV_WRITE:
    case PL__TEV_TRUNCATE:
    case PL__TEV_EXTEND:
    case PL__TEV_ZERO:
    case PL__TEV_SYNC:
    case PL__TEV_SYNC_RANGE:
      op.kind = ev->kind == PL__TEV_WRITE      ? PL_CRASH_WRITE
                : ev->kind == PL__TEV_TRUNCATE ? PL_CRASH_TRUNCATE
                : ev->kind == PL__TEV_EXTEND   ? PL_CRASH_EXTEND
                : ev->kind == PL__TEV_ZERO     ? PL_CRASH_ZERO
                : ev->kind == PL__TEV_SYNC     ? PL_CRASH_SYNC
                                               : PL_CRASH_SYNC_RANGE;
      if (ev->file != 0) {
        if ((op.handle = handle_of(r, ev->file)) == 0) return;
      } else if (ev->kind == PL__TEV_TRUNCATE && ev->path != NULL && ev->path[0] != '\0') {
        op.path = (char *)ev->path; /* truncate(2) names the file */
      } else {
        return;
      }
      op.offset = ev->offset;
      op.failed = ev->failed;
      if (ev->flags & PL__TEVF_DURABLE) op.flags |= PL_CRASH_FLAG_DURABLE;
      if (ev->flags & PL__TEVF_KEEP_SIZE) op.flags |= PL_CRASH_FLAG_KEEP_SIZE;
      if (ev->kind == PL__TEV_WRITE) {
        op.len = ev->len;
        op.data = (unsigned char *)ev->data;
      } else if (ev->kind == PL__TEV_ZERO || ev->kind == PL__TEV_SYNC_RANGE) {
        op.len = ev->len;
      }
      pl__recorder_add(r->rec, &op);
      return;
    case PL__TEV_SYNC_DIR:
      op.kind = PL_CRASH_SYNC_DIR;
      op.path = (char *)ev->path;
      op.failed = ev->failed;
      pl__recorder_add(r->rec, &op);
      return;
    case PL__TEV_RENAME:
    case PL__TEV_EXCHANGE:
    case PL__TEV_LINK:
      if (ev->where == PL__TEV_ROOT && ev->where2 == PL__TEV_ROOT) {
        if (ev->path[0] == '\0' || ev->path2[0] == '\0') return;
        add(r, ev->kind == PL__TEV_RENAME ? PL_CRASH_RENAME : ev->kind == PL__TEV_LINK ? PL_CRASH_LINK : PL_CRASH_EXCHANGE,
            0, ev->path, ev->path2);
      } else if (ev->where == PL__TEV_ROOT) {
        /* Moved out: for the tree it is a removal (a link out changes
         * nothing inside). */
        if (ev->kind == PL__TEV_RENAME && ev->path[0] != '\0') add(r, PL_CRASH_UNLINK, 0, ev->path, NULL);
        outside(r, ev->kind, ev->path2);
      } else if (ev->path2[0] != '\0') {
        came_in(r, ev->kind, ev->path, ev->path2);
      }
      return;
    case PL__TEV_SYMLINK:
      op.kind = PL_CRASH_SYMLINK;
      op.path = (char *)ev->path;
      op.data = (unsigned char *)ev->data;
      op.len = ev->len;
      if (ev->path[0] != '\0') pl__recorder_add(r->rec, &op);
      return;
    case PL__TEV_UNLINK:
    case PL__TEV_MKDIR:
    case PL__TEV_RMDIR:
      if (ev->path[0] == '\0') return;
      add(r, ev->kind == PL__TEV_UNLINK ? PL_CRASH_UNLINK : ev->kind == PL__TEV_MKDIR ? PL_CRASH_MKDIR : PL_CRASH_RMDIR, 0,
          ev->path, NULL);
      return;
    default:
      return;
  }
}

static pl_status env_var(pl__buf *b, const char *name, const char *value) {
  if (!pl__buf_addf(b, "%s=%s", name, value) || !pl__buf_add(b, "", 1))
    return pl_error_set(PL_IO_ERROR, ENOMEM, "out of memory");
  return PL_OK;
}

pl_status pl__record_syscalls(const pl_crash_program *p, pl_crash_program_status *st) {
  pl_env *env = pl_env_platform();
  char trace[4096], root[4096], notes[4200], envtrace[4096];
  pl__buf e[6] = {{0}};
  const char *env_add[7], *watched[2], *quiet[3];
  pl__tracer_options to;
  pl__tracer_stats ts;
  pl__proc_status ps;
  sysrec r;
  pl_status s;
  int i, ne = 0, nq = 0;
  memset(st, 0, sizeof *st);
  memset(&r, 0, sizeof r);
  if (!pl__tracer_available())
    return pl_error_set(PL_NOT_SUPPORTED, 0,
                        "cannot record %s at the system-call level: this build has no tracer (Linux only)",
                        p->argv[0]);
  s = pl__process_absolute(p->trace_path, trace, sizeof trace);
  if (s == PL_OK) s = pl__process_absolute(p->dir, root, sizeof root);
  if (s == PL_OK) s = pl_env_create_dir(env, root);
  if (s == PL_OK) {
    /* The root as the tracer compares paths: symbolic links resolved. */
    char canon[4096];
    s = pl__tracer_canonical(root, canon, sizeof canon);
    if (s == PL_OK) snprintf(root, sizeof root, "%s", canon);
  }
  if (s == PL_OK && p->notes_path != NULL) s = pl__process_absolute(p->notes_path, notes, sizeof notes);
  else if (s == PL_OK) snprintf(notes, sizeof notes, "%s.notes", trace);
  if (s == PL_OK && (p->flags & PL_CRASH_PROGRAM_ALSO_ENV)) {
    s = p->env_trace_path ? pl__process_absolute(p->env_trace_path, envtrace, sizeof envtrace)
                          : pl_error_set(PL_INVALID_ARGUMENT, 0, "PL_CRASH_PROGRAM_ALSO_ENV needs env_trace_path");
    if (s == PL_OK) pl_env_remove_file(env, envtrace);
  }
  /* The notes file exists from the start, empty: `>>` and O_APPEND opens
   * find it where the tracer expects it. */
  if (s == PL_OK) s = pl_file_write_all(env, notes, "", 0, 0);
  if (s != PL_OK) return s;

  s = env_var(&e[ne], "PLINTH_NOTES", notes);
  if (s == PL_OK) s = env_var(&e[++ne], "PLINTH_CRASH_DIR", root);
  if (s == PL_OK && (p->flags & PL_CRASH_PROGRAM_ALSO_ENV)) {
    s = env_var(&e[++ne], "PLINTH_TRACE", envtrace);
    if (s == PL_OK) s = env_var(&e[++ne], "PLINTH_TRACE_ROOT", root);
  } else if (s == PL_OK) {
    /* Empty: a plinth program inside does not record at the env level
     * (an outer PLINTH_TRACE is not for it). */
    s = env_var(&e[++ne], "PLINTH_TRACE", "");
  }
  if (s == PL_OK) {
    /* LeakSanitizer stops the program's threads with ptrace at exit,
     * which a traced program cannot do (it would fail every recording of
     * an ASan build): off in the recorded program. */
    const char *asan = getenv("ASAN_OPTIONS");
    if (!pl__buf_addf(&e[++ne], "ASAN_OPTIONS=%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : "") ||
        !pl__buf_add(&e[ne], "", 1))
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "out of memory");
  }
  ne++;
  for (i = 0; i < ne; i++) env_add[i] = (const char *)e[i].p;
  env_add[ne] = NULL;
  if (s == PL_OK) s = pl_crash_recorder_new(env, root, trace, &r.rec);
  if (s != PL_OK) goto out;
  pl__recorder_flush_each_op(r.rec, 0);
  r.root = root;
  watched[0] = notes;
  watched[1] = NULL;
  quiet[nq++] = trace;
  if (p->flags & PL_CRASH_PROGRAM_ALSO_ENV) quiet[nq++] = envtrace;
  quiet[nq] = NULL;
  memset(&to, 0, sizeof to);
  to.argv = p->argv;
  to.cwd = root;
  to.env_add = env_add;
  to.timeout_ms = p->timeout_ms;
  to.root = root;
  to.watched = watched;
  to.quiet = quiet;
  to.on_event = on_event;
  to.arg = &r;
  s = pl__tracer_run(&to, &ps, &ts);
  if (s == PL_OK) {
    if (r.line.len > 0) notes_write(&r, (const unsigned char *)"\n", 1); /* a last line without '\n' */
    if (r.outside > MAX_OUTSIDE) {
      char text[200];
      snprintf(text, sizeof text, "and %llu more changes outside the recording root",
               (unsigned long long)(r.outside - MAX_OUTSIDE));
      ignored(&r, text);
    }
    st->exited = ps.exited;
    st->code = ps.code;
    st->signal = ps.sig;
    st->timed_out = ps.timed_out;
    pl__proc_status_describe(&ps, p->timeout_ms, st->how, sizeof st->how);
    st->stops = ts.stops;
    st->processes = ts.tasks;
    st->outside = r.outside;
    st->unsupported = r.unsupported;
    st->notes = r.notes;
  }
  pl_crash_recorder_free(r.rec);
out:
  for (i = 0; i < 6; i++) pl__buf_free(&e[i]);
  pl__buf_free(&r.line);
  pl__u32map_free(&r.handles);
  return s;
}
