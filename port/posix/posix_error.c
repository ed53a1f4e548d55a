/* POSIX: errno -> plinth status and message. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "port/port.h"

const char pl__port_name[] = "posix";

pl_status pl__port_error(int os_error, const char *path) {
  char text[256];
  pl_status code = PL_IO_ERROR;
  /* strerror_r has two incompatible signatures (GNU and XSI); strerror is
   * thread-safe in glibc and musl for valid numbers, which is all we pass. */
  snprintf(text, sizeof text, "%s", strerror(os_error));
  if (os_error == ENOENT || os_error == ENOTDIR) code = PL_NOT_FOUND;
  return pl_error_set(code, os_error, "%s: %s", path, text);
}
