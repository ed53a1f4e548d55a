/* Windows: running programs with CreateProcessW inside a job object, so a
 * timeout ends everything the program started. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/process.h"
#include "port/win32/win32.h"
#include "util/buf.h"

static int has_sep(const char *s) { return strchr(s, '/') != NULL || strchr(s, '\\') != NULL; }

static int executable(const char *path) {
  wchar_t *w;
  DWORD attrs;
  if (pl__win32_path(path, L"", &w) != PL_OK) return 0;
  attrs = GetFileAttributesW(w);
  free(w);
  return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
}

pl_status pl__process_absolute(const char *path, char *out, size_t cap) {
  wchar_t cwd[4096];
  char *n;
  int r;
  if (path[0] == '/' || path[0] == '\\' || (path[0] && path[1] == ':')) {
    r = snprintf(out, cap, "%s", path);
  } else {
    if (GetCurrentDirectoryW(4096, cwd) == 0) return pl__port_error((int)GetLastError(), "current directory");
    n = pl__win32_narrow(cwd);
    if (n == NULL) return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
    r = snprintf(out, cap, "%s\\%s", n, path);
    free(n);
  }
  if (r < 0 || (size_t)r >= cap) return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: path too long", path);
  return PL_OK;
}

pl_status pl__process_resolve(const char *name, char *out, size_t cap) {
  static const char *const exts[] = {"", ".exe", ".bat", ".cmd"};
  const char *path, *p;
  size_t e;
  if (name[0] == '\0') return pl_error_set(PL_NOT_FOUND, ERROR_FILE_NOT_FOUND, "empty program name");
  if (has_sep(name)) {
    char abs[4096];
    pl_status s = pl__process_absolute(name, abs, sizeof abs);
    if (s != PL_OK) return s;
    for (e = 0; e < sizeof exts / sizeof exts[0]; e++) {
      int r = snprintf(out, cap, "%s%s", abs, exts[e]);
      if (r > 0 && (size_t)r < cap && executable(out)) return PL_OK;
    }
    return pl_error_set(PL_NOT_FOUND, ERROR_FILE_NOT_FOUND, "%s: No such file", name);
  }
  path = getenv("PATH");
  for (p = path ? path : ""; p;) {
    const char *end = strchr(p, ';');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    for (e = 0; len > 0 && e < sizeof exts / sizeof exts[0]; e++) {
      int r = snprintf(out, cap, "%.*s\\%s%s", (int)len, p, name, exts[e]);
      if (r > 0 && (size_t)r < cap && executable(out)) return PL_OK;
    }
    p = end ? end + 1 : NULL;
  }
  return pl_error_set(PL_NOT_FOUND, ERROR_FILE_NOT_FOUND, "%s: command not found in PATH", name);
}

void pl__process_setenv(const char *name, const char *value) {
  /* _putenv_s with "" removes the variable, which is what NULL asks. */
  _putenv_s(name, value ? value : "");
}

/* Appends arg to a command line so that the C runtime's parser gives it
 * back unchanged: quoted, with backslashes doubled before a quote. */
static int add_arg(pl__buf *b, const char *arg) {
  int ok = pl__buf_add(b, b->len ? " \"" : "\"", b->len ? 2 : 1);
  const char *p;
  for (p = arg; ok && *p; p++) {
    size_t slashes = 0;
    while (*p == '\\') {
      slashes++;
      p++;
    }
    if (*p == '\0' || *p == '"') {
      /* Backslashes before a quote (or the closing quote) are doubled. */
      size_t k, n = *p == '"' ? slashes * 2 + 1 : slashes * 2;
      for (k = 0; ok && k < n; k++) ok = pl__buf_add(b, "\\", 1);
      if (*p == '\0') break;
      ok = ok && pl__buf_add(b, "\"", 1);
    } else {
      size_t k;
      for (k = 0; ok && k < slashes; k++) ok = pl__buf_add(b, "\\", 1);
      ok = ok && pl__buf_add(b, p, 1);
    }
  }
  return ok && pl__buf_add(b, "\"", 1);
}

static wchar_t *widen(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
  if (w != NULL) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  return w;
}

/* Sets each of add's NAME=VALUE strings (NULL-terminated; add may be
 * NULL) in this process's environment, or with unset removes those names
 * again; names of 256 bytes or more are passed over. */
static void putenv_each(const char *const *add, int unset) {
  size_t i;
  for (i = 0; add != NULL && add[i] != NULL; i++) {
    char name[256];
    const char *eq = strchr(add[i], '=');
    if (eq == NULL || (size_t)(eq - add[i]) >= sizeof name) continue;
    memcpy(name, add[i], (size_t)(eq - add[i]));
    name[eq - add[i]] = '\0';
    _putenv_s(name, unset ? "" : eq + 1);
  }
}

static pl_status run_line(const char *prog, const char *line, const pl__proc_options *o,
                          pl__proc_status *st) {
  static const pl__proc_options defaults;
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  SECURITY_ATTRIBUTES sa;
  HANDLE out = INVALID_HANDLE_VALUE, job;
  wchar_t *wprog = widen(prog), *wline = widen(line), *wcwd = NULL;
  DWORD wait, code = 0, err = 0;
  BOOL ok;
  memset(st, 0, sizeof *st);
  if (o == NULL) o = &defaults;
  if (o->cwd != NULL) wcwd = widen(o->cwd);
  if (wprog == NULL || wline == NULL || (o->cwd != NULL && wcwd == NULL)) {
    free(wprog);
    free(wline);
    free(wcwd);
    return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "%s: out of memory", prog);
  }
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (o->output != NULL) {
    wchar_t *wout = widen(o->output);
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE; /* the child writes to it */
    if (wout != NULL)
      out = CreateFileW(wout, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                        CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wout);
    if (out == INVALID_HANDLE_VALUE) {
      err = GetLastError();
      free(wprog);
      free(wline);
      free(wcwd);
      return pl__port_error((int)err, o->output);
    }
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out;
    si.hStdError = out;
  }
  /* Inherited by the child; set back below. */
  putenv_each(o->env_add, 0);
  job = CreateJobObjectW(NULL, NULL);
  ok = CreateProcessW(wprog, wline, NULL, NULL, o->output != NULL, CREATE_SUSPENDED, NULL, wcwd, &si, &pi);
  if (!ok) err = GetLastError();
  putenv_each(o->env_add, 1);
  free(wprog);
  free(wline);
  free(wcwd);
  if (out != INVALID_HANDLE_VALUE) CloseHandle(out);
  if (!ok) {
    if (job) CloseHandle(job);
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
      return pl_error_set(PL_NOT_FOUND, (int)err, "%s: not found", prog);
    return pl__port_error((int)err, prog);
  }
  if (job) AssignProcessToJobObject(job, pi.hProcess);
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  wait = WaitForSingleObject(pi.hProcess, o->timeout_ms ? (DWORD)(o->timeout_ms > 0xFFFFFFF0u ? 0xFFFFFFF0u : o->timeout_ms) : INFINITE);
  if (wait == WAIT_TIMEOUT) {
    if (job) TerminateJobObject(job, 1);
    TerminateProcess(pi.hProcess, 1);
    WaitForSingleObject(pi.hProcess, INFINITE);
    st->timed_out = 1;
  } else {
    GetExitCodeProcess(pi.hProcess, &code);
    /* An exception ends a process with its NTSTATUS code (0xC0000005 for
     * an access violation): the counterpart of a signal. */
    if (code >= 0xC0000000u) st->sig = (int)code;
    else {
      st->exited = 1;
      st->code = (int)code;
    }
  }
  CloseHandle(pi.hProcess);
  if (job) CloseHandle(job);
  return PL_OK;
}

pl_status pl__process_run(const char *const *argv, const pl__proc_options *o, pl__proc_status *st) {
  char prog[4096];
  pl__buf line = {0};
  size_t i;
  pl_status s = pl__process_resolve(argv[0], prog, sizeof prog);
  if (s != PL_OK) return s;
  for (i = 0; argv[i] != NULL; i++)
    if (!add_arg(&line, argv[i])) break;
  if (argv[i] != NULL || !pl__buf_add(&line, "", 1)) {
    pl__buf_free(&line);
    return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
  }
  s = run_line(prog, (const char *)line.p, o, st);
  pl__buf_free(&line);
  return s;
}

pl_status pl__process_run_shell(const char *command, const char *const *args,
                                const pl__proc_options *o, pl__proc_status *st) {
  char comspec[4096];
  const char *cs = getenv("COMSPEC");
  pl__buf line = {0};
  size_t i;
  int ok;
  pl_status s;
  snprintf(comspec, sizeof comspec, "%s", cs ? cs : "C:\\Windows\\System32\\cmd.exe");
  /* cmd.exe /s /c "COMMAND "ARG" ...": /s strips the outer quotes and
   * keeps the rest as typed. */
  ok = pl__buf_add_str(&line, "cmd.exe /s /c \"") && pl__buf_add_str(&line, command);
  for (i = 0; ok && args != NULL && args[i] != NULL; i++) ok = add_arg(&line, args[i]);
  ok = ok && pl__buf_add(&line, "\"", 2);
  if (!ok) {
    pl__buf_free(&line);
    return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
  }
  s = run_line(comspec, (const char *)line.p, o, st);
  pl__buf_free(&line);
  return s;
}

void pl__proc_status_describe(const pl__proc_status *st, uint64_t timeout_ms, char *buf, size_t cap) {
  if (st->timed_out) snprintf(buf, cap, "timed out after %llu ms", (unsigned long long)timeout_ms);
  else if (st->exited) snprintf(buf, cap, "exit %d", st->code);
  else snprintf(buf, cap, "ended by exception 0x%08X", (unsigned)st->sig);
}
