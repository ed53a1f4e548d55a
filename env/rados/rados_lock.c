/* RADOS locks: an exclusive cls_lock lock with a lease on object
 * "l:<path>", renewed by one thread per env every third of the lease, so a
 * holder that dies (even by SIGKILL) frees the lock one lease later. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/rados/rados_internal.h"

#define LOCK_NAME "plinth"

struct pl__rados_lock {
  pl_file_lock base;
  char *oid;
  char *path;
  char cookie[PL__RADOS_ID_MAX];
  int lost; /* a renewal failed: the lease may have passed to another */
  pl__rados_lock *next;
};

/* struct timeval is librados' type for durations (its header brings it). */
static struct timeval lease(pl__rados_env *e) {
  struct timeval tv;
  tv.tv_sec = (time_t)(e->lease_ms / 1000);
  tv.tv_usec = (suseconds_t)(e->lease_ms % 1000) * 1000;
  return tv;
}

static void renewer_main(void *arg) {
  pl__rados_env *e = arg;
  pl__mutex_lock(&e->mu);
  while (!e->stopping) {
    pl__rados_lock *l;
    pl__cond_timedwait(&e->cv, &e->mu, e->lease_ms * 1000 / 3);
    if (e->stopping) break;
    for (l = e->locks; l != NULL; l = l->next) {
      struct timeval tv = lease(e);
      int r;
      if (l->lost) continue;
      PL__RADOS_COUNT(e, meta_ops, 1);
      r = rados_lock_exclusive(e->io, l->oid, LOCK_NAME, l->cookie, "plinth lock_file", &tv,
                               LIBRADOS_LOCK_FLAG_MAY_RENEW);
      if (r < 0) l->lost = r;
    }
  }
  pl__mutex_unlock(&e->mu);
}

pl_status pl__rados_lock_acquire(pl__rados_env *e, const char *path, pl_file_lock **out) {
  pl__rados_lock *l, *h;
  struct timeval tv = lease(e);
  char id[PL__RADOS_ID_MAX];
  int kind, created, r;
  size_t cap;
  pl_status s;
  *out = NULL;
  l = calloc(1, sizeof *l);
  if (l == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  s = pl__rados_canon(path, &l->path);
  /* Like POSIX, locking creates the file. */
  if (s == PL_OK) s = pl__rados_create_entry(e, l->path, &kind, id, &created);
  if (s == PL_OK && kind != PL__RADOS_FILE) s = pl__rados_error(-EISDIR, "%s", l->path);
  if (s != PL_OK) goto fail;
  cap = strlen(l->path) + 3;
  l->oid = malloc(cap);
  if (l->oid == NULL) {
    s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  snprintf(l->oid, cap, "l:%s", l->path);
  pl__rados_new_id(e, l->cookie, sizeof l->cookie);
  l->base.env = &e->base;
  pl__mutex_lock(&e->mu);
  for (h = e->locks; h != NULL; h = h->next)
    if (strcmp(h->oid, l->oid) == 0) break;
  if (h != NULL) {
    pl__mutex_unlock(&e->mu);
    /* The name as the caller spelled it (any spelling of one file is one
     * lock: the table compares canonical paths). */
    s = pl_error_set(PL_IO_ERROR, EBUSY, "%s: lock already held by this process", path);
    goto fail;
  }
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_lock_exclusive(e->io, l->oid, LOCK_NAME, l->cookie, "plinth lock_file", &tv, 0);
  if (r < 0) {
    pl__mutex_unlock(&e->mu);
    if (r == -EBUSY || r == -EEXIST)
      s = pl_error_set(PL_IO_ERROR, EBUSY,
                       "%s: locked by another process (RADOS lock on %s; free at most %llu ms after its holder dies)",
                       l->path, l->oid, (unsigned long long)e->lease_ms);
    else
      s = pl__rados_error(r, "%s: lock", l->path);
    goto fail;
  }
  if (!e->renewer_started) {
    if (pl__thread_create(&e->renewer, renewer_main, e) != PL_OK) {
      rados_unlock(e->io, l->oid, LOCK_NAME, l->cookie);
      pl__mutex_unlock(&e->mu);
      s = pl_error_set(PL_IO_ERROR, EAGAIN, "%s: cannot start the lock renewal thread", l->path);
      goto fail;
    }
    e->renewer_started = 1;
  }
  l->next = e->locks;
  e->locks = l;
  pl__mutex_unlock(&e->mu);
  *out = &l->base;
  return PL_OK;
fail:
  free(l->oid);
  free(l->path);
  free(l);
  return s;
}

pl_status pl__rados_lock_release(pl__rados_env *e, pl_file_lock *lock) {
  pl__rados_lock *l = (pl__rados_lock *)lock, **pp;
  pl_status s = PL_OK;
  int r;
  pl__mutex_lock(&e->mu);
  for (pp = &e->locks; *pp != NULL && *pp != l; pp = &(*pp)->next) {
  }
  if (*pp == l) *pp = l->next;
  pl__mutex_unlock(&e->mu);
  PL__RADOS_COUNT(e, meta_ops, 1);
  r = rados_unlock(e->io, l->oid, LOCK_NAME, l->cookie);
  if (l->lost || r == -ENOENT)
    s = pl_error_set(PL_IO_ERROR, l->lost ? -l->lost : ENOENT,
                     "%s: the lock was lost before unlock (its lease ran out without renewal)", l->path);
  else if (r < 0)
    s = pl__rados_error(r, "%s: unlock", l->path);
  free(l->oid);
  free(l->path);
  free(l);
  return s;
}

void pl__rados_locks_shutdown(pl__rados_env *e) {
  pl__mutex_lock(&e->mu);
  e->stopping = 1;
  pl__cond_broadcast(&e->cv);
  pl__mutex_unlock(&e->mu);
  if (e->renewer_started) pl__thread_join(e->renewer);
  while (e->locks != NULL) pl__rados_lock_release(e, &e->locks->base);
}
