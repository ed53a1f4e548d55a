/* The strict POSIX model of one crash point: replays the trace up to the
 * point and sorts every operation into durable (covered by a completed sync
 * of its file or directory), pending (may or may not be on disk, with the
 * choices the generator has for it) or dropped (a failed sync threw it
 * away, Linux style).  Pending operations carry their dependencies. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"

/* What the volatile namespace holds while replaying. */
typedef struct ventry {
  char *path;
  int inode;
} ventry;

typedef struct replay {
  ventry *v;
  size_t nv, capv;
  int *handle_inode; /* handle -> inode, -1 if unknown */
  size_t nhandles;
  uint64_t *vsize;   /* per inode: size as the program saw it */
  unsigned *need;    /* per name op: parents still to be synced (bits) */
  size_t capneed;
} replay;

static pl_status oom(void) { return pl_error_set(PL_IO_ERROR, ENOMEM, "crash model: out of memory"); }

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 1;
  {
    size_t c = *cap ? *cap : 16;
    void *n;
    while (c < need) c *= 2;
    n = realloc(*p, c * size);
    if (n == NULL) return 0;
    *p = n;
    *cap = c;
  }
  return 1;
}

void pl__crash_parent_of(const char *rel, char *out, size_t cap) {
  const char *slash = strrchr(rel, '/');
  size_t n = slash ? (size_t)(slash - rel) : 0;
  if (n >= cap) n = cap - 1;
  memcpy(out, rel, n);
  out[n] = '\0';
}

/* Non-zero if a equals b or one is a directory above the other. */
static int related(const char *a, const char *b) {
  size_t la, lb;
  if (a == NULL || b == NULL) return 0;
  la = strlen(a);
  lb = strlen(b);
  if (la == lb) return strcmp(a, b) == 0;
  if (la < lb) return strncmp(a, b, la) == 0 && (la == 0 || b[la] == '/');
  return strncmp(a, b, lb) == 0 && (lb == 0 || a[lb] == '/');
}

static ventry *vfind(replay *r, const char *path) {
  size_t i;
  for (i = 0; i < r->nv; i++)
    if (strcmp(r->v[i].path, path) == 0) return &r->v[i];
  return NULL;
}

static void vremove_at(replay *r, size_t i) {
  free(r->v[i].path);
  r->v[i] = r->v[--r->nv];
}

static int vadd(replay *r, const char *path, int inode) {
  char *p;
  if (!grow((void **)&r->v, &r->capv, r->nv + 1, sizeof *r->v)) return 0;
  p = strdup(path);
  if (p == NULL) return 0;
  r->v[r->nv].path = p;
  r->v[r->nv].inode = inode;
  r->nv++;
  return 1;
}

/* Removes path and everything under it. */
static void vremove_tree(replay *r, const char *path) {
  size_t i = 0;
  while (i < r->nv) {
    if (related(path, r->v[i].path) && strlen(r->v[i].path) >= strlen(path)) vremove_at(r, i);
    else i++;
  }
}

/* Moves path and everything under it to to. */
static int vmove(replay *r, const char *from, const char *to) {
  size_t i, lf = strlen(from);
  for (i = 0; i < r->nv; i++) {
    const char *p = r->v[i].path;
    if (strcmp(p, from) == 0 || (strncmp(p, from, lf) == 0 && p[lf] == '/')) {
      size_t n = strlen(to) + strlen(p + lf) + 1;
      char *np = malloc(n);
      if (np == NULL) return 0;
      snprintf(np, n, "%s%s", to, p + lf);
      free(r->v[i].path);
      r->v[i].path = np;
    }
  }
  return 1;
}

static int new_inode(pl__model *m, replay *r, int is_dir, const char *label) {
  pl__minode *in;
  size_t cap = (size_t)m->capinodes;
  if (!grow((void **)&m->inodes, &cap, (size_t)m->ninodes + 1, sizeof *m->inodes)) return -1;
  m->capinodes = (int)cap;
  cap = (size_t)m->capinodes;
  {
    uint64_t *vs = realloc(r->vsize, cap * sizeof *vs);
    if (vs == NULL) return -1;
    r->vsize = vs;
  }
  in = &m->inodes[m->ninodes];
  memset(in, 0, sizeof *in);
  in->is_dir = is_dir;
  in->label = strdup(label ? label : "?");
  if (in->label == NULL) return -1;
  r->vsize[m->ninodes] = 0;
  return m->ninodes++;
}

static int add_data(pl__model *m, int inode, size_t op, int kind, int growing) {
  pl__minode *in = &m->inodes[inode];
  if (!grow((void **)&in->ops, &in->cap, in->n + 1, sizeof *in->ops)) return 0;
  in->ops[in->n].op = op;
  in->ops[in->n].kind = kind;
  in->ops[in->n].state = M_PENDING;
  in->ops[in->n].pending = -1;
  in->ops[in->n].growing = growing;
  in->n++;
  return 1;
}

static int add_name(pl__model *m, replay *r, size_t op, int kind, const char *path,
                    const char *path2, int inode) {
  pl__mname *nm;
  char pa[4096], pb[4096];
  if (!grow((void **)&m->names, &m->capnames, m->nnames + 1, sizeof *m->names)) return 0;
  if (!grow((void **)&r->need, &r->capneed, m->nnames + 1, sizeof *r->need)) return 0;
  nm = &m->names[m->nnames];
  memset(nm, 0, sizeof *nm);
  nm->op = op;
  nm->kind = kind;
  nm->path = strdup(path);
  nm->path2 = path2 ? strdup(path2) : NULL;
  if (nm->path == NULL || (path2 && nm->path2 == NULL)) {
    free(nm->path);
    free(nm->path2);
    return 0;
  }
  nm->inode = inode;
  nm->state = M_PENDING;
  nm->pending = -1;
  pl__crash_parent_of(path, pa, sizeof pa);
  r->need[m->nnames] = 1;
  if (path2) {
    pl__crash_parent_of(path2, pb, sizeof pb);
    if (strcmp(pa, pb) != 0) r->need[m->nnames] |= 2;
  }
  m->nnames++;
  return 1;
}

static int bind_handle(replay *r, uint32_t h, int inode) {
  if (h >= r->nhandles) {
    size_t n = r->nhandles ? r->nhandles : 16, i;
    int *p;
    while (n <= h) n *= 2;
    p = realloc(r->handle_inode, n * sizeof *p);
    if (p == NULL) return 0;
    for (i = r->nhandles; i < n; i++) p[i] = -1;
    r->handle_inode = p;
    r->nhandles = n;
  }
  r->handle_inode[h] = inode;
  return 1;
}

static int handle_inode(replay *r, uint32_t h) {
  return h < r->nhandles ? r->handle_inode[h] : -1;
}

/* Sectors a write covers: pieces cut at sector boundaries. */
static uint64_t pieces(uint64_t off, uint64_t len, uint64_t sector) {
  if (len == 0) return 0;
  return (off + len - 1) / sector - off / sector + 1;
}

void pl__model_write_shape(const pl__model *m, size_t op, int growing, int *ntears,
                          uint64_t *npieces) {
  const pl_crash_op *o = &m->trace->ops[op];
  uint64_t np = pieces(o->offset, o->len, m->opt->sector_size);
  int t = 0;
  (void)growing;
  if (np >= 2) {
    t = m->opt->max_tears;
    if ((uint64_t)t > np - 1) t = (int)(np - 1);
  }
  *ntears = t;
  *npieces = np;
}

pl__write_variant pl__model_write_variant(const pl__model *m, const pl__mdata *d, int choice) {
  pl__write_variant v;
  const pl_crash_op *o = &m->trace->ops[d->op];
  uint64_t sector = m->opt->sector_size, np;
  int ntears, c = choice;
  pl__model_write_shape(m, d->op, d->growing, &ntears, &np);
  v.grow = 0;
  v.from = v.to = 0;
  if (c == 0) return v;
  v.grow = 1;
  if (c == 1) {
    v.from = o->offset;
    v.to = o->offset + o->len;
    return v;
  }
  c -= 2;
  if (d->growing) {
    if (c == 0) return v; /* the new size, none of the data */
    c--;
  }
  {
    uint64_t first_end = (o->offset / sector + 1) * sector; /* end of piece 0 */
    if (c < ntears) {
      /* The first i pieces reached the disk, the rest did not. */
      uint64_t i = ((uint64_t)(c + 1) * np) / (uint64_t)(ntears + 1);
      if (i < 1) i = 1;
      if (i > np - 1) i = np - 1;
      v.from = o->offset;
      v.to = first_end + (i - 1) * sector;
    } else {
      /* Only the last piece: sectors may reach the disk out of order. */
      uint64_t end = o->offset + o->len;
      v.from = ((end - 1) / sector) * sector;
      v.to = end;
    }
  }
  return v;
}

static int data_choices(const pl__model *m, const pl__mdata *d) {
  int ntears;
  uint64_t np;
  if (d->kind != PL_CRASH_WRITE) return 2;
  /* ext4 ordered: the new size is committed only after the data is
   * written, so a growing write is either all there or not at all. */
  if (d->growing && m->opt->model == PL_CRASH_MODEL_EXT4_ORDERED) return 2;
  pl__model_write_shape(m, d->op, d->growing, &ntears, &np);
  if (np == 0) return 2;
  return 2 + (d->growing ? 1 : 0) + (ntears > 0 ? ntears + 1 : 0);
}

static int add_pend(pl__model *m, int is_name, int inode, size_t idx, int nchoices) {
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
  return m->npend++;
}

static int add_dep(pl__mpend *p, int dep) {
  size_t cap = (size_t)p->capdeps;
  if (!grow((void **)&p->deps, &cap, (size_t)p->ndeps + 1, sizeof *p->deps)) return 0;
  p->capdeps = (int)cap;
  p->deps[p->ndeps++] = dep;
  return 1;
}

static int names_related(const pl__mname *a, const pl__mname *b) {
  return related(a->path, b->path) || related(a->path, b->path2) ||
         related(a->path2, b->path) || related(a->path2, b->path2);
}

static size_t op_index(const pl__model *m, const pl__mpend *p) {
  return p->is_name ? m->names[p->idx].op : m->inodes[p->inode].ops[p->idx].op;
}

static int cmp_pend(const void *a, const void *b, const pl__model *m) {
  size_t x = op_index(m, a), y = op_index(m, b);
  return x < y ? -1 : x > y;
}

/* Sorts pending ops by trace order (insertion sort: lists are short and
 * nearly sorted). */
static void sort_pend(pl__model *m) {
  int i, j;
  for (i = 1; i < m->npend; i++) {
    pl__mpend t = m->pend[i];
    for (j = i - 1; j >= 0 && cmp_pend(&m->pend[j], &t, m) > 0; j--) m->pend[j + 1] = m->pend[j];
    m->pend[j + 1] = t;
  }
  for (i = 0; i < m->npend; i++) {
    pl__mpend *p = &m->pend[i];
    if (p->is_name) m->names[p->idx].pending = i;
    else m->inodes[p->inode].ops[p->idx].pending = i;
  }
}

static pl_status replay_ops(pl__model *m, replay *r) {
  const pl_crash_trace *t = m->trace;
  size_t i, k;
  for (i = 0; i < m->end; i++) {
    const pl_crash_op *o = &t->ops[i];
    int in;
    ventry *ve;
    switch (o->kind) {
      case PL_CRASH_CREATE:
      case PL_CRASH_OPEN:
        if (o->path == NULL) break;
        ve = vfind(r, o->path);
        if (ve != NULL && !m->inodes[ve->inode].is_dir) {
          in = ve->inode;
          if (o->kind == PL_CRASH_CREATE) {
            /* Creating an existing file truncates it: a data op. */
            if (!add_data(m, in, i, PL_CRASH_CREATE, 0)) return oom();
            r->vsize[in] = 0;
          }
        } else {
          in = new_inode(m, r, 0, o->path);
          if (in < 0 || !vadd(r, o->path, in)) return oom();
          if (!add_name(m, r, i, PL_CRASH_CREATE, o->path, NULL, in)) return oom();
        }
        if (!bind_handle(r, o->handle, in)) return oom();
        break;
      case PL_CRASH_WRITE:
      case PL_CRASH_EXTEND: {
        uint64_t end = o->kind == PL_CRASH_WRITE ? o->offset + o->len : o->offset;
        in = handle_inode(r, o->handle);
        if (in < 0) break;
        if (o->kind == PL_CRASH_WRITE && o->len == 0) break;
        if (!add_data(m, in, i, o->kind, end > r->vsize[in])) return oom();
        if (end > r->vsize[in]) r->vsize[in] = end;
        break;
      }
      case PL_CRASH_SYNC:
        in = handle_inode(r, o->handle);
        if (in < 0) break;
        if (o->failed) {
          /* Linux: the failed writeback's pages are marked clean, so the
           * data is gone for good, and the next sync "succeeds". */
          pl__minode *n = &m->inodes[in];
          for (k = n->synced; k < n->n; k++) n->ops[k].state = M_DROPPED;
        }
        m->inodes[in].synced = m->inodes[in].n;
        /* ext4: fsync commits the journal, and with it every directory
         * operation issued so far. */
        if (!o->failed && m->opt->model == PL_CRASH_MODEL_EXT4_ORDERED)
          for (k = 0; k < m->nnames; k++) r->need[k] = 0;
        break;
      case PL_CRASH_SYNC_DIR:
        if (o->failed || o->path == NULL) break;
        if (m->opt->model == PL_CRASH_MODEL_EXT4_ORDERED) {
          for (k = 0; k < m->nnames; k++) r->need[k] = 0;
          break;
        }
        for (k = 0; k < m->nnames; k++) {
          char pa[4096];
          pl__mname *nm = &m->names[k];
          if (r->need[k] == 0) continue;
          pl__crash_parent_of(nm->path, pa, sizeof pa);
          if (strcmp(pa, o->path) == 0) r->need[k] &= ~1u;
          if (nm->path2 != NULL) {
            pl__crash_parent_of(nm->path2, pa, sizeof pa);
            if (strcmp(pa, o->path) == 0) r->need[k] &= ~3u;
          }
        }
        break;
      case PL_CRASH_RENAME:
        if (o->path == NULL || o->path2 == NULL) break;
        ve = vfind(r, o->path);
        in = ve ? ve->inode : -1;
        if (strcmp(o->path, o->path2) == 0) break;
        ve = vfind(r, o->path2);
        {
          int replaces = ve != NULL && !m->inodes[ve->inode].is_dir;
          vremove_tree(r, o->path2);
          if (!vmove(r, o->path, o->path2)) return oom();
          if (!add_name(m, r, i, PL_CRASH_RENAME, o->path, o->path2, in)) return oom();
          m->names[m->nnames - 1].replaces = replaces;
        }
        break;
      case PL_CRASH_UNLINK:
      case PL_CRASH_RMDIR:
        if (o->path == NULL) break;
        vremove_tree(r, o->path);
        if (!add_name(m, r, i, o->kind, o->path, NULL, -1)) return oom();
        break;
      case PL_CRASH_MKDIR:
        if (o->path == NULL || vfind(r, o->path) != NULL) break;
        in = new_inode(m, r, 1, o->path);
        if (in < 0 || !vadd(r, o->path, in)) return oom();
        if (!add_name(m, r, i, PL_CRASH_MKDIR, o->path, NULL, in)) return oom();
        break;
      case PL_CRASH_BASELINE:
        /* Everything before it is the starting state, durable by
         * definition. */
        for (k = 0; k < (size_t)m->ninodes; k++) m->inodes[k].synced = m->inodes[k].n;
        for (k = 0; k < m->nnames; k++) r->need[k] = 0;
        break;
      default:
        break;
    }
  }
  return PL_OK;
}

pl_status pl__model_build(pl__model *m, const pl_crash_trace *t, const pl_crash_options *o,
                         size_t end) {
  replay r;
  pl_status s;
  size_t i, k;
  int a, b;
  memset(m, 0, sizeof *m);
  memset(&r, 0, sizeof r);
  m->trace = t;
  m->opt = o;
  m->end = end > t->count ? t->count : end;
  s = replay_ops(m, &r);
  if (s != PL_OK) goto out;
  /* Notes: those issued before the point and those right after its op. */
  for (i = 0; i < t->count; i++) {
    if (t->ops[i].kind != PL_CRASH_NOTE) {
      if (i >= m->end) break;
      continue;
    }
    m->nnotes++;
  }
  m->notes = calloc(m->nnotes + 1, sizeof *m->notes);
  if (m->notes == NULL) {
    s = oom();
    goto out;
  }
  for (i = 0, k = 0; i < t->count && k < m->nnotes; i++)
    if (t->ops[i].kind == PL_CRASH_NOTE) m->notes[k++] = t->ops[i].data ? (const char *)t->ops[i].data : "";
  /* Data ops before the file's last completed sync are durable. */
  for (a = 0; a < m->ninodes; a++) {
    pl__minode *in = &m->inodes[a];
    for (k = 0; k < in->n; k++) {
      if (in->ops[k].state == M_DROPPED) continue;
      if (k < in->synced) in->ops[k].state = M_DURABLE;
    }
  }
  /* Name ops whose directories were synced after them are durable, and
   * so is everything a durable name op needs. */
  for (k = 0; k < m->nnames; k++) m->names[k].state = r.need[k] == 0 ? M_DURABLE : M_PENDING;
  for (k = m->nnames; k-- > 0;) {
    if (m->names[k].state != M_DURABLE) continue;
    for (i = 0; i < k; i++)
      if (m->names[i].state == M_PENDING && names_related(&m->names[i], &m->names[k]))
        m->names[i].state = M_DURABLE;
  }
  /* ext4 auto_da_alloc: a committed rename over a file committed the
   * renamed file's earlier data with it. */
  if (o->model == PL_CRASH_MODEL_EXT4_ORDERED) {
    for (k = 0; k < m->nnames; k++) {
      const pl__mname *nm = &m->names[k];
      pl__minode *in;
      if (nm->state != M_DURABLE || !nm->replaces || nm->inode < 0) continue;
      in = &m->inodes[nm->inode];
      for (i = 0; i < in->n; i++)
        if (in->ops[i].state == M_PENDING && in->ops[i].op < nm->op) in->ops[i].state = M_DURABLE;
    }
  }
  /* The pending list, in trace order, with its dependencies. */
  for (k = 0; k < m->nnames; k++) {
    if (m->names[k].state != M_PENDING) continue;
    {
      int nc = 2;
      if (m->names[k].kind == PL_CRASH_RENAME && !o->rename_atomic) nc = 4;
      if (add_pend(m, 1, -1, k, nc) < 0) {
        s = oom();
        goto out;
      }
    }
  }
  for (a = 0; a < m->ninodes; a++) {
    pl__minode *in = &m->inodes[a];
    for (k = 0; k < in->n; k++) {
      if (in->ops[k].state != M_PENDING) continue;
      if (add_pend(m, 0, a, k, data_choices(m, &in->ops[k])) < 0) {
        s = oom();
        goto out;
      }
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
        dep = names_related(&m->names[pb->idx], na);
        last_name = b;
      } else if (o->model == PL_CRASH_MODEL_EXT4_ORDERED && na->replaces && pb->inode == na->inode) {
        /* auto_da_alloc: replacing a file by rename flushes the new
         * file's data before the rename commits. */
        dep = 1;
      }
      if (dep && !add_dep(&m->pend[a], b)) {
        s = oom();
        goto out;
      }
    }
    /* ext4: the journal commits directory operations in order. */
    if (o->model == PL_CRASH_MODEL_EXT4_ORDERED && last_name >= 0 &&
        (m->pend[a].ndeps == 0 || m->pend[a].deps[m->pend[a].ndeps - 1] != last_name) &&
        !add_dep(&m->pend[a], last_name)) {
      s = oom();
      goto out;
    }
  }
out:
  for (i = 0; i < r.nv; i++) free(r.v[i].path);
  free(r.v);
  free(r.handle_inode);
  free(r.vsize);
  free(r.need);
  if (s != PL_OK) pl__model_free(m);
  return s;
}

void pl__model_free(pl__model *m) {
  int i;
  size_t k;
  for (i = 0; i < m->ninodes; i++) {
    free(m->inodes[i].ops);
    free(m->inodes[i].label);
  }
  free(m->inodes);
  for (k = 0; k < m->nnames; k++) {
    free(m->names[k].path);
    free(m->names[k].path2);
  }
  free(m->names);
  for (i = 0; i < m->npend; i++) free(m->pend[i].deps);
  free(m->pend);
  free(m->notes);
  memset(m, 0, sizeof *m);
}

int pl__model_valid(const pl__model *m, const unsigned char *choices) {
  int i, j;
  for (i = 0; i < m->npend; i++) {
    if (choices[i] >= m->pend[i].nchoices) return 0;
    if (choices[i] == 0) continue;
    for (j = 0; j < m->pend[i].ndeps; j++)
      if (choices[m->pend[i].deps[j]] == 0) return 0;
  }
  return 1;
}

char *pl__model_describe_lost(const pl__model *m, const unsigned char *choices, size_t *count) {
  pl__cbuf out = {0};
  int i;
  *count = 0;
  for (i = 0; i < m->npend; i++) {
    const pl__mpend *p = &m->pend[i];
    size_t op = op_index(m, p);
    const pl_crash_op *o = &m->trace->ops[op];
    char desc[600], line[800];
    const char *label = NULL;
    if (choices[i] == 1) continue;
    if (!p->is_name) label = m->inodes[p->inode].label;
    pl_crash_op_describe(o, label, desc, sizeof desc);
    if (choices[i] == 0) {
      snprintf(line, sizeof line, "  lost: op %lu %s\n", (unsigned long)op, desc);
    } else if (p->is_name) {
      snprintf(line, sizeof line, "  half-done (%s): op %lu %s\n",
               choices[i] == 2 ? "target removed, source kept" : "both names", (unsigned long)op, desc);
    } else {
      pl__write_variant v = pl__model_write_variant(m, &m->inodes[p->inode].ops[p->idx], choices[i]);
      if (v.from == v.to)
        snprintf(line, sizeof line, "  %s tail: op %lu %s\n",
                 m->opt->garbage_tails ? "garbage" : "zero", (unsigned long)op, desc);
      else
        snprintf(line, sizeof line, "  torn (only [%llu,%llu) written): op %lu %s\n",
                 (unsigned long long)v.from, (unsigned long long)v.to, (unsigned long)op, desc);
    }
    pl__cbuf_add(&out, line, strlen(line));
    (*count)++;
  }
  pl__cbuf_add(&out, "", 1);
  return (char *)out.p;
}
