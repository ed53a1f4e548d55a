/* See fuzz_util.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "plinth/plinth.h"
#include "util/bytes.h"
#include "util/crc32c.h"

const char *fuzz_dir(void) {
  static char dir[512];
  if (dir[0] == '\0') {
    char base[256];
    if (pl_env_test_directory(pl_env_platform(), base, sizeof base) != PL_OK) abort();
    snprintf(dir, sizeof dir, "%s/fuzz-%llu", base, (unsigned long long)pl_env_now_micros(pl_env_platform()));
    if (pl_env_create_dir(pl_env_platform(), dir) != PL_OK) abort();
  }
  return dir;
}

const char *fuzz_path(const char *name) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  return path;
}

void fuzz_write_file(const char *path, const uint8_t *data, size_t n) {
  if (pl_file_write_all(pl_env_platform(), path, data, n, 0) != PL_OK) {
    fprintf(stderr, "fuzz: cannot write %s: %s\n", path, pl_error_message());
    abort();
  }
}

const char *fuzz_input(const char *name, const uint8_t *data, size_t n, void (*repair)(uint8_t *, size_t)) {
  const char *path = fuzz_path(name);
  uint8_t *copy;
  if (repair == NULL) {
    fuzz_write_file(path, data, n);
    return path;
  }
  copy = malloc(n ? n : 1);
  if (copy == NULL) return NULL;
  memcpy(copy, data, n);
  repair(copy, n);
  fuzz_write_file(path, copy, n);
  free(copy);
  return path;
}

void fuzz_repair_crcs(uint8_t *d, size_t n) {
  size_t at = 16;
  while (n >= 8 && at <= n - 8) {
    uint32_t body = pl__get32(d + at);
    if (body > n - at - 8) break;
    pl__put32(d + at + 4, pl__crc32c(d + at + 8, body));
    at += 8 + (size_t)body;
  }
}

void fuzz_clear(const char *dir) {
  pl_env_create_dir(pl_env_platform(), dir);
  if (pl_file_clear_dir(pl_env_platform(), dir) != PL_OK) {
    fprintf(stderr, "fuzz: cannot clear %s: %s\n", dir, pl_error_message());
    abort();
  }
}

void fuzz_expect_empty(const char *dir) {
  pl_strlist names = {0};
  if (pl_env_list_children(pl_env_platform(), dir, &names) != PL_OK) abort();
  if (names.count != 0) {
    fprintf(stderr, "fuzz: %s/%s was written: a state escaped its directory\n", dir, names.items[0]);
    abort();
  }
  pl_strlist_free(&names);
}
