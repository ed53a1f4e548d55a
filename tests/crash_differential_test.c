/* The two recorders agree: every built-in example, recorded by plinth's
 * recording env (in process, as `plinth crashcheck EXAMPLE` does) and at
 * the system-call level (crash/crash_example run NAME under the tracer),
 * gets the same verdict and the same minimal lost-op sets.
 *
 * Ops are compared by what they are, not by their numbers: the two traces
 * number ops and handles differently (the env recorder sees appends, the
 * tracer the write(2) calls a flush makes of them), so "op 12" and "#3"
 * are taken out of each shrunk set before comparing.  Skipped under
 * valgrind, as the tracer suite is. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "tests/test_util.h"
#include "util/buf.h"

static char example_prog[4096];

/* One shrunk set with op numbers and handles taken out, its lines sorted. */
static char *normalize(const char *lost) {
  pl__buf out = {0};
  char *copy = strdup(lost), *line, *next, **lines = NULL;
  size_t n = 0, i;
  for (line = copy; line != NULL && *line; line = next) {
    char *p, buf[2048];
    size_t o = 0;
    next = strchr(line, '\n');
    if (next != NULL) *next++ = '\0';
    for (p = line; *p && o < sizeof buf - 1; p++) {
      if ((strncmp(p, "op ", 3) == 0 && p[3] >= '0' && p[3] <= '9') || (*p == '#' && p[1] >= '0' && p[1] <= '9')) {
        p += *p == '#' ? 1 : 3;
        while (p[1] >= '0' && p[1] <= '9') p++;
        continue;
      }
      buf[o++] = *p;
    }
    buf[o] = '\0';
    lines = realloc(lines, (n + 1) * sizeof *lines);
    lines[n++] = strdup(buf);
  }
  for (i = 1; i < n; i++) {
    char *k = lines[i];
    size_t j = i;
    while (j > 0 && strcmp(lines[j - 1], k) > 0) {
      lines[j] = lines[j - 1];
      j--;
    }
    lines[j] = k;
  }
  for (i = 0; i < n; i++) {
    pl__buf_add_str(&out, lines[i]);
    pl__buf_add_str(&out, "\n");
    free(lines[i]);
  }
  pl__buf_add(&out, "", 1);
  free(lines);
  free(copy);
  return (char *)out.p;
}

/* The distinct shrunk sets of every failure, normalized, sorted and joined
 * with " | ". */
static char *shrunk_sets(const pl_crash_report *r) {
  char **v = calloc(r->nfailure + 1, sizeof *v);
  pl__buf out = {0};
  size_t i, j, n = 0;
  for (i = 0; i < r->nfailure; i++) {
    char *s = normalize(r->failure[i].shrunk_lost);
    int dup = 0;
    for (j = 0; j < n && !dup; j++) dup = strcmp(v[j], s) == 0;
    if (dup) free(s);
    else v[n++] = s;
  }
  for (i = 1; i < n; i++) {
    char *k = v[i];
    j = i;
    while (j > 0 && strcmp(v[j - 1], k) > 0) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = k;
  }
  for (i = 0; i < n; i++) {
    if (i) pl__buf_add_str(&out, " | ");
    pl__buf_add_str(&out, v[i]);
    free(v[i]);
  }
  pl__buf_add(&out, "", 1);
  free(v);
  return (char *)out.p;
}

static void explore(const pl_crash_example *e, const pl_crash_trace *t, const char *work, pl_crash_report *r) {
  pl_crash_options o;
  pl_crash_checker c = {NULL, NULL, NULL};
  pl_crash_options_init(&o);
  o.max_failures = 0; /* every failure, each shrunk */
  o.work_dir = work;
  c.check = e->check;
  ck_assert_pl_ok(pl_crash_explore(t, &o, &c, r));
}

START_TEST(both_recorders_agree_on_every_example) {
  const pl_crash_example *e = &pl_crash_examples[_i];
  char dir[1200], root[1300], trace[1300], work1[1300], work2[1300];
  const char *argv[4];
  pl_crash_program p;
  pl_crash_program_status st;
  pl_crash_trace env_t, sys_t;
  pl_crash_report env_r, sys_r;
  char *env_sets, *sys_sets;
  pl_test_fresh_dir(dir, sizeof dir, e->name);
  snprintf(root, sizeof root, "%s/root", dir);
  snprintf(trace, sizeof trace, "%s/trace.plt", dir);
  snprintf(work1, sizeof work1, "%s/w1", dir);
  snprintf(work2, sizeof work2, "%s/w2", dir);
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), work1));
  ck_assert_pl_ok(pl_env_create_dir(pl_env_platform(), work2));

  ck_assert_pl_ok(pl_crash_example_record(e, pl_env_platform(), dir, &env_t));
  argv[0] = example_prog;
  argv[1] = "run";
  argv[2] = e->name;
  argv[3] = NULL;
  memset(&p, 0, sizeof p);
  p.argv = argv;
  p.dir = root;
  p.trace_path = trace;
  p.timeout_ms = 60000;
  p.flags = PL_CRASH_PROGRAM_SYSCALLS;
  {
    pl_status rs = pl_crash_record_program(&p, &st);
    if (rs == PL_NOT_SUPPORTED) {
      /* The kernel refuses ptrace or seccomp here. */
      pl_test_note_skip(pl_error_message(), e->name);
      pl_crash_trace_free(&env_t);
      pl_test_remove_tree(dir);
      return;
    }
    ck_assert_pl_ok(rs);
  }
  ck_assert_msg(st.exited && st.code == 0, "%s: %s", e->name, st.how);
  ck_assert_pl_ok(pl_crash_trace_load(pl_env_platform(), trace, &sys_t));

  explore(e, &env_t, work1, &env_r);
  explore(e, &sys_t, work2, &sys_r);
  ck_assert_msg((env_r.failures > 0) == (sys_r.failures > 0), "%s: env recorder %llu failures, system calls %llu",
                e->name, (unsigned long long)env_r.failures, (unsigned long long)sys_r.failures);
  ck_assert_int_eq(sys_r.failures > 0, e->expect_failure);
  env_sets = shrunk_sets(&env_r);
  sys_sets = shrunk_sets(&sys_r);
  ck_assert_msg(strcmp(env_sets, sys_sets) == 0, "%s: minimal lost ops differ:\n  env:      %s\n  syscalls: %s",
                e->name, env_sets, sys_sets);
  printf("%s: %s, %llu failing states (env) / %llu (system calls); minimal: %s\n", e->name,
         sys_r.failures ? "caught" : "passes", (unsigned long long)env_r.failures,
         (unsigned long long)sys_r.failures, sys_sets[0] ? sys_sets : "-");
  free(env_sets);
  free(sys_sets);
  pl_crash_report_free(&env_r);
  pl_crash_report_free(&sys_r);
  pl_crash_trace_free(&env_t);
  pl_crash_trace_free(&sys_t);
  pl_test_remove_tree(dir);
}
END_TEST

static int under_valgrind(void) {
  const char *p = getenv("LD_PRELOAD");
  return p != NULL && strstr(p, "vgpreload") != NULL;
}

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_differential", "differential", NULL, NULL, 0);
  char cwd[2048];
  int n = 0;
  const char *asan = getenv("ASAN_OPTIONS");
  char asan_opts[1024];
  /* LeakSanitizer cannot run in a traced program (see crash_tracer_test). */
  snprintf(asan_opts, sizeof asan_opts, "%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : "");
  setenv("ASAN_OPTIONS", asan_opts, 1);
  if (getcwd(cwd, sizeof cwd) == NULL) return 99;
  snprintf(example_prog, sizeof example_prog, "%s/crash/crash_example", cwd);
  while (pl_crash_examples[n].name != NULL) n++;
  if (under_valgrind()) pl_test_note_skip("ptrace and valgrind do not mix; the ASan stage runs this suite", "crash_differential");
  else tcase_add_loop_test(tc, both_recorders_agree_on_every_example, 0, n);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
