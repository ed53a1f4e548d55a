/* Windows: GetLastError() -> plinth status and message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/win32/win32.h"

const char pl__port_name[] = "win32";

void pl__win32_error_text(DWORD err, char *buf, size_t cap) {
  wchar_t *text = NULL;
  char *utf8;
  DWORD n;
  size_t len;
  /* FORMAT_MESSAGE_IGNORE_INSERTS: some system messages contain %1 inserts
   * that would otherwise read arguments we do not pass. */
  n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER |
                         FORMAT_MESSAGE_IGNORE_INSERTS,
                     NULL, err, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                     (LPWSTR)&text, 0, NULL);
  utf8 = n ? pl__win32_narrow(text) : NULL;
  if (text) LocalFree(text);
  if (utf8 == NULL) {
    snprintf(buf, cap, "Windows error %lu", (unsigned long)err);
    return;
  }
  len = strlen(utf8);
  while (len > 0 && (utf8[len - 1] == '\n' || utf8[len - 1] == '\r' ||
                     utf8[len - 1] == ' ' || utf8[len - 1] == '.'))
    len--;
  utf8[len] = '\0';
  snprintf(buf, cap, "%s", utf8);
  free(utf8);
}

/* The Windows counterparts of ENOENT and ENOTDIR (a missing file, a missing
 * directory on the way, a directory name that is a file) are NotFound;
 * everything else is IOError. */
static pl_status status_of(int os_error) {
  switch ((DWORD)os_error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_DIRECTORY:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
      return PL_NOT_FOUND;
    default:
      return PL_IO_ERROR;
  }
}

pl_status pl__port_error(int os_error, const char *path) {
  char text[512];
  pl__win32_error_text((DWORD)os_error, text, sizeof text);
  return pl_error_set(status_of(os_error), os_error, "%s: %s", path, text);
}

pl_status pl__port_error_pair(int os_error, const char *from, const char *to) {
  char text[512];
  pl__win32_error_text((DWORD)os_error, text, sizeof text);
  return pl_error_set(status_of(os_error), os_error, "%s -> %s: %s", from, to, text);
}
