#!/usr/bin/env bash
# make check-ceph: plinth on a real Ceph cluster.
#
#   1. installs the ceph group (scripts/install-deps.sh) and, if this build
#      tree was configured before librados was there, reconfigures it;
#   2. starts a one-node cluster (scripts/ceph-cluster.sh: monitor, memstore
#      OSD, radosgw) under $PLINTH_BUILDDIR/ceph-cluster, stopped on exit;
#   3. suites: plinth's conformance suites on the RADOS env and its own
#      suites (tests/ceph/*: Check summaries in tests/ceph/*.log);
#   4. leveldb: LevelDB 1.23's ctest suite with the RADOS env as
#      Env::Default() (the tests excluded are named below with their
#      reason), and the proof that it ran there;
#   5. kill: restarts the cluster with a bluestore OSD and runs the kill
#      suite (tests/ceph/rados_kill_test: the OSD and the monitor killed
#      under a workload).
#
# CHECK_CEPH_PARTS (default "suites leveldb kill") selects parts.
# CHECK_CEPH_RUNNER, if set, is a command the suites run under (the
# valgrind stage of scripts/test.sh sets it).
set -euo pipefail
LDB_NAME=check-ceph
. "$(dirname "${BASH_SOURCE[0]}")/leveldb-common.sh"
PARTS=${CHECK_CEPH_PARTS:-suites leveldb kill}
RUNNER=${CHECK_CEPH_RUNNER:-}
CLUSTER=$PLINTH_BUILDDIR/ceph-cluster
KILL_CLUSTER=$PLINTH_BUILDDIR/ceph-cluster-kill
script=$PLINTH_SRCDIR/scripts/ceph-cluster.sh
t_start=$(date +%s)

# LevelDB's tests that are not run on the RADOS env, each with its reason
# (env/rados/README.md lists them too).  Every other test of the suite
# runs, issue320_test's 200,000 writes included (about 2 minutes here).
declare -A LDB_EXCLUDED=(
  [env_posix_test]="tests LevelDB's POSIX Env itself (its descriptor and mmap limits, close-on-exec of its descriptors), which this build does not contain"
)
# One upstream case is racy on every env, LevelDB's own included:
# DBTest.HiddenValuesAreRemoved (google/leveldb#188; scripts/check-leveldb.sh
# has the measurements on POSIX: alone, repeated 40 times in one process,
# stock failed 23, plinth 14; on RADOS 20 of 40).  A background compaction
# the test's memtable flush scheduled may rewrite the file while the test's
# snapshot is still held and keep the hidden value.  It is left out of the
# suite's run (GTEST_FILTER) and run alone right after, up to 10 times:
# reported either way, a failure of every attempt fails the check.
LDB_RACY=DBTest.HiddenValuesAreRemoved

"$PLINTH_SRCDIR/scripts/install-deps.sh" ceph
if ! ldb_has_rados "$PLINTH_BUILDDIR"; then
  ldb_say "reconfiguring $PLINTH_BUILDDIR: librados was not there when it was configured"
  (cd "$PLINTH_BUILDDIR" && ./config.status --recheck >/dev/null && ./config.status >/dev/null)
  ldb_has_rados "$PLINTH_BUILDDIR" || ldb_die "configure does not find librados"
fi
suites=$(make -s --no-print-directory -C "$PLINTH_BUILDDIR" print-ceph-suites)
kill_suites=$(make -s --no-print-directory -C "$PLINTH_BUILDDIR" print-ceph-kill-suites)
make -C "$PLINTH_BUILDDIR" -j"$JOBS" $suites $kill_suites >"$PLINTH_BUILDDIR/ceph-build.log" 2>&1 ||
  { tail -30 "$PLINTH_BUILDDIR/ceph-build.log" >&2; ldb_die "building the ceph suites failed"; }

stop_all() {
  "$script" stop "$CLUSTER" || true
  "$script" stop "$KILL_CLUSTER" || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM
# Leftovers of an interrupted run.
stop_all

# Runs each Check suite, its output in <suite>.log beside it (where
# scripts/test.sh's report_logs finds it), and prints its summary.
run_suites() {
  local t ok=0 line
  for t in "$@"; do
    # shellcheck disable=SC2086
    if (cd "$PLINTH_BUILDDIR" && CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300} $RUNNER "./$t" >"$t.log" 2>&1); then :; else ok=1; fi
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$PLINTH_BUILDDIR/$t.log" | tail -n 1)
    printf '  %-28s %s\n' "$(basename "$t")" "${line:-no Check summary (crashed?)}"
    grep -E ':[FE]:' "$PLINTH_BUILDDIR/$t.log" | sed 's/^/    /' || true
    [ -z "$RUNNER" ] || [ $ok -eq 0 ] || tail -n 30 "$PLINTH_BUILDDIR/$t.log" | sed 's/^/    /'
  done
  return $ok
}

# The OSD's own count of the operations it served: "<reads> <writes>".
osd_ops() {
  ceph -c "$PLINTH_RADOS_CONF" daemon osd.0 perf dump osd 2>/dev/null |
    python3 -c 'import json, sys; d = json.load(sys.stdin)["osd"]; print(d["op_r"], d["op_w"] + d["op_rw"])'
}

# No daemon of this script's clusters may outlive it.
check_no_daemons() {
  local left
  left=$(pgrep -af -- "-c ($CLUSTER|$KILL_CLUSTER)/ceph.conf" || true)
  [ -z "$left" ] || ldb_die "daemons left running: $left"
}

rc=0
export PLINTH_RADOS_POOL=plinth
ldb_say "starting the cluster (memstore)"
"$script" start "$CLUSTER"
ldb_say "cluster start: $(cat "$CLUSTER/start.times")"
export PLINTH_RADOS_CONF=$CLUSTER/ceph.conf
# shellcheck disable=SC1091
. "$CLUSTER/s3.env"
export PLINTH_S3_ENDPOINT PLINTH_S3_REGION PLINTH_S3_ACCESS_KEY PLINTH_S3_SECRET_KEY

case " $PARTS " in *" suites "*)
  ldb_say "plinth's suites on the RADOS env${RUNNER:+ (under ${RUNNER%% *})}: $suites"
  t=$(date +%s)
  run_suites $suites || rc=1
  ldb_say "suites took $(( $(date +%s) - t )) s"
esac

case " $PARTS " in *" leveldb "*)
  "$PLINTH_SRCDIR/scripts/install-deps.sh" leveldb
  ldb_fetch_source
  ldb_prepare_tree
  t=$(date +%s)
  ldb_build_plinth
  ldb_build rados
  ldb_say "LevelDB (RADOS env) built in $(( $(date +%s) - t )) s"
  build=$LDB_WORK/build-rados
  # --- the proof that the RADOS env is what the tests use ----------------
  objs=$(find "$build" -name '*.o' -path '*CMakeFiles/leveldb.dir*')
  if printf '%s\n' "$objs" | grep -q 'env_posix\.cc\.o$'; then ldb_die "util/env_posix.cc was compiled into libleveldb"; fi
  printf '%s\n' "$objs" | grep -q 'env_default_rados\.cc\.o$' || ldb_die "env_default_rados.cc is not in libleveldb"
  mapfile -t tests < <(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: *//p')
  run=() with_rados=0
  for t in "${tests[@]}"; do
    [ -n "${LDB_EXCLUDED[$t]:-}" ] && continue
    run+=("$t")
    syms=$(nm -C "$build/$t")
    if grep -q 'PosixEnv' <<<"$syms"; then ldb_die "$t contains LevelDB's PosixEnv"; fi
    grep -qE ' T pl_rados_env_open_from_environment$' <<<"$syms" && with_rados=$((with_rados + 1))
  done
  for t in env_test db_test c_test fault_injection_test recovery_test corruption_test issue320_test; do
    grep -qE ' T pl_rados_env_open_from_environment$' <<<"$(nm "$build/$t")" || ldb_die "$t does not link the RADOS env"
  done
  # The tests' tree lives in its own RADOS namespace, so what they left can
  # be counted; TEST_TMPDIR is a path in that tree (gtest's TempDir() and
  # Env::GetTestDirectory both use it), made before the first test.
  export PLINTH_RADOS_NAMESPACE=leveldb-suite
  export TEST_TMPDIR=/leveldb-tests
  rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" create d:/leveldb-tests
  rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" setomapval d:/ leveldb-tests d
  ldb_say "running LevelDB's ctest suite on the RADOS env: ${#run[@]} of ${#tests[@]} tests"
  for t in "${!LDB_EXCLUDED[@]}"; do ldb_say "  excluded: $t: ${LDB_EXCLUDED[$t]}"; done
  exclude_re="^($(IFS='|'; echo "${!LDB_EXCLUDED[*]}"))\$"
  ops_before=$(osd_ops)
  t=$(date +%s)
  ldb_say "  run alone after the suite: $LDB_RACY (LevelDB's racy case, google/leveldb#188)"
  rm -f "$LDB_WORK"/ctest-rados*.log
  set +e
  (cd "$build" && GTEST_FILTER="-$LDB_RACY" ctest -j1 -E "$exclude_re" --output-on-failure --timeout 1200) \
    >"$LDB_WORK/ctest-rados.log" 2>&1
  lrc=$?
  set -e
  took=$(( $(date +%s) - t ))
  # The slow tests, then the summary line.
  grep -E '^ *[0-9]+/[0-9]+ Test' "$LDB_WORK/ctest-rados.log" | awk '$(NF-1) + 0 >= 10' | sed 's/^/  /'
  sed -n '/tests passed/,$p' "$LDB_WORK/ctest-rados.log"
  ldb_say "LevelDB's suite on RADOS took $took s"
  if [ $lrc -ne 0 ]; then
    grep -hE '^\[  FAILED  \]|Failure$' "$LDB_WORK/ctest-rados.log" | head -40
    rc=1
  fi
  racy=1
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if (cd "$build" && ./db_test --gtest_filter="$LDB_RACY") >"$LDB_WORK/ctest-rados-racy$attempt.log" 2>&1; then
      racy=0
      break
    fi
  done
  if [ $racy -eq 0 ]; then
    ldb_say "$LDB_RACY passed alone on attempt $attempt of 10"
  else
    ldb_say "$LDB_RACY failed alone 10 times (logs: $LDB_WORK/ctest-rados-racy*.log)"
    rc=1
  fi
  ops_after=$(osd_ops)
  objects=$(rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" ls | wc -l)
  dirs=$(rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" listomapkeys d:/leveldb-tests | tr '\n' ' ')
  [ "$objects" -gt 1 ] || ldb_die "the suite left no trace in the RADOS namespace: it did not run on RADOS"
  read -r r0 w0 <<<"$ops_before"
  read -r r1 w1 <<<"$ops_after"
  [ $((r1 - r0)) -gt 1000 ] && [ $((w1 - w0)) -gt 1000 ] ||
    ldb_die "the OSD served only $((r1 - r0)) reads and $((w1 - w0)) writes during the suite: it did not run on RADOS"
  ldb_say "proof: libleveldb.a was built from env_default_rados.cc, not util/env_posix.cc; $with_rados of ${#run[@]} test binaries link pl_rados_env_open_from_environment (the others never call Env::Default), none LevelDB's PosixEnv"
  ldb_say "proof: while the suite ran the OSD served $((r1 - r0)) reads and $((w1 - w0)) writes (its perf counters; nothing else used the cluster); the tests left $objects objects in pool plinth, namespace $PLINTH_RADOS_NAMESPACE; /leveldb-tests holds: $dirs"
  unset PLINTH_RADOS_NAMESPACE TEST_TMPDIR
esac

"$script" stop "$CLUSTER"

case " $PARTS " in *" kill "*)
  ldb_say "starting a cluster with a bluestore OSD for the kill suite"
  CEPH_OBJECTSTORE=bluestore CEPH_RGW=0 "$script" start "$KILL_CLUSTER"
  ldb_say "bluestore cluster start: $(cat "$KILL_CLUSTER/start.times")"
  export PLINTH_RADOS_CONF=$KILL_CLUSTER/ceph.conf PLINTH_CEPH_CLUSTER_DIR=$KILL_CLUSTER PLINTH_CEPH_CLUSTER_SCRIPT=$script
  t=$(date +%s)
  run_suites $kill_suites || rc=1
  grep -hE '^(OSD|the client|monitor|lock free)' "$PLINTH_BUILDDIR"/tests/ceph/rados_kill_test.log | sed 's/^/    /' || true
  ldb_say "kill suite took $(( $(date +%s) - t )) s"
  "$script" stop "$KILL_CLUSTER"
esac

check_no_daemons
ldb_say "check-ceph took $(( $(date +%s) - t_start )) s"
[ $rc -eq 0 ] || ldb_die "failures above (logs: $PLINTH_BUILDDIR/ceph-*.log, tests/ceph/*.log, $LDB_WORK/ctest-rados.log)"
ldb_say "OK"
