/* Whole-file helpers on the pl_env vtable: they work on every backend and
 * under every wrapper. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/file_util.h"
#include "util/error.h"

pl_status pl_file_write_all(pl_env *env, const char *path, const void *data,
                            size_t n, int sync) {
  pl_writable_options opt;
  pl_writable_file *f;
  pl_status s;
  pl__error_saved first;
  pl_writable_options_init(&opt);
  opt.buffer_size = 0; /* one write from the caller's memory, no copy */
  s = pl_env_new_writable(env, path, &opt, &f);
  if (s != PL_OK) return s;
  s = pl_writable_append(f, data, n);
  if (s == PL_OK && sync) s = pl_writable_sync(f);
  if (s == PL_OK) {
    s = pl_writable_close(f);
    if (s == PL_OK) return PL_OK;
    pl__error_save(&first, s);
  } else {
    /* Saved before close: closing a failed file replays its sticky error
     * as an "earlier failure", which would hide what went wrong. */
    pl__error_save(&first, s);
    pl_writable_close(f);
  }
  /* Removing the partial file must not overwrite the first error either. */
  pl_env_remove_file(env, path);
  return pl__error_restore(&first);
}

pl_status pl_file_read_all(pl_env *env, const char *path, char **data,
                           size_t *n) {
  pl_sequential_file *f;
  pl_status s;
  size_t cap = 8192, len = 0;
  char *buf;
  *data = NULL;
  *n = 0;
  s = pl_env_new_sequential(env, path, &f);
  if (s != PL_OK) return s;
  buf = malloc(cap);
  for (;;) {
    size_t got;
    if (buf == NULL) {
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
      break;
    }
    if (cap - len < 4096 + 1) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        continue;
      }
      buf = nb;
      cap *= 2;
    }
    s = pl_sequential_read(f, buf + len, cap - len - 1, &got);
    if (s != PL_OK || got == 0) break;
    len += got;
  }
  pl_sequential_close(f);
  if (s != PL_OK) {
    free(buf);
    return s;
  }
  buf[len] = '\0';
  *data = buf;
  *n = len;
  return PL_OK;
}

pl_status pl_file_replace(pl_env *env, const char *path, const void *data,
                          size_t n) {
  char dir[4096];
  char *tmp;
  size_t len = strlen(path);
  pl_status s = pl_path_dirname(path, dir, sizeof dir);
  if (s != PL_OK) return s;
  tmp = malloc(len + sizeof ".tmp-plinth");
  if (tmp == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp-plinth", sizeof ".tmp-plinth");
  /* The data must be durable before the rename can be: otherwise a power
   * loss may leave the new name pointing at an empty or torn file. */
  s = pl_file_write_all(env, tmp, data, n, 1);
  if (s == PL_OK) {
    s = pl_env_rename(env, tmp, path);
    if (s != PL_OK) {
      pl__error_saved first;
      pl__error_save(&first, s);
      pl_env_remove_file(env, tmp);
      pl__error_restore(&first);
    }
  }
  /* The rename is durable only once the directory holding it is synced. */
  if (s == PL_OK) s = pl_env_sync_dir(env, dir);
  free(tmp);
  return s;
}

pl_status pl_file_clear_dir(pl_env *env, const char *dir) {
  pl_strlist names = {0};
  size_t i, len = strlen(dir);
  pl_status s = pl_env_list_children(env, dir, &names);
  for (i = 0; s == PL_OK && i < names.count; i++) {
    size_t nlen = strlen(names.items[i]);
    char *path = malloc(len + nlen + 2);
    if (path == NULL) {
      s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
      break;
    }
    memcpy(path, dir, len);
    path[len] = '/';
    memcpy(path + len + 1, names.items[i], nlen + 1);
    /* Not a file, or not removable as one: try it as a directory, and
     * report the file's own error if it is not one either. */
    if (pl_env_remove_file(env, path) != PL_OK) {
      pl__error_saved as_file;
      pl__error_save(&as_file, PL_IO_ERROR);
      s = pl_file_remove_tree(env, path);
      if (s == PL_NOT_FOUND) s = pl__error_restore(&as_file);
    }
    free(path);
  }
  pl_strlist_free(&names);
  return s;
}

pl_status pl_file_remove_tree(pl_env *env, const char *dir) {
  pl_status s = pl_file_clear_dir(env, dir);
  return s == PL_OK ? pl_env_remove_dir(env, dir) : s;
}
