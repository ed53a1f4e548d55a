/* Windows: the system-call table's defaults (see port/syscalls.h). */
#include "config.h"

#include "port/syscalls.h"

#define PL__SYS_DEFAULTS                                                     \
  {                                                                          \
    CreateFileW, CloseHandle, ReadFile, WriteFile, SetFilePointerEx,         \
    FlushFileBuffers, GetFileSizeEx, GetFileInformationByHandle,             \
    GetFileInformationByHandleEx, SetFileInformationByHandle,                \
    CreateFileMappingW, MapViewOfFile, UnmapViewOfFile, LockFileEx,          \
    UnlockFileEx, GetFileAttributesExW, GetFileAttributesW,                  \
    SetFileAttributesW, FindFirstFileExW, FindNextFileW, FindClose,          \
    DeleteFileW, CreateDirectoryW, RemoveDirectoryW, MoveFileExW             \
  }

const pl__syscalls pl__sys_default = PL__SYS_DEFAULTS;
pl__syscalls pl__sys = PL__SYS_DEFAULTS;

void pl__sys_reset(void) { pl__sys = pl__sys_default; }
