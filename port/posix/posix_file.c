/* POSIX: operations on open files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port/port.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

pl_status pl__port_open(const char *path, int flags, pl__os_file *out) {
  int oflags = O_CLOEXEC;
  int fd;
  if ((flags & PL__OPEN_READ) && (flags & PL__OPEN_WRITE)) oflags |= O_RDWR;
  else if (flags & PL__OPEN_WRITE) oflags |= O_WRONLY;
  else oflags |= O_RDONLY;
  if (flags & PL__OPEN_CREATE) oflags |= O_CREAT;
  if (flags & PL__OPEN_TRUNCATE) oflags |= O_TRUNC;
  /* O_EXCL with O_CREAT fails on an existing name, a symbolic link
   * included (it is not followed). */
  if (flags & PL__OPEN_EXCLUSIVE) oflags |= O_EXCL;
#ifdef O_DIRECTORY
  if (flags & PL__OPEN_DIRECTORY) oflags |= O_DIRECTORY;
#endif
  do {
    fd = open(path, oflags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return pl__port_error(errno, path);
#if !HAVE_DECL_O_CLOEXEC
  /* Without O_CLOEXEC there is a window in which a concurrent fork+exec
   * inherits the descriptor; this is the best such a system allows. */
  fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
  /* Appendable files are positioned at the end instead of opened with
   * O_APPEND: on Linux, pwrite on an O_APPEND descriptor ignores its offset
   * and appends, which would break write_at. */
  if ((flags & PL__OPEN_APPEND) && lseek(fd, 0, SEEK_END) == (off_t)-1) {
    int e = errno;
    close(fd);
    return pl__port_error(e, path);
  }
  *out = fd;
  return PL_OK;
}

pl_status pl__port_close(pl__os_file f, const char *path) {
  /* close() is not retried on EINTR: on Linux the descriptor is already
   * gone, and a retry could close one another thread just opened. */
  if (close((int)f) != 0 && errno != EINTR) return pl__port_error(errno, path);
  return PL_OK;
}

pl_status pl__port_read(pl__os_file f, void *buf, size_t n, size_t *got,
                       const char *path) {
  ssize_t r;
  do {
    r = read((int)f, buf, n);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    *got = 0;
    return pl__port_error(errno, path);
  }
  *got = (size_t)r;
  return PL_OK;
}

pl_status pl__port_pread(pl__os_file f, uint64_t offset, void *buf, size_t n,
                        size_t *got, const char *path) {
  char *p = buf;
  size_t done = 0;
  /* pread may return fewer bytes than asked before end of file (signals,
   * some file systems); keep going until EOF (0) or n. */
  while (done < n) {
    ssize_t r = pread((int)f, p + done, n - done, (off_t)(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      *got = done;
      return pl__port_error(errno, path);
    }
    if (r == 0) break;
    done += (size_t)r;
  }
  *got = done;
  return PL_OK;
}

pl_status pl__port_writev(pl__os_file f, const pl_iovec *iov, int iovcnt,
                         const char *path) {
  struct iovec vec[64];
  int i = 0;
  size_t skip = 0; /* bytes of iov[i] already written */
  while (i < iovcnt) {
    int n = 0, k;
    ssize_t w;
    for (k = i; k < iovcnt && n < 64; k++, n++) {
      vec[n].iov_base = (char *)iov[k].base + (k == i ? skip : 0);
      vec[n].iov_len = iov[k].len - (k == i ? skip : 0);
    }
    /* One piece (every buffer drain of small appends) goes through write:
     * writev must first copy the iovec array in from user space, which
     * cost LevelDB's fillseq (one log flush per record) about 5%. */
    if (n == 1) w = write((int)f, vec[0].iov_base, vec[0].iov_len);
    else w = writev((int)f, vec, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return pl__port_error(errno, path);
    }
    if (w == 0 && vec[0].iov_len > 0) {
      /* No progress and no error: retrying would spin forever. */
      return pl__port_error(EIO, path);
    }
    /* A short write (signal, RLIMIT_FSIZE boundary, full pipe) is resumed
     * where it stopped; the next call reports the error if there is one. */
    while (i < iovcnt && (size_t)w >= iov[i].len - skip) {
      w -= (ssize_t)(iov[i].len - skip);
      skip = 0;
      i++;
    }
    skip += (size_t)w;
  }
  return PL_OK;
}

pl_status pl__port_pwrite(pl__os_file f, uint64_t offset, const void *data,
                         size_t n, const char *path) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = pwrite((int)f, p, n, (off_t)offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return pl__port_error(errno, path);
    }
    if (w == 0) return pl__port_error(EIO, path); /* no progress, no error */
    p += w;
    offset += (uint64_t)w;
    n -= (size_t)w;
  }
  return PL_OK;
}

pl_status pl__port_skip(pl__os_file f, uint64_t n, const char *path) {
  if (lseek((int)f, (off_t)n, SEEK_CUR) == (off_t)-1)
    return pl__port_error(errno, path);
  return PL_OK;
}

pl_status pl__port_sync(pl__os_file f, const char *path) {
  int fd = (int)f;
#if HAVE_DECL_F_FULLFSYNC
  /* On Apple systems fsync only hands data to the drive, which may keep it
   * in a volatile cache; F_FULLFSYNC asks the drive to flush.  Some file
   * systems do not support it, and then fsync is the best there is. */
  if (fcntl(fd, F_FULLFSYNC) == 0) return PL_OK;
#endif
#if HAVE_FDATASYNC && HAVE_DECL_FDATASYNC
  /* fdatasync skips metadata not needed to read the data back (mtime), one
   * journal commit fewer than fsync on most file systems. */
  while (fdatasync(fd) != 0) {
    if (errno != EINTR) return pl__port_error(errno, path);
  }
#else
  while (fsync(fd) != 0) {
    if (errno != EINTR) return pl__port_error(errno, path);
  }
#endif
  return PL_OK;
}

pl_status pl__port_sync_dir(const char *dir) {
  pl__os_file f;
  pl_status s = pl__port_open(dir, PL__OPEN_READ | PL__OPEN_DIRECTORY, &f);
  int r;
  if (s != PL_OK) return s;
  do {
    r = fsync((int)f);
  } while (r != 0 && errno == EINTR);
  if (r != 0 && errno != EINVAL) {
    int e = errno;
    close((int)f);
    return pl__port_error(e, dir);
  }
  /* EINVAL: the file system cannot sync directories (CIFS, some FUSE and
   * network file systems).  Nothing better is possible there, so this is
   * not an error; LevelDB and SQLite make the same choice. */
  close((int)f);
  return PL_OK;
}

pl_status pl__port_allocate(pl__os_file f, uint64_t offset, uint64_t len,
                           const char *path) {
#if HAVE_FALLOCATE
  /* fallocate(2), not posix_fallocate: where the file system cannot
   * reserve space, glibc's posix_fallocate falls back to writing every
   * block, which costs as much as the writes it was meant to prepare.
   * A signal can interrupt a large reservation (EINTR); it is retried, as
   * every other interrupted call here is. */
  int r;
  do {
    r = fallocate((int)f, 0, (off_t)offset, (off_t)len);
  } while (r != 0 && errno == EINTR);
  if (r == 0) return PL_OK;
  if (errno == EOPNOTSUPP || errno == ENOSYS)
    return pl_error_set(PL_NOT_SUPPORTED, errno, "%s: preallocation not supported", path);
  return pl__port_error(errno, path);
#elif HAVE_POSIX_FALLOCATE
  int r;
  do {
    r = posix_fallocate((int)f, (off_t)offset, (off_t)len);
  } while (r == EINTR);
  if (r == 0) return PL_OK;
  if (r == EOPNOTSUPP || r == EINVAL || r == ENOSYS)
    return pl_error_set(PL_NOT_SUPPORTED, r, "%s: preallocation not supported", path);
  return pl__port_error(r, path);
#else
  return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: preallocation not supported", path);
#endif
}

pl_status pl__port_fsize(pl__os_file f, uint64_t *size, const char *path) {
  struct stat st;
  if (fstat((int)f, &st) != 0) return pl__port_error(errno, path);
  *size = (uint64_t)st.st_size;
  return PL_OK;
}

pl_status pl__port_mmap(pl__os_file f, uint64_t size, void **base,
                       const char *path) {
  void *p;
  if (size > (uint64_t)SIZE_MAX)
    return pl_error_set(PL_NOT_SUPPORTED, 0, "%s: too large to map", path);
  p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, (int)f, 0);
  if (p == MAP_FAILED) return pl__port_error(errno, path);
  *base = p;
  return PL_OK;
}

void pl__port_munmap(void *base, uint64_t size) { munmap(base, (size_t)size); }

static pl_status set_lock(pl__os_file f, short type, const char *path) {
  struct flock fl;
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0; /* the whole file, however large it grows */
  if (fcntl((int)f, F_SETLK, &fl) != 0) {
    int e = errno;
    if (e == EACCES || e == EAGAIN)
      return pl_error_set(PL_IO_ERROR, e, "%s: locked by another process", path);
    return pl__port_error(e, path);
  }
  return PL_OK;
}

pl_status pl__port_lock(pl__os_file f, const char *path) { return set_lock(f, F_WRLCK, path); }
pl_status pl__port_unlock(pl__os_file f, const char *path) { return set_lock(f, F_UNLCK, path); }

pl_status pl__port_file_id(pl__os_file f, pl__file_id *out, const char *path) {
  struct stat st;
  if (fstat((int)f, &st) != 0) return pl__port_error(errno, path);
  out->volume = (uint64_t)st.st_dev;
  out->index[0] = (uint64_t)st.st_ino;
  out->index[1] = 0;
  return PL_OK;
}
