/* The model of one crash point: replays the trace up to the point and sorts
 * every operation into durable (covered by a completed sync of its file or
 * directory), pending (may or may not be on disk, with the choices the
 * generator has for it) or dropped (a failed sync threw it away, Linux
 * style).  Pending operations carry their dependencies.
 *
 * The rules are CRASH-MODEL.md's; crash/README.md lists each with its
 * litmus case.  A model other than strict POSIX differs only in the
 * pl__rules set by pl__rules_for. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "util/u32map.h"

#define ROOT 0 /* the inode of the recording's root directory */

/* ---- options ---- */

void pl__options_normalize(const pl_crash_options *o, pl_crash_options *out) {
  if (o != NULL) *out = *o;
  else pl_crash_options_init(out);
  if (out->model != PL_CRASH_MODEL_EXT4_ORDERED) out->model = PL_CRASH_MODEL_STRICT;
  if (out->sector_size == 0) out->sector_size = 512;
  if (out->max_tears < 0) out->max_tears = 0;
  /* A write has 0 lost, 1 kept, 2 size only, 3 overwritten part only, then
   * its tears: all of them must fit in a pl__choice. */
  if (out->max_tears > PL__CHOICE_MAX - 4) out->max_tears = PL__CHOICE_MAX - 4;
  out->garbage_tails = out->garbage_tails != 0;
  out->rename_atomic = out->rename_atomic != 0;
}

unsigned pl__options_fingerprint(const pl_crash_options *o) {
  uint64_t h = PL__HASH_SEED, v[5];
  v[0] = (uint64_t)o->model;
  v[1] = (uint64_t)o->sector_size;
  v[2] = (uint64_t)o->max_tears;
  v[3] = (uint64_t)o->garbage_tails;
  v[4] = (uint64_t)o->rename_atomic;
  h = pl__hash64(h, v, sizeof v);
  return (unsigned)((h ^ (h >> 16) ^ (h >> 32) ^ (h >> 48)) & 0xffffu);
}

void pl__rules_for(int model, pl__rules *r) {
  memset(r, 0, sizeof *r);
  if (model == PL_CRASH_MODEL_EXT4_ORDERED) {
    /* ext4 data=ordered with auto_da_alloc: one journal commits metadata in
     * order, any fsync commits it, data is written before the size that
     * exposes it, and a rename over a file flushes the new file's data. */
    r->sync_commits_names = 1;
    r->names_in_order = 1;
    r->growing_writes_whole = 1;
    r->rename_carries_data = 1;
  }
}

/* ---- replay: the namespace as the program saw it ---- */

typedef struct ventry {
  const char *path; /* owned when own is set */
  int own;
  int inode;
} ventry;

typedef struct replay {
  ventry *v;
  size_t nv, capv;
  pl__u32map handles; /* handle -> inode */
  uint64_t *vsize;    /* per inode: size as the program saw it */
  size_t capvsize;
} replay;

static pl_status oom(void) { return pl_error_set(PL_IO_ERROR, ENOMEM, "crash model: out of memory"); }

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  size_t c;
  void *n;
  if (need <= *cap) return 1;
  c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  n = realloc(*p, c * size);
  if (n == NULL) return 0;
  *p = n;
  *cap = c;
  return 1;
}

/* Length of the directory part of a root-relative path (0 at the root). */
static size_t parent_len(const char *rel) {
  const char *slash = strrchr(rel, '/');
  return slash ? (size_t)(slash - rel) : 0;
}

/* Non-zero if a equals b or one is a directory above the other. */
static int related(const char *a, const char *b) {
  size_t la, lb;
  if (a == NULL || b == NULL) return 0;
  la = strlen(a);
  lb = strlen(b);
  if (la == 0 || lb == 0) return 1; /* the root is above everything */
  if (la == lb) return strcmp(a, b) == 0;
  if (la < lb) return strncmp(a, b, la) == 0 && b[la] == '/';
  return strncmp(a, b, lb) == 0 && a[lb] == '/';
}

/* Non-zero if p is top or under it. */
static int under(const char *top, size_t lt, const char *p) {
  return strncmp(p, top, lt) == 0 && (p[lt] == '\0' || p[lt] == '/');
}

static ventry *vfind_n(replay *r, const char *path, size_t len) {
  size_t i;
  for (i = 0; i < r->nv; i++)
    if (strncmp(r->v[i].path, path, len) == 0 && r->v[i].path[len] == '\0') return &r->v[i];
  return NULL;
}

static ventry *vfind(replay *r, const char *path) { return vfind_n(r, path, strlen(path)); }

static int vadd(replay *r, const char *path, int inode) {
  if (!grow((void **)&r->v, &r->capv, r->nv + 1, sizeof *r->v)) return 0;
  r->v[r->nv].path = path;
  r->v[r->nv].own = 0;
  r->v[r->nv].inode = inode;
  r->nv++;
  return 1;
}

static void vfree_at(replay *r, size_t i) {
  if (r->v[i].own) free((char *)r->v[i].path);
  r->v[i] = r->v[--r->nv];
}

/* Removes path and everything under it. */
static void vremove_tree(replay *r, const char *path) {
  size_t i = 0, lp = strlen(path);
  while (i < r->nv) {
    if (under(path, lp, r->v[i].path)) vfree_at(r, i);
    else i++;
  }
}

/* Renames path and everything under it to the same names under to. */
static int vmove(replay *r, const char *from, const char *to) {
  size_t i, lf = strlen(from), lt = strlen(to);
  for (i = 0; i < r->nv; i++) {
    const char *p = r->v[i].path;
    if (under(from, lf, p)) {
      size_t n = lt + strlen(p + lf) + 1;
      char *np = malloc(n);
      if (np == NULL) return 0;
      memcpy(np, to, lt);
      memcpy(np + lt, p + lf, n - lt);
      if (r->v[i].own) free((char *)r->v[i].path);
      r->v[i].path = np;
      r->v[i].own = 1;
    }
  }
  return 1;
}

/* Swaps a and b, with everything under each (RENAME_EXCHANGE). */
static int vexchange(replay *r, const char *a, const char *b) {
  size_t i, la = strlen(a), lb = strlen(b);
  for (i = 0; i < r->nv; i++) {
    const char *p = r->v[i].path, *to;
    size_t lf, lt, n;
    char *np;
    if (under(a, la, p)) {
      lf = la;
      to = b;
      lt = lb;
    } else if (under(b, lb, p)) {
      lf = lb;
      to = a;
      lt = la;
    } else {
      continue;
    }
    n = lt + strlen(p + lf) + 1;
    np = malloc(n);
    if (np == NULL) return 0;
    memcpy(np, to, lt);
    memcpy(np + lt, p + lf, n - lt);
    if (r->v[i].own) free((char *)r->v[i].path);
    r->v[i].path = np;
    r->v[i].own = 1;
  }
  return 1;
}

static int new_inode(pl__model *m, replay *r, int kind, const char *label) {
  pl__minode *in;
  size_t cap = (size_t)m->capinodes;
  if (!grow((void **)&m->inodes, &cap, (size_t)m->ninodes + 1, sizeof *m->inodes)) return -1;
  m->capinodes = (int)cap;
  if (!grow((void **)&r->vsize, &r->capvsize, (size_t)m->ninodes + 1, sizeof *r->vsize)) return -1;
  in = &m->inodes[m->ninodes];
  memset(in, 0, sizeof *in);
  in->kind = kind;
  in->label = strdup(label ? label : "");
  if (in->label == NULL) return -1;
  r->vsize[m->ninodes] = 0;
  return m->ninodes++;
}

static int add_data(pl__model *m, int inode, size_t op, int kind, int growing, int spans) {
  pl__minode *in = &m->inodes[inode];
  pl__mdata *d;
  if (!grow((void **)&in->ops, &in->cap, in->n + 1, sizeof *in->ops)) return 0;
  d = &in->ops[in->n++];
  memset(d, 0, sizeof *d);
  d->op = op;
  d->kind = kind;
  d->state = PL__PENDING;
  d->pending = -1;
  d->growing = growing;
  d->spans_eof = spans;
  return 1;
}

static int add_name(pl__model *m, size_t op, int kind, const char *path, const char *path2,
                    int inode, int dir0, int dir1);

/* The inode of the directory holding rel's entry.  A directory the trace
 * never created (it existed before recording began and the recorder had no
 * baseline) is added as a durable one: it was there all along. */
static int dir_of(pl__model *m, replay *r, const char *rel, size_t i) {
  size_t n = parent_len(rel);
  ventry *e;
  char *p;
  int in;
  if (n == 0) return ROOT;
  e = vfind_n(r, rel, n);
  if (e != NULL) return e->inode;
  p = malloc(n + 1);
  if (p == NULL) return -1;
  memcpy(p, rel, n);
  p[n] = '\0';
  in = dir_of(m, r, p, i);
  if (in >= 0) in = new_inode(m, r, 'd', p);
  if (in < 0 || !vadd(r, p, in) || !add_name(m, i, PL_CRASH_MKDIR, p, NULL, in, -1, -1)) {
    free(p);
    return -1;
  }
  /* The name op owns the string; the replay's entry borrows it. */
  m->names[m->nnames - 1].owns_path = 1;
  m->names[m->nnames - 1].state = PL__DURABLE;
  return in;
}

/* Adds a name op that changes directories dir0 and dir1 (-1: none); it
 * is durable once each of them has been synced after it. */
static int add_name(pl__model *m, size_t op, int kind, const char *path, const char *path2,
                    int inode, int dir0, int dir1) {
  pl__mname *nm;
  if (!grow((void **)&m->names, &m->capnames, m->nnames + 1, sizeof *m->names)) return 0;
  nm = &m->names[m->nnames++];
  memset(nm, 0, sizeof *nm);
  nm->op = op;
  nm->kind = kind;
  nm->path = path;
  nm->path2 = path2;
  nm->inode = inode;
  nm->state = PL__PENDING;
  nm->pending = -1;
  if (dir1 == dir0) dir1 = -1; /* one sync covers both */
  nm->dir[0] = dir0;
  nm->dir[1] = dir1;
  nm->need = (dir0 >= 0 ? 1u : 0u) | (dir1 >= 0 ? 2u : 0u);
  return 1;
}

static void make_durable(pl__model *m, int inode) {
  pl__minode *in = &m->inodes[inode];
  size_t k;
  for (k = 0; k < in->n; k++)
    if (in->ops[k].state == PL__PENDING) in->ops[k].state = PL__DURABLE;
}

static void sync_everything(pl__model *m) {
  int a;
  size_t k;
  for (a = 0; a < m->ninodes; a++) make_durable(m, a);
  for (k = 0; k < m->nnames; k++) m->names[k].need = 0;
}

/* The file inode an op acts on: its handle's, or (truncate(2)) its path's. */
static int file_of(replay *r, const pl_crash_op *o) {
  if (o->path != NULL) {
    ventry *e = vfind(r, o->path);
    return e ? e->inode : -1;
  }
  return pl__u32map_get(&r->handles, o->handle);
}

static pl_status replay_ops(pl__model *m, replay *r) {
  const pl_crash_trace *t = m->trace;
  const pl__rules *rules = &m->rules;
  size_t i, k;
  for (i = 0; i < m->end; i++) {
    const pl_crash_op *o = &t->ops[i];
    int in, d1, d2;
    ventry *ve, *ve2;
    switch (o->kind) {
      case PL_CRASH_CREATE:
      case PL_CRASH_OPEN:
        if (o->path == NULL || o->path[0] == '\0') break;
        ve = vfind(r, o->path);
        if (ve != NULL && m->inodes[ve->inode].kind != 'f') break;
        if (ve != NULL) {
          in = ve->inode;
          if (o->kind == PL_CRASH_CREATE) {
            /* Creating an existing file truncates it: a data op. */
            if (!add_data(m, in, i, PL_CRASH_CREATE, 0, 0)) return oom();
            r->vsize[in] = 0;
          }
        } else {
          if ((d1 = dir_of(m, r, o->path, i)) < 0) return oom();
          in = new_inode(m, r, 'f', o->path);
          if (in < 0 || !vadd(r, o->path, in)) return oom();
          if (!add_name(m, i, PL_CRASH_CREATE, o->path, NULL, in, d1, -1)) return oom();
        }
        if (!pl__u32map_put(&r->handles, o->handle, in)) return oom();
        break;
      case PL_CRASH_WRITE:
      case PL_CRASH_ZERO:
      case PL_CRASH_EXTEND:
      case PL_CRASH_TRUNCATE: {
        uint64_t end;
        int growing, spans = 0;
        in = file_of(r, o);
        if (in < 0 || m->inodes[in].kind != 'f') break;
        if (o->kind == PL_CRASH_WRITE || o->kind == PL_CRASH_ZERO) {
          if (o->len == 0) break;
          end = o->offset + o->len;
          if (o->kind == PL_CRASH_ZERO && (o->flags & PL_CRASH_FLAG_KEEP_SIZE) &&
              end > r->vsize[in])
            end = r->vsize[in] > o->offset ? r->vsize[in] : o->offset;
          growing = end > r->vsize[in];
          spans = growing && o->kind == PL_CRASH_WRITE && o->offset < r->vsize[in];
        } else {
          end = o->offset;
          growing = end > r->vsize[in];
        }
        if (!add_data(m, in, i, o->kind, growing, spans)) return oom();
        if (o->kind == PL_CRASH_TRUNCATE || end > r->vsize[in]) r->vsize[in] = end;
        if (o->flags & PL_CRASH_FLAG_DURABLE) {
          pl__minode *n = &m->inodes[in];
          n->ops[n->n - 1].state = PL__DURABLE;
        }
        break;
      }
      case PL_CRASH_SYNC:
        in = file_of(r, o);
        if (in < 0) break;
        if (o->failed) {
          /* Linux: the failed writeback's pages are marked clean, so the
           * data is gone for good, and the next sync "succeeds". */
          pl__minode *n = &m->inodes[in];
          for (k = 0; k < n->n; k++)
            if (n->ops[k].state == PL__PENDING) {
              n->ops[k].state = PL__DROPPED;
              n->ops[k].dropped_by = i;
            }
          break;
        }
        make_durable(m, in);
        if (rules->sync_commits_names)
          for (k = 0; k < m->nnames; k++) m->names[k].need = 0;
        break;
      case PL_CRASH_SYNC_DIR:
        if (o->failed || o->path == NULL) break;
        if (rules->sync_commits_names) {
          for (k = 0; k < m->nnames; k++) m->names[k].need = 0;
          break;
        }
        if (o->path[0] == '\0') {
          in = ROOT;
        } else {
          ve = vfind(r, o->path);
          if (ve == NULL || m->inodes[ve->inode].kind != 'd') break;
          in = ve->inode;
        }
        /* Syncing directory `in` makes the entries in it durable: only
         * those, never its own entry in its parent. */
        for (k = 0; k < m->nnames; k++) {
          if (m->names[k].dir[0] == in) m->names[k].need &= ~1u;
          if (m->names[k].dir[1] == in) m->names[k].need &= ~2u;
        }
        break;
      case PL_CRASH_SYNC_ALL:
      case PL_CRASH_BASELINE:
        /* Everything before a whole-file-system sync is durable; everything
         * before the baseline is the starting state, durable by
         * definition. */
        sync_everything(m);
        break;
      case PL_CRASH_RENAME:
      case PL_CRASH_EXCHANGE:
        if (o->path == NULL || o->path2 == NULL || strcmp(o->path, o->path2) == 0) break;
        if (o->path[0] == '\0' || o->path2[0] == '\0') break;
        ve = vfind(r, o->path);
        if (ve == NULL) break;
        in = ve->inode;
        ve2 = vfind(r, o->path2);
        if (o->kind == PL_CRASH_EXCHANGE && ve2 == NULL) break;
        /* A directory cannot move under itself (nor swap with what is under
         * it): the call failed, whatever the trace says. */
        if (under(o->path, strlen(o->path), o->path2) || under(o->path2, strlen(o->path2), o->path))
          break;
        if ((d1 = dir_of(m, r, o->path, i)) < 0 || (d2 = dir_of(m, r, o->path2, i)) < 0) return oom();
        if (o->kind == PL_CRASH_EXCHANGE) {
          if (!vexchange(r, o->path, o->path2)) return oom();
        } else {
          vremove_tree(r, o->path2);
          if (!vmove(r, o->path, o->path2)) return oom();
        }
        if (!add_name(m, i, o->kind, o->path, o->path2, in, d1, d2)) return oom();
        break;
      case PL_CRASH_LINK:
        if (o->path == NULL || o->path2 == NULL || o->path2[0] == '\0') break;
        ve = vfind(r, o->path);
        if (ve == NULL || m->inodes[ve->inode].kind == 'd' || vfind(r, o->path2) != NULL) break;
        in = ve->inode;
        /* Only the new name's directory holds anything new. */
        if ((d2 = dir_of(m, r, o->path2, i)) < 0) return oom();
        if (!vadd(r, o->path2, in)) return oom();
        if (!add_name(m, i, PL_CRASH_LINK, o->path, o->path2, in, -1, d2)) return oom();
        break;
      case PL_CRASH_SYMLINK:
      case PL_CRASH_MKDIR:
        if (o->path == NULL || o->path[0] == '\0' || vfind(r, o->path) != NULL) break;
        if ((d1 = dir_of(m, r, o->path, i)) < 0) return oom();
        in = new_inode(m, r, o->kind == PL_CRASH_MKDIR ? 'd' : 'l', o->path);
        if (in < 0 || !vadd(r, o->path, in)) return oom();
        if (!add_name(m, i, o->kind, o->path, NULL, in, d1, -1)) return oom();
        break;
      case PL_CRASH_UNLINK:
      case PL_CRASH_RMDIR:
        if (o->path == NULL || o->path[0] == '\0') break;
        ve = vfind(r, o->path);
        if (ve == NULL) break;
        in = ve->inode;
        if ((d1 = dir_of(m, r, o->path, i)) < 0) return oom();
        vremove_tree(r, o->path);
        if (!add_name(m, i, o->kind, o->path, NULL, in, d1, -1)) return oom();
        break;
      default:
        break; /* notes and ignored ops hold no state */
    }
  }
  return PL_OK;
}

/* ---- the pending list ---- */

static int add_pend(pl__model *m, int is_name, int inode, size_t idx, int nchoices, int first_tear) {
  pl__mpend *p;
  size_t cap = (size_t)m->cappend;
  if (!grow((void **)&m->pend, &cap, (size_t)m->npend + 1, sizeof *m->pend)) return -1;
  m->cappend = (int)cap;
  p = &m->pend[m->npend];
  memset(p, 0, sizeof *p);
  p->is_name = is_name;
  p->inode = inode;
  p->idx = idx;
  p->nchoices = nchoices;
  p->first_tear = first_tear;
  return m->npend++;
}

static int add_dep(pl__mpend *p, int dep) {
  size_t cap = (size_t)p->capdeps;
  if (p->ndeps > 0 && p->deps[p->ndeps - 1] == dep) return 1;
  if (!grow((void **)&p->deps, &cap, (size_t)p->ndeps + 1, sizeof *p->deps)) return 0;
  p->capdeps = (int)cap;
  p->deps[p->ndeps++] = dep;
  return 1;
}

static int names_related(const pl__mname *a, const pl__mname *b) {
  return related(a->path, b->path) || related(a->path, b->path2) ||
         related(a->path2, b->path) || related(a->path2, b->path2);
}

size_t pl__model_op(const pl__model *m, int i) {
  const pl__mpend *p = &m->pend[i];
  return p->is_name ? m->names[p->idx].op : m->inodes[p->inode].ops[p->idx].op;
}

/* Sorts pending ops by trace order (insertion sort: the lists are short and
 * nearly sorted). */
static void sort_pend(pl__model *m) {
  int i, j;
  for (i = 1; i < m->npend; i++) {
    pl__mpend t = m->pend[i];
    size_t key = t.is_name ? m->names[t.idx].op : m->inodes[t.inode].ops[t.idx].op;
    for (j = i - 1; j >= 0 && pl__model_op(m, j) > key; j--) m->pend[j + 1] = m->pend[j];
    m->pend[j + 1] = t;
  }
  for (i = 0; i < m->npend; i++) {
    pl__mpend *p = &m->pend[i];
    if (p->is_name) m->names[p->idx].pending = i;
    else m->inodes[p->inode].ops[p->idx].pending = i;
  }
}

/* The choices of a pending data op: see pl__model_write_variant in
 * state.c for what each one puts on disk. */
static void data_choices(const pl__model *m, const pl__mdata *d, int *n, int *first_tear) {
  const pl_crash_op *o = &m->trace->ops[d->op];
  *n = 2;
  *first_tear = 2;
  if (d->kind != PL_CRASH_WRITE) return;
  if (d->growing && m->rules.growing_writes_whole) return;
  if (d->growing) (*n)++;   /* 2: the new size, none of the data */
  if (d->spans_eof) (*n)++; /* 3: the overwritten bytes, not the new size */
  *first_tear = *n;
  *n += pl__tear_count(pl__tear_pieces(o->offset, o->len, m->opt->sector_size), m->opt->max_tears);
}

static pl_status build_pending(pl__model *m) {
  const pl__rules *rules = &m->rules;
  size_t k;
  int a, b;
  for (k = 0; k < m->nnames; k++) {
    int nc = 2;
    if (m->names[k].state != PL__PENDING) continue;
    if (m->names[k].kind == PL_CRASH_RENAME && !m->opt->rename_atomic) nc = 4;
    if (add_pend(m, 1, -1, k, nc, nc) < 0) return oom();
  }
  for (a = 0; a < m->ninodes; a++) {
    pl__minode *in = &m->inodes[a];
    for (k = 0; k < in->n; k++) {
      int nc, ft;
      if (in->ops[k].state != PL__PENDING) continue;
      data_choices(m, &in->ops[k], &nc, &ft);
      if (add_pend(m, 0, a, k, nc, ft) < 0) return oom();
    }
  }
  sort_pend(m);
  for (a = 0; a < m->npend; a++) {
    const pl__mname *na;
    int last_name = -1;
    if (!m->pend[a].is_name) continue;
    na = &m->names[m->pend[a].idx];
    for (b = 0; b < a; b++) {
      const pl__mpend *pb = &m->pend[b];
      int dep = 0;
      if (pb->is_name) {
        /* An entry needs its directory; ops on one name keep their
         * order. */
        dep = names_related(&m->names[pb->idx], na);
        last_name = b;
      } else if (rules->rename_carries_data && na->kind == PL_CRASH_RENAME && pb->inode == na->inode) {
        dep = 1;
      }
      if (dep && !add_dep(&m->pend[a], b)) return oom();
    }
    if (rules->names_in_order && last_name >= 0 && !add_dep(&m->pend[a], last_name)) return oom();
  }
  return PL_OK;
}

pl_status pl__model_build(pl__model *m, const pl_crash_trace *t, const pl_crash_options *o,
                          size_t end) {
  replay r;
  pl_status s;
  size_t i, k;
  memset(m, 0, sizeof *m);
  memset(&r, 0, sizeof r);
  m->trace = t;
  m->opt = o;
  pl__rules_for(o->model, &m->rules);
  m->end = end > t->count ? t->count : end;
  s = new_inode(m, &r, 'd', "") == ROOT ? PL_OK : oom();
  if (s == PL_OK) s = replay_ops(m, &r);
  if (s != PL_OK) goto out;
  /* Notes: those issued before the point and those right after its op. */
  m->nnotes = 0;
  for (i = 0; i < t->count; i++) {
    if (t->ops[i].kind != PL_CRASH_NOTE) {
      if (i >= m->end && t->ops[i].kind != PL_CRASH_IGNORED) break;
      continue;
    }
    m->nnotes++;
  }
  free(m->notes);
  m->notes = calloc(m->nnotes + 1, sizeof *m->notes);
  if (m->notes == NULL) {
    s = oom();
    goto out;
  }
  for (i = 0, k = 0; i < t->count && k < m->nnotes; i++)
    if (t->ops[i].kind == PL_CRASH_NOTE) m->notes[k++] = t->ops[i].data ? (const char *)t->ops[i].data : "";
  /* Each inode's name at the crash point, for reports. */
  for (i = 0; i < r.nv; i++) {
    pl__minode *in = &m->inodes[r.v[i].inode];
    if (in->name == NULL && (in->name = strdup(r.v[i].path)) == NULL) {
      s = oom();
      goto out;
    }
  }
  /* Name ops whose directories were synced after them are durable; no
   * other (durability does not travel upwards or along dependencies). */
  for (k = 0; k < m->nnames; k++)
    if (m->names[k].need == 0) m->names[k].state = PL__DURABLE;
  if (m->rules.rename_carries_data) {
    /* A committed rename over a file committed the renamed file's earlier
     * data with it. */
    for (k = 0; k < m->nnames; k++) {
      const pl__mname *nm = &m->names[k];
      pl__minode *in;
      if (nm->state != PL__DURABLE || nm->kind != PL_CRASH_RENAME || nm->inode < 0) continue;
      in = &m->inodes[nm->inode];
      for (i = 0; i < in->n; i++)
        if (in->ops[i].state == PL__PENDING && in->ops[i].op < nm->op) in->ops[i].state = PL__DURABLE;
    }
  }
  s = build_pending(m);
out:
  for (i = 0; i < r.nv; i++)
    if (r.v[i].own) free((char *)r.v[i].path);
  free(r.v);
  pl__u32map_free(&r.handles);
  free(r.vsize);
  if (s != PL_OK) pl__model_free(m);
  return s;
}

void pl__model_free(pl__model *m) {
  int i;
  size_t k;
  for (i = 0; i < m->ninodes; i++) {
    free(m->inodes[i].ops);
    free(m->inodes[i].label);
    free(m->inodes[i].name);
  }
  free(m->inodes);
  for (k = 0; k < m->nnames; k++)
    if (m->names[k].owns_path) free((char *)m->names[k].path);
  free(m->names);
  for (i = 0; i < m->npend; i++) free(m->pend[i].deps);
  free(m->pend);
  free(m->notes);
  memset(m, 0, sizeof *m);
}

int pl__model_valid(const pl__model *m, const pl__choice *choices) {
  int i, j;
  for (i = 0; i < m->npend; i++) {
    if (choices[i] >= m->pend[i].nchoices) return 0;
    if (choices[i] == 0) continue;
    for (j = 0; j < m->pend[i].ndeps; j++)
      if (choices[m->pend[i].deps[j]] == 0) return 0;
  }
  return 1;
}

/* ---- reports ---- */

static void describe_op(const pl__model *m, size_t op, int inode, char *buf, size_t cap) {
  const pl_crash_op *o = &m->trace->ops[op];
  char label[1200];
  const char *fp = NULL;
  if (inode >= 0 && o->kind != PL_CRASH_CREATE && o->kind != PL_CRASH_OPEN) {
    const pl__minode *in = &m->inodes[inode];
    if (in->name == NULL)
      snprintf(label, sizeof label, "%s (removed by the crash point)", in->label);
    else if (strcmp(in->name, in->label) != 0)
      snprintf(label, sizeof label, "%s (opened as %s)", in->name, in->label);
    else
      snprintf(label, sizeof label, "%s", in->name);
    fp = label;
  }
  pl_crash_op_describe(o, fp, buf, cap);
}

char *pl__model_describe_lost(const pl__model *m, const pl__choice *choices, size_t *count) {
  pl__buf out = {0};
  int i, a;
  size_t k;
  char desc[1600], what[200];
  *count = 0;
  for (i = 0; i < m->npend; i++) {
    const pl__mpend *p = &m->pend[i];
    size_t op = pl__model_op(m, i);
    int c = choices[i];
    if (c == 1) continue;
    describe_op(m, op, p->is_name ? -1 : p->inode, desc, sizeof desc);
    if (c == 0) {
      pl__buf_addf(&out, "  lost: op %lu %s\n", (unsigned long)op, desc);
    } else if (p->is_name) {
      pl__buf_addf(&out, "  half-done (%s): op %lu %s\n",
                   c == 2 ? "target removed, source kept" : "both names", (unsigned long)op, desc);
    } else if (c >= p->first_tear) {
      const pl_crash_op *o = &m->trace->ops[op];
      uint64_t np = pl__tear_pieces(o->offset, o->len, m->opt->sector_size);
      pl__tear_describe(np, m->opt->max_tears, op, c - p->first_tear, what, sizeof what);
      pl__buf_addf(&out, "  torn (%s written): op %lu %s\n", what, (unsigned long)op, desc);
    } else if (c == 2 && m->inodes[p->inode].ops[p->idx].growing) {
      pl__buf_addf(&out, "  %s tail (new size, no data): op %lu %s\n",
                   m->opt->garbage_tails ? "garbage" : "zero", (unsigned long)op, desc);
    } else {
      pl__buf_addf(&out, "  overwritten part only (size not grown): op %lu %s\n", (unsigned long)op,
                   desc);
    }
    (*count)++;
  }
  /* Writes a failed sync dropped never reach the disk, whatever the
   * choices: a failure after one often comes from them. */
  for (a = 0; a < m->ninodes; a++) {
    const pl__minode *in = &m->inodes[a];
    for (k = 0; k < in->n; k++) {
      if (in->ops[k].state != PL__DROPPED) continue;
      describe_op(m, in->ops[k].op, a, desc, sizeof desc);
      pl__buf_addf(&out, "  dropped by the failed sync op %lu: op %lu %s\n",
                   (unsigned long)in->ops[k].dropped_by, (unsigned long)in->ops[k].op, desc);
      (*count)++;
    }
  }
  if (!pl__buf_add(&out, "", 1)) {
    pl__buf_free(&out);
    return NULL;
  }
  return (char *)out.p;
}
