// leveldb_crash — LevelDB on the crash harness.
//
//   leveldb_crash record DIR N
//       Opens (creating) a LevelDB database in DIR through plinth's LevelDB
//       adapter over pl_env_default() — the recording env when PLINTH_TRACE
//       is set — and writes N keys with sync=true, noting "key I" after each
//       Put returns OK (pl_crash_env_note: into the env-level trace, or
//       into $PLINTH_NOTES when recorded at the system-call level).
//
//       Built with -DPL_LEVELDB_STOCK (crash/leveldb_stock) it is stock
//       LevelDB: Debian's libleveldb with its own PosixEnv, no plinth linked
//       at all; the notes are lines appended to $PLINTH_NOTES, as any
//       program would write them.
//   leveldb_crash check STATE NOTES
//       The checker: opens the database STATE/db with LevelDB's
//       own POSIX env (not plinth's) and requires every key noted in NOTES
//       with its value.  Exit 0 = consistent; else the last line says why.
//
// Run it with (one line):
//   plinth crashcheck --sync-points --checker 'leveldb_crash check'
//       -- leveldb_crash record db 20
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <leveldb/db.h>
#include <leveldb/env.h>

#ifdef PL_LEVELDB_STOCK
#include <cstdarg>

// One line per note, appended and flushed at once (one write).
static void note(const char *fmt, ...) {
  const char *path = std::getenv("PLINTH_NOTES");
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (path == nullptr || n < 0) return;
  std::ofstream out(path, std::ios::app);
  out << line << '\n' << std::flush;
}
#else
#include "plinth/crash.h"
#include "plinth_leveldb.h"
#endif

static std::string key_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%06d", i);
  return buf;
}

static std::string value_of(int i) {
  std::string v = "value-" + std::to_string(i) + "-";
  v.resize(100, static_cast<char>('a' + i % 26));
  return v;
}

static int record(const char *dir, int n) {
#ifdef PL_LEVELDB_STOCK
  leveldb::Env *env = nullptr;  // LevelDB's own PosixEnv
#define NOTE(...) note(__VA_ARGS__)
#else
  pl_env *pl = pl_env_default();
  leveldb::Env *env = pl_leveldb_env_new(pl);
#define NOTE(...) pl_crash_env_note(pl, __VA_ARGS__)
#endif
  leveldb::Options options;
  if (env != nullptr) options.env = env;
  options.create_if_missing = true;
  leveldb::DB *db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir, s.ToString().c_str());
    delete env;
    return 1;
  }
  NOTE("opened");
  leveldb::WriteOptions wo;
  wo.sync = true;
  for (int i = 0; i < n; i++) {
    s = db->Put(wo, key_of(i), value_of(i));
    if (!s.ok()) {
      std::fprintf(stderr, "put %d: %s\n", i, s.ToString().c_str());
      break;
    }
    NOTE("key %d", i);
  }
  delete db;
  delete env;
  return s.ok() ? 0 : 1;
}

static int check(const char *state, const char *notes_path) {
  std::ifstream notes(notes_path);
  std::string line;
  int acked = 0;
  bool opened = false;
  while (std::getline(notes, line)) {
    if (line == "opened") opened = true;
    int i;
    if (std::sscanf(line.c_str(), "key %d", &i) == 1 && i + 1 > acked) acked = i + 1;
  }
  std::string dir = std::string(state) + "/db";
  leveldb::Options options;  // LevelDB's own env: a plain reopen
  leveldb::DB *db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    if (!opened && acked == 0) return 0;  // crashed while creating it
    std::printf("reopen failed after %d acknowledged keys: %s\n", acked, s.ToString().c_str());
    return 1;
  }
  for (int i = 0; i < acked; i++) {
    std::string v;
    s = db->Get(leveldb::ReadOptions(), key_of(i), &v);
    if (!s.ok() || v != value_of(i)) {
      std::printf("key %d acknowledged but %s\n", i,
                  s.ok() ? "has a wrong value" : s.ToString().c_str());
      delete db;
      return 1;
    }
  }
  delete db;
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && std::strcmp(argv[1], "record") == 0) return record(argv[2], std::atoi(argv[3]));
  if (argc == 4 && std::strcmp(argv[1], "check") == 0) return check(argv[2], argv[3]);
  std::fprintf(stderr, "usage: leveldb_crash record DIR N | leveldb_crash check STATE NOTES\n");
  return 2;
}
