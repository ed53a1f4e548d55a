/* Crash states: the directory tree and file contents one combination of
 * choices leaves on disk, its hash (for checking each state once), and
 * writing it out as a real directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"
#include "port/port.h"

uint64_t pl__hash64(uint64_t h, const void *data, size_t n) {
  /* FNV-1a; states are small. */
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static pl_status oom(void) { return pl_error_set(PL_IO_ERROR, ENOMEM, "crash state: out of memory"); }

static int under(const char *top, const char *p) {
  size_t l = strlen(top);
  return strncmp(top, p, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

static pl__sentry *sfind(pl__state *s, const char *path) {
  size_t i;
  for (i = 0; i < s->n; i++)
    if (strcmp(s->e[i].path, path) == 0) return &s->e[i];
  return NULL;
}

/* Non-zero if the directory that holds path's entry is in the state (the
 * root always is).  An entry whose directory's own entry was lost is
 * unreachable after the crash, whatever became of the entry itself. */
static int parent_present(pl__state *s, const char *path) {
  const char *slash = strrchr(path, '/');
  size_t i, n;
  if (slash == NULL) return 1;
  n = (size_t)(slash - path);
  for (i = 0; i < s->n; i++)
    if (s->e[i].kind == 'd' && strncmp(s->e[i].path, path, n) == 0 && s->e[i].path[n] == '\0')
      return 1;
  return 0;
}

static void sremove_tree(pl__state *s, const char *path) {
  size_t i = 0;
  while (i < s->n) {
    if (under(path, s->e[i].path)) {
      free(s->e[i].path);
      s->e[i] = s->e[--s->n];
    } else {
      i++;
    }
  }
}

static int sadd(pl__state *s, const char *path, int kind, int inode) {
  char *p;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    pl__sentry *n = realloc(s->e, cap * sizeof *n);
    if (n == NULL) return 0;
    s->e = n;
    s->cap = cap;
  }
  p = strdup(path);
  if (p == NULL) return 0;
  s->e[s->n].path = p;
  s->e[s->n].kind = kind;
  s->e[s->n].inode = inode;
  s->n++;
  return 1;
}

/* Renames every entry at or under one of `from` to the same name under the
 * other (both directions at once when exchange is set). */
static int smove(pl__state *s, const char *from, const char *to, int exchange) {
  size_t i, lf = strlen(from), lt = strlen(to);
  for (i = 0; i < s->n; i++) {
    const char *p = s->e[i].path, *dst;
    size_t skip, ldst, n;
    char *np;
    if (under(from, p)) {
      skip = lf;
      dst = to;
      ldst = lt;
    } else if (exchange && under(to, p)) {
      skip = lt;
      dst = from;
      ldst = lf;
    } else {
      continue;
    }
    n = ldst + strlen(p + skip) + 1;
    np = malloc(n);
    if (np == NULL) return 0;
    memcpy(np, dst, ldst);
    memcpy(np + ldst, p + skip, n - ldst);
    free(s->e[i].path);
    s->e[i].path = np;
  }
  return 1;
}

static pl_status apply_name(pl__state *s, const pl__model *m, const pl__mname *nm, int choice) {
  pl__sentry *e;
  int kind;
  switch (nm->kind) {
    case PL_CRASH_CREATE:
    case PL_CRASH_MKDIR:
    case PL_CRASH_SYMLINK:
      if (!parent_present(s, nm->path)) break;
      /* Already there: a removal of the same name that was lost in another
       * directory's sync (a half-durable cross-directory rename); the
       * later entry wins. */
      sremove_tree(s, nm->path);
      kind = m->inodes[nm->inode].kind;
      if (!sadd(s, nm->path, kind, nm->inode)) return oom();
      break;
    case PL_CRASH_UNLINK:
    case PL_CRASH_RMDIR:
      sremove_tree(s, nm->path);
      break;
    case PL_CRASH_LINK:
      e = sfind(s, nm->path);
      if (e == NULL || e->kind == 'd' || !parent_present(s, nm->path2) || sfind(s, nm->path2) != NULL)
        break;
      kind = e->kind;
      if (!sadd(s, nm->path2, kind, e->inode)) return oom();
      break;
    case PL_CRASH_EXCHANGE:
      if (!smove(s, nm->path, nm->path2, 1)) return oom();
      break;
    case PL_CRASH_RENAME:
      e = sfind(s, nm->path);
      if (e == NULL) break;
      if (choice == 2) {
        /* Not atomic: the old target is gone, the new name not made yet. */
        sremove_tree(s, nm->path2);
        break;
      }
      if (choice == 3 && e->kind != 'd') {
        /* Not atomic: the new name is made, the old one not removed yet. */
        int inode = e->inode;
        kind = e->kind;
        sremove_tree(s, nm->path2);
        if (parent_present(s, nm->path2) && !sadd(s, nm->path2, kind, inode)) return oom();
        break;
      }
      sremove_tree(s, nm->path2);
      if (!parent_present(s, nm->path2)) {
        /* The new name is in a directory that did not survive: the file
         * left its old name and is reachable under none. */
        sremove_tree(s, nm->path);
        break;
      }
      if (!smove(s, nm->path, nm->path2, 0)) return oom();
      break;
    default:
      break;
  }
  return PL_OK;
}

/* A state's file is built in memory: a trace that grows one past this
 * (a sparse file, or a crafted offset) is refused rather than allowed to
 * take the machine's memory. */
#define MAX_STATE_FILE (1ULL << 30)

static pl_status too_large(size_t op) {
  return pl_error_set(PL_INVALID_ARGUMENT, EFBIG,
                      "op %lu grows a file past %llu bytes, more than a crash state may hold in memory",
                      (unsigned long)op, (unsigned long long)MAX_STATE_FILE);
}

/* Extends b to upto bytes, the new bytes zeros or (pessimistic model)
 * garbage that differs per op and offset.  0 when out of memory or past
 * MAX_STATE_FILE (the caller tells which). */
static int fill(pl__buf *b, uint64_t upto, int garbage, size_t op) {
  size_t i, from = b->len;
  if (upto <= b->len) return 1;
  if (upto > MAX_STATE_FILE || !pl__buf_reserve(b, (size_t)upto - b->len)) return 0;
  for (i = from; i < upto; i++)
    b->p[i] = garbage ? (unsigned char)(0x5a ^ (op * 131u) ^ (i * 7u) ^ (i >> 8)) : 0;
  b->len = (size_t)upto;
  return 1;
}

/* Copies the write's bytes in [from, to) into b (which covers them). */
static void put(pl__buf *b, const pl_crash_op *o, uint64_t from, uint64_t to) {
  if (to > from && o->data != NULL)
    memcpy(b->p + from, o->data + (from - o->offset), (size_t)(to - from));
}

static pl_status apply_write(const pl__model *m, const pl__mpend *p, const pl__mdata *d, int choice,
                             pl__buf *b) {
  const pl_crash_op *o = &m->trace->ops[d->op];
  uint64_t end = o->offset + o->len, sector = m->opt->sector_size;
  int garbage = m->opt->garbage_tails;
  if (choice == 3 && d->spans_eof && choice < p->first_tear) {
    /* The bytes that overwrote existing data reached the disk; the size
     * update that would expose the rest did not. */
    put(b, o, o->offset < b->len ? o->offset : b->len, end < b->len ? end : b->len);
    return PL_OK;
  }
  /* Every other surviving variant leaves the file at least this long: a
   * hole before the write reads as zeros, the write's own bytes that did
   * not make it as zeros or (pessimistically) garbage. */
  if (end > MAX_STATE_FILE) return too_large(d->op);
  if (end > b->len && (!fill(b, o->offset, 0, d->op) || !fill(b, end, garbage, d->op))) return oom();
  if (choice == 1) {
    put(b, o, o->offset, end);
  } else if (choice >= p->first_tear) {
    uint64_t np = pl__tear_pieces(o->offset, o->len, sector), i;
    int v = choice - p->first_tear;
    for (i = 0; i < np; i++) {
      uint64_t lo = (o->offset / sector + i) * sector, hi = lo + sector;
      if (!pl__tear_keeps(np, m->opt->max_tears, d->op, v, i)) continue;
      put(b, o, lo < o->offset ? o->offset : lo, hi > end ? end : hi);
    }
  }
  /* else: the new size only, none of the data. */
  return PL_OK;
}

static pl_status build_content(const pl__model *m, const pl__choice *choices, int inode,
                               pl__buf *b) {
  const pl__minode *in = &m->inodes[inode];
  size_t k;
  pl_status st;
  b->len = 0;
  for (k = 0; k < in->n; k++) {
    const pl__mdata *d = &in->ops[k];
    const pl_crash_op *o = &m->trace->ops[d->op];
    int choice;
    if (d->state == PL__DROPPED) continue;
    choice = d->state == PL__DURABLE ? 1 : choices[d->pending];
    if (choice == 0) continue;
    switch (d->kind) {
      case PL_CRASH_CREATE:
        b->len = 0;
        break;
      case PL_CRASH_EXTEND:
        if (o->offset > MAX_STATE_FILE) return too_large(d->op);
        if (!fill(b, o->offset, 0, d->op)) return oom();
        break;
      case PL_CRASH_TRUNCATE:
        if (o->offset > MAX_STATE_FILE) return too_large(d->op);
        if (o->offset < b->len) b->len = (size_t)o->offset;
        else if (!fill(b, o->offset, 0, d->op)) return oom();
        break;
      case PL_CRASH_ZERO: {
        uint64_t end = o->offset + o->len, in_file;
        if (end > MAX_STATE_FILE) return too_large(d->op);
        if (!(o->flags & PL_CRASH_FLAG_KEEP_SIZE) && !fill(b, end, 0, d->op)) return oom();
        in_file = end < b->len ? end : b->len;
        if (o->offset < in_file) memset(b->p + o->offset, 0, (size_t)(in_file - o->offset));
        break;
      }
      default:
        st = apply_write(m, d->state == PL__DURABLE ? NULL : &m->pend[d->pending], d, choice, b);
        if (st != PL_OK) return st;
        break;
    }
  }
  return PL_OK;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const pl__sentry *)a)->path, ((const pl__sentry *)b)->path);
}

static const pl_crash_op *symlink_op(const pl__model *m, int inode) {
  size_t k;
  for (k = 0; k < m->nnames; k++)
    if (m->names[k].kind == PL_CRASH_SYMLINK && m->names[k].inode == inode)
      return &m->trace->ops[m->names[k].op];
  return NULL;
}

pl_status pl__state_build(const pl__model *m, const pl__choice *choices, pl__state *s,
                          uint64_t *hash) {
  size_t k, i;
  uint64_t h = PL__HASH_SEED;
  pl_status st;
  for (i = 0; i < s->n; i++) free(s->e[i].path);
  s->n = 0;
  if (s->ncontent < m->ninodes) {
    pl__buf *c = realloc(s->content, (size_t)m->ninodes * sizeof *c);
    if (c == NULL) return oom();
    memset(c + s->ncontent, 0, (size_t)(m->ninodes - s->ncontent) * sizeof *c);
    s->content = c;
    s->ncontent = m->ninodes;
  }
  for (k = 0; k < m->nnames; k++) {
    const pl__mname *nm = &m->names[k];
    int choice = nm->state == PL__DURABLE ? 1 : choices[nm->pending];
    if (choice == 0) continue;
    st = apply_name(s, m, nm, choice);
    if (st != PL_OK) return st;
  }
  if (s->n > 1) qsort(s->e, s->n, sizeof *s->e, cmp_entry);
  for (i = 0; i < s->n; i++) {
    pl__sentry *e = &s->e[i];
    unsigned char kind = (unsigned char)e->kind;
    h = pl__hash64(h, e->path, strlen(e->path) + 1);
    h = pl__hash64(h, &kind, 1);
    if (e->kind == 'f') {
      uint64_t len;
      st = build_content(m, choices, e->inode, &s->content[e->inode]);
      if (st != PL_OK) return st;
      len = s->content[e->inode].len;
      h = pl__hash64(h, &len, sizeof len);
      h = pl__hash64(h, s->content[e->inode].p, s->content[e->inode].len);
    } else if (e->kind == 'l') {
      const pl_crash_op *so = symlink_op(m, e->inode);
      if (so != NULL && so->data != NULL) h = pl__hash64(h, so->data, (size_t)so->len);
    }
  }
  *hash = h;
  return PL_OK;
}

void pl__state_free(pl__state *s) {
  size_t i;
  int k;
  for (i = 0; i < s->n; i++) free(s->e[i].path);
  free(s->e);
  for (k = 0; k < s->ncontent; k++) pl__buf_free(&s->content[k]);
  free(s->content);
  memset(s, 0, sizeof *s);
}

static pl_status write_file(pl_env *env, const char *path, const pl__buf *c) {
  pl_writable_options o;
  pl_writable_file *f;
  pl_status st;
  pl_writable_options_init(&o);
  o.buffer_size = 0;
  /* Created, never opened: a symbolic link or file already at this name
   * (placed there by someone else) fails the call instead of being written
   * through. */
  o.exclusive = 1;
  st = pl_env_new_writable(env, path, &o, &f);
  if (st != PL_OK) return st;
  /* No sync: the state only has to survive until it is checked. */
  st = c->len ? pl_writable_append(f, c->p, c->len) : PL_OK;
  if (st == PL_OK) return pl_writable_close(f);
  pl_writable_close(f);
  return st;
}

pl_status pl__state_materialize(pl_env *env, const pl__model *m, const pl__state *s,
                                const char *dir) {
  size_t i;
  pl_status st;
  pl_strlist there = {0};
  pl__buf path = {0};
  static const pl__buf empty = {0};
  /* Exclusive creation below refuses what is already there; an empty
   * directory to start from makes that the whole guarantee. */
  st = pl_env_list_children(env, dir, &there);
  if (st != PL_OK) return st;
  if (there.count > 0) {
    pl_strlist_free(&there);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: not empty; a state is written into an empty directory",
                        dir);
  }
  /* Sorted: a directory comes before everything in it. */
  for (i = 0; i < s->n; i++) {
    const pl__sentry *e = &s->e[i];
    path.len = 0;
    if (!pl__buf_addf(&path, "%s/%s", dir, e->path) || !pl__buf_add(&path, "", 1)) {
      st = oom();
      break;
    }
    if (e->kind == 'd') {
      st = pl_env_create_dir(env, (const char *)path.p);
    } else if (e->kind == 'l') {
      const pl_crash_op *o = symlink_op(m, e->inode);
      st = pl__port_symlink(o && o->data ? (const char *)o->data : "", (const char *)path.p);
    } else {
      st = write_file(env, (const char *)path.p, e->inode >= 0 ? &s->content[e->inode] : &empty);
    }
    if (st != PL_OK) break;
  }
  pl__buf_free(&path);
  return st;
}
