/* See syscall_spy.h.  The common part (log, plans) first, then each
 * platform's replacements for its system-call table. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "port/syscalls.h"
#include "port/thread.h"
#include "tests/syscall_spy.h"

#define MAX_CALLS 4096

static pl__mutex mu = PL__MUTEX_INIT;
static spy_call calls[MAX_CALLS];
static int ncalls;
static int totals[SPY_KINDS];
static struct {
  int err, skip, times;
} plan[SPY_KINDS];
static size_t short_max;
static int short_skip, short_times;
static int injected;
static spy_call last_injected;
static int have_last_injected;

/* Descriptors or handles written through since they were opened, so a
 * close can say whether it might lose data (spy_call.writable). */
#define MAX_WRITTEN 256
static intptr_t written[MAX_WRITTEN];
static int nwritten;

static void note_written(intptr_t h) {
  int i;
  pl__mutex_lock(&mu);
  for (i = 0; i < nwritten && written[i] != h; i++) {}
  if (i == nwritten && nwritten < MAX_WRITTEN) written[nwritten++] = h;
  pl__mutex_unlock(&mu);
}

/* Forgets h; returns whether it had been written through. */
static int forget_written(intptr_t h) {
  int i, was = 0;
  pl__mutex_lock(&mu);
  for (i = 0; i < nwritten; i++)
    if (written[i] == h) {
      written[i] = written[--nwritten];
      was = 1;
      break;
    }
  pl__mutex_unlock(&mu);
  return was;
}

static const char *const kind_names[SPY_KINDS] = {
    "open", "close", "read", "write", "seek", "file sync", "directory sync", "allocate", "stat",
    "map", "lock", "list", "remove", "mkdir", "rmdir", "rename", "symlink"};

const char *spy_kind_name(int kind) {
  return kind >= 0 && kind < SPY_KINDS ? kind_names[kind] : "?";
}

static void install(void);

void spy_reset(void) {
  pl__mutex_lock(&mu);
  ncalls = 0;
  memset(totals, 0, sizeof totals);
  memset(plan, 0, sizeof plan);
  short_times = 0;
  short_skip = 0;
  injected = 0;
  have_last_injected = 0;
  nwritten = 0;
  pl__mutex_unlock(&mu);
  install();
}

void spy_uninstall(void) { pl__sys_reset(); }

int spy_count(void) {
  int n;
  pl__mutex_lock(&mu);
  n = ncalls;
  pl__mutex_unlock(&mu);
  return n;
}

const spy_call *spy_at(int i) { return &calls[i]; }

int spy_total(int kind) {
  int n;
  pl__mutex_lock(&mu);
  n = totals[kind];
  pl__mutex_unlock(&mu);
  return n;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix), i;
  if (a < b) return 0;
  for (i = 0; i < b; i++) {
    char x = s[a - b + i], y = suffix[i];
    if (x == '\\') x = '/';
    if (y == '\\') y = '/';
    if (x != y) return 0;
  }
  return 1;
}

int spy_count_kind(int kind, const char *suffix) {
  int i, n = 0, end = spy_count();
  for (i = 0; i < end; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) n++;
  return n;
}

int spy_find(int kind, const char *suffix) {
  int i, end = spy_count();
  for (i = 0; i < end; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) return i;
  return -1;
}

void spy_fail(int kind, int err, int skip, int times) {
  pl__mutex_lock(&mu);
  plan[kind].err = err;
  plan[kind].skip = skip;
  plan[kind].times = times;
  pl__mutex_unlock(&mu);
}

void spy_short_writes(size_t max, int skip, int times) {
  pl__mutex_lock(&mu);
  short_max = max;
  short_skip = skip;
  short_times = times;
  pl__mutex_unlock(&mu);
}

void spy_disarm(void) {
  pl__mutex_lock(&mu);
  memset(plan, 0, sizeof plan);
  short_times = 0;
  pl__mutex_unlock(&mu);
}

int spy_injected(void) {
  int n;
  pl__mutex_lock(&mu);
  n = injected;
  pl__mutex_unlock(&mu);
  return n;
}

const spy_call *spy_last_injected(void) { return have_last_injected ? &last_injected : NULL; }

/* Logs a call and returns the planned error for it, or 0 to run it. */
static int enter(int kind, const char *call, const char *path, unsigned long flags, int writable) {
  int err = 0;
  spy_call c;
  c.kind = kind;
  c.call = call;
  snprintf(c.path, sizeof c.path, "%s", path ? path : "");
  c.flags = flags;
  c.writable = writable;
  pl__mutex_lock(&mu);
  if (ncalls < MAX_CALLS) calls[ncalls++] = c;
  totals[kind]++;
  if (plan[kind].times > 0) {
    if (plan[kind].skip > 0) {
      plan[kind].skip--;
    } else {
      plan[kind].times--;
      err = plan[kind].err;
      injected++;
      last_injected = c;
      have_last_injected = 1;
    }
  }
  pl__mutex_unlock(&mu);
  return err;
}

/* How many of n bytes the next write may store (n if it is not short). */
static size_t write_limit(size_t n, const char *call, const char *path) {
  size_t out = n;
  pl__mutex_lock(&mu);
  if (short_times > 0 && n > 1 && (short_max == 0 || short_max < n)) {
    if (short_skip > 0) {
      short_skip--;
    } else {
      short_times--;
      out = short_max > 0 ? short_max : n / 2;
      {
        injected++;
        last_injected.kind = SPY_WRITE;
        last_injected.call = call;
        snprintf(last_injected.path, sizeof last_injected.path, "%s", path);
        last_injected.flags = 0;
        last_injected.writable = 1;
        have_last_injected = 1;
      }
    }
  }
  pl__mutex_unlock(&mu);
  return out;
}

#if !defined(_WIN32)
/* ---- POSIX ------------------------------------------------------------ */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL pl__sys_default

int spy_os_error(int which) {
  switch (which) {
    case SPY_E_IO: return EIO;
    case SPY_E_NOSPACE: return ENOSPC;
    case SPY_E_INTERRUPTED: return EINTR;
    case SPY_E_DENIED: return EACCES;
    case SPY_E_BUSY: return EBUSY;
    default: return EXDEV;
  }
}

const char *spy_file_sync_call(void) {
#if HAVE_DECL_F_FULLFSYNC
  return "F_FULLFSYNC";
#elif HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  return "fdatasync";
#else
  return "fsync";
#endif
}

int spy_dir_sync_refusals(int *out, int cap) {
  if (cap < 1) return 0;
  out[0] = EINVAL;
  return 1;
}

int spy_rename_is_atomic_replace(const spy_call *c) {
  return c->kind == SPY_RENAME && strcmp(c->call, "rename") == 0;
}

static void fd_path(int fd, char *buf, size_t cap) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, buf, cap - 1);
  buf[n < 0 ? 0 : n] = '\0';
}

/* Logs a call on descriptor fd; returns the planned error or 0. */
static int enter_fd(int kind, const char *call, int fd) {
  char path[1024];
  fd_path(fd, path, sizeof path);
  return enter(kind, call, path, 0, 0);
}

static int sync_kind(int fd) {
  struct stat st;
  return REAL.fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? SPY_DIR_SYNC : SPY_FILE_SYNC;
}

#define FAIL_IF(expr, bad)      \
  do {                          \
    int e_ = (expr);            \
    if (e_ != 0) {              \
      errno = e_;               \
      return bad;               \
    }                           \
  } while (0)

static int s_open(const char *path, int flags, mode_t mode) {
  FAIL_IF(enter(SPY_OPEN, "open", path, 0, 0), -1);
  return REAL.open(path, flags, mode);
}

static int s_close(int fd) {
  char path[1024];
  int err;
  fd_path(fd, path, sizeof path);
  err = enter(SPY_CLOSE, "close", path, 0, forget_written(fd));
  /* A failed close still closes the descriptor on Linux (EINTR, EIO):
   * close it, then report the error. */
  if (err) {
    REAL.close(fd);
    errno = err;
    return -1;
  }
  return REAL.close(fd);
}

static ssize_t s_read(int fd, void *buf, size_t n) {
  FAIL_IF(enter_fd(SPY_READ, "read", fd), -1);
  return REAL.read(fd, buf, n);
}

static ssize_t s_pread(int fd, void *buf, size_t n, off_t off) {
  FAIL_IF(enter_fd(SPY_READ, "pread", fd), -1);
  return REAL.pread(fd, buf, n, off);
}

static ssize_t s_write(int fd, const void *buf, size_t n) {
  char path[1024];
  fd_path(fd, path, sizeof path);
  FAIL_IF(enter(SPY_WRITE, "write", path, 0, 1), -1);
  note_written(fd);
  return REAL.write(fd, buf, write_limit(n, "write", path));
}

static ssize_t s_writev(int fd, const struct iovec *iov, int iovcnt) {
  char path[1024];
  size_t total = 0, limit;
  int i;
  fd_path(fd, path, sizeof path);
  FAIL_IF(enter(SPY_WRITE, "writev", path, 0, 1), -1);
  note_written(fd);
  for (i = 0; i < iovcnt; i++) total += iov[i].iov_len;
  limit = write_limit(total, "writev", path);
  if (limit < total) {
    /* Short: only the first `limit` bytes, as a write that stopped there. */
    struct iovec v[64];
    int k;
    size_t left = limit;
    for (k = 0; k < iovcnt && k < 64 && left > 0; k++) {
      v[k] = iov[k];
      if (v[k].iov_len > left) v[k].iov_len = left;
      left -= v[k].iov_len;
    }
    return REAL.writev(fd, v, k);
  }
  return REAL.writev(fd, iov, iovcnt);
}

static ssize_t s_pwrite(int fd, const void *buf, size_t n, off_t off) {
  char path[1024];
  fd_path(fd, path, sizeof path);
  FAIL_IF(enter(SPY_WRITE, "pwrite", path, 0, 1), -1);
  note_written(fd);
  return REAL.pwrite(fd, buf, write_limit(n, "pwrite", path), off);
}

static off_t s_lseek(int fd, off_t off, int whence) {
  FAIL_IF(enter_fd(SPY_SEEK, "lseek", fd), (off_t)-1);
  return REAL.lseek(fd, off, whence);
}

static int s_fsync(int fd) {
  FAIL_IF(enter_fd(sync_kind(fd), "fsync", fd), -1);
  return REAL.fsync(fd);
}

#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
static int s_fdatasync(int fd) {
  FAIL_IF(enter_fd(sync_kind(fd), "fdatasync", fd), -1);
  return REAL.fdatasync(fd);
}
#endif

static int s_fcntl(int fd, int cmd, void *arg) {
  if (cmd == F_SETLK) FAIL_IF(enter_fd(SPY_LOCK, "F_SETLK", fd), -1);
#if HAVE_DECL_F_FULLFSYNC
  if (cmd == F_FULLFSYNC) FAIL_IF(enter_fd(sync_kind(fd), "F_FULLFSYNC", fd), -1);
#endif
  return REAL.fcntl(fd, cmd, arg);
}

#if HAVE_FALLOCATE
static int s_fallocate(int fd, int mode, off_t off, off_t len) {
  FAIL_IF(enter_fd(SPY_ALLOCATE, "fallocate", fd), -1);
  note_written(fd);
  return REAL.fallocate(fd, mode, off, len);
}
#elif HAVE_POSIX_FALLOCATE
static int s_posix_fallocate(int fd, off_t off, off_t len) {
  int err = enter_fd(SPY_ALLOCATE, "posix_fallocate", fd);
  if (err) return err; /* it returns the error instead of setting errno */
  return REAL.posix_fallocate(fd, off, len);
}
#endif

static int s_fstat(int fd, struct stat *st) {
  FAIL_IF(enter_fd(SPY_STAT, "fstat", fd), -1);
  return REAL.fstat(fd, st);
}

static int s_stat(const char *path, struct stat *st) {
  FAIL_IF(enter(SPY_STAT, "stat", path, 0, 0), -1);
  return REAL.stat(path, st);
}

static int s_access(const char *path, int mode) {
  FAIL_IF(enter(SPY_STAT, "access", path, 0, 0), -1);
  return REAL.access(path, mode);
}

static void *s_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off) {
  FAIL_IF(enter_fd(SPY_MAP, "mmap", fd), MAP_FAILED);
  return REAL.mmap(addr, n, prot, flags, fd, off);
}

static DIR *s_opendir(const char *path) {
  FAIL_IF(enter(SPY_LIST, "opendir", path, 0, 0), NULL);
  return REAL.opendir(path);
}

static struct dirent *s_readdir(DIR *d) {
  char path[1024];
  fd_path(dirfd(d), path, sizeof path);
  FAIL_IF(enter(SPY_LIST, "readdir", path, 0, 0), NULL);
  return REAL.readdir(d);
}

static int s_unlink(const char *path) {
  FAIL_IF(enter(SPY_REMOVE, "unlink", path, 0, 0), -1);
  return REAL.unlink(path);
}

static int s_mkdir(const char *path, mode_t mode) {
  FAIL_IF(enter(SPY_MKDIR, "mkdir", path, 0, 0), -1);
  return REAL.mkdir(path, mode);
}

static int s_rmdir(const char *path) {
  FAIL_IF(enter(SPY_RMDIR, "rmdir", path, 0, 0), -1);
  return REAL.rmdir(path);
}

static int s_rename(const char *from, const char *to) {
  FAIL_IF(enter(SPY_RENAME, "rename", to, 0, 0), -1);
  return REAL.rename(from, to);
}

static int s_symlink(const char *target, const char *path) {
  FAIL_IF(enter(SPY_SYMLINK, "symlink", path, 0, 0), -1);
  return REAL.symlink(target, path);
}

static void install(void) {
  pl__sys.open = s_open;
  pl__sys.close = s_close;
  pl__sys.read = s_read;
  pl__sys.pread = s_pread;
  pl__sys.write = s_write;
  pl__sys.writev = s_writev;
  pl__sys.pwrite = s_pwrite;
  pl__sys.lseek = s_lseek;
  pl__sys.fsync = s_fsync;
#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  pl__sys.fdatasync = s_fdatasync;
#endif
  pl__sys.fcntl = s_fcntl;
#if HAVE_FALLOCATE
  pl__sys.fallocate = s_fallocate;
#elif HAVE_POSIX_FALLOCATE
  pl__sys.posix_fallocate = s_posix_fallocate;
#endif
  pl__sys.fstat = s_fstat;
  pl__sys.stat = s_stat;
  pl__sys.access = s_access;
  pl__sys.mmap = s_mmap;
  pl__sys.opendir = s_opendir;
  pl__sys.readdir = s_readdir;
  pl__sys.unlink = s_unlink;
  pl__sys.mkdir = s_mkdir;
  pl__sys.rmdir = s_rmdir;
  pl__sys.rename = s_rename;
  pl__sys.symlink = s_symlink;
  /* munmap and closedir stay the system's: plinth cannot act on their
   * failure (nothing is left to retry or report). */
}

#else
/* ---- Windows ---------------------------------------------------------- */

#define REAL pl__sys_default

int spy_os_error(int which) {
  switch (which) {
    case SPY_E_IO: return ERROR_IO_DEVICE;
    case SPY_E_NOSPACE: return ERROR_DISK_FULL;
    case SPY_E_INTERRUPTED: return 0;
    case SPY_E_DENIED: return ERROR_ACCESS_DENIED;
    case SPY_E_BUSY: return ERROR_SHARING_VIOLATION;
    default: return ERROR_NOT_SAME_DEVICE;
  }
}

const char *spy_file_sync_call(void) { return "FlushFileBuffers"; }

int spy_dir_sync_refusals(int *out, int cap) {
  int n = 0;
  if (n < cap) out[n++] = ERROR_INVALID_FUNCTION;
  if (n < cap) out[n++] = ERROR_ACCESS_DENIED;
  return n;
}

int spy_rename_is_atomic_replace(const spy_call *c) {
  return c->kind == SPY_RENAME && strcmp(c->call, "MoveFileExW") == 0 &&
         c->flags == (MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
}

static void narrow(const wchar_t *w, char *buf, size_t cap) {
  char *s;
  if (w == NULL || WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)cap, NULL, NULL) <= 0) buf[0] = '\0';
  for (s = buf; *s; s++)
    if (*s == '\\') *s = '/';
}

static void handle_path(HANDLE h, char *buf, size_t cap) {
  wchar_t w[1024];
  DWORD n = GetFinalPathNameByHandleW(h, w, 1024, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  narrow(n > 0 && n < 1024 ? w : NULL, buf, cap);
}

static int enter_handle(int kind, const char *call, HANDLE h) {
  char path[1024];
  handle_path(h, path, sizeof path);
  return enter(kind, call, path, 0, 0);
}

static int enter_name(int kind, const char *call, const wchar_t *w, DWORD flags) {
  char path[1024];
  narrow(w, path, sizeof path);
  return enter(kind, call, path, flags, 0);
}

#define FAIL_IF(expr, bad)  \
  do {                      \
    int e_ = (expr);        \
    if (e_ != 0) {          \
      SetLastError((DWORD)e_); \
      return bad;           \
    }                       \
  } while (0)

static HANDLE WINAPI s_CreateFileW(LPCWSTR p, DWORD a, DWORD sh, LPSECURITY_ATTRIBUTES sa, DWORD d,
                                   DWORD f, HANDLE t) {
  FAIL_IF(enter_name(SPY_OPEN, "CreateFileW", p, a), INVALID_HANDLE_VALUE);
  return REAL.CreateFileW(p, a, sh, sa, d, f, t);
}

static BOOL WINAPI s_CloseHandle(HANDLE h) {
  char path[1024];
  int err;
  handle_path(h, path, sizeof path);
  err = enter(SPY_CLOSE, "CloseHandle", path, 0, forget_written((intptr_t)h));
  if (err) {
    REAL.CloseHandle(h); /* as on POSIX: the handle is gone either way */
    SetLastError((DWORD)err);
    return FALSE;
  }
  return REAL.CloseHandle(h);
}

static BOOL WINAPI s_ReadFile(HANDLE h, LPVOID b, DWORD n, LPDWORD got, LPOVERLAPPED ov) {
  FAIL_IF(enter_handle(SPY_READ, "ReadFile", h), FALSE);
  return REAL.ReadFile(h, b, n, got, ov);
}

static BOOL WINAPI s_WriteFile(HANDLE h, LPCVOID b, DWORD n, LPDWORD done, LPOVERLAPPED ov) {
  char path[1024];
  int err;
  handle_path(h, path, sizeof path);
  err = enter(SPY_WRITE, "WriteFile", path, 0, 1);
  note_written((intptr_t)h);
  if (err) {
    if (done) *done = 0;
    SetLastError((DWORD)err);
    return FALSE;
  }
  return REAL.WriteFile(h, b, (DWORD)write_limit(n, "WriteFile", path), done, ov);
}

static BOOL WINAPI s_SetFilePointerEx(HANDLE h, LARGE_INTEGER d, PLARGE_INTEGER p, DWORD m) {
  FAIL_IF(enter_handle(SPY_SEEK, "SetFilePointerEx", h), FALSE);
  return REAL.SetFilePointerEx(h, d, p, m);
}

static BOOL WINAPI s_FlushFileBuffers(HANDLE h) {
  BY_HANDLE_FILE_INFORMATION info;
  int kind = SPY_FILE_SYNC;
  if (REAL.GetFileInformationByHandle(h, &info) && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
    kind = SPY_DIR_SYNC;
  FAIL_IF(enter_handle(kind, "FlushFileBuffers", h), FALSE);
  return REAL.FlushFileBuffers(h);
}

static BOOL WINAPI s_GetFileSizeEx(HANDLE h, PLARGE_INTEGER s) {
  FAIL_IF(enter_handle(SPY_STAT, "GetFileSizeEx", h), FALSE);
  return REAL.GetFileSizeEx(h, s);
}

static BOOL WINAPI s_GetFileInformationByHandle(HANDLE h, LPBY_HANDLE_FILE_INFORMATION i) {
  FAIL_IF(enter_handle(SPY_STAT, "GetFileInformationByHandle", h), FALSE);
  return REAL.GetFileInformationByHandle(h, i);
}

static BOOL WINAPI s_GetFileInformationByHandleEx(HANDLE h, FILE_INFO_BY_HANDLE_CLASS c, LPVOID i, DWORD n) {
  FAIL_IF(enter_handle(SPY_STAT, "GetFileInformationByHandleEx", h), FALSE);
  return REAL.GetFileInformationByHandleEx(h, c, i, n);
}

static BOOL WINAPI s_SetFileInformationByHandle(HANDLE h, FILE_INFO_BY_HANDLE_CLASS c, LPVOID i, DWORD n) {
  FAIL_IF(enter_handle(SPY_ALLOCATE, "SetFileInformationByHandle", h), FALSE);
  note_written((intptr_t)h);
  return REAL.SetFileInformationByHandle(h, c, i, n);
}

static HANDLE WINAPI s_CreateFileMappingW(HANDLE h, LPSECURITY_ATTRIBUTES sa, DWORD p, DWORD hi, DWORD lo,
                                          LPCWSTR name) {
  FAIL_IF(enter_handle(SPY_MAP, "CreateFileMappingW", h), NULL);
  return REAL.CreateFileMappingW(h, sa, p, hi, lo, name);
}

static LPVOID WINAPI s_MapViewOfFile(HANDLE h, DWORD a, DWORD hi, DWORD lo, SIZE_T n) {
  FAIL_IF(enter(SPY_MAP, "MapViewOfFile", "", 0, 0), NULL);
  return REAL.MapViewOfFile(h, a, hi, lo, n);
}

static BOOL WINAPI s_LockFileEx(HANDLE h, DWORD f, DWORD r, DWORD lo, DWORD hi, LPOVERLAPPED ov) {
  FAIL_IF(enter_handle(SPY_LOCK, "LockFileEx", h), FALSE);
  return REAL.LockFileEx(h, f, r, lo, hi, ov);
}

static BOOL WINAPI s_UnlockFileEx(HANDLE h, DWORD r, DWORD lo, DWORD hi, LPOVERLAPPED ov) {
  FAIL_IF(enter_handle(SPY_LOCK, "UnlockFileEx", h), FALSE);
  return REAL.UnlockFileEx(h, r, lo, hi, ov);
}

static BOOL WINAPI s_GetFileAttributesExW(LPCWSTR p, GET_FILEEX_INFO_LEVELS l, LPVOID i) {
  FAIL_IF(enter_name(SPY_STAT, "GetFileAttributesExW", p, 0), FALSE);
  return REAL.GetFileAttributesExW(p, l, i);
}

static DWORD WINAPI s_GetFileAttributesW(LPCWSTR p) {
  FAIL_IF(enter_name(SPY_STAT, "GetFileAttributesW", p, 0), INVALID_FILE_ATTRIBUTES);
  return REAL.GetFileAttributesW(p);
}

static BOOL WINAPI s_SetFileAttributesW(LPCWSTR p, DWORD a) {
  FAIL_IF(enter_name(SPY_STAT, "SetFileAttributesW", p, 0), FALSE);
  return REAL.SetFileAttributesW(p, a);
}

static HANDLE WINAPI s_FindFirstFileExW(LPCWSTR p, FINDEX_INFO_LEVELS l, LPVOID d, FINDEX_SEARCH_OPS o,
                                        LPVOID f, DWORD fl) {
  FAIL_IF(enter_name(SPY_LIST, "FindFirstFileExW", p, 0), INVALID_HANDLE_VALUE);
  return REAL.FindFirstFileExW(p, l, d, o, f, fl);
}

static BOOL WINAPI s_FindNextFileW(HANDLE h, LPWIN32_FIND_DATAW d) {
  FAIL_IF(enter(SPY_LIST, "FindNextFileW", "", 0, 0), FALSE);
  return REAL.FindNextFileW(h, d);
}

static BOOL WINAPI s_DeleteFileW(LPCWSTR p) {
  FAIL_IF(enter_name(SPY_REMOVE, "DeleteFileW", p, 0), FALSE);
  return REAL.DeleteFileW(p);
}

static BOOL WINAPI s_CreateDirectoryW(LPCWSTR p, LPSECURITY_ATTRIBUTES sa) {
  FAIL_IF(enter_name(SPY_MKDIR, "CreateDirectoryW", p, 0), FALSE);
  return REAL.CreateDirectoryW(p, sa);
}

static BOOL WINAPI s_RemoveDirectoryW(LPCWSTR p) {
  FAIL_IF(enter_name(SPY_RMDIR, "RemoveDirectoryW", p, 0), FALSE);
  return REAL.RemoveDirectoryW(p);
}

static BOOL WINAPI s_MoveFileExW(LPCWSTR from, LPCWSTR to, DWORD flags) {
  FAIL_IF(enter_name(SPY_RENAME, "MoveFileExW", to, flags), FALSE);
  return REAL.MoveFileExW(from, to, flags);
}

static void install(void) {
  pl__sys.CreateFileW = s_CreateFileW;
  pl__sys.CloseHandle = s_CloseHandle;
  pl__sys.ReadFile = s_ReadFile;
  pl__sys.WriteFile = s_WriteFile;
  pl__sys.SetFilePointerEx = s_SetFilePointerEx;
  pl__sys.FlushFileBuffers = s_FlushFileBuffers;
  pl__sys.GetFileSizeEx = s_GetFileSizeEx;
  pl__sys.GetFileInformationByHandle = s_GetFileInformationByHandle;
  pl__sys.GetFileInformationByHandleEx = s_GetFileInformationByHandleEx;
  pl__sys.SetFileInformationByHandle = s_SetFileInformationByHandle;
  pl__sys.CreateFileMappingW = s_CreateFileMappingW;
  pl__sys.MapViewOfFile = s_MapViewOfFile;
  pl__sys.LockFileEx = s_LockFileEx;
  pl__sys.UnlockFileEx = s_UnlockFileEx;
  pl__sys.GetFileAttributesExW = s_GetFileAttributesExW;
  pl__sys.GetFileAttributesW = s_GetFileAttributesW;
  pl__sys.SetFileAttributesW = s_SetFileAttributesW;
  pl__sys.FindFirstFileExW = s_FindFirstFileExW;
  pl__sys.FindNextFileW = s_FindNextFileW;
  pl__sys.DeleteFileW = s_DeleteFileW;
  pl__sys.CreateDirectoryW = s_CreateDirectoryW;
  pl__sys.RemoveDirectoryW = s_RemoveDirectoryW;
  pl__sys.MoveFileExW = s_MoveFileExW;
  /* UnmapViewOfFile and FindClose stay the system's: plinth cannot act on
   * their failure. */
}
#endif
