/* plinth — LevelDB's Env on top of any pl_env.
 *
 * LevelDB (1.23) reaches the file system only through leveldb::Env and the
 * file classes it returns.  pl_leveldb_env_new() gives LevelDB a
 * leveldb::Env whose every operation is the matching pl_env call, so a
 * LevelDB database can run on plinth's platform env, on a wrapper (counting,
 * fault-injecting) or on the crash harness's recording env:
 *
 *   #include <leveldb/db.h>
 *   #include "plinth_leveldb.h"
 *
 *   leveldb::Env *env = pl_leveldb_env_new(my_pl_env);
 *   leveldb::Options options;
 *   options.env = env;
 *   options.create_if_missing = true;
 *   leveldb::DB *db;
 *   leveldb::Status s = leveldb::DB::Open(options, "/data/db", &db);
 *   ...
 *   delete db;   // every file and lock the DB holds is closed here
 *   delete env;  // the pl_env itself is not touched
 *
 * It works with Debian's stock libleveldb (link -lleveldb and this adapter)
 * and is also compiled into LevelDB in place of util/env_posix.cc, where
 * leveldb::Env::Default() becomes pl_leveldb_env_new(pl_env_default()).
 *
 * How each leveldb::Env call maps (all paths passed through unchanged):
 *   NewSequentialFile   -> new_sequential        Read/Skip -> read/skip
 *   NewRandomAccessFile -> new_random            Read -> read_at; when the
 *       pl_env returns memory it owns (a mapping), the Slice points there
 *       without a copy, as LevelDB's own mmap files do.
 *   NewWritableFile     -> new_writable (default options: 64 KiB buffer)
 *   NewAppendableFile   -> new_appendable
 *       Append/Flush/Sync/Close -> append/flush/sync/close.  Sync of a
 *       MANIFEST file syncs its directory first (the pl_env's rule).
 *   FileExists -> file_exists, GetChildren -> list_children plus "." and
 *   ".." (LevelDB's own envs list them and its tests expect them),
 *   RemoveFile/DeleteFile -> remove_file, CreateDir -> create_dir (OK if
 *   it exists), RemoveDir/DeleteDir -> remove_dir, GetFileSize ->
 *   file_size, RenameFile -> rename, LockFile/UnlockFile ->
 *   lock_file/unlock_file, Schedule -> schedule, StartThread ->
 *   start_thread, GetTestDirectory -> test_directory, NewLogger ->
 *   new_logger (the platform env truncates an existing log where LevelDB's
 *   POSIX env appends; DB::Open renames LOG to LOG.old first, so nothing is
 *   lost), NowMicros -> now_micros (monotonic: only differences mean
 *   anything, which is all LevelDB uses it for), SleepForMicroseconds ->
 *   sleep_micros.
 *
 * Errors: a failed pl_env call becomes the leveldb::Status of the same kind
 * (PL_NOT_FOUND -> Status::NotFound, PL_CORRUPTION -> Corruption,
 * PL_NOT_SUPPORTED -> NotSupported, PL_INVALID_ARGUMENT -> InvalidArgument,
 * anything else -> IOError) whose message is pl_error_message(), e.g.
 * "IO error: /data/db/000005.log: No space left on device".  A pl_env's
 * sticky write errors therefore reach LevelDB, which stops writing.
 *
 * A call made on a WritableFile after Close() returns IOError
 * ("<path>: file is closed") instead of touching freed memory; deleting an
 * unclosed WritableFile, SequentialFile, RandomAccessFile or Logger closes
 * it.  StartThread has no way to report failure in LevelDB's interface: if
 * the pl_env cannot start the thread the process aborts with a message (as
 * LevelDB's own env does when std::thread throws).
 */
#ifndef PLINTH_COMPAT_LEVELDB_H
#define PLINTH_COMPAT_LEVELDB_H

#include "plinth/env.h"

namespace leveldb {
class Env;
class Status;
}  // namespace leveldb

/* Options for the second form of pl_leveldb_env_new. */
struct pl_leveldb_options {
  /* Non-zero: LevelDB's write-ahead logs (files whose names end in ".log")
   * are given space written with zeros ahead of the records, so a Sync
   * overwrites bytes that are already part of the file and the file system
   * has no new size to commit (plinth/log.h explains why that is cheaper).
   * The zeros are added by a Sync that finds less than 16 KiB of them ahead
   * of the records: 64 KiB past the records the first time, then twice the
   * last step up to 1 MiB, always ending on a 32 KiB block boundary, written
   * before that Sync's own sync, which covers them.  A log that is never
   * synced (a bulk load without sync writes) never gets zeros and costs
   * nothing more; an empty log stays empty.  Writes go to their offset
   * (write_at) from the adapter's own 64 KiB buffer; failures are sticky.
   * What changes for LevelDB: a synced log's size includes the zeros ahead
   * of its last record, which its reader skips block by block (zero-filled
   * blocks are what its own preallocating env once left), and a reused log
   * (Options::reuse_logs) continues after them at a block boundary.  Not
   * covered: if adding zeros fails (ENOSPC), or power is lost while they are
   * being added, the file may end in zeros at a size that is not a block
   * boundary; a DB reopened with reuse_logs then continues the log mid-block
   * after zeros, and LevelDB's reader drops what follows a zero header in a
   * block.  (Stock LevelDB has the same exposure whenever a crash leaves a
   * zero-filled tail, which the strict power-loss model allows.)  Reopen
   * such a DB without reuse_logs.  Off by default. */
  int prezero_logs;
  pl_leveldb_options() : prezero_logs(0) {}
};

/* Returns a new leveldb::Env that forwards every operation to env, or NULL
 * if env is NULL or was built against a newer, incompatible pl_env layout
 * (env->version < 1).  env is borrowed: it must outlive the returned Env
 * and every file, lock and logger made through it.  The returned Env is safe
 * for concurrent use exactly as far as env is (the platform env is).  The
 * caller deletes it with `delete` after every DB using it is closed. */
leveldb::Env *pl_leveldb_env_new(pl_env *env);
/* The same, with options (see pl_leveldb_options). */
leveldb::Env *pl_leveldb_env_new(pl_env *env, const pl_leveldb_options &options);

/* Returns the leveldb::Status for a pl_env result: OK for PL_OK, otherwise
 * the status of the same kind with this thread's pl_error_message().  Call
 * it right after the failing plinth call (the message is per thread and
 * replaced by the next failure).  For wrappers that call pl_env functions
 * themselves and must report in LevelDB's terms. */
leveldb::Status pl_leveldb_status(pl_status s);

#endif /* PLINTH_COMPAT_LEVELDB_H */
