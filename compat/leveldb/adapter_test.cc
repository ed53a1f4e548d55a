// The LevelDB adapter over any pl_env, linked with the system's libleveldb:
// a DB runs on it, every leveldb::Env call reaches its pl_env call, results
// and errors come back in LevelDB's terms.
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "leveldb/db.h"
#include "leveldb/env.h"
#include "plinth/crash.h"
#include "plinth/env_wrapper.h"
#include "plinth_leveldb.h"

extern "C" {
#include "tests/test_util.h"
}

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "leveldb_adapter"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static std::string P(const char *name) { return std::string(dir) + "/" + name; }

#define ck_assert_ldb_ok(expr)                                            \
  do {                                                                    \
    leveldb::Status st_ = (expr);                                         \
    ck_assert_msg(st_.ok(), "%s -> %s", #expr, st_.ToString().c_str());   \
  } while (0)

/* (Check's string macros keep the pointer past the full expression, so a
 * temporary std::string cannot be handed to them.) */
#define ck_assert_slice_eq(slice, str)                                    \
  ck_assert_msg((slice).ToString() == (str), "'%s' != '%s'",             \
                (slice).ToString().c_str(), (str))

#define ck_assert_contains(hay, needle)                                   \
  ck_assert_msg(std::string(hay).find(needle) != std::string::npos,      \
                "'%s' does not contain '%s'", std::string(hay).c_str(),   \
                std::string(needle).c_str())

/* ------------------------------------------------------------------------ */
/* A test env over the platform env: counts every call and can make one
 * kind of call fail with a chosen status.                                    */

enum {
  C_NEW_SEQUENTIAL, C_NEW_RANDOM, C_NEW_WRITABLE, C_NEW_APPENDABLE,
  C_FILE_EXISTS, C_LIST_CHILDREN, C_REMOVE_FILE, C_CREATE_DIR, C_REMOVE_DIR,
  C_FILE_SIZE, C_RENAME, C_LOCK_FILE, C_UNLOCK_FILE, C_SCHEDULE,
  C_START_THREAD, C_TEST_DIRECTORY, C_NEW_LOGGER, C_NOW_MICROS, C_SLEEP_MICROS,
  C_COUNT
};

struct test_env {
  pl_env_wrapper w;
  std::atomic<int> calls[C_COUNT];
  int fail_call;           /* C_* to fail, or -1 */
  pl_status fail_status;   /* what it fails with */
  uint64_t last_sleep;
};

static test_env tenv;

#define TE(e) (reinterpret_cast<test_env *>(e))
#define TARGET(e) (TE(e)->w.target)

static pl_status injected(pl_env *e, int call, const char *what) {
  (void)e;
  return pl_error_set(tenv.fail_status, EIO, "%s: injected failure", what);
}

#define FAILS(e, c) (TE(e)->calls[c]++, TE(e)->fail_call == (c))

static pl_status t_new_sequential(pl_env *e, const char *p, pl_sequential_file **o) {
  if (FAILS(e, C_NEW_SEQUENTIAL)) return injected(e, C_NEW_SEQUENTIAL, p);
  return pl_env_new_sequential(TARGET(e), p, o);
}
static pl_status t_new_random(pl_env *e, const char *p, pl_random_file **o) {
  if (FAILS(e, C_NEW_RANDOM)) return injected(e, C_NEW_RANDOM, p);
  return pl_env_new_random(TARGET(e), p, o);
}
static pl_status t_new_writable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  if (FAILS(e, C_NEW_WRITABLE)) return injected(e, C_NEW_WRITABLE, p);
  return pl_env_new_writable(TARGET(e), p, opt, o);
}
static pl_status t_new_appendable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  if (FAILS(e, C_NEW_APPENDABLE)) return injected(e, C_NEW_APPENDABLE, p);
  return pl_env_new_appendable(TARGET(e), p, opt, o);
}
static pl_status t_file_exists(pl_env *e, const char *p) {
  if (FAILS(e, C_FILE_EXISTS)) return injected(e, C_FILE_EXISTS, p);
  return pl_env_file_exists(TARGET(e), p);
}
static pl_status t_list_children(pl_env *e, const char *d, pl_strlist *o) {
  if (FAILS(e, C_LIST_CHILDREN)) {
    o->items = NULL;
    o->count = 0;
    return injected(e, C_LIST_CHILDREN, d);
  }
  return pl_env_list_children(TARGET(e), d, o);
}
static pl_status t_remove_file(pl_env *e, const char *p) {
  if (FAILS(e, C_REMOVE_FILE)) return injected(e, C_REMOVE_FILE, p);
  return pl_env_remove_file(TARGET(e), p);
}
static pl_status t_create_dir(pl_env *e, const char *p) {
  if (FAILS(e, C_CREATE_DIR)) return injected(e, C_CREATE_DIR, p);
  return pl_env_create_dir(TARGET(e), p);
}
static pl_status t_remove_dir(pl_env *e, const char *p) {
  if (FAILS(e, C_REMOVE_DIR)) return injected(e, C_REMOVE_DIR, p);
  return pl_env_remove_dir(TARGET(e), p);
}
static pl_status t_file_size(pl_env *e, const char *p, uint64_t *s) {
  if (FAILS(e, C_FILE_SIZE)) return injected(e, C_FILE_SIZE, p);
  return pl_env_file_size(TARGET(e), p, s);
}
static pl_status t_rename(pl_env *e, const char *a, const char *b) {
  if (FAILS(e, C_RENAME)) return injected(e, C_RENAME, a);
  return pl_env_rename(TARGET(e), a, b);
}
static pl_status t_lock_file(pl_env *e, const char *p, pl_file_lock **o) {
  if (FAILS(e, C_LOCK_FILE)) return injected(e, C_LOCK_FILE, p);
  return pl_env_lock_file(TARGET(e), p, o);
}
static pl_status t_unlock_file(pl_env *e, pl_file_lock *l) {
  /* The lock is released either way, so a failing unlock leaks nothing. */
  pl_status s = pl_env_unlock_file(TARGET(e), l);
  if (FAILS(e, C_UNLOCK_FILE)) return injected(e, C_UNLOCK_FILE, "unlock");
  return s;
}
static void t_schedule(pl_env *e, void (*fn)(void *), void *a) {
  TE(e)->calls[C_SCHEDULE]++;
  pl_env_schedule(TARGET(e), fn, a);
}
static pl_status t_start_thread(pl_env *e, void (*fn)(void *), void *a) {
  if (FAILS(e, C_START_THREAD)) return injected(e, C_START_THREAD, "start_thread");
  return pl_env_start_thread(TARGET(e), fn, a);
}
static pl_status t_test_directory(pl_env *e, char *b, size_t c) {
  if (FAILS(e, C_TEST_DIRECTORY)) return injected(e, C_TEST_DIRECTORY, "test_directory");
  return pl_env_test_directory(TARGET(e), b, c);
}
static pl_status t_new_logger(pl_env *e, const char *p, pl_logger **o) {
  if (FAILS(e, C_NEW_LOGGER)) return injected(e, C_NEW_LOGGER, p);
  return pl_env_new_logger(TARGET(e), p, o);
}
static uint64_t t_now_micros(pl_env *e) {
  TE(e)->calls[C_NOW_MICROS]++;
  return pl_env_now_micros(TARGET(e));
}
static void t_sleep_micros(pl_env *e, uint64_t us) {
  TE(e)->calls[C_SLEEP_MICROS]++;
  TE(e)->last_sleep = us;
  pl_env_sleep_micros(TARGET(e), us);
}

static pl_env *test_env_init(void) {
  pl_env *e = &tenv.w.env;
  pl_env_wrapper_init(&tenv.w, pl_env_platform(), "test");
  for (int i = 0; i < C_COUNT; i++) tenv.calls[i] = 0;
  tenv.fail_call = -1;
  tenv.fail_status = PL_IO_ERROR;
  e->new_sequential = t_new_sequential;
  e->new_random = t_new_random;
  e->new_writable = t_new_writable;
  e->new_appendable = t_new_appendable;
  e->file_exists = t_file_exists;
  e->list_children = t_list_children;
  e->remove_file = t_remove_file;
  e->create_dir = t_create_dir;
  e->remove_dir = t_remove_dir;
  e->file_size = t_file_size;
  e->rename = t_rename;
  e->lock_file = t_lock_file;
  e->unlock_file = t_unlock_file;
  e->schedule = t_schedule;
  e->start_thread = t_start_thread;
  e->test_directory = t_test_directory;
  e->new_logger = t_new_logger;
  e->now_micros = t_now_micros;
  e->sleep_micros = t_sleep_micros;
  return e;
}

/* Files whose every operation fails, for the read and write error paths. */
static pl_status fw_fail(pl_writable_file *f, const void *d, size_t n) {
  return pl_error_set(PL_IO_ERROR, ENOSPC, "fake: No space left on device");
}
static pl_status fw_failv(pl_writable_file *f, const pl_iovec *v, int n) { return fw_fail(f, NULL, 0); }
static pl_status fw_fail0(pl_writable_file *f) { return fw_fail(f, NULL, 0); }
static pl_status fw_close(pl_writable_file *f) {
  pl_status s = pl_writable_close(reinterpret_cast<pl_writable_wrapper *>(f)->target);
  free(f);
  return s == PL_OK ? fw_fail(NULL, NULL, 0) : s;
}
/* Opens the real file and wraps it with methods taken from *methods. */
static pl_status wrap_writable(pl_env *e, const char *p, const pl_writable_options *opt,
                               pl_writable_file **o, const pl_writable_methods *methods) {
  pl_writable_wrapper *w = static_cast<pl_writable_wrapper *>(calloc(1, sizeof *w));
  pl_status s = pl_env_new_writable(TARGET(e), p, opt, &w->target);
  if (s != PL_OK) {
    free(w);
    return s;
  }
  w->base.methods = methods;
  *o = &w->base;
  return PL_OK;
}

/* Every write call fails. */
static pl_status fail_new_writable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  static pl_writable_methods m;
  m = pl_writable_wrapper_methods;
  m.append = fw_fail;
  m.appendv = fw_failv;
  m.flush = fw_fail0;
  m.sync = fw_fail0;
  m.close = fw_close;
  return wrap_writable(e, p, opt, o, &m);
}

/* Sync alone fails: writes are accepted, durability is refused. */
static pl_status sync_fail_new_writable(pl_env *e, const char *p, const pl_writable_options *opt, pl_writable_file **o) {
  static pl_writable_methods m;
  m = pl_writable_wrapper_methods;
  m.sync = fw_fail0;
  return wrap_writable(e, p, opt, o, &m);
}

static pl_status fs_read(pl_sequential_file *f, void *b, size_t n, size_t *got) {
  *got = 0;
  return pl_error_set(PL_CORRUPTION, 0, "fake: bad sector");
}
static pl_status fs_skip(pl_sequential_file *f, uint64_t n) {
  return pl_error_set(PL_IO_ERROR, ESPIPE, "fake: cannot seek");
}
static void fs_close(pl_sequential_file *f) { free(f); }
static const pl_sequential_methods failing_sequential_methods = {PL_SEQUENTIAL_VERSION, fs_read, fs_skip, fs_close};

static pl_status fail_new_sequential(pl_env *e, const char *p, pl_sequential_file **o) {
  pl_sequential_file *f = static_cast<pl_sequential_file *>(calloc(1, sizeof *f));
  f->methods = &failing_sequential_methods;
  *o = f;
  return PL_OK;
}

static pl_status fr_read_at(pl_random_file *f, uint64_t off, size_t n, void *scratch,
                            const char **res, size_t *got) {
  *got = 0;
  return pl_error_set(PL_IO_ERROR, EIO, "fake: Input/output error");
}
static void fr_close(pl_random_file *f) { free(f); }
static const pl_random_methods failing_random_methods = {PL_RANDOM_VERSION, fr_read_at, fr_close};

static pl_status fail_new_random(pl_env *e, const char *p, pl_random_file **o) {
  pl_random_file *f = static_cast<pl_random_file *>(calloc(1, sizeof *f));
  f->methods = &failing_random_methods;
  *o = f;
  return PL_OK;
}

/* ------------------------------------------------------------------------ */
/* A database on the adapter                                                 */

static void put_get_reopen(leveldb::Env *env) {
  leveldb::Options o;
  o.env = env;
  o.create_if_missing = true;
  leveldb::DB *db;
  std::string v;
  ck_assert_ldb_ok(leveldb::DB::Open(o, P("db"), &db));
  for (int i = 0; i < 2000; i++) {
    ck_assert_ldb_ok(db->Put(leveldb::WriteOptions(), "key" + std::to_string(i),
                             std::string(100, static_cast<char>('a' + i % 26))));
  }
  leveldb::WriteOptions sync;
  sync.sync = true;
  ck_assert_ldb_ok(db->Put(sync, "last", "synced"));
  db->CompactRange(nullptr, nullptr); /* tables, read back below */
  ck_assert_ldb_ok(db->Get(leveldb::ReadOptions(), "key7", &v));
  ck_assert(v == std::string(100, 'h'));
  delete db;
  ck_assert_ldb_ok(leveldb::DB::Open(o, P("db"), &db));
  ck_assert_ldb_ok(db->Get(leveldb::ReadOptions(), "last", &v));
  ck_assert_str_eq(v.c_str(), "synced");
  ck_assert_ldb_ok(db->Get(leveldb::ReadOptions(), "key1999", &v));
  ck_assert_uint_eq(v.size(), 100);
  delete db;
  ck_assert_ldb_ok(leveldb::DestroyDB(P("db"), o));
  ck_assert(!env->FileExists(P("db")));
}

START_TEST(db_round_trips_on_the_platform_env) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  ck_assert_ptr_nonnull(env);
  put_get_reopen(env);
  delete env;
}
END_TEST

START_TEST(db_runs_on_a_wrapped_env_and_every_call_goes_through_it) {
  leveldb::Env *env = pl_leveldb_env_new(test_env_init());
  put_get_reopen(env);
  /* What opening, writing, compacting, reopening and destroying a DB must
   * have asked of the pl_env. */
  ck_assert_int_ge(tenv.calls[C_LOCK_FILE], 3);
  ck_assert_int_ge(tenv.calls[C_UNLOCK_FILE], 3);
  ck_assert_int_ge(tenv.calls[C_NEW_WRITABLE], 3);
  ck_assert_int_ge(tenv.calls[C_NEW_SEQUENTIAL], 2);
  ck_assert_int_ge(tenv.calls[C_NEW_RANDOM], 1);
  ck_assert_int_ge(tenv.calls[C_RENAME], 2);
  ck_assert_int_ge(tenv.calls[C_LIST_CHILDREN], 2);
  ck_assert_int_ge(tenv.calls[C_REMOVE_FILE], 1);
  ck_assert_int_ge(tenv.calls[C_REMOVE_DIR], 1);
  ck_assert_int_ge(tenv.calls[C_NEW_LOGGER], 2);
  ck_assert_int_ge(tenv.calls[C_SCHEDULE], 1);
  delete env;
}
END_TEST

START_TEST(each_env_call_maps_to_its_pl_env_call) {
  leveldb::Env *env = pl_leveldb_env_new(test_env_init());
  leveldb::SequentialFile *sf;
  leveldb::RandomAccessFile *rf;
  leveldb::WritableFile *wf;
  leveldb::Logger *lg;
  leveldb::FileLock *lk;
  std::vector<std::string> kids;
  uint64_t size;
  std::string tdir;
  int expect[C_COUNT] = {0};
#define STEP(c, expr)                                                   \
  do {                                                                  \
    expr;                                                               \
    expect[c]++;                                                        \
    for (int i_ = 0; i_ < C_COUNT; i_++)                                \
      ck_assert_msg(tenv.calls[i_] == expect[i_],                       \
                    "after %s: call %d made %d times, expected %d",     \
                    #expr, i_, tenv.calls[i_].load(), expect[i_]);      \
  } while (0)
  STEP(C_NEW_WRITABLE, ck_assert_ldb_ok(env->NewWritableFile(P("f"), &wf)));
  ck_assert_ldb_ok(wf->Append("0123456789"));
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  STEP(C_NEW_APPENDABLE, ck_assert_ldb_ok(env->NewAppendableFile(P("f"), &wf)));
  delete wf;
  STEP(C_NEW_SEQUENTIAL, ck_assert_ldb_ok(env->NewSequentialFile(P("f"), &sf)));
  delete sf;
  STEP(C_NEW_RANDOM, ck_assert_ldb_ok(env->NewRandomAccessFile(P("f"), &rf)));
  delete rf;
  STEP(C_FILE_EXISTS, ck_assert(env->FileExists(P("f"))));
  STEP(C_LIST_CHILDREN, ck_assert_ldb_ok(env->GetChildren(dir, &kids)));
  STEP(C_FILE_SIZE, ck_assert_ldb_ok(env->GetFileSize(P("f"), &size)));
  ck_assert_uint_eq(size, 10);
  STEP(C_RENAME, ck_assert_ldb_ok(env->RenameFile(P("f"), P("g"))));
  STEP(C_REMOVE_FILE, ck_assert_ldb_ok(env->RemoveFile(P("g"))));
  STEP(C_CREATE_DIR, ck_assert_ldb_ok(env->CreateDir(P("d"))));
  STEP(C_REMOVE_DIR, ck_assert_ldb_ok(env->RemoveDir(P("d"))));
  STEP(C_CREATE_DIR, ck_assert_ldb_ok(env->CreateDir(P("d"))));
  STEP(C_REMOVE_DIR, ck_assert_ldb_ok(env->DeleteDir(P("d"))));
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "x", P("h")));
  expect[C_NEW_WRITABLE]++;
  STEP(C_REMOVE_FILE, ck_assert_ldb_ok(env->DeleteFile(P("h"))));
  STEP(C_LOCK_FILE, ck_assert_ldb_ok(env->LockFile(P("LOCK"), &lk)));
  STEP(C_UNLOCK_FILE, ck_assert_ldb_ok(env->UnlockFile(lk)));
  STEP(C_NEW_LOGGER, ck_assert_ldb_ok(env->NewLogger(P("LOG"), &lg)));
  delete lg;
  STEP(C_TEST_DIRECTORY, ck_assert_ldb_ok(env->GetTestDirectory(&tdir)));
  ck_assert(!tdir.empty());
  STEP(C_NOW_MICROS, ck_assert_uint_gt(env->NowMicros(), 0));
  STEP(C_SLEEP_MICROS, env->SleepForMicroseconds(10));
  ck_assert_uint_eq(tenv.last_sleep, 10);
  delete env;
#undef STEP
}
END_TEST

START_TEST(negative_sleep_is_no_sleep) {
  leveldb::Env *env = pl_leveldb_env_new(test_env_init());
  tenv.last_sleep = 99;
  env->SleepForMicroseconds(-5);
  ck_assert_int_eq(tenv.calls[C_SLEEP_MICROS], 1);
  ck_assert_uint_eq(tenv.last_sleep, 0);
  delete env;
}
END_TEST

START_TEST(env_new_refuses_null_and_unversioned_envs) {
  pl_env bad = *pl_env_platform();
  bad.version = 0;
  ck_assert_ptr_null(pl_leveldb_env_new(NULL));
  ck_assert_ptr_null(pl_leveldb_env_new(&bad));
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Reads                                                                     */

START_TEST(random_read_of_a_mapped_file_points_into_the_mapping) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::RandomAccessFile *rf;
  leveldb::Slice r;
  char scratch[16];
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "abcdefghij", P("m")));
  ck_assert_ldb_ok(env->NewRandomAccessFile(P("m"), &rf));
  ck_assert_ldb_ok(rf->Read(3, 4, &r, scratch));
  ck_assert(r.data() != scratch); /* no copy: LevelDB sees mapped memory */
  ck_assert_slice_eq(r, "defg");
  delete rf;
  delete env;
}
END_TEST

START_TEST(random_read_without_mapping_fills_scratch) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::RandomAccessFile *rf;
  leveldb::Slice r;
  char scratch[16];
  int m, f;
  pl_env_platform_get_limits(&m, &f);
  pl_env_platform_set_limits(0, f);
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "abcdefghij", P("m")));
  ck_assert_ldb_ok(env->NewRandomAccessFile(P("m"), &rf));
  ck_assert_ldb_ok(rf->Read(3, 4, &r, scratch));
  ck_assert(r.data() == scratch);
  ck_assert_slice_eq(r, "defg");
  delete rf;
  pl_env_platform_set_limits(m, f);
  delete env;
}
END_TEST

START_TEST(reads_at_end_of_file_are_short) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::RandomAccessFile *rf;
  leveldb::SequentialFile *sf;
  leveldb::Slice r;
  char scratch[16];
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "abcdefghij", P("m")));
  ck_assert_ldb_ok(env->NewRandomAccessFile(P("m"), &rf));
  ck_assert_ldb_ok(rf->Read(8, 10, &r, scratch));
  ck_assert_slice_eq(r, "ij");
  ck_assert_ldb_ok(rf->Read(20, 10, &r, scratch));
  ck_assert_uint_eq(r.size(), 0);
  delete rf;
  ck_assert_ldb_ok(env->NewSequentialFile(P("m"), &sf));
  ck_assert_ldb_ok(sf->Skip(2));
  ck_assert_ldb_ok(sf->Read(3, &r, scratch));
  ck_assert_slice_eq(r, "cde");
  ck_assert_ldb_ok(sf->Read(16, &r, scratch));
  ck_assert_slice_eq(r, "fghij");
  ck_assert_ldb_ok(sf->Read(16, &r, scratch));
  ck_assert_uint_eq(r.size(), 0);
  delete sf;
  delete env;
}
END_TEST

START_TEST(sequential_read_and_skip_failures_are_reported) {
  pl_env *e = test_env_init();
  e->new_sequential = fail_new_sequential;
  leveldb::Env *env = pl_leveldb_env_new(e);
  leveldb::SequentialFile *sf;
  leveldb::Slice r("stale");
  char scratch[8];
  ck_assert_ldb_ok(env->NewSequentialFile(P("any"), &sf));
  leveldb::Status s = sf->Read(8, &r, scratch);
  ck_assert(s.IsCorruption());
  ck_assert_contains(s.ToString(), "fake: bad sector");
  ck_assert_uint_eq(r.size(), 0);
  s = sf->Skip(4);
  ck_assert(s.IsIOError());
  ck_assert_contains(s.ToString(), "fake: cannot seek");
  delete sf;
  delete env;
}
END_TEST

START_TEST(random_read_failure_is_reported) {
  pl_env *e = test_env_init();
  e->new_random = fail_new_random;
  leveldb::Env *env = pl_leveldb_env_new(e);
  leveldb::RandomAccessFile *rf;
  leveldb::Slice r("stale");
  char scratch[8];
  ck_assert_ldb_ok(env->NewRandomAccessFile(P("any"), &rf));
  leveldb::Status s = rf->Read(0, 8, &r, scratch);
  ck_assert(s.IsIOError());
  ck_assert_contains(s.ToString(), "fake: Input/output error");
  ck_assert_uint_eq(r.size(), 0);
  delete rf;
  delete env;
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Writes                                                                    */

START_TEST(writes_are_read_back) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::WritableFile *wf;
  std::string big(200000, 'x'), got;
  ck_assert_ldb_ok(env->NewWritableFile(P("w"), &wf));
  ck_assert_ldb_ok(wf->Append("head:"));
  ck_assert_ldb_ok(wf->Append(big)); /* larger than the buffer */
  ck_assert_ldb_ok(wf->Flush());
  ck_assert_ldb_ok(wf->Append(":tail"));
  ck_assert_ldb_ok(wf->Sync());
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("w"), &got));
  ck_assert(got == "head:" + big + ":tail");
  ck_assert_ldb_ok(env->NewAppendableFile(P("w"), &wf));
  ck_assert_ldb_ok(wf->Append("+more"));
  delete wf; /* closing by delete keeps the data */
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("w"), &got));
  ck_assert(got == "head:" + big + ":tail+more");
  ck_assert_ldb_ok(env->NewWritableFile(P("w"), &wf)); /* truncates */
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("w"), &got));
  ck_assert(got.empty());
  delete env;
}
END_TEST

/* ---- pre-zeroed write-ahead logs (pl_leveldb_options::prezero_logs) ---- */

static leveldb::Env *prezero_env(pl_env *e) {
  pl_leveldb_options lo;
  lo.prezero_logs = 1;
  return pl_leveldb_env_new(e, lo);
}

static uint64_t size_of(leveldb::Env *env, const std::string &path) {
  uint64_t n = 0;
  ck_assert_ldb_ok(env->GetFileSize(path, &n));
  return n;
}

/* The DB's one log file, by name. */
static std::string the_log(leveldb::Env *env, const std::string &db) {
  std::vector<std::string> names;
  std::string found;
  ck_assert_ldb_ok(env->GetChildren(db, &names));
  for (auto &n : names)
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".log") == 0) found = db + "/" + n;
  ck_assert_msg(!found.empty(), "no log in %s", db.c_str());
  return found;
}

START_TEST(prezeroed_logs_keep_every_record_across_reopen_and_log_reuse) {
  leveldb::Env *env = prezero_env(pl_env_platform());
  leveldb::Options o;
  leveldb::DB *db;
  leveldb::WriteOptions sync;
  std::string v;
  sync.sync = true;
  o.env = env;
  o.create_if_missing = true;
  ck_assert_ldb_ok(leveldb::DB::Open(o, P("db"), &db));
  for (int i = 0; i < 300; i++)
    ck_assert_ldb_ok(db->Put(sync, "k" + std::to_string(i), std::string(200, (char)('a' + i % 26))));
  /* synced: zeros ahead of the records, to a block boundary */
  {
    uint64_t n = size_of(env, the_log(env, P("db")));
    ck_assert_uint_eq(n % 32768, 0);
    ck_assert_uint_ge(n, 300 * 200 + 16384);
  }
  delete db;
  o.reuse_logs = true;
  for (int round = 0; round < 3; round++) {
    ck_assert_ldb_ok(leveldb::DB::Open(o, P("db"), &db));
    for (int i = 0; i < 300; i++) {
      ck_assert_ldb_ok(db->Get(leveldb::ReadOptions(), "k" + std::to_string(i), &v));
      ck_assert_uint_eq(v.size(), 200);
    }
    for (int i = 0; i < round; i++) ck_assert_ldb_ok(db->Get(leveldb::ReadOptions(), "r" + std::to_string(i), &v));
    /* the reused log continues after its zeros, at a block boundary */
    ck_assert_ldb_ok(db->Put(sync, "r" + std::to_string(round), "after reuse"));
    ck_assert_uint_eq(size_of(env, the_log(env, P("db"))) % 32768, 0);
    delete db;
  }
  ck_assert_ldb_ok(leveldb::DestroyDB(P("db"), o));
  delete env;
}
END_TEST

START_TEST(only_log_files_get_zeros_and_an_empty_log_stays_empty) {
  leveldb::Env *env = prezero_env(pl_env_platform());
  leveldb::WritableFile *wf;
  std::string got;
  ck_assert_ldb_ok(env->NewWritableFile(P("000007.ldb"), &wf));
  ck_assert_ldb_ok(wf->Append("0123456789"));
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_uint_eq(size_of(env, P("000007.ldb")), 10);
  ck_assert_ldb_ok(env->NewWritableFile(P("000008.log"), &wf));
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_uint_eq(size_of(env, P("000008.log")), 0); /* LevelDB's LogFileReuse test */
  ck_assert_ldb_ok(env->NewWritableFile(P("000009.log"), &wf));
  ck_assert_ldb_ok(wf->Append("0123456789"));
  ck_assert_ldb_ok(wf->Append(std::string(100000, 'y'))); /* no sync: no zeros */
  ck_assert_ldb_ok(wf->Flush());
  ck_assert_uint_eq(size_of(env, P("000009.log")), 100010);
  ck_assert_ldb_ok(wf->Sync()); /* zeros 64 KiB past the records, to a block boundary */
  ck_assert_uint_eq(size_of(env, P("000009.log")), 196608);
  ck_assert_ldb_ok(wf->Append("z"));
  ck_assert_ldb_ok(wf->Sync()); /* plenty ahead: nothing added */
  ck_assert_uint_eq(size_of(env, P("000009.log")), 196608);
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("000009.log"), &got));
  ck_assert(got.compare(0, 10, "0123456789") == 0);
  ck_assert(got.compare(10, 100000, std::string(100000, 'y')) == 0);
  ck_assert_int_eq(got[100010], 'z');
  ck_assert(got.find_first_not_of('\0', 100011) == std::string::npos);
  /* appending continues where the file ends: a block boundary */
  ck_assert_ldb_ok(env->NewAppendableFile(P("000009.log"), &wf));
  ck_assert_ldb_ok(wf->Append("more"));
  ck_assert_ldb_ok(wf->Close());
  delete wf;
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("000009.log"), &got));
  ck_assert(got.compare(196608, 4, "more") == 0);
  delete env;
}
END_TEST

START_TEST(enospc_while_adding_zeros_reaches_leveldb_as_an_io_error) {
  pl_crash_fault f = {PL_FAULT_ENOSPC, ".log", 2, 0}; /* the zeros after the record */
  pl_crash_faults *fe;
  ck_assert_pl_ok(pl_crash_faults_new(pl_env_platform(), &f, 1, &fe));
  leveldb::Env *env = prezero_env(pl_crash_faults_env(fe));
  leveldb::WritableFile *wf;
  ck_assert_ldb_ok(env->NewWritableFile(P("000010.log"), &wf));
  ck_assert_ldb_ok(wf->Append("record"));
  leveldb::Status st = wf->Sync(); /* writing the zeros after it fails */
  ck_assert(st.IsIOError());
  ck_assert_contains(st.ToString(), "No space left on device");
  /* sticky, as any failed write of the file */
  ck_assert(wf->Append("again").IsIOError());
  ck_assert(wf->Sync().IsIOError());
  delete wf;
  delete env;
  pl_crash_faults_free(fe);
}
END_TEST

START_TEST(write_failures_reach_leveldb_as_io_errors) {
  pl_env *e = test_env_init();
  e->new_writable = fail_new_writable;
  leveldb::Env *env = pl_leveldb_env_new(e);
  leveldb::WritableFile *wf;
  ck_assert_ldb_ok(env->NewWritableFile(P("w"), &wf));
  leveldb::Status s[4] = {wf->Append("x"), wf->Flush(), wf->Sync(), wf->Close()};
  for (auto &st : s) {
    ck_assert(st.IsIOError());
    ck_assert_contains(st.ToString(), "No space left on device");
  }
  delete wf;
  delete env;
}
END_TEST

START_TEST(db_reports_the_envs_sync_failure) {
  pl_env *e = test_env_init();
  leveldb::Env *env = pl_leveldb_env_new(e);
  leveldb::Options o;
  leveldb::DB *db;
  leveldb::WriteOptions sync;
  sync.sync = true;
  o.env = env;
  o.create_if_missing = true;
  ck_assert_ldb_ok(leveldb::DB::Open(o, P("db"), &db));
  e->new_writable = sync_fail_new_writable; /* files opened from now on */
  /* Compacting the memtable starts a new log and writes a table, both
   * opened after the switch: the table's sync fails in the background and
   * LevelDB must refuse later writes with that error. */
  ck_assert_ldb_ok(db->Put(leveldb::WriteOptions(), "k", "v"));
  db->CompactRange(nullptr, nullptr);
  leveldb::Status s = db->Put(sync, "k2", "v2");
  ck_assert_msg(s.IsIOError(), "%s", s.ToString().c_str());
  ck_assert_contains(s.ToString(), "No space left on device");
  delete db;
  delete env;
}
END_TEST

START_TEST(writable_file_after_close_reports_closed) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::WritableFile *wf;
  ck_assert_ldb_ok(env->NewWritableFile(P("w"), &wf));
  ck_assert_ldb_ok(wf->Close());
  leveldb::Status s[4] = {wf->Append("x"), wf->Flush(), wf->Sync(), wf->Close()};
  for (auto &st : s) {
    ck_assert(st.IsIOError());
    ck_assert_contains(st.ToString(), "file is closed");
    ck_assert_contains(st.ToString(), P("w"));
  }
  delete wf;
  delete env;
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

START_TEST(missing_files_are_not_found_with_the_path) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::SequentialFile *sf = reinterpret_cast<leveldb::SequentialFile *>(1);
  leveldb::RandomAccessFile *rf = reinterpret_cast<leveldb::RandomAccessFile *>(1);
  uint64_t size = 77;
  std::vector<std::string> kids{"stale"};
  leveldb::Status s[6] = {env->NewSequentialFile(P("nope"), &sf),
                          env->NewRandomAccessFile(P("nope"), &rf),
                          env->GetFileSize(P("nope"), &size),
                          env->RemoveFile(P("nope")),
                          env->RenameFile(P("nope"), P("other")),
                          env->GetChildren(P("nope"), &kids)};
  for (auto &st : s) {
    ck_assert_msg(st.IsNotFound(), "%s", st.ToString().c_str());
    ck_assert_contains(st.ToString(), P("nope"));
  }
  ck_assert_ptr_null(sf);
  ck_assert_ptr_null(rf);
  ck_assert_uint_eq(size, 0);
  ck_assert(kids.empty());
  ck_assert(!env->FileExists(P("nope")));
  delete env;
}
END_TEST

START_TEST(failed_opens_leave_results_null) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::WritableFile *wf = reinterpret_cast<leveldb::WritableFile *>(1);
  leveldb::WritableFile *af = reinterpret_cast<leveldb::WritableFile *>(1);
  leveldb::Logger *lg = reinterpret_cast<leveldb::Logger *>(1);
  leveldb::FileLock *lk = reinterpret_cast<leveldb::FileLock *>(1);
  leveldb::Status s[4] = {env->NewWritableFile(P("no/dir/f"), &wf),
                          env->NewAppendableFile(P("no/dir/f"), &af),
                          env->NewLogger(P("no/dir/LOG"), &lg),
                          env->LockFile(P("no/dir/LOCK"), &lk)};
  for (auto &st : s) {
    ck_assert_msg(st.IsNotFound(), "%s", st.ToString().c_str());
    ck_assert_contains(st.ToString(), P("no/dir/"));
  }
  ck_assert_ptr_null(wf);
  ck_assert_ptr_null(af);
  ck_assert_ptr_null(lg);
  ck_assert_ptr_null(lk);
  delete env;
}
END_TEST

START_TEST(status_kinds_map_to_leveldb_kinds) {
  struct {
    pl_status code;
    bool (leveldb::Status::*is)() const;
  } cases[] = {{PL_NOT_FOUND, &leveldb::Status::IsNotFound},
               {PL_CORRUPTION, &leveldb::Status::IsCorruption},
               {PL_NOT_SUPPORTED, &leveldb::Status::IsNotSupportedError},
               {PL_INVALID_ARGUMENT, &leveldb::Status::IsInvalidArgument},
               {PL_IO_ERROR, &leveldb::Status::IsIOError}};
  ck_assert(pl_leveldb_status(PL_OK).ok());
  for (auto &c : cases) {
    leveldb::Status s = pl_leveldb_status(pl_error_set(c.code, 0, "detail %d", c.code));
    ck_assert_msg((s.*c.is)(), "%d -> %s", c.code, s.ToString().c_str());
    ck_assert_contains(s.ToString(), "detail " + std::to_string(c.code));
  }
  /* An out-of-range code is still a failure. */
  ck_assert(pl_leveldb_status(static_cast<pl_status>(42)).IsIOError());
}
END_TEST

START_TEST(every_env_failure_is_reported_with_its_kind) {
  pl_env *e = test_env_init();
  leveldb::Env *env = pl_leveldb_env_new(e);
  leveldb::SequentialFile *sf;
  leveldb::RandomAccessFile *rf;
  leveldb::WritableFile *wf;
  leveldb::Logger *lg;
  leveldb::FileLock *lk;
  std::vector<std::string> kids;
  uint64_t size;
  std::string tdir = "unchanged";
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "x", P("f")));
  tenv.fail_status = PL_INVALID_ARGUMENT;
#define FAIL(c, expr)                                                     \
  do {                                                                    \
    tenv.fail_call = (c);                                                 \
    leveldb::Status st_ = (expr);                                         \
    tenv.fail_call = -1;                                                  \
    ck_assert_msg(st_.IsInvalidArgument(), "%s -> %s", #expr,             \
                  st_.ToString().c_str());                                \
    ck_assert_contains(st_.ToString(), "injected failure");               \
  } while (0)
  FAIL(C_NEW_SEQUENTIAL, env->NewSequentialFile(P("f"), &sf));
  FAIL(C_NEW_RANDOM, env->NewRandomAccessFile(P("f"), &rf));
  FAIL(C_NEW_WRITABLE, env->NewWritableFile(P("f"), &wf));
  FAIL(C_NEW_APPENDABLE, env->NewAppendableFile(P("f"), &wf));
  FAIL(C_LIST_CHILDREN, env->GetChildren(dir, &kids));
  FAIL(C_REMOVE_FILE, env->RemoveFile(P("f")));
  FAIL(C_CREATE_DIR, env->CreateDir(P("d")));
  FAIL(C_REMOVE_DIR, env->RemoveDir(P("d")));
  FAIL(C_FILE_SIZE, env->GetFileSize(P("f"), &size));
  FAIL(C_RENAME, env->RenameFile(P("f"), P("g")));
  FAIL(C_LOCK_FILE, env->LockFile(P("LOCK"), &lk));
  ck_assert_ldb_ok(env->LockFile(P("LOCK"), &lk));
  FAIL(C_UNLOCK_FILE, env->UnlockFile(lk));
  FAIL(C_TEST_DIRECTORY, env->GetTestDirectory(&tdir));
  ck_assert_str_eq(tdir.c_str(), "unchanged");
  FAIL(C_NEW_LOGGER, env->NewLogger(P("LOG"), &lg));
  tenv.fail_call = C_FILE_EXISTS;
  ck_assert(!env->FileExists(P("f")));
  delete env;
#undef FAIL
}
END_TEST

START_TEST(second_lock_of_a_file_fails_until_unlocked) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::FileLock *a, *b;
  ck_assert_ldb_ok(env->LockFile(P("LOCK"), &a));
  leveldb::Status s = env->LockFile(P("LOCK"), &b);
  ck_assert_msg(s.IsIOError(), "%s", s.ToString().c_str());
  ck_assert_ptr_null(b);
  ck_assert_ldb_ok(env->UnlockFile(a));
  ck_assert_ldb_ok(env->LockFile(P("LOCK"), &b));
  ck_assert_ldb_ok(env->UnlockFile(b));
  delete env;
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Directories, logger, threads                                              */

START_TEST(children_include_dot_entries_like_leveldbs_envs) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  std::vector<std::string> kids{"stale"};
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "x", P("a")));
  ck_assert_ldb_ok(env->CreateDir(P("sub")));
  ck_assert_ldb_ok(env->CreateDir(P("sub"))); /* exists: fine */
  ck_assert_ldb_ok(env->GetChildren(dir, &kids));
  std::sort(kids.begin(), kids.end());
  ck_assert_uint_eq(kids.size(), 4);
  ck_assert_str_eq(kids[0].c_str(), ".");
  ck_assert_str_eq(kids[1].c_str(), "..");
  ck_assert_str_eq(kids[2].c_str(), "a");
  ck_assert_str_eq(kids[3].c_str(), "sub");
  ck_assert_ldb_ok(leveldb::WriteStringToFile(env, "x", P("sub/f")));
  ck_assert(env->RemoveDir(P("sub")).IsIOError()); /* not empty */
  ck_assert_ldb_ok(env->RemoveFile(P("sub/f")));
  ck_assert_ldb_ok(env->RemoveDir(P("sub")));
  ck_assert(env->RemoveDir(P("sub")).IsNotFound());
  delete env;
}
END_TEST

/* leveldb::Log is not exported by the shared libleveldb; this is the same
 * thing, straight to the Logger. */
static void log_line(leveldb::Logger *lg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lg->Logv(fmt, ap);
  va_end(ap);
}

START_TEST(logger_writes_formatted_lines) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  leveldb::Logger *lg;
  std::string text;
  ck_assert_ldb_ok(env->NewLogger(P("LOG"), &lg));
  log_line(lg, "opened %s with %d files", "db", 7);
  log_line(lg, "%s", std::string(2000, 'L').c_str()); /* long line */
  delete lg;
  ck_assert_ldb_ok(leveldb::ReadFileToString(env, P("LOG"), &text));
  ck_assert_contains(text, "opened db with 7 files\n");
  ck_assert_contains(text, std::string(2000, 'L') + "\n");
  delete env;
}
END_TEST

struct order_state {
  pl_env *e;
  std::atomic<int> next{0};
  std::atomic<int> bad{0};
  std::atomic<int> threads{0};
};
static order_state ostate;
static int order_ids[8];

static void run_in_order(void *arg) {
  int id = *static_cast<int *>(arg);
  if (ostate.next.load() != id) ostate.bad++;
  ostate.next = id + 1;
}
static void run_thread(void *) { ostate.threads++; }

START_TEST(schedule_runs_in_order_and_threads_start) {
  leveldb::Env *env = pl_leveldb_env_new(pl_env_platform());
  for (int i = 0; i < 8; i++) {
    order_ids[i] = i;
    env->Schedule(run_in_order, &order_ids[i]);
  }
  for (int i = 0; i < 3; i++) env->StartThread(run_thread, nullptr);
  while (ostate.next.load() < 8 || ostate.threads.load() < 3) env->SleepForMicroseconds(1000);
  ck_assert_int_eq(ostate.bad.load(), 0);
  delete env;
}
END_TEST

/* LevelDB's StartThread cannot return an error; a thread that never starts
 * would hang its caller, so the adapter aborts instead.  Run in a child of
 * the test's own, so the case works with and without Check's fork mode
 * (valgrind runs the suites with CK_FORK=no). */
START_TEST(start_thread_failure_aborts) {
  pid_t pid = fork();
  int status = 0;
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    static leveldb::Env *volatile env; /* reachable at the abort: no leak report */
    env = pl_leveldb_env_new(test_env_init());
    tenv.fail_call = C_START_THREAD;
    env->StartThread(run_thread, nullptr);
    _exit(0); /* not reached if the adapter aborts */
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                "child status %d: StartThread did not abort", status);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "leveldb_adapter", "leveldb_adapter", setup, teardown, 60);
  tcase_add_test(tc, db_round_trips_on_the_platform_env);
  tcase_add_test(tc, db_runs_on_a_wrapped_env_and_every_call_goes_through_it);
  tcase_add_test(tc, each_env_call_maps_to_its_pl_env_call);
  tcase_add_test(tc, negative_sleep_is_no_sleep);
  tcase_add_test(tc, env_new_refuses_null_and_unversioned_envs);
  tcase_add_test(tc, random_read_of_a_mapped_file_points_into_the_mapping);
  tcase_add_test(tc, random_read_without_mapping_fills_scratch);
  tcase_add_test(tc, reads_at_end_of_file_are_short);
  tcase_add_test(tc, sequential_read_and_skip_failures_are_reported);
  tcase_add_test(tc, random_read_failure_is_reported);
  tcase_add_test(tc, writes_are_read_back);
  tcase_add_test(tc, prezeroed_logs_keep_every_record_across_reopen_and_log_reuse);
  tcase_add_test(tc, only_log_files_get_zeros_and_an_empty_log_stays_empty);
  tcase_add_test(tc, enospc_while_adding_zeros_reaches_leveldb_as_an_io_error);
  tcase_add_test(tc, write_failures_reach_leveldb_as_io_errors);
  tcase_add_test(tc, db_reports_the_envs_sync_failure);
  tcase_add_test(tc, writable_file_after_close_reports_closed);
  tcase_add_test(tc, missing_files_are_not_found_with_the_path);
  tcase_add_test(tc, failed_opens_leave_results_null);
  tcase_add_test(tc, status_kinds_map_to_leveldb_kinds);
  tcase_add_test(tc, every_env_failure_is_reported_with_its_kind);
  tcase_add_test(tc, second_lock_of_a_file_fails_until_unlocked);
  tcase_add_test(tc, children_include_dot_entries_like_leveldbs_envs);
  tcase_add_test(tc, logger_writes_formatted_lines);
  tcase_add_test(tc, schedule_runs_in_order_and_threads_start);
  tcase_add_test(tc, start_thread_failure_aborts);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
