// leveldb::Env and its file classes over any pl_env (see plinth_leveldb.h).
// Each class holds the plinth object and forwards; the only work done here
// is turning pl_status into leveldb::Status and Slices into (pointer, size).
#include "plinth_leveldb.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "leveldb/env.h"
#include "leveldb/slice.h"
#include "leveldb/status.h"

leveldb::Status pl_leveldb_status(pl_status s) {
  if (s == PL_OK) return leveldb::Status::OK();
  leveldb::Slice msg(pl_error_message());
  switch (s) {
    case PL_NOT_FOUND:
      return leveldb::Status::NotFound(msg);
    case PL_CORRUPTION:
      return leveldb::Status::Corruption(msg);
    case PL_NOT_SUPPORTED:
      return leveldb::Status::NotSupported(msg);
    case PL_INVALID_ARGUMENT:
      return leveldb::Status::InvalidArgument(msg);
    default:
      return leveldb::Status::IOError(msg);
  }
}

namespace {

using leveldb::Slice;
using leveldb::Status;

// Most calls succeed: the success path is a compare and an empty Status
// (which allocates nothing).
inline Status ToStatus(pl_status s) {
  if (s == PL_OK) return Status::OK();
  return pl_leveldb_status(s);
}

class PlSequentialFile final : public leveldb::SequentialFile {
 public:
  explicit PlSequentialFile(pl_sequential_file* f) : f_(f) {}
  ~PlSequentialFile() override { pl_sequential_close(f_); }

  Status Read(size_t n, Slice* result, char* scratch) override {
    size_t got = 0;
    pl_status s = pl_sequential_read(f_, scratch, n, &got);
    *result = Slice(scratch, s == PL_OK ? got : 0);
    return ToStatus(s);
  }

  Status Skip(uint64_t n) override {
    return ToStatus(pl_sequential_skip(f_, n));
  }

 private:
  pl_sequential_file* const f_;
};

class PlRandomAccessFile final : public leveldb::RandomAccessFile {
 public:
  explicit PlRandomAccessFile(pl_random_file* f) : f_(f) {}
  ~PlRandomAccessFile() override { pl_random_close(f_); }

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    const char* data = scratch;
    size_t got = 0;
    pl_status s = pl_random_read_at(f_, offset, n, scratch, &data, &got);
    if (s != PL_OK) {
      *result = Slice(scratch, 0);
      return pl_leveldb_status(s);
    }
    // data may point into a mapping the file owns: LevelDB's table reader
    // recognises data != scratch and neither copies nor frees it.
    *result = Slice(data, got);
    return Status::OK();
  }

 private:
  pl_random_file* const f_;
};

class PlWritableFile final : public leveldb::WritableFile {
 public:
  PlWritableFile(pl_writable_file* f, const std::string& path)
      : f_(f), path_(path) {}
  ~PlWritableFile() override {
    if (f_ != nullptr) pl_writable_close(f_);
  }

  Status Append(const Slice& data) override {
    if (f_ == nullptr) return Closed();
    return ToStatus(pl_writable_append(f_, data.data(), data.size()));
  }

  Status Close() override {
    if (f_ == nullptr) return Closed();
    // The pl_env frees the file even when close fails, so it is gone either
    // way; forget it first.
    pl_writable_file* f = f_;
    f_ = nullptr;
    return ToStatus(pl_writable_close(f));
  }

  Status Flush() override {
    if (f_ == nullptr) return Closed();
    return ToStatus(pl_writable_flush(f_));
  }

  Status Sync() override {
    if (f_ == nullptr) return Closed();
    return ToStatus(pl_writable_sync(f_));
  }

 private:
  Status Closed() const { return Status::IOError(path_, "file is closed"); }

  pl_writable_file* f_;  // nullptr after Close()
  const std::string path_;
};

// A LevelDB write-ahead log over pre-zeroed space (pl_leveldb_options::
// prezero_logs): records go to their offset from this object's buffer, and
// a Sync that finds little zeroed space ahead of the records adds more
// before it syncs (see plinth_leveldb.h).  Logs that are never synced
// never get zeros: a bulk load pays nothing.
class PlPrezeroedLogFile final : public leveldb::WritableFile {
 public:
  static constexpr uint64_t kBlock = 32768;       // LevelDB's log block
  static constexpr size_t kBuffer = 64 * 1024;
  static constexpr uint64_t kFirstStep = 64 * 1024;
  static constexpr uint64_t kMaxStep = 1024 * 1024;
  static constexpr uint64_t kMinAhead = 16 * 1024;

  PlPrezeroedLogFile(pl_writable_file* f, const std::string& path, uint64_t size)
      : f_(f), path_(path), pos_(size), zend_(size), step_(kFirstStep) {
    buf_.reserve(kBuffer);
  }
  ~PlPrezeroedLogFile() override {
    if (f_ != nullptr) Close();
  }

  Status Append(const Slice& data) override {
    if (f_ == nullptr) return Closed();
    if (!failed_.ok()) return failed_;
    if (buf_.size() + data.size() > kBuffer) {
      Status s = WriteBuffer();
      if (!s.ok()) return s;
      if (data.size() >= kBuffer) {  // large: straight from the caller
        s = ToStatus(pl_writable_write_at(f_, pos_, data.data(), data.size()));
        if (!s.ok()) return Fail(s);
        pos_ += data.size();
        return s;
      }
    }
    buf_.append(data.data(), data.size());
    return Status::OK();
  }

  Status Flush() override {
    if (f_ == nullptr) return Closed();
    return WriteBuffer();
  }

  Status Sync() override {
    if (f_ == nullptr) return Closed();
    Status s = WriteBuffer();
    // Zeros for the syncs to come, synced by this one: from here on they
    // overwrite bytes the file already has.
    if (s.ok() && pos_ > 0 && zend_ < pos_ + kMinAhead) s = AddZeros();
    if (s.ok()) s = ToStatus(pl_writable_sync(f_));
    return s.ok() ? s : Fail(s);
  }

  Status Close() override {
    if (f_ == nullptr) return Closed();
    Status s = WriteBuffer();
    pl_writable_file* f = f_;
    f_ = nullptr;
    Status c = ToStatus(pl_writable_close(f));
    return s.ok() ? c : s;
  }

 private:
  Status Closed() const { return Status::IOError(path_, "file is closed"); }

  // Every failed write or sync is sticky, as the pl_env's own files are
  // (the env under the adapter may be a wrapper that does not keep it).
  Status Fail(const Status& s) {
    if (failed_.ok()) failed_ = s;
    return failed_;
  }

  Status WriteBuffer() {
    if (!failed_.ok()) return failed_;
    if (buf_.empty()) return Status::OK();
    Status s = ToStatus(pl_writable_write_at(f_, pos_, buf_.data(), buf_.size()));
    if (!s.ok()) return Fail(s);
    pos_ += buf_.size();
    buf_.clear();
    return s;
  }

  // Zeros from the end of what is written (records, or earlier zeros) to a
  // block boundary a step past the records, so a reused log continues at a
  // block boundary.  Not synced here: the Sync that called it does that.
  Status AddZeros() {
    static const std::string zeros(kBuffer, '\0');
    uint64_t from = zend_ > pos_ ? zend_ : pos_;
    uint64_t to = (pos_ + step_ + kBlock - 1) / kBlock * kBlock;
    for (uint64_t at = from; at < to;) {
      size_t n = static_cast<size_t>(to - at < kBuffer ? to - at : kBuffer);
      Status s = ToStatus(pl_writable_write_at(f_, at, zeros.data(), n));
      if (!s.ok()) return s;
      at += n;
    }
    zend_ = to;
    if (step_ < kMaxStep) step_ *= 2;
    return Status::OK();
  }

  pl_writable_file* f_;  // nullptr after Close()
  const std::string path_;
  std::string buf_;  // bytes for [pos_, pos_ + buf_.size())
  uint64_t pos_;     // where buf_ goes: the bytes before it are written
  uint64_t zend_;    // end of the zeros ahead of the records (<= pos_: none)
  uint64_t step_;
  Status failed_;  // the first failure, replayed
};

class PlLogger final : public leveldb::Logger {
 public:
  explicit PlLogger(pl_logger* l) : l_(l) {}
  ~PlLogger() override { l_->methods->close(l_); }

  void Logv(const char* format, std::va_list ap) override {
    l_->methods->logv(l_, format, ap);
  }

 private:
  pl_logger* const l_;
};

class PlFileLock final : public leveldb::FileLock {
 public:
  explicit PlFileLock(pl_file_lock* l) : lock(l) {}
  pl_file_lock* const lock;
};

bool IsLog(const std::string& fname) {
  return fname.size() > 4 && fname.compare(fname.size() - 4, 4, ".log") == 0;
}

class PlEnv final : public leveldb::Env {
 public:
  PlEnv(pl_env* env, const pl_leveldb_options& o) : env_(env), options_(o) {}
  ~PlEnv() override = default;

  Status NewSequentialFile(const std::string& fname,
                           leveldb::SequentialFile** result) override {
    pl_sequential_file* f;
    *result = nullptr;
    pl_status s = pl_env_new_sequential(env_, fname.c_str(), &f);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlSequentialFile(f);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& fname,
                             leveldb::RandomAccessFile** result) override {
    pl_random_file* f;
    *result = nullptr;
    pl_status s = pl_env_new_random(env_, fname.c_str(), &f);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlRandomAccessFile(f);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& fname,
                         leveldb::WritableFile** result) override {
    pl_writable_file* f;
    *result = nullptr;
    if (options_.prezero_logs && IsLog(fname)) return NewLog(fname, false, result);
    pl_status s = pl_env_new_writable(env_, fname.c_str(), nullptr, &f);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlWritableFile(f, fname);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& fname,
                           leveldb::WritableFile** result) override {
    pl_writable_file* f;
    *result = nullptr;
    if (options_.prezero_logs && IsLog(fname)) return NewLog(fname, true, result);
    pl_status s = pl_env_new_appendable(env_, fname.c_str(), nullptr, &f);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlWritableFile(f, fname);
    return Status::OK();
  }

  bool FileExists(const std::string& fname) override {
    return pl_env_file_exists(env_, fname.c_str()) == PL_OK;
  }

  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* result) override {
    pl_strlist list;
    result->clear();
    pl_status s = pl_env_list_children(env_, dir.c_str(), &list);
    if (s != PL_OK) return pl_leveldb_status(s);
    // LevelDB's own envs list "." and ".." (readdir and FindFirstFile do),
    // and its tests count on it (db_test DestroyEmptyDir); pl_env never
    // lists them, so they are added back here.
    result->reserve(list.count + 2);
    result->emplace_back(".");
    result->emplace_back("..");
    for (size_t i = 0; i < list.count; i++) result->emplace_back(list.items[i]);
    pl_strlist_free(&list);
    return Status::OK();
  }

  Status RemoveFile(const std::string& fname) override {
    return ToStatus(pl_env_remove_file(env_, fname.c_str()));
  }
  // The deprecated name, answered directly rather than through Env's
  // default (which calls RemoveFile).
  Status DeleteFile(const std::string& fname) override {
    return RemoveFile(fname);
  }

  Status CreateDir(const std::string& dirname) override {
    return ToStatus(pl_env_create_dir(env_, dirname.c_str()));
  }

  Status RemoveDir(const std::string& dirname) override {
    return ToStatus(pl_env_remove_dir(env_, dirname.c_str()));
  }
  Status DeleteDir(const std::string& dirname) override {
    return RemoveDir(dirname);
  }

  Status GetFileSize(const std::string& fname, uint64_t* file_size) override {
    pl_status s = pl_env_file_size(env_, fname.c_str(), file_size);
    if (s != PL_OK) *file_size = 0;
    return ToStatus(s);
  }

  Status RenameFile(const std::string& src,
                    const std::string& target) override {
    return ToStatus(pl_env_rename(env_, src.c_str(), target.c_str()));
  }

  Status LockFile(const std::string& fname, leveldb::FileLock** lock) override {
    pl_file_lock* l;
    *lock = nullptr;
    pl_status s = pl_env_lock_file(env_, fname.c_str(), &l);
    if (s != PL_OK) return pl_leveldb_status(s);
    *lock = new PlFileLock(l);
    return Status::OK();
  }

  Status UnlockFile(leveldb::FileLock* lock) override {
    // Only locks from LockFile of an Env of this class reach here (LevelDB's
    // contract), so the downcast is safe.
    PlFileLock* l = static_cast<PlFileLock*>(lock);
    pl_status s = pl_env_unlock_file(env_, l->lock);
    delete l;
    return ToStatus(s);
  }

  void Schedule(void (*function)(void* arg), void* arg) override {
    pl_env_schedule(env_, function, arg);
  }

  void StartThread(void (*function)(void* arg), void* arg) override {
    pl_status s = pl_env_start_thread(env_, function, arg);
    if (s != PL_OK) {
      // LevelDB's interface cannot report this, and its callers would wait
      // forever for a thread that never ran.
      std::fprintf(stderr, "plinth leveldb env: StartThread: %s\n",
                   pl_error_message());
      std::abort();
    }
  }

  Status GetTestDirectory(std::string* path) override {
    char buf[4096];
    pl_status s = pl_env_test_directory(env_, buf, sizeof buf);
    if (s != PL_OK) return pl_leveldb_status(s);
    path->assign(buf);
    return Status::OK();
  }

  Status NewLogger(const std::string& fname,
                   leveldb::Logger** result) override {
    pl_logger* l;
    *result = nullptr;
    pl_status s = pl_env_new_logger(env_, fname.c_str(), &l);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlLogger(l);
    return Status::OK();
  }

  uint64_t NowMicros() override { return pl_env_now_micros(env_); }

 private:
  // A write-ahead log over pre-zeroed space; unbuffered underneath, since
  // the file object buffers and writes at offsets itself.
  Status NewLog(const std::string& fname, bool append, leveldb::WritableFile** result) {
    pl_writable_options o;
    pl_writable_file* f;
    pl_writable_options_init(&o);
    o.buffer_size = 0;
    pl_status s = append ? pl_env_new_appendable(env_, fname.c_str(), &o, &f)
                         : pl_env_new_writable(env_, fname.c_str(), &o, &f);
    if (s != PL_OK) return pl_leveldb_status(s);
    *result = new PlPrezeroedLogFile(f, fname, pl_writable_tell(f));
    return Status::OK();
  }

 public:

  void SleepForMicroseconds(int micros) override {
    pl_env_sleep_micros(env_, micros > 0 ? static_cast<uint64_t>(micros) : 0);
  }

 private:
  pl_env* const env_;
  const pl_leveldb_options options_;
};

}  // namespace

leveldb::Env* pl_leveldb_env_new(pl_env* env) {
  return pl_leveldb_env_new(env, pl_leveldb_options());
}

leveldb::Env* pl_leveldb_env_new(pl_env* env, const pl_leveldb_options& options) {
  if (env == nullptr || env->version < 1) return nullptr;
  return new PlEnv(env, options);
}
