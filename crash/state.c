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

uint64_t pl__hash64(uint64_t h, const void *data, size_t n) {
  /* FNV-1a, 8 bytes at a time would be faster; states are small. */
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static pl_status oom(void) { return pl_error_set(PL_IO_ERROR, ENOMEM, "crash state: out of memory"); }

static int related_under(const char *top, const char *p) {
  size_t l = strlen(top);
  return strcmp(top, p) == 0 || (strncmp(top, p, l) == 0 && p[l] == '/');
}

static pl__sentry *sfind(pl__state *s, const char *path) {
  size_t i;
  for (i = 0; i < s->n; i++)
    if (strcmp(s->e[i].path, path) == 0) return &s->e[i];
  return NULL;
}

static void sremove_tree(pl__state *s, const char *path) {
  size_t i = 0;
  while (i < s->n) {
    if (related_under(path, s->e[i].path)) {
      free(s->e[i].path);
      s->e[i] = s->e[--s->n];
    } else {
      i++;
    }
  }
}

static int sadd(pl__state *s, const char *path, int is_dir, int inode) {
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
  s->e[s->n].is_dir = is_dir;
  s->e[s->n].inode = inode;
  s->n++;
  return 1;
}

static int smove(pl__state *s, const char *from, const char *to) {
  size_t i, lf = strlen(from);
  for (i = 0; i < s->n; i++) {
    const char *p = s->e[i].path;
    if (related_under(from, p)) {
      size_t n = strlen(to) + strlen(p + lf) + 1;
      char *np = malloc(n);
      if (np == NULL) return 0;
      snprintf(np, n, "%s%s", to, p + lf);
      free(s->e[i].path);
      s->e[i].path = np;
    }
  }
  return 1;
}

static pl_status apply_name(pl__state *s, const pl__model *m, const pl__mname *nm, int choice) {
  pl__sentry *e;
  switch (nm->kind) {
    case PL_CRASH_CREATE:
    case PL_CRASH_MKDIR:
      if (sfind(s, nm->path) != NULL) break;
      if (!sadd(s, nm->path, nm->kind == PL_CRASH_MKDIR, nm->inode)) return oom();
      break;
    case PL_CRASH_UNLINK:
    case PL_CRASH_RMDIR:
      sremove_tree(s, nm->path);
      break;
    case PL_CRASH_RENAME:
      e = sfind(s, nm->path);
      if (e == NULL) break;
      if (choice == 2) {
        /* Not atomic: the old target is gone, the new name not made yet. */
        sremove_tree(s, nm->path2);
        break;
      }
      if (choice == 3 && !e->is_dir) {
        /* Not atomic: the new name is made, the old one not removed yet. */
        int inode = e->inode;
        sremove_tree(s, nm->path2);
        if (!sadd(s, nm->path2, 0, inode)) return oom();
        break;
      }
      sremove_tree(s, nm->path2);
      if (!smove(s, nm->path, nm->path2)) return oom();
      break;
    default:
      break;
  }
  (void)m;
  return PL_OK;
}

static void fill(pl__cbuf *b, uint64_t upto, int garbage, size_t op) {
  size_t i, from = b->len;
  if (upto <= b->len) return;
  if (!pl__cbuf_reserve(b, (size_t)upto - b->len)) return;
  for (i = from; i < upto; i++)
    b->p[i] = garbage ? (unsigned char)(0x5a ^ (op * 131u) ^ (i * 7u) ^ (i >> 8)) : 0;
  b->len = (size_t)upto;
}

static pl_status build_content(const pl__model *m, const unsigned char *choices, int inode,
                               pl__cbuf *b) {
  const pl__minode *in = &m->inodes[inode];
  size_t k;
  b->len = 0;
  for (k = 0; k < in->n; k++) {
    const pl__mdata *d = &in->ops[k];
    const pl_crash_op *o = &m->trace->ops[d->op];
    int choice;
    if (d->state == M_DROPPED) continue;
    choice = d->state == M_DURABLE ? 1 : choices[d->pending];
    if (choice == 0) continue;
    if (d->kind == PL_CRASH_CREATE) {
      b->len = 0;
    } else if (d->kind == PL_CRASH_EXTEND) {
      fill(b, o->offset, 0, d->op);
    } else {
      pl__write_variant v = pl__model_write_variant(m, d, choice);
      uint64_t end = o->offset + o->len;
      if (end > b->len) {
        /* A hole before the write reads as zeros; the write's own bytes
         * that did not make it read as zeros or, pessimistically,
         * garbage. */
        fill(b, o->offset, 0, d->op);
        fill(b, end, m->opt->garbage_tails, d->op);
        if (b->len < end) return oom();
      }
      if (v.to > v.from && o->data != NULL)
        memcpy(b->p + v.from, o->data + (v.from - o->offset), (size_t)(v.to - v.from));
    }
  }
  return PL_OK;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const pl__sentry *)a)->path, ((const pl__sentry *)b)->path);
}

pl_status pl__state_build(const pl__model *m, const unsigned char *choices, pl__state *s,
                         uint64_t *hash) {
  size_t k, i;
  uint64_t h = PL__HASH_SEED;
  pl_status st;
  for (i = 0; i < s->n; i++) free(s->e[i].path);
  s->n = 0;
  if (s->ncontent < m->ninodes) {
    pl__cbuf *c = realloc(s->content, (size_t)m->ninodes * sizeof *c);
    if (c == NULL) return oom();
    memset(c + s->ncontent, 0, (size_t)(m->ninodes - s->ncontent) * sizeof *c);
    s->content = c;
    s->ncontent = m->ninodes;
  }
  for (k = 0; k < m->nnames; k++) {
    const pl__mname *nm = &m->names[k];
    int choice = nm->state == M_DURABLE ? 1 : choices[nm->pending];
    if (choice == 0) continue;
    st = apply_name(s, m, nm, choice);
    if (st != PL_OK) return st;
  }
  if (s->n > 1) qsort(s->e, s->n, sizeof *s->e, cmp_entry);
  for (i = 0; i < s->n; i++) {
    pl__sentry *e = &s->e[i];
    unsigned char kind = (unsigned char)(e->is_dir ? 'd' : 'f');
    h = pl__hash64(h, e->path, strlen(e->path) + 1);
    h = pl__hash64(h, &kind, 1);
    if (!e->is_dir && e->inode >= 0) {
      uint64_t len;
      st = build_content(m, choices, e->inode, &s->content[e->inode]);
      if (st != PL_OK) return st;
      len = s->content[e->inode].len;
      h = pl__hash64(h, &len, sizeof len);
      h = pl__hash64(h, s->content[e->inode].p, s->content[e->inode].len);
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
  for (k = 0; k < s->ncontent; k++) pl__cbuf_free(&s->content[k]);
  free(s->content);
  memset(s, 0, sizeof *s);
}

pl_status pl__state_materialize(pl_env *env, const pl__state *s, const char *dir) {
  size_t i;
  char path[4096];
  pl_status st;
  /* Sorted: a directory comes before everything in it. */
  for (i = 0; i < s->n; i++) {
    const pl__sentry *e = &s->e[i];
    snprintf(path, sizeof path, "%s/%s", dir, e->path);
    if (e->is_dir) {
      st = pl_env_create_dir(env, path);
    } else {
      const pl__cbuf *c = e->inode >= 0 ? &s->content[e->inode] : NULL;
      /* No sync: the state only has to survive until it is checked. */
      st = pl_file_write_all(env, path, c && c->p ? c->p : (const unsigned char *)"",
                             c ? c->len : 0, 0);
    }
    if (st != PL_OK) return st;
  }
  return PL_OK;
}
