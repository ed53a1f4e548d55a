#!/usr/bin/env bash
# plinth's test command: installs what is missing, then builds and runs every
# test stage, printing Check's closing lines from each suite's log.
#
#   scripts/test.sh            all stages
#   scripts/test.sh unit asan  only those stages
#
# Stages: unit (make check, warnings as errors), asan (ASan+UBSan build and
# make check), valgrind (every suite under memcheck), distcheck, and the
# stages other parts of the tree add (leveldb, windows, ceph).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit asan valgrind distcheck leveldb windows ceph)

total_checks=0
total_failed=0
failed_stages=()

say() { printf '\n=== %s\n' "$*"; }

# Prints each suite's Check summary and adds it to the totals: the logs in
# DIR/tests, or DIR/SUBDIR.
report_logs() {
  local dir=$1 sub=${2:-tests} log line
  for log in "$dir/$sub"/*_test.log; do
    [ -f "$log" ] || continue
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
    grep -E '^SKIP ' "$log" | sed "s|^|  $(basename "$log" .log): |"
    grep -E ':[FE]:' "$log" | sed 's/^/  /'
    if [ -z "$line" ]; then
      printf '  %-28s no Check summary (crashed?)\n' "$(basename "$log" .log)"
      total_failed=$((total_failed + 1))
      continue
    fi
    printf '  %-28s %s\n' "$(basename "$log" .log)" "$line"
    tally "$line"
  done
}

# Adds one Check summary line ("N%: Checks: N, Failures: F, Errors: E") to
# the totals.
tally() {
  local n f e
  n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$1")
  f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$1")
  e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$1")
  total_checks=$((total_checks + n))
  total_failed=$((total_failed + f + e))
}

configure_in() {
  local dir=$1
  shift
  mkdir -p "$dir"
  (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1) || {
    tail -n 30 "$dir/configure.out"
    return 1
  }
}

stage_unit() {
  configure_in build/unit || return 1
  make -C build/unit -j"$jobs" >build/unit/make.out 2>&1 || { tail -n 40 build/unit/make.out; return 1; }
  make -C build/unit -j"$jobs" check >build/unit/check.out 2>&1
  local rc=$?
  grep -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP)' build/unit/check.out
  report_logs build/unit
  return $rc
}

# The suites of tests/ceph (plinth's conformance suites on the RADOS env,
# its own suites, the S3 sink's) need a Ceph cluster.  The asan and
# valgrind stages run them too -- make check-ceph's suites part, which
# starts and stops a cluster -- when the ceph stage is requested as well
# (it is what installs Ceph); otherwise they print why they did not.  The
# kill suite runs in the ceph stage only: it kills and restarts the daemons
# of a bluestore cluster for about a minute, and its code paths are the
# rados suite's.
want_ceph=0
for s in "${stages[@]}"; do [ "$s" = ceph ] && want_ceph=1; done

# ceph_suites_in DIR [RUNNER...]: the tests/ceph suites of build tree DIR.
ceph_suites_in() {
  local dir=$1 rc
  shift
  grep -q '^check-ceph:' "$dir/Makefile" || return 0
  if [ $want_ceph -eq 0 ]; then
    echo "  tests/ceph/*: not run here: they need a Ceph cluster (add the ceph stage: scripts/test.sh ${stage:-} ceph)"
    return 0
  fi
  CHECK_CEPH_PARTS=suites CHECK_CEPH_RUNNER="$*" make -C "$dir" check-ceph >"$dir/check-ceph.out" 2>&1
  rc=$?
  echo "  tests/ceph (a one-node cluster; the kill suite runs in the ceph stage only):"
  grep -E '^check-ceph: (cluster start|suites took|error)' "$dir/check-ceph.out" | sed 's/^/  /'
  report_logs "$dir" tests/ceph
  [ $rc -eq 0 ] || tail -n 30 "$dir/check-ceph.out"
  return $rc
}

stage_asan() {
  configure_in build/asan --enable-sanitizers --disable-shared || return 1
  make -C build/asan -j"$jobs" >build/asan/make.out 2>&1 || { tail -n 40 build/asan/make.out; return 1; }
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    make -C build/asan -j"$jobs" check >build/asan/check.out 2>&1
  local rc=$?
  grep -E '^# (TOTAL|PASS|FAIL|ERROR)' build/asan/check.out
  report_logs build/asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ceph_suites_in build/asan || rc=1
  return $rc
}

stage_valgrind() {
  command -v valgrind >/dev/null || { echo "valgrind missing"; return 1; }
  configure_in build/valgrind --disable-shared || return 1
  make -C build/valgrind -j"$jobs" >build/valgrind/make.out 2>&1 || { tail -n 40 build/valgrind/make.out; return 1; }
  make -C build/valgrind -j"$jobs" check TESTS= >>build/valgrind/make.out 2>&1 || return 1
  local rc=0 t name line
  for t in build/valgrind/tests/*_test; do
    name=$(basename "$t")
    # No fork: memcheck then sees every test case in one process.
    if CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        "$t" >"build/valgrind/$name.vg" 2>&1; then
      line=$(grep -E '^[0-9]+%: Checks' "build/valgrind/$name.vg" | tail -n 1)
      printf '  %-28s %s\n' "$name" "$line"
      tally "$line"
    else
      printf '  %-28s FAILED under valgrind\n' "$name"
      tail -n 30 "build/valgrind/$name.vg"
      rc=1
    fi
  done
  CK_FORK=no ceph_suites_in build/valgrind \
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite || rc=1
  return $rc
}

stage_distcheck() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  make -C build/unit distcheck >build/unit/distcheck.out 2>&1
  local rc=$?
  grep -E 'archives ready|^plinth-.*tar.gz' build/unit/distcheck.out || tail -n 40 build/unit/distcheck.out
  [ $rc -eq 0 ] || return $rc
  # make install, then build the README example against the installed
  # headers and library through pkg-config, as an embedder would.
  local dest=$top/build/install
  rm -rf "$dest"
  make -C build/unit install DESTDIR="$dest" >build/unit/install.out 2>&1 || { tail -n 20 build/unit/install.out; return 1; }
  local pc
  pc=$(dirname "$(find "$dest" -name plinth.pc | head -n 1)")
  PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest \
    cc -o build/install/durable_append examples/durable_append.c \
      $(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --cflags --libs plinth) || return 1
  local libdir
  libdir=$(dirname "$(find "$dest" -name 'libplinth.so*' | head -n 1)")
  LD_LIBRARY_PATH=$libdir build/install/durable_append build/install 200 || return 1
  echo "installed headers, library and plinth.pc work with pkg-config"
}

stage_leveldb() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  grep -q '^check-leveldb:' build/unit/Makefile || { echo "not available in this tree"; return 0; }
  make -C build/unit check-leveldb
}

stage_windows() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  grep -q '^check-windows:' build/unit/Makefile || { echo "not available in this tree"; return 0; }
  # From an empty environment (no LANG or LC_*: the POSIX locale, as in many
  # containers), so what the suites need from the environment is set by
  # check-windows.sh itself and stays so.  Only the path, the home (where
  # the cache is) and plinth's own knobs pass.
  local keep=(PATH="$PATH" HOME="${HOME:-/root}") v
  for v in PLINTH_CACHE PLINTH_WINEPREFIX PLINTH_WINE_USER PLINTH_WINE_HOME PLINTH_JOBS TMPDIR; do
    [ -n "${!v:-}" ] && keep+=("$v=${!v}")
  done
  env -i "${keep[@]}" make -C build/unit check-windows
  local rc=$?
  echo "Check under Wine, per suite:"
  report_logs build/unit/windows
  return $rc
}

stage_ceph() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  grep -q '^check-ceph:' build/unit/Makefile || { echo "not available in this tree"; return 0; }
  make -C build/unit check-ceph
  local rc=$?
  echo "Check on the RADOS env and radosgw, per suite:"
  report_logs build/unit tests/ceph
  return $rc
}

# Dependencies first: a fresh machine has only a compiler and make.
groups=(core)
for s in "${stages[@]}"; do
  case "$s" in
    leveldb) groups+=(leveldb) ;;
    windows) groups+=(windows) ;;
    ceph) groups+=(ceph leveldb) ;;
  esac
done
scripts/install-deps.sh "${groups[@]}" || { echo "installing dependencies failed"; exit 1; }
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }

for stage in "${stages[@]}"; do
  s=$stage
  say "stage $s"
  start=$(date +%s)
  if "stage_$s"; then
    echo "--- stage $s passed ($(( $(date +%s) - start )) s)"
  else
    echo "--- stage $s FAILED ($(( $(date +%s) - start )) s)"
    failed_stages+=("$s")
  fi
done

say "summary"
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
fi
# Check test cases across the native, sanitizer and other stages' logs.
echo "$((total_checks - total_failed)) passed, ${total_failed} failed"
[ ${#failed_stages[@]} -eq 0 ] && [ "$total_failed" -eq 0 ]
