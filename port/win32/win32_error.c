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

pl_status pl__port_error(int os_error, const char *path) {
  char text[512];
  pl_status code = PL_IO_ERROR;
  pl__win32_error_text((DWORD)os_error, text, sizeof text);
  switch ((DWORD)os_error) {
    /* The Windows counterparts of ENOENT and ENOTDIR: a missing file, a
     * missing directory on the way, a directory name that is a file. */
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_DIRECTORY:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
      code = PL_NOT_FOUND;
      break;
    default:
      break;
  }
  return pl_error_set(code, os_error, "%s: %s", path, text);
}
