/* Stands in for bench/ldb_shim.cc when LevelDB or g++ is missing: the
 * programs then skip the LevelDB column and say so. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench/ldb_shim.h"

int ldb_available(void) { return 0; }

static void absent(void) {
  fprintf(stderr, "bench: built without LevelDB\n");
  abort();
}

ldb_writable *ldb_writable_open(const char *path) { (void)path; absent(); return NULL; }
void ldb_writable_append(ldb_writable *f, const void *d, size_t n) { (void)f; (void)d; (void)n; absent(); }
void ldb_writable_sync(ldb_writable *f) { (void)f; absent(); }
void ldb_writable_close(ldb_writable *f) { (void)f; absent(); }
ldb_sequential *ldb_sequential_open(const char *path) { (void)path; absent(); return NULL; }
size_t ldb_sequential_read(ldb_sequential *f, size_t n, char *s, const char **r) { (void)f; (void)n; (void)s; (void)r; absent(); return 0; }
void ldb_sequential_close(ldb_sequential *f) { (void)f; absent(); }
ldb_random *ldb_random_open(const char *path) { (void)path; absent(); return NULL; }
size_t ldb_random_read(ldb_random *f, uint64_t o, size_t n, char *s, const char **r) { (void)f; (void)o; (void)n; (void)s; (void)r; absent(); return 0; }
void ldb_random_close(ldb_random *f) { (void)f; absent(); }
