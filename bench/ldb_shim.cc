// The LevelDB baseline: files from leveldb::Env::Default(), LevelDB's own
// POSIX env from Debian's libleveldb, called exactly as LevelDB calls them.
#include "bench/ldb_shim.h"

#include <cstdio>
#include <cstdlib>

#include "leveldb/env.h"
#include "leveldb/slice.h"
#include "leveldb/status.h"

struct ldb_writable { leveldb::WritableFile *f; };
struct ldb_sequential { leveldb::SequentialFile *f; };
struct ldb_random { leveldb::RandomAccessFile *f; };

static void check(const leveldb::Status &s, const char *what) {
  if (!s.ok()) {
    std::fprintf(stderr, "bench: leveldb %s failed: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

int ldb_available(void) { return 1; }

ldb_writable *ldb_writable_open(const char *path) {
  ldb_writable *w = new ldb_writable;
  check(leveldb::Env::Default()->NewWritableFile(path, &w->f), "NewWritableFile");
  return w;
}

void ldb_writable_append(ldb_writable *w, const void *data, size_t n) {
  check(w->f->Append(leveldb::Slice(static_cast<const char *>(data), n)), "Append");
}

void ldb_writable_sync(ldb_writable *w) { check(w->f->Sync(), "Sync"); }

void ldb_writable_close(ldb_writable *w) {
  check(w->f->Close(), "Close");
  delete w->f;
  delete w;
}

ldb_sequential *ldb_sequential_open(const char *path) {
  ldb_sequential *s = new ldb_sequential;
  check(leveldb::Env::Default()->NewSequentialFile(path, &s->f), "NewSequentialFile");
  return s;
}

size_t ldb_sequential_read(ldb_sequential *s, size_t n, char *scratch, const char **result) {
  leveldb::Slice got;
  check(s->f->Read(n, &got, scratch), "Read");
  *result = got.data();
  return got.size();
}

void ldb_sequential_close(ldb_sequential *s) {
  delete s->f;
  delete s;
}

ldb_random *ldb_random_open(const char *path) {
  ldb_random *r = new ldb_random;
  check(leveldb::Env::Default()->NewRandomAccessFile(path, &r->f), "NewRandomAccessFile");
  return r;
}

size_t ldb_random_read(ldb_random *r, uint64_t offset, size_t n, char *scratch, const char **result) {
  leveldb::Slice got;
  check(r->f->Read(offset, n, &got, scratch), "Read");
  *result = got.data();
  return got.size();
}

void ldb_random_close(ldb_random *r) {
  delete r->f;
  delete r;
}
