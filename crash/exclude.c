/* Leaving files out of a trace (pl_crash_trace_exclude): files whose
 * contents no recovery reads — SQLite's -shm index, rebuilt from the WAL
 * by the first connection after a crash — only multiply the states to
 * explore. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"
#include "util/u32map.h"

/* '*' any run of characters but '/', '?' one character but '/'. */
static int glob_match(const char *p, const char *s) {
  for (; *p; p++, s++) {
    if (*p == '*') {
      for (;; s++) {
        if (glob_match(p + 1, s)) return 1;
        if (*s == '\0' || *s == '/') return 0;
      }
    }
    if (*s == '\0' || *s == '/' || (*p != '?' && *p != *s)) return 0;
  }
  return *s == '\0';
}

/* Non-zero if path, or a directory above it, matches: a pattern without
 * '/' against each name in the path, one with '/' against each leading
 * part of it. */
int pl__path_excluded(const char *pattern, const char *path) {
  char buf[4096];
  size_t i, n;
  int with_slash = strchr(pattern, '/') != NULL;
  if (path == NULL || path[0] == '\0') return 0;
  n = strlen(path);
  if (n >= sizeof buf) return 0;
  for (i = 0; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    if (with_slash) {
      memcpy(buf, path, i);
      buf[i] = '\0';
    } else {
      size_t start = i;
      while (start > 0 && path[start - 1] != '/') start--;
      memcpy(buf, path + start, i - start);
      buf[i - start] = '\0';
    }
    if (glob_match(pattern, buf)) return 1;
  }
  return 0;
}

pl_status pl_crash_trace_exclude(pl_crash_trace *t, const char *pattern, size_t *removed) {
  pl__u32map gone = {0}; /* handles of excluded files */
  size_t i, k = 0;
  if (removed) *removed = 0;
  if (pattern == NULL || pattern[0] == '\0') return pl_error_set(PL_INVALID_ARGUMENT, 0, "exclude: empty pattern");
  /* First the refusals, so a refused call leaves t as it was. */
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *o = &t->ops[i];
    if ((o->kind == PL_CRASH_RENAME || o->kind == PL_CRASH_LINK || o->kind == PL_CRASH_EXCHANGE) &&
        pl__path_excluded(pattern, o->path) != pl__path_excluded(pattern, o->path2))
      return pl_error_set(PL_INVALID_ARGUMENT, 0,
                          "exclude %s: op %lu (%s %s -> %s) moves a file between an excluded name and a kept "
                          "one: its contents would be lost",
                          pattern, (unsigned long)i, pl_crash_op_name(o->kind), o->path, o->path2);
  }
  for (i = 0; i < t->count; i++) {
    pl_crash_op *o = &t->ops[i];
    int drop = 0;
    switch (o->kind) {
      case PL_CRASH_CREATE:
      case PL_CRASH_OPEN:
        drop = pl__path_excluded(pattern, o->path);
        if (drop && !pl__u32map_put(&gone, o->handle, 1)) {
          pl__u32map_free(&gone);
          return pl_error_set(PL_IO_ERROR, ENOMEM, "exclude: out of memory");
        }
        /* A handle reused for a kept file is kept from here on. */
        if (!drop && pl__u32map_get(&gone, o->handle) == 1) pl__u32map_put(&gone, o->handle, 0);
        break;
      case PL_CRASH_WRITE:
      case PL_CRASH_EXTEND:
      case PL_CRASH_SYNC:
      case PL_CRASH_ZERO:
      case PL_CRASH_SYNC_RANGE:
        drop = pl__u32map_get(&gone, o->handle) == 1;
        break;
      case PL_CRASH_TRUNCATE:
        drop = o->path ? pl__path_excluded(pattern, o->path) : pl__u32map_get(&gone, o->handle) == 1;
        break;
      case PL_CRASH_UNLINK:
      case PL_CRASH_MKDIR:
      case PL_CRASH_RMDIR:
      case PL_CRASH_SYMLINK:
        drop = pl__path_excluded(pattern, o->path);
        break;
      case PL_CRASH_RENAME:
      case PL_CRASH_LINK:
      case PL_CRASH_EXCHANGE:
        drop = pl__path_excluded(pattern, o->path); /* and path2: checked above */
        break;
      default:
        break;
    }
    if (drop) {
      free(o->path);
      free(o->path2);
      free(o->data);
      if (removed) (*removed)++;
      continue;
    }
    t->ops[k++] = *o;
  }
  t->count = k;
  pl__u32map_free(&gone);
  return PL_OK;
}
