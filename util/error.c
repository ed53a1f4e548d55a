/* Status names and the per-thread failure detail. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "plinth/status.h"
#include "util/error.h"

/* Fixed per-thread storage: recording a failure must not allocate (it may be
 * reporting ENOMEM), and a success path never touches it. */
static _Thread_local int tl_os_error;
static _Thread_local char tl_message[1024];

const char *pl_status_name(pl_status s) {
  switch (s) {
    case PL_OK: return "OK";
    case PL_NOT_FOUND: return "NotFound";
    case PL_CORRUPTION: return "Corruption";
    case PL_NOT_SUPPORTED: return "NotSupported";
    case PL_INVALID_ARGUMENT: return "InvalidArgument";
    case PL_IO_ERROR: return "IOError";
  }
  return "Unknown";
}

int pl_error_os(void) { return tl_os_error; }

const char *pl_error_message(void) { return tl_message; }

pl_status pl_error_set(pl_status code, int os_error, const char *fmt, ...) {
  va_list ap;
  tl_os_error = os_error;
  va_start(ap, fmt);
  vsnprintf(tl_message, sizeof tl_message, fmt, ap);
  va_end(ap);
  return code;
}

void pl_error_clear(void) {
  tl_os_error = 0;
  tl_message[0] = '\0';
}

pl_status pl__error_save(pl__error_saved *e, pl_status code) {
  e->code = code;
  e->os = tl_os_error;
  snprintf(e->message, sizeof e->message, "%s", tl_message);
  return code;
}

pl_status pl__error_restore(const pl__error_saved *e) {
  return pl_error_set(e->code, e->os, "%s", e->message);
}
