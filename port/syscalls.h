/* plinth — every system call a backend makes on files and directories,
 * reached through one table.  Internal: never installed.
 *
 * The backends in port/posix and port/win32 never call the OS's file
 * functions by name: they call pl__sys.<name>, a pointer that starts out at
 * the system's own function.  A test (tests/syscall_spy.c) replaces entries
 * to log every call with its file and to fail the Nth one with a chosen
 * error, or to make a write come back short: fault injection by
 * "this call fails" on every platform, without symbol interposition and
 * without touching the library's code.  SQLite reaches its system calls the
 * same way, for the same reason.
 *
 * The table is a plain global: replace entries only while no other thread
 * is inside plinth (a test's setup), and put the defaults back with
 * pl__sys_reset.  Each backend declares its own table (the calls differ);
 * REQUIRES: config.h included first.
 */
#ifndef PLINTH_PORT_SYSCALLS_H
#define PLINTH_PORT_SYSCALLS_H

#if defined(_WIN32)
#include "port/win32/win32_syscalls.h"
#else
#include "port/posix/posix_syscalls.h"
#endif

/* The table every backend call goes through, and its defaults. */
extern pl__syscalls pl__sys;
extern const pl__syscalls pl__sys_default;

/* Puts every entry back to the system's own function. */
void pl__sys_reset(void);

#endif /* PLINTH_PORT_SYSCALLS_H */
