/* plinth — whole-file helpers built only on the pl_env vtable, so they work
 * on every backend and under every wrapper (recording, fault injection). */
#ifndef PLINTH_FILE_UTIL_H
#define PLINTH_FILE_UTIL_H

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes data to path (creating or truncating it).  If sync is non-zero the
 * data is synced before close.  On failure the partial file is removed. */
PL_API pl_status pl_file_write_all(pl_env *env, const char *path, const void *data,
                            size_t n, int sync);

/* Reads all of path into a new buffer (NUL-terminated past *n, for
 * convenience) that the caller frees with free().  On failure *data is NULL
 * and *n is 0. */
PL_API pl_status pl_file_read_all(pl_env *env, const char *path, char **data,
                           size_t *n);

/* Replaces the contents of path atomically and durably: after it returns OK,
 * a power loss leaves path with the new contents; if it fails or the power is
 * lost before it returns, path holds either its old contents or the new ones,
 * never a mix or nothing.  Steps: write "<path>.tmp-plinth", sync it, rename
 * it over path, sync the directory.  On failure the temporary file is
 * removed. */
PL_API pl_status pl_file_replace(pl_env *env, const char *path, const void *data,
                          size_t n);

/* Removes everything inside dir (files and directories, recursively) and
 * keeps dir itself.  Returns the first failure, with its path; NotFound if
 * dir does not exist. */
PL_API pl_status pl_file_clear_dir(pl_env *env, const char *dir);

/* Removes dir and everything inside it. */
PL_API pl_status pl_file_remove_tree(pl_env *env, const char *dir);

/* Writes the directory part of path (or "." if it has none) into buf. */
PL_API pl_status pl_path_dirname(const char *path, char *buf, size_t cap);

/* Returns a pointer to the last component of path (inside path). */
PL_API const char *pl_path_basename(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_FILE_UTIL_H */
