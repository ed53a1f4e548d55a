/* Loggers: text lines with a timestamp and thread id, on any writable
 * file, flushed line by line so a crash keeps what was logged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/port.h"
#include "plinth/env.h"
#include "port/thread.h"

typedef struct file_logger {
  pl_logger base;
  pl_writable_file *file;
  pl__mutex mu;
} file_logger;

static void l_logv(pl_logger *l, const char *fmt, va_list ap) {
  file_logger *fl = (file_logger *)l;
  char stackbuf[512];
  char *line = stackbuf;
  char stamp[64];
  size_t head, cap = sizeof stackbuf;
  int n;
  va_list again;
  pl__port_format_time(stamp, sizeof stamp);
  head = (size_t)snprintf(stackbuf, cap, "%s %llx ", stamp,
                          (unsigned long long)pl__thread_self_id());
  if (head >= cap) head = cap - 1;
  va_copy(again, ap);
  n = vsnprintf(stackbuf + head, cap - head, fmt, ap);
  if (n < 0) n = 0;
  if (head + (size_t)n + 2 > cap) {
    cap = head + (size_t)n + 2;
    line = malloc(cap);
    if (line == NULL) {
      /* Keep the truncated line rather than nothing. */
      line = stackbuf;
      cap = sizeof stackbuf;
      n = (int)(cap - head - 2);
    } else {
      memcpy(line, stackbuf, head);
      vsnprintf(line + head, cap - head, fmt, again);
    }
  }
  va_end(again);
  n = (int)head + n;
  if (n == 0 || line[n - 1] != '\n') line[n++] = '\n';
  pl__mutex_lock(&fl->mu);
  /* A logger has nowhere to report its own failure; the file's sticky error
   * keeps later lines from pretending otherwise. */
  if (pl_writable_append(fl->file, line, (size_t)n) == PL_OK) pl_writable_flush(fl->file);
  pl__mutex_unlock(&fl->mu);
  if (line != stackbuf) free(line);
}

static void l_close(pl_logger *l) {
  file_logger *fl = (file_logger *)l;
  pl_writable_close(fl->file);
  pl__mutex_destroy(&fl->mu);
  free(fl);
}

static const pl_logger_methods file_logger_methods = {PL_LOGGER_VERSION, l_logv, l_close};

pl_status pl_logger_from_writable(pl_writable_file *f, pl_logger **out) {
  file_logger *fl = calloc(1, sizeof *fl);
  *out = NULL;
  if (fl == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "logger: out of memory");
  fl->base.methods = &file_logger_methods;
  fl->file = f;
  pl__mutex_init(&fl->mu);
  *out = &fl->base;
  return PL_OK;
}

void pl_logger_log(pl_logger *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  l->methods->logv(l, fmt, ap);
  va_end(ap);
}
