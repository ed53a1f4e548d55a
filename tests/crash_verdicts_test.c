/* Workloads with classic crash bugs that the exact model must catch, each
 * beside its correct twin that must pass; and proof that the recorded trace
 * holds what the writable really did (its directory syncs are its own, not
 * a copy of its rules in the recorder). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "env/env_internal.h"
#include "plinth/crash.h"
#include "tests/test_util.h"

static char root[1024];
static char states[1024];

static void setup(void) {
  pl_test_fresh_dir(root, sizeof root, "verdict-root");
  pl_test_fresh_dir(states, sizeof states, "verdict-states");
  pl__writable_test_break_rules = 0;
}

static void teardown(void) {
  pl__writable_test_break_rules = 0;
  pl_test_remove_tree(root);
  pl_test_remove_tree(states);
}

typedef void (*workload_fn)(pl_env *env, const char *root, pl_crash_recorder *rec);
typedef int (*check_fn)(void *, const char *, const char *const *, size_t, char *, size_t);

/* Records the workload in root, explores every crash state with check
 * (given arg) and returns the number of failing states. */
static uint64_t failures_of(workload_fn w, check_fn check, void *arg) {
  pl_crash_recorder *rec;
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  pl_crash_report r;
  uint64_t n;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  w(pl_crash_recorder_env(rec), root, rec);
  pl_crash_options_init(&o);
  o.work_dir = states;
  o.max_failures = 1;
  c.check = check;
  c.arg = arg;
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r));
  n = r.failures;
  pl_crash_report_free(&r);
  pl_crash_recorder_free(rec);
  return n;
}

static int noted(const char *const *notes, size_t n, const char *what) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(notes[i], what) == 0) return 1;
  return 0;
}

static int file_is(const char *dir, const char *rel, const char *want) {
  char path[2048], *d;
  size_t n;
  int ok;
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  if (pl_file_read_all(pl_env_platform(), path, &d, &n) != PL_OK) return 0;
  ok = n == strlen(want) && memcmp(d, want, n) == 0;
  free(d);
  return ok;
}

static void put(pl_env *env, const char *path, const char *text) {
  pl_writable_file *f;
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, text, strlen(text)));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
}

/* ---- a new directory, synced itself but never its parent ---- */

static void new_dir(pl_env *env, const char *r, pl_crash_recorder *rec, int sync_parent) {
  char d[1100], f[1200];
  pl_test_path(d, sizeof d, r, "db");
  pl_test_path(f, sizeof f, d, "data");
  ck_assert_pl_ok(pl_env_create_dir(env, d));
  put(env, f, "acknowledged");
  ck_assert_pl_ok(pl_env_sync_dir(env, d));
  if (sync_parent) ck_assert_pl_ok(pl_env_sync_dir(env, r));
  pl_crash_note(rec, "ack");
}

static void new_dir_synced_to_the_root(pl_env *env, const char *r, pl_crash_recorder *rec) { new_dir(env, r, rec, 1); }
static void new_dir_parent_never_synced(pl_env *env, const char *r, pl_crash_recorder *rec) { new_dir(env, r, rec, 0); }

/* The checker of most workloads here: once "ack" is noted, the file must
 * be there, whole. */
typedef struct acked {
  const char *path, *content;
} acked;

static int acked_file_whole(void *arg, const char *dir, const char *const *notes, size_t n, char *msg,
                            size_t cap) {
  const acked *a = arg;
  if (!noted(notes, n, "ack") || file_is(dir, a->path, a->content)) return 0;
  snprintf(msg, cap, "%s lost after it was acknowledged", a->path);
  return 1;
}

static acked db_data = {"db/data", "acknowledged"};

START_TEST(new_file_and_its_directory_synced_but_not_the_parent_is_caught) {
  ck_assert_uint_gt(failures_of(new_dir_parent_never_synced, acked_file_whole, &db_data), 0);
}
END_TEST

START_TEST(new_directory_synced_up_to_the_root_passes) {
  ck_assert_uint_eq(failures_of(new_dir_synced_to_the_root, acked_file_whole, &db_data), 0);
}
END_TEST

/* ---- a directory renamed into place before its contents were synced ---- */

static void snapshot(pl_env *env, const char *r, pl_crash_recorder *rec, int sync_contents) {
  char stage[1100], snap[1100], f[1200];
  pl_test_path(stage, sizeof stage, r, "stage");
  pl_test_path(snap, sizeof snap, r, "snap");
  pl_test_path(f, sizeof f, stage, "manifest");
  ck_assert_pl_ok(pl_env_create_dir(env, stage));
  put(env, f, "complete");
  if (sync_contents) ck_assert_pl_ok(pl_env_sync_dir(env, stage));
  ck_assert_pl_ok(pl_env_rename(env, stage, snap));
  ck_assert_pl_ok(pl_env_sync_dir(env, r));
  pl_crash_note(rec, "published");
}

static void snapshot_synced(pl_env *env, const char *r, pl_crash_recorder *rec) { snapshot(env, r, rec, 1); }
static void snapshot_contents_unsynced(pl_env *env, const char *r, pl_crash_recorder *rec) {
  snapshot(env, r, rec, 0);
}

/* A snapshot directory, once it exists, must be whole; once published it
 * must exist. */
static int snapshot_whole(void *arg, const char *dir, const char *const *notes, size_t n, char *msg, size_t cap) {
  char p[2048];
  (void)arg;
  snprintf(p, sizeof p, "%s/snap", dir);
  if (pl_env_file_exists(pl_env_platform(), p) != PL_OK) {
    if (!noted(notes, n, "published")) return 0;
    snprintf(msg, cap, "published snapshot is missing");
    return 1;
  }
  if (file_is(dir, "snap/manifest", "complete")) return 0;
  snprintf(msg, cap, "snap exists without its complete manifest");
  return 1;
}

START_TEST(directory_renamed_before_its_contents_were_synced_is_caught) {
  ck_assert_uint_gt(failures_of(snapshot_contents_unsynced, snapshot_whole, NULL), 0);
}
END_TEST

START_TEST(directory_renamed_after_its_contents_were_synced_passes) {
  ck_assert_uint_eq(failures_of(snapshot_synced, snapshot_whole, NULL), 0);
}
END_TEST

/* ---- a page rewritten in place, trusted when head and tail agree ---- */

#define PAGE 2048 /* four 512-byte sectors */

static void page(unsigned char *p, int version) {
  int i;
  for (i = 0; i < PAGE; i++) p[i] = (unsigned char)('a' + (i / 512 + version * 5) % 26);
  p[0] = p[PAGE - 1] = (unsigned char)('0' + version); /* head and tail markers */
}

static void page_rewrite(pl_env *env, const char *r, pl_crash_recorder *rec) {
  char path[1200];
  unsigned char buf[PAGE];
  pl_writable_file *f;
  pl_test_path(path, sizeof path, r, "page");
  page(buf, 1);
  ck_assert_pl_ok(pl_env_new_writable(env, path, NULL, &f));
  ck_assert_pl_ok(pl_writable_append(f, buf, PAGE));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_env_sync_dir(env, r));
  pl_crash_note(rec, "v1");
  /* Version 2 over version 1, in place, no journal: what recovery sees
   * after a crash is some mix of the two. */
  page(buf, 2);
  ck_assert_pl_ok(pl_writable_write_at(f, 0, buf, PAGE));
  ck_assert_pl_ok(pl_writable_sync(f));
  pl_crash_note(rec, "v2");
  ck_assert_pl_ok(pl_writable_close(f));
}

/* Recovery trusts a page whose markers agree; it must then be exactly that
 * version.  Prefix and suffix tears break the markers; only a tear that
 * keeps the first and last sectors but not a middle one gets past them. */
static int page_check(void *arg, const char *dir, const char *const *notes, size_t n, char *msg, size_t cap) {
  char path[2048], *d;
  size_t len;
  unsigned char want[PAGE];
  int bad = 0;
  (void)arg;
  (void)notes;
  (void)n;
  snprintf(path, sizeof path, "%s/page", dir);
  if (pl_file_read_all(pl_env_platform(), path, &d, &len) != PL_OK) return 0;
  if (len == PAGE && d[0] == d[PAGE - 1] && (d[0] == '1' || d[0] == '2')) {
    page(want, d[0] - '0');
    if (memcmp(d, want, PAGE) != 0) {
      bad = 1;
      snprintf(msg, cap, "page trusted by its markers (version %c) holds a mix of versions", d[0]);
    }
  }
  free(d);
  return bad;
}

START_TEST(page_with_matching_markers_is_caught_by_a_torn_middle) {
  ck_assert_uint_gt(failures_of(page_rewrite, page_check, NULL), 0);
}
END_TEST

/* The same workload with prefix and suffix tears only (max_tears 2 on a
 * four-sector write: all but the last, all but the first) passes: it is
 * the hole that catches it. */
START_TEST(page_check_passes_when_only_prefix_and_suffix_tears_are_tried) {
  pl_crash_recorder *rec;
  pl_crash_options o;
  pl_crash_checker c = {page_check, NULL, NULL};
  pl_crash_report r;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  page_rewrite(pl_crash_recorder_env(rec), root, rec);
  pl_crash_options_init(&o);
  o.work_dir = states;
  o.max_tears = 2;
  ck_assert_pl_ok(pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r));
  ck_assert_uint_eq(r.failures, 0);
  pl_crash_report_free(&r);
  pl_crash_recorder_free(rec);
}
END_TEST

/* ---- the writable's own rules, as recorded ---- */

static void parents_workload(pl_env *env, const char *r, pl_crash_recorder *rec) {
  char path[1200];
  pl_writable_options o;
  pl_writable_file *f;
  pl_test_path(path, sizeof path, r, "a/b/log");
  pl_writable_options_init(&o);
  o.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(env, path, &o, &f));
  ck_assert_pl_ok(pl_writable_append(f, "record", 6));
  /* The first sync also makes a, a/b and the log's entry durable. */
  ck_assert_pl_ok(pl_writable_sync(f));
  pl_crash_note(rec, "ack");
  ck_assert_pl_ok(pl_writable_close(f));
}

static acked nested_log = {"a/b/log", "record"};

START_TEST(create_parents_makes_new_directories_durable_under_the_exact_model) {
  ck_assert_uint_eq(failures_of(parents_workload, acked_file_whole, &nested_log), 0);
}
END_TEST

/* Without the parent syncs create_parents promises, the harness must see
 * the loss: the rule is regression-tested, not assumed. */
START_TEST(create_parents_without_its_parent_syncs_is_caught) {
  pl__writable_test_break_rules = PL__BREAK_CREATE_PARENTS_SYNC;
  ck_assert_uint_gt(failures_of(parents_workload, acked_file_whole, &nested_log), 0);
}
END_TEST

static size_t count_kind(const pl_crash_trace *t, int kind) {
  size_t i, n = 0;
  for (i = 0; i < t->count; i++) n += t->ops[i].kind == kind;
  return n;
}

/* The trace of a manifest sync, with the writable's rule in force or
 * broken: the recorder writes down what the file did. */
static size_t manifest_dir_syncs(int break_rule) {
  pl_crash_recorder *rec;
  char path[1200];
  size_t n;
  pl__writable_test_break_rules = break_rule ? PL__BREAK_MANIFEST_RULE : 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  pl_test_path(path, sizeof path, root, "MANIFEST-000001");
  put(pl_crash_recorder_env(rec), path, "edit");
  n = count_kind(pl_crash_recorder_trace(rec), PL_CRASH_SYNC_DIR);
  pl_crash_recorder_free(rec);
  pl__writable_test_break_rules = 0;
  return n;
}

START_TEST(recorded_trace_follows_the_writables_manifest_rule) {
  size_t with_rule = manifest_dir_syncs(0), without = manifest_dir_syncs(1);
  /* The baseline snapshot syncs the root once; the rule adds one more. */
  ck_assert_uint_eq(with_rule, without + 1);
}
END_TEST

/* The directory sync comes before the manifest's data sync in the trace,
 * as it did on the disk. */
START_TEST(manifest_directory_sync_is_recorded_before_its_data_sync) {
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  char path[1200];
  size_t i, dir_sync = 0, data_sync = 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  pl_test_path(path, sizeof path, root, "MANIFEST-000002");
  put(pl_crash_recorder_env(rec), path, "edit");
  t = pl_crash_recorder_trace(rec);
  for (i = 0; i < t->count; i++) {
    if (t->ops[i].kind == PL_CRASH_SYNC_DIR) dir_sync = i;
    if (t->ops[i].kind == PL_CRASH_SYNC) data_sync = i;
  }
  ck_assert_uint_gt(dir_sync, 0);
  ck_assert_uint_lt(dir_sync, data_sync);
  pl_crash_recorder_free(rec);
}
END_TEST

/* A failure after a failed fsync says which writes that sync dropped:
 * with Linux's semantics they never reach the disk, whatever else was
 * lost, and they are usually the reason. */
static acked f_data = {"f", "data"};

START_TEST(failure_after_a_failed_sync_names_the_writes_it_dropped) {
  pl_crash_trace t;
  pl_crash_options o;
  pl_crash_checker c = {acked_file_whole, &f_data, NULL};
  pl_crash_report r;
  pl_crash_op op;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "f"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_SYNC_DIR, "", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "data", 4));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYNC;
  op.handle = 1;
  op.failed = 1;
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op));
  /* The program retried, the retry "succeeded", and it acknowledged. */
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "ack"));
  pl_crash_options_init(&o);
  o.work_dir = states;
  ck_assert_pl_ok(pl_crash_explore(&t, &o, &c, &r));
  ck_assert_uint_gt(r.failures, 0);
  ck_assert_ptr_nonnull(strstr(r.failure[0].lost, "dropped by the failed sync op 3: op 2 write #1 f"));
  ck_assert_ptr_nonnull(strstr(r.failure[0].shrunk_lost, "dropped by the failed sync op 3"));
  pl_crash_report_free(&r);
  pl_crash_trace_free(&t);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_verdicts", "verdicts", setup, teardown, 0);
  tcase_add_test(tc, new_file_and_its_directory_synced_but_not_the_parent_is_caught);
  tcase_add_test(tc, new_directory_synced_up_to_the_root_passes);
  tcase_add_test(tc, directory_renamed_before_its_contents_were_synced_is_caught);
  tcase_add_test(tc, directory_renamed_after_its_contents_were_synced_passes);
  tcase_add_test(tc, page_with_matching_markers_is_caught_by_a_torn_middle);
  tcase_add_test(tc, page_check_passes_when_only_prefix_and_suffix_tears_are_tried);
  tcase_add_test(tc, create_parents_makes_new_directories_durable_under_the_exact_model);
  tcase_add_test(tc, create_parents_without_its_parent_syncs_is_caught);
  tcase_add_test(tc, recorded_trace_follows_the_writables_manifest_rule);
  tcase_add_test(tc, manifest_directory_sync_is_recorded_before_its_data_sync);
  tcase_add_test(tc, failure_after_a_failed_sync_names_the_writes_it_dropped);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
