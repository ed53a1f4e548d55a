/* plinth — what a backend supplies.  Internal: never installed.
 *
 * env/ builds the whole pl_env (buffering, sticky errors, the manifest rule,
 * lock table, background thread, read limits) once, on these primitives.  A
 * backend (port/posix, port/win32) implements only what differs between
 * operating systems, and is chosen by configure.  Every function that fails
 * records the detail with pl_error_set ("<path>: <OS text>") and returns
 * the status; none of them allocates on success except where it says so.
 */
#ifndef PLINTH_PORT_H
#define PLINTH_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/env.h"

/* An open file: a descriptor on POSIX, a HANDLE on Windows. */
typedef intptr_t pl__os_file;

enum {
  PL__OPEN_READ = 1,
  PL__OPEN_WRITE = 2,    /* read-write when combined with PL__OPEN_READ */
  PL__OPEN_CREATE = 4,
  PL__OPEN_TRUNCATE = 8,
  PL__OPEN_APPEND = 16,  /* position at the end when opened */
  PL__OPEN_DIRECTORY = 32,
  PL__OPEN_EXCLUSIVE = 64 /* with CREATE: fail if path exists, and never
                             follow a symbolic link at path */
};

/* Opens path (close-on-exec / not inheritable).  NotFound if missing. */
pl_status pl__port_open(const char *path, int flags, pl__os_file *out);
/* Closes f; path is only for the message. */
pl_status pl__port_close(pl__os_file f, const char *path);
/* Reads up to n bytes at the current position; retries interrupted calls. */
pl_status pl__port_read(pl__os_file f, void *buf, size_t n, size_t *got,
                       const char *path);
/* Reads up to n bytes at offset; *got < n only at end of file. */
pl_status pl__port_pread(pl__os_file f, uint64_t offset, void *buf, size_t n,
                        size_t *got, const char *path);
/* Writes all the pieces at the current position, looping on short writes
 * and interruptions. */
pl_status pl__port_writev(pl__os_file f, const pl_iovec *iov, int iovcnt,
                         const char *path);
/* Writes all n bytes at offset. */
pl_status pl__port_pwrite(pl__os_file f, uint64_t offset, const void *data,
                         size_t n, const char *path);
/* Moves the current position forward by n bytes. */
pl_status pl__port_skip(pl__os_file f, uint64_t n, const char *path);
/* Makes the file's data (and the metadata needed to read it) durable. */
pl_status pl__port_sync(pl__os_file f, const char *path);
/* Makes directory dir's entries durable; tolerates file systems that cannot
 * (EINVAL on POSIX).  NotFound if dir is missing or is not a directory
 * (ENOTDIR on POSIX; Windows would open and flush a file). */
pl_status pl__port_sync_dir(const char *dir);
/* Reserves [offset, offset+len); NotSupported where the OS cannot. */
pl_status pl__port_allocate(pl__os_file f, uint64_t offset, uint64_t len,
                           const char *path);
/* Size of an open file. */
pl_status pl__port_fsize(pl__os_file f, uint64_t *size, const char *path);
/* Maps the first size bytes read-only; size > 0. */
pl_status pl__port_mmap(pl__os_file f, uint64_t size, void **base,
                       const char *path);
void pl__port_munmap(void *base, uint64_t size);

/* Takes / releases the OS lock on an open file (whole file, exclusive,
 * without waiting).  On POSIX the lock belongs to the process, not to f:
 * closing ANY descriptor of the file in this process releases it. */
pl_status pl__port_lock(pl__os_file f, const char *path);
pl_status pl__port_unlock(pl__os_file f, const char *path);

/* A file's identity: the same for every name that leads to one file (any
 * spelling of the path, symbolic and hard links, and on Windows any case),
 * different for two files that exist at the same time.  POSIX: st_dev and
 * st_ino; Windows: the volume serial number and the file ID. */
typedef struct pl__file_id {
  uint64_t volume;
  uint64_t index[2];
} pl__file_id;

static inline int pl__file_id_equal(const pl__file_id *a, const pl__file_id *b) {
  return a->volume == b->volume && a->index[0] == b->index[0] && a->index[1] == b->index[1];
}

/* The identity of an open file. */
pl_status pl__port_file_id(pl__os_file f, pl__file_id *out, const char *path);
/* The identity of the file path names now, looked up without opening it
 * for reading or writing (so without disturbing a POSIX lock on it).
 * Returns 1 and fills *out if path names a file, 0 if it names nothing or
 * cannot be examined.  A query: it records no error of its own (a path the
 * Windows conversion refuses is refused again by the call that follows). */
int pl__port_path_id(const char *path, pl__file_id *out);

pl_status pl__port_file_size(const char *path, uint64_t *size);
/* OK if path exists, NotFound if not. */
pl_status pl__port_exists(const char *path);
/* Allocates the names (see pl_env.list_children). */
pl_status pl__port_list_dir(const char *dir, pl_strlist *out);
pl_status pl__port_remove_file(const char *path);
/* OK if it already exists as a directory. */
pl_status pl__port_create_dir(const char *path);
pl_status pl__port_remove_dir(const char *path);
/* Atomically replaces to if it exists. */
pl_status pl__port_rename(const char *from, const char *to);
/* Creates a symbolic link at path holding target (which is not checked or
 * followed).  NotSupported where the system has no symbolic links or the
 * caller may not make them. */
pl_status pl__port_symlink(const char *target, const char *path);

/* Writes the default test directory (under the system's temporary
 * directory, one per user; not created here) into buf. */
pl_status pl__port_temp_dir(char *buf, size_t cap);

/* Monotonic microseconds. */
uint64_t pl__port_now_micros(void);
void pl__port_sleep_micros(uint64_t micros);
/* Wall-clock time as "YYYY/MM/DD-HH:MM:SS.uuuuuu" (local time). */
void pl__port_format_time(char *buf, size_t cap);

/* Defaults for the read limits (see pl_env_platform_set_limits). */
int pl__port_default_mmap_limit(void);
int pl__port_default_read_fd_limit(void);

/* Records the OS's own error as a plinth failure: maps the error number to a
 * status (missing path -> NotFound, else IOError) and sets the message
 * "<path>: <OS text>".  os_error is errno or GetLastError(). */
pl_status pl__port_error(int os_error, const char *path);
/* The same mapping for a call on two paths (rename): the message is
 * "<from> -> <to>: <OS text>". */
pl_status pl__port_error_pair(int os_error, const char *from, const char *to);

/* The platform's name for pl_env.name. */
extern const char pl__port_name[];

#endif /* PLINTH_PORT_H */
