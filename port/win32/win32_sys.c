/* Windows: clock, threads' ids, limits, temporary directory. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/win32/win32.h"

uint64_t pl__port_now_micros(void) {
  static LARGE_INTEGER freq; /* constant after boot; a benign race */
  LARGE_INTEGER now;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  /* Split to avoid overflowing now * 1e6 after a few days of uptime. */
  return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000u +
         (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000u / (uint64_t)freq.QuadPart;
}

void pl__port_sleep_micros(uint64_t micros) {
  /* Sleep has millisecond units; round up so a short sleep still yields. */
  uint64_t ms = (micros + 999) / 1000;
  Sleep(ms > 0xFFFFFFFEu ? 0xFFFFFFFEu : (DWORD)ms);
}

void pl__port_format_time(char *buf, size_t cap) {
  FILETIME utc, local;
  SYSTEMTIME st;
  ULARGE_INTEGER t;
  GetSystemTimeAsFileTime(&utc);
  FileTimeToLocalFileTime(&utc, &local);
  FileTimeToSystemTime(&local, &st);
  t.LowPart = local.dwLowDateTime;
  t.HighPart = local.dwHighDateTime;
  /* FILETIME counts 100 ns ticks; SYSTEMTIME keeps only milliseconds. */
  snprintf(buf, cap, "%04d/%02d/%02d-%02d:%02d:%02d.%06d", st.wYear, st.wMonth, st.wDay,
           st.wHour, st.wMinute, st.wSecond, (int)((t.QuadPart / 10u) % 1000000u));
}

int pl__port_default_mmap_limit(void) {
  /* Mapping many files only pays off where address space is plentiful. */
  return sizeof(void *) >= 8 ? 1000 : 0;
}

int pl__port_default_read_fd_limit(void) {
  /* Windows has no small per-process handle limit like RLIMIT_NOFILE
   * (kernel handles number in the millions), so kept handles are not
   * rationed. */
  return INT_MAX;
}

pl_status pl__port_temp_dir(char *buf, size_t cap) {
  wchar_t w[MAX_PATH + 2];
  DWORD n = GetTempPathW(MAX_PATH + 1, w);
  char *dir;
  size_t len;
  int r;
  if (n == 0 || n > MAX_PATH + 1) return pl__port_error((int)GetLastError(), "GetTempPathW");
  dir = pl__win32_narrow(w);
  if (dir == NULL) return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "test directory: out of memory");
  len = strlen(dir);
  while (len > 0 && (dir[len - 1] == '\\' || dir[len - 1] == '/')) dir[--len] = '\0';
  /* GetTempPathW is already per user (%TMP% under the profile). */
  r = snprintf(buf, cap, "%s\\plinthtest", dir);
  free(dir);
  if (r < 0 || (size_t)r >= cap)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "test directory: buffer too small");
  return PL_OK;
}
