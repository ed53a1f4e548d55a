/* plinth — the environment: every file-system, thread and clock operation a
 * storage engine needs, as a table of function pointers.
 *
 * The shape follows SQLite's VFS: a pl_env is a struct of methods with a
 * version field, so methods can be added later without breaking envs built
 * against an older header (a caller checks `env->version` before using a
 * method added after version 1).  File objects are small structs whose first
 * member points at their method table; an implementation "subclasses" one by
 * embedding it as its first member.  Any env can be wrapped (see
 * env_wrapper.h), which is how the fault-injecting, recording and in-memory
 * envs are built.
 *
 * Paths are UTF-8 strings on every platform.  Every method returns a
 * pl_status; on failure the detail is in pl_error_os()/pl_error_message().
 */
#ifndef PLINTH_ENV_H
#define PLINTH_ENV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_ENV_VERSION 1

typedef struct pl_env pl_env;
typedef struct pl_sequential_file pl_sequential_file;
typedef struct pl_random_file pl_random_file;
typedef struct pl_writable_file pl_writable_file;
typedef struct pl_file_lock pl_file_lock;
typedef struct pl_logger pl_logger;

/* One piece of a vectored append. */
typedef struct pl_iovec {
  const void *base;
  size_t len;
} pl_iovec;

/* A list of names returned by list_children; free with pl_strlist_free. */
typedef struct pl_strlist {
  char **items;
  size_t count;
} pl_strlist;

/* Frees every name and the array, and leaves *list empty. */
PL_API void pl_strlist_free(pl_strlist *list);

/* ------------------------------------------------------------------------ */
/* Writable files                                                            */

#define PL_WRITABLE_DEFAULT_BUFFER (64 * 1024)

typedef struct pl_writable_options {
  /* Bytes buffered in memory before they are written to the OS.  0 means
   * every append goes straight to the OS.  An append at least this large is
   * never copied: it is written from the caller's memory. */
  size_t buffer_size;
  /* Non-zero: close() syncs before closing (a failed sync fails close). */
  int sync_on_close;
  /* Non-zero: missing parent directories are created.  The first sync of
   * the file then also syncs every directory from the deepest one that
   * already existed down to the file's own, so the new directories and the
   * file's entry are durable once that sync returns. */
  int create_parents;
  /* Non-zero: new_writable fails (IOError, EEXIST) if path exists, and a
   * symbolic link at path is never followed (O_CREAT|O_EXCL; CREATE_NEW
   * on Windows). */
  int exclusive;
  /* The env through which the file makes the directory operations its
   * contract promises: the manifest rule's directory sync, and with
   * create_parents the directories it creates and syncs.  Wrappers set it
   * to themselves (pl_env_wrapper_options does), so those operations pass
   * through every wrapper above the file's env like any other call: a
   * recording or fault-injecting env sees exactly what reaches the disk.
   * NULL: the env that opens the file. */
  pl_env *dir_env;
} pl_writable_options;

/* Fills *o with the defaults: 64 KiB buffer, no sync on close, no parents,
 * not exclusive, no dir_env. */
PL_API void pl_writable_options_init(pl_writable_options *o);

typedef struct pl_writable_stats {
  uint64_t bytes;     /* bytes accepted by append/appendv */
  uint64_t appends;   /* append/appendv calls that succeeded */
  uint64_t os_writes; /* write system calls issued (buffer drains) */
  uint64_t flushes;   /* flush calls that succeeded */
  uint64_t syncs;     /* sync calls that succeeded */
} pl_writable_stats;

typedef struct pl_writable_methods {
  int version;
  /* Appends n bytes.  The data may stay in the file's buffer until flush,
   * sync or close.  REQUIRES: external synchronization. */
  pl_status (*append)(pl_writable_file *f, const void *data, size_t n);
  /* Appends the pieces in order, as one append of their concatenation. */
  pl_status (*appendv)(pl_writable_file *f, const pl_iovec *iov, int iovcnt);
  /* Hands buffered data to the OS (survives a process crash, not a power
   * loss). */
  pl_status (*flush)(pl_writable_file *f);
  /* Flushes, then makes everything appended so far durable.  If the file's
   * name starts with "MANIFEST", its directory is synced first, so that the
   * files a manifest names have durable entries before it does. */
  pl_status (*sync)(pl_writable_file *f);
  /* Flushes (and syncs if sync_on_close), closes and frees f, even when it
   * fails; returns the first error. */
  pl_status (*close)(pl_writable_file *f);
  /* Returns the file's logical size: bytes in it when opened plus bytes
   * appended since, buffered or not. */
  uint64_t (*tell)(pl_writable_file *f);
  /* Copies the file's counters into *out. */
  void (*stats)(pl_writable_file *f, pl_writable_stats *out);
  /* Writes n bytes at offset, bypassing the buffer and leaving tell()
   * unchanged.  Safe for concurrent use with other write_at calls on
   * non-overlapping ranges; not with append.  May be NULL when the env has
   * no positional writes. */
  pl_status (*write_at)(pl_writable_file *f, uint64_t offset,
                        const void *data, size_t n);
  /* Reserves disk space for [offset, offset+len) so later writes there cannot
   * fail for lack of space (fallocate where the OS has it); the file's size
   * becomes at least offset+len.  May return PL_NOT_SUPPORTED. */
  pl_status (*allocate)(pl_writable_file *f, uint64_t offset, uint64_t len);
} pl_writable_methods;

/* Every failed write or sync is sticky: once one fails, every later
 * append/appendv/flush/sync/write_at on the same file returns that first
 * error again, because after a failed fsync the OS may have dropped the
 * dirty pages and a retry could falsely succeed (PostgreSQL, 2018). */
struct pl_writable_file {
  const pl_writable_methods *methods;
};

static inline pl_status pl_writable_append(pl_writable_file *f, const void *d, size_t n) { return f->methods->append(f, d, n); }
static inline pl_status pl_writable_appendv(pl_writable_file *f, const pl_iovec *iov, int cnt) { return f->methods->appendv(f, iov, cnt); }
static inline pl_status pl_writable_flush(pl_writable_file *f) { return f->methods->flush(f); }
static inline pl_status pl_writable_sync(pl_writable_file *f) { return f->methods->sync(f); }
static inline pl_status pl_writable_close(pl_writable_file *f) { return f->methods->close(f); }
static inline uint64_t pl_writable_tell(pl_writable_file *f) { return f->methods->tell(f); }
static inline void pl_writable_stats_get(pl_writable_file *f, pl_writable_stats *s) { f->methods->stats(f, s); }
/* write_at and allocate are optional: these return PL_NOT_SUPPORTED when the
 * file's env left them NULL. */
PL_API pl_status pl_writable_write_at(pl_writable_file *f, uint64_t offset, const void *data, size_t n);
PL_API pl_status pl_writable_allocate(pl_writable_file *f, uint64_t offset, uint64_t len);

/* Appends printf-style formatted text (no terminator is written).  Works on
 * any writable file: it formats into a stack buffer, or a heap one when the
 * text is larger than 512 bytes. */
PL_API pl_status pl_writable_appendf(pl_writable_file *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
PL_API pl_status pl_writable_vappendf(pl_writable_file *f, const char *fmt, va_list ap);

/* ------------------------------------------------------------------------ */
/* Reading files                                                             */

typedef struct pl_sequential_methods {
  int version;
  /* Reads up to n bytes into buf; *got is 0 only at end of file.
   * REQUIRES: external synchronization. */
  pl_status (*read)(pl_sequential_file *f, void *buf, size_t n, size_t *got);
  /* Skips n bytes; skipping past the end leaves the file at its end. */
  pl_status (*skip)(pl_sequential_file *f, uint64_t n);
  /* Closes and frees f. */
  void (*close)(pl_sequential_file *f);
} pl_sequential_methods;

struct pl_sequential_file {
  const pl_sequential_methods *methods;
};

typedef struct pl_random_methods {
  int version;
  /* Reads up to n bytes at offset.  *result points at the bytes: either into
   * scratch (which must hold n bytes) or into memory owned by the file (a
   * mapping), valid until close.  *got < n only at end of file.
   * Safe for concurrent use. */
  pl_status (*read_at)(pl_random_file *f, uint64_t offset, size_t n,
                       void *scratch, const char **result, size_t *got);
  /* Closes and frees f. */
  void (*close)(pl_random_file *f);
} pl_random_methods;

struct pl_random_file {
  const pl_random_methods *methods;
};

/* ------------------------------------------------------------------------ */
/* Locks and loggers                                                         */

/* A held lock; returned by lock_file and given back to unlock_file. */
struct pl_file_lock {
  pl_env *env; /* the env that made it */
};

typedef struct pl_logger_methods {
  int version;
  /* Writes one line: a timestamp, the thread, the formatted message and a
   * newline (unless the message ends in one).  Safe for concurrent use. */
  void (*logv)(pl_logger *l, const char *fmt, va_list ap);
  /* Flushes, closes and frees l. */
  void (*close)(pl_logger *l);
} pl_logger_methods;

struct pl_logger {
  const pl_logger_methods *methods;
};

PL_API void pl_logger_log(pl_logger *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Makes a logger that writes lines to an already open writable file, which
 * it owns from then on (closing the logger closes the file).  Any env can use
 * it for new_logger. */
PL_API pl_status pl_logger_from_writable(pl_writable_file *f, pl_logger **out);

/* ------------------------------------------------------------------------ */
/* The environment                                                           */

struct pl_env {
  int version;      /* PL_ENV_VERSION of the header it was built with */
  const char *name; /* "posix", "win32", "recording", ... */

  /* Opens path for reading from its start.  NotFound if it does not exist.
   * The returned file is used by one thread at a time. */
  pl_status (*new_sequential)(pl_env *env, const char *path,
                              pl_sequential_file **out);
  /* Opens path for positional reads; the file is safe for concurrent use. */
  pl_status (*new_random)(pl_env *env, const char *path, pl_random_file **out);
  /* Creates path, or truncates it if it exists, for appending.  opt may be
   * NULL for the defaults.  The new directory entry is durable only after
   * the directory is synced (sync_dir, or sync of a MANIFEST file). */
  pl_status (*new_writable)(pl_env *env, const char *path,
                            const pl_writable_options *opt,
                            pl_writable_file **out);
  /* Opens path for appending at its end, creating it if missing. */
  pl_status (*new_appendable)(pl_env *env, const char *path,
                              const pl_writable_options *opt,
                              pl_writable_file **out);
  /* PL_OK if path exists (file or directory), PL_NOT_FOUND if not. */
  pl_status (*file_exists)(pl_env *env, const char *path);
  /* Stores the names in dir (without "." and "..", in no set order) into
   * *out, which the caller frees with pl_strlist_free.  On failure *out is
   * left empty. */
  pl_status (*list_children)(pl_env *env, const char *dir, pl_strlist *out);
  /* Removes a file.  NotFound if it does not exist. */
  pl_status (*remove_file)(pl_env *env, const char *path);
  /* Creates a directory.  OK if it already exists as a directory. */
  pl_status (*create_dir)(pl_env *env, const char *path);
  /* Removes an empty directory. */
  pl_status (*remove_dir)(pl_env *env, const char *path);
  /* Stores the size of path in *size. */
  pl_status (*file_size)(pl_env *env, const char *path, uint64_t *size);
  /* Renames from to to, atomically replacing to if it exists.  Durable only
   * after the directories involved are synced. */
  pl_status (*rename)(pl_env *env, const char *from, const char *to);
  /* Locks path (creating it if needed) against other processes and against
   * this process: a second lock of the same file fails with PL_IO_ERROR
   * while the first is held, whatever name it is reached by (another
   * spelling of the path, a symbolic or hard link, on Windows another
   * case), and the refused attempt leaves the first lock as it was.  The
   * lock ends at unlock_file or when the process exits. */
  pl_status (*lock_file)(pl_env *env, const char *path, pl_file_lock **out);
  /* Releases and frees a lock from lock_file. */
  pl_status (*unlock_file)(pl_env *env, pl_file_lock *lock);
  /* Makes the entries of directory path (creates, renames, removals in it)
   * durable.  On file systems that cannot sync directories (the OS answers
   * EINVAL) this returns PL_OK: there is nothing more the env can do.
   * PL_NOT_FOUND if path does not exist or is not a directory. */
  pl_status (*sync_dir)(pl_env *env, const char *path);
  /* Runs fn(arg) on the env's background thread, after the work scheduled
   * before it (one thread, FIFO, started on first use).  Safe for concurrent
   * use. */
  void (*schedule)(pl_env *env, void (*fn)(void *), void *arg);
  /* Runs fn(arg) on a new detached thread. */
  pl_status (*start_thread)(pl_env *env, void (*fn)(void *), void *arg);
  /* Stores a directory for tests (NUL-terminated) in buf, creating it if
   * needed: $TEST_TMPDIR if set, else a per-user directory under the
   * system's temporary directory.  InvalidArgument if cap is too small. */
  pl_status (*test_directory)(pl_env *env, char *buf, size_t cap);
  /* Creates (truncating) a log file at path. */
  pl_status (*new_logger)(pl_env *env, const char *path, pl_logger **out);
  /* Microseconds since some fixed point; only differences are meaningful. */
  uint64_t (*now_micros)(pl_env *env);
  /* Sleeps for at least micros microseconds. */
  void (*sleep_micros)(pl_env *env, uint64_t micros);
};

/* The platform's env (POSIX or Windows, chosen at build time).  Lives for the
 * whole process; safe for concurrent use.  If the environment variable
 * PLINTH_TRACE names a file when it is first called, the env returned
 * records every durable operation to that file (see plinth/crash.h). */
PL_API pl_env *pl_env_default(void);

/* The platform env itself, never recording. */
PL_API pl_env *pl_env_platform(void);

/* Limits of the platform env, for tests and tuning.  They take effect for
 * files opened after the call.  mmap_limit: how many read-only files may be
 * memory mapped at once (default 1000 on 64-bit hosts, 0 on 32-bit).
 * read_fd_limit: how many random-access files may keep a descriptor open
 * (default a fifth of RLIMIT_NOFILE); beyond it each read opens the file. */
PL_API void pl_env_platform_set_limits(int mmap_limit, int read_fd_limit);
PL_API void pl_env_platform_get_limits(int *mmap_limit, int *read_fd_limit);

/* Calls that dispatch through the table, so code reads pl_env_<verb>. */
static inline pl_status pl_env_new_sequential(pl_env *e, const char *p, pl_sequential_file **o) { return e->new_sequential(e, p, o); }
static inline pl_status pl_env_new_random(pl_env *e, const char *p, pl_random_file **o) { return e->new_random(e, p, o); }
static inline pl_status pl_env_new_writable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) { return e->new_writable(e, p, opt, o); }
static inline pl_status pl_env_new_appendable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) { return e->new_appendable(e, p, opt, o); }
static inline pl_status pl_env_file_exists(pl_env *e, const char *p) { return e->file_exists(e, p); }
static inline pl_status pl_env_list_children(pl_env *e, const char *d, pl_strlist *o) { return e->list_children(e, d, o); }
static inline pl_status pl_env_remove_file(pl_env *e, const char *p) { return e->remove_file(e, p); }
static inline pl_status pl_env_create_dir(pl_env *e, const char *p) { return e->create_dir(e, p); }
static inline pl_status pl_env_remove_dir(pl_env *e, const char *p) { return e->remove_dir(e, p); }
static inline pl_status pl_env_file_size(pl_env *e, const char *p, uint64_t *s) { return e->file_size(e, p, s); }
static inline pl_status pl_env_rename(pl_env *e, const char *f, const char *t) { return e->rename(e, f, t); }
static inline pl_status pl_env_lock_file(pl_env *e, const char *p, pl_file_lock **o) { return e->lock_file(e, p, o); }
static inline pl_status pl_env_unlock_file(pl_env *e, pl_file_lock *l) { return e->unlock_file(e, l); }
static inline pl_status pl_env_sync_dir(pl_env *e, const char *p) { return e->sync_dir(e, p); }
static inline void pl_env_schedule(pl_env *e, void (*fn)(void *), void *a) { e->schedule(e, fn, a); }
static inline pl_status pl_env_start_thread(pl_env *e, void (*fn)(void *), void *a) { return e->start_thread(e, fn, a); }
static inline pl_status pl_env_test_directory(pl_env *e, char *b, size_t c) { return e->test_directory(e, b, c); }
static inline pl_status pl_env_new_logger(pl_env *e, const char *p, pl_logger **o) { return e->new_logger(e, p, o); }
static inline uint64_t pl_env_now_micros(pl_env *e) { return e->now_micros(e); }
static inline void pl_env_sleep_micros(pl_env *e, uint64_t us) { e->sleep_micros(e, us); }

static inline pl_status pl_sequential_read(pl_sequential_file *f, void *b, size_t n, size_t *got) { return f->methods->read(f, b, n, got); }
static inline pl_status pl_sequential_skip(pl_sequential_file *f, uint64_t n) { return f->methods->skip(f, n); }
static inline void pl_sequential_close(pl_sequential_file *f) { f->methods->close(f); }
static inline pl_status pl_random_read_at(pl_random_file *f, uint64_t off, size_t n, void *scratch, const char **res, size_t *got) { return f->methods->read_at(f, off, n, scratch, res, got); }
static inline void pl_random_close(pl_random_file *f) { f->methods->close(f); }

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_ENV_H */
