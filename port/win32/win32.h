/* plinth — helpers shared by the Windows backend's files.  Internal. */
#ifndef PLINTH_PORT_WIN32_H
#define PLINTH_PORT_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "port/port.h"

/* Converts a UTF-8 path from the API into the UTF-16 path given to the wide
 * Win32 calls, made absolute and prefixed with \\?\ (\\?\UNC\ for shares)
 * so that paths longer than MAX_PATH work; '/' becomes '\'.  suffix (UTF-16,
 * e.g. L"\\*") is appended.  Stores a malloc'd string in *out; on failure
 * records the error (InvalidArgument for a path that is not UTF-8). */
pl_status pl__win32_path(const char *path, const wchar_t *suffix, wchar_t **out);

/* Converts UTF-16 to a malloc'd UTF-8 string; NULL if out of memory. */
char *pl__win32_narrow(const wchar_t *w);

/* The system's text for a Win32 error as UTF-8 in buf, without the
 * trailing newline and period. */
void pl__win32_error_text(DWORD err, char *buf, size_t cap);

/* Fills *out with the identity of the file h is open on; FALSE with
 * GetLastError() set if the system cannot tell. */
BOOL pl__win32_file_id(HANDLE h, pl__file_id *out);

/* The HANDLE behind a pl__os_file. */
static inline HANDLE pl__win32_handle(pl__os_file f) { return (HANDLE)f; }

#endif /* PLINTH_PORT_WIN32_H */
