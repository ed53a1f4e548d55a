/* Windows: threads on _beginthreadex, slim reader/writer locks, condition
 * variables and one-time initialization from the Win32 API (Vista and
 * later), so the library needs no pthreads emulation. */
#include "config.h"

#include <errno.h>
#include <process.h>
#include <stdlib.h>

#include "port/thread.h"

void pl__mutex_init(pl__mutex *m) { InitializeSRWLock(m); }
void pl__mutex_destroy(pl__mutex *m) { (void)m; /* an SRW lock holds nothing */ }
void pl__mutex_lock(pl__mutex *m) { AcquireSRWLockExclusive(m); }
void pl__mutex_unlock(pl__mutex *m) { ReleaseSRWLockExclusive(m); }

void pl__cond_init(pl__cond *c) { InitializeConditionVariable(c); }
void pl__cond_destroy(pl__cond *c) { (void)c; }
void pl__cond_signal(pl__cond *c) { WakeConditionVariable(c); }
void pl__cond_broadcast(pl__cond *c) { WakeAllConditionVariable(c); }

void pl__cond_wait(pl__cond *c, pl__mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }

int pl__cond_timedwait(pl__cond *c, pl__mutex *m, uint64_t timeout_micros) {
  /* Milliseconds, rounded up so a short wait still yields; INFINITE is
   * 0xFFFFFFFF, so the cap stays below it.  The wait runs on the system's
   * tick count, which is monotonic. */
  uint64_t ms = (timeout_micros + 999) / 1000;
  if (ms > 0xFFFFFFFEu) ms = 0xFFFFFFFEu;
  if (SleepConditionVariableSRW(c, m, (DWORD)ms, 0)) return 0;
  return GetLastError() == ERROR_TIMEOUT ? 1 : 0;
}

static BOOL CALLBACK once_trampoline(PINIT_ONCE once, PVOID fn, PVOID *ctx) {
  (void)once;
  (void)ctx;
  ((void (*)(void))fn)();
  return TRUE;
}

void pl__once_run(pl__once *once, void (*fn)(void)) {
  InitOnceExecuteOnce(once, once_trampoline, (PVOID)fn, NULL);
}

typedef struct start {
  void (*fn)(void *);
  void *arg;
} start;

static unsigned __stdcall thread_main(void *p) {
  start st = *(start *)p;
  free(p);
  st.fn(st.arg);
  return 0;
}

static pl_status create(pl__thread *t, void (*fn)(void *), void *arg) {
  uintptr_t h;
  start *st = malloc(sizeof *st);
  if (st == NULL)
    return pl_error_set(PL_IO_ERROR, ERROR_NOT_ENOUGH_MEMORY, "cannot start a thread: out of memory");
  st->fn = fn;
  st->arg = arg;
  /* _beginthreadex, not CreateThread: the C runtime's per-thread state
   * (errno, strtok) is then set up and freed with the thread. */
  h = _beginthreadex(NULL, 0, thread_main, st, 0, NULL);
  if (h == 0) {
    int e = errno;
    free(st);
    return pl_error_set(PL_IO_ERROR, e, "cannot start a thread (errno %d)", e);
  }
  if (t != NULL) *t = (HANDLE)h;
  else CloseHandle((HANDLE)h);
  return PL_OK;
}

pl_status pl__thread_create(pl__thread *t, void (*fn)(void *), void *arg) { return create(t, fn, arg); }

void pl__thread_join(pl__thread t) {
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
}

pl_status pl__thread_create_detached(void (*fn)(void *), void *arg) { return create(NULL, fn, arg); }

uint64_t pl__thread_self_id(void) { return GetCurrentThreadId(); }

void pl__atfork_child(void (*fn)(void)) { (void)fn; /* no fork on Windows */ }
