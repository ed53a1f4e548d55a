/* plinth probe, Windows: WriteFile + FlushFileBuffers, and write-through
 * writes (FILE_FLAG_WRITE_THROUGH), the two ways Windows makes a block
 * durable. */
#include "config.h"

#include <io.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "tools/probe.h"

static long open_with(const char *path, DWORD flags, char *why, size_t cap) {
  HANDLE h = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | flags, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    snprintf(why, cap, "CreateFile: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  return (long)(intptr_t)h;
}

static long open_plain(const char *p, size_t n, char *why, size_t cap) { return open_with(p, 0, why, cap); }
static long open_through(const char *p, size_t n, char *why, size_t cap) {
  return open_with(p, FILE_FLAG_WRITE_THROUGH, why, cap);
}

static int write_block(long h, const void *b, size_t n, char *why, size_t cap) {
  OVERLAPPED ov;
  DWORD done = 0;
  memset(&ov, 0, sizeof ov);
  if (!WriteFile((HANDLE)(intptr_t)h, b, (DWORD)n, &done, &ov) || done != n) {
    snprintf(why, cap, "WriteFile: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  return 0;
}

static int op_flush(long h, const void *b, size_t n, char *why, size_t cap) {
  if (write_block(h, b, n, why, cap)) return -1;
  if (!FlushFileBuffers((HANDLE)(intptr_t)h)) {
    snprintf(why, cap, "FlushFileBuffers: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  return 0;
}

static void close_handle(long h) { CloseHandle((HANDLE)(intptr_t)h); }

const probe_method probe_raw_methods[] = {
    {"WriteFile + FlushFileBuffers", open_plain, op_flush, close_handle},
    {"write-through WriteFile", open_through, write_block, close_handle},
    {NULL, NULL, NULL, NULL},
};

void probe_raw_dir_sync(const char *dir, char *out, size_t cap) {
  HANDLE h = CreateFileA(dir, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    snprintf(out, cap, "cannot open the directory: error %lu", (unsigned long)GetLastError());
    return;
  }
  if (FlushFileBuffers(h))
    snprintf(out, cap, "FlushFileBuffers on the directory works");
  else
    snprintf(out, cap, "FlushFileBuffers on the directory fails: error %lu", (unsigned long)GetLastError());
  CloseHandle(h);
}

void *probe_raw_alloc(size_t size) { return _aligned_malloc(size, 4096); }
void probe_raw_free(void *p) { _aligned_free(p); }
int probe_raw_stderr_is_tty(void) { return _isatty(2); }
