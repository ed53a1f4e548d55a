/* Writable-file calls that work on any env: formatted appends and the
 * optional positional methods. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "plinth/env.h"

pl_status pl_writable_vappendf(pl_writable_file *f, const char *fmt, va_list ap) {
  char stackbuf[512];
  char *p = stackbuf;
  va_list again;
  int n;
  pl_status s;
  va_copy(again, ap);
  n = vsnprintf(stackbuf, sizeof stackbuf, fmt, ap);
  if (n < 0) {
    va_end(again);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "appendf: bad format \"%s\"", fmt);
  }
  if ((size_t)n >= sizeof stackbuf) {
    p = malloc((size_t)n + 1);
    if (p == NULL) {
      va_end(again);
      return pl_error_set(PL_IO_ERROR, ENOMEM, "appendf: out of memory");
    }
    vsnprintf(p, (size_t)n + 1, fmt, again);
  }
  va_end(again);
  s = pl_writable_append(f, p, (size_t)n);
  if (p != stackbuf) free(p);
  return s;
}

pl_status pl_writable_appendf(pl_writable_file *f, const char *fmt, ...) {
  va_list ap;
  pl_status s;
  va_start(ap, fmt);
  s = pl_writable_vappendf(f, fmt, ap);
  va_end(ap);
  return s;
}

pl_status pl_writable_write_at(pl_writable_file *f, uint64_t offset, const void *data, size_t n) {
  if (f->methods->version < 2)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "write_at: this file has no positional writes (version %d table)",
                        f->methods->version);
  return f->methods->write_at(f, offset, data, n);
}

pl_status pl_writable_allocate(pl_writable_file *f, uint64_t offset, uint64_t len) {
  if (f->methods->version < 2)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "allocate: this file cannot preallocate (version %d table)",
                        f->methods->version);
  return f->methods->allocate(f, offset, len);
}
