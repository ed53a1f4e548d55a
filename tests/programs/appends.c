/* appends — the small-write-heavy program of the recording-overhead
 * measurement (make crash-programs): N appends of SIZE bytes to "log" in
 * the current directory, each its own write(2), then one fsync.  Plain
 * libc, no plinth.
 *
 *   appends [N [SIZE]]     (default 100000 appends of 100 bytes) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000, i;
  size_t size = argc > 2 ? (size_t)atol(argv[2]) : 100;
  char *rec = malloc(size ? size : 1);
  int fd = open("log", O_CREAT | O_WRONLY | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (rec == NULL || fd < 0) {
    perror("appends: log");
    return 1;
  }
  memset(rec, 'r', size);
  for (i = 0; i < n; i++) {
    if (size) rec[0] = (char)('a' + i % 26);
    if (write(fd, rec, size) != (ssize_t)size) {
      perror("appends: write");
      return 1;
    }
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    perror("appends: fsync");
    return 1;
  }
  free(rec);
  return 0;
}
