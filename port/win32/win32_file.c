/* Windows: operations on open files. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/win32/win32.h"

/* ReadFile/WriteFile take a DWORD count; larger requests are split. */
#define PL__WIN32_CHUNK ((size_t)1 << 30)

static pl_status last_error(const char *path) {
  return pl__port_error((int)GetLastError(), path);
}

pl_status pl__port_open(const char *path, int flags, pl__os_file *out) {
  DWORD access = 0, disposition, attrs = FILE_ATTRIBUTE_NORMAL;
  HANDLE h;
  wchar_t *wpath;
  DWORD err;
  pl_status s;
  if (flags & PL__OPEN_READ) access |= GENERIC_READ;
  if (flags & PL__OPEN_WRITE) access |= GENERIC_WRITE;
  if (access == 0) access = GENERIC_READ;
  /* CREATE_NEW fails on any existing name, a reparse point included. */
  if ((flags & PL__OPEN_CREATE) && (flags & PL__OPEN_EXCLUSIVE)) disposition = CREATE_NEW;
  else if ((flags & PL__OPEN_CREATE) && (flags & PL__OPEN_TRUNCATE)) disposition = CREATE_ALWAYS;
  else if (flags & PL__OPEN_CREATE) disposition = OPEN_ALWAYS;
  else if (flags & PL__OPEN_TRUNCATE) disposition = TRUNCATE_EXISTING;
  else disposition = OPEN_EXISTING;
  /* A directory can only be opened with backup semantics. */
  if (flags & PL__OPEN_DIRECTORY) attrs = FILE_FLAG_BACKUP_SEMANTICS;
  s = pl__win32_path(path, L"", &wpath);
  if (s != PL_OK) return s;
  /* Share everything: a reader may open a file a writer holds, and a file
   * may be renamed or removed while open, as POSIX code expects.  A NULL
   * SECURITY_ATTRIBUTES makes the handle non-inheritable (the counterpart
   * of O_CLOEXEC). */
  h = CreateFileW(wpath, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, disposition, attrs, NULL);
  err = GetLastError();
  free(wpath);
  if (h == INVALID_HANDLE_VALUE) return pl__port_error((int)err, path);
  if (flags & PL__OPEN_APPEND) {
    /* Not FILE_APPEND_DATA: that would make positional writes (write_at)
     * append too.  Positioning once at open is what the env needs; it is
     * the only writer of the file. */
    LARGE_INTEGER zero;
    zero.QuadPart = 0;
    if (!SetFilePointerEx(h, zero, NULL, FILE_END)) {
      s = last_error(path);
      CloseHandle(h);
      return s;
    }
  }
  *out = (pl__os_file)h;
  return PL_OK;
}

pl_status pl__port_close(pl__os_file f, const char *path) {
  if (!CloseHandle(pl__win32_handle(f))) return last_error(path);
  return PL_OK;
}

pl_status pl__port_read(pl__os_file f, void *buf, size_t n, size_t *got,
                       const char *path) {
  char *p = buf;
  size_t done = 0;
  while (done < n) {
    DWORD want = (DWORD)(n - done < PL__WIN32_CHUNK ? n - done : PL__WIN32_CHUNK), r = 0;
    if (!ReadFile(pl__win32_handle(f), p + done, want, &r, NULL)) {
      DWORD e = GetLastError();
      if (e == ERROR_HANDLE_EOF || e == ERROR_BROKEN_PIPE) break;
      *got = done;
      return pl__port_error((int)e, path);
    }
    if (r == 0) break;
    done += r;
    /* Like read(2): one call's worth is enough unless it was split. */
    if (r < want) break;
  }
  *got = done;
  return PL_OK;
}

pl_status pl__port_pread(pl__os_file f, uint64_t offset, void *buf, size_t n,
                        size_t *got, const char *path) {
  char *p = buf;
  size_t done = 0;
  /* An OVERLAPPED offset on a synchronous handle reads at that offset
   * without a separate seek, so concurrent readers of one handle do not
   * race on the position (which each read does move: only random-access
   * files, which never use the position, call this). */
  while (done < n) {
    OVERLAPPED ov;
    DWORD want = (DWORD)(n - done < PL__WIN32_CHUNK ? n - done : PL__WIN32_CHUNK), r = 0;
    uint64_t at = offset + done;
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = (DWORD)at;
    ov.OffsetHigh = (DWORD)(at >> 32);
    if (!ReadFile(pl__win32_handle(f), p + done, want, &r, &ov)) {
      DWORD e = GetLastError();
      if (e == ERROR_HANDLE_EOF) break; /* offset at or past the end */
      *got = done;
      return pl__port_error((int)e, path);
    }
    if (r == 0) break;
    done += r;
  }
  *got = done;
  return PL_OK;
}

/* Writes all of p at the end of the file.  An OVERLAPPED offset of all ones
 * is FILE_WRITE_TO_END_OF_FILE: each WriteFile appends at the current end
 * without using the handle's position, which positional writes (write_at,
 * possibly from several threads at once) move on a synchronous handle. */
static pl_status append_all(HANDLE h, const char *p, size_t n, const char *path) {
  while (n > 0) {
    OVERLAPPED ov;
    DWORD want = (DWORD)(n < PL__WIN32_CHUNK ? n : PL__WIN32_CHUNK), w = 0;
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = 0xFFFFFFFFu;
    ov.OffsetHigh = 0xFFFFFFFFu;
    if (!WriteFile(h, p, want, &w, &ov)) return last_error(path);
    if (w == 0) return pl_error_set(PL_IO_ERROR, ERROR_WRITE_FAULT, "%s: write made no progress", path);
    p += w;
    n -= w;
  }
  return PL_OK;
}

pl_status pl__port_writev(pl__os_file f, const pl_iovec *iov, int iovcnt,
                         const char *path) {
  /* Windows has no gather write for ordinary (buffered) handles:
   * WriteFileGather needs unbuffered, page-aligned I/O.  One WriteFile per
   * piece keeps the large-append path copy-free at the cost of a call per
   * piece (the env passes at most its buffer and the caller's pieces).
   * The env writes a file only through its own handle, which it opened
   * truncated or positioned at the end, so "at the end" is "at the current
   * position" as on POSIX. */
  int i;
  for (i = 0; i < iovcnt; i++) {
    pl_status s = append_all(pl__win32_handle(f), iov[i].base, iov[i].len, path);
    if (s != PL_OK) return s;
  }
  return PL_OK;
}

pl_status pl__port_pwrite(pl__os_file f, uint64_t offset, const void *data,
                         size_t n, const char *path) {
  HANDLE h = pl__win32_handle(f);
  const char *p = data;
  /* The OVERLAPPED offset makes each call positional and independent of
   * other threads' calls; appends do not depend on the position it
   * leaves (see append_all). */
  while (n > 0) {
    OVERLAPPED ov;
    DWORD want = (DWORD)(n < PL__WIN32_CHUNK ? n : PL__WIN32_CHUNK), w = 0;
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = (DWORD)offset;
    ov.OffsetHigh = (DWORD)(offset >> 32);
    if (!WriteFile(h, p, want, &w, &ov)) return last_error(path);
    if (w == 0) return pl_error_set(PL_IO_ERROR, ERROR_WRITE_FAULT, "%s: write made no progress", path);
    p += w;
    offset += w;
    n -= w;
  }
  return PL_OK;
}

pl_status pl__port_skip(pl__os_file f, uint64_t n, const char *path) {
  LARGE_INTEGER d;
  d.QuadPart = (LONGLONG)n;
  if (!SetFilePointerEx(pl__win32_handle(f), d, NULL, FILE_CURRENT)) return last_error(path);
  return PL_OK;
}

pl_status pl__port_sync(pl__os_file f, const char *path) {
  /* FlushFileBuffers writes the file's data and metadata and asks the
   * device to flush its cache: the counterpart of fsync, not fdatasync. */
  if (!FlushFileBuffers(pl__win32_handle(f))) return last_error(path);
  return PL_OK;
}

/* Backup semantics open files as well as directories; a directory sync of
 * a file must fail as on POSIX (ENOTDIR, NotFound), not flush the file. */
static pl_status require_directory(HANDLE h, const char *dir) {
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(h, &info)) return last_error(dir);
  if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) return pl__port_error(ERROR_DIRECTORY, dir);
  return PL_OK;
}

pl_status pl__port_sync_dir(const char *dir) {
  /* Windows documents no directory fsync.  NTFS journals name operations
   * and accepts FlushFileBuffers on a directory handle opened for writing
   * with backup semantics, which flushes the directory's metadata; that is
   * the closest call there is, so plinth makes it.  File systems and
   * redirectors that cannot refuse with ERROR_ACCESS_DENIED or
   * ERROR_INVALID_FUNCTION, tolerated like EINVAL on POSIX: nothing better
   * is possible there.  A missing directory is still an error. */
  wchar_t *w;
  HANDLE h;
  DWORD e;
  pl_status s = pl__win32_path(dir, L"", &w);
  if (s != PL_OK) return s;
  h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  e = GetLastError();
  if (h == INVALID_HANDLE_VALUE && e == ERROR_ACCESS_DENIED) {
    /* Read-only media or no write access to the directory: check that it
     * exists, then accept that its entries cannot be flushed. */
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    e = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) return pl__port_error((int)e, dir);
    s = require_directory(h, dir);
    CloseHandle(h);
    return s;
  }
  free(w);
  if (h == INVALID_HANDLE_VALUE) return pl__port_error((int)e, dir);
  s = require_directory(h, dir);
  if (s != PL_OK) {
    CloseHandle(h);
    return s;
  }
  if (!FlushFileBuffers(h)) {
    e = GetLastError();
    if (e != ERROR_ACCESS_DENIED && e != ERROR_INVALID_FUNCTION) {
      CloseHandle(h);
      return pl__port_error((int)e, dir);
    }
  }
  CloseHandle(h);
  return PL_OK;
}

/* Errors by which a file system says "not this information class". */
static int unsupported(DWORD e) {
  return e == ERROR_INVALID_PARAMETER || e == ERROR_INVALID_FUNCTION ||
         e == ERROR_NOT_SUPPORTED || e == ERROR_CALL_NOT_IMPLEMENTED;
}

pl_status pl__port_allocate(pl__os_file f, uint64_t offset, uint64_t len,
                           const char *path) {
  HANDLE h = pl__win32_handle(f);
  FILE_ALLOCATION_INFO alloc;
  FILE_END_OF_FILE_INFO eof;
  LARGE_INTEGER size;
  uint64_t end = offset + len;
  if (!GetFileSizeEx(h, &size)) return last_error(path);
  if (end <= (uint64_t)size.QuadPart) return PL_OK;
  /* posix_fallocate's contract: the blocks are reserved and the file is at
   * least offset+len long, the new bytes reading as zeros.  Reserving the
   * allocation first asks NTFS for the clusters in one piece; moving the end
   * of file makes the size visible and, on a non-sparse file, allocates
   * what is still missing (NTFS zero-fills lazily through the valid data
   * length, so no bytes are written here).  Wine implements only the
   * second step. */
  alloc.AllocationSize.QuadPart = (LONGLONG)end;
  if (!SetFileInformationByHandle(h, FileAllocationInfo, &alloc, sizeof alloc)) {
    DWORD e = GetLastError();
    if (!unsupported(e)) return pl__port_error((int)e, path);
  }
  eof.EndOfFile.QuadPart = (LONGLONG)end;
  if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof)) {
    DWORD e = GetLastError();
    if (unsupported(e))
      return pl_error_set(PL_NOT_SUPPORTED, (int)e, "%s: preallocation not supported", path);
    return pl__port_error((int)e, path);
  }
  return PL_OK;
}

pl_status pl__port_fsize(pl__os_file f, uint64_t *size, const char *path) {
  LARGE_INTEGER sz;
  if (!GetFileSizeEx(pl__win32_handle(f), &sz)) return last_error(path);
  *size = (uint64_t)sz.QuadPart;
  return PL_OK;
}

pl_status pl__port_mmap(pl__os_file f, uint64_t size, void **base,
                       const char *path) {
  HANDLE map;
  void *p;
  DWORD e;
  if (size > (uint64_t)SIZE_MAX)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: too large to map", path);
  map = CreateFileMappingW(pl__win32_handle(f), NULL, PAGE_READONLY, (DWORD)(size >> 32),
                           (DWORD)size, NULL);
  if (map == NULL) return last_error(path);
  p = MapViewOfFile(map, FILE_MAP_READ, 0, 0, (SIZE_T)size);
  e = GetLastError();
  /* The view keeps the mapping (and the file) referenced; neither handle is
   * needed once it exists. */
  CloseHandle(map);
  if (p == NULL) return pl__port_error((int)e, path);
  *base = p;
  return PL_OK;
}

void pl__port_munmap(void *base, uint64_t size) {
  (void)size;
  UnmapViewOfFile(base);
}

pl_status pl__port_lock(pl__os_file f, const char *path) {
  OVERLAPPED ov;
  ZeroMemory(&ov, sizeof ov);
  /* The whole file, however large it grows: the maximum range, not the
   * current size.  Fail at once rather than wait, like F_SETLK. */
  if (!LockFileEx(pl__win32_handle(f), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0,
                  MAXDWORD, MAXDWORD, &ov)) {
    DWORD e = GetLastError();
    if (e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING)
      return pl_error_set(PL_IO_ERROR, (int)e, "%s: locked by another process", path);
    return pl__port_error((int)e, path);
  }
  return PL_OK;
}

pl_status pl__port_unlock(pl__os_file f, const char *path) {
  OVERLAPPED ov;
  ZeroMemory(&ov, sizeof ov);
  if (!UnlockFileEx(pl__win32_handle(f), 0, MAXDWORD, MAXDWORD, &ov)) return last_error(path);
  return PL_OK;
}

BOOL pl__win32_file_id(HANDLE h, pl__file_id *out) {
  FILE_ID_INFO id;
  BY_HANDLE_FILE_INFORMATION info;
  ZeroMemory(out, sizeof *out);
  /* FILE_ID_INFO's 128-bit ID is unique on ReFS, where the 64-bit file
   * index may not be; systems before Windows 8 and some file systems have
   * only the index.  Either is stable for as long as a handle is open. */
  if (GetFileInformationByHandleEx(h, FileIdInfo, &id, sizeof id)) {
    out->volume = id.VolumeSerialNumber;
    memcpy(out->index, id.FileId.Identifier, sizeof out->index);
    return TRUE;
  }
  if (!GetFileInformationByHandle(h, &info)) return FALSE;
  out->volume = info.dwVolumeSerialNumber;
  out->index[0] = ((uint64_t)info.nFileIndexHigh << 32) | info.nFileIndexLow;
  return TRUE;
}

pl_status pl__port_file_id(pl__os_file f, pl__file_id *out, const char *path) {
  if (!pl__win32_file_id(pl__win32_handle(f), out)) return last_error(path);
  return PL_OK;
}
