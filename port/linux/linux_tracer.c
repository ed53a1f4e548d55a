/* Linux: recording a program's file operations with ptrace and a seccomp
 * filter (port/tracer.h).
 *
 * The program is started stopped (PTRACE_TRACEME + SIGSTOP), installs a
 * seccomp filter that returns SECCOMP_RET_TRACE for the calls that change
 * files, descriptors or mappings (linux_calls.c lists them) and
 * SECCOMP_RET_ALLOW for everything else, then executes.  The filter and
 * the tracing are inherited by every thread and child (PTRACE_O_TRACECLONE,
 * FORK, VFORK), so the whole tree is recorded, and no other call ever
 * stops.  At a seccomp stop the decoder reads the call's arguments
 * (PTRACE_GET_SYSCALL_INFO) and, when it needs the result, resumes with
 * PTRACE_SYSCALL to get the exit stop; everything else resumes with
 * PTRACE_CONT.  Events are reported at the exit stop, while the calling
 * thread is still stopped: anything the program does because a call
 * returned comes after it in the trace.
 *
 * This file holds the processes and their descriptor tables and address
 * spaces, the /proc helpers and the event loop; linux_calls.c decodes the
 * calls. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "port/linux/tracer_internal.h"
#include "port/port.h"
#include "port/posix/posix_process.h"

#if defined(__x86_64__)
#define PL__LX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PL__LX_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif
#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000
#endif

/* ------------------------------------------------------------------------ */
/* /proc and memory                                                          */

int pl__lx_read_mem(pid_t pid, uint64_t addr, void *out, size_t len) {
  struct iovec local, remote;
  ssize_t got;
  size_t done = 0;
  while (done < len) {
    local.iov_base = (char *)out + done;
    local.iov_len = len - done;
    remote.iov_base = (void *)(uintptr_t)(addr + done);
    remote.iov_len = len - done;
    got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got <= 0) return 0;
    done += (size_t)got;
  }
  return 1;
}

int pl__lx_read_str(pid_t pid, uint64_t addr, char *out, size_t cap) {
  size_t done = 0;
  if (addr == 0) return 0;
  while (done < cap) {
    /* Page by page: the string may end just before an unmapped page. */
    size_t chunk = 4096 - (size_t)((addr + done) & 4095);
    char *nul;
    if (chunk > cap - done) chunk = cap - done;
    if (!pl__lx_read_mem(pid, addr + done, out + done, chunk)) return 0;
    nul = memchr(out + done, '\0', chunk);
    if (nul != NULL) return 1;
    done += chunk;
  }
  return 0;
}

int pl__lx_proc_link(pid_t pid, const char *what, char *out, size_t cap) {
  char p[64];
  ssize_t n;
  snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, what);
  n = readlink(p, out, cap - 1);
  if (n < 0 || (size_t)n >= cap - 1) return 0;
  out[n] = '\0';
  return 1;
}

int pl__lx_fdinfo(pid_t pid, int fd, uint64_t *pos, unsigned *flags) {
  char p[64], text[512], *s;
  int f;
  ssize_t n;
  snprintf(p, sizeof p, "/proc/%d/fdinfo/%d", (int)pid, fd);
  f = open(p, O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0;
  n = read(f, text, sizeof text - 1);
  close(f);
  if (n <= 0) return 0;
  text[n] = '\0';
  s = strstr(text, "pos:");
  if (s == NULL) return 0;
  if (pos) *pos = strtoull(s + 4, NULL, 10);
  s = strstr(text, "flags:");
  if (s == NULL) return 0;
  if (flags) *flags = (unsigned)strtoul(s + 6, NULL, 8);
  return 1;
}

/* Lexical normalization of an absolute path: repeated '/', "." and ".."
 * segments resolved, no trailing '/'.  The kernel's own paths (the working
 * directory, a directory descriptor's link) are already canonical; only
 * what the program appended is lexical. */
static void normalize_abs(char *p) {
  char *out = p, *in = p;
  size_t o = 0;
  while (*in) {
    char *seg;
    size_t len;
    while (*in == '/') in++;
    seg = in;
    while (*in && *in != '/') in++;
    len = (size_t)(in - seg);
    if (len == 0 || (len == 1 && seg[0] == '.')) continue;
    if (len == 2 && seg[0] == '.' && seg[1] == '.') {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;
      continue;
    }
    out[o++] = '/';
    memmove(out + o, seg, len);
    o += len;
  }
  if (o == 0) out[o++] = '/';
  out[o] = '\0';
}

int pl__lx_resolve(pl__lx_task *t, int dirfd, const char *path, char *out, size_t cap) {
  char base[PL__LX_PATH];
  int n;
  if (path[0] == '/') {
    n = snprintf(out, cap, "%s", path);
  } else {
    if (dirfd == AT_FDCWD) {
      if (!pl__lx_proc_link(t->tid, "cwd", base, sizeof base)) return 0;
    } else {
      char what[32];
      snprintf(what, sizeof what, "fd/%d", dirfd);
      if (!pl__lx_proc_link(t->tid, what, base, sizeof base)) return 0;
    }
    if (base[0] != '/') return 0;
    n = path[0] ? snprintf(out, cap, "%s/%s", base, path) : snprintf(out, cap, "%s", base);
  }
  if (n < 0 || (size_t)n >= cap) return 0;
  normalize_abs(out);
  return 1;
}

static int in_list(char **list, const char *abs) {
  size_t i;
  for (i = 0; list != NULL && list[i] != NULL; i++)
    if (strcmp(list[i], abs) == 0) return 1;
  return 0;
}

int pl__lx_classify(pl__lx_tracer *tr, const char *abs, const char **rel) {
  *rel = abs;
  if (in_list(tr->watched, abs)) return PL__TEV_WATCHED;
  if (in_list(tr->quiet, abs)) return PL__LX_OTHER;
  if (strncmp(abs, tr->root, tr->rootlen) == 0) {
    if (abs[tr->rootlen] == '\0') {
      *rel = "";
      return PL__TEV_ROOT;
    }
    if (abs[tr->rootlen] == '/' || tr->rootlen == 1) {
      *rel = abs + tr->rootlen + (tr->rootlen == 1 ? 0 : 1);
      return PL__TEV_ROOT;
    }
  }
  return PL__TEV_OUTSIDE;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                    */

void pl__lx_emit(pl__lx_tracer *tr, pl__lx_task *t, pl__tev *ev) {
  ev->pid = t ? (int)t->tid : 0;
  tr->stats->events++;
  tr->o->on_event(tr->o->arg, ev);
}

void pl__lx_unsupported(pl__lx_tracer *tr, pl__lx_task *t, const char *fmt, ...) {
  char text[1024];
  pl__tev ev;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  memset(&ev, 0, sizeof ev);
  ev.kind = PL__TEV_UNSUPPORTED;
  ev.data = (const unsigned char *)text;
  ev.len = strlen(text);
  pl__lx_emit(tr, t, &ev);
}

void pl__lx_outside(pl__lx_tracer *tr, pl__lx_task *t, int kind, const char *path) {
  pl__tev ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.where = ev.where2 = PL__TEV_OUTSIDE;
  ev.path = path;
  pl__lx_emit(tr, t, &ev);
}

int pl__lx_reserve(pl__lx_tracer *tr, size_t n) {
  unsigned char *p;
  size_t c;
  if (n <= tr->bufcap) return 1;
  c = tr->bufcap ? tr->bufcap : 65536;
  while (c < n) c *= 2;
  p = realloc(tr->buf, c);
  if (p == NULL) return 0;
  tr->buf = p;
  tr->bufcap = c;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Open files and descriptor tables                                          */

pl__lx_ofd *pl__lx_ofd_new(void) {
  pl__lx_ofd *o = calloc(1, sizeof *o);
  if (o != NULL) o->refs = 1;
  return o;
}

void pl__lx_ofd_unref(pl__lx_ofd *o) {
  if (o != NULL && --o->refs == 0) free(o);
}

void pl__lx_ofd_set_flags(pl__lx_ofd *o, unsigned flags) {
  o->append = (flags & O_APPEND) != 0;
  o->durable = (flags & (O_SYNC | O_DSYNC)) != 0;
  o->writable = (flags & O_ACCMODE) != O_RDONLY;
#ifdef O_DIRECT
  o->direct = (flags & O_DIRECT) != 0;
#endif
}

static pl__lx_ftable *ftable_new(void) {
  pl__lx_ftable *f = calloc(1, sizeof *f);
  if (f != NULL) f->refs = 1;
  return f;
}

static void ftable_unref(pl__lx_ftable *f) {
  int i;
  if (f == NULL || --f->refs > 0) return;
  for (i = 0; i < f->cap; i++) pl__lx_ofd_unref(f->s[i].o);
  free(f->s);
  free(f);
}

static pl__lx_ftable *ftable_copy(const pl__lx_ftable *from) {
  pl__lx_ftable *f = ftable_new();
  int i;
  if (f == NULL || from == NULL || from->cap == 0) return f;
  f->s = calloc((size_t)from->cap, sizeof *f->s);
  if (f->s == NULL) {
    free(f);
    return NULL;
  }
  f->cap = from->cap;
  for (i = 0; i < f->cap; i++) {
    f->s[i] = from->s[i];
    if (f->s[i].o) f->s[i].o->refs++;
  }
  return f;
}

void pl__lx_fd_set(pl__lx_task *t, int fd, pl__lx_ofd *o, int cloexec) {
  pl__lx_ftable *f = t->ft;
  if (fd < 0 || f == NULL) return;
  if (fd >= f->cap) {
    int c = f->cap ? f->cap : 64;
    pl__lx_slot *s;
    if (o == NULL) return;
    while (c <= fd) c *= 2;
    s = realloc(f->s, (size_t)c * sizeof *s);
    if (s == NULL) return; /* the fd stays unknown: found again from /proc */
    memset(s + f->cap, 0, (size_t)(c - f->cap) * sizeof *s);
    f->s = s;
    f->cap = c;
  }
  if (o) o->refs++;
  pl__lx_ofd_unref(f->s[fd].o);
  f->s[fd].o = o;
  f->s[fd].cloexec = cloexec;
}

int pl__lx_fd_cloexec(pl__lx_task *t, int fd, int cloexec) {
  if (t->ft == NULL || fd < 0 || fd >= t->ft->cap || t->ft->s[fd].o == NULL) return 0;
  t->ft->s[fd].cloexec = cloexec;
  return 1;
}

int pl__lx_unshare_files(pl__lx_task *t) {
  pl__lx_ftable *f;
  if (t->ft != NULL && t->ft->refs == 1) return 1;
  f = ftable_copy(t->ft);
  if (f == NULL) return 0;
  ftable_unref(t->ft);
  t->ft = f;
  return 1;
}

pl__lx_ofd *pl__lx_fd(pl__lx_tracer *tr, pl__lx_task *t, int fd) {
  char what[32], link[PL__LX_PATH];
  const char *rel;
  pl__lx_ofd *o;
  unsigned flags = 0;
  struct stat st;
  if (fd < 0) return NULL;
  if (t->ft != NULL && fd < t->ft->cap && t->ft->s[fd].o != NULL) return t->ft->s[fd].o;
  /* Not in the table: inherited, passed over a socket, or made by a call
   * the filter lets through (pipe, socket, ...).  /proc says what it is;
   * the answer is kept until the descriptor is closed. */
  snprintf(what, sizeof what, "fd/%d", fd);
  if (!pl__lx_proc_link(t->tid, what, link, sizeof link)) return NULL;
  o = pl__lx_ofd_new();
  if (o == NULL) return NULL;
  if (link[0] == '/' && strstr(link, " (deleted)") == NULL) {
    char p[64];
    int w = pl__lx_classify(tr, link, &rel);
    snprintf(p, sizeof p, "/proc/%d/fd/%d", (int)t->tid, fd);
    if (stat(p, &st) == 0) {
      o->dev = st.st_dev;
      o->ino = st.st_ino;
      if (w == PL__TEV_ROOT && S_ISDIR(st.st_mode)) {
        o->where = PL__TEV_ROOT;
        o->isdir = 1;
      } else if (S_ISREG(st.st_mode)) {
        o->where = w;
      }
    }
  }
  if (pl__lx_fdinfo(t->tid, fd, NULL, &flags)) pl__lx_ofd_set_flags(o, flags);
  pl__lx_fd_set(t, fd, o, (flags & O_CLOEXEC) != 0);
  if (t->ft == NULL || fd >= t->ft->cap || t->ft->s[fd].o != o) {
    /* Out of memory for the table: unknown it stays. */
    pl__lx_ofd_unref(o);
    return NULL;
  }
  pl__lx_ofd_unref(o); /* the table holds it */
  return o;
}

uint32_t pl__lx_file_id(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, const char *link) {
  char path[PL__LX_PATH];
  const char *rel;
  ssize_t n;
  pl__tev ev;
  if (o->where != PL__TEV_ROOT || o->isdir) return 0;
  if (o->id != 0) return o->id;
  /* Opened without creating or truncating: reported now, under the name
   * it has now (renames since were recorded). */
  n = readlink(link, path, sizeof path - 1);
  if (n <= 0 || (size_t)n >= sizeof path - 1) return 0;
  path[n] = '\0';
  if (path[0] != '/' || strstr(path, " (deleted)") != NULL ||
      pl__lx_classify(tr, path, &rel) != PL__TEV_ROOT || rel[0] == '\0') {
    /* Renamed out of the root, or removed: what it does is not recorded;
     * a removed file's writes change nothing that survives -- unless
     * another name (a hard link) still leads to it, which /proc does not
     * say: that is said, never silently dropped. */
    struct stat st;
    int deleted = strstr(path, " (deleted)") != NULL;
    if (deleted && stat(link, &st) == 0 && st.st_nlink > 0)
      pl__lx_unsupported(tr, t, "a write through a descriptor opened as %.*s, whose name is gone while another name "
                                "(a hard link) remains",
                         (int)(strstr(path, " (deleted)") - path), path);
    o->where = path[0] == '/' && !deleted ? PL__TEV_OUTSIDE : PL__LX_OTHER;
    return 0;
  }
  o->id = ++tr->next_file;
  memset(&ev, 0, sizeof ev);
  ev.kind = PL__TEV_OPEN;
  ev.where = PL__TEV_ROOT;
  ev.file = o->id;
  ev.path = rel;
  pl__lx_emit(tr, t, &ev);
  return o->id;
}

uint32_t pl__lx_fd_id(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_ofd *o, int fd) {
  char link[64];
  if (o->id != 0 || o->where != PL__TEV_ROOT) return o->id;
  snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)t->tid, fd);
  return pl__lx_file_id(tr, t, o, link);
}

/* ------------------------------------------------------------------------ */
/* Shared mappings                                                           */

#define SHADOW_MAX (64u << 20) /* bytes of one mapping kept to diff against */

static pl__lx_mm *mm_new(pl__lx_tracer *tr) {
  pl__lx_mm *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->refs = 1;
  m->next = tr->mms;
  if (tr->mms) tr->mms->prev = m;
  tr->mms = m;
  return m;
}

/* Reads the file's bytes under [lo, hi) of mapping m (addresses) and
 * reports those that changed since the last capture; durable: msync
 * (MS_SYNC) made the range durable, so what earlier captures left pending
 * in it is reported again as durable. */
static void capture(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_mapping *m, uint64_t lo, uint64_t hi,
                    int durable) {
  uint64_t foff = m->off + (lo - m->start), n = hi - lo, first = UINT64_MAX, last = 0, i;
  ssize_t got;
  char link[64];
  pl__tev ev;
  if (hi <= lo || !pl__lx_reserve(tr, (size_t)n)) return;
  got = pread(m->fd, tr->buf, (size_t)n, (off_t)foff);
  if (got <= 0) return;
  for (i = 0; i < (uint64_t)got; i++) {
    uint64_t at = (lo - m->start) + i;
    if (m->shadow == NULL || at >= m->shadow_len || m->shadow[at] != tr->buf[i]) {
      if (first == UINT64_MAX) first = i;
      last = i;
    }
  }
  if (m->shadow != NULL) {
    uint64_t at = lo - m->start;
    if (at < m->shadow_len) {
      size_t k = (size_t)((uint64_t)got < m->shadow_len - at ? (uint64_t)got : m->shadow_len - at);
      memcpy(m->shadow + at, tr->buf, k);
    }
  }
  if (durable && m->dirty_hi > m->dirty_lo) {
    /* Earlier captures inside the range become durable too. */
    uint64_t dlo = m->dirty_lo > foff ? m->dirty_lo - foff : 0;
    uint64_t dhi = m->dirty_hi - foff < (uint64_t)got ? m->dirty_hi - foff : (uint64_t)got;
    if (m->dirty_hi > foff && dlo < dhi) {
      if (first == UINT64_MAX || dlo < first) first = dlo;
      if (last < dhi - 1) last = dhi - 1;
    }
  }
  if (first == UINT64_MAX) return;
  snprintf(link, sizeof link, "/proc/self/fd/%d", m->fd);
  memset(&ev, 0, sizeof ev);
  ev.kind = PL__TEV_WRITE;
  ev.where = PL__TEV_ROOT;
  ev.file = pl__lx_file_id(tr, t, m->o, link);
  if (ev.file == 0) return;
  ev.offset = foff + first;
  ev.len = last - first + 1;
  ev.data = tr->buf + first;
  ev.flags = durable ? PL__TEVF_DURABLE : 0;
  if (durable) {
    m->dirty_lo = m->dirty_hi = 0;
  } else if (m->dirty_hi == m->dirty_lo) {
    m->dirty_lo = ev.offset;
    m->dirty_hi = ev.offset + ev.len;
  } else {
    if (ev.offset < m->dirty_lo) m->dirty_lo = ev.offset;
    if (ev.offset + ev.len > m->dirty_hi) m->dirty_hi = ev.offset + ev.len;
  }
  pl__lx_emit(tr, t, &ev);
}

static void mapping_free(pl__lx_mapping *m) {
  if (m->fd >= 0) close(m->fd);
  free(m->shadow);
  pl__lx_ofd_unref(m->o);
}

static void mm_unref(pl__lx_tracer *tr, pl__lx_task *t, pl__lx_mm *m) {
  int i;
  if (m == NULL || --m->refs > 0) return;
  /* The address space is gone (exit, exec): its dirty pages stay in the
   * page cache and reach the disk some time later, as unsynced writes. */
  for (i = 0; i < m->n; i++) {
    capture(tr, t, &m->m[i], m->m[i].start, m->m[i].end, 0);
    mapping_free(&m->m[i]);
  }
  free(m->m);
  if (m->prev) m->prev->next = m->next;
  else tr->mms = m->next;
  if (m->next) m->next->prev = m->prev;
  free(m);
}

static int mm_push(pl__lx_mm *mm, const pl__lx_mapping *m) {
  if (mm->n == mm->cap) {
    int c = mm->cap ? mm->cap * 2 : 4;
    pl__lx_mapping *n = realloc(mm->m, (size_t)c * sizeof *n);
    if (n == NULL) return 0;
    mm->m = n;
    mm->cap = c;
  }
  mm->m[mm->n++] = *m;
  return 1;
}

static pl__lx_mm *mm_copy(pl__lx_tracer *tr, const pl__lx_mm *from) {
  pl__lx_mm *m = mm_new(tr);
  int i;
  if (m == NULL || from == NULL) return m;
  /* fork: shared mappings stay shared with the child. */
  for (i = 0; i < from->n; i++) {
    pl__lx_mapping c = from->m[i];
    c.fd = dup(from->m[i].fd);
    c.shadow = NULL;
    if (from->m[i].shadow != NULL && (c.shadow = malloc(from->m[i].shadow_len)) != NULL)
      memcpy(c.shadow, from->m[i].shadow, from->m[i].shadow_len);
    else
      c.shadow_len = 0;
    if (c.fd < 0 || !mm_push(m, &c)) {
      if (c.fd >= 0) close(c.fd);
      free(c.shadow);
      continue;
    }
    c.o->refs++;
  }
  return m;
}

int pl__lx_map_add(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len, uint64_t off,
                   pl__lx_ofd *o, int fd) {
  pl__lx_mapping m;
  char p[64];
  struct stat st;
  memset(&m, 0, sizeof m);
  if (t->mm == NULL && (t->mm = mm_new(tr)) == NULL) return 0;
  snprintf(p, sizeof p, "/proc/%d/fd/%d", (int)t->tid, fd);
  /* A descriptor of our own: the program may close its own right away, and
   * the page cache behind the mapping is read through it. */
  m.fd = open(p, O_RDONLY | O_CLOEXEC);
  if (m.fd < 0) return 0;
  m.start = start;
  m.end = start + len;
  m.off = off;
  m.o = o;
  if (len <= SHADOW_MAX && fstat(m.fd, &st) == 0) {
    uint64_t have = (uint64_t)st.st_size > off ? (uint64_t)st.st_size - off : 0;
    if (have > len) have = len;
    m.shadow = malloc(len ? (size_t)len : 1);
    if (m.shadow != NULL) {
      ssize_t got = have ? pread(m.fd, m.shadow, (size_t)have, (off_t)off) : 0;
      m.shadow_len = got > 0 ? (size_t)got : 0;
    }
  } else if (!(tr->said & PL__LX_SAID_BIG_MAP)) {
    tr->said |= PL__LX_SAID_BIG_MAP;
    pl__lx_unsupported(tr, t,
                       "a shared mapping larger than %u MiB: each capture of it records the whole range",
                       SHADOW_MAX >> 20);
  }
  if (!mm_push(t->mm, &m)) {
    mapping_free(&m);
    return 0;
  }
  o->refs++;
  return 1;
}

int pl__lx_map_overlaps(pl__lx_task *t, uint64_t start, uint64_t len) {
  int i;
  if (t->mm == NULL) return 0;
  for (i = 0; i < t->mm->n; i++)
    if (t->mm->m[i].start < start + len && start < t->mm->m[i].end) return 1;
  return 0;
}

void pl__lx_map_remove(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len) {
  pl__lx_mm *mm = t->mm;
  uint64_t end = start + len;
  int i;
  if (mm == NULL) return;
  for (i = 0; i < mm->n; i++) {
    pl__lx_mapping *m = &mm->m[i];
    uint64_t lo, hi;
    if (!(m->start < end && start < m->end)) continue;
    lo = m->start > start ? m->start : start;
    hi = m->end < end ? m->end : end;
    capture(tr, t, m, lo, hi, 0);
    if (lo > m->start && hi < m->end) {
      /* A hole in the middle: the tail becomes a mapping of its own. */
      pl__lx_mapping tail = *m;
      tail.start = hi;
      tail.off = m->off + (hi - m->start);
      tail.fd = dup(m->fd);
      tail.shadow = NULL;
      tail.shadow_len = 0;
      if (m->shadow != NULL && hi - m->start < m->shadow_len) {
        size_t k = m->shadow_len - (size_t)(hi - m->start);
        if ((tail.shadow = malloc(k)) != NULL) {
          memcpy(tail.shadow, m->shadow + (hi - m->start), k);
          tail.shadow_len = k;
        }
      }
      m->end = lo;
      if (m->shadow_len > lo - m->start) m->shadow_len = (size_t)(lo - m->start);
      if (tail.fd >= 0) {
        tail.o->refs++;
        if (!mm_push(mm, &tail)) mapping_free(&tail);
        m = &mm->m[i]; /* mm_push may have moved the array */
      } else {
        free(tail.shadow);
      }
    } else if (lo > m->start) {
      m->end = lo;
      if (m->shadow_len > lo - m->start) m->shadow_len = (size_t)(lo - m->start);
    } else if (hi < m->end) {
      size_t cut = (size_t)(hi - m->start);
      if (m->shadow != NULL) {
        if (cut < m->shadow_len) {
          memmove(m->shadow, m->shadow + cut, m->shadow_len - cut);
          m->shadow_len -= cut;
        } else {
          m->shadow_len = 0;
        }
      }
      m->off += hi - m->start;
      m->start = hi;
    } else {
      mapping_free(m);
      mm->m[i] = mm->m[--mm->n];
      i--;
    }
  }
}

void pl__lx_map_sync(pl__lx_tracer *tr, pl__lx_task *t, uint64_t start, uint64_t len, int durable) {
  uint64_t end = start + len;
  int i;
  if (t->mm == NULL) return;
  for (i = 0; i < t->mm->n; i++) {
    pl__lx_mapping *m = &t->mm->m[i];
    if (m->start < end && start < m->end)
      capture(tr, t, m, m->start > start ? m->start : start, m->end < end ? m->end : end, durable);
  }
}

void pl__lx_map_flush_file(pl__lx_tracer *tr, pl__lx_task *t, dev_t dev, ino_t ino) {
  pl__lx_mm *mm;
  int i;
  for (mm = tr->mms; mm != NULL; mm = mm->next)
    for (i = 0; i < mm->n; i++)
      if (mm->m[i].o->dev == dev && mm->m[i].o->ino == ino) capture(tr, t, &mm->m[i], mm->m[i].start, mm->m[i].end, 0);
}

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */

static pl__lx_task *task_find(pl__lx_tracer *tr, pid_t tid) {
  pl__lx_task *t;
  for (t = tr->bucket[(unsigned)tid % PL__LX_BUCKETS]; t != NULL; t = t->hnext)
    if (t->tid == tid) return t;
  return NULL;
}

static void task_link(pl__lx_tracer *tr, pl__lx_task *t) {
  unsigned b = (unsigned)t->tid % PL__LX_BUCKETS;
  t->hnext = tr->bucket[b];
  tr->bucket[b] = t;
}

static void task_unlink(pl__lx_tracer *tr, pl__lx_task *t) {
  pl__lx_task **p = &tr->bucket[(unsigned)t->tid % PL__LX_BUCKETS];
  while (*p != NULL && *p != t) p = &(*p)->hnext;
  if (*p == t) *p = t->hnext;
}

static pl__lx_task *task_new(pl__lx_tracer *tr, pid_t tid) {
  pl__lx_task *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->tid = t->tgid = tid;
  task_link(tr, t);
  tr->ntasks++;
  tr->stats->tasks++;
  return t;
}

static void task_free(pl__lx_tracer *tr, pl__lx_task *t) {
  task_unlink(tr, t);
  tr->ntasks--;
  pl__lx_call_clear(&t->c);
  ftable_unref(t->ft);
  mm_unref(tr, t, t->mm);
  free(t);
}

static int parked_take(pl__lx_tracer *tr, pid_t tid) {
  int i;
  for (i = 0; i < tr->nparked; i++)
    if (tr->parked[i] == tid) {
      tr->parked[i] = tr->parked[--tr->nparked];
      return 1;
    }
  return 0;
}

static void park(pl__lx_tracer *tr, pid_t tid) {
  if (tr->nparked == tr->capparked) {
    int c = tr->capparked ? tr->capparked * 2 : 8;
    pid_t *p = realloc(tr->parked, (size_t)c * sizeof *p);
    if (p == NULL) {
      /* Cannot wait for its parent: let it run untracked rather than
       * hang it. */
      ptrace(PTRACE_DETACH, tid, 0, 0);
      return;
    }
    tr->parked = p;
    tr->capparked = c;
  }
  tr->parked[tr->nparked++] = tid;
}

static void resume(pid_t tid, int how, int sig) {
  /* ESRCH: killed meanwhile; its death is reported by waitpid. */
  ptrace(how, tid, 0, (void *)(intptr_t)sig);
}

/* A clone, fork or vfork event in parent: the new task's tables. */
static void on_new_task(pl__lx_tracer *tr, pl__lx_task *parent, int event) {
  unsigned long msg = 0;
  uint64_t flags;
  pl__lx_task *c;
  pid_t tid;
  if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) != 0) return;
  tid = (pid_t)msg;
  if (task_find(tr, tid) != NULL) return;
  if (parent->clone_known) flags = parent->clone_flags;
  else flags = event == PTRACE_EVENT_VFORK ? (CLONE_VM | CLONE_VFORK) : event == PTRACE_EVENT_CLONE ? (CLONE_VM | CLONE_FILES | CLONE_THREAD) : 0;
  parent->clone_known = 0;
  c = task_new(tr, tid);
  if (c == NULL) return;
  c->tgid = (flags & CLONE_THREAD) ? parent->tgid : tid;
  if (flags & CLONE_FILES) {
    c->ft = parent->ft;
    if (c->ft) c->ft->refs++;
  } else {
    c->ft = ftable_copy(parent->ft);
  }
  /* Every task has an address space object from the start, so threads
   * made before the first shared mapping share it too. */
  if (flags & CLONE_VM) {
    c->mm = parent->mm;
    if (c->mm) c->mm->refs++;
  } else {
    c->mm = mm_copy(tr, parent->mm);
  }
  if (parked_take(tr, tid)) resume(tid, PTRACE_CONT, 0);
  else c->expect_stop = 1;
}

static void on_exec(pl__lx_tracer *tr, pl__lx_task *t) {
  unsigned long former = 0;
  int i;
  pl__lx_mm *old;
  if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &former) == 0 && (pid_t)former != t->tid) {
    /* A thread other than the leader executed: it takes the leader's
     * id, and the leader is gone without a death report. */
    pl__lx_task *f = task_find(tr, (pid_t)former);
    if (f != NULL) {
      task_free(tr, t);
      task_unlink(tr, f);
      f->tid = f->tgid;
      task_link(tr, f);
      t = f;
    }
  }
  pl__lx_call_clear(&t->c);
  /* exec gets a table of its own (if shared with another process) and
   * closes what is close-on-exec. */
  pl__lx_unshare_files(t);
  if (t->ft != NULL)
    for (i = 0; i < t->ft->cap; i++)
      if (t->ft->s[i].o != NULL && t->ft->s[i].cloexec) pl__lx_fd_set(t, i, NULL, 0);
  old = t->mm;
  t->mm = mm_new(tr);
  mm_unref(tr, t, old);
}

static void on_seccomp(pl__lx_tracer *tr, pl__lx_task *t) {
  struct __ptrace_syscall_info info;
  int need_exit = 0;
  memset(&info, 0, sizeof info);
  tr->stats->stops++;
  if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof info, &info) <= 0 ||
      info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    resume(t->tid, PTRACE_CONT, 0);
    return;
  }
  if (info.arch != PL__LX_ARCH) {
    /* A 32-bit call from a 64-bit program (int 0x80) or a 32-bit program:
     * the numbers mean other calls. */
    if (!(tr->said & PL__LX_SAID_ARCH)) {
      tr->said |= PL__LX_SAID_ARCH;
      pl__lx_unsupported(tr, t, "system calls of another architecture (32-bit) are not recorded");
    }
  } else {
    need_exit = pl__lx_call_entry(tr, t, (long)info.seccomp.nr, (const uint64_t *)info.seccomp.args);
  }
  if (!need_exit) pl__lx_call_clear(&t->c);
  resume(t->tid, need_exit ? PTRACE_SYSCALL : PTRACE_CONT, 0);
}

static void on_syscall_exit(pl__lx_tracer *tr, pl__lx_task *t) {
  struct __ptrace_syscall_info info;
  memset(&info, 0, sizeof info);
  if (t->c.active && ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof info, &info) > 0 &&
      info.op == PTRACE_SYSCALL_INFO_EXIT)
    pl__lx_call_exit(tr, t, info.exit.rval, info.exit.is_error);
  pl__lx_call_clear(&t->c);
  resume(t->tid, PTRACE_CONT, 0);
}

/* ------------------------------------------------------------------------ */
/* The seccomp filter                                                        */

#define MAX_FILTER 256

static int build_filter(struct sock_filter *f) {
  int n = 0, i;
  const struct sock_filter trace = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PL__LX_ARCH, 1, 0);
  f[n++] = trace;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  /* x32 calls carry this bit. */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
  f[n++] = trace;
#endif
  for (i = 0; pl__lx_traced_calls[i] >= 0; i++) {
    if (n + 2 > MAX_FILTER - 16) return -1;
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)pl__lx_traced_calls[i], 0, 1);
    f[n++] = trace;
  }
  /* fcntl: only the commands that make descriptors or change their flags
   * (SQLite's thousands of lock calls run free). */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl, 0, 7);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, 4, 0);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 3, 0);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, 2, 0);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFL, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = trace;
  /* mmap: only shared mappings, and fixed ones (which may replace a
   * shared mapping). */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 4);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3]));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_SHARED | MAP_FIXED, 0, 1);
  f[n++] = trace;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return n;
}

/* ------------------------------------------------------------------------ */
/* Starting the program                                                      */

enum { STAGE_CHDIR = 1, STAGE_PTRACE, STAGE_SECCOMP, STAGE_EXEC };

/* The child: become traceable, stop until the tracer is ready, install
 * the filter, execute.  Only async-signal-safe calls. */
static void child(const char *prog, const char *const *argv, char **envp, const char *cwd,
                  struct sock_fprog *filter, int report) {
  int msg[2];
  setpgid(0, 0);
  signal(SIGPIPE, SIG_DFL);
  msg[0] = STAGE_CHDIR;
  if (cwd != NULL && chdir(cwd) != 0) goto fail;
  msg[0] = STAGE_PTRACE;
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) goto fail;
  raise(SIGSTOP);
  msg[0] = STAGE_SECCOMP;
  /* Without it an unprivileged process may not install a filter; it also
   * means set-user-ID programs run without their privileges. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) goto fail;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) != 0 &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0, 0) != 0)
    goto fail;
  msg[0] = STAGE_EXEC;
  execve(prog, (char *const *)argv, envp);
fail:
  msg[1] = errno;
  if (write(report, msg, sizeof msg) < 0) {
  }
  _exit(127);
}

/* Interrupts waitpid at the deadline. */
static void on_alarm(int sig) { (void)sig; }

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void kill_all(pl__lx_tracer *tr, pid_t pgid) {
  int b;
  pl__lx_task *t;
  kill(-pgid, SIGKILL);
  for (b = 0; b < PL__LX_BUCKETS; b++)
    for (t = tr->bucket[b]; t != NULL; t = t->hnext) kill(t->tid, SIGKILL);
  for (b = 0; b < tr->nparked; b++) kill(tr->parked[b], SIGKILL);
}

static char **canonical_list(const char *const *in) {
  size_t n = 0, i;
  char **out;
  while (in != NULL && in[n] != NULL) n++;
  out = calloc(n + 1, sizeof *out);
  if (out == NULL) return NULL;
  for (i = 0; i < n; i++) {
    char buf[PL__LX_PATH];
    if (pl__tracer_canonical(in[i], buf, sizeof buf) != PL_OK) snprintf(buf, sizeof buf, "%s", in[i]);
    out[i] = strdup(buf);
  }
  return out;
}

static void free_list(char **l) {
  size_t i;
  for (i = 0; l != NULL && l[i] != NULL; i++) free(l[i]);
  free(l);
}

pl_status pl__tracer_canonical(const char *path, char *out, size_t cap) {
  char *r = realpath(path, NULL);
  const char *slash;
  if (r == NULL) {
    /* A file that does not exist yet: its directory's canonical form. */
    char dir[PL__LX_PATH];
    int e = errno;
    slash = strrchr(path, '/');
    if (slash == NULL || slash == path || (size_t)(slash - path) >= sizeof dir)
      return pl__port_error(e, path);
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    r = realpath(dir, NULL);
    if (r == NULL) return pl__port_error(errno, path);
    if ((size_t)snprintf(out, cap, "%s%s", strcmp(r, "/") == 0 ? "" : r, slash) >= cap) {
      free(r);
      return pl_error_set(PL_INVALID_ARGUMENT, ENAMETOOLONG, "%s: path too long", path);
    }
    free(r);
    return PL_OK;
  }
  if ((size_t)snprintf(out, cap, "%s", r) >= cap) {
    free(r);
    return pl_error_set(PL_INVALID_ARGUMENT, ENAMETOOLONG, "%s: path too long", path);
  }
  free(r);
  return PL_OK;
}

int pl__tracer_available(void) { return 1; }

/* The descriptors the program starts with are its caller's: where its
 * output and errors go (`crashcheck ... > log 2>&1`), not files the
 * program writes; writes through them are not changes worth a word. */
static void inherited_descriptors(pl__lx_tracer *tr, pl__lx_task *t) {
  char p[64];
  DIR *d;
  struct dirent *e;
  snprintf(p, sizeof p, "/proc/%d/fd", (int)t->tid);
  d = opendir(p);
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    pl__lx_ofd *o;
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    o = pl__lx_fd(tr, t, atoi(e->d_name));
    if (o != NULL && o->where == PL__TEV_OUTSIDE) o->where = PL__LX_OTHER;
  }
  closedir(d);
}

/* Runs the loop until every traced task is gone. */
static void event_loop(pl__lx_tracer *tr, pid_t main_pid, uint64_t deadline, int *main_status,
                       int *timed_out) {
  int killed = 0;
  while (tr->ntasks > 0 || tr->nparked > 0) {
    int status = 0, sig, ev;
    pl__lx_task *t;
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) {
        if (deadline && !killed && now_ms() >= deadline) {
          *timed_out = 1;
          killed = 1;
          kill_all(tr, main_pid);
        }
        continue;
      }
      break; /* ECHILD: nothing left */
    }
    t = task_find(tr, pid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == main_pid) *main_status = status;
      if (t != NULL) task_free(tr, t);
      else parked_take(tr, pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    sig = WSTOPSIG(status);
    ev = status >> 16;
    if (t == NULL) {
      /* A new thread or child, stopped before its parent's clone event
       * said what it shares: it waits for the event. */
      park(tr, pid);
      continue;
    }
    if (killed) {
      kill(pid, SIGKILL);
      resume(pid, PTRACE_CONT, 0);
      continue;
    }
    if (t->expect_stop && sig == SIGSTOP && ev == 0) {
      t->expect_stop = 0;
      resume(pid, PTRACE_CONT, 0);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_SECCOMP) {
      on_seccomp(tr, t);
    } else if (sig == (SIGTRAP | 0x80)) {
      on_syscall_exit(tr, t);
    } else if (sig == SIGTRAP && (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE)) {
      on_new_task(tr, t, ev);
      resume(pid, PTRACE_CONT, 0);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_EXEC) {
      on_exec(tr, t);
      t = task_find(tr, pid);
      resume(pid, PTRACE_CONT, 0);
    } else if (ev != 0) {
      resume(pid, PTRACE_CONT, 0);
    } else {
      siginfo_t si;
      /* A group stop (no siginfo) is resumed: job control inside a
       * recorded program is not supported, a hang would be worse. */
      if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) != 0) sig = 0;
      resume(pid, PTRACE_CONT, sig);
    }
    if (deadline && !killed && now_ms() >= deadline) {
      *timed_out = 1;
      killed = 1;
      kill_all(tr, main_pid);
    }
  }
}

pl_status pl__tracer_run(const pl__tracer_options *o, pl__proc_status *st, pl__tracer_stats *stats) {
  pl__lx_tracer tr;
  pl__tracer_stats dummy;
  struct sock_filter insns[MAX_FILTER];
  struct sock_fprog filter;
  char prog[PL__LX_PATH], **envp;
  int pipefd[2], status = 0, main_status = 0, timed_out = 0, msg[2] = {0, 0};
  ssize_t got;
  pid_t pid;
  pl_status s;
  struct stat rst;
  struct sigaction sa, old_sa;
  timer_t timer;
  int have_timer = 0;
  uint64_t deadline = 0;
  pl__lx_task *t;
  int b;
  sigset_t alarm_set, old_mask;

  memset(st, 0, sizeof *st);
  if (stats == NULL) stats = &dummy;
  memset(stats, 0, sizeof *stats);
  memset(&tr, 0, sizeof tr);
  tr.o = o;
  tr.stats = stats;
  s = pl__tracer_canonical(o->root, tr.root, sizeof tr.root);
  if (s != PL_OK) return s;
  tr.rootlen = strlen(tr.root);
  if (stat(tr.root, &rst) != 0) return pl__port_error(errno, o->root);
  tr.rootdev = rst.st_dev;
  b = build_filter(insns);
  if (b < 0) return pl_error_set(PL_IO_ERROR, 0, "tracer: seccomp filter too long");
  filter.len = (unsigned short)b;
  filter.filter = insns;
  s = pl__process_resolve(o->argv[0], prog, sizeof prog);
  if (s != PL_OK) return s;
  tr.watched = canonical_list(o->watched);
  tr.quiet = canonical_list(o->quiet);
  envp = pl__process_child_environment(o->env_add);
  if (envp == NULL || tr.watched == NULL || tr.quiet == NULL) {
    free(envp);
    free_list(tr.watched);
    free_list(tr.quiet);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", o->argv[0]);
  }
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    s = pl__port_error(errno, "pipe");
    goto out_env;
  }
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    int e = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    s = pl_error_set(PL_IO_ERROR, e, "%s: cannot start: %s", o->argv[0], strerror(e));
    goto out_env;
  }
  if (pid == 0) {
    close(pipefd[0]);
    child(prog, o->argv, envp, o->cwd, &filter, pipefd[1]);
  }
  setpgid(pid, pid);
  close(pipefd[1]);
  /* The child stops itself once it is traceable (or reports why not). */
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  if (!WIFSTOPPED(status)) {
    got = read(pipefd[0], msg, sizeof msg);
    close(pipefd[0]);
    if (got == (ssize_t)sizeof msg && msg[0] == STAGE_PTRACE)
      s = pl_error_set(PL_NOT_SUPPORTED, msg[1], "cannot trace %s: ptrace refused: %s", o->argv[0], strerror(msg[1]));
    else if (got == (ssize_t)sizeof msg)
      s = pl_error_set(PL_IO_ERROR, msg[1], "%s: cannot start: %s", o->argv[0], strerror(msg[1]));
    else
      s = pl_error_set(PL_IO_ERROR, 0, "%s: the tracer could not start it", o->argv[0]);
    goto out_env;
  }
  if (ptrace(PTRACE_SETOPTIONS, pid, 0,
             PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) != 0) {
    int e = errno;
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
    }
    close(pipefd[0]);
    s = pl_error_set(PL_NOT_SUPPORTED, e, "cannot trace %s: PTRACE_SETOPTIONS: %s", o->argv[0], strerror(e));
    goto out_env;
  }
  t = task_new(&tr, pid);
  if (t == NULL || (t->ft = ftable_new()) == NULL || (t->mm = mm_new(&tr)) == NULL) {
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
    }
    close(pipefd[0]);
    s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", o->argv[0]);
    goto out_tasks;
  }

  if (o->timeout_ms) {
    struct sigevent sev;
    struct itimerspec its;
    deadline = now_ms() + o->timeout_ms;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old_sa);
    sigemptyset(&alarm_set);
    sigaddset(&alarm_set, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm_set, &old_mask);
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGALRM;
    #ifdef sigev_notify_thread_id
    sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
#else
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
#endif
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0) {
      memset(&its, 0, sizeof its);
      its.it_value.tv_sec = (time_t)(o->timeout_ms / 1000);
      its.it_value.tv_nsec = (long)(o->timeout_ms % 1000) * 1000000L;
      /* Again every 100 ms after: a kill may need repeating. */
      its.it_interval.tv_nsec = 100000000L;
      timer_settime(timer, 0, &its, NULL);
      have_timer = 1;
    }
  }

  inherited_descriptors(&tr, t);
  resume(pid, PTRACE_CONT, 0);
  event_loop(&tr, pid, deadline, &main_status, &timed_out);

  if (o->timeout_ms) {
    if (have_timer) timer_delete(timer);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGALRM, &old_sa, NULL);
  }
  got = read(pipefd[0], msg, sizeof msg);
  close(pipefd[0]);
  if (got == (ssize_t)sizeof msg) {
    if (msg[0] == STAGE_SECCOMP)
      s = pl_error_set(PL_NOT_SUPPORTED, msg[1], "cannot trace %s: seccomp filter refused: %s", o->argv[0],
                       strerror(msg[1]));
    else if (msg[0] == STAGE_EXEC && msg[1] == ENOENT)
      s = pl_error_set(PL_NOT_FOUND, msg[1], "%s: %s", o->argv[0], strerror(msg[1]));
    else
      s = pl_error_set(PL_IO_ERROR, msg[1], "%s: cannot run: %s", o->argv[0], strerror(msg[1]));
  } else {
    s = PL_OK;
    if (timed_out) {
      st->timed_out = 1;
      st->sig = SIGKILL;
    } else if (WIFEXITED(main_status)) {
      st->exited = 1;
      st->code = WEXITSTATUS(main_status);
    } else if (WIFSIGNALED(main_status)) {
      st->sig = WTERMSIG(main_status);
    }
  }
out_tasks:
  for (b = 0; b < PL__LX_BUCKETS; b++)
    while (tr.bucket[b] != NULL) task_free(&tr, tr.bucket[b]);
  free(tr.parked);
out_env:
  free(envp);
  free_list(tr.watched);
  free_list(tr.quiet);
  free(tr.buf);
  return s;
}
