/* Path splitting shared by every backend.  Both separators are accepted so
 * that Windows paths split the same way POSIX ones do. */
#include "config.h"

#include <string.h>

#include "plinth/file_util.h"

static int is_sep(char c) { return c == '/' || c == '\\'; }

const char *pl_path_basename(const char *path) {
  const char *base = path;
  const char *p;
  for (p = path; *p; p++)
    if (is_sep(*p)) base = p + 1;
  return base;
}

pl_status pl_path_dirname(const char *path, char *buf, size_t cap) {
  const char *base = pl_path_basename(path);
  size_t len = (size_t)(base - path);
  /* Drop the separators between the directory and the name, but keep a
   * root ("/x" -> "/"). */
  while (len > 1 && is_sep(path[len - 1])) len--;
  if (len == 0) {
    if (cap < 2) return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: buffer too small", path);
    strcpy(buf, ".");
    return PL_OK;
  }
  if (len + 1 > cap) return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: path too long", path);
  memcpy(buf, path, len);
  buf[len] = '\0';
  return PL_OK;
}
