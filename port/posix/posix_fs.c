/* POSIX: operations on names (no open file). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port/port.h"

pl_status pl__port_file_size(const char *path, uint64_t *size) {
  struct stat st;
  if (stat(path, &st) != 0) return pl__port_error(errno, path);
  *size = (uint64_t)st.st_size;
  return PL_OK;
}

int pl__port_path_id(const char *path, pl__file_id *out) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  out->volume = (uint64_t)st.st_dev;
  out->index[0] = (uint64_t)st.st_ino;
  out->index[1] = 0;
  return 1;
}

pl_status pl__port_exists(const char *path) {
  if (access(path, F_OK) == 0) return PL_OK;
  return pl__port_error(errno, path);
}

pl_status pl__port_list_dir(const char *dir, pl_strlist *out) {
  DIR *d;
  struct dirent *e;
  size_t cap = 0;
  out->items = NULL;
  out->count = 0;
  d = opendir(dir);
  if (d == NULL) return pl__port_error(errno, dir);
  for (;;) {
    errno = 0;
    e = readdir(d);
    if (e == NULL) break;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (out->count == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **n = realloc(out->items, ncap * sizeof *n);
      if (n == NULL) goto nomem;
      out->items = n;
      cap = ncap;
    }
    out->items[out->count] = strdup(e->d_name);
    if (out->items[out->count] == NULL) goto nomem;
    out->count++;
  }
  if (errno != 0) {
    int err = errno;
    closedir(d);
    pl_strlist_free(out);
    return pl__port_error(err, dir);
  }
  closedir(d);
  return PL_OK;
nomem:
  closedir(d);
  pl_strlist_free(out);
  return pl__port_error(ENOMEM, dir);
}

pl_status pl__port_remove_file(const char *path) {
  if (unlink(path) != 0) return pl__port_error(errno, path);
  return PL_OK;
}

pl_status pl__port_create_dir(const char *path) {
  if (mkdir(path, 0755) != 0) {
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return PL_OK;
    return pl__port_error(e, path);
  }
  return PL_OK;
}

pl_status pl__port_remove_dir(const char *path) {
  if (rmdir(path) != 0) return pl__port_error(errno, path);
  return PL_OK;
}

pl_status pl__port_rename(const char *from, const char *to) {
  if (rename(from, to) != 0) return pl__port_error_pair(errno, from, to);
  return PL_OK;
}

pl_status pl__port_symlink(const char *target, const char *path) {
  if (symlink(target, path) != 0) return pl__port_error(errno, path);
  return PL_OK;
}
