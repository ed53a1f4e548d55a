/* A program for tests/crash_tracer_test.c, which records it at the
 * system-call level: each mode exercises one family of calls with plain
 * libc (no plinth), in the directory it runs in.  Exit 0 when every call
 * did what it should, 77 when the system cannot do what the mode needs
 * (the test then says it skipped), anything else on a failure.
 *
 *   tracer_workload MODE [ARGS]   (modes: see the table at the end) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CHECK(expr)                                                               \
  do {                                                                            \
    if (!(expr)) {                                                                \
      fprintf(stderr, "tracer_workload: %s:%d: %s: %s\n", __FILE__, __LINE__, #expr, \
              strerror(errno));                                                   \
      exit(1);                                                                    \
    }                                                                             \
  } while (0)

static const char *self; /* argv[0], for exec */

static void put(int fd, const char *s) { CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s)); }

static void sync_root(void) {
  int d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(d >= 0);
  CHECK(fsync(d) == 0);
  CHECK(close(d) == 0);
}

/* Appends a line to the notes file, as a script's `echo >>` does. */
static void note(const char *s) {
  const char *p = getenv("PLINTH_NOTES");
  int fd;
  CHECK(p != NULL);
  fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
  CHECK(fd >= 0);
  put(fd, s);
  put(fd, "\n");
  CHECK(close(fd) == 0);
}

/* open, write, fsync, close, directory fsync. */
static int mode_basic(void) {
  int fd = open("f", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "hello");
  CHECK(fsync(fd) == 0);
  CHECK(close(fd) == 0);
  sync_root();
  note("done");
  return 0;
}

/* O_APPEND lands at the end whatever the position; O_TRUNC empties an
 * existing file; creat(). */
static int mode_append(void) {
  int fd = open("a", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "0123456789");
  CHECK(close(fd) == 0);
  fd = open("a", O_WRONLY | O_APPEND | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK(lseek(fd, 2, SEEK_SET) == 2);
  put(fd, "ab");
  put(fd, "cd");
  CHECK(close(fd) == 0);
  fd = open("a", O_WRONLY | O_TRUNC | O_CLOEXEC);
  CHECK(fd >= 0);
  put(fd, "xy");
  CHECK(close(fd) == 0);
  fd = (int)syscall(SYS_creat, "c", 0644);
  CHECK(fd >= 0);
  put(fd, "creat");
  CHECK(close(fd) == 0);
  /* F_SETFL turns O_APPEND on for an open file. */
  fd = open("c", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0);
  put(fd, "!");
  CHECK(close(fd) == 0);
  return 0;
}

/* Writes durable on return: O_SYNC, O_DSYNC, RWF_DSYNC. */
static int mode_osync(void) {
  struct iovec v = {"d", 1};
  int fd = open("s", O_CREAT | O_WRONLY | O_SYNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "sync");
  CHECK(close(fd) == 0);
  fd = open("d", O_CREAT | O_WRONLY | O_DSYNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "dsync");
  CHECK(close(fd) == 0);
  fd = open("r", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "plain");
  CHECK(pwritev2(fd, &v, 1, 0, RWF_DSYNC) == 1);
  CHECK(close(fd) == 0);
  return 0;
}

/* O_DIRECT (with O_DSYNC: durable) from an aligned buffer. */
static int mode_direct(void) {
  void *buf;
  int fd = open("o", O_CREAT | O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EINVAL) return 77; /* tmpfs */
  CHECK(fd >= 0);
  CHECK(posix_memalign(&buf, 4096, 4096) == 0);
  memset(buf, 'z', 4096);
  if (write(fd, buf, 4096) != 4096) return errno == EINVAL ? 77 : 1;
  CHECK(close(fd) == 0);
  free(buf);
  return 0;
}

/* pwrite, pwritev, writev: offsets, vectors. */
static int mode_positional(void) {
  struct iovec v[3] = {{"AB", 2}, {"", 0}, {"CDE", 3}};
  int fd = open("p", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK(pwrite(fd, "xyz", 3, 10) == 3);
  CHECK(pwritev(fd, v, 3, 2) == 5);
  CHECK(lseek(fd, 20, SEEK_SET) == 20);
  CHECK(writev(fd, v, 3) == 5);
  CHECK(close(fd) == 0);
  return 0;
}

/* ftruncate, truncate, fallocate in each mode. */
static int mode_sizes(void) {
  char buf[8192];
  int fd = open("t", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  memset(buf, 'q', sizeof buf);
  CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
  CHECK(ftruncate(fd, 6000) == 0);
  CHECK(truncate("t", 7000) == 0);
  CHECK(fallocate(fd, 0, 0, 12288) == 0);
  CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20480) == 0);
  CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0);
  if (fallocate(fd, FALLOC_FL_ZERO_RANGE, 8192, 8192) != 0) return errno == EOPNOTSUPP ? 77 : 1;
  CHECK(close(fd) == 0);
  return 0;
}

/* fallocate COLLAPSE_RANGE and INSERT_RANGE move the data after the
 * offset (block-aligned; ext4 and XFS only). */
static int mode_shift(void) {
  char buf[12288];
  int fd = open("h", O_CREAT | O_RDWR | O_CLOEXEC, 0644), i;
  CHECK(fd >= 0);
  for (i = 0; i < 3; i++) memset(buf + i * 4096, 'a' + i, 4096);
  CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
  if (fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 4096, 4096) != 0) return errno == EOPNOTSUPP ? 77 : 1;
  if (fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096) != 0) return errno == EOPNOTSUPP ? 77 : 1;
  CHECK(close(fd) == 0);
  return 0;
}

/* fdatasync, sync_file_range (no barrier), syncfs, sync. */
static int mode_syncs(void) {
  int fd = open("y", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "one");
  CHECK(fdatasync(fd) == 0);
  put(fd, "two");
  CHECK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0);
  CHECK(syncfs(fd) == 0);
  put(fd, "three");
  sync();
  CHECK(close(fd) == 0);
  return 0;
}

static void make(const char *name, const char *data) {
  int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, data);
  CHECK(close(fd) == 0);
}

/* rename, renameat (directory descriptors), renameat2 NOREPLACE and
 * EXCHANGE. */
static int mode_rename(void) {
  int d;
  make("a", "A");
  make("b", "B");
  CHECK(mkdir("d", 0755) == 0);
  CHECK(rename("a", "a2") == 0);
  d = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(d >= 0);
  CHECK(renameat(AT_FDCWD, "a2", d, "a3") == 0);
  CHECK(renameat2(d, "a3", AT_FDCWD, "a4", RENAME_NOREPLACE) == 0);
  CHECK(renameat2(AT_FDCWD, "a4", AT_FDCWD, "b", RENAME_NOREPLACE) == -1 && errno == EEXIST);
  CHECK(renameat2(AT_FDCWD, "a4", AT_FDCWD, "b", RENAME_EXCHANGE) == 0);
  CHECK(close(d) == 0);
  return 0;
}

/* link, linkat, symlink, symlinkat, unlink, unlinkat, rmdir, mkdir,
 * mkdirat. */
static int mode_names(void) {
  int d;
  make("f", "F");
  CHECK(mkdir("d", 0755) == 0);
  d = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(d >= 0);
  CHECK(link("f", "g") == 0);
  CHECK(linkat(AT_FDCWD, "f", d, "h", 0) == 0);
  CHECK(symlink("f", "s") == 0);
  CHECK(symlinkat("../f", d, "t") == 0);
  CHECK(mkdirat(d, "e", 0755) == 0);
  CHECK(mkdir("x", 0755) == 0);
  CHECK(unlink("g") == 0);
  CHECK(unlinkat(d, "t", 0) == 0);
  CHECK(unlinkat(d, "e", AT_REMOVEDIR) == 0);
  CHECK(rmdir("x") == 0);
  CHECK(close(d) == 0);
  return 0;
}

/* openat relative to a directory descriptor; chdir and fchdir. */
static int mode_dirs(void) {
  int d, fd;
  CHECK(mkdir("d", 0755) == 0);
  CHECK(mkdir("d/e", 0755) == 0);
  d = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(d >= 0);
  fd = openat(d, "in-d", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "at");
  CHECK(close(fd) == 0);
  CHECK(chdir("d/e") == 0);
  make("in-e", "cd");
  make("../up", "..");
  CHECK(fchdir(d) == 0);
  make("via-fchdir", "fc");
  CHECK(fsync(d) == 0);
  CHECK(close(d) == 0);
  return 0;
}

/* dup, dup2, dup3, fcntl(F_DUPFD, F_DUPFD_CLOEXEC): every duplicate
 * writes to the same file, at the shared position. */
static int mode_dup(void) {
  int fd = open("u", O_CREAT | O_WRONLY | O_CLOEXEC, 0644), a, b, c, e, g;
  CHECK(fd >= 0);
  put(fd, "1");
  a = dup(fd);
  put(a, "2");
  b = dup2(fd, 40);
  CHECK(b == 40);
  put(b, "3");
  c = dup3(fd, 41, O_CLOEXEC);
  CHECK(c == 41);
  put(c, "4");
  e = fcntl(fd, F_DUPFD, 50);
  CHECK(e >= 50);
  put(e, "5");
  g = fcntl(fd, F_DUPFD_CLOEXEC, 60);
  CHECK(g >= 60);
  CHECK(close(fd) == 0);
  put(g, "6");
  /* dup2 over a descriptor of another file replaces it. */
  fd = open("v", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK(dup2(fd, a) == a);
  put(a, "v");
  /* A closed number reused for a pipe is not the file any more. */
  CHECK(close(b) == 0);
  {
    int p[2];
    CHECK(pipe(p) == 0);
    put(p[1], "pipe");
    close(p[0]);
    close(p[1]);
  }
  return 0;
}

/* fork: the child writes through the inherited descriptor; exec: a
 * descriptor without close-on-exec is inherited by the new program, one
 * with it is not (its number, reused there for /dev/null, is not the
 * file). */
static int mode_fork(void) {
  int fd = open("k", O_CREAT | O_WRONLY | O_CLOEXEC, 0644), keep, status;
  pid_t pid;
  char arg[32];
  CHECK(fd >= 0);
  put(fd, "parent1 ");
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    put(fd, "child ");
    _exit(0);
  }
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  put(fd, "parent2 ");
  keep = dup(fd); /* without close-on-exec */
  CHECK(keep >= 0);
  snprintf(arg, sizeof arg, "%d", keep);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char fdarg[32];
    snprintf(fdarg, sizeof fdarg, "%d", fd);
    execl(self, self, "exec-child", arg, fdarg, (char *)NULL);
    _exit(127);
  }
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  put(fd, "parent3");
  return 0;
}

static int mode_exec_child(int keep, int gone) {
  int n;
  put(keep, "exec ");
  /* gone was close-on-exec: the lowest free number is it again. */
  n = open("/dev/null", O_WRONLY);
  CHECK(n == gone);
  put(n, "not the file");
  return 0;
}

/* posix_spawn (vfork-style clone) of a shell that writes a file. */
static int mode_spawn(void) {
  pid_t pid;
  int status;
  char *argv[] = {"sh", "-c", "echo spawned > sp; echo 'from the shell' >> \"$PLINTH_NOTES\"", NULL};
  CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) == 0);
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return 0;
}

/* Threads share the table: a file opened by one is written by another;
 * several threads append to their own files at once. */
#define NTHREADS 4
#define RECORDS 50

static int shared_fd = -1;

static void *writer(void *arg) {
  long i = (long)arg;
  char name[16], line[32];
  int fd, k;
  snprintf(name, sizeof name, "t%ld", i);
  fd = open(name, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  for (k = 0; k < RECORDS; k++) {
    snprintf(line, sizeof line, "thread %ld record %02d\n", i, k);
    put(fd, line);
  }
  CHECK(fsync(fd) == 0);
  CHECK(close(fd) == 0);
  return NULL;
}

static void *opener(void *arg) {
  (void)arg;
  shared_fd = open("shared", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(shared_fd >= 0);
  return NULL;
}

static int mode_threads(void) {
  pthread_t t[NTHREADS], o;
  long i;
  CHECK(pthread_create(&o, NULL, opener, NULL) == 0);
  CHECK(pthread_join(o, NULL) == 0);
  put(shared_fd, "written by main");
  CHECK(close(shared_fd) == 0);
  for (i = 0; i < NTHREADS; i++) CHECK(pthread_create(&t[i], NULL, writer, (void *)i) == 0);
  for (i = 0; i < NTHREADS; i++) CHECK(pthread_join(t[i], NULL) == 0);
  note("threads done");
  return 0;
}

/* A shared writable mapping: changes reach the trace at msync (MS_SYNC:
 * durable), and at munmap. */
static int mode_mmap(void) {
  int fd = open("m", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  char *p;
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 8192) == 0);
  p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  CHECK(close(fd) == 0);
  memcpy(p + 100, "mapped", 6);
  CHECK(msync(p, 8192, MS_SYNC) == 0);
  note("msynced");
  memcpy(p + 5000, "later", 5);
  CHECK(munmap(p, 8192) == 0);
  return 0;
}

/* A mapping made by one thread, changed and msynced by another: threads
 * share the address space. */
static char *thread_map;

static void *mapper(void *arg) {
  int fd = open("tm", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  (void)arg;
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 4096) == 0);
  thread_map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(thread_map != MAP_FAILED);
  CHECK(close(fd) == 0);
  memcpy(thread_map, "first", 5);
  CHECK(msync(thread_map, 4096, MS_ASYNC) == 0);
  return NULL;
}

static int mode_thread_mmap(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, mapper, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  memcpy(thread_map + 10, "second", 6);
  /* MS_SYNC: the earlier, unsynced capture becomes durable with it. */
  CHECK(msync(thread_map, 4096, MS_SYNC) == 0);
  CHECK(munmap(thread_map, 4096) == 0);
  return 0;
}

/* stdio: fprintf, fflush, fsync(fileno). */
static int mode_stdio(void) {
  FILE *f = fopen("log.txt", "w");
  int i;
  CHECK(f != NULL);
  for (i = 0; i < 3; i++) {
    fprintf(f, "line %d\n", i);
    CHECK(fflush(f) == 0);
    CHECK(fsync(fileno(f)) == 0);
    note(i == 0 ? "line 0" : i == 1 ? "line 1" : "line 2");
  }
  CHECK(fclose(f) == 0);
  return 0;
}

/* Notes through a duplicated descriptor, a line written in two parts, and
 * a last line without its newline. */
static int mode_notes(void) {
  int fd = open(getenv("PLINTH_NOTES"), O_WRONLY | O_APPEND | O_CLOEXEC), d;
  CHECK(fd >= 0);
  d = dup(fd);
  put(d, "first ");
  put(fd, "line\nsecond line\n");
  make("between", "x");
  put(d, "no newline");
  return 0;
}

/* Changes outside the root (argv[2] is a directory out there). */
static int mode_outside(const char *there) {
  char p[4096];
  int fd;
  snprintf(p, sizeof p, "%s/out", there);
  fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "out");
  CHECK(close(fd) == 0);
  make("in", "in");
  /* Moved in from outside: there with its contents. */
  CHECK(rename(p, "moved-in") == 0);
  return 0;
}

/* The kernel copies the bytes: copy_file_range, sendfile, splice. */
static int mode_copy(void) {
  int in, out, p[2];
  loff_t off = 0;
  make("src", "0123456789abcdef");
  in = open("src", O_RDONLY | O_CLOEXEC);
  out = open("dst", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(in >= 0 && out >= 0);
  CHECK(copy_file_range(in, &off, out, NULL, 4, 0) == 4);
  CHECK(sendfile(out, in, NULL, 6) == 6);
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "piped", 5) == 5);
  off = 20;
  CHECK(splice(p[0], NULL, out, &off, 5, 0) == 5);
  close(p[0]);
  close(p[1]);
  CHECK(close(in) == 0 && close(out) == 0);
  return 0;
}

/* Calls that fail change nothing and are not recorded. */
static int mode_failures(void) {
  CHECK(open("missing/f", O_CREAT | O_WRONLY, 0644) == -1);
  CHECK(rename("nothing", "other") == -1);
  CHECK(unlink("nothing") == -1);
  CHECK(mkdir("missing/d", 0755) == -1);
  make("ok", "ok");
  CHECK(write(99, "x", 1) == -1);
  return 0;
}

/* A file opened (not created), linked elsewhere and unlinked under the
 * name it was opened with, then written: /proc no longer names it. */
static int mode_linked_away(void) {
  int fd;
  make("la", "x");
  fd = open("la", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK(link("la", "lb") == 0);
  CHECK(unlink("la") == 0);
  put(fd, "y");
  CHECK(close(fd) == 0);
  return 0;
}

/* O_TMPFILE: an unnamed file, said to be unsupported. */
static int mode_tmpfile(void) {
  int fd = open(".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return 77;
  put(fd, "unnamed");
  CHECK(close(fd) == 0);
  return 0;
}

/* munmap of part of a shared mapping: a hole in the middle (the tail
 * becomes a mapping of its own), the last page, the first page, and the
 * rest; then a mapping that a forked child writes and syncs. */
static int mode_mmap_split(void) {
  long pg = sysconf(_SC_PAGESIZE);
  int fd = open("s", O_CREAT | O_RDWR | O_CLOEXEC, 0644), st;
  char *p, *q;
  pid_t child;
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 4 * pg) == 0);
  p = mmap(NULL, (size_t)(4 * pg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  q = mmap(NULL, (size_t)(2 * pg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(q != MAP_FAILED);
  CHECK(close(fd) == 0);
  p[0] = 'A';
  p[pg] = 'B';
  p[2 * pg] = 'C';
  p[3 * pg] = 'D';
  CHECK(munmap(p + pg, (size_t)pg) == 0);     /* the middle: B */
  CHECK(munmap(p + 3 * pg, (size_t)pg) == 0); /* the tail's end: D */
  CHECK(munmap(p + 2 * pg, (size_t)pg) == 0); /* what is left of it: C */
  CHECK(munmap(p, (size_t)pg) == 0);          /* A */
  q[10] = 'E';
  q[pg + 10] = 'F';
  CHECK(munmap(q, (size_t)pg) == 0);      /* the head: E */
  CHECK(munmap(q + pg, (size_t)pg) == 0); /* F */
  fd = open("k", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, pg) == 0);
  p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  CHECK(close(fd) == 0);
  child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    memcpy(p, "child", 5);
    _exit(msync(p, (size_t)pg, MS_SYNC) == 0 ? 0 : 1);
  }
  CHECK(waitpid(child, &st, 0) == child);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(munmap(p, (size_t)pg) == 0);
  return 0;
}

/* Calls on a file outside the root through a descriptor: a copy into it,
 * a preallocation, and an exchange of it with a file inside. */
static int mode_outside_calls(const char *there) {
  char p[4096];
  int in, out;
  loff_t off = 0;
  snprintf(p, sizeof p, "%s/o2", there);
  make("src", "0123456789");
  in = open("src", O_RDONLY | O_CLOEXEC);
  out = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  CHECK(in >= 0 && out >= 0);
  CHECK(copy_file_range(in, &off, out, NULL, 4, 0) == 4);
  CHECK(sendfile(out, in, NULL, 3) == 3);
  CHECK(fallocate(out, 0, 0, 8192) == 0);
  CHECK(close(in) == 0 && close(out) == 0);
  CHECK(syscall(SYS_renameat2, AT_FDCWD, "src", AT_FDCWD, p, 2 /* RENAME_EXCHANGE */) == 0);
  return 0;
}

/* Asynchronous I/O the tracer cannot follow: an io_uring instance (where
 * the kernel has it) and an io_submit (which fails here: no context). */
static int mode_async_io(void) {
#if defined(SYS_io_uring_setup)
  unsigned char params[120]; /* struct io_uring_params */
  long fd;
  memset(params, 0, sizeof params);
  fd = syscall(SYS_io_uring_setup, 1, params);
  if (fd >= 0) close((int)fd);
#endif
  CHECK(syscall(SYS_io_submit, 0, 0, NULL) < 0);
  return 0;
}

/* openat2, mremap of part of a shared mapping, and more changes outside
 * the root than are named one by one. */
static int mode_more_calls(const char *there) {
#if defined(SYS_openat2)
  struct {
    unsigned long long flags, mode, resolve;
  } how = {O_CREAT | O_WRONLY | O_CLOEXEC, 0644, 0};
  long pg = sysconf(_SC_PAGESIZE);
  char p[4096], *m, *q;
  int fd, i;
  fd = (int)syscall(SYS_openat2, AT_FDCWD, "o2", &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) return 77;
  CHECK(fd >= 0);
  put(fd, "two");
  CHECK(close(fd) == 0);
  fd = open("m", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 2 * pg) == 0);
  m = mmap(NULL, (size_t)(2 * pg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED);
  CHECK(close(fd) == 0);
  q = mremap(m + pg, (size_t)pg, (size_t)(2 * pg), MREMAP_MAYMOVE); /* its second page only */
  CHECK(q != MAP_FAILED);
  CHECK(munmap(q, (size_t)(2 * pg)) == 0);
  CHECK(munmap(m, (size_t)pg) == 0);
  for (i = 0; i < 20; i++) {
    snprintf(p, sizeof p, "%s/out-%d", there, i);
    make(p, "x");
  }
  return 0;
#else
  (void)there;
  return 77;
#endif
}

/* renameat2(RENAME_WHITEOUT), as overlay file systems use it: exit 77
 * where the file system or the privileges do not allow it. */
static int mode_whiteout(void) {
  make("w", "w");
  if (syscall(SYS_renameat2, AT_FDCWD, "w", AT_FDCWD, "w2", 4 /* RENAME_WHITEOUT */) != 0) {
    if (errno == EPERM || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS) return 77;
    CHECK(0);
  }
  return 0;
}

/* The older calls a program may still make directly: open and creat
 * (not openat), mknod of a regular file, close_range, unshare of the
 * descriptor table, mremap of a whole shared mapping, and a FIFO made
 * with mknod.  Exit 77 where
 * the architecture has no open or creat system call. */
static int mode_legacy(void) {
#if defined(SYS_open) && defined(SYS_creat) && defined(SYS_close_range)
  int fd;
  char *p;
  fd = (int)syscall(SYS_creat, "c", 0644);
  CHECK(fd >= 0);
  put(fd, "C");
  CHECK(close(fd) == 0);
  fd = (int)syscall(SYS_open, "o", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  put(fd, "OO");
  /* close_range closes it; the number is reused by the next open */
  CHECK(syscall(SYS_close_range, (unsigned)fd, (unsigned)fd, 0u) == 0);
  CHECK(mknod("n", S_IFREG | 0644, 0) == 0);
  CHECK(unshare(CLONE_FILES) == 0);
  fd = open("r", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 8192) == 0);
  p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  CHECK(close(fd) == 0);
  p = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
  CHECK(p != MAP_FAILED);
  memcpy(p + 6000, "moved", 5);
  CHECK(msync(p, 8192, MS_SYNC) == 0);
  CHECK(munmap(p, 8192) == 0);
  /* a FIFO holds no data: said, not recorded */
  CHECK(mknod("fifo", S_IFIFO | 0644, 0) == 0);
  CHECK(unlink("fifo") == 0);
  return 0;
#else
  return 77;
#endif
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "basic";
  self = argv[0];
  if (strcmp(mode, "basic") == 0) return mode_basic();
  if (strcmp(mode, "append") == 0) return mode_append();
  if (strcmp(mode, "osync") == 0) return mode_osync();
  if (strcmp(mode, "direct") == 0) return mode_direct();
  if (strcmp(mode, "positional") == 0) return mode_positional();
  if (strcmp(mode, "sizes") == 0) return mode_sizes();
  if (strcmp(mode, "syncs") == 0) return mode_syncs();
  if (strcmp(mode, "shift") == 0) return mode_shift();
  if (strcmp(mode, "rename") == 0) return mode_rename();
  if (strcmp(mode, "names") == 0) return mode_names();
  if (strcmp(mode, "dirs") == 0) return mode_dirs();
  if (strcmp(mode, "dup") == 0) return mode_dup();
  if (strcmp(mode, "fork") == 0) return mode_fork();
  if (strcmp(mode, "exec-child") == 0 && argc > 3) return mode_exec_child(atoi(argv[2]), atoi(argv[3]));
  if (strcmp(mode, "spawn") == 0) return mode_spawn();
  if (strcmp(mode, "threads") == 0) return mode_threads();
  if (strcmp(mode, "mmap") == 0) return mode_mmap();
  if (strcmp(mode, "thread-mmap") == 0) return mode_thread_mmap();
  if (strcmp(mode, "stdio") == 0) return mode_stdio();
  if (strcmp(mode, "notes") == 0) return mode_notes();
  if (strcmp(mode, "outside") == 0 && argc > 2) return mode_outside(argv[2]);
  if (strcmp(mode, "copy") == 0) return mode_copy();
  if (strcmp(mode, "failures") == 0) return mode_failures();
  if (strcmp(mode, "tmpfile") == 0) return mode_tmpfile();
  if (strcmp(mode, "linked-away") == 0) return mode_linked_away();
  if (strcmp(mode, "legacy") == 0) return mode_legacy();
  if (strcmp(mode, "mmap-split") == 0) return mode_mmap_split();
  if (strcmp(mode, "async-io") == 0) return mode_async_io();
  if (strcmp(mode, "whiteout") == 0) return mode_whiteout();
  if (strcmp(mode, "more-calls") == 0 && argc > 2) return mode_more_calls(argv[2]);
  if (strcmp(mode, "outside-calls") == 0 && argc > 2) return mode_outside_calls(argv[2]);
  if (strcmp(mode, "sleep") == 0) {
    if (fork() == 0) setsid(); /* a child in a group of its own */
    sleep(60);
    return 0;
  }
  fprintf(stderr, "tracer_workload: unknown mode %s\n", mode);
  return 2;
}
