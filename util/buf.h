/* plinth — a growable byte buffer.  Internal.
 *
 * Zero-initialize (`pl__buf b = {0};`), add, free.  Every function that
 * grows the buffer returns 0 (and leaves it unchanged) when memory runs out
 * or the size would overflow, 1 on success; callers turn 0 into their own
 * out-of-memory status. */
#ifndef PLINTH_UTIL_BUF_H
#define PLINTH_UTIL_BUF_H

#include <stddef.h>

typedef struct pl__buf {
  unsigned char *p;
  size_t len, cap;
} pl__buf;

/* Makes room for n more bytes after len. */
int pl__buf_reserve(pl__buf *b, size_t n);
/* Appends n bytes of d. */
int pl__buf_add(pl__buf *b, const void *d, size_t n);
/* Appends a NUL-terminated string, without its terminator. */
int pl__buf_add_str(pl__buf *b, const char *s);
/* Appends printf-style formatted text, without a terminator. */
int pl__buf_addf(pl__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Frees the memory and leaves b empty. */
void pl__buf_free(pl__buf *b);

#endif /* PLINTH_UTIL_BUF_H */
