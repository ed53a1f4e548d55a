// Compiled into LevelDB instead of env_default.cc by `make check-ceph`
// (scripts/check-ceph.sh): Env::Default() is the adapter over the RADOS env
// that the PLINTH_RADOS_* variables name (pl_rados_env_open_from_environment),
// so LevelDB's own tests and db_bench run on a Ceph pool.  The process
// stops with a message if the env cannot be opened: Env::Default() cannot
// report failure.
#include <cstdio>
#include <cstdlib>

#include "plinth/rados.h"

namespace {

pl_env* RadosDefaultEnv() {
  pl_env* env = nullptr;
  if (pl_rados_env_open_from_environment(&env) != PL_OK) {
    std::fprintf(stderr, "plinth: LevelDB's default env (RADOS): %s\n", pl_error_message());
    std::abort();
  }
  return env;
}

}  // namespace

#define PLINTH_LEVELDB_DEFAULT_PL_ENV() RadosDefaultEnv()
#include "env_default.cc"
