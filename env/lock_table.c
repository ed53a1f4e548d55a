/* File locks: the backend's lock, plus a table of the files this process
 * holds, keyed by the file's identity (device and inode, or volume and file
 * ID), not by the name it was locked under.  fcntl locks belong to the
 * process, so a second lock of the same file from the same process would
 * silently succeed, and one file has many names (D/LOCK, D/./LOCK, links,
 * on Windows any case); the table turns every such second lock into an
 * error while the first is held. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "port/thread.h"

typedef struct os_lock {
  pl_file_lock base;
  pl__os_file fd;
  pl__file_id id;
  char *path;
  /* Descriptors of this same file that refused lock_file calls opened (see
   * keep_open); closed only once this lock is released. */
  struct os_lock *kept;
  struct os_lock *next;
} os_lock;

static pl__mutex table_mu = PL__MUTEX_INIT;
static os_lock *table;
static pl__once atfork_once = PL__ONCE_INIT;

/* A forked child holds none of its parent's OS locks (fcntl locks are not
 * inherited), so it must not inherit the table that says it does; its
 * copies of the entries are left to the child's exit. */
static void forget_in_child(void) {
  table = NULL;
  pl__mutex_init(&table_mu);
}

static void register_atfork(void) { pl__atfork_child(forget_in_child); }

/* The entry holding the file with identity id, or NULL.  REQUIRES: table_mu. */
static os_lock *held(const pl__file_id *id) {
  os_lock *it;
  for (it = table; it; it = it->next)
    if (pl__file_id_equal(&it->id, id)) return it;
  return NULL;
}

static pl_status refuse(const char *path, const os_lock *holder) {
  if (strcmp(path, holder->path) == 0)
    return pl_error_set(PL_IO_ERROR, 0, "%s: lock already held by this process", path);
  return pl_error_set(PL_IO_ERROR, 0, "%s: lock already held by this process (as %s)", path,
                      holder->path);
}

static void free_entry(os_lock *l) {
  free(l->path);
  free(l);
}

/* l->fd was opened on the file holder has locked.  Closing it would release
 * holder's lock on POSIX (closing any descriptor of a file drops the
 * process's fcntl locks on it), so it stays open, on holder's list, until
 * holder is unlocked.  This happens only when the name was pointed at the
 * held file between the look before the open and the open itself; every
 * other second attempt is refused before it opens anything. */
static void keep_open(os_lock *holder, os_lock *l) {
  l->next = holder->kept;
  holder->kept = l;
}

pl_status pl__lock_acquire(pl_env *env, const char *path, pl_file_lock **out) {
  os_lock *l, *holder;
  pl__file_id id;
  pl_status s;
  *out = NULL;
  l = calloc(1, sizeof *l);
  if (l == NULL || (l->path = strdup(path)) == NULL) {
    free(l);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  l->base.env = env;
  pl__once_run(&atfork_once, register_atfork);
  pl__mutex_lock(&table_mu);
  /* Look first, by name: a file this process holds is refused without
   * opening it, since no descriptor of it may be closed while it is held. */
  if (pl__port_path_id(path, &id) && (holder = held(&id)) != NULL) {
    s = refuse(path, holder);
    pl__mutex_unlock(&table_mu);
    free_entry(l);
    return s;
  }
  s = pl__port_open(path, PL__OPEN_READ | PL__OPEN_WRITE | PL__OPEN_CREATE, &l->fd);
  if (s != PL_OK) {
    pl__mutex_unlock(&table_mu);
    free_entry(l);
    return s;
  }
  /* Then by what was opened: the name may have changed meanwhile. */
  s = pl__port_file_id(l->fd, &l->id, path);
  if (s == PL_OK && (holder = held(&l->id)) != NULL) {
    s = refuse(path, holder);
    keep_open(holder, l);
    pl__mutex_unlock(&table_mu);
    return s;
  }
  if (s == PL_OK) s = pl__port_lock(l->fd, path);
  if (s != PL_OK) {
    pl__port_close(l->fd, path);
    pl__mutex_unlock(&table_mu);
    free_entry(l);
    return s;
  }
  l->next = table;
  table = l;
  pl__mutex_unlock(&table_mu);
  *out = &l->base;
  return PL_OK;
}

pl_status pl__lock_release(pl_file_lock *lock) {
  os_lock *l = (os_lock *)lock, **pp, *k;
  pl_status s;
  pl__mutex_lock(&table_mu);
  for (pp = &table; *pp && *pp != l; pp = &(*pp)->next) {}
  if (*pp == NULL) {
    pl__mutex_unlock(&table_mu);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "unlock of a lock this env does not hold");
  }
  *pp = l->next;
  s = pl__port_unlock(l->fd, l->path);
  pl__port_close(l->fd, l->path);
  while ((k = l->kept) != NULL) {
    l->kept = k->next;
    pl__port_close(k->fd, k->path);
    free_entry(k);
  }
  pl__mutex_unlock(&table_mu);
  free_entry(l);
  return s;
}
