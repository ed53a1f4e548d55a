/* Recording and trace files: the recording env writes down every durable
 * operation in order, and a trace survives a round trip through its file
 * format. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"
#include "plinth/crash.h"
#include "plinth/file_util.h"

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "crash-trace"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static const pl_crash_op *op_at(const pl_crash_trace *t, size_t i) {
  ck_assert_uint_lt(i, t->count);
  return &t->ops[i];
}

/* Index of the BASELINE op. */
static size_t baseline(const pl_crash_trace *t) {
  size_t i;
  for (i = 0; i < t->count; i++)
    if (t->ops[i].kind == PL_CRASH_BASELINE) return i;
  ck_abort_msg("no baseline");
  return 0;
}

START_TEST(recorder_records_every_durable_op_in_order) {
  pl_crash_recorder *rec;
  pl_env *env;
  pl_writable_file *f;
  pl_writable_options wo;
  char p[1200], q[1200], d[1200];
  const pl_crash_trace *t;
  size_t b;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  env = pl_crash_recorder_env(rec);
  ck_assert_str_eq(env->name, "recording");
  pl_writable_options_init(&wo);
  ck_assert_pl_ok(pl_env_new_writable(env, pl_test_path(p, sizeof p, dir, "a"), &wo, &f));
  ck_assert_pl_ok(pl_writable_append(f, "hello", 5));
  ck_assert_pl_ok(pl_writable_append(f, " world", 6));
  ck_assert_pl_ok(pl_writable_write_at(f, 0, "J", 1));
  ck_assert_pl_ok(pl_writable_sync(f));
  pl_crash_note(rec, "a synced");
  ck_assert_pl_ok(pl_writable_close(f));
  ck_assert_pl_ok(pl_env_create_dir(env, pl_test_path(d, sizeof d, dir, "sub")));
  ck_assert_pl_ok(pl_env_rename(env, p, pl_test_path(q, sizeof q, dir, "sub/b")));
  ck_assert_pl_ok(pl_env_sync_dir(env, dir));
  ck_assert_pl_ok(pl_env_remove_file(env, q));
  ck_assert_pl_ok(pl_env_remove_dir(env, d));
  t = pl_crash_recorder_trace(rec);
  b = baseline(t);
  ck_assert_int_eq(op_at(t, b + 1)->kind, PL_CRASH_CREATE);
  ck_assert_str_eq(op_at(t, b + 1)->path, "a");
  ck_assert_int_eq(op_at(t, b + 2)->kind, PL_CRASH_WRITE);
  ck_assert_uint_eq(op_at(t, b + 2)->offset, 0);
  ck_assert_int_eq(op_at(t, b + 3)->kind, PL_CRASH_WRITE);
  ck_assert_uint_eq(op_at(t, b + 3)->offset, 5); /* an append lands at tell() */
  ck_assert_int_eq(memcmp(op_at(t, b + 3)->data, " world", 6), 0);
  ck_assert_int_eq(op_at(t, b + 4)->kind, PL_CRASH_WRITE);
  ck_assert_uint_eq(op_at(t, b + 4)->offset, 0); /* write_at keeps its offset */
  ck_assert_int_eq(op_at(t, b + 5)->kind, PL_CRASH_SYNC);
  ck_assert_uint_eq(op_at(t, b + 5)->handle, op_at(t, b + 1)->handle);
  ck_assert_int_eq(op_at(t, b + 6)->kind, PL_CRASH_NOTE); /* right after its op */
  ck_assert_str_eq((const char *)op_at(t, b + 6)->data, "a synced");
  ck_assert_int_eq(op_at(t, b + 7)->kind, PL_CRASH_MKDIR);
  ck_assert_str_eq(op_at(t, b + 7)->path, "sub");
  ck_assert_int_eq(op_at(t, b + 8)->kind, PL_CRASH_RENAME);
  ck_assert_str_eq(op_at(t, b + 8)->path2, "sub/b");
  ck_assert_int_eq(op_at(t, b + 9)->kind, PL_CRASH_SYNC_DIR);
  ck_assert_str_eq(op_at(t, b + 9)->path, "");
  ck_assert_int_eq(op_at(t, b + 10)->kind, PL_CRASH_UNLINK);
  ck_assert_int_eq(op_at(t, b + 11)->kind, PL_CRASH_RMDIR);
  ck_assert_uint_eq(t->count, b + 12);
  pl_crash_recorder_free(rec);
}
END_TEST

START_TEST(recorder_ignores_paths_outside_its_root) {
  pl_crash_recorder *rec;
  char root[1200], other[1200], p[1300];
  pl_test_path(root, sizeof root, dir, "root");
  pl_test_path(other, sizeof other, dir, "rootother");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), other));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  ck_assert_pl_ok(pl_file_write_all(pl_crash_recorder_env(rec), pl_test_path(p, sizeof p, other, "x"), "x", 1, 1));
  /* Nothing but one note saying what was left out (rootother is not under
   * root, although its name starts with root's). */
  ck_assert_uint_eq(pl_crash_recorder_trace(rec)->count, baseline(pl_crash_recorder_trace(rec)) + 2);
  ck_assert_int_eq(pl_crash_recorder_trace(rec)->ops[baseline(pl_crash_recorder_trace(rec)) + 1].kind,
                   PL_CRASH_IGNORED);
  pl_crash_recorder_free(rec);
}
END_TEST

/* A manifest's sync also syncs its directory first (the writable
 * contract), and the trace shows both. */
START_TEST(manifest_sync_records_directory_sync_first) {
  pl_crash_recorder *rec;
  char p[1200];
  const pl_crash_trace *t;
  size_t n;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  ck_assert_pl_ok(pl_file_write_all(pl_crash_recorder_env(rec), pl_test_path(p, sizeof p, dir, "MANIFEST-000001"), "m", 1, 1));
  t = pl_crash_recorder_trace(rec);
  n = t->count;
  ck_assert_int_eq(op_at(t, n - 2)->kind, PL_CRASH_SYNC_DIR);
  ck_assert_int_eq(op_at(t, n - 1)->kind, PL_CRASH_SYNC);
  pl_crash_recorder_free(rec);
}
END_TEST

/* create_parents: the new directories are recorded, and the first sync
 * syncs them from the deepest existing one down (the writable contract),
 * which leaves the file durable: one crash state after that sync. */
START_TEST(create_parents_directories_are_recorded_and_synced) {
  pl_crash_recorder *rec;
  pl_writable_file *f;
  pl_writable_options wo;
  char p[1200];
  const pl_crash_trace *t;
  size_t b, n;
  uint64_t comb, distinct;
  pl_crash_options o;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  pl_writable_options_init(&wo);
  wo.create_parents = 1;
  ck_assert_pl_ok(pl_env_new_writable(pl_crash_recorder_env(rec), pl_test_path(p, sizeof p, dir, "x/y/f"), &wo, &f));
  ck_assert_pl_ok(pl_writable_append(f, "data", 4));
  ck_assert_pl_ok(pl_writable_sync(f));
  ck_assert_pl_ok(pl_writable_close(f));
  t = pl_crash_recorder_trace(rec);
  b = baseline(t);
  n = t->count;
  ck_assert_int_eq(op_at(t, b + 1)->kind, PL_CRASH_MKDIR);
  ck_assert_str_eq(op_at(t, b + 1)->path, "x");
  ck_assert_str_eq(op_at(t, b + 2)->path, "x/y");
  ck_assert_int_eq(op_at(t, b + 3)->kind, PL_CRASH_CREATE);
  ck_assert_int_eq(op_at(t, n - 4)->kind, PL_CRASH_SYNC_DIR);
  ck_assert_str_eq(op_at(t, n - 4)->path, "");
  ck_assert_str_eq(op_at(t, n - 3)->path, "x");
  ck_assert_str_eq(op_at(t, n - 2)->path, "x/y");
  ck_assert_int_eq(op_at(t, n - 1)->kind, PL_CRASH_SYNC);
  pl_crash_options_init(&o);
  ck_assert_pl_ok(pl_crash_count_states(t, &o, n, &comb, &distinct));
  ck_assert_uint_eq(comb, 1);
  pl_crash_recorder_free(rec);
}
END_TEST

/* Files already in the root become the durable starting state. */
START_TEST(existing_tree_is_recorded_as_baseline) {
  pl_crash_recorder *rec;
  char p[1200];
  const pl_crash_trace *t;
  size_t i;
  int saw_file = 0, saw_dir = 0;
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), pl_test_path(p, sizeof p, dir, "old"), "old!", 4, 1));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), pl_test_path(p, sizeof p, dir, "d")));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  t = pl_crash_recorder_trace(rec);
  for (i = 0; i < baseline(t); i++) {
    if (t->ops[i].kind == PL_CRASH_WRITE && t->ops[i].len == 4 && memcmp(t->ops[i].data, "old!", 4) == 0) saw_file = 1;
    if (t->ops[i].kind == PL_CRASH_MKDIR && strcmp(t->ops[i].path, "d") == 0) saw_dir = 1;
  }
  ck_assert_int_eq(saw_file, 1);
  ck_assert_int_eq(saw_dir, 1);
  pl_crash_recorder_free(rec);
}
END_TEST

static void sample_trace(pl_crash_trace *t) {
  pl_crash_op op;
  pl_crash_trace_init(t);
  ck_assert_pl_ok(pl_crash_trace_add_file(t, PL_CRASH_CREATE, 1, "a"));
  ck_assert_pl_ok(pl_crash_trace_add_write(t, 1, 3, "abc", 3));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_SYNC;
  op.handle = 1;
  op.failed = 1;
  ck_assert_pl_ok(pl_crash_trace_add(t, &op));
  ck_assert_pl_ok(pl_crash_trace_add_path(t, PL_CRASH_RENAME, "a", "b"));
  ck_assert_pl_ok(pl_crash_trace_add_note(t, "ack 1"));
}

static void assert_same(const pl_crash_trace *a, const pl_crash_trace *b) {
  size_t i;
  ck_assert_uint_eq(a->count, b->count);
  for (i = 0; i < a->count; i++) {
    const pl_crash_op *x = &a->ops[i], *y = &b->ops[i];
    ck_assert_int_eq(x->kind, y->kind);
    ck_assert_int_eq(x->failed, y->failed);
    ck_assert_uint_eq(x->flags, y->flags);
    ck_assert_uint_eq(x->handle, y->handle);
    ck_assert_uint_eq(x->offset, y->offset);
    ck_assert_uint_eq(x->len, y->len);
    ck_assert_int_eq(x->path == NULL, y->path == NULL);
    if (x->path) ck_assert_str_eq(x->path, y->path);
    ck_assert_int_eq(x->path2 == NULL, y->path2 == NULL);
    if (x->path2) ck_assert_str_eq(x->path2, y->path2);
    if (x->len && x->data) ck_assert_int_eq(memcmp(x->data, y->data, (size_t)x->len), 0);
  }
}

START_TEST(trace_file_round_trips) {
  pl_crash_trace t, u;
  char p[1200];
  sample_trace(&t);
  ck_assert_pl_ok(pl_crash_trace_save(pl_env_platform(), pl_test_path(p, sizeof p, dir, "t.plt"), &t));
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), p, &u));
  assert_same(&t, &u);
  pl_crash_trace_free(&t);
  pl_crash_trace_free(&u);
}
END_TEST

/* Every kind of format version 2 (what the system-call recorder writes),
 * flags included, survives the file. */
START_TEST(every_version_2_kind_round_trips) {
  pl_crash_trace t, u;
  pl_crash_op op;
  char p[1200];
  int k;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "a"));
  for (k = PL_CRASH_TRUNCATE; k <= PL_CRASH_KIND_MAX; k++) {
    memset(&op, 0, sizeof op);
    op.kind = k;
    switch (k) {
      case PL_CRASH_LINK:
      case PL_CRASH_EXCHANGE:
        op.path = "a";
        op.path2 = "b";
        break;
      case PL_CRASH_SYMLINK:
        op.path = "l";
        op.data = (unsigned char *)"target";
        op.len = 6;
        break;
      case PL_CRASH_IGNORED:
        op.data = (unsigned char *)"why";
        op.len = 3;
        break;
      case PL_CRASH_SYNC_ALL: break;
      default: /* TRUNCATE, ZERO, SYNC_RANGE: a handle and a range */
        op.handle = 1;
        op.offset = 4096;
        op.len = k == PL_CRASH_TRUNCATE ? 0 : 512;
        op.flags = k == PL_CRASH_ZERO ? PL_CRASH_FLAG_KEEP_SIZE : k == PL_CRASH_TRUNCATE ? PL_CRASH_FLAG_DURABLE : 0;
        break;
    }
    ck_assert_pl_ok(pl_crash_trace_add(&t, &op));
  }
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "xyz", 3));
  t.ops[t.count - 1].flags = PL_CRASH_FLAG_DURABLE;
  ck_assert_pl_ok(pl_crash_trace_save(pl_env_platform(), pl_test_path(p, sizeof p, dir, "v2.plt"), &t));
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), p, &u));
  assert_same(&t, &u);
  ck_assert_str_eq(pl_crash_op_name(PL_CRASH_SYNC_RANGE), "syncrange");
  pl_crash_trace_free(&t);
  pl_crash_trace_free(&u);
}
END_TEST

/* Excluding files drops every op on them (and under an excluded
 * directory), through their handles too, and nothing else. */
START_TEST(exclude_drops_every_op_on_matching_files) {
  pl_crash_trace t;
  size_t removed;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "db-shm"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "shm", 3));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 2, "db"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 2, 0, "data", 4));
  ck_assert_pl_ok(pl_crash_trace_add_sync(&t, 1));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_MKDIR, "tmp.d", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 3, "tmp.d/x"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_UNLINK, "sub/db-shm", NULL));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "a-shm", "b-shm"));
  ck_assert_pl_ok(pl_crash_trace_add_note(&t, "kept"));
  ck_assert_pl_ok(pl_crash_trace_exclude(&t, "*-shm", &removed));
  ck_assert_uint_eq(removed, 5);
  ck_assert_uint_eq(t.count, 5);
  ck_assert_str_eq(t.ops[0].path, "db");
  ck_assert_int_eq(t.ops[1].kind, PL_CRASH_WRITE);
  ck_assert_str_eq(t.ops[2].path, "tmp.d");
  /* A directory matched takes what is under it along; a pattern with '/'
   * matches leading parts of paths. */
  ck_assert_pl_ok(pl_crash_trace_exclude(&t, "tmp.?", &removed));
  ck_assert_uint_eq(removed, 2);
  ck_assert_pl_ok(pl_crash_trace_exclude(&t, "d*/x", &removed));
  ck_assert_uint_eq(removed, 0);
  ck_assert_int_eq(t.ops[t.count - 1].kind, PL_CRASH_NOTE);
  pl_crash_trace_free(&t);
}
END_TEST

/* A rename between an excluded name and a kept one would lose the file's
 * contents: refused, the trace untouched. */
START_TEST(exclude_refuses_a_rename_across_the_pattern) {
  pl_crash_trace t;
  size_t removed = 99;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "x.tmp"));
  ck_assert_pl_ok(pl_crash_trace_add_path(&t, PL_CRASH_RENAME, "x.tmp", "x"));
  ck_assert_int_eq(pl_crash_trace_exclude(&t, "*.tmp", &removed), PL_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "x.tmp -> x"));
  ck_assert_uint_eq(t.count, 2);
  ck_assert_uint_eq(removed, 0);
  ck_assert_int_eq(pl_crash_trace_exclude(&t, "", NULL), PL_INVALID_ARGUMENT);
  pl_crash_trace_free(&t);
}
END_TEST

/* A note on a recorder stacked on another recording env reaches both. */
START_TEST(stacked_recorder_passes_notes_down) {
  pl_crash_recorder *below, *above;
  size_t i, seen = 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &below));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_crash_recorder_env(below), dir, NULL, &above));
  pl_crash_note(above, "key %d", 7);
  for (i = 0; i < pl_crash_recorder_trace(above)->count; i++)
    seen += pl_crash_recorder_trace(above)->ops[i].kind == PL_CRASH_NOTE;
  for (i = 0; i < pl_crash_recorder_trace(below)->count; i++)
    if (pl_crash_recorder_trace(below)->ops[i].kind == PL_CRASH_NOTE) {
      ck_assert_str_eq((const char *)pl_crash_recorder_trace(below)->ops[i].data, "key 7");
      seen++;
    }
  ck_assert_uint_eq(seen, 2);
  pl_crash_recorder_free(above);
  pl_crash_recorder_free(below);
}
END_TEST

/* Without a tracer (every system but Linux), recording system calls is
 * refused clearly. */
START_TEST(syscall_recording_without_a_tracer_is_not_supported) {
#if !defined(PL_HAVE_LINUX_TRACER)
  const char *argv[] = {"any-program", NULL};
  char tp[1200];
  pl_crash_program p;
  pl_crash_program_status st;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = pl_test_path(tp, sizeof tp, dir, "t.plt");
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_int_eq(pl_crash_record_program(&p, &st), PL_NOT_SUPPORTED);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "Linux only"));
#endif
}
END_TEST

/* A recorder writing to a file produces the same trace it keeps in
 * memory otherwise. */
START_TEST(recorder_file_matches_memory) {
  pl_crash_recorder *mem, *file;
  pl_crash_trace u;
  char p[1200], tp[1200], root1[1200], root2[1200];
  pl_test_path(root1, sizeof root1, dir, "r1");
  pl_test_path(root2, sizeof root2, dir, "r2");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root1));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root2));
  pl_test_path(tp, sizeof tp, dir, "rec.plt");
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root1, NULL, &mem));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root2, tp, &file));
  ck_assert_pl_ok(pl_file_replace(pl_crash_recorder_env(mem), pl_test_path(p, sizeof p, root1, "x"), "data", 4));
  pl_crash_note(mem, "done");
  ck_assert_pl_ok(pl_file_replace(pl_crash_recorder_env(file), pl_test_path(p, sizeof p, root2, "x"), "data", 4));
  pl_crash_note(file, "done");
  /* Loaded while the recorder is still open: every op is already there. */
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), tp, &u));
  assert_same(pl_crash_recorder_trace(mem), &u);
  ck_assert_uint_eq(pl_crash_recorder_trace(file)->count, 0);
  pl_crash_trace_free(&u);
  pl_crash_recorder_free(mem);
  pl_crash_recorder_free(file);
}
END_TEST

static void write_raw(const char *p, const void *d, size_t n) {
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), p, d, n, 0));
}

/* Saves the sample trace (into *t) as dir/t.plt, its path into p, and
 * returns the file's bytes (*n of them), to be damaged and written back. */
static char *saved_sample_trace(pl_crash_trace *t, char *p, size_t cap, size_t *n) {
  char *raw;
  sample_trace(t);
  ck_assert_pl_ok(pl_crash_trace_save(pl_env_platform(), pl_test_path(p, cap, dir, "t.plt"), t));
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), p, &raw, n));
  return raw;
}

START_TEST(trace_cut_short_keeps_whole_records) {
  pl_crash_trace t, u;
  char p[1200], *raw;
  size_t n;
  raw = saved_sample_trace(&t, p, sizeof p, &n);
  write_raw(p, raw, n - 3);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), p, &u));
  ck_assert_uint_eq(u.count, t.count - 1);
  free(raw);
  pl_crash_trace_free(&t);
  pl_crash_trace_free(&u);
}
END_TEST

START_TEST(damaged_trace_is_corruption) {
  pl_crash_trace t, u;
  char p[1200], *raw;
  size_t n;
  raw = saved_sample_trace(&t, p, sizeof p, &n);
  raw[30] ^= 0x40;
  write_raw(p, raw, n);
  ck_assert_int_eq(pl_crash_trace_load(pl_env_platform(), p, &u), PL_CORRUPTION);
  ck_assert_uint_eq(u.count, 0);
  write_raw(p, "not a trace at all", 18);
  ck_assert_int_eq(pl_crash_trace_load(pl_env_platform(), p, &u), PL_CORRUPTION);
  free(raw);
  pl_crash_trace_free(&t);
}
END_TEST

START_TEST(other_trace_version_is_not_supported) {
  pl_crash_trace t, u;
  char p[1200], *raw;
  size_t n;
  raw = saved_sample_trace(&t, p, sizeof p, &n);
  raw[8] = 3;
  write_raw(p, raw, n);
  ck_assert_int_eq(pl_crash_trace_load(pl_env_platform(), p, &u), PL_NOT_SUPPORTED);
  free(raw);
  pl_crash_trace_free(&t);
}
END_TEST

START_TEST(missing_trace_is_not_found) {
  pl_crash_trace u;
  char p[1200];
  ck_assert_int_eq(pl_crash_trace_load(pl_env_platform(), pl_test_path(p, sizeof p, dir, "none"), &u), PL_NOT_FOUND);
}
END_TEST

START_TEST(note_on_a_plain_env_is_ignored) {
  ck_assert_int_eq(pl_crash_env_note(pl_env_platform(), "x"), 0);
}
END_TEST

#if !defined(_WIN32)
/* In a program recorded at the system-call level, a note on a plain env
 * is a line of $PLINTH_NOTES (which the tracer sees written). */
START_TEST(note_on_a_plain_env_goes_to_plinth_notes) {
  char np[1200], *data;
  size_t n;
  pl_test_path(np, sizeof np, dir, "notes");
  setenv("PLINTH_NOTES", np, 1);
  ck_assert_int_eq(pl_crash_env_note(pl_env_platform(), "row %d", 5), 1);
  ck_assert_int_eq(pl_crash_env_note(pl_env_platform(), "row %d\nstray", 6), 1);
  unsetenv("PLINTH_NOTES");
  ck_assert_pl_ok(pl_file_read_all(pl_env_platform(), np, &data, &n));
  /* A note is one line: what follows a newline in it is cut. */
  ck_assert_uint_eq(n, 12);
  ck_assert_int_eq(memcmp(data, "row 5\nrow 6\n", 12), 0);
  free(data);
}
END_TEST
#endif

#if !defined(_WIN32)
/* With PLINTH_TRACE set before the first call, pl_env_default() records
 * (each Check case runs in its own process, so this is the first call). */
START_TEST(default_env_records_when_plinth_trace_is_set) {
  char tp[1200], p[1200];
  pl_crash_trace u;
  pl_env *env;
  size_t i;
  int saw = 0;
  pl_test_path(tp, sizeof tp, dir, "default.plt");
  setenv("PLINTH_TRACE", tp, 1);
  setenv("PLINTH_TRACE_ROOT", dir, 1);
  env = pl_env_default();
  ck_assert_str_eq(env->name, "recording");
  ck_assert_ptr_eq(pl_env_default(), env);
  ck_assert_pl_ok(pl_file_write_all(env, pl_test_path(p, sizeof p, dir, "f"), "x", 1, 1));
  ck_assert_int_eq(pl_crash_env_note(env, "ack %d", 1), 1);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), tp, &u));
  for (i = 0; i < u.count; i++)
    if (u.ops[i].kind == PL_CRASH_NOTE && strcmp((const char *)u.ops[i].data, "ack 1") == 0) saw = 1;
  ck_assert_int_eq(saw, 1);
  pl_crash_trace_free(&u);
}
END_TEST
#endif

START_TEST(recorder_sees_renames_across_its_root_as_removal_and_empty_creation) {
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  char root[1200], out[1200], a[1300], b[1300];
  pl_test_path(root, sizeof root, dir, "root");
  pl_test_path(out, sizeof out, dir, "outside");
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), root));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), out));
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), pl_test_path(a, sizeof a, root, "in"), "i", 1, 0));
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), pl_test_path(a, sizeof a, out, "o"), "o", 1, 0));
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), root, NULL, &rec));
  ck_assert_pl_ok(pl_env_rename(pl_crash_recorder_env(rec), pl_test_path(a, sizeof a, root, "in"),
                                pl_test_path(b, sizeof b, out, "moved")));
  ck_assert_pl_ok(pl_env_rename(pl_crash_recorder_env(rec), pl_test_path(a, sizeof a, out, "o"),
                                pl_test_path(b, sizeof b, root, "came")));
  t = pl_crash_recorder_trace(rec);
  ck_assert_uint_eq(t->count, baseline(t) + 3);
  ck_assert_int_eq(op_at(t, baseline(t) + 1)->kind, PL_CRASH_UNLINK);
  ck_assert_str_eq(op_at(t, baseline(t) + 1)->path, "in");
  ck_assert_int_eq(op_at(t, baseline(t) + 2)->kind, PL_CRASH_CREATE);
  ck_assert_str_eq(op_at(t, baseline(t) + 2)->path, "came");
  pl_crash_recorder_free(rec);
}
END_TEST

START_TEST(recorder_records_the_file_a_lock_creates_and_a_loggers_lines) {
  pl_crash_recorder *rec;
  const pl_crash_trace *t;
  pl_file_lock *l;
  pl_logger *lg;
  char p[1300];
  size_t i, b;
  int created_lock = 0, created_log = 0, wrote = 0;
  ck_assert_pl_ok(pl_crash_recorder_new(pl_env_platform(), dir, NULL, &rec));
  ck_assert_pl_ok(pl_env_lock_file(pl_crash_recorder_env(rec), pl_test_path(p, sizeof p, dir, "LOCK"), &l));
  ck_assert_pl_ok(pl_env_unlock_file(pl_crash_recorder_env(rec), l));
  /* the second lock finds the file there: nothing more to record */
  ck_assert_pl_ok(pl_env_lock_file(pl_crash_recorder_env(rec), p, &l));
  ck_assert_pl_ok(pl_env_unlock_file(pl_crash_recorder_env(rec), l));
  ck_assert_pl_ok(pl_env_new_logger(pl_crash_recorder_env(rec), pl_test_path(p, sizeof p, dir, "LOG"), &lg));
  pl_logger_log(lg, "opened %d", 7);
  lg->methods->close(lg);
  t = pl_crash_recorder_trace(rec);
  b = baseline(t);
  for (i = b + 1; i < t->count; i++) {
    const pl_crash_op *o = op_at(t, i);
    if (o->kind == PL_CRASH_CREATE && strcmp(o->path, "LOCK") == 0) created_lock++;
    if (o->kind == PL_CRASH_CREATE && strcmp(o->path, "LOG") == 0) created_log++;
    if (o->kind == PL_CRASH_WRITE && o->data && strstr((const char *)o->data, "opened 7") != NULL) wrote++;
  }
  ck_assert_int_eq(created_lock, 1);
  ck_assert_int_eq(created_log, 1);
  ck_assert_int_eq(wrote, 1);
  pl_crash_recorder_free(rec);
}
END_TEST

START_TEST(exclude_follows_handles_through_truncates_and_reuse) {
  /* A truncate by handle goes with its file; one by name is judged by the
   * name; a handle reopened for a kept file is kept from then on. */
  pl_crash_trace t;
  pl_crash_op op;
  size_t removed;
  pl_crash_trace_init(&t);
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_CREATE, 1, "a.tmp"));
  memset(&op, 0, sizeof op);
  op.kind = PL_CRASH_TRUNCATE;
  op.handle = 1;
  op.offset = 0;
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op)); /* by handle: dropped */
  op.path = (char *)"b.tmp";
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op)); /* by name: dropped */
  op.path = (char *)"keep";
  ck_assert_pl_ok(pl_crash_trace_add(&t, &op)); /* by name: kept */
  ck_assert_pl_ok(pl_crash_trace_add_file(&t, PL_CRASH_OPEN, 1, "kept"));
  ck_assert_pl_ok(pl_crash_trace_add_write(&t, 1, 0, "k", 1)); /* the handle now names a kept file */
  ck_assert_pl_ok(pl_crash_trace_exclude(&t, "*.tmp", &removed));
  ck_assert_uint_eq(removed, 3);
  ck_assert_uint_eq(t.count, 3);
  ck_assert_int_eq(t.ops[0].kind, PL_CRASH_TRUNCATE);
  ck_assert_str_eq(t.ops[0].path, "keep");
  ck_assert_str_eq(t.ops[1].path, "kept");
  ck_assert_int_eq(t.ops[2].kind, PL_CRASH_WRITE);
  pl_crash_trace_free(&t);
}
END_TEST

/* describe(kind, path, path2, offset, len, data, flags, failed) */
static const char *describe(int kind, const char *path, const char *path2, uint64_t off, uint64_t len,
                            const char *data, unsigned flags, int failed) {
  static char buf[512];
  pl_crash_op op;
  memset(&op, 0, sizeof op);
  op.kind = kind;
  op.handle = 3;
  op.path = (char *)path;
  op.path2 = (char *)path2;
  op.offset = off;
  op.len = len;
  op.data = (unsigned char *)data;
  op.flags = flags;
  op.failed = failed;
  pl_crash_op_describe(&op, "f.dat", buf, sizeof buf);
  return buf;
}

START_TEST(every_op_kind_has_a_name_and_unknown_kinds_say_so) {
  static const char *const names[] = {"unknown", "create", "open", "write", "extend", "sync", "syncdir",
                                      "rename", "unlink", "mkdir", "rmdir", "note", "baseline",
                                      "truncate", "link", "symlink", "syncall", "exchange", "zero",
                                      "ignored", "syncrange"};
  int k;
  for (k = 0; k <= PL_CRASH_KIND_MAX; k++) ck_assert_str_eq(pl_crash_op_name(k), names[k]);
  ck_assert_str_eq(pl_crash_op_name(PL_CRASH_KIND_MAX + 1), "unknown");
}
END_TEST

START_TEST(describe_renders_every_kind_of_op_on_one_safe_line) {
  ck_assert_str_eq(describe(PL_CRASH_TRUNCATE, NULL, NULL, 7, 0, NULL, 0, 0), "truncate #3 f.dat to 7");
  ck_assert_str_eq(describe(PL_CRASH_TRUNCATE, "g", NULL, 0, 0, NULL, 0, 1), "truncate #3 g to 0 (failed)");
  ck_assert_str_eq(describe(PL_CRASH_SYNC_RANGE, NULL, NULL, 4096, 512, NULL, 0, 0),
                   "syncrange #3 f.dat [4096,+512) (not a barrier)");
  ck_assert_str_eq(describe(PL_CRASH_ZERO, NULL, NULL, 0, 10, NULL, PL_CRASH_FLAG_KEEP_SIZE, 0),
                   "zero #3 f.dat [0,+10) keep size");
  ck_assert_str_eq(describe(PL_CRASH_ZERO, NULL, NULL, 5, 1, NULL, 0, 1), "zero #3 f.dat [5,+1) (failed)");
  ck_assert_str_eq(describe(PL_CRASH_SYMLINK, "ln", NULL, 0, 6, "target", 0, 0), "symlink ln -> \"target\"");
  ck_assert_str_eq(describe(PL_CRASH_LINK, "a", "b", 0, 0, NULL, 0, 0), "link a -> b");
  ck_assert_str_eq(describe(PL_CRASH_EXCHANGE, "a", "b", 0, 0, NULL, 0, 1), "exchange a <-> b (failed)");
  ck_assert_str_eq(describe(PL_CRASH_SYNC_ALL, NULL, NULL, 0, 0, NULL, 0, 0), "syncall");
  ck_assert_str_eq(describe(PL_CRASH_BASELINE, NULL, NULL, 0, 0, NULL, 0, 0), "baseline");
  ck_assert_str_eq(describe(PL_CRASH_SYNC_DIR, "", NULL, 0, 0, NULL, 0, 0), "syncdir (root)");
  ck_assert_str_eq(describe(PL_CRASH_RMDIR, NULL, NULL, 0, 0, NULL, 0, 0), "rmdir ?");
  ck_assert_str_eq(describe(PL_CRASH_EXTEND, NULL, NULL, 100, 0, NULL, PL_CRASH_FLAG_DURABLE, 0),
                   "extend #3 f.dat to 100 (durable on return)");
  /* control bytes from a trace never reach the terminal */
  ck_assert_str_eq(describe(PL_CRASH_NOTE, NULL, NULL, 0, 5, "a\033[2J", 0, 0), "note \"a?[2J\"");
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_trace", "trace", setup, teardown, 0);
  tcase_add_test(tc, recorder_records_every_durable_op_in_order);
  tcase_add_test(tc, recorder_ignores_paths_outside_its_root);
  tcase_add_test(tc, manifest_sync_records_directory_sync_first);
  tcase_add_test(tc, existing_tree_is_recorded_as_baseline);
  tcase_add_test(tc, create_parents_directories_are_recorded_and_synced);
  tcase_add_test(tc, trace_file_round_trips);
  tcase_add_test(tc, recorder_file_matches_memory);
  tcase_add_test(tc, trace_cut_short_keeps_whole_records);
  tcase_add_test(tc, damaged_trace_is_corruption);
  tcase_add_test(tc, other_trace_version_is_not_supported);
  tcase_add_test(tc, missing_trace_is_not_found);
  tcase_add_test(tc, note_on_a_plain_env_is_ignored);
  tcase_add_test(tc, every_version_2_kind_round_trips);
  tcase_add_test(tc, exclude_drops_every_op_on_matching_files);
  tcase_add_test(tc, exclude_refuses_a_rename_across_the_pattern);
  tcase_add_test(tc, stacked_recorder_passes_notes_down);
  tcase_add_test(tc, syscall_recording_without_a_tracer_is_not_supported);
  tcase_add_test(tc, every_op_kind_has_a_name_and_unknown_kinds_say_so);
  tcase_add_test(tc, describe_renders_every_kind_of_op_on_one_safe_line);
  tcase_add_test(tc, recorder_sees_renames_across_its_root_as_removal_and_empty_creation);
  tcase_add_test(tc, recorder_records_the_file_a_lock_creates_and_a_loggers_lines);
  tcase_add_test(tc, exclude_follows_handles_through_truncates_and_reuse);
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, note_on_a_plain_env_goes_to_plinth_notes);
#else
  pl_test_note_skip("posix-only", "note_on_a_plain_env_goes_to_plinth_notes");
#endif
#if !defined(_WIN32)
  PL_TEST_POSIX_ONLY(tc, default_env_records_when_plinth_trace_is_set);
#else
  pl_test_note_skip("posix-only", "default_env_records_when_plinth_trace_is_set");
#endif
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
