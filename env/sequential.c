/* The platform's sequential file: reads straight from the backend; callers
 * (log readers) bring their own buffers. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"

typedef struct os_sequential {
  pl_sequential_file base;
  pl__os_file fd;
  char *path;
} os_sequential;

static pl_status s_read(pl_sequential_file *f, void *buf, size_t n, size_t *got) {
  os_sequential *s = (os_sequential *)f;
  return pl__port_read(s->fd, buf, n, got, s->path);
}

static pl_status s_skip(pl_sequential_file *f, uint64_t n) {
  os_sequential *s = (os_sequential *)f;
  return pl__port_skip(s->fd, n, s->path);
}

static void s_close(pl_sequential_file *f) {
  os_sequential *s = (os_sequential *)f;
  pl__port_close(s->fd, s->path);
  free(s->path);
  free(s);
}

static const pl_sequential_methods os_sequential_methods = {PL_SEQUENTIAL_VERSION, s_read, s_skip, s_close};

pl_status pl__sequential_open(const char *path, pl_sequential_file **out) {
  os_sequential *s = calloc(1, sizeof *s);
  pl_status st;
  *out = NULL;
  if (s == NULL || (s->path = strdup(path)) == NULL) {
    free(s);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  st = pl__port_open(path, PL__OPEN_READ, &s->fd);
  if (st != PL_OK) {
    free(s->path);
    free(s);
    return st;
  }
  s->base.methods = &os_sequential_methods;
  *out = &s->base;
  return PL_OK;
}
