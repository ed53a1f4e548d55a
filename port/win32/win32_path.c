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

static int is_sep(char c) { return c == '/' || c == '\\'; }

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Whether s[0..n) spells word, ignoring ASCII case. */
static int same_word(const char *s, size_t n, const char *word) {
  size_t i;
  if (strlen(word) != n) return 0;
  for (i = 0; i < n; i++)
    if (ascii_lower((unsigned char)s[i]) != ascii_lower((unsigned char)word[i])) return 0;
  return 1;
}

/* Whether the component s[0..n) is one of Win32's device names, which open
 * the device instead of a file in any directory, in any case and with any
 * extension ("nul", "con.log", "COM1.ldb").  The name is what precedes the
 * first dot, trailing spaces ignored ("aux .txt" is AUX).  COM and LPT take
 * a digit 1-9 or a superscript 1, 2, 3 (U+00B9, U+00B2, U+00B3); COM0 and
 * LPT0 are ordinary names. */
static int is_device_name(const char *s, size_t n) {
  const char *dot = memchr(s, '.', n);
  if (dot != NULL) n = (size_t)(dot - s);
  while (n > 0 && s[n - 1] == ' ') n--;
  if (same_word(s, n, "CON") || same_word(s, n, "PRN") || same_word(s, n, "AUX") ||
      same_word(s, n, "NUL") || same_word(s, n, "CONIN$") || same_word(s, n, "CONOUT$"))
    return 1;
  if (n < 4 || !(same_word(s, 3, "COM") || same_word(s, 3, "LPT"))) return 0;
  if (n == 4) return s[3] >= '1' && s[3] <= '9';
  return n == 5 && (unsigned char)s[3] == 0xC2 &&
         ((unsigned char)s[4] == 0xB9 || (unsigned char)s[4] == 0xB2 || (unsigned char)s[4] == 0xB3);
}

/* Why Windows would not keep the component s[0..n) as given, or NULL. */
static const char *name_problem(const char *s, size_t n) {
  size_t i;
  if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return NULL;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ':') return "holds ':', which would name an alternate data stream on Windows";
    if (c < 0x20 || strchr("<>\"|?*", c) != NULL)
      return "holds a character Windows does not allow in names (< > \" | ? * or a control character)";
  }
  if (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
    return "ends in a dot or space, which Windows would drop";
  if (is_device_name(s, n))
    return "is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, CONIN$, CONOUT$, with any extension)";
  return NULL;
}

/* Refuses, with InvalidArgument, a path with a component that Windows
 * would silently change (a trailing dot or space is dropped: "x." opens
 * "x"), treat as a device ("NUL", "con.log") or as a stream ("a:b"), or
 * cannot hold.  Every component is checked, not only the last, except the
 * "\\?\" or "\\.\" prefix and a drive letter's colon.  The UTF-8 path is
 * checked (it is valid UTF-8 by now): every character tested is ASCII but
 * the superscript digits, and its components are the UTF-16 ones. */
static pl_status check_names(const char *path) {
  const char *p = path, *end;
  if (is_sep(p[0]) && is_sep(p[1]) && (p[2] == '?' || p[2] == '.') && is_sep(p[3])) p += 4;
  if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':') p += 2;
  for (; *p; p = *end ? end + 1 : end) {
    const char *why;
    for (end = p; *end && !is_sep(*end); end++) {}
    why = name_problem(p, (size_t)(end - p));
    if (why != NULL)
      return pl_error_set(PL_INVALID_ARGUMENT, ERROR_INVALID_NAME, "%s: \"%.*s\" %s", path,
                          (int)(end - p), p, why);
  }
  return PL_OK;
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
  if (check_names(path) != PL_OK) {
    free(w);
    return PL_INVALID_ARGUMENT;
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
