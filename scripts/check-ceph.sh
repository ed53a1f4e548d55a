#!/usr/bin/env bash
# make check-ceph: plinth on a real Ceph cluster.
#
#   1. installs the ceph group (scripts/install-deps.sh) and, if this build
#      tree was configured before librados was there, reconfigures it;
#   2. starts a one-node cluster (scripts/ceph-cluster.sh: monitor, memstore
#      OSD, radosgw) under $PLINTH_BUILDDIR/ceph-cluster, stopped on exit;
#   3. runs plinth's conformance suites on the RADOS env and its own suites
#      (tests/ceph/*: Check summaries in tests/ceph/*.log);
#   4. runs LevelDB 1.23's ctest suite with the RADOS env as Env::Default()
#      (env_posix_test, which tests LevelDB's POSIX env, is excluded), and
#      proves it ran there;
#   5. restarts the cluster with a bluestore OSD and runs the kill suite
#      (tests/ceph/rados_kill_test: the OSD and the monitor killed under a
#      workload).
# CHECK_CEPH_PARTS (default "suites leveldb kill") selects parts.
set -euo pipefail
LDB_NAME=check-ceph
. "$(dirname "${BASH_SOURCE[0]}")/leveldb-common.sh"
PARTS=${CHECK_CEPH_PARTS:-suites leveldb kill}
CLUSTER=$PLINTH_BUILDDIR/ceph-cluster
KILL_CLUSTER=$PLINTH_BUILDDIR/ceph-cluster-kill
script=$PLINTH_SRCDIR/scripts/ceph-cluster.sh
t_start=$(date +%s)

"$PLINTH_SRCDIR/scripts/install-deps.sh" ceph
if ! ldb_has_rados "$PLINTH_BUILDDIR"; then
  ldb_say "reconfiguring $PLINTH_BUILDDIR: librados was not there when it was configured"
  (cd "$PLINTH_BUILDDIR" && ./config.status --recheck >/dev/null && ./config.status >/dev/null)
  ldb_has_rados "$PLINTH_BUILDDIR" || ldb_die "configure does not find librados"
fi
suites=$(make -s -C "$PLINTH_BUILDDIR" print-ceph-suites)
kill_suites=$(make -s -C "$PLINTH_BUILDDIR" print-ceph-kill-suites)
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
    if (cd "$PLINTH_BUILDDIR" && CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300} "./$t" >"$t.log" 2>&1); then :; else ok=1; fi
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$PLINTH_BUILDDIR/$t.log" | tail -n 1)
    printf '  %-28s %s\n' "$(basename "$t")" "${line:-no Check summary (crashed?)}"
    grep -E ':[FE]:' "$PLINTH_BUILDDIR/$t.log" | sed 's/^/    /' || true
  done
  return $ok
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
  ldb_say "plinth's suites on the RADOS env: $suites"
  t=$(date +%s)
  run_suites $suites || rc=1
  ldb_say "suites took $(( $(date +%s) - t )) s"
esac

case " $PARTS " in *" leveldb "*)
  "$PLINTH_SRCDIR/scripts/install-deps.sh" leveldb
  ldb_fetch_source
  ldb_prepare_tree
  ldb_build_plinth
  ldb_build rados
  build=$LDB_WORK/build-rados
  # --- the proof that the RADOS env is what the tests use ----------------
  objs=$(find "$build" -name '*.o' -path '*CMakeFiles/leveldb.dir*')
  if printf '%s\n' "$objs" | grep -q 'env_posix\.cc\.o$'; then ldb_die "util/env_posix.cc was compiled into libleveldb"; fi
  printf '%s\n' "$objs" | grep -q 'env_default_rados\.cc\.o$' || ldb_die "env_default_rados.cc is not in libleveldb"
  mapfile -t tests < <(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: *//p')
  # env_posix_test tests LevelDB's POSIX env (descriptor and mmap limits,
  # close-on-exec of its descriptors): not a contract of Env.
  excluded=env_posix_test
  with_rados=0
  for t in "${tests[@]}"; do
    [ "$t" = "$excluded" ] && continue
    syms=$(nm -C "$build/$t")
    if grep -q 'PosixEnv' <<<"$syms"; then ldb_die "$t contains LevelDB's PosixEnv"; fi
    grep -qE ' T pl_rados_env_open_from_environment$' <<<"$syms" && with_rados=$((with_rados + 1))
  done
  for t in env_test db_test c_test fault_injection_test recovery_test corruption_test; do
    grep -qE ' T pl_rados_env_open_from_environment$' <<<"$(nm "$build/$t")" || ldb_die "$t does not link the RADOS env"
  done
  # The tests' tree lives in its own RADOS namespace, so what they left can
  # be counted; TEST_TMPDIR is a path in that tree (gtest's TempDir() and
  # Env::GetTestDirectory both use it), made before the first test.
  export PLINTH_RADOS_NAMESPACE=leveldb-suite
  export TEST_TMPDIR=/leveldb-tests
  rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" create d:/leveldb-tests
  rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" setomapval d:/ leveldb-tests d
  ldb_say "running LevelDB's ctest suite on the RADOS env ($(( ${#tests[@]} - 1 )) tests; excluded: $excluded)"
  t=$(date +%s)
  set +e
  (cd "$build" && ctest -j1 -E "^${excluded}\$" --output-on-failure --timeout 1200) >"$LDB_WORK/ctest-rados.log" 2>&1
  lrc=$?
  set -e
  sed -n '/tests passed/,$p' "$LDB_WORK/ctest-rados.log"
  ldb_say "LevelDB's suite on RADOS took $(( $(date +%s) - t )) s"
  if [ $lrc -ne 0 ]; then
    grep -hE '^\[  FAILED  \]|Failure$' "$LDB_WORK/ctest-rados.log" | head -40
    rc=1
  fi
  objects=$(rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" ls | wc -l)
  dirs=$(rados -c "$PLINTH_RADOS_CONF" -p plinth -N "$PLINTH_RADOS_NAMESPACE" listomapkeys d:/leveldb-tests | tr '\n' ' ')
  [ "$objects" -gt 1 ] || ldb_die "the suite left no trace in the RADOS namespace: it did not run on RADOS"
  ldb_say "proof: libleveldb.a was built from env_default_rados.cc; $with_rados of $(( ${#tests[@]} - 1 )) test binaries link pl_rados_env_open_from_environment, none LevelDB's PosixEnv"
  ldb_say "proof: the tests' tree in pool plinth, namespace $PLINTH_RADOS_NAMESPACE: $objects objects; /leveldb-tests holds: $dirs"
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
  ldb_say "kill suite took $(( $(date +%s) - t )) s"
  "$script" stop "$KILL_CLUSTER"
esac

ldb_say "check-ceph took $(( $(date +%s) - t_start )) s"
[ $rc -eq 0 ] || ldb_die "failures above (logs: $PLINTH_BUILDDIR/ceph-*.log, tests/ceph/*.log, $LDB_WORK/ctest-rados.log)"
ldb_say "OK"
