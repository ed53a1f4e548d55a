/* Daemons killed (SIGKILL) in the middle of a workload on the RADOS env:
 * every call returns an error or returns within the op timeout (5 s here),
 * nothing acknowledged as synced is lost once the cluster is back, and
 * new work goes on.  Needs a cluster whose OSD keeps its data across a
 * restart (bluestore) and the script that runs it: scripts/check-ceph.sh
 * sets PLINTH_CEPH_CLUSTER_DIR and PLINTH_CEPH_CLUSTER_SCRIPT. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/rados_test_util.h"

#define TIMEOUT_MS 5000
/* What the cluster may add to a timeout: librados checks its op timers
 * about once a second. */
#define SLACK_S 5.0

static char dir[1024];

static void setup(void) { pl_test_fresh_dir(dir, sizeof dir, "kill"); }
static void teardown(void) { pl_test_remove_tree(dir); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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

/* Writes records [from, to) of 100 bytes, syncing every 50. */
static pl_status write_records(pl_writable_file *f, int from, int to) {
  char rec[100];
  int i;
  pl_status s = PL_OK;
  for (i = from; s == PL_OK && i < to; i++) {
    record(rec, sizeof rec, i);
    s = pl_writable_append(f, rec, sizeof rec);
    if (s == PL_OK && (i + 1) % 50 == 0) s = pl_writable_sync(f);
  }
  return s;
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

START_TEST(osd_killed_calls_fail_within_the_timeout_and_synced_data_survives) {
  pl_env *e = open_env(TIMEOUT_MS), *after;
  pl_writable_file *f;
  char p[1300], q[1300];
  double t0, took_sync, took_exists;
  pl_status s;
  pl_test_path(p, sizeof p, dir, "wal");
  pl_test_path(q, sizeof q, dir, "other");
  ck_assert_pl_ok(pl_env_new_writable(e, p, NULL, &f));
  ck_assert_pl_ok(write_records(f, 0, 1000)); /* 1000 records acknowledged */
  cluster("kill", "osd");
  t0 = now_s();
  s = write_records(f, 1000, 1050);
  took_sync = now_s() - t0;
  ck_assert_int_eq(s, PL_IO_ERROR);
  ck_assert_int_eq(pl_error_os(), ETIMEDOUT);
  printf("OSD down: sync failed after %.1f s (%s)\n", took_sync, pl_error_message());
  ck_assert_msg(took_sync < TIMEOUT_MS / 1000.0 + SLACK_S, "sync took %.1f s", took_sync);
  /* Sticky: the file stays failed even once the OSD is back. */
  ck_assert_int_eq(pl_writable_sync(f), PL_IO_ERROR);
  t0 = now_s();
  ck_assert_int_eq(pl_env_file_exists(e, q), PL_IO_ERROR);
  took_exists = now_s() - t0;
  printf("OSD down: file_exists failed after %.1f s\n", took_exists);
  ck_assert_msg(took_exists < TIMEOUT_MS / 1000.0 + SLACK_S, "file_exists took %.1f s", took_exists);
  cluster("restart", "osd");
  ck_assert_int_eq(pl_writable_close(f), PL_IO_ERROR);
  /* Another client, after the restart: every synced record is there. */
  after = open_env(30000);
  expect_records(after, p, 1000);
  /* And the cluster takes new work, from the old client too. */
  ck_assert_pl_ok(pl_file_write_all(after, q, "after", 5, 1));
  ck_assert_pl_ok(pl_env_file_exists(e, q));
  pl_rados_env_close(after);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(monitor_killed_io_goes_on_and_new_clients_fail_within_the_timeout) {
  pl_env *e = open_env(TIMEOUT_MS), *other = NULL;
  pl_writable_file *f;
  pl_rados_options o;
  char p[1300];
  double t0, took;
  pl_test_path(p, sizeof p, dir, "wal");
  ck_assert_pl_ok(pl_env_new_writable(e, p, NULL, &f));
  ck_assert_pl_ok(write_records(f, 0, 500));
  cluster("kill", "mon");
  /* The OSD serves a connected client without the monitor. */
  ck_assert_pl_ok(write_records(f, 500, 1000));
  ck_assert_pl_ok(pl_writable_close(f));
  rt_options(&o);
  o.op_timeout_ms = 3000;
  t0 = now_s();
  ck_assert_int_eq(pl_rados_env_open(&o, &other), PL_IO_ERROR);
  took = now_s() - t0;
  printf("monitor down: a new client failed to connect after %.1f s (%s)\n", took, pl_error_message());
  ck_assert_msg(took < 3 + SLACK_S, "connecting took %.1f s", took);
  cluster("restart", "mon");
  other = open_env(30000);
  expect_records(other, p, 1000);
  pl_rados_env_close(other);
  pl_rados_env_close(e);
}
END_TEST

START_TEST(lock_of_a_killed_holder_is_free_after_its_lease_on_a_restarted_cluster) {
  pl_env *e = open_env(30000);
  pl_file_lock *l;
  char lp[1300];
  int fd, status;
  double t0;
  pid_t pid;
  pl_test_path(lp, sizeof lp, dir, "LOCK");
  setenv("PLINTH_RADOS_LEASE_MS", "3000", 1);
  pid = rt_child_holds_lock(lp, &fd);
  kill(pid, SIGKILL);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(fd);
  t0 = now_s();
  /* The OSD restarts meanwhile: the lease, kept by the OSD, still runs
   * out (cls_lock keeps the expiry with the object). */
  cluster("kill", "osd");
  cluster("restart", "osd");
  while (pl_env_lock_file(e, lp, &l) != PL_OK) {
    ck_assert_msg(now_s() - t0 < 3 + 30, "still locked %.1f s after its holder died", now_s() - t0);
    usleep(200000);
  }
  printf("lock free %.1f s after its holder was killed (OSD restarted meanwhile)\n", now_s() - t0);
  ck_assert_pl_ok(pl_env_unlock_file(e, l));
  pl_rados_env_close(e);
}
END_TEST

int main(int argc, char **argv) {
  Suite *s;
  TCase *tc;
  int rc = rt_helper_main(argc, argv);
  if (rc >= 0) return rc;
  s = suite_create("rados_kill");
  tc = tcase_create("rados_kill");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, osd_killed_calls_fail_within_the_timeout_and_synced_data_survives);
  tcase_add_test(tc, monitor_killed_io_goes_on_and_new_clients_fail_within_the_timeout);
  tcase_add_test(tc, lock_of_a_killed_holder_is_free_after_its_lease_on_a_restarted_cluster);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
