/* A growable byte buffer (util/buf.h). */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

int pl__buf_reserve(pl__buf *b, size_t n) {
  size_t cap;
  unsigned char *p;
  if (b->cap - b->len >= n) return 1;
  if (n > SIZE_MAX - b->len) return 0;
  cap = b->cap ? b->cap : 256;
  while (cap - b->len < n) {
    if (cap > SIZE_MAX / 2) {
      cap = b->len + n;
      break;
    }
    cap *= 2;
  }
  p = realloc(b->p, cap);
  if (p == NULL) return 0;
  b->p = p;
  b->cap = cap;
  return 1;
}

int pl__buf_add(pl__buf *b, const void *d, size_t n) {
  if (!pl__buf_reserve(b, n)) return 0;
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
  return 1;
}

int pl__buf_add_str(pl__buf *b, const char *s) { return pl__buf_add(b, s, strlen(s)); }

int pl__buf_addf(pl__buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  char small[256];
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return 0;
  if ((size_t)n < sizeof small) return pl__buf_add(b, small, (size_t)n);
  /* Longer than the stack buffer: format straight into the reserved tail
   * (one byte more for vsnprintf's terminator, which len leaves out). */
  if (!pl__buf_reserve(b, (size_t)n + 1)) return 0;
  va_start(ap, fmt);
  vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 1;
}

void pl__buf_free(pl__buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
