/* Recording at the system-call level (pl_crash_record_program with
 * PL_CRASH_PROGRAM_SYSCALLS): tests/tracer_workload runs each family of
 * calls with plain libc, and each case checks two things:
 *
 * - the trace holds exactly the ops the calls stand for, in order (the
 *   ops after the baseline, rendered one per ';': "create f", "write f
 *   0+5", "write f 0+5!" durable on return, "sync f", "syncdir /", ...);
 * - replaying the trace with every op kept gives back exactly the tree the
 *   program left (every name, every byte, every link target), so offsets
 *   and data are right whatever the calls were.
 *
 * ptrace and valgrind do not mix (valgrind runs the test and would have
 * to run the tracer's ptrace calls and the program's seccomp filter on its
 * behalf): under valgrind the suite runs no case and says so.  The ASan
 * build runs it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash/crash_internal.h"
#include "plinth/file_util.h"
#include "tests/test_util.h"
#include "util/buf.h"

static char workload[4096];

/* ---- recording ---- */

typedef struct run {
  char dir[1200];   /* the test's directory */
  char root[1300];  /* where the program ran */
  char trace[1300];
  pl_crash_trace t;
  pl_crash_program_status st;
  int skipped;
} run;

static void record_mode(run *r, const char *mode, const char *arg) {
  const char *argv[5];
  pl_crash_program p;
  int n = 0;
  pl_test_fresh_dir(r->dir, sizeof r->dir, mode);
  snprintf(r->root, sizeof r->root, "%s/root", r->dir);
  snprintf(r->trace, sizeof r->trace, "%s/trace.plt", r->dir);
  argv[n++] = workload;
  argv[n++] = mode;
  if (arg != NULL) argv[n++] = arg;
  argv[n] = NULL;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r->root;
  p.trace_path = r->trace;
  p.timeout_ms = 60000;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_pl_ok(pl_crash_record_program(&p, &r->st));
  r->skipped = r->st.exited && r->st.code == 77;
  if (r->skipped) {
    pl_test_note_skip("not supported by this file system", mode);
    pl_crash_trace_init(&r->t);
    return;
  }
  ck_assert_msg(r->st.exited && r->st.code == 0, "%s: %s", mode, r->st.how);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), r->trace, &r->t));
}

static void run_free(run *r) {
  pl_crash_trace_free(&r->t);
  pl_test_remove_tree(r->dir);
}

/* ---- rendering ---- */

/* The ops after the baseline, one per "; ". */
static char *render(const pl_crash_trace *t) {
  pl__buf out = {0};
  const char **names = calloc(t->count + 1, sizeof *names); /* handle -> path, by op index */
  size_t i, start = 0;
  for (i = 0; i < t->count; i++)
    if (t->ops[i].kind == PL_CRASH_BASELINE) start = i + 1;
  for (i = 0; i < t->count; i++) {
    const pl_crash_op *o = &t->ops[i];
    const char *file = "?";
    size_t k;
    if (o->kind == PL_CRASH_CREATE || o->kind == PL_CRASH_OPEN) names[i] = o->path;
    for (k = i; k-- > 0;)
      if ((t->ops[k].kind == PL_CRASH_CREATE || t->ops[k].kind == PL_CRASH_OPEN) && t->ops[k].handle == o->handle) {
        file = t->ops[k].path;
        break;
      }
    if (i < start) continue;
    if (out.len) pl__buf_add_str(&out, "; ");
    switch (o->kind) {
      case PL_CRASH_CREATE:
      case PL_CRASH_OPEN: pl__buf_addf(&out, "%s %s", pl_crash_op_name(o->kind), o->path); break;
      case PL_CRASH_WRITE:
        pl__buf_addf(&out, "write %s %llu+%llu%s", file, (unsigned long long)o->offset, (unsigned long long)o->len,
                     (o->flags & PL_CRASH_FLAG_DURABLE) ? "!" : "");
        break;
      case PL_CRASH_TRUNCATE:
        pl__buf_addf(&out, "truncate %s %llu", o->path ? o->path : file, (unsigned long long)o->offset);
        break;
      case PL_CRASH_EXTEND: pl__buf_addf(&out, "extend %s %llu", file, (unsigned long long)o->offset); break;
      case PL_CRASH_ZERO:
        pl__buf_addf(&out, "zero %s %llu+%llu%s", file, (unsigned long long)o->offset, (unsigned long long)o->len,
                     (o->flags & PL_CRASH_FLAG_KEEP_SIZE) ? "k" : "");
        break;
      case PL_CRASH_SYNC: pl__buf_addf(&out, "%s %s", o->failed ? "syncfail" : "sync", file); break;
      case PL_CRASH_SYNC_RANGE: pl__buf_addf(&out, "syncrange %s", file); break;
      case PL_CRASH_SYNC_DIR: pl__buf_addf(&out, "syncdir %s", o->path[0] ? o->path : "/"); break;
      case PL_CRASH_SYNC_ALL: pl__buf_add_str(&out, "syncall"); break;
      case PL_CRASH_RENAME:
      case PL_CRASH_EXCHANGE:
      case PL_CRASH_LINK: pl__buf_addf(&out, "%s %s %s", pl_crash_op_name(o->kind), o->path, o->path2); break;
      case PL_CRASH_SYMLINK: pl__buf_addf(&out, "symlink %s %s", o->path, (const char *)o->data); break;
      case PL_CRASH_UNLINK:
      case PL_CRASH_MKDIR:
      case PL_CRASH_RMDIR: pl__buf_addf(&out, "%s %s", pl_crash_op_name(o->kind), o->path); break;
      case PL_CRASH_NOTE: pl__buf_addf(&out, "note %s", (const char *)o->data); break;
      case PL_CRASH_IGNORED: pl__buf_addf(&out, "ignored %s", (const char *)o->data); break;
      default: pl__buf_addf(&out, "%s", pl_crash_op_name(o->kind)); break;
    }
  }
  pl__buf_add(&out, "", 1);
  free(names);
  return (char *)out.p;
}

static void expect_ops(const run *r, const char *want) {
  char *got = render(&r->t);
  ck_assert_msg(strcmp(got, want) == 0, "ops:\n  expected %s\n  got      %s", want, got);
  free(got);
}

static void expect_ops_contain(const run *r, const char *want) {
  char *got = render(&r->t);
  ck_assert_msg(strstr(got, want) != NULL, "ops:\n  expected to contain %s\n  got %s", want, got);
  free(got);
}

/* ---- the tree the trace gives back ---- */

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names in dir (no "." and ".."); *n gets their number. */
static char **list(const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **v = NULL;
  *n = 0;
  if (d == NULL) return NULL;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    v = realloc(v, (*n + 1) * sizeof *v);
    v[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  if (*n) qsort(v, *n, sizeof *v, cmp_names);
  return v;
}

/* Appends the first difference between trees a and b to diff. */
static void compare_trees(const char *a, const char *b, pl__buf *diff) {
  size_t na, nb, i;
  char **la = list(a, &na), **lb = list(b, &nb);
  for (i = 0; i < na || i < nb; i++) {
    char pa[4096], pb[4096];
    struct stat sa, sb;
    if (diff->len) break;
    if (i >= na || i >= nb || strcmp(la[i], lb[i]) != 0) {
      pl__buf_addf(diff, "%s: names differ (%s vs %s)", a, i < na ? la[i] : "-", i < nb ? lb[i] : "-");
      break;
    }
    snprintf(pa, sizeof pa, "%s/%s", a, la[i]);
    snprintf(pb, sizeof pb, "%s/%s", b, lb[i]);
    if (lstat(pa, &sa) != 0 || lstat(pb, &sb) != 0 || (sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
      pl__buf_addf(diff, "%s: types differ", pa);
    } else if (S_ISDIR(sa.st_mode)) {
      compare_trees(pa, pb, diff);
    } else if (S_ISLNK(sa.st_mode)) {
      char ta[4096] = "", tb[4096] = "";
      if (readlink(pa, ta, sizeof ta - 1) < 0 || readlink(pb, tb, sizeof tb - 1) < 0 || strcmp(ta, tb) != 0)
        pl__buf_addf(diff, "%s: link targets differ (%s vs %s)", pa, ta, tb);
    } else {
      char *da = NULL, *db = NULL;
      size_t la_ = 0, lb_ = 0;
      pl_file_read_all(pl_env_platform(), pa, &da, &la_);
      pl_file_read_all(pl_env_platform(), pb, &db, &lb_);
      if (la_ != lb_ || (la_ && memcmp(da, db, la_) != 0))
        pl__buf_addf(diff, "%s: contents differ (%lu vs %lu bytes)", pa, (unsigned long)la_, (unsigned long)lb_);
      free(da);
      free(db);
    }
  }
  for (i = 0; i < na; i++) free(la[i]);
  for (i = 0; i < nb; i++) free(lb[i]);
  free(la);
  free(lb);
}

/* Replays the whole trace with every pending op kept and compares the tree
 * with the one the program left. */
static void expect_replay_matches(const run *r) {
  pl_crash_options o, opt;
  pl__model m;
  pl__state s;
  pl__choice *c;
  uint64_t h;
  char out[1400];
  pl__buf diff = {0};
  int i;
  pl_crash_options_init(&o);
  pl__options_normalize(&o, &opt);
  ck_assert_pl_ok(pl__model_build(&m, &r->t, &opt, r->t.count));
  c = calloc((size_t)m.npend + 1, sizeof *c);
  for (i = 0; i < m.npend; i++) c[i] = 1;
  memset(&s, 0, sizeof s);
  ck_assert_pl_ok(pl__state_build(&m, c, &s, &h));
  snprintf(out, sizeof out, "%s/replayed", r->dir);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), out));
  ck_assert_pl_ok(pl__state_materialize(pl_env_platform(), &m, &s, out));
  compare_trees(r->root, out, &diff);
  pl__buf_add(&diff, "", 1);
  ck_assert_msg(diff.p[0] == '\0', "replayed tree differs: %s", (const char *)diff.p);
  pl__buf_free(&diff);
  free(c);
  pl__state_free(&s);
  pl__model_free(&m);
}

/* Records mode, checks its ops and its replay. */
static void check_mode(const char *mode, const char *arg, const char *ops) {
  run r;
  record_mode(&r, mode, arg);
  if (!r.skipped) {
    if (ops != NULL) expect_ops(&r, ops);
    expect_replay_matches(&r);
  }
  run_free(&r);
}

/* ---- cases ---- */

START_TEST(open_write_fsync_and_directory_fsync) {
  check_mode("basic", NULL, "create f; write f 0+5; sync f; syncdir /; note done");
}
END_TEST

START_TEST(append_lands_at_the_end_and_truncate_empties) {
  check_mode("append", NULL,
             "create a; write a 0+10; open a; write a 10+2; write a 12+2; create a; write a 0+2; create c; "
             "write c 0+5; open c; write c 5+1");
}
END_TEST

START_TEST(o_sync_o_dsync_and_rwf_dsync_writes_are_durable_on_return) {
  check_mode("osync", NULL, "create s; write s 0+4!; create d; write d 0+5!; create r; write r 0+5; write r 0+1!");
}
END_TEST

START_TEST(o_direct_with_o_dsync_is_durable_on_return) { check_mode("direct", NULL, "create o; write o 0+4096!"); }
END_TEST

START_TEST(pwrite_pwritev_and_writev_land_at_their_offsets) {
  check_mode("positional", NULL, "create p; write p 10+3; write p 2+5; write p 20+5");
}
END_TEST

START_TEST(truncate_ftruncate_and_each_fallocate_mode) {
  check_mode("sizes", NULL,
             "create t; write t 0+8192; truncate t 6000; truncate t 7000; extend t 12288; zero t 0+4096k; "
             "zero t 8192+8192");
}
END_TEST

/* The data after the offset moved: recorded as its rewrite and the new
 * size (the replay checks the bytes). */
START_TEST(fallocate_collapse_and_insert_range_rewrite_what_moved) {
  check_mode("shift", NULL, "create h; write h 0+12288; write h 4096+4096; truncate h 8192; write h 0+12288; truncate h 12288");
}
END_TEST

START_TEST(fdatasync_sync_file_range_syncfs_and_sync) {
  check_mode("syncs", NULL, "create y; write y 0+3; sync y; write y 3+3; syncrange y; syncall; write y 6+5; syncall");
}
END_TEST

START_TEST(rename_renameat_and_renameat2_flags) {
  check_mode("rename", NULL,
             "create a; write a 0+1; create b; write b 0+1; mkdir d; rename a a2; rename a2 d/a3; rename d/a3 a4; "
             "exchange a4 b");
}
END_TEST

START_TEST(links_symlinks_unlinks_and_directories) {
  check_mode("names", NULL,
             "create f; write f 0+1; mkdir d; link f g; link f d/h; symlink s f; symlink d/t ../f; mkdir d/e; "
             "mkdir x; unlink g; unlink d/t; rmdir d/e; rmdir x");
}
END_TEST

START_TEST(openat_directory_descriptors_chdir_and_fchdir) {
  check_mode("dirs", NULL,
             "mkdir d; mkdir d/e; create d/in-d; write d/in-d 0+2; create d/e/in-e; write d/e/in-e 0+2; create d/up; "
             "write d/up 0+2; create d/via-fchdir; write d/via-fchdir 0+2; syncdir d");
}
END_TEST

START_TEST(dup_dup2_dup3_and_f_dupfd_share_the_file) {
  check_mode("dup", NULL,
             "create u; write u 0+1; write u 1+1; write u 2+1; write u 3+1; write u 4+1; write u 5+1; create v; "
             "write v 0+1");
}
END_TEST

START_TEST(fork_inherits_and_exec_honours_close_on_exec) {
  check_mode("fork", NULL, "create k; write k 0+8; write k 8+6; write k 14+8; write k 22+5; write k 27+7");
}
END_TEST

START_TEST(posix_spawned_shell_is_recorded_with_its_notes) {
  check_mode("spawn", NULL, "create sp; write sp 0+8; note from the shell");
}
END_TEST

START_TEST(threads_share_the_descriptor_table_and_write_at_once) {
  run r;
  int i;
  record_mode(&r, "threads", NULL);
  expect_ops_contain(&r, "create shared; write shared 0+15");
  for (i = 0; i < 4; i++) {
    char want[64];
    snprintf(want, sizeof want, "create t%d", i);
    expect_ops_contain(&r, want);
  }
  expect_ops_contain(&r, "note threads done");
  ck_assert_uint_ge(r.st.processes, 6);
  expect_replay_matches(&r);
  run_free(&r);
}
END_TEST

START_TEST(shared_mapping_is_recorded_at_msync_and_munmap) {
  check_mode("mmap", NULL, "create m; truncate m 8192; write m 100+6!; note msynced; write m 5000+5");
}
END_TEST

START_TEST(mapping_made_by_one_thread_is_synced_by_another) {
  check_mode("thread-mmap", NULL, "create tm; truncate tm 4096; write tm 0+5; write tm 0+16!");
}
END_TEST

START_TEST(stdio_fprintf_fflush_fsync) {
  check_mode("stdio", NULL,
             "create log.txt; write log.txt 0+7; sync log.txt; note line 0; write log.txt 7+7; sync log.txt; "
             "note line 1; write log.txt 14+7; sync log.txt; note line 2");
}
END_TEST

START_TEST(notes_are_lines_through_any_descriptor) {
  run r;
  record_mode(&r, "notes", NULL);
  expect_ops(&r, "note first line; note second line; create between; write between 0+1; note no newline");
  ck_assert_uint_eq(r.st.notes, 3);
  run_free(&r);
}
END_TEST

START_TEST(changes_outside_the_root_are_named_not_recorded) {
  run r;
  char there[1300], want[5000];
  pl_test_fresh_dir(there, sizeof there, "elsewhere");
  record_mode(&r, "outside", there);
  snprintf(want, sizeof want,
           "ignored create %s/out: outside the recording root; "
           "create in; write in 0+2; create moved-in; write moved-in 0+3; ignored rename %s/out: outside the "
           "recording root",
           there, there);
  /* The create is said; the writes to the same open file are not said
   * again. */
  expect_ops(&r, want);
  ck_assert_uint_eq(r.st.outside, 2);
  expect_replay_matches(&r);
  run_free(&r);
  pl_test_remove_tree(there);
}
END_TEST

START_TEST(copies_made_by_the_kernel_are_read_back) {
  check_mode("copy", NULL,
             "create src; write src 0+16; create dst; write dst 0+4; write dst 4+6; write dst 20+5");
}
END_TEST

START_TEST(failed_calls_are_not_recorded) { check_mode("failures", NULL, "create ok; write ok 0+2"); }
END_TEST

START_TEST(o_tmpfile_is_said_to_be_unsupported) {
  run r;
  record_mode(&r, "tmpfile", NULL);
  if (!r.skipped) {
    expect_ops_contain(&r, "ignored not recorded: O_TMPFILE");
    ck_assert_uint_eq(r.st.unsupported, 1);
  }
  run_free(&r);
}
END_TEST

START_TEST(write_to_a_file_known_only_by_a_removed_name_is_said) {
  run r;
  record_mode(&r, "linked-away", NULL);
  expect_ops_contain(&r, "create la; write la 0+1; link la lb; unlink la; ignored not recorded: a write through a "
                         "descriptor opened as /");
  expect_ops_contain(&r, "/la, whose name is gone while another name (a hard link) remains");
  ck_assert_uint_eq(r.st.unsupported, 1);
  run_free(&r);
}
END_TEST

START_TEST(open_creat_mknod_close_range_unshare_and_mremap_are_recorded) {
  /* The mapping grown by mremap has no copy of its new half to compare
   * with: that half is written whole at msync (durable) and at munmap. */
  run r;
  record_mode(&r, "legacy", NULL);
  if (!r.skipped) {
    expect_ops(&r, "create c; write c 0+1; create o; write o 0+2; create n; create r; truncate r 8192; "
                   "write r 4096+4096!; write r 4096+4096; ignored not recorded: mknod of fifo: special files "
                   "(FIFOs, devices, sockets) are not recorded; unlink fifo");
    ck_assert_uint_eq(r.st.unsupported, 1);
    expect_replay_matches(&r);
  }
  run_free(&r);
}
END_TEST

START_TEST(partial_munmaps_and_a_forked_childs_mapping_are_recorded) {
  /* Each part is written when it is unmapped; the second mapping's copy
   * predates A and B, so its ranges reach back to them.  The child's
   * msync is durable; the parent, whose copy is older, writes the page
   * again at munmap. */
  long pg = sysconf(_SC_PAGESIZE);
  char want[512];
  snprintf(want, sizeof want,
           "create s; truncate s %ld; write s %ld+1; write s %ld+1; write s %ld+1; write s 0+1; write s 0+11; "
           "write s %ld+11; create k; truncate k %ld; write k 0+5!; write k 0+5",
           4 * pg, pg, 3 * pg, 2 * pg, pg, pg);
  check_mode("mmap-split", NULL, want);
}
END_TEST

START_TEST(copies_preallocation_and_exchange_with_a_file_outside_are_said) {
  run r;
  char there[1300], want[3000];
  pl_test_fresh_dir(there, sizeof there, "elsewhere");
  record_mode(&r, "outside-calls", there);
  /* The file's creation outside is said once, not each copy into it or
   * its preallocation; the exchange cannot be recorded and says so. */
  snprintf(want, sizeof want,
           "create src; write src 0+10; ignored create %s/o2: outside the recording root; "
           "ignored not recorded: renameat2(RENAME_EXCHANGE) between ",
           there);
  expect_ops_contain(&r, want);
  snprintf(want, sizeof want, "/src and %s/o2, one outside the root", there);
  expect_ops_contain(&r, want);
  ck_assert_uint_eq(r.st.unsupported, 1);
  run_free(&r);
  pl_test_remove_tree(there);
}
END_TEST

START_TEST(asynchronous_io_is_said_to_be_unsupported) {
  run r;
  record_mode(&r, "async-io", NULL);
  if (!r.skipped) {
    expect_ops_contain(&r, "ignored not recorded: Linux AIO (io_submit): the writes it submits are not recorded");
    ck_assert_uint_ge(r.st.unsupported, 1);
  }
  run_free(&r);
}
END_TEST

START_TEST(openat2_partial_mremap_and_many_outside_changes) {
  /* openat2 creates like openat; moving part of a mapping is said; past 16
   * changes outside the root, the rest are counted in one line. */
  run r;
  char there[1300], want[8000];
  size_t n;
  int i;
  pl_test_fresh_dir(there, sizeof there, "elsewhere");
  record_mode(&r, "more-calls", there);
  if (!r.skipped) {
    n = (size_t)snprintf(want, sizeof want,
                         "create o2; write o2 0+3; create m; truncate m %ld; ignored not recorded: mremap of part "
                         "of a shared file mapping: that part's later changes are not recorded; ",
                         2 * sysconf(_SC_PAGESIZE));
    for (i = 0; i < 16; i++)
      n += (size_t)snprintf(want + n, sizeof want - n, "ignored create %s/out-%d: outside the recording root; ",
                            there, i);
    snprintf(want + n, sizeof want - n, "ignored and 4 more changes outside the recording root");
    expect_ops(&r, want);
    ck_assert_uint_eq(r.st.outside, 20);
    ck_assert_uint_eq(r.st.unsupported, 1);
    expect_replay_matches(&r);
  }
  run_free(&r);
  pl_test_remove_tree(there);
}
END_TEST

START_TEST(rename_whiteout_is_recorded_as_a_rename_and_its_whiteout_said) {
  /* The whiteout (a device file left at the old name) is not in the
   * trace, so no replay comparison here. */
  run r;
  record_mode(&r, "whiteout", NULL);
  if (!r.skipped) {
    expect_ops(&r, "create w; write w 0+1; ignored not recorded: renameat2(RENAME_WHITEOUT) of w: the whiteout "
                   "left behind is not recorded; rename w w2");
    ck_assert_uint_eq(r.st.unsupported, 1);
  }
  run_free(&r);
}
END_TEST

/* A program that resolves but cannot be executed: the failure comes back
 * from execve in the traced child. */
static pl_status record_script(const char *name, const char *text, pl_crash_program_status *st) {
  char dir[1200], prog[1300], trace[1300];
  const char *argv[2];
  pl_crash_program p;
  pl_status s;
  pl_test_fresh_dir(dir, sizeof dir, name);
  snprintf(prog, sizeof prog, "%s/prog", dir);
  snprintf(trace, sizeof trace, "%s/t.plt", dir);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), prog, text, strlen(text), 0));
  ck_assert_int_eq(chmod(prog, 0755), 0);
  argv[0] = prog;
  argv[1] = NULL;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  s = pl_crash_record_program(&p, st);
  pl_test_remove_tree(dir);
  return s;
}

START_TEST(a_script_whose_interpreter_is_missing_is_not_found) {
  pl_crash_program_status st;
  ck_assert_int_eq(record_script("badinterp", "#!/nonexistent/interpreter\n", &st), PL_NOT_FOUND);
  ck_assert_int_eq(pl_error_os(), ENOENT);
}
END_TEST

START_TEST(an_executable_in_no_known_format_cannot_run) {
  pl_crash_program_status st;
  ck_assert_int_eq(record_script("badformat", "\x7f" "garbage, not a program\n", &st), PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ENOEXEC);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "cannot run"));
}
END_TEST

/* ---- error paths ---- */

START_TEST(missing_program_is_not_found) {
  run r;
  const char *argv[] = {"/nonexistent/program", NULL};
  pl_crash_program p;
  pl_test_fresh_dir(r.dir, sizeof r.dir, "missing");
  snprintf(r.trace, sizeof r.trace, "%s/t.plt", r.dir);
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r.dir;
  p.trace_path = r.trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_int_eq(pl_crash_record_program(&p, &r.st), PL_NOT_FOUND);
  pl_test_remove_tree(r.dir);
}
END_TEST

START_TEST(not_executable_program_is_an_io_error) {
  char dir[1200], prog[1300], trace[1300];
  const char *argv[2];
  pl_crash_program p;
  pl_crash_program_status st;
  pl_test_fresh_dir(dir, sizeof dir, "noexec");
  snprintf(prog, sizeof prog, "%s/prog", dir);
  snprintf(trace, sizeof trace, "%s/t.plt", dir);
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), prog, "#!/bin/sh\n", 10, 0));
  argv[0] = prog;
  argv[1] = NULL;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_int_eq(pl_crash_record_program(&p, &st), PL_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(pl_error_message(), "not an executable"));
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(also_env_without_a_path_is_invalid) {
  char dir[1200], trace[1300];
  const char *argv[] = {workload, "basic", NULL};
  pl_crash_program p;
  pl_crash_program_status st;
  pl_test_fresh_dir(dir, sizeof dir, "alsoenv");
  snprintf(trace, sizeof trace, "%s/t.plt", dir);
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS | PL_CRASH_PROGRAM_ALSO_ENV;
  ck_assert_int_eq(pl_crash_record_program(&p, &st), PL_INVALID_ARGUMENT);
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(unwritable_trace_path_fails_before_the_program_runs) {
  char dir[1200];
  const char *argv[] = {workload, "basic", NULL};
  pl_crash_program p;
  pl_crash_program_status st;
  pl_test_fresh_dir(dir, sizeof dir, "badtrace");
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = "/nonexistent/dir/t.plt";
  p.notes_path = "/nonexistent/dir/notes";
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_int_eq(pl_crash_record_program(&p, &st), PL_NOT_FOUND);
  pl_test_remove_tree(dir);
}
END_TEST

START_TEST(timeout_kills_the_whole_tree) {
  run r;
  const char *argv[] = {workload, "sleep", NULL};
  pl_crash_program p;
  pl_test_fresh_dir(r.dir, sizeof r.dir, "timeout");
  snprintf(r.trace, sizeof r.trace, "%s/t.plt", r.dir);
  snprintf(r.root, sizeof r.root, "%s/root", r.dir);
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r.root;
  p.trace_path = r.trace;
  p.timeout_ms = 300;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_pl_ok(pl_crash_record_program(&p, &r.st));
  ck_assert_int_eq(r.st.timed_out, 1);
  ck_assert_ptr_nonnull(strstr(r.st.how, "timed out"));
  pl_test_remove_tree(r.dir);
}
END_TEST

/* The program exits with a failure: recorded anyway, the status says so. */
START_TEST(failing_program_is_recorded_with_its_status) {
  run r;
  const char *argv[] = {"/bin/sh", "-c", "echo x > f; exit 3", NULL};
  pl_crash_program p;
  pl_test_fresh_dir(r.dir, sizeof r.dir, "failing");
  snprintf(r.trace, sizeof r.trace, "%s/t.plt", r.dir);
  snprintf(r.root, sizeof r.root, "%s/root", r.dir);
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r.root;
  p.trace_path = r.trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_pl_ok(pl_crash_record_program(&p, &r.st));
  ck_assert_int_eq(r.st.exited, 1);
  ck_assert_int_eq(r.st.code, 3);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), r.trace, &r.t));
  expect_ops(&r, "create f; write f 0+2");
  run_free(&r);
}
END_TEST

/* A tree that exists before the run is its durable starting state. */
START_TEST(existing_tree_is_the_baseline) {
  run r;
  const char *argv[] = {"/bin/sh", "-c", "echo more >> old", NULL};
  pl_crash_program p;
  char old[1400];
  pl_test_fresh_dir(r.dir, sizeof r.dir, "baseline");
  snprintf(r.trace, sizeof r.trace, "%s/t.plt", r.dir);
  snprintf(r.root, sizeof r.root, "%s/root", r.dir);
  snprintf(old, sizeof old, "%s/old", r.root);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), r.root));
  ck_assert_pl_ok(pl_file_write_all(pl_env_platform(), old, "old\n", 4, 1));
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r.root;
  p.trace_path = r.trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  ck_assert_pl_ok(pl_crash_record_program(&p, &r.st));
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), r.trace, &r.t));
  expect_ops(&r, "open old; write old 4+5");
  expect_replay_matches(&r);
  run_free(&r);
}
END_TEST

/* ALSO_ENV: a plinth program leaves both traces from one run, with its
 * notes in each. */
START_TEST(plinth_program_leaves_both_traces) {
  run r;
  char envtrace[1400], exe[4200], *slash;
  const char *argv[3];
  pl_crash_program p;
  pl_crash_trace et;
  char *e;
  snprintf(exe, sizeof exe, "%s", workload);
  slash = strrchr(exe, '/');
  snprintf(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "crash_workload");
  pl_test_fresh_dir(r.dir, sizeof r.dir, "alsoenv");
  snprintf(r.trace, sizeof r.trace, "%s/t.plt", r.dir);
  snprintf(envtrace, sizeof envtrace, "%s/env.plt", r.dir);
  snprintf(r.root, sizeof r.root, "%s/root", r.dir);
  argv[0] = exe;
  argv[1] = "ok";
  argv[2] = NULL;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = r.root;
  p.trace_path = r.trace;
  p.env_trace_path = envtrace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS | PL_CRASH_PROGRAM_ALSO_ENV;
  ck_assert_pl_ok(pl_crash_record_program(&p, &r.st));
  ck_assert_msg(r.st.exited && r.st.code == 0, "%s", r.st.how);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), r.trace, &r.t));
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), envtrace, &et));
  expect_ops_contain(&r, "sync data; syncdir /; note ack");
  e = render(&et);
  ck_assert_msg(strstr(e, "note ack") != NULL, "%s", e);
  free(e);
  pl_crash_trace_free(&et);
  run_free(&r);
}
END_TEST

static int under_valgrind(void) {
  const char *p = getenv("LD_PRELOAD");
  return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* Non-zero if this machine lets the tracer run (a kernel may refuse
 * ptrace or seccomp: containers, Yama). */
static int tracer_works(char *why, size_t cap) {
  char dir[1200], trace[1300];
  const char *argv[] = {"/bin/true", NULL};
  pl_crash_program p;
  pl_crash_program_status st;
  pl_status s;
  char base[1000];
  /* Outside any test case: no ck_assert here. */
  if (pl_env_test_directory(pl_env_platform(), base, sizeof base) != PL_OK) {
    snprintf(why, cap, "no test directory: %s", pl_error_message());
    return 0;
  }
  snprintf(dir, sizeof dir, "%s/tracer-probe-%d", base, (int)getpid());
  snprintf(trace, sizeof trace, "%s/t.plt", dir);
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = dir;
  p.trace_path = trace;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  s = pl_crash_record_program(&p, &st);
  snprintf(why, cap, "%s", s == PL_OK ? "" : pl_error_message());
  pl_test_remove_tree(dir);
  return s == PL_OK;
}

int main(int argc, char **argv) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_tracer", "tracer", NULL, NULL, 0);
  char why[1024], cwd[2048];
  const char *asan = getenv("ASAN_OPTIONS");
  char asan_opts[1024];
  (void)argc;
  /* LeakSanitizer stops the program's threads with ptrace at exit, which a
   * traced program cannot: the workloads run without it. */
  snprintf(asan_opts, sizeof asan_opts, "%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : "");
  setenv("ASAN_OPTIONS", asan_opts, 1);
  if (getcwd(cwd, sizeof cwd) == NULL) return 99;
  snprintf(workload, sizeof workload, "%s/tests/tracer_workload", cwd);
  (void)argv;
  if (under_valgrind()) {
    pl_test_note_skip("ptrace and valgrind do not mix; the ASan stage runs this suite", "crash_tracer");
  } else if (!tracer_works(why, sizeof why)) {
    pl_test_note_skip(why, "crash_tracer");
  } else {
    tcase_add_test(tc, open_write_fsync_and_directory_fsync);
    tcase_add_test(tc, append_lands_at_the_end_and_truncate_empties);
    tcase_add_test(tc, o_sync_o_dsync_and_rwf_dsync_writes_are_durable_on_return);
    tcase_add_test(tc, o_direct_with_o_dsync_is_durable_on_return);
    tcase_add_test(tc, pwrite_pwritev_and_writev_land_at_their_offsets);
    tcase_add_test(tc, truncate_ftruncate_and_each_fallocate_mode);
    tcase_add_test(tc, fallocate_collapse_and_insert_range_rewrite_what_moved);
    tcase_add_test(tc, fdatasync_sync_file_range_syncfs_and_sync);
    tcase_add_test(tc, rename_renameat_and_renameat2_flags);
    tcase_add_test(tc, links_symlinks_unlinks_and_directories);
    tcase_add_test(tc, openat_directory_descriptors_chdir_and_fchdir);
    tcase_add_test(tc, dup_dup2_dup3_and_f_dupfd_share_the_file);
    tcase_add_test(tc, fork_inherits_and_exec_honours_close_on_exec);
    tcase_add_test(tc, posix_spawned_shell_is_recorded_with_its_notes);
    tcase_add_test(tc, threads_share_the_descriptor_table_and_write_at_once);
    tcase_add_test(tc, shared_mapping_is_recorded_at_msync_and_munmap);
    tcase_add_test(tc, mapping_made_by_one_thread_is_synced_by_another);
    tcase_add_test(tc, stdio_fprintf_fflush_fsync);
    tcase_add_test(tc, notes_are_lines_through_any_descriptor);
    tcase_add_test(tc, changes_outside_the_root_are_named_not_recorded);
    tcase_add_test(tc, copies_made_by_the_kernel_are_read_back);
    tcase_add_test(tc, failed_calls_are_not_recorded);
    tcase_add_test(tc, o_tmpfile_is_said_to_be_unsupported);
    tcase_add_test(tc, write_to_a_file_known_only_by_a_removed_name_is_said);
    tcase_add_test(tc, missing_program_is_not_found);
    tcase_add_test(tc, not_executable_program_is_an_io_error);
    tcase_add_test(tc, also_env_without_a_path_is_invalid);
    tcase_add_test(tc, unwritable_trace_path_fails_before_the_program_runs);
    tcase_add_test(tc, timeout_kills_the_whole_tree);
    tcase_add_test(tc, failing_program_is_recorded_with_its_status);
    tcase_add_test(tc, existing_tree_is_the_baseline);
    tcase_add_test(tc, plinth_program_leaves_both_traces);
    tcase_add_test(tc, open_creat_mknod_close_range_unshare_and_mremap_are_recorded);
    tcase_add_test(tc, partial_munmaps_and_a_forked_childs_mapping_are_recorded);
    tcase_add_test(tc, a_script_whose_interpreter_is_missing_is_not_found);
    tcase_add_test(tc, an_executable_in_no_known_format_cannot_run);
    tcase_add_test(tc, copies_preallocation_and_exchange_with_a_file_outside_are_said);
    tcase_add_test(tc, asynchronous_io_is_said_to_be_unsupported);
    tcase_add_test(tc, openat2_partial_mremap_and_many_outside_changes);
    tcase_add_test(tc, rename_whiteout_is_recorded_as_a_rename_and_its_whiteout_said);
  }
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
