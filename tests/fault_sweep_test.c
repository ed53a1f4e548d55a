/* The system-call fault sweep: a workload over the public API (writable
 * files, appendable files, whole-file helpers, atomic replace, sequential
 * and random reads, rename, remove, mkdir, directory sync, locks, listing,
 * group commit, the part writer) runs once cleanly, counting its system
 * calls per portable kind, then once per (kind, call, error) with exactly
 * that one call failed — EIO, ENOSPC, EINTR — or, for writes, made short.
 * Every run must:
 *   - fail with a status whose message names the path and whose
 *     pl_error_os() is the injected error, if a call failed (an
 *     interrupted call or a short write is finished instead: those runs
 *     must succeed);
 *   - keep a failed writable file failed (later append, flush and sync
 *     return the same error);
 *   - lose nothing it acknowledged (what it synced, replaced or published
 *     is read back whole from a fresh open);
 *   - leak nothing (the asan stage runs it with detect_leaks=1).
 * One test case per kind, so a failure names the kind; each lists every
 * run that broke a rule. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tests/syscall_spy.h"
#include "tests/test_util.h"

#define MAX_ACKS 32
#define REPORT_CAP 8192

typedef struct ack {
  char path[1300];
  char data[4096];
  size_t n;
  int prefix;       /* the file must start with data (it may go on) */
  char alt[16];     /* or, if set, hold exactly alt instead */
} ack;

typedef struct run {
  char dir[1024];
  pl_status status; /* the first failure, or PL_OK */
  int os;
  char msg[1024];
  const char *step;
  char broken[512]; /* a rule the run broke on the way ("" if none) */
  ack acks[MAX_ACKS];
  int nacks;
} run;

static int clean_counts[SPY_KINDS];

static void path_in(const run *r, char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", r->dir, name);
}

/* Records the first failure; returns 1 if s is PL_OK. */
static int ok(run *r, const char *step, pl_status s) {
  if (s == PL_OK) return 1;
  r->status = s;
  r->os = pl_error_os();
  snprintf(r->msg, sizeof r->msg, "%s", pl_error_message());
  r->step = step;
  return 0;
}

/* As ok, for a write or sync on f: after a failure every later append,
 * flush and sync of f must fail with the same OS error. */
static int wok(run *r, pl_writable_file *f, const char *step, pl_status s) {
  if (ok(r, step, s)) return 1;
  if (pl_writable_append(f, "x", 1) == PL_OK || pl_error_os() != r->os ||
      pl_writable_flush(f) == PL_OK || pl_error_os() != r->os ||
      pl_writable_sync(f) == PL_OK || pl_error_os() != r->os)
    snprintf(r->broken, sizeof r->broken, "%s failed, but the file did not stay failed (%s)", step,
             pl_error_message());
  return 0;
}

static ack *ack_file(run *r, const char *path, const void *data, size_t n, int prefix) {
  ack *a;
  int i;
  for (i = 0; i < r->nacks; i++)
    if (strcmp(r->acks[i].path, path) == 0) break;
  if (i == r->nacks) {
    ck_assert_int_lt(r->nacks, MAX_ACKS);
    r->nacks++;
  }
  a = &r->acks[i];
  snprintf(a->path, sizeof a->path, "%s", path);
  ck_assert_uint_le(n, sizeof a->data);
  memcpy(a->data, data, n);
  a->n = n;
  a->prefix = prefix;
  a->alt[0] = '\0';
  return a;
}

static void fill(char *p, size_t n, int seed) {
  size_t i;
  for (i = 0; i < n; i++) p[i] = (char)('a' + (i * 7 + (size_t)seed) % 26);
}

/* The workload.  Stops at the first failure, then releases what it holds. */
static void workload(run *r) {
  pl_env *env = pl_env_default();
  pl_writable_file *w = NULL;
  pl_sequential_file *seq = NULL;
  pl_random_file *rnd = NULL;
  pl_file_lock *lock = NULL;
  pl_group_commit *gc = NULL;
  pl_part_writer *pw = NULL;
  pl_writable_options o;
  pl_strlist names = {0};
  char sub[1100], logp[1100], datap[1100], moved[1200], current[1100], scratch[1100], lockp[1100],
      prep[1100], deep[1100], walp[1100], blobp[1100];
  char log[600], data[300], blob[3000], wal[200], buf[600];
  pl_iovec v[2];
  size_t got, loglen = 0, wallen = 0;
  const char *res;
  int i;

  path_in(r, sub, sizeof sub, "sub");
  path_in(r, logp, sizeof logp, "log");
  path_in(r, datap, sizeof datap, "data");
  path_in(r, moved, sizeof moved, "sub/data2");
  path_in(r, current, sizeof current, "CURRENT");
  path_in(r, scratch, sizeof scratch, "scratch");
  path_in(r, lockp, sizeof lockp, "LOCK");
  path_in(r, prep, sizeof prep, "pre");
  path_in(r, deep, sizeof deep, "a/b/file");
  path_in(r, walp, sizeof walp, "wal");
  path_in(r, blobp, sizeof blobp, "blob");
  fill(log, sizeof log, 1);
  fill(data, sizeof data, 2);
  fill(blob, sizeof blob, 3);
  fill(wal, sizeof wal, 4);

  if (!ok(r, "create_dir", pl_env_create_dir(env, sub))) goto out;

  /* A log: buffered and direct appends, a positional write, syncs. */
  pl_writable_options_init(&o);
  o.buffer_size = 64;
  if (!ok(r, "new_writable", pl_env_new_writable(env, logp, &o, &w))) goto out;
  if (!wok(r, w, "append", pl_writable_append(w, log, 40))) goto out;
  v[0].base = log + 40;
  v[0].len = 30;
  v[1].base = log + 70;
  v[1].len = 80;
  if (!wok(r, w, "appendv", pl_writable_appendv(w, v, 2))) goto out;
  if (!wok(r, w, "append", pl_writable_append(w, log + 150, 10))) goto out;
  if (!wok(r, w, "flush", pl_writable_flush(w))) goto out;
  log[0] = 'H';
  if (!wok(r, w, "write_at", pl_writable_write_at(w, 0, "H", 1))) goto out;
  if (!wok(r, w, "sync", pl_writable_sync(w))) goto out;
  loglen = 160;
  ack_file(r, logp, log, loglen, 1);
  if (!wok(r, w, "append", pl_writable_append(w, log + 160, 200))) goto out;
  if (!wok(r, w, "sync", pl_writable_sync(w))) goto out;
  loglen = 360;
  ack_file(r, logp, log, loglen, 1);
  i = ok(r, "close", pl_writable_close(w));
  w = NULL;
  if (!i) goto out;

  /* The log again, appendable, synced on close. */
  o.sync_on_close = 1;
  if (!ok(r, "new_appendable", pl_env_new_appendable(env, logp, &o, &w))) goto out;
  if (!wok(r, w, "append", pl_writable_append(w, log + 360, 40))) goto out;
  i = ok(r, "close (sync on close)", pl_writable_close(w));
  w = NULL;
  if (!i) goto out;
  loglen = 400;
  ack_file(r, logp, log, loglen, 1);

  /* Whole files. */
  if (!ok(r, "write_all", pl_file_write_all(env, datap, data, sizeof data, 1))) goto out;
  ack_file(r, datap, data, sizeof data, 0);
  {
    char *back;
    size_t n;
    if (!ok(r, "read_all", pl_file_read_all(env, datap, &back, &n))) goto out;
    if (n != sizeof data || memcmp(back, data, n) != 0)
      snprintf(r->broken, sizeof r->broken, "read_all returned OK with other bytes");
    free(back);
  }

  /* Sequential and random reads. */
  if (!ok(r, "new_sequential", pl_env_new_sequential(env, logp, &seq))) goto out;
  if (!ok(r, "sequential read", pl_sequential_read(seq, buf, 50, &got))) goto out;
  if (!ok(r, "sequential skip", pl_sequential_skip(seq, 10))) goto out;
  if (!ok(r, "sequential read", pl_sequential_read(seq, buf + 60, 500, &got))) goto out;
  if (got != loglen - 60 || memcmp(buf, log, 50) != 0 || memcmp(buf + 60, log + 60, got) != 0)
    snprintf(r->broken, sizeof r->broken, "sequential reads returned OK with other bytes");
  pl_sequential_close(seq);
  seq = NULL;
  if (!ok(r, "new_random", pl_env_new_random(env, datap, &rnd))) goto out;
  if (!ok(r, "random read", pl_random_read_at(rnd, 10, 20, buf, &res, &got))) goto out;
  if (got != 20 || memcmp(res, data + 10, 20) != 0)
    snprintf(r->broken, sizeof r->broken, "random read returned OK with other bytes");
  pl_random_close(rnd);
  rnd = NULL;

  /* Atomic replace, twice. */
  if (!ok(r, "replace", pl_file_replace(env, current, "v1", 2))) goto out;
  ack_file(r, current, "v1", 2, 0);
  {
    pl_status s = pl_file_replace(env, current, "v2", 2);
    if (s == PL_OK) {
      ack_file(r, current, "v2", 2, 0);
    } else {
      /* Failed after the rename (the directory sync): the new contents
       * may be there; never anything else. */
      snprintf(r->acks[r->nacks - 1].alt, sizeof r->acks[0].alt, "v2");
      ok(r, "replace", s);
      goto out;
    }
  }

  /* Rename into another directory, then make both entries durable. */
  if (!ok(r, "rename", pl_env_rename(env, datap, moved))) goto out;
  ack_file(r, datap, "", 0, 0)->path[0] = '\0'; /* no longer at its old name */
  ack_file(r, moved, data, sizeof data, 0);
  if (!ok(r, "sync_dir", pl_env_sync_dir(env, sub))) goto out;
  if (!ok(r, "sync_dir", pl_env_sync_dir(env, r->dir))) goto out;

  /* A scratch file, written without sync and removed. */
  if (!ok(r, "write_all", pl_file_write_all(env, scratch, "s", 1, 0))) goto out;
  if (!ok(r, "remove_file", pl_env_remove_file(env, scratch))) goto out;

  /* A lock, taken and released; a listing. */
  if (!ok(r, "lock_file", pl_env_lock_file(env, lockp, &lock))) goto out;
  i = ok(r, "unlock_file", pl_env_unlock_file(env, lock));
  lock = NULL;
  if (!i) goto out;
  if (!ok(r, "list_children", pl_env_list_children(env, r->dir, &names))) goto out;
  pl_strlist_free(&names);

  /* Preallocation (a file system that cannot may say NotSupported). */
  pl_writable_options_init(&o);
  if (!ok(r, "new_writable", pl_env_new_writable(env, prep, &o, &w))) goto out;
  {
    pl_status s = pl_writable_allocate(w, 0, 8192);
    if (s != PL_NOT_SUPPORTED && !ok(r, "allocate", s)) goto out;
  }
  if (!wok(r, w, "append", pl_writable_append(w, "p", 1))) goto out;
  i = ok(r, "close", pl_writable_close(w));
  w = NULL;
  if (!i) goto out;

  /* Missing parents created, made durable by the first sync. */
  o.create_parents = 1;
  if (!ok(r, "new_writable (create_parents)", pl_env_new_writable(env, deep, &o, &w))) goto out;
  if (!wok(r, w, "append", pl_writable_append(w, "deep", 4))) goto out;
  if (!wok(r, w, "sync", pl_writable_sync(w))) goto out;
  ack_file(r, deep, "deep", 4, 0);
  i = ok(r, "close", pl_writable_close(w));
  w = NULL;
  if (!i) goto out;

  /* Group commit: durable appends, each acknowledged. */
  if (!ok(r, "group_commit_open", pl_group_commit_open(env, walp, NULL, &gc))) goto out;
  for (i = 0; i < 4; i++) {
    if (!ok(r, "group_commit_append", pl_group_commit_append(gc, wal + wallen, 50, PL_GC_DURABLE, NULL)))
      goto out;
    wallen += 50;
    ack_file(r, walp, wal, wallen, 1);
  }
  i = ok(r, "group_commit_close", pl_group_commit_close(gc));
  gc = NULL;
  if (!i) goto out;

  /* The part writer: three parts, published. */
  {
    pl_part_writer_options po;
    pl_part_writer_options_init(&po);
    po.part_size = 1000;
    if (!ok(r, "part_writer_open", pl_part_writer_open(env, blobp, sizeof blob, &po, &pw))) goto out;
  }
  for (i = 0; i < 3; i++)
    if (!ok(r, "part_writer_write", pl_part_writer_write(pw, (size_t)i, blob + i * 1000, 1000))) goto out;
  i = ok(r, "part_writer_finalize", pl_part_writer_finalize(pw));
  pw = NULL;
  if (!i) goto out;
  ack_file(r, blobp, blob, sizeof blob, 0);

out:
  if (w) pl_writable_close(w);
  if (seq) pl_sequential_close(seq);
  if (rnd) pl_random_close(rnd);
  if (lock) pl_env_unlock_file(env, lock);
  if (gc) pl_group_commit_close(gc);
  if (pw) pl_part_writer_abort(pw);
  pl_strlist_free(&names);
}

/* Reads every acknowledged file back from a fresh open; "" if all there. */
static void check_acks(run *r, char *why, size_t cap) {
  int i;
  why[0] = '\0';
  for (i = 0; i < r->nacks && why[0] == '\0'; i++) {
    const ack *a = &r->acks[i];
    char *data;
    size_t n;
    if (a->path[0] == '\0') continue;
    if (pl_file_read_all(pl_env_default(), a->path, &data, &n) != PL_OK) {
      snprintf(why, cap, "acknowledged %.400s is unreadable: %.400s", a->path, pl_error_message());
      continue;
    }
    if (a->alt[0] != '\0' && n == strlen(a->alt) && memcmp(data, a->alt, n) == 0) {
      /* the attempted contents: allowed */
    } else if (a->prefix ? (n < a->n || memcmp(data, a->data, a->n) != 0)
                         : (n != a->n || memcmp(data, a->data, n) != 0)) {
      snprintf(why, cap, "acknowledged %.400s lost data (%lu bytes, %lu acknowledged)", a->path,
               (unsigned long)n, (unsigned long)a->n);
    }
    free(data);
  }
}

/* One run in a fresh directory; plan() arms the spy for it. */
static void one_run(run *r, int kind, int skip, int err, int is_short) {
  memset(r, 0, sizeof *r);
  spy_uninstall();
  pl_test_fresh_dir(r->dir, sizeof r->dir, "sweep");
  spy_reset();
  if (is_short) spy_short_writes(0, skip, 1);
  else if (kind >= 0) spy_fail(kind, err, skip, 1);
  workload(r);
  spy_disarm();
}

/* Whether a failed call may leave the run successful: closing a descriptor
 * nothing was written through loses nothing (read-only files, the
 * directory a sync opened, a lock file), so plinth does not report it. */
static int failure_may_be_ignored(const spy_call *c) {
  size_t n = strlen(c->path);
  if (c->kind == SPY_CLOSE && !c->writable) return 1;
  /* The lock table looks a lock file's name up before opening it
   * (pl__port_path_id, a query that records no error) and looks again at
   * what it opened: a failed first look changes nothing. */
  if (n >= 5 && strcmp(c->path + n - 5, "/LOCK") == 0) {
    if (c->kind == SPY_STAT && strcmp(c->call, "stat") == 0) return 1;
    /* Windows: the look opens the name for its attributes only. */
    if (strcmp(c->call, "CreateFileW") == 0 && c->flags == SPY_OPEN_ATTRIBUTES_ONLY) return 1;
  }
  /* The 128-bit file ID (FILE_ID_INFO) is missing on older systems and
   * some file systems; the backend then asks for the 64-bit file index. */
  return strcmp(c->call, "GetFileInformationByHandleEx") == 0;
}

/* Whether msg names a file of the workload (a path under dir) or, for
 * create_parents, one of dir's parents ("<parent>: <OS text>"). */
static int names_a_path(const char *msg, const char *dir) {
  const char *colon = strstr(msg, ": ");
  size_t n = colon ? (size_t)(colon - msg) : 0;
  return strstr(msg, dir) != NULL || (n > 0 && n <= strlen(dir) && strncmp(msg, dir, n) == 0);
}

static void judge(run *r, int kind, int index, int err, int is_short, char *report, size_t cap, int *bad) {
  char why[1600] = "";
  int injected = spy_injected();
  const spy_call *c = spy_last_injected();
  int retried = is_short || err == spy_os_error(SPY_E_INTERRUPTED);
  if (retried) {
    if (r->status != PL_OK) snprintf(why, sizeof why, "not finished: %.400s failed: %.400s", r->step, r->msg);
  } else if (injected == 0) {
    if (r->status != PL_OK) snprintf(why, sizeof why, "failed with nothing injected: %.400s", r->msg);
  } else if (r->status == PL_OK) {
    if (!failure_may_be_ignored(c))
      snprintf(why, sizeof why, "%.400s(%.400s) failed, the run succeeded", c->call, c->path);
  } else if (r->os != err) {
    snprintf(why, sizeof why, "%.400s: error %d, not the injected %d: %.400s", r->step, r->os, err, r->msg);
  } else if (!names_a_path(r->msg, r->dir)) {
    snprintf(why, sizeof why, "%.400s: the message names no path: %.400s", r->step, r->msg);
  }
  if (why[0] == '\0' && r->broken[0] != '\0') snprintf(why, sizeof why, "%.400s", r->broken);
  if (why[0] == '\0') check_acks(r, why, sizeof why);
  if (why[0] != '\0') {
    size_t len = strlen(report);
    (*bad)++;
    printf("broken: %s call %d (%s), %s %d: %s\n", spy_kind_name(kind), index + 1,
           c ? c->call : "not reached", is_short ? "short write" : "error", is_short ? 0 : err, why);
    if (len < cap - 1)
      snprintf(report + len, cap - len, "\n  call %d (%s), %s %d: %s", index + 1, c ? c->call : "not reached",
               is_short ? "short write" : "error", is_short ? 0 : err, why);
  }
  spy_uninstall();
  pl_test_remove_tree(r->dir);
}

static void sweep(int kind) {
  static run r;
  static char report[REPORT_CAP];
  int errs[3] = {spy_os_error(SPY_E_IO), spy_os_error(SPY_E_NOSPACE), spy_os_error(SPY_E_INTERRUPTED)};
  int n = clean_counts[kind], i, e, bad = 0, runs = 0;
  /* Only calls that document EINTR are interrupted here. */
  int interruptible = kind == SPY_OPEN || kind == SPY_CLOSE || kind == SPY_READ || kind == SPY_WRITE ||
                      kind == SPY_FILE_SYNC || kind == SPY_DIR_SYNC || kind == SPY_ALLOCATE;
  report[0] = '\0';
  for (i = 0; i < n; i++) {
    for (e = 0; e < 3; e++) {
      if (errs[e] == 0 || (e == 2 && !interruptible)) continue;
      one_run(&r, kind, i, errs[e], 0);
      judge(&r, kind, i, errs[e], 0, report, sizeof report, &bad);
      runs++;
    }
    if (kind == SPY_WRITE) {
      one_run(&r, kind, i, 0, 1);
      judge(&r, kind, i, 0, 1, report, sizeof report, &bad);
      runs++;
    }
  }
  printf("sweep %s: %d calls, %d runs, %d broke a rule\n", spy_kind_name(kind), n, runs, bad);
  ck_assert_msg(bad == 0, "%s: %d of %d runs broke a rule:%s", spy_kind_name(kind), bad, runs, report);
}

/* The clean run: every call succeeds, and its counts size the sweep. */
static void count_calls(void) {
  static run r;
  char why[1600];
  int k;
  one_run(&r, -1, 0, 0, 0);
  for (k = 0; k < SPY_KINDS; k++) clean_counts[k] = spy_total(k);
  ck_assert_msg(r.status == PL_OK, "the clean run failed at %s: %s", r.step, r.msg);
  ck_assert_msg(r.broken[0] == '\0', "%s", r.broken);
  check_acks(&r, why, sizeof why);
  ck_assert_msg(why[0] == '\0', "%s", why);
  spy_uninstall();
  pl_test_remove_tree(r.dir);
}

static void setup(void) { count_calls(); }

START_TEST(clean_run_succeeds_and_makes_every_kind_of_call) {
  int k;
  for (k = 0; k < SPY_KINDS; k++) {
    if (k == SPY_SYMLINK || k == SPY_RMDIR) continue; /* not in the workload */
    ck_assert_msg(clean_counts[k] > 0, "no %s call", spy_kind_name(k));
  }
}
END_TEST

#define SWEEP(name, kind) \
  START_TEST(name) { sweep(kind); } \
  END_TEST

SWEEP(open_failures, SPY_OPEN)
SWEEP(close_failures, SPY_CLOSE)
SWEEP(read_failures, SPY_READ)
SWEEP(write_failures, SPY_WRITE)
SWEEP(seek_failures, SPY_SEEK)
SWEEP(file_sync_failures, SPY_FILE_SYNC)
SWEEP(directory_sync_failures, SPY_DIR_SYNC)
SWEEP(allocate_failures, SPY_ALLOCATE)
SWEEP(stat_failures, SPY_STAT)
SWEEP(map_failures, SPY_MAP)
SWEEP(lock_failures, SPY_LOCK)
SWEEP(list_failures, SPY_LIST)
SWEEP(remove_failures, SPY_REMOVE)
SWEEP(mkdir_failures, SPY_MKDIR)
SWEEP(rename_failures, SPY_RENAME)

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "fault_sweep", "fault_sweep", NULL, NULL, 0);
  tcase_add_unchecked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, clean_run_succeeds_and_makes_every_kind_of_call);
  tcase_add_test(tc, open_failures);
  tcase_add_test(tc, close_failures);
  tcase_add_test(tc, read_failures);
  tcase_add_test(tc, write_failures);
  tcase_add_test(tc, seek_failures);
  tcase_add_test(tc, file_sync_failures);
  tcase_add_test(tc, directory_sync_failures);
  tcase_add_test(tc, allocate_failures);
  tcase_add_test(tc, stat_failures);
  tcase_add_test(tc, map_failures);
  tcase_add_test(tc, lock_failures);
  tcase_add_test(tc, list_failures);
  tcase_add_test(tc, remove_failures);
  tcase_add_test(tc, mkdir_failures);
  tcase_add_test(tc, rename_failures);
  if (spy_os_error(SPY_E_INTERRUPTED) == 0)
    pl_test_note_skip("no EINTR on Windows", "fault_sweep runs with interrupted calls");
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
