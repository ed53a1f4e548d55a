/* A Win32 call spy for the Windows suites, the counterpart of
 * syscall_spy.h.  The test program defines the import pointers
 * __imp_FlushFileBuffers, __imp_WriteFile and __imp_MoveFileExW itself; in
 * a static link the backend's calls, which go through those pointers, then
 * reach the spy, which logs them with the path of their handle and can make
 * them fail with a chosen Win32 error before calling the real function. */
#ifndef PLINTH_TESTS_WIN32_SPY_H
#define PLINTH_TESTS_WIN32_SPY_H

#include <stddef.h>

enum {
  WSPY_FLUSH_FILE, /* FlushFileBuffers on a file */
  WSPY_FLUSH_DIR,  /* FlushFileBuffers on a directory */
  WSPY_WRITE,      /* WriteFile */
  WSPY_MOVE,       /* MoveFileExW (path = the target) */
  WSPY_KINDS
};

typedef struct wspy_call {
  int kind;
  char path[1024];     /* UTF-8, '/' separated */
  unsigned long flags; /* MoveFileExW's flags */
} wspy_call;

/* Forgets the log and every planned failure. */
void wspy_reset(void);
int wspy_count(void);
const wspy_call *wspy_at(int i);
/* Number of logged calls of kind whose path ends with suffix ('/' or '\'
 * separated), and the index of the first one (-1 if none). */
int wspy_count_kind(int kind, const char *suffix);
int wspy_find(int kind, const char *suffix);
/* The next `times` calls of kind fail with Win32 error err, without
 * effect, after `skip` calls that run normally. */
void wspy_fail(int kind, unsigned long err, int skip, int times);

#endif
