/* File locks: the backend's lock, plus a table of the paths this process
 * holds.  fcntl locks belong to the process, so a second lock of the same
 * file from the same process would silently succeed (and closing either
 * descriptor would drop both); the table turns that into an error. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "port/thread.h"

typedef struct os_lock {
  pl_file_lock base;
  pl__os_file fd;
  char *path;
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

pl_status pl__lock_acquire(pl_env *env, const char *path, pl_file_lock **out) {
  os_lock *l, *it;
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
  for (it = table; it; it = it->next) {
    if (strcmp(it->path, path) == 0) {
      pl__mutex_unlock(&table_mu);
      free(l->path);
      free(l);
      return pl_error_set(PL_IO_ERROR, 0, "%s: lock already held by this process", path);
    }
  }
  s = pl__port_open(path, PL__OPEN_READ | PL__OPEN_WRITE | PL__OPEN_CREATE, &l->fd);
  if (s == PL_OK) {
    s = pl__port_lock(l->fd, path);
    if (s != PL_OK) pl__port_close(l->fd, path);
  }
  if (s != PL_OK) {
    pl__mutex_unlock(&table_mu);
    free(l->path);
    free(l);
    return s;
  }
  l->next = table;
  table = l;
  pl__mutex_unlock(&table_mu);
  *out = &l->base;
  return PL_OK;
}

pl_status pl__lock_release(pl_file_lock *lock) {
  os_lock *l = (os_lock *)lock, **pp;
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
  pl__mutex_unlock(&table_mu);
  free(l->path);
  free(l);
  return s;
}
