/* Linux tracer — what linux_tracer.c (processes, descriptor tables,
 * mappings, the event loop) and linux_calls.c (one decoder per system
 * call) share.  Internal to port/linux. */
#ifndef PLINTH_PORT_LINUX_TRACER_INTERNAL_H
#define PLINTH_PORT_LINUX_TRACER_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "port/tracer.h"

#define PL__LX_PATH 4096

/* Where an open file lies (ofd.where): the tev values for files the
 * recorder cares about, and OTHER for everything else (pipes, sockets,
 * devices, directories outside the root, unlinked files). */
#define PL__LX_OTHER 0

/* An open file description: shared by every descriptor dup'ed from one
 * open(), in every process that inherited them. */
typedef struct pl__lx_ofd {
  int refs;
  int where;       /* PL__TEV_ROOT, _WATCHED, _OUTSIDE or PL__LX_OTHER */
  int isdir;       /* a directory under the root (its syncs are recorded) */
  uint32_t id;     /* the file id reported by OPEN; 0 until then */
  int append, durable, writable, direct;
  int outside_said; /* OUTSIDE: its first modification was reported */
  dev_t dev;
  ino_t ino;
} pl__lx_ofd;

typedef struct pl__lx_slot {
  pl__lx_ofd *o;
  int cloexec;
} pl__lx_slot;

/* A descriptor table, shared by threads (CLONE_FILES), copied by fork. */
typedef struct pl__lx_ftable {
  int refs;
  pl__lx_slot *s;
  int cap;
} pl__lx_ftable;

/* A writable shared mapping of a file under the root. */
typedef struct pl__lx_mapping {
  uint64_t start, end; /* addresses in the program */
  uint64_t off;        /* file offset of start */
  pl__lx_ofd *o;
  int fd;              /* the tracer's own descriptor of the file */
  unsigned char *shadow; /* the file's bytes at the last capture */
  size_t shadow_len;
  uint64_t dirty_lo, dirty_hi; /* captured, not yet durable (file offsets) */
} pl__lx_mapping;

/* An address space: shared by threads and vfork children (CLONE_VM). */
typedef struct pl__lx_mm {
  int refs;
  pl__lx_mapping *m;
  int n, cap;
  struct pl__lx_mm *next, *prev; /* every address space, for fsync */
} pl__lx_mm;

/* The system call a thread is in, between its entry and exit stops. */
typedef struct pl__lx_call {
  int active;
  long nr;
  uint64_t a[6];
  char *p1, *p2;     /* resolved paths (absolute, normalized), malloc'ed */
  int w1, w2;        /* their classification */
  int existed;       /* O_CREAT without O_EXCL: the file was there */
  int flags;         /* open flags, dup3 flags */
  pl__lx_ofd *o;     /* the call's open file, a reference held */
} pl__lx_call;

typedef struct pl__lx_task {
  pid_t tid, tgid;
  pl__lx_ftable *ft;
  pl__lx_mm *mm;
  int expect_stop;   /* its first SIGSTOP is the attach stop */
  uint64_t clone_flags;
  int clone_known;
  pl__lx_call c;
  struct pl__lx_task *hnext;
} pl__lx_task;

#define PL__LX_BUCKETS 256

typedef struct pl__lx_tracer {
  const pl__tracer_options *o;
  pl__tracer_stats *stats;
  char root[PL__LX_PATH];
  size_t rootlen;
  dev_t rootdev;
  char **watched, **quiet;
  pl__lx_task *bucket[PL__LX_BUCKETS];
  int ntasks;
  pid_t *parked;     /* new tasks stopped before their parent's event */
  int nparked, capparked;
  pl__lx_mm *mms;
  uint32_t next_file;
  unsigned said;     /* PL__LX_SAID_*: one-time messages given */
  unsigned char *buf; /* scratch for data */
  size_t bufcap;
} pl__lx_tracer;

/* ---- linux_tracer.c, for the decoders ---- */

void pl__lx_emit(pl__lx_tracer *tr, pl__lx_task *t, pl__tev *ev);
/* Reports an UNSUPPORTED event with text (printf-style). */
void pl__lx_unsupported(pl__lx_tracer *tr, pl__lx_task *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Makes room for n bytes in tr->buf; 0 when out of memory. */
int pl__lx_reserve(pl__lx_tracer *tr, size_t n);

/* Reads len bytes of the program's memory at addr into out. */
int pl__lx_read_mem(pid_t pid, uint64_t addr, void *out, size_t len);
/* Reads a NUL-terminated string; 0 if unreadable or longer than cap-1. */
int pl__lx_read_str(pid_t pid, uint64_t addr, char *out, size_t cap);
/* readlink of /proc/PID/WHAT (e.g. "cwd", "fd/3") into out. */
int pl__lx_proc_link(pid_t pid, const char *what, char *out, size_t cap);
/* Reads the position and flags of descriptor fd from /proc/PID/fdinfo. */
int pl__lx_fdinfo(pid_t pid, int fd, uint64_t *pos, unsigned *flags);
/* The absolute, lexically normalized form of path as thread t sees it
 * relative to dirfd (AT_FDCWD: its working directory).  0 on failure. */
int pl__lx_resolve(pl__lx_task *t, int dirfd, const char *path, char *out, size_t cap);
/* Classifies an absolute normalized path: a PL__TEV_* value, or
 * PL__LX_OTHER for a quiet file; *rel gets the path to report. */
int pl__lx_classify(pl__lx_tracer *tr, const char *abs, const char **rel);

/* The open file behind descriptor fd of t, looked up in its table or, for
 * one the table does not know (inherited, or made by a call that is not
 * traced), from /proc; NULL if fd is not open. */
pl__lx_ofd *pl__lx_fd(pl__lx_tracer *tr, pl__lx_task *t, int fd);
/* Makes fd of t name o (NULL: closed). */
void pl__lx_fd_set(pl__lx_task *t, int fd, pl__lx_ofd *o, int cloexec);
int pl__lx_fd_cloexec(pl__lx_task *t, int fd, int cloexec);
pl__lx_ofd *pl__lx_ofd_new(void);
void pl__lx_ofd_unref(pl__lx_ofd *o);
/* Sets o's append, durable, writable and direct from the open(2) flags
 * it was opened with. */
void pl__lx_ofd_set_flags(pl__lx_ofd *o, unsigned flags);
/* Gives a file under the root its id, reporting its OPEN under its
 * current name (read from the /proc link `link`) if that was not done;
 * returns 0 if the file is not under the root any more. */
uint32_t pl__lx_file_id(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, const char *link);
/* The same, for descriptor fd of t. */
uint32_t pl__lx_fd_id(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, int fd);
/* Reports the first modification of a file outside the root. */
void pl__lx_outside(pl__lx_tracer *tr, pl__lx_task *t, int kind, const char *path);
/* Unshares t's descriptor table (a private copy). */
int pl__lx_unshare_files(pl__lx_task *t);

/* Mappings. */
int pl__lx_map_add(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len,
                   uint64_t off, pl__lx_ofd *o, int fd);
/* Captures and forgets the tracked mappings in [start, start+len). */
void pl__lx_map_remove(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len);
/* Captures what the tracked mappings in [start, start+len) changed. */
void pl__lx_map_sync(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len, int durable);
/* Captures every mapping of the file (dev, ino), in every process. */
void pl__lx_map_flush_file(pl__lx_tracer *tr, pl__lx_task *t, dev_t dev, ino_t ino);
/* Non-zero if [start, start+len) overlaps a tracked mapping of t. */
int pl__lx_map_overlaps(pl__lx_task *t, uint64_t start, uint64_t len);

/* ---- linux_calls.c ---- */

/* The system calls the seccomp filter stops at (terminated by -1), and
 * those it stops at only for some arguments (handled in the filter). */
extern const long pl__lx_traced_calls[];

/* At the entry stop: decodes the call into t->c; returns 1 if its exit
 * stop is needed. */
int pl__lx_call_entry(pl__lx_tracer *tr, pl__lx_task *t, long nr, const uint64_t *args);
/* At the exit stop: reports what the call did. */
void pl__lx_call_exit(pl__lx_tracer *tr, pl__lx_task *t, int64_t rval, int is_error);
/* Frees what t->c holds. */
void pl__lx_call_clear(pl__lx_call *c);

#define PL__LX_SAID_ARCH 1u
#define PL__LX_SAID_IO_URING 2u
#define PL__LX_SAID_AIO 4u
#define PL__LX_SAID_MREMAP 8u
#define PL__LX_SAID_BIG_MAP 16u

#endif
