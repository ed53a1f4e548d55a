/* plinth — a pl_env over Ceph RADOS (librados): a tree of files in a pool.
 *
 * Built into its own library, libplinth_rados, when configure finds
 * librados (libplinth itself never links it).  Every pl_env method works;
 * where the meaning differs from POSIX it is said here and in
 * env/rados/README.md, with the test that shows it.
 *
 * Layout in the pool (and namespace, if one is given):
 *   "d:<path>"        one object per directory; its omap maps each child's
 *                     name to "d" (a directory) or "f:<id>" (a file)
 *   "f:<id>.<n>"      the file's bytes, striped: object n holds bytes
 *                     [n * stripe_size, (n + 1) * stripe_size)
 *   "l:<path>"        the object lock_file locks
 * Paths are absolute ("a/b" means "/a/b"); "." and ".." are resolved by
 * name, and "/" always exists.
 *
 * Durability: a RADOS write is acknowledged once every replica has it, so
 *   - namespace changes (create, rename, remove, create_dir, remove_dir)
 *     are durable when the call returns: sync_dir has nothing left to do
 *     and only checks that the directory exists;
 *   - append buffers (64 KiB by default); flush sends the buffer as an
 *     asynchronous write and returns without waiting; sync sends what is
 *     buffered, then waits for the acknowledgement of every write sent so
 *     far and returns the first error among them.  A failed write or sync
 *     is sticky, as on POSIX: every later append/flush/sync/write_at/close
 *     returns it.  close waits for every write too.
 * Rename is one atomic omap operation when both names are in the same
 * directory.  Across directories it is two: the new name is added, then
 * the old one removed; a failure (or a crash) between them leaves the file
 * under both names.  Renaming a directory is NotSupported.
 * Locks are RADOS exclusive locks with a lease (lock_lease_ms): a thread
 * renews every held lock each third of the lease; if the holder dies
 * (even by SIGKILL) the lock is free again at most one lease later.
 * Every call waits at most op_timeout_ms for the cluster (librados'
 * rados_osd_op_timeout / rados_mon_op_timeout), then fails with IOError
 * (ETIMEDOUT); a write that timed out is a failed write (sticky).
 */
#ifndef PLINTH_RADOS_H
#define PLINTH_RADOS_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/env.h"
#include "plinth/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_RADOS_DEFAULT_STRIPE_SIZE (8u << 20)
#define PL_RADOS_DEFAULT_OP_TIMEOUT_MS 30000u
#define PL_RADOS_DEFAULT_LOCK_LEASE_MS 30000u
#define PL_RADOS_DEFAULT_MAX_INFLIGHT 32u

typedef struct pl_rados_options {
  /* ceph.conf to read; NULL: librados' search ($CEPH_CONF, /etc/ceph/...). */
  const char *conf_path;
  /* The pool holding the tree.  Required; it must exist. */
  const char *pool;
  /* A RADOS namespace in the pool, so several trees share one pool; NULL
   * or "" for the default namespace. */
  const char *rados_namespace;
  /* Ceph client id ("admin" for client.admin); NULL: librados' default. */
  const char *client_id;
  /* Bytes per data object.  Default 8 MiB; files of any size span as many
   * objects as they need. */
  uint64_t stripe_size;
  /* How long any one call waits for the cluster, in milliseconds (rounded
   * up to whole seconds, librados' unit).  0: wait forever.  Default 30 s. */
  unsigned op_timeout_ms;
  /* Lease of a lock: how long after its holder stops renewing it (dies) a
   * lock is free for others.  Default 30 s; at least 1000. */
  unsigned lock_lease_ms;
  /* Asynchronous writes a writable file may have unacknowledged before
   * append/flush waits for the oldest.  Default 32. */
  unsigned max_inflight;
} pl_rados_options;

/* Fills *o with the defaults (every pointer NULL). */
PL_API void pl_rados_options_init(pl_rados_options *o);

/* Connects to the cluster, opens the pool and namespace, and makes sure
 * the root directory exists.  On success *out is an env that is safe for
 * concurrent use; close it with pl_rados_env_close.  NotFound if the pool
 * does not exist, InvalidArgument for bad options, IOError if the cluster
 * cannot be reached within the timeout.  *out is NULL on failure. */
PL_API pl_status pl_rados_env_open(const pl_rados_options *o, pl_env **out);

/* The same, with the options from the environment:
 *   PLINTH_RADOS_POOL (required), PLINTH_RADOS_CONF, PLINTH_RADOS_NAMESPACE,
 *   PLINTH_RADOS_CLIENT, PLINTH_RADOS_STRIPE_SIZE (bytes),
 *   PLINTH_RADOS_TIMEOUT_MS, PLINTH_RADOS_LEASE_MS.
 * InvalidArgument if PLINTH_RADOS_POOL is unset or a number is malformed. */
PL_API pl_status pl_rados_env_open_from_environment(pl_env **out);

/* Releases every lock still held, waits for nothing else (files must be
 * closed first), disconnects and frees env.  REQUIRES: env came from
 * pl_rados_env_open* and no file, lock or logger made by it is still in
 * use. */
PL_API void pl_rados_env_close(pl_env *env);

/* Operations a RADOS env has sent to the cluster since it was opened:
 * what its callers' work cost in round trips.  Every field only grows. */
typedef struct pl_rados_stats {
  uint64_t reads;      /* reads of data objects (one per object touched) */
  uint64_t read_bytes; /* bytes they returned (read-ahead included) */
  uint64_t writes;     /* writes of data objects: appends, write_at, gap fills */
  uint64_t write_bytes;
  uint64_t meta_ops;   /* everything else: directory entries, sizes,
                        * removals, truncation, locks and their renewals */
} pl_rados_stats;

/* Fills *out with env's counts.  REQUIRES: env is a RADOS env. */
PL_API void pl_rados_env_stats(pl_env *env, pl_rados_stats *out);

/* Non-zero if env is a RADOS env. */
PL_API int pl_rados_env_is(const pl_env *env);

/* The RADOS object names a file's bytes occupy: the number of data objects
 * in *count (0 for an empty file), and, if name is not NULL, the name of
 * object `index` in name[0..cap).  For tests and tools that look at the
 * pool directly.  NotFound if path is not a file. */
PL_API pl_status pl_rados_file_objects(pl_env *env, const char *path, size_t index,
                                       char *name, size_t cap, uint64_t *count);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_RADOS_H */
