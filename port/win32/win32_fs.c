/* Windows: operations on names (no open file). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "port/win32/win32.h"

pl_status pl__port_file_size(const char *path, uint64_t *size) {
  WIN32_FILE_ATTRIBUTE_DATA a;
  wchar_t *w;
  DWORD e = 0;
  BOOL ok;
  pl_status s = pl__win32_path(path, L"", &w);
  if (s != PL_OK) return s;
  ok = GetFileAttributesExW(w, GetFileExInfoStandard, &a);
  if (!ok) e = GetLastError();
  free(w);
  if (!ok) return pl__port_error((int)e, path);
  *size = ((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow;
  return PL_OK;
}

/* The attributes of path, or INVALID_FILE_ATTRIBUTES with *err set. */
static DWORD attributes(const wchar_t *w, DWORD *err) {
  DWORD a = GetFileAttributesW(w);
  if (a == INVALID_FILE_ATTRIBUTES) *err = GetLastError();
  return a;
}

int pl__port_path_id(const char *path, pl__file_id *out) {
  wchar_t *w;
  HANDLE h;
  BOOL found;
  if (pl__win32_path(path, L"", &w) != PL_OK) return 0;
  /* Attribute access only, shared with everyone, backup semantics so a
   * directory opens too: a look that no other handle's share mode or byte
   * range lock can refuse. */
  h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return 0;
  found = pl__win32_file_id(h, out);
  CloseHandle(h);
  return found ? 1 : 0;
}

pl_status pl__port_exists(const char *path) {
  wchar_t *w;
  DWORD e = 0, a;
  pl_status s = pl__win32_path(path, L"", &w);
  if (s != PL_OK) return s;
  a = attributes(w, &e);
  free(w);
  if (a == INVALID_FILE_ATTRIBUTES) return pl__port_error((int)e, path);
  return PL_OK;
}

static int add_name(pl_strlist *out, size_t *cap, const wchar_t *name) {
  char *n;
  if (out->count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    char **items = realloc(out->items, ncap * sizeof *items);
    if (items == NULL) return -1;
    out->items = items;
    *cap = ncap;
  }
  n = pl__win32_narrow(name);
  if (n == NULL) return -1;
  out->items[out->count++] = n;
  return 0;
}

pl_status pl__port_list_dir(const char *dir, pl_strlist *out) {
  WIN32_FIND_DATAW fd;
  HANDLE h;
  wchar_t *pattern;
  size_t cap = 0;
  DWORD e;
  pl_status s;
  out->items = NULL;
  out->count = 0;
  s = pl__win32_path(dir, L"\\*", &pattern);
  if (s != PL_OK) return s;
  /* FindExInfoBasic skips the 8.3 short names, which nobody here reads. */
  h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
  e = GetLastError();
  free(pattern);
  if (h == INVALID_HANDLE_VALUE) {
    /* "No files at all" happens only for a drive's root; a directory has
     * "." and "..". */
    if (e == ERROR_FILE_NOT_FOUND) return PL_OK;
    return pl__port_error((int)e, dir);
  }
  do {
    if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
    if (add_name(out, &cap, fd.cFileName) != 0) {
      FindClose(h);
      pl_strlist_free(out);
      return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", dir);
    }
  } while (FindNextFileW(h, &fd));
  e = GetLastError();
  FindClose(h);
  if (e != ERROR_NO_MORE_FILES) {
    pl_strlist_free(out);
    return pl__port_error((int)e, dir);
  }
  return PL_OK;
}

/* If w is a file with the read-only attribute, clears it, stores the old
 * attributes in *saved and returns TRUE.  POSIX removes and replaces a
 * file whatever its own mode (only the directory's matters); Windows
 * refuses a read-only one with ERROR_ACCESS_DENIED, e.g. files copied from
 * read-only media. */
static BOOL clear_read_only(const wchar_t *w, DWORD *saved) {
  DWORD a = GetFileAttributesW(w);
  if (a == INVALID_FILE_ATTRIBUTES || !(a & FILE_ATTRIBUTE_READONLY) ||
      (a & FILE_ATTRIBUTE_DIRECTORY))
    return FALSE;
  if (!SetFileAttributesW(w, a & ~(DWORD)FILE_ATTRIBUTE_READONLY)) return FALSE;
  *saved = a;
  return TRUE;
}

pl_status pl__port_remove_file(const char *path) {
  wchar_t *w;
  DWORD e = 0, a = 0;
  BOOL ok;
  pl_status s = pl__win32_path(path, L"", &w);
  if (s != PL_OK) return s;
  /* Every plinth handle shares FILE_SHARE_DELETE, so an open file can be
   * removed.  Where the file system lacks POSIX delete semantics (before
   * Windows 10 1903, FAT, Wine) the name stays, "delete pending", until
   * the last handle closes; creating that name again fails meanwhile. */
  ok = DeleteFileW(w);
  if (!ok) e = GetLastError();
  if (!ok && e == ERROR_ACCESS_DENIED && clear_read_only(w, &a)) {
    ok = DeleteFileW(w);
    if (!ok) {
      e = GetLastError();
      SetFileAttributesW(w, a); /* leave it as it was */
    }
  }
  free(w);
  if (!ok) return pl__port_error((int)e, path);
  return PL_OK;
}

pl_status pl__port_create_dir(const char *path) {
  wchar_t *w;
  DWORD e = 0, a, e2 = 0;
  BOOL ok;
  pl_status s = pl__win32_path(path, L"", &w);
  if (s != PL_OK) return s;
  ok = CreateDirectoryW(w, NULL);
  if (!ok) {
    e = GetLastError();
    if (e == ERROR_ALREADY_EXISTS) {
      a = attributes(w, &e2);
      if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) ok = TRUE;
    }
  }
  free(w);
  if (!ok) return pl__port_error((int)e, path);
  return PL_OK;
}

pl_status pl__port_remove_dir(const char *path) {
  wchar_t *w;
  DWORD e = 0;
  BOOL ok;
  pl_status s = pl__win32_path(path, L"", &w);
  if (s != PL_OK) return s;
  ok = RemoveDirectoryW(w);
  if (!ok) e = GetLastError();
  free(w);
  if (!ok) return pl__port_error((int)e, path);
  return PL_OK;
}

pl_status pl__port_rename(const char *from, const char *to) {
  wchar_t *wf, *wt;
  DWORD e = 0, a = 0;
  BOOL ok;
  pl_status s = pl__win32_path(from, L"", &wf);
  if (s != PL_OK) return s;
  s = pl__win32_path(to, L"", &wt);
  if (s != PL_OK) {
    free(wf);
    return s;
  }
  /* MoveFileExW with REPLACE_EXISTING replaces the target in one step, as
   * rename(2) does; WRITE_THROUGH returns only once the move is on disk.
   * Not ReplaceFileW: it is several steps, and fails where this succeeds
   * (error 1175, ERROR_UNABLE_TO_REMOVE_REPLACED: google/leveldb#775). */
  ok = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
  if (!ok) e = GetLastError();
  if (!ok && e == ERROR_ACCESS_DENIED && clear_read_only(wt, &a)) {
    ok = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok) {
      e = GetLastError();
      SetFileAttributesW(wt, a);
    }
  }
  free(wf);
  free(wt);
  if (ok) return PL_OK;
  return pl__port_error_pair((int)e, from, to);
}

pl_status pl__port_symlink(const char *target, const char *path) {
  /* Creating symbolic links needs a privilege (or developer mode) that a
   * plain process does not have; the crash harness is the only caller and
   * traces with symbolic links come from Linux programs. */
  (void)target;
  return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: symbolic links are not supported on Windows", path);
}
