// Compiled into LevelDB in place of util/env_posix.cc (see
// leveldb-cmake.patch): leveldb::Env::Default() is the adapter over
// pl_env_default(), and the hooks LevelDB's env_posix_test uses to shrink
// the read-only file limits set plinth's platform limits instead.
//
// Built only inside LevelDB's source tree: it needs the private header
// util/env_posix_test_helper.h.
#include <cstdlib>
#include <cstring>

#include "leveldb/env.h"

#include "plinth/env.h"
#include "plinth_leveldb.h"
#include "util/env_posix_test_helper.h"

// The pl_env behind Env::Default(); env_default_rados.cc defines it as the
// RADOS env before including this file.
#ifndef PLINTH_LEVELDB_DEFAULT_PL_ENV
#define PLINTH_LEVELDB_DEFAULT_PL_ENV() pl_env_default()
#endif

namespace leveldb {

// PLINTH_LEVELDB_PREZERO=1 (anything but empty or "0") turns on
// pl_leveldb_options::prezero_logs, so LevelDB's own suite and db_bench can
// run with it (scripts/check-leveldb.sh, scripts/bench-leveldb.sh).
static pl_leveldb_options DefaultOptions() {
  pl_leveldb_options o;
  const char* e = std::getenv("PLINTH_LEVELDB_PREZERO");
  o.prezero_logs = e != nullptr && *e != '\0' && std::strcmp(e, "0") != 0;
  return o;
}

// LevelDB never deletes the default env (its contract), and files or locks
// may still be open at exit, so the adapter lives for the whole process.
Env* Env::Default() {
  static Env* const env = pl_leveldb_env_new(PLINTH_LEVELDB_DEFAULT_PL_ENV(), DefaultOptions());
  return env;
}

// The test calls these before any file is opened; plinth's limits apply to
// files opened after the call, so the effect is the same as LevelDB's.
void EnvPosixTestHelper::SetReadOnlyFDLimit(int limit) {
  int mmap_limit, fd_limit;
  pl_env_platform_get_limits(&mmap_limit, &fd_limit);
  pl_env_platform_set_limits(mmap_limit, limit);
}

void EnvPosixTestHelper::SetReadOnlyMMapLimit(int limit) {
  int mmap_limit, fd_limit;
  pl_env_platform_get_limits(&mmap_limit, &fd_limit);
  pl_env_platform_set_limits(limit, fd_limit);
}

}  // namespace leveldb
