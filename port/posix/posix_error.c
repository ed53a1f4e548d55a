/* POSIX: errno -> plinth status and message, the one place that maps them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "port/port.h"

const char pl__port_name[] = "posix";

/* A missing file, or a missing directory on the way (ENOTDIR: a component
 * that is a file), is NotFound; everything else is IOError. */
static pl_status status_of(int os_error) {
  return os_error == ENOENT || os_error == ENOTDIR ? PL_NOT_FOUND : PL_IO_ERROR;
}

/* strerror_r has two incompatible signatures (GNU and XSI); strerror is
 * thread-safe in glibc and musl for valid numbers, which is all we pass. */
static void text_of(int os_error, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", strerror(os_error));
}

pl_status pl__port_error(int os_error, const char *path) {
  char text[256];
  text_of(os_error, text, sizeof text);
  return pl_error_set(status_of(os_error), os_error, "%s: %s", path, text);
}

pl_status pl__port_error_pair(int os_error, const char *from, const char *to) {
  char text[256];
  text_of(os_error, text, sizeof text);
  return pl_error_set(status_of(os_error), os_error, "%s -> %s: %s", from, to, text);
}
