/* Daemons killed (SIGKILL) in the middle of a workload on the RADOS env:
 * every call returns an error or returns within the op timeout (5 s here,
 * plus librados' timer slack), nothing acknowledged as synced is lost once
 * the cluster is back, a client that lived through the outage works again,
 * and a lock whose holder was killed is free after its lease.
 *
 * The workload is a writer thread appending 100-byte records and syncing
 * every 50, as a log would; the main thread kills a daemon while it runs.
 * Needs a cluster whose OSD keeps its data across a restart (bluestore)
 * and the script that runs it: scripts/check-ceph.sh sets
 * PLINTH_CEPH_CLUSTER_DIR and PLINTH_CEPH_CLUSTER_SCRIPT. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/rados_test_util.h"

/* The op timeout of the clients under test. */
#define TIMEOUT_MS 5000
/* What librados may add to it: its op timers fire on a timer thread that
 * runs about once a second. */
#define SLACK_S 3.0
/* How long a client that lived through the outage may take to find the
 * restarted OSD (at a new address): it asks the monitor for a newer map
 * once an operation has waited a third of the timeout (rados_env.c), so
 * the first or second call after the restart goes through. */
#define RECOVER_S (2 * TIMEOUT_MS / 1000.0 + SLACK_S)
#define LEASE_MS 3000

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "kill"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

static void cluster(const char *verb, const char *daemon) {
  char cmd[2048];
  const char *script = getenv("PLINTH_CEPH_CLUSTER_SCRIPT"), *cdir = getenv("PLINTH_CEPH_CLUSTER_DIR");
  ck_assert_msg(script && cdir, "PLINTH_CEPH_CLUSTER_SCRIPT and PLINTH_CEPH_CLUSTER_DIR must be set");
  snprintf(cmd, sizeof cmd, "%s %s '%s' %s >/dev/null 2>&1", script, verb, cdir, daemon);
  ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static pl_env *open_env(unsigned timeout_ms) {
  pl_rados_options o;
  rt_options(&o);
  o.op_timeout_ms = timeout_ms;
  return rt_open(&o);
}

static void record(char *buf, size_t n, int i) {
  memset(buf, 'a' + i % 26, n);
  snprintf(buf, n, "record %06d", i);
}

/* The file holds at least records [0, n) intact. */
static void expect_records(pl_env *e, const char *p, int n) {
  char *data, rec[100];
  size_t len;
  int i;
  ck_assert_pl_ok(pl_file_read_all(e, p, &data, &len));
  ck_assert_uint_ge(len, (size_t)n * 100);
  for (i = 0; i < n; i++) {
    record(rec, sizeof rec, i);
    ck_assert_msg(memcmp(data + (size_t)i * 100, rec, 100) == 0, "record %d lost or damaged", i);
  }
  free(data);
}

/* The workload: appends records to f, syncing every 50, until stop is set
 * or a call fails.  synced: how many records the last successful sync
 * covered. */
typedef struct writer {
  pl_writable_file *f;
  pthread_t thread;
  int stop;     /* set by the main thread (atomic) */
  int synced;   /* records acknowledged as synced (atomic) */
  int written;  /* records appended */
  pl_status failure;
  int failure_os;
  char message[512];
  double failed_at; /* when the failing call returned */
  double call_took; /* how long the failing call took */
} writer;

static void *writer_main(void *arg) {
  writer *w = arg;
  char rec[100];
  while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
    double t0 = now_s();
    pl_status s;
    record(rec, sizeof rec, w->written);
    s = pl_writable_append(w->f, rec, sizeof rec);
    if (s == PL_OK) w->written++;
    if (s == PL_OK && w->written % 50 == 0) s = pl_writable_sync(w->f);
    if (s != PL_OK) {
      w->failure = s;
      w->failure_os = pl_error_os();
      snprintf(w->message, sizeof w->message, "%s", pl_error_message());
      w->failed_at = now_s();
      w->call_took = w->failed_at - t0;
      break;
    }
    if (w->written % 50 == 0) __atomic_store_n(&w->synced, w->written, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void writer_start(writer *w, pl_writable_file *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
  ck_assert_int_eq(pthread_create(&w->thread, NULL, writer_main, w), 0);
}

/* Lets the writer run until it has synced at least n records. */
static void writer_wait_for(writer *w, int n) {
  double t0 = now_s();
  while (__atomic_load_n(&w->synced, __ATOMIC_RELAXED) < n) {
    ck_assert_msg(now_s() - t0 < 60, "the workload synced only %d records in 60 s", w->synced);
    usleep(10000);
  }
}

static void writer_stop(writer *w) {
  __atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
  ck_assert_int_eq(pthread_join(w->thread, NULL), 0);
}

START_TEST(osd_killed_mid_workload_calls_fail_within_the_timeout_and_synced_data_survives) {
  pl_env *e = open_env(TIMEOUT_MS), *after;
  pl_writable_file *f;
  writer w;
  char p[1300], q[1300];
  double killed, t0, took, back;
  pl_status s;
  int synced;
  pl_test_path(p, sizeof p, dir, "wal");
  pl_test_path(q, sizeof q, dir, "other");
  ck_assert_pl_ok(pl_env_new_writable(e, p, NULL, &f));
  writer_start(&w, f);
  writer_wait_for(&w, 1000);
  cluster("kill", "osd");
  killed = now_s();
  /* The workload's next sync cannot be acknowledged: it fails, within
   * the timeout of the kill. */
  ck_assert_int_eq(pthread_join(w.thread, NULL), 0);
  synced = w.synced;
  say("OSD killed after %d records synced (%d appended): the workload's call failed %.1f s after the kill, "
      "having waited %.1f s (%s)\n",
      synced, w.written, w.failed_at - killed, w.call_took, w.message);
  ck_assert_int_eq(w.failure, PL_IO_ERROR);
  ck_assert_int_eq(w.failure_os, ETIMEDOUT);
  ck_assert_msg(w.failed_at - killed < TIMEOUT_MS / 1000.0 + SLACK_S, "failed %.1f s after the kill",
                w.failed_at - killed);
  /* Sticky: the file stays failed. */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  /* Any other call waits at most the timeout too. */
  t0 = now_s();
  ck_assert_int_eq(pl_env_file_exists(e, q), PL_IO_ERROR);
  took = now_s() - t0;
  say("OSD down: file_exists failed after %.1f s (%s)\n", took, pl_error_message());
  ck_assert_int_eq(pl_error_os(), ETIMEDOUT);
  ck_assert_msg(took < TIMEOUT_MS / 1000.0 + SLACK_S, "file_exists took %.1f s", took);
  t0 = now_s();
  cluster("restart", "osd");
  back = now_s();
  say("OSD restarted in %.1f s\n", back - t0);
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  /* Another client: every record acknowledged as synced is there. */
  after = open_env(30000);
  expect_records(after, p, synced);
  ck_assert_pl_ok(pl_file_write_all(after, q, "after", 5, 1));
  /* The client that lived through the outage works again. */
  while ((s = pl_env_file_exists(e, q)) != PL_OK) {
    ck_assert_int_eq(s, PL_IO_ERROR);
    ck_assert_msg(now_s() - back < RECOVER_S, "the old client still fails %.1f s after the restart: %s",
                  now_s() - back, pl_error_message());
  }
  say("the client that lived through the outage works again %.1f s after the restart\n", now_s() - back);
  ck_assert_pl_ok(pl_file_write_all(e, q, "again", 5, 1));
  pl_rados_env_close(after);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(monitor_killed_mid_workload_io_goes_on_and_new_clients_fail_within_the_timeout) {
  pl_env *e = open_env(TIMEOUT_MS), *other = NULL;
  pl_writable_file *f;
  pl_rados_options o;
  writer w;
  char p[1300];
  double t0, took;
  int before;
  pl_test_path(p, sizeof p, dir, "wal");
  ck_assert_pl_ok(pl_env_new_writable(e, p, NULL, &f));
  writer_start(&w, f);
  writer_wait_for(&w, 500);
  cluster("kill", "mon");
  before = w.synced;
  /* The OSD serves a connected client without the monitor. */
  writer_wait_for(&w, before + 1000);
  rt_options(&o);
  o.op_timeout_ms = 3000;
  t0 = now_s();
  ck_assert_int_eq(pl_rados_env_open(&o, &other), PL_IO_ERROR);
  took = now_s() - t0;
  say("monitor down: the workload went on from %d to %d synced records; a new client failed to connect "
      "after %.1f s (%s)\n",
      before, w.synced, took, pl_error_message());
  ck_assert_msg(took < 3 + SLACK_S, "connecting took %.1f s", took);
  writer_stop(&w);
  ck_assert_int_eq(w.failure, PL_OK);
  ck_assert_pl_ok(pl_writable_close(f));
  cluster("restart", "mon");
  other = open_env(30000);
  expect_records(other, p, w.written);
  pl_rados_env_close(other);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(lock_of_a_killed_holder_is_free_after_its_lease_across_an_osd_restart) {
  pl_env *e = open_env(TIMEOUT_MS);
  pl_file_lock *l;
  char lp[1300];
  int fd, status;
  double killed, back;
  pid_t pid;
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  setenv("PLINTH_RADOS_LEASE_MS", "3000", 1);
  pid = rt_child_holds_lock(lp, &fd);
  ck_assert_int_eq(pl_env_lock_file(e, lp, &l), PL_IO_ERROR);
  kill(pid, SIGKILL);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(fd);
  killed = now_s();
  /* The OSD restarts meanwhile: cls_lock keeps the expiry with the
   * object, so the lease still runs out. */
  cluster("kill", "osd");
  cluster("restart", "osd");
  back = now_s();
  while (pl_env_lock_file(e, lp, &l) != PL_OK) {
    ck_assert_msg(now_s() - back < LEASE_MS / 1000.0 + RECOVER_S, "still locked %.1f s after the OSD came back",
                  now_s() - back);
    usleep(100000);
  }
  say("lock free %.1f s after its holder was killed (lease %.1f s; the OSD was down and back meanwhile, "
      "up again %.1f s after the kill)\n",
      now_s() - killed, LEASE_MS / 1000.0, back - killed);
  ck_assert_pl_ok(pl_env_unlock_file(e, l));
  pl_rados_env_close(e);
}
END_TEST

int main(int argc, char **argv) {
  TCase *tc;
  Suite *s = rt_suite(argc, argv, &tc, "rados_kill", setup, teardown);
  tcase_add_test(tc, osd_killed_mid_workload_calls_fail_within_the_timeout_and_synced_data_survives);
  tcase_add_test(tc, monitor_killed_mid_workload_io_goes_on_and_new_clients_fail_within_the_timeout);
  tcase_add_test(tc, lock_of_a_killed_holder_is_free_after_its_lease_across_an_osd_restart);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
