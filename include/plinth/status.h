/* plinth — status codes and the per-thread error detail.
 *
 * Every plinth call that can fail returns a pl_status.  The code says what
 * kind of failure it was (LevelDB's set); the detail — the OS error number and
 * a message of the form "<path>: <OS text>" — is kept per thread and can be
 * read right after the failing call.  A successful call never touches the
 * detail and never allocates for errors.
 */
#ifndef PLINTH_STATUS_H
#define PLINTH_STATUS_H

#include "plinth/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pl_status {
  PL_OK = 0,
  PL_NOT_FOUND = 1,        /* the path (or a parent) does not exist */
  PL_CORRUPTION = 2,       /* data read back is not what was written */
  PL_NOT_SUPPORTED = 3,    /* this env or platform cannot do it */
  PL_INVALID_ARGUMENT = 4, /* the caller asked for something malformed */
  PL_IO_ERROR = 5          /* any other failure reported by the OS */
} pl_status;

/* Returns a static name for s: "OK", "NotFound", "Corruption",
 * "NotSupported", "InvalidArgument", "IOError"; "Unknown" otherwise. */
PL_API const char *pl_status_name(pl_status s);

/* Returns the OS error number (errno on POSIX, GetLastError() on Windows)
 * of the last failure recorded on this thread, or 0 if none was recorded
 * or it had no OS error.  Safe for concurrent use (per thread). */
PL_API int pl_error_os(void);

/* Returns the message of the last failure recorded on this thread, for
 * example "/data/LOG: No space left on device"; "" if none.  The string is
 * owned by the thread and valid until its next failing plinth call. */
PL_API const char *pl_error_message(void);

/* Records a failure on this thread and returns code, so an env (or a wrapper
 * written by a user) can write `return pl_error_set(PL_IO_ERROR, e, ...)`.
 * The message is formatted printf-style and truncated to 1 KiB; nothing is
 * allocated. */
PL_API pl_status pl_error_set(pl_status code, int os_error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Forgets the failure recorded on this thread. */
PL_API void pl_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_STATUS_H */
