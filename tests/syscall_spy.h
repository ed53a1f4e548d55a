/* A system-call spy for every platform's suites.  It replaces the entries of
 * the backend's system-call table (port/syscalls.h) with functions that log
 * each call — its portable kind, the backend's own call, and the path of
 * the file it acts on (/proc/self/fd on Linux, GetFinalPathNameByHandleW on
 * Windows, the argument for calls on names) — and then run the real call,
 * or fail it with a chosen OS error, or make a write come back short.
 * Suites that use it link libplinth_core.la ($(PL_TEST_INTERNAL_LDADD)).
 *
 * Kinds are portable: a test says "the file's data sync" and the spy maps
 * it to fdatasync (fsync, F_FULLFSYNC) on POSIX and to FlushFileBuffers on
 * a file on Windows. */
#ifndef PLINTH_TESTS_SYSCALL_SPY_H
#define PLINTH_TESTS_SYSCALL_SPY_H

#include <stddef.h>

enum {
  SPY_OPEN,      /* open / CreateFileW */
  SPY_CLOSE,     /* close / CloseHandle */
  SPY_READ,      /* read, pread / ReadFile */
  SPY_WRITE,     /* write, writev, pwrite / WriteFile */
  SPY_SEEK,      /* lseek / SetFilePointerEx */
  SPY_FILE_SYNC, /* fdatasync, fsync, F_FULLFSYNC on a file / FlushFileBuffers */
  SPY_DIR_SYNC,  /* fsync on a directory / FlushFileBuffers on a directory */
  SPY_ALLOCATE,  /* fallocate, posix_fallocate / SetFileInformationByHandle */
  SPY_STAT,      /* stat, fstat, access / GetFileAttributes*, GetFileSizeEx,
                    GetFileInformationByHandle*, SetFileAttributesW */
  SPY_MAP,       /* mmap / CreateFileMappingW, MapViewOfFile */
  SPY_LOCK,      /* fcntl(F_SETLK) / LockFileEx, UnlockFileEx */
  SPY_LIST,      /* opendir, readdir / FindFirstFileExW, FindNextFileW */
  SPY_REMOVE,    /* unlink / DeleteFileW */
  SPY_MKDIR,     /* mkdir / CreateDirectoryW */
  SPY_RMDIR,     /* rmdir / RemoveDirectoryW */
  SPY_RENAME,    /* rename / MoveFileExW (path = the target) */
  SPY_SYMLINK,   /* symlink */
  SPY_KINDS
};

/* The kind's name ("file sync"), for messages. */
const char *spy_kind_name(int kind);

typedef struct spy_call {
  int kind;
  const char *call;    /* the backend's call: "fdatasync", "FlushFileBuffers" */
  char path[1024];     /* UTF-8, '/' separated; "" if unknown */
  unsigned long flags; /* MoveFileExW's flags, CreateFileW's access; 0
                          elsewhere */
  int writable;        /* CLOSE: something was written (or allocated)
                          through the descriptor since it was opened */
} spy_call;

/* Installs the spy in the system-call table (again), forgets the log, the
 * counts and every planned failure. */
void spy_reset(void);
/* Puts the system's own calls back in the table. */
void spy_uninstall(void);

/* Number of calls logged (the log keeps the first 4096) and the i-th. */
int spy_count(void);
const spy_call *spy_at(int i);
/* Number of calls of kind so far, logged or not. */
int spy_total(int kind);
/* Number of logged calls of kind whose path ends with suffix ('/'
 * separated on every platform), and the index of the first (-1: none). */
int spy_count_kind(int kind, const char *suffix);
int spy_find(int kind, const char *suffix);

/* The next `times` calls of kind fail with OS error err (errno, or a Win32
 * error on Windows), without effect, after `skip` that run normally. */
void spy_fail(int kind, int err, int skip, int times);
/* The next `times` writes that ask for more than max bytes, after `skip`
 * such writes, store only max bytes (max 0: half of what was asked, for
 * every write of two bytes or more). */
void spy_short_writes(size_t max, int skip, int times);
/* Stops every planned failure and short write (the counts go on). */
void spy_disarm(void);
/* Number of failures and short writes made so far, and the last call that
 * was made to fail (NULL if none). */
int spy_injected(void);
const spy_call *spy_last_injected(void);

/* CreateFileW's access when a file is opened only to read its attributes
 * (FILE_READ_ATTRIBUTES). */
#define SPY_OPEN_ATTRIBUTES_ONLY 0x80ul

/* The platform's errors, for the portable tests. */
enum {
  SPY_E_IO,          /* EIO / ERROR_IO_DEVICE */
  SPY_E_NOSPACE,     /* ENOSPC / ERROR_DISK_FULL */
  SPY_E_INTERRUPTED, /* EINTR / none (0): Windows calls are not interrupted */
  SPY_E_DENIED,      /* EACCES / ERROR_ACCESS_DENIED */
  SPY_E_BUSY,        /* EBUSY / ERROR_SHARING_VIOLATION */
  SPY_E_CROSS_DEVICE /* EXDEV / ERROR_NOT_SAME_DEVICE */
};
int spy_os_error(int which);

/* The call that makes a file's data durable here: "fdatasync" (or "fsync"
 * where configure found no fdatasync), "FlushFileBuffers" on Windows. */
const char *spy_file_sync_call(void);
/* The errors a directory sync may meet on file systems that cannot sync
 * directories, which plinth tolerates: EINVAL on POSIX; on Windows
 * ERROR_INVALID_FUNCTION and ERROR_ACCESS_DENIED.  Returns how many, at
 * most cap, stored in out. */
int spy_dir_sync_refusals(int *out, int cap);
/* Whether c (a SPY_RENAME) replaced its target in one atomic call:
 * rename(2), or MoveFileExW with REPLACE_EXISTING and WRITE_THROUGH. */
int spy_rename_is_atomic_replace(const spy_call *c);

#endif
