/* plinth — group commit over a sink other than a plain file.  Internal:
 * never installed.
 *
 * pl_group_commit_open writes each batch to a file with one vectored append
 * and one sync.  A write path that frames records itself (the record log)
 * plugs its own sink into the same batching loop instead of running a
 * second one: the appender gathers the records, calls sink.write with the
 * batch and the length of every record in it, then sink.sync, and wakes the
 * batch's waiters with the result.  Everything else -- wake modes, bounded
 * queue, durable waits, sticky failures, counters -- is pl_group_commit's.
 */
#ifndef PLINTH_ENV_GROUP_COMMIT_INTERNAL_H
#define PLINTH_ENV_GROUP_COMMIT_INTERNAL_H

#include <stddef.h>

#include "plinth/group_commit.h"

typedef struct pl__gc_sink {
  /* Writes one batch: count records, record i being lens[i] bytes, one
   * after the other in data[0..len).  Called on one thread at a time, in
   * batch order. */
  pl_status (*write)(void *arg, const char *data, size_t len, const size_t *lens, size_t count);
  /* Makes every batch written so far durable. */
  pl_status (*sync)(void *arg);
  void *arg;
} pl__gc_sink;

/* Starts a group-commit appender over sink (copied); opt as for
 * pl_group_commit_open (append_existing and file_options are ignored).
 * pl_group_commit_close drains and stops it but does not touch the sink,
 * which belongs to the caller. */
pl_status pl__group_commit_start(pl_env *env, const pl__gc_sink *sink,
                                 const pl_group_commit_options *opt, pl_group_commit **out);

#endif /* PLINTH_ENV_GROUP_COMMIT_INTERNAL_H */
