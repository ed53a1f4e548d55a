/* See win32_spy.h. */
#include "config.h"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <string.h>

#include "tests/win32_spy.h"

#define MAX_CALLS 256

static wspy_call calls[MAX_CALLS];
static int ncalls;
static struct {
  DWORD err;
  int skip, times;
} plan[WSPY_KINDS];

void wspy_reset(void) {
  ncalls = 0;
  memset(plan, 0, sizeof plan);
}

int wspy_count(void) { return ncalls; }
const wspy_call *wspy_at(int i) { return &calls[i]; }

static void slashes(char *s) {
  for (; *s; s++)
    if (*s == '\\') *s = '/';
}

static int ends_with(const char *s, const char *suffix) {
  char want[1024];
  size_t a = strlen(s), b = strlen(suffix);
  if (b >= sizeof want || a < b) return 0;
  memcpy(want, suffix, b + 1);
  slashes(want);
  return strcmp(s + a - b, want) == 0;
}

int wspy_count_kind(int kind, const char *suffix) {
  int i, n = 0;
  for (i = 0; i < ncalls; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) n++;
  return n;
}

int wspy_find(int kind, const char *suffix) {
  int i;
  for (i = 0; i < ncalls; i++)
    if (calls[i].kind == kind && ends_with(calls[i].path, suffix)) return i;
  return -1;
}

void wspy_fail(int kind, unsigned long err, int skip, int times) {
  plan[kind].err = err;
  plan[kind].skip = skip;
  plan[kind].times = times;
}

static void log_wide(int kind, const wchar_t *w, DWORD flags) {
  wspy_call *c;
  if (ncalls == MAX_CALLS) return;
  c = &calls[ncalls++];
  c->kind = kind;
  c->flags = flags;
  if (w == NULL || WideCharToMultiByte(CP_UTF8, 0, w, -1, c->path, sizeof c->path, NULL, NULL) <= 0)
    c->path[0] = '\0';
  slashes(c->path);
}

static void log_handle(int kind, HANDLE h) {
  wchar_t w[1024];
  DWORD n = GetFinalPathNameByHandleW(h, w, 1024, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  log_wide(kind, n > 0 && n < 1024 ? w : NULL, 0);
}

/* Consumes the plan of kind: non-zero if this call must fail. */
static int planned_failure(int kind) {
  if (plan[kind].skip > 0) {
    plan[kind].skip--;
    return 0;
  }
  if (plan[kind].times > 0) {
    plan[kind].times--;
    SetLastError(plan[kind].err);
    return 1;
  }
  return 0;
}

static FARPROC real(const char *name) {
  return GetProcAddress(GetModuleHandleW(L"kernel32.dll"), name);
}

typedef BOOL(WINAPI *flush_fn)(HANDLE);
typedef BOOL(WINAPI *write_fn)(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED);
typedef BOOL(WINAPI *move_fn)(LPCWSTR, LPCWSTR, DWORD);

static BOOL WINAPI spy_flush(HANDLE h) {
  static flush_fn fn;
  BY_HANDLE_FILE_INFORMATION info;
  int kind = WSPY_FLUSH_FILE;
  if (GetFileInformationByHandle(h, &info) && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
    kind = WSPY_FLUSH_DIR;
  log_handle(kind, h);
  if (planned_failure(kind)) return FALSE;
  if (fn == NULL) fn = (flush_fn)(void (*)(void))real("FlushFileBuffers");
  return fn(h);
}

static BOOL WINAPI spy_write(HANDLE h, LPCVOID p, DWORD n, LPDWORD done, LPOVERLAPPED ov) {
  static write_fn fn;
  log_handle(WSPY_WRITE, h);
  if (planned_failure(WSPY_WRITE)) {
    if (done) *done = 0;
    return FALSE;
  }
  if (fn == NULL) fn = (write_fn)(void (*)(void))real("WriteFile");
  return fn(h, p, n, done, ov);
}

static BOOL WINAPI spy_move(LPCWSTR from, LPCWSTR to, DWORD flags) {
  static move_fn fn;
  log_wide(WSPY_MOVE, to, flags);
  if (planned_failure(WSPY_MOVE)) return FALSE;
  if (fn == NULL) fn = (move_fn)(void (*)(void))real("MoveFileExW");
  return fn(from, to, flags);
}

/* The import pointers the backend calls through (see the header). */
flush_fn __imp_FlushFileBuffers = spy_flush;
write_fn __imp_WriteFile = spy_write;
move_fn __imp_MoveFileExW = spy_move;
#endif /* _WIN32 */
