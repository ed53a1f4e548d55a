/* The platform's writable file: an in-memory buffer in front of the backend,
 * the manifest rule, sticky errors and counters. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "plinth/file_util.h"
#include "port/thread.h"
#include "util/append_buffer.h"

typedef struct os_writable {
  pl_writable_file base;
  pl__os_file fd;
  pl__append_buffer ab;
  uint64_t opened_size; /* tell() = opened_size + stats.bytes */
  int sync_on_close;
  int sync_writes; /* opened with PL_WRITABLE_SYNC_WRITES (O_DSYNC) */
  int is_manifest;
  int created_dirs;     /* open created directories not yet synced */
  size_t existing_len; /* dir[0..existing_len) existed before open */
  /* Where the directory syncs the contract promises go (the manifest rule,
   * create_parents): through the outermost wrapper, so a recording or
   * fault-injecting env sees them as the disk does. */
  pl_env *dir_env;
  pl_writable_stats stats;
  /* The first failure of a write or sync, replayed by every later call.
   * Set under sticky_mu: concurrent write_at calls may fail together. */
  pl__mutex sticky_mu;
  pl_status sticky;
  int sticky_os;
  char *sticky_msg;
  char *path;
  char *dir;
} os_writable;

static pl_status fail(os_writable *w, pl_status s) {
  pl__mutex_lock(&w->sticky_mu);
  if (w->sticky == PL_OK) {
    w->sticky_os = pl_error_os();
    w->sticky_msg = strdup(pl_error_message());
    w->sticky = s;
  }
  pl__mutex_unlock(&w->sticky_mu);
  return s;
}

static pl_status replay_sticky(os_writable *w) {
  pl_status s;
  pl__mutex_lock(&w->sticky_mu);
  s = pl_error_set(w->sticky, w->sticky_os, "%s (earlier failure; the file's durable state is unknown)",
                   w->sticky_msg ? w->sticky_msg : w->path);
  pl__mutex_unlock(&w->sticky_mu);
  return s;
}

/* The sticky status as seen by write_at, which may run on several threads
 * at once (append, flush and sync are single-threaded by contract and read
 * w->sticky directly). */
static pl_status sticky_now(os_writable *w) {
  pl_status s;
  pl__mutex_lock(&w->sticky_mu);
  s = w->sticky;
  pl__mutex_unlock(&w->sticky_mu);
  return s;
}

/* Writes the buffer followed by extra pieces in one system call where the
 * OS allows, so a large append costs no copy and no second write. */
static pl_status drain(os_writable *w, const pl_iovec *extra, int n) {
  pl_iovec stackv[9];
  pl_iovec *v = stackv;
  int cnt = 0, i;
  pl_status s;
  if (n + 1 > (int)(sizeof stackv / sizeof stackv[0])) {
    v = malloc((size_t)(n + 1) * sizeof *v);
    if (v == NULL) return fail(w, pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", w->path));
  }
  if (w->ab.len > 0) {
    v[cnt].base = w->ab.buf;
    v[cnt].len = w->ab.len;
    cnt++;
  }
  for (i = 0; i < n; i++) v[cnt++] = extra[i];
  s = cnt ? pl__port_writev(w->fd, v, cnt, w->path) : PL_OK;
  if (v != stackv) free(v);
  if (s != PL_OK) return fail(w, s);
  if (cnt) w->stats.os_writes++;
  w->ab.len = 0;
  return PL_OK;
}

/* The append buffer's drain (util/append_buffer.h). */
static pl_status drain_buffer(void *file, const pl_iovec *extra, int n) {
  return drain((os_writable *)file, extra, n);
}

static pl_status w_append(pl_writable_file *f, const void *data, size_t n) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (w->sticky != PL_OK) return replay_sticky(w);
  s = pl__append_buffer_add(&w->ab, data, n, drain_buffer, w);
  if (s != PL_OK) return s;
  w->stats.bytes += n;
  w->stats.appends++;
  return PL_OK;
}

static pl_status w_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) {
  os_writable *w = (os_writable *)f;
  size_t total = 0;
  int i;
  pl_status s;
  if (w->sticky != PL_OK) return replay_sticky(w);
  for (i = 0; i < cnt; i++) total += iov[i].len;
  s = pl__append_buffer_addv(&w->ab, iov, cnt, total, drain_buffer, w);
  if (s != PL_OK) return s;
  w->stats.bytes += total;
  w->stats.appends++;
  return PL_OK;
}

static pl_status w_flush(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (w->sticky != PL_OK) return replay_sticky(w);
  s = drain(w, NULL, 0);
  if (s == PL_OK) w->stats.flushes++;
  return s;
}

static int is_sep(char c) { return c == '/' || c == '\\'; }

/* Syncs each directory from the deepest one that existed at open down to
 * the file's own: the entries of the directories open created, then the
 * file's entry. */
static pl_status sync_new_dirs(os_writable *w) {
  size_t i, len = strlen(w->dir);
  pl_status s;
  char saved;
  for (i = w->existing_len; i <= len; i++) {
    if (i < len && !is_sep(w->dir[i])) continue;
    saved = w->dir[i];
    w->dir[i] = '\0';
    s = pl_env_sync_dir(w->dir_env, i == 0 ? "." : w->dir);
    w->dir[i] = saved;
    if (s != PL_OK) return s;
  }
  w->created_dirs = 0;
  return PL_OK;
}

static pl_status w_sync(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (w->sticky != PL_OK) return replay_sticky(w);
  s = drain(w, NULL, 0);
  if (s != PL_OK) return s;
  if (w->created_dirs && !(pl__writable_test_break_rules & PL__BREAK_CREATE_PARENTS_SYNC)) {
    s = sync_new_dirs(w);
    if (s != PL_OK) return fail(w, s);
  }
  if (w->is_manifest && !(pl__writable_test_break_rules & PL__BREAK_MANIFEST_RULE)) {
    /* A manifest names other files (tables, logs); their directory entries
     * must be durable before the manifest that points at them is. */
    s = pl_env_sync_dir(w->dir_env, w->dir);
    if (s != PL_OK) return fail(w, s);
  }
  /* With O_DSYNC every write above was durable when it returned. */
  if (!w->sync_writes) {
    s = pl__port_sync(w->fd, w->path);
    if (s != PL_OK) return fail(w, s);
  }
  w->stats.syncs++;
  return PL_OK;
}

static void w_free(os_writable *w) {
  pl__mutex_destroy(&w->sticky_mu);
  free(w->ab.buf);
  free(w->sticky_msg);
  free(w->path);
  free(w->dir);
  free(w);
}

static pl_status w_close(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  pl_status s = w->sync_on_close ? w_sync(f) : w_flush(f);
  pl_status c = pl__port_close(w->fd, w->path);
  if (s == PL_OK && c != PL_OK) s = c;
  w_free(w);
  return s;
}

static uint64_t w_tell(pl_writable_file *f) {
  os_writable *w = (os_writable *)f;
  return w->opened_size + w->stats.bytes;
}

static void w_stats(pl_writable_file *f, pl_writable_stats *out) {
  *out = ((os_writable *)f)->stats;
}

static pl_status w_write_at(pl_writable_file *f, uint64_t offset,
                            const void *data, size_t n) {
  os_writable *w = (os_writable *)f;
  pl_status s;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  s = pl__port_pwrite(w->fd, offset, data, n, w->path);
  if (s != PL_OK) return fail(w, s);
  return PL_OK;
}

static pl_status w_allocate(pl_writable_file *f, uint64_t offset, uint64_t len) {
  os_writable *w = (os_writable *)f;
  if (sticky_now(w) != PL_OK) return replay_sticky(w);
  return pl__port_allocate(w->fd, offset, len, w->path);
}

static const pl_writable_methods os_writable_methods = {
    PL_WRITABLE_VERSION, w_append, w_appendv, w_flush, w_sync, w_close,
    w_tell, w_stats, w_write_at, w_allocate};

void pl_writable_options_init(pl_writable_options *o) {
  memset(o, 0, sizeof *o);
  o->buffer_size = PL_WRITABLE_DEFAULT_BUFFER;
}

int pl__writable_test_break_rules;

/* Creates every missing directory above path (not path itself) through
 * env.  If it created any, *created is set and *existing is the length of
 * the deepest directory prefix of path that already existed (0: the
 * current directory), so the first sync can make the new chain durable. */
static pl_status create_parents(pl_env *env, const char *path, int *created, size_t *existing) {
  char dir[4096];
  size_t i, len;
  pl_status s = pl_path_dirname(path, dir, sizeof dir);
  *created = 0;
  *existing = 0;
  if (s != PL_OK) return s;
  len = strlen(dir);
  /* Create each prefix in turn; existing directories are fine. */
  for (i = 1; i <= len; i++) {
    if (i == len || is_sep(dir[i])) {
      char saved = dir[i];
      dir[i] = '\0';
      /* Only a missing directory is created: an error while looking (EIO,
       * EACCES) is the caller's, not a reason to create and sync parents
       * that may well exist. */
      s = pl_env_file_exists(env, dir);
      if (s != PL_OK && s != PL_NOT_FOUND) return s;
      if (s == PL_NOT_FOUND) {
        if (!*created) {
          /* Remember the parent of the first missing directory ("/" keeps
           * its separator). */
          size_t k = i;
          while (k > 0 && !is_sep(dir[k - 1])) k--;
          *existing = k > 1 ? k - 1 : k;
          *created = 1;
        }
        s = pl_env_create_dir(env, dir);
        if (s != PL_OK) return s;
      }
      dir[i] = saved;
    }
  }
  return PL_OK;
}

pl_status pl__writable_open(pl_env *env, const char *path, int flags,
                            const pl_writable_options *opt, pl_writable_file **out) {
  pl_writable_options defaults;
  os_writable *w;
  pl_status s;
  char dir[4096];
  int created = 0;
  size_t existing = 0;
  *out = NULL;
  if (opt == NULL) {
    pl_writable_options_init(&defaults);
    opt = &defaults;
  }
  s = pl_path_dirname(path, dir, sizeof dir);
  if (s != PL_OK) return s;
  if (opt->dir_env != NULL) env = opt->dir_env;
  if (opt->create_parents) {
    s = create_parents(env, path, &created, &existing);
    if (s != PL_OK) return s;
  }
  w = calloc(1, sizeof *w);
  if (w == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  w->base.methods = &os_writable_methods;
  pl__mutex_init(&w->sticky_mu);
  w->ab.cap = opt->buffer_size;
  w->sync_on_close = opt->sync_on_close;
  w->sync_writes = (opt->flags & PL_WRITABLE_SYNC_WRITES) != 0;
  w->created_dirs = created;
  w->existing_len = existing;
  w->dir_env = env;
  w->is_manifest = strncmp(pl_path_basename(path), "MANIFEST", 8) == 0;
  w->path = strdup(path);
  w->dir = strdup(dir);
  w->ab.buf = w->ab.cap ? malloc(w->ab.cap) : NULL;
  if (w->path == NULL || w->dir == NULL || (w->ab.cap && w->ab.buf == NULL)) {
    w_free(w);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  if (opt->exclusive) flags = (flags & ~PL__OPEN_TRUNCATE) | PL__OPEN_EXCLUSIVE;
  if (opt->flags & PL_WRITABLE_DIRECT) flags |= PL__OPEN_DIRECT;
  if (opt->flags & PL_WRITABLE_SYNC_WRITES) flags |= PL__OPEN_DSYNC;
  s = pl__port_open(path, flags | PL__OPEN_WRITE | PL__OPEN_CREATE, &w->fd);
  if (s != PL_OK) {
    w_free(w);
    return s;
  }
  if (flags & PL__OPEN_APPEND) {
    s = pl__port_fsize(w->fd, &w->opened_size, path);
    if (s != PL_OK) {
      pl__port_close(w->fd, path);
      w_free(w);
      return s;
    }
  }
  *out = &w->base;
  return PL_OK;
}
