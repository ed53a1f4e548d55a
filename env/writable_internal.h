/* plinth — the platform's writable file, shared by its two strategies:
 * buffered (env/writable.c) and mapped (env/writable_mapped.c).
 * Internal: never installed. */
#ifndef PLINTH_ENV_WRITABLE_INTERNAL_H
#define PLINTH_ENV_WRITABLE_INTERNAL_H

#include "env/env_internal.h"
#include "port/thread.h"

typedef struct os_writable {
  pl_writable_file base;
  pl__os_file fd;
  char *buf;
  size_t cap; /* buffer size; 0 = unbuffered */
  size_t len; /* bytes in buf */
  uint64_t opened_size; /* tell() = opened_size + stats.bytes */
  int sync_on_close;
  int is_manifest;
  int created_dirs;     /* open created directories not yet synced */
  size_t existing_len; /* dir[0..existing_len) existed before open */
  /* Where the directory syncs the contract promises go (the manifest rule,
   * create_parents): through the outermost wrapper, so a recording or
   * fault-injecting env sees them as the disk does. */
  pl_env *dir_env;
  pl_writable_stats stats;
  /* The first failure of a write or sync, replayed by every later call.
   * Set under sticky_mu: concurrent write_at calls may fail together. */
  pl__mutex sticky_mu;
  pl_status sticky;
  int sticky_os;
  char *sticky_msg;
  char *path;
  char *dir;
  /* PL_WRITABLE_MAPPED only. */
  struct {
    char *base;          /* the current window, NULL when none */
    uint64_t off;        /* file offset of base (a granularity multiple) */
    size_t len;          /* bytes mapped: from off to extent */
    uint64_t extent;     /* the file's size on disk (grown by step) */
    uint64_t step;       /* growth step */
    uint64_t keep;       /* close cuts to max(tell, keep): write_at and
                            allocate ends */
    uint64_t dirty_from; /* first file offset stored since the last sync
                            (UINT64_MAX: none) */
    int meta_dirty;      /* the size changed, or a window with unsynced
                            stores was unmapped, since the last sync */
  } map;
} os_writable;

/* Records the first failure (sticky) and returns s. */
pl_status pl__writable_fail(os_writable *w, pl_status s);
/* Returns the sticky failure again, with its message. */
pl_status pl__writable_replay_sticky(os_writable *w);
/* The sticky status, read under its mutex (for write_at). */
pl_status pl__writable_sticky_now(os_writable *w);
/* The directory syncs a sync owes first: the parents open created, then
 * the manifest rule.  Sticky on failure. */
pl_status pl__writable_dir_rules(os_writable *w);
/* Frees w and what it holds (not the descriptor). */
void pl__writable_free(os_writable *w);

/* The mapped strategy's methods, and what open does for it. */
extern const pl_writable_methods pl__mapped_writable_methods;
void pl__mapped_init(os_writable *w, uint64_t step);

#endif /* PLINTH_ENV_WRITABLE_INTERNAL_H */
