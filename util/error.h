/* plinth — keeping a failure's detail across cleanup.  Internal.
 *
 * After a call fails, the cleanup that follows (closing the file, removing
 * a temporary) may fail too and overwrite this thread's detail.  The first
 * failure is the one the caller must see: save it before cleaning up,
 * restore it after. */
#ifndef PLINTH_UTIL_ERROR_H
#define PLINTH_UTIL_ERROR_H

#include "plinth/status.h"

typedef struct pl__error_saved {
  pl_status code;
  int os;
  char message[1024];
} pl__error_saved;

/* Saves code with this thread's current OS error and message; returns
 * code. */
pl_status pl__error_save(pl__error_saved *e, pl_status code);
/* Makes the saved failure this thread's detail again; returns its code. */
pl_status pl__error_restore(const pl__error_saved *e);

#endif /* PLINTH_UTIL_ERROR_H */
