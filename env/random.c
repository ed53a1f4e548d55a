/* The platform's random-access file: a memory mapping while the mmap limit
 * allows, else a kept descriptor with positional reads while the descriptor
 * limit allows, else a descriptor opened for each read (slow, but an engine
 * with thousands of tables must not run out of descriptors). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "port/thread.h"

/* How many mappings / kept descriptors may still be handed out.  A limit
 * change adjusts these by the difference, so files open at the time keep
 * their slots. */
static pl__mutex limits_mu = PL__MUTEX_INIT;
static int limits_ready;
static int mmap_limit, fd_limit;
static int mmap_free, fd_free;

static void limits_init_locked(void) {
  if (limits_ready) return;
  mmap_limit = mmap_free = pl__port_default_mmap_limit();
  fd_limit = fd_free = pl__port_default_read_fd_limit();
  limits_ready = 1;
}

void pl_env_platform_set_limits(int new_mmap, int new_fd) {
  pl__mutex_lock(&limits_mu);
  limits_init_locked();
  mmap_free += new_mmap - mmap_limit;
  fd_free += new_fd - fd_limit;
  mmap_limit = new_mmap;
  fd_limit = new_fd;
  pl__mutex_unlock(&limits_mu);
}

void pl_env_platform_get_limits(int *m, int *f) {
  pl__mutex_lock(&limits_mu);
  limits_init_locked();
  if (m) *m = mmap_limit;
  if (f) *f = fd_limit;
  pl__mutex_unlock(&limits_mu);
}

static int take_slot(int *slot) {
  int ok;
  pl__mutex_lock(&limits_mu);
  limits_init_locked();
  ok = *slot > 0;
  if (ok) (*slot)--;
  pl__mutex_unlock(&limits_mu);
  return ok;
}

static void give_slot(int *slot) {
  pl__mutex_lock(&limits_mu);
  (*slot)++;
  pl__mutex_unlock(&limits_mu);
}

enum { MODE_MMAP, MODE_FD, MODE_REOPEN };

typedef struct os_random {
  pl_random_file base;
  int mode;
  pl__os_file fd;  /* MODE_FD */
  char *map;      /* MODE_MMAP */
  uint64_t size;  /* MODE_MMAP */
  char *path;
} os_random;

static pl_status r_read_at(pl_random_file *f, uint64_t offset, size_t n,
                           void *scratch, const char **result, size_t *got) {
  os_random *r = (os_random *)f;
  pl_status s;
  if (r->mode == MODE_MMAP) {
    size_t avail = offset >= r->size ? 0 : (size_t)(r->size - offset);
    *got = n < avail ? n : avail;
    *result = r->map + (offset < r->size ? offset : r->size);
    return PL_OK;
  }
  *result = scratch;
  if (r->mode == MODE_FD) return pl__port_pread(r->fd, offset, scratch, n, got, r->path);
  {
    pl__os_file fd;
    s = pl__port_open(r->path, PL__OPEN_READ, &fd);
    if (s != PL_OK) {
      *got = 0;
      return s;
    }
    s = pl__port_pread(fd, offset, scratch, n, got, r->path);
    pl__port_close(fd, r->path);
    return s;
  }
}

static void r_close(pl_random_file *f) {
  os_random *r = (os_random *)f;
  if (r->mode == MODE_MMAP) {
    pl__port_munmap(r->map, r->size);
    give_slot(&mmap_free);
  } else if (r->mode == MODE_FD) {
    pl__port_close(r->fd, r->path);
    give_slot(&fd_free);
  }
  free(r->path);
  free(r);
}

static const pl_random_methods os_random_methods = {PL_RANDOM_VERSION, r_read_at, r_close};

pl_status pl__random_open(const char *path, pl_random_file **out) {
  os_random *r = calloc(1, sizeof *r);
  pl__os_file fd;
  pl_status s;
  *out = NULL;
  if (r == NULL || (r->path = strdup(path)) == NULL) {
    free(r);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  r->base.methods = &os_random_methods;
  s = pl__port_open(path, PL__OPEN_READ, &fd);
  if (s != PL_OK) goto fail;
  if (take_slot(&mmap_free)) {
    s = pl__port_fsize(fd, &r->size, path);
    if (s == PL_OK && r->size > 0) s = pl__port_mmap(fd, r->size, (void **)&r->map, path);
    if (s == PL_OK && r->size > 0) {
      /* The mapping outlives the descriptor; keeping it would only use up
       * the descriptor budget. */
      pl__port_close(fd, path);
      r->mode = MODE_MMAP;
      *out = &r->base;
      return PL_OK;
    }
    give_slot(&mmap_free);
    if (s != PL_OK) {
      pl__port_close(fd, path);
      goto fail;
    }
  }
  if (take_slot(&fd_free)) {
    r->mode = MODE_FD;
    r->fd = fd;
  } else {
    pl__port_close(fd, path);
    r->mode = MODE_REOPEN;
  }
  *out = &r->base;
  return PL_OK;
fail:
  free(r->path);
  free(r);
  return s;
}
