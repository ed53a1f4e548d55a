// A LevelDB database on plinth's platform env, through the installed
// adapter (plinth::plinth_leveldb).  Usage: leveldb_on_plinth DIR
#include <cstdio>
#include <string>

#include <leveldb/db.h>
#include <plinth/plinth.h>
#include <plinth/plinth_leveldb.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: leveldb_on_plinth DIR\n");
    return 2;
  }
  leveldb::Env *env = pl_leveldb_env_new(pl_env_default());
  leveldb::Options options;
  options.env = env;
  options.create_if_missing = true;
  leveldb::DB *db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, std::string(argv[1]) + "/db", &db);
  std::string value;
  if (s.ok()) {
    leveldb::WriteOptions sync;
    sync.sync = true;
    s = db->Put(sync, "plinth", "durable");
  }
  if (s.ok()) s = db->Get(leveldb::ReadOptions(), "plinth", &value);
  delete db;
  delete env;
  if (!s.ok() || value != "durable") {
    std::fprintf(stderr, "leveldb_on_plinth: %s\n", s.ok() ? "wrong value" : s.ToString().c_str());
    return 1;
  }
  std::printf("leveldb on plinth: plinth -> %s (synced)\n", value.c_str());
  return 0;
}
