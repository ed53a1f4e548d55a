/* plinth probe: the platform's raw sync methods, measured beside plinth's
 * own.  probe.c is portable; probe_raw_<platform>.c supplies the raw ones. */
#ifndef PLINTH_TOOLS_PROBE_H
#define PLINTH_TOOLS_PROBE_H

#include <stddef.h>

/* One way of writing a block durably.  open prepares path (already
 * existing, block_size bytes long) and returns a handle, or -1 with a
 * reason in why (for example "not supported by this file system").  op
 * writes the block at offset 0 and makes it durable. */
typedef struct probe_method {
  const char *name;
  long (*open)(const char *path, size_t block_size, char *why, size_t why_cap);
  int (*op)(long handle, const void *block, size_t block_size, char *why, size_t why_cap);
  void (*close)(long handle);
} probe_method;

/* The platform's raw methods, ending with a NULL name. */
extern const probe_method probe_raw_methods[];

/* Describes what a directory fsync on dir does: "works", "EINVAL
 * (tolerated by plinth)", or the error. */
void probe_raw_dir_sync(const char *dir, char *out, size_t cap);

/* Allocates a block aligned for direct I/O. */
void *probe_raw_alloc(size_t size);
void probe_raw_free(void *p);

/* Non-zero if standard error is a terminal (progress redraws in place). */
int probe_raw_stderr_is_tty(void);

#endif
