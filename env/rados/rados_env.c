/* The RADOS env: connection, names and the namespace operations (files and
 * directories as omap entries of directory objects). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/rados/rados_internal.h"
#include "plinth/file_util.h"
#include "plinth/rados.h"

/* ------------------------------------------------------------------ */
/* Errors, names, ids                                                  */

pl_status pl__rados_error(int r, const char *fmt, ...) {
  char ctx[900], text[128];
  va_list ap;
  int e = r < 0 ? -r : r;
  pl_status code;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  /* As the platform env maps errno: a missing file, or a component that
   * is not a directory (sync_dir of a file, a file used as a directory),
   * is NotFound. */
  switch (e) {
    case ENOENT:
    case ENOTDIR: code = PL_NOT_FOUND; break;
    case EOPNOTSUPP: code = PL_NOT_SUPPORTED; break;
    default: code = PL_IO_ERROR; break;
  }
  /* GNU strerror_r: thread-safe, returns the text (maybe not in text). */
  return pl_error_set(code, e, "%s: %s", ctx, strerror_r(e, text, sizeof text));
}

pl_status pl__rados_canon(const char *path, char **out) {
  size_t n = strlen(path), len = 0;
  const char *p = path;
  char *c;
  *out = NULL;
  if (n == 0) return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "empty path");
  c = malloc(n + 2);
  if (c == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  while (*p) {
    const char *q;
    size_t k;
    while (*p == '/') p++;
    if (!*p) break;
    for (q = p; *q && *q != '/'; q++) {
    }
    k = (size_t)(q - p);
    if (k == 1 && p[0] == '.') {
      /* nothing */
    } else if (k == 2 && p[0] == '.' && p[1] == '.') {
      while (len > 0 && c[len - 1] != '/') len--;
      if (len > 0) len--; /* the separator; "/.." is "/" */
    } else {
      c[len++] = '/';
      memcpy(c + len, p, k);
      len += k;
    }
    p = q;
  }
  if (len == 0) c[len++] = '/';
  c[len] = '\0';
  *out = c;
  return PL_OK;
}

void pl__rados_dir_oid(char *buf, size_t cap, const char *canon) { snprintf(buf, cap, "d:%s", canon); }

void pl__rados_data_oid(char *buf, size_t cap, const char *id, uint64_t index) {
  snprintf(buf, cap, "f:%s.%llx", id, (unsigned long long)index);
}

void pl__rados_new_id(pl__rados_env *e, char *buf, size_t cap) {
  uint64_t n = __atomic_add_fetch(&e->next_id, 1, __ATOMIC_RELAXED);
  snprintf(buf, cap, "%llx.%llx", (unsigned long long)e->instance, (unsigned long long)n);
}

/* Splits canonical "/a/b" into its parent's object name "d:/a" and "b". */
static const char *split(const char *canon, char *parent_oid, size_t cap) {
  const char *slash = strrchr(canon, '/');
  size_t plen = (size_t)(slash - canon);
  if (plen == 0) plen = 1; /* "/b": the parent is "/" */
  snprintf(parent_oid, cap, "d:%.*s", (int)plen, canon);
  return slash + 1;
}

#define OID_CAP(path) (strlen(path) + 64)

/* ------------------------------------------------------------------ */
/* Entries                                                             */

/* Reads the entry of canon in its parent directory: *kind 0 if absent.
 * NotFound if the parent directory does not exist. */
static pl_status read_entry(pl__rados_env *e, const char *canon, int *kind, char *id) {
  size_t cap = OID_CAP(canon);
  char *poid = malloc(cap);
  const char *name;
  rados_read_op_t op;
  rados_omap_iter_t it = NULL;
  int prval = 0, r;
  size_t klen;
  pl_status s = PL_OK;
  *kind = 0;
  if (id) id[0] = '\0';
  if (poid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", canon);
  name = split(canon, poid, cap);
  klen = strlen(name);
  op = rados_create_read_op();
  rados_read_op_omap_get_vals_by_keys2(op, &name, 1, &klen, &it, &prval);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_read_op_operate(op, e->io, poid, 0);
  if (r == 0 && prval < 0) r = prval;
  if (r < 0) {
    s = pl__rados_error(r, "%s", canon);
  } else {
    char *k = NULL, *v = NULL;
    size_t kl = 0, vl = 0;
    if (rados_omap_get_next2(it, &k, &v, &kl, &vl) == 0 && k != NULL) {
      if (vl == 1 && v[0] == 'd') {
        *kind = PL__RADOS_DIR;
      } else if (vl > 2 && v[0] == 'f' && v[1] == ':' && vl - 2 < PL__RADOS_ID_MAX) {
        *kind = PL__RADOS_FILE;
        if (id) {
          memcpy(id, v + 2, vl - 2);
          id[vl - 2] = '\0';
        }
      } else {
        s = pl_error_set(PL_CORRUPTION, 0, "%s: malformed directory entry in %s", canon, poid);
      }
    }
  }
  if (it) rados_omap_get_end(it);
  rados_release_read_op(op);
  free(poid);
  return s;
}

pl_status pl__rados_lookup(pl__rados_env *e, const char *canon, int *kind, char *id) {
  pl_status s;
  if (strcmp(canon, "/") == 0) {
    *kind = PL__RADOS_DIR;
    return PL_OK;
  }
  s = read_entry(e, canon, kind, id);
  if (s != PL_OK) return s;
  if (*kind == 0) return pl__rados_error(-ENOENT, "%s", canon);
  return PL_OK;
}

/* Sets the entry canon -> value in its parent, which must exist (NotFound
 * otherwise). */
static pl_status set_entry(pl__rados_env *e, const char *canon, const char *value) {
  size_t cap = OID_CAP(canon), klen, vlen = strlen(value);
  char *poid = malloc(cap);
  const char *name;
  rados_write_op_t op;
  int r;
  if (poid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", canon);
  name = split(canon, poid, cap);
  klen = strlen(name);
  op = rados_create_write_op();
  rados_write_op_assert_exists(op);
  rados_write_op_omap_set2(op, &name, &value, &klen, &vlen, 1);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_write_op_operate(op, e->io, poid, NULL, 0);
  rados_release_write_op(op);
  free(poid);
  return r < 0 ? pl__rados_error(r, "%s", canon) : PL_OK;
}

/* Removes the entry canon from its parent if it still holds value. */
static pl_status remove_entry(pl__rados_env *e, const char *canon, const char *value) {
  size_t cap = OID_CAP(canon), klen, vlen = strlen(value);
  char *poid = malloc(cap);
  const char *name;
  rados_write_op_t op;
  int r, cmp = 0;
  if (poid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", canon);
  name = split(canon, poid, cap);
  klen = strlen(name);
  op = rados_create_write_op();
  rados_write_op_omap_cmp2(op, name, LIBRADOS_CMPXATTR_OP_EQ, value, klen, vlen, &cmp);
  rados_write_op_omap_rm_keys2(op, &name, &klen, 1);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_write_op_operate(op, e->io, poid, NULL, 0);
  rados_release_write_op(op);
  free(poid);
  if (r == -ECANCELED)
    return pl_error_set(PL_IO_ERROR, ECANCELED, "%s: changed by another client meanwhile", canon);
  return r < 0 ? pl__rados_error(r, "%s", canon) : PL_OK;
}

pl_status pl__rados_create_entry(pl__rados_env *e, const char *canon, int *kind, char *id,
                                 int *created) {
  char value[PL__RADOS_ID_MAX + 4];
  pl_status s;
  *created = 0;
  if (strcmp(canon, "/") == 0) {
    *kind = PL__RADOS_DIR;
    return PL_OK;
  }
  s = read_entry(e, canon, kind, id);
  if (s != PL_OK || *kind != 0) return s;
  pl__rados_new_id(e, id, PL__RADOS_ID_MAX);
  snprintf(value, sizeof value, "f:%s", id);
  s = set_entry(e, canon, value);
  if (s != PL_OK) return s;
  *kind = PL__RADOS_FILE;
  *created = 1;
  return PL_OK;
}

/* ------------------------------------------------------------------ */
/* Data objects                                                        */

/* Size of data object index of id: -1 if it does not exist. */
static pl_status object_size(pl__rados_env *e, const char *id, uint64_t index, const char *path,
                             int64_t *size) {
  char oid[PL__RADOS_ID_MAX + 32];
  uint64_t n = 0;
  time_t mt;
  int r;
  pl__rados_data_oid(oid, sizeof oid, id, index);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_stat(e->io, oid, &n, &mt);
  if (r == -ENOENT) {
    *size = -1;
    return PL_OK;
  }
  if (r < 0) return pl__rados_error(r, "%s (object %s)", path, oid);
  *size = (int64_t)n;
  return PL_OK;
}

pl_status pl__rados_extent(pl__rados_env *e, const char *id, const char *path, uint64_t *size,
                           uint64_t *count) {
  uint64_t lo, hi, mid;
  int64_t sz;
  pl_status s = object_size(e, id, 0, path, &sz);
  if (s != PL_OK) return s;
  if (sz < (int64_t)e->stripe) {
    *size = sz < 0 ? 0 : (uint64_t)sz;
    *count = sz < 0 ? 0 : 1;
    return PL_OK;
  }
  /* Object 0 is full: find the first object that is not (exponentially,
   * then by bisection).  Invariant: lo is full, hi is not. */
  lo = 0;
  hi = 1;
  for (;;) {
    s = object_size(e, id, hi, path, &sz);
    if (s != PL_OK) return s;
    if (sz < (int64_t)e->stripe) break;
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    mid = lo + (hi - lo) / 2;
    s = object_size(e, id, mid, path, &sz);
    if (s != PL_OK) return s;
    if (sz == (int64_t)e->stripe) lo = mid;
    else hi = mid;
  }
  s = object_size(e, id, hi, path, &sz);
  if (s != PL_OK) return s;
  *size = hi * e->stripe + (sz < 0 ? 0 : (uint64_t)sz);
  *count = sz < 0 ? hi : hi + 1;
  return PL_OK;
}

pl_status pl__rados_remove_data(pl__rados_env *e, const char *id, const char *path, uint64_t from,
                                uint64_t count) {
  char oid[PL__RADOS_ID_MAX + 32];
  uint64_t i;
  for (i = count; i > from; i--) {
    int r;
    pl__rados_data_oid(oid, sizeof oid, id, i - 1);
    PL__RADOS_COUNT(e, meta_ops, 1);
    r = rados_remove(e->io, oid);
    if (r < 0 && r != -ENOENT) return pl__rados_error(r, "%s (removing object %s)", path, oid);
  }
  return PL_OK;
}

/* ------------------------------------------------------------------ */
/* The env's methods                                                   */

#define ENV(p) ((pl__rados_env *)(p))

/* Runs body with c = the canonical form of path; returns its status. */
#define WITH_CANON(path, c, body)        \
  do {                                   \
    char *c;                             \
    pl_status s_ = pl__rados_canon(path, &c); \
    if (s_ != PL_OK) return s_;          \
    s_ = (body);                         \
    free(c);                             \
    return s_;                           \
  } while (0)

static pl_status r_new_sequential(pl_env *e, const char *path, pl_sequential_file **out) {
  *out = NULL;
  return pl__rados_sequential_open(ENV(e), path, out);
}

static pl_status r_new_random(pl_env *e, const char *path, pl_random_file **out) {
  *out = NULL;
  return pl__rados_random_open(ENV(e), path, out);
}

static pl_status r_new_writable(pl_env *e, const char *path, const pl_writable_options *opt,
                                pl_writable_file **out) {
  *out = NULL;
  return pl__rados_writable_open(ENV(e), path, PL__RADOS_TRUNCATE, opt, out);
}

static pl_status r_new_appendable(pl_env *e, const char *path, const pl_writable_options *opt,
                                  pl_writable_file **out) {
  *out = NULL;
  return pl__rados_writable_open(ENV(e), path, PL__RADOS_APPEND, opt, out);
}

static pl_status exists(pl__rados_env *e, const char *c) {
  int kind;
  return pl__rados_lookup(e, c, &kind, NULL);
}

static pl_status r_file_exists(pl_env *e, const char *path) { WITH_CANON(path, c, exists(ENV(e), c)); }

static pl_status list(pl__rados_env *e, const char *c, pl_strlist *out) {
  size_t cap = OID_CAP(c), have = 0;
  char *oid = malloc(cap);
  char *after = NULL;
  unsigned char more = 1;
  pl_status s = PL_OK;
  if (oid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", c);
  pl__rados_dir_oid(oid, cap, c);
  while (s == PL_OK && more) {
    rados_read_op_t op = rados_create_read_op();
    rados_omap_iter_t it = NULL;
    int prval = 0, r;
    more = 0;
    rados_read_op_omap_get_keys2(op, after ? after : "", 1000, &it, &more, &prval);
    PL__RADOS_COUNT(e, meta_ops, 1);
    r = rados_read_op_operate(op, e->io, oid, 0);
    if (r == 0 && prval < 0) r = prval;
    if (r < 0) {
      s = pl__rados_error(r, "%s", c);
    } else {
      char *k, *v;
      size_t kl, vl;
      while (s == PL_OK && rados_omap_get_next2(it, &k, &v, &kl, &vl) == 0 && k != NULL) {
        char *name = malloc(kl + 1);
        if (out->count == have) {
          size_t ncap = have ? have * 2 : 16;
          char **items = realloc(out->items, ncap * sizeof *items);
          if (items == NULL) {
            free(name);
            name = NULL;
          } else {
            out->items = items;
            have = ncap;
          }
        }
        if (name == NULL) {
          s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", c);
          break;
        }
        memcpy(name, k, kl);
        name[kl] = '\0';
        out->items[out->count++] = name;
        free(after);
        after = strdup(name);
        if (after == NULL) s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", c);
      }
    }
    if (it) rados_omap_get_end(it);
    rados_release_read_op(op);
  }
  free(after);
  free(oid);
  if (s != PL_OK) pl_strlist_free(out);
  return s;
}

static pl_status r_list_children(pl_env *e, const char *dir, pl_strlist *out) {
  out->items = NULL;
  out->count = 0;
  WITH_CANON(dir, c, list(ENV(e), c, out));
}

static pl_status remove_file(pl__rados_env *e, const char *c) {
  int kind;
  char id[PL__RADOS_ID_MAX], value[PL__RADOS_ID_MAX + 4];
  uint64_t size, count;
  pl_status s = pl__rados_lookup(e, c, &kind, id);
  if (s != PL_OK) return s;
  if (kind != PL__RADOS_FILE) return pl__rados_error(-EISDIR, "%s", c);
  snprintf(value, sizeof value, "f:%s", id);
  /* The name first: from then on nobody can open the file, and a failure
   * below only leaves unreachable objects behind (never a name whose
   * bytes are gone). */
  s = remove_entry(e, c, value);
  if (s != PL_OK) return s;
  s = pl__rados_extent(e, id, c, &size, &count);
  if (s == PL_OK) s = pl__rados_remove_data(e, id, c, 0, count);
  return s;
}

static pl_status r_remove_file(pl_env *e, const char *path) { WITH_CANON(path, c, remove_file(ENV(e), c)); }

static pl_status create_dir(pl__rados_env *e, const char *c) {
  int kind;
  size_t cap = OID_CAP(c);
  char *oid;
  rados_write_op_t op;
  int r;
  pl_status s;
  if (strcmp(c, "/") == 0) return PL_OK;
  s = read_entry(e, c, &kind, NULL);
  if (s != PL_OK) return s;
  if (kind == PL__RADOS_DIR) return PL_OK;
  if (kind == PL__RADOS_FILE) return pl__rados_error(-EEXIST, "%s", c);
  oid = malloc(cap);
  if (oid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", c);
  pl__rados_dir_oid(oid, cap, c);
  /* The directory's object before its name: a failure in between leaves
   * an empty object nobody names (reused by the next create_dir), never a
   * name without its object. */
  op = rados_create_write_op();
  rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_write_op_operate(op, e->io, oid, NULL, 0);
  rados_release_write_op(op);
  free(oid);
  if (r < 0) return pl__rados_error(r, "%s", c);
  return set_entry(e, c, "d");
}

static pl_status r_create_dir(pl_env *e, const char *path) { WITH_CANON(path, c, create_dir(ENV(e), c)); }

pl_status pl__rados_create_parents(pl__rados_env *e, const char *canon) {
  char *p = strdup(canon);
  char *slash;
  pl_status s = PL_OK;
  if (p == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", canon);
  for (slash = strchr(p + 1, '/'); s == PL_OK && slash != NULL; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    s = create_dir(e, p);
    *slash = '/';
  }
  free(p);
  return s;
}

static pl_status remove_dir(pl__rados_env *e, const char *c) {
  int kind, r, prval = 0;
  size_t cap = OID_CAP(c);
  char *oid;
  rados_read_op_t op;
  rados_omap_iter_t it = NULL;
  unsigned char more = 0;
  pl_status s;
  if (strcmp(c, "/") == 0) return pl__rados_error(-EBUSY, "%s", c);
  s = pl__rados_lookup(e, c, &kind, NULL);
  if (s != PL_OK) return s;
  if (kind != PL__RADOS_DIR) return pl__rados_error(-ENOTDIR, "%s", c);
  oid = malloc(cap);
  if (oid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", c);
  pl__rados_dir_oid(oid, cap, c);
  op = rados_create_read_op();
  rados_read_op_omap_get_keys2(op, "", 1, &it, &more, &prval);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_read_op_operate(op, e->io, oid, 0);
  if (r == 0 && prval < 0) r = prval;
  if (r == 0 && rados_omap_iter_size(it) > 0) r = -ENOTEMPTY;
  if (it) rados_omap_get_end(it);
  rados_release_read_op(op);
  if (r < 0 && r != -ENOENT) {
    free(oid);
    return pl__rados_error(r, "%s", c);
  }
  s = remove_entry(e, c, "d");
  if (s == PL_OK) {
    PL__RADOS_COUNT(e, meta_ops, 1);
    r = rados_remove(e->io, oid);
    if (r < 0 && r != -ENOENT) s = pl__rados_error(r, "%s", c);
  }
  free(oid);
  return s;
}

static pl_status r_remove_dir(pl_env *e, const char *path) { WITH_CANON(path, c, remove_dir(ENV(e), c)); }

static pl_status size_of(pl__rados_env *e, const char *c, uint64_t *size) {
  int kind;
  char id[PL__RADOS_ID_MAX];
  uint64_t count;
  pl_status s = pl__rados_lookup(e, c, &kind, id);
  if (s != PL_OK) return s;
  if (kind != PL__RADOS_FILE) return pl__rados_error(-EISDIR, "%s", c);
  return pl__rados_extent(e, id, c, size, &count);
}

static pl_status r_file_size(pl_env *e, const char *path, uint64_t *size) {
  *size = 0;
  WITH_CANON(path, c, size_of(ENV(e), c, size));
}

static int same_parent(const char *a, const char *b) {
  const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
  return sa - a == sb - b && memcmp(a, b, (size_t)(sa - a)) == 0;
}

/* A failure of one step of a rename, reported with both names ("<from> ->
 * <to>: <the step's detail>", as the platform env says it).  The detail is
 * copied first: it lives in the buffer pl_error_set writes. */
static pl_status rename_failed(pl_status s, const char *from, const char *to) {
  char detail[1024];
  snprintf(detail, sizeof detail, "%s", pl_error_message());
  return pl_error_set(s, pl_error_os(), "%s -> %s: %s", from, to, detail);
}

static pl_status rename_entry(pl__rados_env *e, const char *from, const char *to) {
  int kind, tkind, r, cmp = 0;
  char id[PL__RADOS_ID_MAX], tid[PL__RADOS_ID_MAX], value[PL__RADOS_ID_MAX + 4];
  pl_status s = read_entry(e, from, &kind, id);
  if (s != PL_OK) return rename_failed(s, from, to);
  if (kind == 0) return pl__rados_error(-ENOENT, "%s -> %s", from, to);
  if (kind == PL__RADOS_DIR)
    return pl_error_set(PL_NOT_SUPPORTED, EOPNOTSUPP,
                        "%s -> %s: the RADOS env renames files, not directories", from, to);
  if (strcmp(from, to) == 0) return PL_OK;
  s = read_entry(e, to, &tkind, tid);
  if (s != PL_OK) return rename_failed(s, from, to);
  if (tkind == PL__RADOS_DIR) return pl__rados_error(-EISDIR, "%s -> %s", from, to);
  snprintf(value, sizeof value, "f:%s", id);
  if (same_parent(from, to)) {
    /* One omap operation on the directory's object: RADOS applies it
     * whole or not at all, so the rename is atomic. */
    size_t cap = OID_CAP(from), fl, tl, vl = strlen(value);
    char *poid = malloc(cap);
    const char *fname, *tname, *vp = value;
    rados_write_op_t op;
    if (poid == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", from);
    fname = split(from, poid, cap);
    tname = strrchr(to, '/') + 1;
    fl = strlen(fname);
    tl = strlen(tname);
    op = rados_create_write_op();
    rados_write_op_omap_cmp2(op, fname, LIBRADOS_CMPXATTR_OP_EQ, value, fl, vl, &cmp);
    rados_write_op_omap_set2(op, &tname, &vp, &tl, &vl, 1);
    rados_write_op_omap_rm_keys2(op, &fname, &fl, 1);
    PL__RADOS_COUNT(e, meta_ops, 1);
    r = rados_write_op_operate(op, e->io, poid, NULL, 0);
    rados_release_write_op(op);
    free(poid);
    if (r == -ECANCELED)
      return pl_error_set(PL_IO_ERROR, ECANCELED, "%s -> %s: changed by another client meanwhile", from, to);
    if (r < 0) return pl__rados_error(r, "%s -> %s", from, to);
  } else {
    /* Two directories, two objects: add the new name, then drop the old
     * one.  In between (or after a failure of the second step) the file
     * has both names; it never has none. */
    s = set_entry(e, to, value);
    if (s == PL_OK) s = remove_entry(e, from, value);
    if (s != PL_OK) return rename_failed(s, from, to);
  }
  /* The replaced file's bytes: nobody can reach them any more. */
  if (tkind == PL__RADOS_FILE && strcmp(tid, id) != 0) {
    uint64_t size, count;
    s = pl__rados_extent(e, tid, to, &size, &count);
    if (s == PL_OK) s = pl__rados_remove_data(e, tid, to, 0, count);
  }
  return s;
}

static pl_status r_rename(pl_env *e, const char *from, const char *to) {
  char *f, *t;
  pl_status s = pl__rados_canon(from, &f);
  if (s != PL_OK) return s;
  s = pl__rados_canon(to, &t);
  if (s != PL_OK) {
    free(f);
    return s;
  }
  s = rename_entry(ENV(e), f, t);
  free(f);
  free(t);
  return s;
}

static pl_status r_lock_file(pl_env *e, const char *path, pl_file_lock **out) {
  *out = NULL;
  return pl__rados_lock_acquire(ENV(e), path, out);
}

static pl_status r_unlock_file(pl_env *e, pl_file_lock *lock) { return pl__rados_lock_release(ENV(e), lock); }

static pl_status sync_dir(pl__rados_env *e, const char *c) {
  int kind;
  pl_status s = pl__rados_lookup(e, c, &kind, NULL);
  if (s != PL_OK) return s;
  /* Every namespace change was acknowledged by the OSDs when the call
   * that made it returned: there is nothing left to make durable. */
  return kind == PL__RADOS_DIR ? PL_OK : pl__rados_error(-ENOTDIR, "%s", c);
}

static pl_status r_sync_dir(pl_env *e, const char *path) { WITH_CANON(path, c, sync_dir(ENV(e), c)); }

/* Threads and clocks are the machine's, not the cluster's. */
static void r_schedule(pl_env *e, void (*fn)(void *), void *arg) { pl_env_schedule(pl_env_platform(), fn, arg); }
static pl_status r_start_thread(pl_env *e, void (*fn)(void *), void *arg) {
  return pl_env_start_thread(pl_env_platform(), fn, arg);
}
static uint64_t r_now_micros(pl_env *e) { return pl_env_now_micros(pl_env_platform()); }
static void r_sleep_micros(pl_env *e, uint64_t us) { pl_env_sleep_micros(pl_env_platform(), us); }

static pl_status r_test_directory(pl_env *e, char *buf, size_t cap) {
  const char *dir = getenv("TEST_TMPDIR");
  char *c;
  pl_status s;
  if (dir == NULL || *dir == '\0') dir = "/plinth-test";
  s = pl__rados_canon(dir, &c);
  if (s != PL_OK) return s;
  if (strlen(c) + 1 > cap) {
    free(c);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "test directory: buffer too small");
  }
  strcpy(buf, c);
  s = pl__rados_create_parents(ENV(e), c);
  if (s == PL_OK) s = create_dir(ENV(e), c);
  free(c);
  return s;
}

static pl_status r_new_logger(pl_env *e, const char *path, pl_logger **out) {
  pl_writable_file *f;
  pl_status s;
  *out = NULL;
  s = pl__rados_writable_open(ENV(e), path, PL__RADOS_TRUNCATE, NULL, &f);
  if (s != PL_OK) return s;
  s = pl_logger_from_writable(f, out);
  if (s != PL_OK) pl_writable_close(f);
  return s;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */

void pl_rados_options_init(pl_rados_options *o) {
  memset(o, 0, sizeof *o);
  o->stripe_size = PL_RADOS_DEFAULT_STRIPE_SIZE;
  o->op_timeout_ms = PL_RADOS_DEFAULT_OP_TIMEOUT_MS;
  o->lock_lease_ms = PL_RADOS_DEFAULT_LOCK_LEASE_MS;
  o->max_inflight = PL_RADOS_DEFAULT_MAX_INFLIGHT;
}

static const char rados_env_name[] = "rados";

int pl_rados_env_is(const pl_env *env) { return env != NULL && env->name == rados_env_name; }

static void fill_methods(pl_env *b) {
  b->version = PL_ENV_VERSION;
  b->name = rados_env_name;
  b->new_sequential = r_new_sequential;
  b->new_random = r_new_random;
  b->new_writable = r_new_writable;
  b->new_appendable = r_new_appendable;
  b->file_exists = r_file_exists;
  b->list_children = r_list_children;
  b->remove_file = r_remove_file;
  b->create_dir = r_create_dir;
  b->remove_dir = r_remove_dir;
  b->file_size = r_file_size;
  b->rename = r_rename;
  b->lock_file = r_lock_file;
  b->unlock_file = r_unlock_file;
  b->sync_dir = r_sync_dir;
  b->schedule = r_schedule;
  b->start_thread = r_start_thread;
  b->test_directory = r_test_directory;
  b->new_logger = r_new_logger;
  b->now_micros = r_now_micros;
  b->sleep_micros = r_sleep_micros;
}

static pl_status conf_set(pl__rados_env *e, const char *opt, const char *val) {
  int r = rados_conf_set(e->cluster, opt, val);
  return r < 0 ? pl__rados_error(r, "rados: setting %s = %s", opt, val) : PL_OK;
}

pl_status pl_rados_env_open(const pl_rados_options *o, pl_env **out) {
  pl__rados_env *e;
  char secs[32];
  int r;
  pl_status s = PL_OK;
  *out = NULL;
  if (o == NULL || o->pool == NULL || o->pool[0] == '\0')
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "rados: no pool given");
  if (o->stripe_size == 0 || o->stripe_size > (UINT64_C(1) << 32))
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "rados: stripe size %llu out of range (1 B to 4 GiB)",
                        (unsigned long long)o->stripe_size);
  if (o->lock_lease_ms < 1000)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "rados: lock lease %u ms is below 1000 ms", o->lock_lease_ms);
  e = calloc(1, sizeof *e);
  if (e == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "rados: out of memory");
  fill_methods(&e->base);
  e->stripe = o->stripe_size;
  e->lease_ms = o->lock_lease_ms;
  e->max_inflight = o->max_inflight ? o->max_inflight : PL_RADOS_DEFAULT_MAX_INFLIGHT;
  pl__mutex_init(&e->mu);
  pl__cond_init(&e->cv);
  r = rados_create(&e->cluster, o->client_id);
  if (r < 0) {
    s = pl__rados_error(r, "rados: creating a cluster handle");
    goto fail_handle;
  }
  r = rados_conf_read_file(e->cluster, o->conf_path);
  if (r < 0) {
    s = pl__rados_error(r, "rados: reading %s", o->conf_path ? o->conf_path : "the default ceph.conf");
    goto fail;
  }
  /* Every call waits for the cluster at most this long (librados counts
   * seconds): connecting, monitor commands, and each OSD operation. */
  snprintf(secs, sizeof secs, "%u", (o->op_timeout_ms + 999) / 1000);
  if ((s = conf_set(e, "rados_osd_op_timeout", secs)) != PL_OK) goto fail;
  if ((s = conf_set(e, "rados_mon_op_timeout", secs)) != PL_OK) goto fail;
  if (o->op_timeout_ms && (s = conf_set(e, "client_mount_timeout", secs)) != PL_OK) goto fail;
  /* librados asks the monitor for a newer OSD map only for an operation
   * that has waited objecter_timeout (10 s), looked at every
   * objecter_tick_interval (5 s).  An operation that times out sooner
   * never triggers it: a client whose OSD came back at a new address
   * would time out forever.  So an operation waits at most a third of
   * the timeout before the client looks for a newer map. */
  if (o->op_timeout_ms) {
    unsigned lag_ms = o->op_timeout_ms / 3 < 1000 ? 1000 : o->op_timeout_ms / 3;
    if (lag_ms > 10000) lag_ms = 10000;
    snprintf(secs, sizeof secs, "%u.%03u", lag_ms / 1000, lag_ms % 1000);
    if ((s = conf_set(e, "objecter_timeout", secs)) != PL_OK) goto fail;
    if ((s = conf_set(e, "objecter_tick_interval", "1")) != PL_OK) goto fail;
  }
  r = rados_connect(e->cluster);
  if (r < 0) {
    s = pl__rados_error(r, "rados: connecting to the cluster (%s)", o->conf_path ? o->conf_path : "default ceph.conf");
    goto fail;
  }
  r = rados_ioctx_create(e->cluster, o->pool, &e->io);
  if (r < 0) {
    s = pl__rados_error(r, "rados: pool %s", o->pool);
    goto fail;
  }
  if (o->rados_namespace && o->rados_namespace[0]) rados_ioctx_set_namespace(e->io, o->rados_namespace);
  e->instance = rados_get_instance_id(e->cluster);
  {
    rados_write_op_t op = rados_create_write_op();
    rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
    r = rados_write_op_operate(op, e->io, "d:/", NULL, 0);
    rados_release_write_op(op);
    if (r < 0) {
      s = pl__rados_error(r, "rados: creating the root directory in pool %s", o->pool);
      goto fail_io;
    }
  }
  *out = &e->base;
  return PL_OK;
fail_io:
  rados_ioctx_destroy(e->io);
fail:
  rados_shutdown(e->cluster);
fail_handle:
  pl__cond_destroy(&e->cv);
  pl__mutex_destroy(&e->mu);
  free(e);
  return s;
}

static pl_status env_number(const char *name, uint64_t *v) {
  const char *s = getenv(name);
  char *end;
  unsigned long long n;
  if (s == NULL || *s == '\0') return PL_OK;
  errno = 0;
  n = strtoull(s, &end, 10);
  if (errno || *end != '\0') return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "%s=%s: not a number", name, s);
  *v = n;
  return PL_OK;
}

pl_status pl_rados_env_open_from_environment(pl_env **out) {
  pl_rados_options o;
  uint64_t stripe, timeout, lease;
  pl_status s;
  *out = NULL;
  pl_rados_options_init(&o);
  stripe = o.stripe_size;
  timeout = o.op_timeout_ms;
  lease = o.lock_lease_ms;
  o.pool = getenv("PLINTH_RADOS_POOL");
  if (o.pool == NULL || *o.pool == '\0')
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "rados: PLINTH_RADOS_POOL is not set");
  o.conf_path = getenv("PLINTH_RADOS_CONF");
  o.rados_namespace = getenv("PLINTH_RADOS_NAMESPACE");
  o.client_id = getenv("PLINTH_RADOS_CLIENT");
  if ((s = env_number("PLINTH_RADOS_STRIPE_SIZE", &stripe)) != PL_OK) return s;
  if ((s = env_number("PLINTH_RADOS_TIMEOUT_MS", &timeout)) != PL_OK) return s;
  if ((s = env_number("PLINTH_RADOS_LEASE_MS", &lease)) != PL_OK) return s;
  if (timeout > UINT32_MAX || lease > UINT32_MAX)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "rados: timeout or lease too large");
  o.stripe_size = stripe;
  o.op_timeout_ms = (unsigned)timeout;
  o.lock_lease_ms = (unsigned)lease;
  return pl_rados_env_open(&o, out);
}

void pl_rados_env_close(pl_env *env) {
  pl__rados_env *e = ENV(env);
  if (env == NULL) return;
  pl__rados_locks_shutdown(e);
  rados_ioctx_destroy(e->io);
  rados_shutdown(e->cluster);
  pl__cond_destroy(&e->cv);
  pl__mutex_destroy(&e->mu);
  free(e);
}

void pl_rados_env_stats(pl_env *env, pl_rados_stats *out) {
  pl__rados_env *e = ENV(env);
  out->reads = __atomic_load_n(&e->stats.reads, __ATOMIC_RELAXED);
  out->read_bytes = __atomic_load_n(&e->stats.read_bytes, __ATOMIC_RELAXED);
  out->writes = __atomic_load_n(&e->stats.writes, __ATOMIC_RELAXED);
  out->write_bytes = __atomic_load_n(&e->stats.write_bytes, __ATOMIC_RELAXED);
  out->meta_ops = __atomic_load_n(&e->stats.meta_ops, __ATOMIC_RELAXED);
}

pl_status pl_rados_file_objects(pl_env *env, const char *path, size_t index, char *name, size_t cap,
                                uint64_t *count) {
  pl__rados_env *e = ENV(env);
  int kind;
  char id[PL__RADOS_ID_MAX];
  uint64_t size;
  char *c;
  pl_status s;
  if (!pl_rados_env_is(env)) return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "%s: not a RADOS env", path);
  s = pl__rados_canon(path, &c);
  if (s != PL_OK) return s;
  s = pl__rados_lookup(e, c, &kind, id);
  if (s == PL_OK && kind != PL__RADOS_FILE) s = pl__rados_error(-EISDIR, "%s", c);
  if (s == PL_OK) s = pl__rados_extent(e, id, c, &size, count);
  if (s == PL_OK && name != NULL) pl__rados_data_oid(name, cap, id, index);
  free(c);
  return s;
}
