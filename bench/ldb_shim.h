/* The LevelDB baseline, seen from C: leveldb::Env::Default()'s own POSIX
 * files (bench/ldb_shim.cc, built when libleveldb and g++ are present), or
 * bench/ldb_absent.c, which says it is not there.  Every call that fails
 * prints LevelDB's status and exits. */
#ifndef PLINTH_BENCH_LDB_SHIM_H
#define PLINTH_BENCH_LDB_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Non-zero when this program was linked with LevelDB. */
int ldb_available(void);

typedef struct ldb_writable ldb_writable;
typedef struct ldb_sequential ldb_sequential;
typedef struct ldb_random ldb_random;

ldb_writable *ldb_writable_open(const char *path);
void ldb_writable_append(ldb_writable *f, const void *data, size_t n);
void ldb_writable_sync(ldb_writable *f);
void ldb_writable_close(ldb_writable *f);

ldb_sequential *ldb_sequential_open(const char *path);
/* Reads up to n bytes into scratch; returns the count (0 at the end). */
size_t ldb_sequential_read(ldb_sequential *f, size_t n, char *scratch, const char **result);
void ldb_sequential_close(ldb_sequential *f);

ldb_random *ldb_random_open(const char *path);
size_t ldb_random_read(ldb_random *f, uint64_t offset, size_t n, char *scratch, const char **result);
void ldb_random_close(ldb_random *f);

#ifdef __cplusplus
}
#endif
#endif
