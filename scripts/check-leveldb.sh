#!/usr/bin/env bash
# make check-leveldb: LevelDB 1.23's own test suite on plinth.
#
# Fetches Debian's LevelDB sources (deb-src + apt-get source, Debian's
# patches applied), builds them with plinth's adapter (compat/leveldb) in
# place of util/env_posix.cc, runs the whole ctest suite, and proves that the
# binaries that ran contain plinth's env and not LevelDB's.  Exits non-zero
# if any test fails or the proof does not hold.  Re-runnable: the sources are
# cached (see scripts/leveldb-common.sh) and the build is incremental.
set -euo pipefail
LDB_NAME=check-leveldb
. "$(dirname "${BASH_SOURCE[0]}")/leveldb-common.sh"

ldb_build_plinth
ldb_stop_if_plinth_only
"$PLINTH_SRCDIR/scripts/install-deps.sh" leveldb
ldb_fetch_source
ldb_prepare_tree
ldb_build plinth
build=$LDB_WORK/build-plinth

# --- the proof that plinth's env is what the tests use -------------------
objs=$(find "$build" -name '*.o' -path '*CMakeFiles/leveldb.dir*')
if printf '%s\n' "$objs" | grep -q 'env_posix\.cc\.o$'; then
  ldb_die "util/env_posix.cc was compiled into libleveldb: the swap did not happen"
fi
printf '%s\n' "$objs" | grep -q 'env_default\.cc\.o$' || ldb_die "the adapter's env_default.cc is not in libleveldb"
printf '%s\n' "$objs" | grep -q 'plinth_leveldb_env\.cc\.o$' || ldb_die "plinth_leveldb_env.cc is not in libleveldb"
# nm's output is captured first: with pipefail, grep -q closing the pipe
# early would fail the pipeline and hide a match.
syms=$(nm -C "$build/libleveldb.a")
if grep -q 'PosixEnv' <<<"$syms"; then
  ldb_die "libleveldb.a contains LevelDB's PosixEnv"
fi

mapfile -t tests < <(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: *//p')
[ "${#tests[@]}" -gt 0 ] || ldb_die "ctest lists no tests"
with_plinth=()
for t in "${tests[@]}"; do
  bin=$build/$t
  [ -x "$bin" ] || ldb_die "test binary $bin missing"
  syms=$(nm -C "$bin")
  if grep -q 'PosixEnv\|PosixWritableFile\|PosixRandomAccessFile' <<<"$syms"; then
    ldb_die "$t contains LevelDB's POSIX env"
  fi
  if grep -qE ' T pl_env_platform$' <<<"$syms" && grep -q ' T leveldb::Env::Default()' <<<"$syms"; then
    with_plinth+=("$t")
  fi
done
# Every test that touches the file system gets Env::Default() from the
# adapter; these must all have it linked in.
for t in env_test env_posix_test db_test c_test fault_injection_test recovery_test corruption_test; do
  printf '%s\n' "${with_plinth[@]}" | grep -qx "$t" || ldb_die "$t does not link plinth's Env::Default()"
done

# --- the suite -------------------------------------------------------------
# Run twice: with the adapter's defaults, and with pre-zeroed write-ahead
# logs (PLINTH_LEVELDB_PREZERO=1, pl_leveldb_options::prezero_logs), which
# changes how LevelDB's *.log files are written (zeros ahead of the records,
# writes at offsets) -- recovery, log reuse (recovery_test LogFileReuse,
# db_test's reuse_logs configurations, fault_injection_test's log reuse) and
# corruption tests must all hold with it.  The build is shared; each run is
# the whole suite (about 90 s here).
#
# One test at a time: LevelDB's tests share TEST_TMPDIR and c_test destroys
# it when it ends, under any test running beside it (measurements in
# compat/leveldb/README.md).
#
# One upstream test is racy on any env, LevelDB's own included:
# DBTest.HiddenValuesAreRemoved (google/leveldb#188) races a background
# compaction.  Only that case, and only when it is the sole failure, is
# rerun alone, up to 10 times; any other failure fails at once.  The failure
# rates measured for stock LevelDB and for plinth are in
# compat/leveldb/README.md.
known_flaky='DBTest.HiddenValuesAreRemoved'

# run_suite NAME PREZERO: the whole ctest suite, logs in $LDB_WORK/ctest-NAME*.log
run_suite() {
  local name=$1 prezero=$2 rc attempt failed_cases failed_tests
  export TEST_TMPDIR=$LDB_WORK/testdir-$name
  export PLINTH_LEVELDB_PREZERO=$prezero
  rm -rf "$TEST_TMPDIR"
  mkdir -p "$TEST_TMPDIR"
  ldb_say "running LevelDB's ctest suite (${#tests[@]} tests) on plinth's env, $name (PLINTH_LEVELDB_PREZERO=$prezero)"
  rm -f "$LDB_WORK"/ctest-"$name"*.log
  set +e
  (cd "$build" && ctest -j1 --output-on-failure) > "$LDB_WORK/ctest-$name.log" 2>&1
  rc=$?
  set -e
  # ctest's summary: the pass line, any failures, and the total time.
  sed -n '/tests passed/,$p' "$LDB_WORK/ctest-$name.log"
  if [ $rc -ne 0 ]; then
    failed_cases=$(sed -n 's/^\[  FAILED  \] \([A-Za-z0-9_./]*\) (.*/\1/p' "$LDB_WORK/ctest-$name.log" | sort -u)
    failed_tests=$(sed -n 's/^[[:space:]]*[0-9]* - \([A-Za-z0-9_]*\) (.*/\1/p' "$LDB_WORK/ctest-$name.log" | sort -u)
    if [ "$failed_tests" = db_test ] && [ "$failed_cases" = "$known_flaky" ]; then
      ldb_say "db_test failed only in $known_flaky, LevelDB's known racy test (google/leveldb#188); rerunning that case alone, up to 10 times"
      for attempt in 1 2 3 4 5 6 7 8 9 10; do
        set +e
        (cd "$build" && ./db_test --gtest_filter="$known_flaky") > "$LDB_WORK/ctest-$name-retry$attempt.log" 2>&1
        rc=$?
        set -e
        if [ $rc -eq 0 ]; then
          ldb_say "all ${#tests[@]} passed: $known_flaky passed on rerun $attempt (the first run's failure and every rerun are in $LDB_WORK)"
          break
        fi
        ldb_say "rerun $attempt: $known_flaky failed again"
      done
    fi
  fi
  if [ $rc -ne 0 ]; then
    grep -hE '^\[  FAILED  \]|Failure$' "$LDB_WORK"/ctest-"$name"*.log | head -40
    ldb_die "LevelDB's tests failed on plinth, $name (logs: $LDB_WORK/ctest-$name*.log)"
  fi
  rm -rf "$TEST_TMPDIR"
  unset PLINTH_LEVELDB_PREZERO
}

run_suite default 0
run_suite prezeroed-logs 1

# The variable does reach the adapter: a db_bench log written with it is
# pre-zeroed (its size is the zeroed space, a multiple of 32 KiB, not the
# bytes of its records), and without it is not.
probe=$LDB_WORK/prezero-probe
for v in 0 1; do
  rm -rf "$probe"
  PLINTH_LEVELDB_PREZERO=$v "$build/db_bench" --benchmarks=fillsync --num=100000 --db="$probe" >/dev/null 2>&1 ||
    ldb_die "db_bench fillsync (PLINTH_LEVELDB_PREZERO=$v) failed"
  size=$(stat -c %s "$(ls "$probe"/*.log | head -n 1)")
  if [ "$v" = 1 ] && [ $((size % 32768)) -ne 0 ]; then ldb_die "PLINTH_LEVELDB_PREZERO=1 but the log is $size bytes"; fi
  if [ "$v" = 0 ] && [ $((size % 32768)) -eq 0 ]; then ldb_die "the default log is $size bytes, a multiple of 32 KiB"; fi
  ldb_say "proof: db_bench fillsync, PLINTH_LEVELDB_PREZERO=$v: its log is $size bytes"
done
rm -rf "$probe"

ldb_say "proof: libleveldb.a was built from compat/leveldb/env_default.cc and plinth_leveldb_env.cc; util/env_posix.cc was not compiled"
ldb_say "proof: ${#with_plinth[@]} of ${#tests[@]} test binaries link leveldb::Env::Default() with plinth's pl_env_platform (the others never call Env::Default), none contains LevelDB's PosixEnv"
ldb_say "OK: LevelDB 1.23's test suite passed on plinth's env, with and without pre-zeroed logs"
