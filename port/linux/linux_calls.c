/* Linux tracer — one decoder per system call.
 *
 * At the entry stop a decoder reads what it needs while the arguments are
 * still what the program passed (paths are resolved against its working
 * directory or directory descriptor now, before the call changes them) and
 * says whether the exit stop is needed; at the exit stop it reports what
 * the call did, only if it succeeded (a failed call changed nothing; a
 * failed fsync is the exception: Linux drops the dirty pages it could not
 * write).  Data written is read from the program's memory (write, pwrite,
 * writev, ...) or, where the kernel moved it (sendfile, copy_file_range,
 * splice, shared mappings), read back from the file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "port/linux/tracer_internal.h"

#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif
#ifndef RWF_SYNC
#define RWF_SYNC 0x00000004
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif
#define PL__FALLOC_KEEP_SIZE 0x01
#define PL__FALLOC_PUNCH_HOLE 0x02
#define PL__FALLOC_COLLAPSE_RANGE 0x08
#define PL__FALLOC_ZERO_RANGE 0x10
#define PL__FALLOC_INSERT_RANGE 0x20
#define PL__FALLOC_UNSHARE_RANGE 0x40
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif
#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS 0x20
#endif

/* Every call the filter stops at unconditionally (fcntl and mmap are
 * stopped at for some arguments only: see build_filter). */
const long pl__lx_traced_calls[] = {
#ifdef SYS_open
    SYS_open,
#endif
#ifdef SYS_creat
    SYS_creat,
#endif
    SYS_openat,
#ifdef SYS_openat2
    SYS_openat2,
#endif
    SYS_close,
#ifdef SYS_close_range
    SYS_close_range,
#endif
    SYS_dup,
#ifdef SYS_dup2
    SYS_dup2,
#endif
    SYS_dup3,
    SYS_write, SYS_writev, SYS_pwrite64, SYS_pwritev,
#ifdef SYS_pwritev2
    SYS_pwritev2,
#endif
    SYS_sendfile,
#ifdef SYS_copy_file_range
    SYS_copy_file_range,
#endif
    SYS_splice,
    SYS_ftruncate, SYS_truncate, SYS_fallocate, SYS_fsync, SYS_fdatasync, SYS_sync_file_range,
    SYS_syncfs, SYS_sync,
#ifdef SYS_rename
    SYS_rename,
#endif
#ifdef SYS_renameat
    SYS_renameat,
#endif
    SYS_renameat2,
#ifdef SYS_link
    SYS_link,
#endif
    SYS_linkat,
#ifdef SYS_symlink
    SYS_symlink,
#endif
    SYS_symlinkat,
#ifdef SYS_unlink
    SYS_unlink,
#endif
    SYS_unlinkat,
#ifdef SYS_mkdir
    SYS_mkdir,
#endif
    SYS_mkdirat,
#ifdef SYS_rmdir
    SYS_rmdir,
#endif
#ifdef SYS_mknod
    SYS_mknod,
#endif
    SYS_mknodat,
    SYS_munmap, SYS_mremap, SYS_msync,
    SYS_clone,
#ifdef SYS_clone3
    SYS_clone3,
#endif
    SYS_unshare,
#ifdef SYS_io_uring_setup
    SYS_io_uring_setup,
#endif
    SYS_io_submit,
    -1};

void pl__lx_call_clear(pl__lx_call *c) {
  free(c->p1);
  free(c->p2);
  pl__lx_ofd_unref(c->o);
  memset(c, 0, sizeof *c);
}

/* ---- helpers ---- */

static int hold(pl__lx_call *c, pl__lx_ofd *o) {
  o->refs++;
  c->o = o;
  return 1;
}

/* Reads a path argument and resolves it against dirfd into c->p1 or p2
 * with its classification; 0 if it cannot (the call will fail too, or
 * the path is too long to record). */
static int take_path(pl__lx_task *t, pl__lx_tracer *tr, int dirfd, uint64_t addr, int second) {
  char raw[PL__LX_PATH], abs[PL__LX_PATH];
  const char *rel;
  int w;
  if (!pl__lx_read_str(t->tid, addr, raw, sizeof raw)) return 0;
  if (!pl__lx_resolve(t, dirfd, raw, abs, sizeof abs)) return 0;
  w = pl__lx_classify(tr, abs, &rel);
  if (second) {
    t->c.p2 = strdup(abs);
    t->c.w2 = w;
    return t->c.p2 != NULL;
  }
  t->c.p1 = strdup(abs);
  t->c.w1 = w;
  return t->c.p1 != NULL;
}

static const char *rel_of(pl__lx_tracer *tr, const char *abs) {
  const char *rel;
  pl__lx_classify(tr, abs, &rel);
  return rel;
}

/* What the write-like calls need: the exit stop if the file is under the
 * root, watched, or outside and not yet reported. */
static int wants_file(pl__lx_tracer *tr, pl__lx_task *t, int fd) {
  pl__lx_ofd *o = pl__lx_fd(tr, t, fd);
  if (o == NULL) return 0;
  if ((o->where == PL__TEV_ROOT && !o->isdir) || o->where == PL__TEV_WATCHED ||
      (o->where == PL__TEV_OUTSIDE && !o->outside_said))
    return hold(&t->c, o);
  return 0;
}

static void fd_link(const pl__lx_task *t, int fd, char *out, size_t cap) {
  snprintf(out, cap, "/proc/%d/fd/%d", (int)t->tid, fd);
}

/* Reports the first modification of an open file outside the root. */
static void outside_fd(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, int fd, int kind) {
  char what[32], path[PL__LX_PATH];
  if (o->outside_said) return;
  o->outside_said = 1;
  snprintf(what, sizeof what, "fd/%d", fd);
  if (!pl__lx_proc_link(t->tid, what, path, sizeof path)) snprintf(path, sizeof path, "(descriptor %d)", fd);
  pl__lx_outside(tr, t, kind, path);
}

/* Reads n bytes of the file behind fd at off (data the kernel moved there
 * itself) into tr->buf. */
static int read_back(pl__lx_tracer *tr, pl__lx_task *t, int fd, uint64_t off, size_t n) {
  char link[64];
  int f;
  size_t done = 0;
  fd_link(t, fd, link, sizeof link);
  if (!pl__lx_reserve(tr, n)) return 0;
  f = open(link, O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0;
  while (done < n) {
    ssize_t got = pread(f, tr->buf + done, n - done, (off_t)(off + done));
    if (got <= 0) break;
    done += (size_t)got;
  }
  close(f);
  return done == n;
}

static uint64_t size_of_fd(pl__lx_task *t, int fd) {
  char link[64];
  struct stat st;
  fd_link(t, fd, link, sizeof link);
  return stat(link, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Reads the bytes a writev-like call wrote (n of them) from its iovecs. */
static int read_iov(pl__lx_tracer *tr, pl__lx_task *t, uint64_t iov_addr, uint64_t cnt, size_t n) {
  struct iovec iov[64];
  size_t done = 0;
  uint64_t i = 0;
  if (!pl__lx_reserve(tr, n ? n : 1)) return 0;
  while (done < n && i < cnt) {
    uint64_t k, batch = cnt - i < 64 ? cnt - i : 64;
    if (!pl__lx_read_mem(t->tid, iov_addr + i * sizeof(struct iovec), iov, (size_t)batch * sizeof(struct iovec)))
      return 0;
    for (k = 0; k < batch && done < n; k++) {
      size_t take = iov[k].iov_len < n - done ? iov[k].iov_len : n - done;
      if (take && !pl__lx_read_mem(t->tid, (uint64_t)(uintptr_t)iov[k].iov_base, tr->buf + done, take)) return 0;
      done += take;
    }
    i += batch;
  }
  return done == n;
}

static void emit_write(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, int fd, uint64_t off,
                       size_t n, int durable) {
  pl__tev ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = PL__TEV_WRITE;
  ev.where = o->where;
  if (o->where == PL__TEV_ROOT && (ev.file = pl__lx_fd_id(tr, t, o, fd)) == 0) return;
  ev.offset = off;
  ev.len = n;
  ev.data = tr->buf;
  ev.flags = durable ? PL__TEVF_DURABLE : 0;
  pl__lx_emit(tr, t, &ev);
}

/* ---- entry ---- */

static int entry_open(pl__lx_tracer *tr, pl__lx_task *t, int dirfd, uint64_t path, int flags) {
  if (flags & O_PATH) return 0; /* names a file, changes nothing */
  if (!take_path(t, tr, dirfd, path, 0)) return 0;
  if (t->c.w1 == PL__LX_OTHER) return 0;
  /* Outside the root only creating or truncating is worth a word;
   * writes through the descriptor are found when they happen. */
  if (t->c.w1 == PL__TEV_OUTSIDE && !(flags & (O_CREAT | O_TRUNC))) return 0;
  t->c.flags = flags;
  if ((flags & O_CREAT) && !(flags & O_EXCL)) {
    struct stat st;
    t->c.existed = stat(t->c.p1, &st) == 0;
  }
  return 1;
}

static int entry_mmap(pl__lx_tracer *tr, pl__lx_task *t, const uint64_t *a) {
  int flags = (int)a[3];
  pl__lx_ofd *o;
  if ((flags & MAP_FIXED) && pl__lx_map_overlaps(t, a[0], a[1])) pl__lx_map_remove(tr, t, a[0], a[1]);
  if (!(flags & MAP_SHARED) || (flags & MAP_ANONYMOUS)) return 0;
  o = pl__lx_fd(tr, t, (int)a[4]);
  /* A shared mapping of a file opened for writing: its pages may be
   * written whatever PROT_ says now (mprotect). */
  if (o == NULL || o->where != PL__TEV_ROOT || o->isdir || !o->writable) return 0;
  return hold(&t->c, o);
}

int pl__lx_call_entry(pl__lx_tracer *tr, pl__lx_task *t, long nr, const uint64_t *a) {
  pl__lx_call *c = &t->c;
  pl__lx_call_clear(c);
  c->nr = nr;
  memcpy(c->a, a, sizeof c->a);
  c->active = 1;
  switch (nr) {
#ifdef SYS_open
    case SYS_open: return entry_open(tr, t, AT_FDCWD, a[0], (int)a[1]);
#endif
#ifdef SYS_creat
    case SYS_creat: return entry_open(tr, t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC);
#endif
    case SYS_openat: return entry_open(tr, t, (int)a[0], a[1], (int)a[2]);
#ifdef SYS_openat2
    case SYS_openat2: {
      uint64_t how = 0; /* struct open_how begins with its flags */
      if (!pl__lx_read_mem(t->tid, a[2], &how, sizeof how)) return 0;
      return entry_open(tr, t, (int)a[0], a[1], (int)how);
    }
#endif
    case SYS_close:
      pl__lx_fd_set(t, (int)a[0], NULL, 0);
      return 0;
#ifdef SYS_close_range
    case SYS_close_range:
#endif
    case SYS_dup:
#ifdef SYS_dup2
    case SYS_dup2:
#endif
    case SYS_dup3:
      return 1;
    case SYS_fcntl:
      return (int)a[1] == F_DUPFD || (int)a[1] == F_DUPFD_CLOEXEC || (int)a[1] == F_SETFD || (int)a[1] == F_SETFL;
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
    case SYS_pwritev:
#ifdef SYS_pwritev2
    case SYS_pwritev2:
#endif
    case SYS_ftruncate:
    case SYS_fallocate:
    case SYS_sync_file_range:
      return wants_file(tr, t, (int)a[0]);
    case SYS_sendfile: return wants_file(tr, t, (int)a[0]);
#ifdef SYS_copy_file_range
    case SYS_copy_file_range:
#endif
    case SYS_splice:
      return wants_file(tr, t, (int)a[2]);
    case SYS_fsync:
    case SYS_fdatasync: {
      pl__lx_ofd *o = pl__lx_fd(tr, t, (int)a[0]);
      return o != NULL && o->where == PL__TEV_ROOT && hold(c, o);
    }
    case SYS_syncfs:
    case SYS_sync:
      return 1;
    case SYS_truncate:
      return take_path(t, tr, AT_FDCWD, a[0], 0) && (c->w1 == PL__TEV_ROOT || c->w1 == PL__TEV_OUTSIDE);
#ifdef SYS_rename
    case SYS_rename:
      return take_path(t, tr, AT_FDCWD, a[0], 0) && take_path(t, tr, AT_FDCWD, a[1], 1);
#endif
#ifdef SYS_renameat
    case SYS_renameat:
      return take_path(t, tr, (int)a[0], a[1], 0) && take_path(t, tr, (int)a[2], a[3], 1);
#endif
    case SYS_renameat2:
      c->flags = (int)a[4];
      return take_path(t, tr, (int)a[0], a[1], 0) && take_path(t, tr, (int)a[2], a[3], 1);
#ifdef SYS_link
    case SYS_link:
      return take_path(t, tr, AT_FDCWD, a[0], 0) && take_path(t, tr, AT_FDCWD, a[1], 1);
#endif
    case SYS_linkat:
      c->flags = (int)a[4];
      return take_path(t, tr, (int)a[0], a[1], 0) && take_path(t, tr, (int)a[2], a[3], 1);
#ifdef SYS_symlink
    case SYS_symlink:
#endif
    case SYS_symlinkat: {
      char target[PL__LX_PATH];
      int symlinkat = nr == SYS_symlinkat;
      if (!pl__lx_read_str(t->tid, a[0], target, sizeof target)) return 0;
      if (!take_path(t, tr, symlinkat ? (int)a[1] : AT_FDCWD, symlinkat ? a[2] : a[1], 0)) return 0;
      c->p2 = strdup(target);
      return c->p2 != NULL;
    }
#ifdef SYS_unlink
    case SYS_unlink:
#endif
#ifdef SYS_rmdir
    case SYS_rmdir:
#endif
#ifdef SYS_mkdir
    case SYS_mkdir:
#endif
#ifdef SYS_mknod
    case SYS_mknod:
#endif
      return take_path(t, tr, AT_FDCWD, a[0], 0) && c->w1 != PL__LX_OTHER;
    case SYS_unlinkat:
    case SYS_mkdirat:
    case SYS_mknodat:
      return take_path(t, tr, (int)a[0], a[1], 0) && c->w1 != PL__LX_OTHER;
    case SYS_mmap: return entry_mmap(tr, t, a);
    case SYS_munmap:
      if (pl__lx_map_overlaps(t, a[0], a[1])) pl__lx_map_remove(tr, t, a[0], a[1]);
      return 0;
    case SYS_mremap:
    case SYS_msync:
      return pl__lx_map_overlaps(t, a[0], a[1]);
    case SYS_clone:
      t->clone_flags = a[0];
      t->clone_known = 1;
      return 0;
#ifdef SYS_clone3
    case SYS_clone3: {
      uint64_t flags; /* struct clone_args begins with its flags */
      if (pl__lx_read_mem(t->tid, a[0], &flags, sizeof flags)) {
        t->clone_flags = flags;
        t->clone_known = 1;
      }
      return 0;
    }
#endif
    case SYS_unshare: return (a[0] & CLONE_FILES) != 0;
#ifdef SYS_io_uring_setup
    case SYS_io_uring_setup: return !(tr->said & PL__LX_SAID_IO_URING);
#endif
    case SYS_io_submit:
      if (!(tr->said & PL__LX_SAID_AIO)) {
        tr->said |= PL__LX_SAID_AIO;
        pl__lx_unsupported(tr, t, "Linux AIO (io_submit): the writes it submits are not recorded");
      }
      return 0;
    default:
      return 0;
  }
}

/* ---- exit ---- */

static void exit_open(pl__lx_tracer *tr, pl__lx_task *t, int fd) {
  pl__lx_call *c = &t->c;
  char link[64], kpath[PL__LX_PATH];
  const char *rel;
  struct stat st;
  pl__lx_ofd *o = pl__lx_ofd_new();
  int flags = c->flags, w, created;
  ssize_t n;
  pl__tev ev;
  if (o == NULL) return;
  fd_link(t, fd, link, sizeof link);
  n = readlink(link, kpath, sizeof kpath - 1);
  if (n <= 0 || (size_t)n >= sizeof kpath - 1 || stat(link, &st) != 0) {
    pl__lx_fd_set(t, fd, o, (flags & O_CLOEXEC) != 0);
    pl__lx_ofd_unref(o);
    return;
  }
  kpath[n] = '\0';
  o->dev = st.st_dev;
  o->ino = st.st_ino;
  pl__lx_ofd_set_flags(o, (unsigned)flags);
  created = (flags & O_CREAT) && ((flags & O_EXCL) || !c->existed);
  memset(&ev, 0, sizeof ev);
  if ((flags & O_TMPFILE) == O_TMPFILE) {
    if (c->w1 == PL__TEV_ROOT)
      pl__lx_unsupported(tr, t, "O_TMPFILE in %s: an unnamed file is not recorded, nor a name linked to it later",
                         rel_of(tr, c->p1)[0] ? rel_of(tr, c->p1) : "the root");
  } else if (kpath[0] == '/' && (w = pl__lx_classify(tr, kpath, &rel)) != PL__LX_OTHER) {
    if (w == PL__TEV_WATCHED) {
      o->where = w;
    } else if (w == PL__TEV_ROOT && S_ISDIR(st.st_mode)) {
      o->where = w;
      o->isdir = 1;
    } else if (w == PL__TEV_ROOT && S_ISREG(st.st_mode)) {
      o->where = w;
      if (created || (flags & O_TRUNC)) {
        o->id = ++tr->next_file;
        ev.kind = PL__TEV_OPEN;
        ev.where = w;
        ev.file = o->id;
        ev.path = rel;
        ev.flags = created ? PL__TEVF_CREATED : PL__TEVF_TRUNCATED;
        pl__lx_emit(tr, t, &ev);
      }
    } else if (w == PL__TEV_OUTSIDE && S_ISREG(st.st_mode)) {
      o->where = w;
      if (created || (flags & O_TRUNC)) {
        o->outside_said = 1;
        pl__lx_outside(tr, t, PL__TEV_OPEN, kpath);
      }
    }
  }
  pl__lx_fd_set(t, fd, o, (flags & O_CLOEXEC) != 0);
  pl__lx_ofd_unref(o);
}

/* write, writev, pwrite64, pwritev, pwritev2, sendfile, copy_file_range,
 * splice: n bytes reached the file. */
static void exit_write(pl__lx_tracer *tr, pl__lx_task *t, size_t n) {
  pl__lx_call *c = &t->c;
  pl__lx_ofd *o = c->o;
  long nr = c->nr;
  int fd = (int)c->a[0], durable = o->durable, at_pos = 0, appended = o->append, ok = 0;
  uint64_t off = 0, pos;
  if (nr == SYS_write || nr == SYS_pwrite64) {
    ok = pl__lx_reserve(tr, n) && pl__lx_read_mem(t->tid, c->a[1], tr->buf, n);
    at_pos = nr == SYS_write;
    off = c->a[3];
  } else if (nr == SYS_writev || nr == SYS_pwritev) {
    ok = read_iov(tr, t, c->a[1], c->a[2], n);
    at_pos = nr == SYS_writev;
    off = c->a[3];
#ifdef SYS_pwritev2
  } else if (nr == SYS_pwritev2) {
    ok = read_iov(tr, t, c->a[1], c->a[2], n);
    off = c->a[3];
    at_pos = (int64_t)off == -1;
    if (c->a[5] & (RWF_DSYNC | RWF_SYNC)) durable = 1;
    if (c->a[5] & RWF_APPEND) appended = 1;
#endif
  } else {
    /* The kernel moved the bytes: read them back from the file. */
    uint64_t out_off_ptr = nr == SYS_sendfile ? 0 : c->a[3];
    fd = nr == SYS_sendfile ? (int)c->a[0] : (int)c->a[2];
    if (o->where == PL__TEV_OUTSIDE) {
      outside_fd(tr, t, o, fd, PL__TEV_WRITE);
      return;
    }
    if (o->where != PL__TEV_ROOT) return; /* notes are written, not copied */
    if (out_off_ptr != 0) {
      uint64_t after = 0;
      if (!pl__lx_read_mem(t->tid, out_off_ptr, &after, sizeof after) || after < n) return;
      off = after - n;
      ok = 1;
    } else {
      at_pos = 1;
      ok = 1;
    }
    if (ok && at_pos) {
      if (!pl__lx_fdinfo(t->tid, fd, &pos, NULL) || pos < n) return;
      off = pos - n;
      at_pos = 0;
    }
    if (ok) ok = read_back(tr, t, fd, off, n);
    if (!ok) {
      pl__lx_unsupported(tr, t, "a copy into a file under the root could not be read back");
      return;
    }
  }
  if (o->where == PL__TEV_OUTSIDE) {
    outside_fd(tr, t, o, fd, PL__TEV_WRITE);
    return;
  }
  if (!ok) {
    pl__lx_unsupported(tr, t, "the bytes of a write could not be read from the program's memory");
    return;
  }
  if (o->where == PL__TEV_WATCHED) {
    emit_write(tr, t, o, fd, 0, n, 0);
    return;
  }
  if (at_pos) {
    /* The position after the call is where the bytes ended: for O_APPEND
     * too (the end of the file when they were written). */
    if (!pl__lx_fdinfo(t->tid, fd, &pos, NULL) || pos < n) return;
    off = pos - n;
  } else if (appended) {
    /* Linux's pwrite on an O_APPEND file appends, whatever the offset. */
    uint64_t size = size_of_fd(t, fd);
    off = size >= n ? size - n : 0;
  }
  emit_write(tr, t, o, fd, off, n, durable);
}

static void exit_fallocate(pl__lx_tracer *tr, pl__lx_task *t) {
  pl__lx_call *c = &t->c;
  int fd = (int)c->a[0], mode = (int)c->a[1];
  uint64_t off = c->a[2], len = c->a[3];
  pl__tev ev;
  memset(&ev, 0, sizeof ev);
  if (c->o->where == PL__TEV_OUTSIDE) {
    if (mode != PL__FALLOC_KEEP_SIZE) outside_fd(tr, t, c->o, fd, PL__TEV_EXTEND);
    return;
  }
  if (c->o->where != PL__TEV_ROOT) return;
  ev.where = PL__TEV_ROOT;
  if ((ev.file = pl__lx_fd_id(tr, t, c->o, fd)) == 0) return;
  if (mode & (PL__FALLOC_COLLAPSE_RANGE | PL__FALLOC_INSERT_RANGE)) {
    /* The data after off moved: recorded as the rewrite of everything
     * from off to the new end, then the new size. */
    uint64_t size = size_of_fd(t, fd);
    if (size > off && !read_back(tr, t, fd, off, (size_t)(size - off))) {
      pl__lx_unsupported(tr, t, "fallocate(COLLAPSE/INSERT_RANGE): the moved data could not be read back");
      return;
    }
    if (size > off) emit_write(tr, t, c->o, fd, off, (size_t)(size - off), 0);
    ev.kind = PL__TEV_TRUNCATE;
    ev.offset = size;
  } else if (mode & PL__FALLOC_PUNCH_HOLE) {
    ev.kind = PL__TEV_ZERO;
    ev.offset = off;
    ev.len = len;
    ev.flags = PL__TEVF_KEEP_SIZE;
  } else if (mode & PL__FALLOC_ZERO_RANGE) {
    ev.kind = PL__TEV_ZERO;
    ev.offset = off;
    ev.len = len;
    ev.flags = (mode & PL__FALLOC_KEEP_SIZE) ? PL__TEVF_KEEP_SIZE : 0;
  } else if (mode == 0) {
    ev.kind = PL__TEV_EXTEND;
    ev.offset = off + len;
  } else {
    return; /* KEEP_SIZE alone, UNSHARE_RANGE: no visible change */
  }
  pl__lx_emit(tr, t, &ev);
}

static void exit_sync(pl__lx_tracer *tr, pl__lx_task *t, int64_t rval, int is_error) {
  pl__lx_call *c = &t->c;
  pl__lx_ofd *o = c->o;
  int fd = (int)c->a[0];
  int failed = is_error && (rval == -EIO || rval == -ENOSPC || rval == -EDQUOT);
  pl__tev ev;
  if (is_error && !failed) return;
  memset(&ev, 0, sizeof ev);
  ev.failed = failed;
  ev.where = PL__TEV_ROOT;
  if (o->isdir) {
    char what[32], path[PL__LX_PATH];
    const char *rel;
    snprintf(what, sizeof what, "fd/%d", fd);
    if (!pl__lx_proc_link(t->tid, what, path, sizeof path) || pl__lx_classify(tr, path, &rel) != PL__TEV_ROOT)
      return;
    ev.kind = PL__TEV_SYNC_DIR;
    ev.path = rel;
    pl__lx_emit(tr, t, &ev);
    return;
  }
  /* An fsync writes the file's dirty pages, those of its shared mappings
   * too: what they changed is captured first. */
  if (!failed) pl__lx_map_flush_file(tr, t, o->dev, o->ino);
  if ((ev.file = pl__lx_fd_id(tr, t, o, fd)) == 0) return;
  ev.kind = PL__TEV_SYNC;
  pl__lx_emit(tr, t, &ev);
}

/* rename, renameat, renameat2, link, linkat. */
static void exit_two_paths(pl__lx_tracer *tr, pl__lx_task *t, int kind) {
  pl__lx_call *c = &t->c;
  pl__tev ev;
  int in1 = c->w1 == PL__TEV_ROOT, in2 = c->w2 == PL__TEV_ROOT;
  memset(&ev, 0, sizeof ev);
  if (!in1 && !in2) {
    if (c->w1 == PL__TEV_OUTSIDE || c->w2 == PL__TEV_OUTSIDE)
      pl__lx_outside(tr, t, kind, c->w2 == PL__TEV_OUTSIDE ? c->p2 : c->p1);
    return;
  }
  if (kind == PL__TEV_RENAME && (c->flags & RENAME_EXCHANGE)) {
    if (!(in1 && in2)) {
      pl__lx_unsupported(tr, t, "renameat2(RENAME_EXCHANGE) between %s and %s, one outside the root", c->p1, c->p2);
      return;
    }
    kind = PL__TEV_EXCHANGE;
  }
  if (kind == PL__TEV_RENAME && (c->flags & RENAME_WHITEOUT))
    pl__lx_unsupported(tr, t, "renameat2(RENAME_WHITEOUT) of %s: the whiteout left behind is not recorded",
                       rel_of(tr, c->p1));
  ev.kind = kind;
  ev.where = c->w1 == PL__TEV_ROOT ? PL__TEV_ROOT : PL__TEV_OUTSIDE;
  ev.where2 = c->w2 == PL__TEV_ROOT ? PL__TEV_ROOT : PL__TEV_OUTSIDE;
  ev.path = in1 ? rel_of(tr, c->p1) : c->p1;
  ev.path2 = in2 ? rel_of(tr, c->p2) : c->p2;
  pl__lx_emit(tr, t, &ev);
}

static void exit_one_path(pl__lx_tracer *tr, pl__lx_task *t, int kind) {
  pl__lx_call *c = &t->c;
  pl__tev ev;
  if (c->w1 == PL__TEV_OUTSIDE) {
    pl__lx_outside(tr, t, kind, c->p1);
    return;
  }
  if (c->w1 != PL__TEV_ROOT) return;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.where = PL__TEV_ROOT;
  ev.path = rel_of(tr, c->p1);
  if (kind == PL__TEV_SYMLINK) {
    ev.data = (const unsigned char *)c->p2;
    ev.len = strlen(c->p2);
  }
  if (kind == PL__TEV_TRUNCATE) ev.offset = c->a[1];
  if (kind == PL__TEV_OPEN) {
    /* mknod of a regular file: created, with no descriptor. */
    ev.file = ++tr->next_file;
    ev.flags = PL__TEVF_CREATED;
  }
  pl__lx_emit(tr, t, &ev);
}

static void exit_mknod(pl__lx_tracer *tr, pl__lx_task *t, unsigned mode) {
  if ((mode & S_IFMT) == 0 || S_ISREG(mode)) {
    exit_one_path(tr, t, PL__TEV_OPEN);
  } else if (t->c.w1 == PL__TEV_ROOT) {
    pl__lx_unsupported(tr, t, "mknod of %s: special files (FIFOs, devices, sockets) are not recorded",
                       rel_of(tr, t->c.p1));
  }
}

static void exit_mremap(pl__lx_tracer *tr, pl__lx_task *t, uint64_t to) {
  pl__lx_call *c = &t->c;
  int i;
  pl__lx_mm *mm = t->mm;
  if (mm == NULL) return;
  for (i = 0; i < mm->n; i++) {
    pl__lx_mapping *m = &mm->m[i];
    if (m->start == c->a[0] && m->end - m->start == c->a[1]) {
      /* The whole mapping moved or changed size: same file, same offset. */
      pl__lx_map_sync(tr, t, m->start, m->end - m->start, 0);
      m = &mm->m[i];
      m->start = to;
      m->end = to + c->a[2];
      if (m->shadow_len > c->a[2]) m->shadow_len = (size_t)c->a[2];
      if (m->shadow != NULL && c->a[2] > c->a[1]) {
        unsigned char *n = realloc(m->shadow, (size_t)c->a[2]);
        if (n != NULL) m->shadow = n;
      }
      return;
    }
  }
  if (!(tr->said & PL__LX_SAID_MREMAP)) {
    tr->said |= PL__LX_SAID_MREMAP;
    pl__lx_unsupported(tr, t, "mremap of part of a shared file mapping: that part's later changes are not recorded");
  }
  pl__lx_map_remove(tr, t, c->a[0], c->a[1]);
}

void pl__lx_call_exit(pl__lx_tracer *tr, pl__lx_task *t, int64_t rval, int is_error) {
  pl__lx_call *c = &t->c;
  long nr = c->nr;
  pl__tev ev;
  if (nr == SYS_fsync || nr == SYS_fdatasync) {
    exit_sync(tr, t, rval, is_error);
    return;
  }
  if (is_error) return;
  memset(&ev, 0, sizeof ev);
  switch (nr) {
#ifdef SYS_open
    case SYS_open:
#endif
#ifdef SYS_creat
    case SYS_creat:
#endif
#ifdef SYS_openat2
    case SYS_openat2:
#endif
    case SYS_openat:
      exit_open(tr, t, (int)rval);
      break;
    case SYS_dup:
      pl__lx_fd_set(t, (int)rval, pl__lx_fd(tr, t, (int)c->a[0]), 0);
      break;
#ifdef SYS_dup2
    case SYS_dup2:
#endif
    case SYS_dup3:
      if (c->a[0] != c->a[1])
        pl__lx_fd_set(t, (int)c->a[1], pl__lx_fd(tr, t, (int)c->a[0]), nr == SYS_dup3 && (c->a[2] & O_CLOEXEC));
      break;
    case SYS_fcntl:
      if ((int)c->a[1] == F_DUPFD || (int)c->a[1] == F_DUPFD_CLOEXEC) {
        pl__lx_fd_set(t, (int)rval, pl__lx_fd(tr, t, (int)c->a[0]), (int)c->a[1] == F_DUPFD_CLOEXEC);
      } else if ((int)c->a[1] == F_SETFD) {
        if (pl__lx_fd(tr, t, (int)c->a[0]) != NULL) pl__lx_fd_cloexec(t, (int)c->a[0], (c->a[2] & FD_CLOEXEC) != 0);
      } else {
        /* F_SETFL changes the open file's flags, for every duplicate. */
        pl__lx_ofd *o = pl__lx_fd(tr, t, (int)c->a[0]);
        if (o != NULL) {
          o->append = (c->a[2] & O_APPEND) != 0;
#ifdef O_DIRECT
          o->direct = (c->a[2] & O_DIRECT) != 0;
#endif
        }
      }
      break;
#ifdef SYS_close_range
    case SYS_close_range: {
      uint64_t fd, last = c->a[1];
      if (c->a[2] & CLOSE_RANGE_UNSHARE) pl__lx_unshare_files(t);
      if (t->ft == NULL) break;
      if (last >= (uint64_t)t->ft->cap) last = (uint64_t)t->ft->cap - 1;
      for (fd = c->a[0]; t->ft->cap > 0 && fd <= last; fd++) {
        if (c->a[2] & CLOSE_RANGE_CLOEXEC) pl__lx_fd_cloexec(t, (int)fd, 1);
        else pl__lx_fd_set(t, (int)fd, NULL, 0);
      }
      break;
    }
#endif
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
    case SYS_pwritev:
#ifdef SYS_pwritev2
    case SYS_pwritev2:
#endif
    case SYS_sendfile:
#ifdef SYS_copy_file_range
    case SYS_copy_file_range:
#endif
    case SYS_splice:
      if (rval > 0) exit_write(tr, t, (size_t)rval);
      break;
    case SYS_ftruncate:
      if (c->o->where == PL__TEV_OUTSIDE) {
        outside_fd(tr, t, c->o, (int)c->a[0], PL__TEV_TRUNCATE);
      } else if ((ev.file = pl__lx_fd_id(tr, t, c->o, (int)c->a[0])) != 0) {
        ev.kind = PL__TEV_TRUNCATE;
        ev.where = PL__TEV_ROOT;
        ev.offset = c->a[1];
        pl__lx_emit(tr, t, &ev);
      }
      break;
    case SYS_truncate:
      exit_one_path(tr, t, PL__TEV_TRUNCATE);
      break;
    case SYS_fallocate:
      exit_fallocate(tr, t);
      break;
    case SYS_sync_file_range:
      if (c->o->where == PL__TEV_ROOT && (ev.file = pl__lx_fd_id(tr, t, c->o, (int)c->a[0])) != 0) {
        ev.kind = PL__TEV_SYNC_RANGE;
        ev.where = PL__TEV_ROOT;
        ev.offset = c->a[1];
        ev.len = c->a[2];
        pl__lx_emit(tr, t, &ev);
      }
      break;
    case SYS_syncfs:
    case SYS_sync: {
      char link[64];
      struct stat st;
      fd_link(t, (int)c->a[0], link, sizeof link);
      /* syncfs counts only for the root's file system. */
      if (nr == SYS_syncfs && (stat(link, &st) != 0 || st.st_dev != tr->rootdev)) break;
      ev.kind = PL__TEV_SYNC_ALL;
      pl__lx_emit(tr, t, &ev);
      break;
    }
#ifdef SYS_rename
    case SYS_rename:
#endif
#ifdef SYS_renameat
    case SYS_renameat:
#endif
    case SYS_renameat2:
      exit_two_paths(tr, t, PL__TEV_RENAME);
      break;
#ifdef SYS_link
    case SYS_link:
#endif
    case SYS_linkat:
      exit_two_paths(tr, t, PL__TEV_LINK);
      break;
#ifdef SYS_symlink
    case SYS_symlink:
#endif
    case SYS_symlinkat:
      exit_one_path(tr, t, PL__TEV_SYMLINK);
      break;
#ifdef SYS_unlink
    case SYS_unlink:
      exit_one_path(tr, t, PL__TEV_UNLINK);
      break;
#endif
#ifdef SYS_rmdir
    case SYS_rmdir:
      exit_one_path(tr, t, PL__TEV_RMDIR);
      break;
#endif
    case SYS_unlinkat:
      exit_one_path(tr, t, (c->a[2] & AT_REMOVEDIR) ? PL__TEV_RMDIR : PL__TEV_UNLINK);
      break;
#ifdef SYS_mkdir
    case SYS_mkdir:
      exit_one_path(tr, t, PL__TEV_MKDIR);
      break;
#endif
    case SYS_mkdirat:
      exit_one_path(tr, t, PL__TEV_MKDIR);
      break;
#ifdef SYS_mknod
    case SYS_mknod:
      exit_mknod(tr, t, (unsigned)c->a[1]);
      break;
#endif
    case SYS_mknodat:
      exit_mknod(tr, t, (unsigned)c->a[2]);
      break;
    case SYS_mmap:
      pl__lx_map_add(tr, t, (uint64_t)rval, c->a[1], c->a[5], c->o, (int)c->a[4]);
      break;
    case SYS_mremap:
      exit_mremap(tr, t, (uint64_t)rval);
      break;
    case SYS_msync:
      pl__lx_map_sync(tr, t, c->a[0], c->a[1], (c->a[2] & MS_SYNC) != 0);
      break;
    case SYS_unshare:
      pl__lx_unshare_files(t);
      break;
#ifdef SYS_io_uring_setup
    case SYS_io_uring_setup:
      if (!(tr->said & PL__LX_SAID_IO_URING)) {
        tr->said |= PL__LX_SAID_IO_URING;
        pl__lx_unsupported(tr, t, "io_uring: the operations submitted through it are not recorded");
      }
      break;
#endif
    default:
      break;
  }
}
