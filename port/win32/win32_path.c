/* Windows: UTF-8 <-> UTF-16 and the long-path form of a name. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "port/win32/win32.h"

char *pl__win32_narrow(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *out;
  if (n <= 0) return NULL;
  out = malloc((size_t)n);
  if (out == NULL) return NULL;
  if (WideCharToMultiByte(CP_UTF8, 0, w, -1, out, n, NULL, NULL) != n) {
    free(out);
    return NULL;
  }
  return out;
}

static wchar_t *widen(const char *s) {
  /* MB_ERR_INVALID_CHARS: a malformed name must fail, not be silently
   * turned into U+FFFD and open some other file. */
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  wchar_t *out;
  if (n <= 0) return NULL;
  out = malloc((size_t)n * sizeof *out);
  if (out == NULL) return NULL;
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, n) != n) {
    free(out);
    return NULL;
  }
  return out;
}

static int has_prefix(const wchar_t *s, const wchar_t *prefix) {
  return wcsncmp(s, prefix, wcslen(prefix)) == 0;
}

pl_status pl__win32_path(const char *path, const wchar_t *suffix, wchar_t **out) {
  wchar_t *w, *full, *res;
  const wchar_t *prefix = L"", *rest;
  DWORD n;
  size_t len;
  *out = NULL;
  w = widen(path);
  if (w == NULL) {
    if (GetLastError() == ERROR_NO_UNICODE_TRANSLATION)
      return pl_error_set(PL_INVALID_ARGUMENT, ERROR_NO_UNICODE_TRANSLATION,
                          "%s: path is not valid UTF-8", path);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  if (has_prefix(w, L"\\\\?\\") || has_prefix(w, L"\\\\.\\") || w[0] == L'\0') {
    /* Already in the device form (the caller chose it), or empty (the
     * calls then report "not found", as POSIX does). */
    full = w;
  } else {
    /* \\?\ turns off Win32's name parsing: the MAX_PATH limit, but also '/'
     * as a separator and "." / ".." components.  So the name is made
     * absolute and normalised first; GetFullPathNameW itself has no
     * MAX_PATH limit. */
    n = GetFullPathNameW(w, 0, NULL, NULL);
    if (n == 0) {
      DWORD e = GetLastError();
      free(w);
      return pl__port_error((int)e, path);
    }
    full = malloc((size_t)n * sizeof *full);
    if (full == NULL || GetFullPathNameW(w, n, full, NULL) >= n) {
      free(full);
      free(w);
      return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
    }
    free(w);
    w = NULL;
  }
  rest = full;
  if (full != w) {
    if (full[0] == L'\\' && full[1] == L'\\') {
      prefix = L"\\\\?\\UNC\\";
      rest = full + 2;
    } else if (full[0] != L'\0' && full[1] == L':') {
      prefix = L"\\\\?\\";
    }
  }
  len = wcslen(prefix) + wcslen(rest) + wcslen(suffix) + 1;
  res = malloc(len * sizeof *res);
  if (res == NULL) {
    free(full);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  wcscpy(res, prefix);
  wcscat(res, rest);
  /* "C:\dir\" followed by "\*" would hold an empty component, which the
   * \\?\ form does not forgive. */
  len = wcslen(res);
  if (suffix[0] == L'\\' && len > 0 && res[len - 1] == L'\\') res[len - 1] = L'\0';
  wcscat(res, suffix);
  free(full);
  *out = res;
  return PL_OK;
}
