#!/usr/bin/env bash
# plinth's test command: installs what is missing, then builds and runs every
# test stage, printing Check's closing lines from each suite's log.
#
#   scripts/test.sh            all stages
#   scripts/test.sh unit asan  only those stages
#
# Stages: unit (make check, warnings as errors), asan (ASan+UBSan build and
# make check), valgrind (every suite under memcheck), distcheck (and the
# installed tree through pkg-config and CMake), deb (Debian packages),
# intree (the README's build by hand, in place), fuzz (a short libFuzzer
# smoke of every target), report (the HTML crash report in headless
# Chromium), and the stages other parts of the tree add (leveldb, programs,
# windows, ceph).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit asan valgrind distcheck deb intree fuzz report leveldb programs windows ceph)

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
  cmake_example "$dest/usr/local" "$libdir" build/install/cmake || return 1
}

# cmake_example PREFIX LIBDIR OUT: builds examples/cmake (the README example,
# and a LevelDB database on plinth when the adapter is installed) against
# the installation under PREFIX, found through CMAKE_PREFIX_PATH as an
# embedder's project finds it; once with the shared library and once with
# PLINTH_USE_STATIC_LIBS; runs each with LIBDIR as the library path.
cmake_example() {
  local prefix=$1 libdir=$2 out=$3 mode ldb=OFF static needed
  ls "$libdir"/libplinth_leveldb.* >/dev/null 2>&1 && ldb=ON
  for mode in shared static; do
    static=OFF
    [ $mode = static ] && static=ON
    rm -rf "${out:?}/$mode"
    mkdir -p "$out/$mode"
    if ! cmake -S examples/cmake -B "$out/$mode" -DCMAKE_PREFIX_PATH="$prefix" -DWITH_LEVELDB=$ldb \
        -DPLINTH_USE_STATIC_LIBS=$static >"$out/$mode/cmake.out" 2>&1 ||
       ! cmake --build "$out/$mode" -j "$jobs" >"$out/$mode/build.out" 2>&1; then
      tail -n 30 "$out/$mode/cmake.out" "$out/$mode/build.out" 2>/dev/null
      return 1
    fi
    needed=$(readelf -d "$out/$mode/durable_append" | grep -c 'NEEDED.*libplinth\.so')
    if [ $mode = shared ] && [ "$needed" -ne 1 ]; then
      echo "cmake ($mode): durable_append does not link libplinth.so"; return 1
    elif [ $mode = static ] && [ "$needed" -ne 0 ]; then
      echo "cmake ($mode): durable_append links libplinth.so"; return 1
    fi
    LD_LIBRARY_PATH=$libdir "$out/$mode/durable_append" "$out/$mode" 200 || return 1
    if [ $ldb = ON ]; then
      LD_LIBRARY_PATH=$libdir "$out/$mode/leveldb_on_plinth" "$out/$mode" || return 1
    fi
  done
  echo "installed CMake package works: find_package(plinth), plinth::plinth shared and static$([ $ldb = ON ] && echo ', plinth::plinth_leveldb')"
}

# Every fuzz target for a short smoke (FUZZ_SECONDS each, default 30);
# `make fuzz` or scripts/fuzz.sh runs them longer.
stage_fuzz() {
  scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
}

# The HTML crash report opened in headless Chromium: the screenshot must
# show the timeline (scripts/check-report.sh).
stage_report() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  make -C build/unit -j"$jobs" >/dev/null 2>&1 || return 1
  scripts/check-report.sh build/unit
}

stage_leveldb() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  grep -q '^check-leveldb:' build/unit/Makefile || { echo "not available in this tree"; return 0; }
  make -C build/unit check-leveldb
}

# Unmodified programs (stock LevelDB, SQLite, git, a static and a stdio
# program) recorded at the system-call level, LevelDB on plinth recorded
# both ways, and the recording overhead: make crash-programs.
stage_programs() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  grep -q '^crash-programs:' build/unit/Makefile || { echo "not available in this tree"; return 0; }
  make -C build/unit -j"$jobs" >/dev/null 2>&1 || true
  make -C build/unit crash-programs
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

# Debian packages: scripts/build-deb.sh builds libplinth0, libplinth-dev and
# plinth-tools from this tree's `make dist` tarball with packaging/debian
# (lintian errors fail it), then the packages are unpacked into a scratch
# root (dpkg -x: nothing is installed on the machine) and the README example
# is built against them with pkg-config and with CMake, and run.
stage_deb() {
  [ -f build/unit/Makefile ] || configure_in build/unit || return 1
  packaging/gen-symbols.sh --check || return 1
  rm -f build/unit/plinth-*.tar.gz
  make -C build/unit dist >build/unit/dist.out 2>&1 || { tail -n 20 build/unit/dist.out; return 1; }
  local out=$top/build/deb root multiarch libdir deb pcflags version
  scripts/build-deb.sh "$out" build/unit/plinth-*.tar.gz || return 1
  root=$out/root
  rm -rf "$root"
  for deb in "$out"/libplinth0_*.deb "$out"/libplinth-dev_*.deb "$out"/plinth-tools_*.deb; do
    dpkg -x "$deb" "$root" || return 1
  done
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
  libdir=$root/usr/lib/$multiarch
  # pkg-config: the packaged plinth.pc says /usr/include and /usr/lib/<arch>,
  # which pkg-config would drop as system directories; they are under
  # $root here.
  pcflags=$(PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_LIBDIR=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config --cflags --libs plinth) || return 1
  # shellcheck disable=SC2086 # pcflags is a list of flags
  cc -o "$out/durable_append" examples/durable_append.c $pcflags || return 1
  LD_LIBRARY_PATH=$libdir "$out/durable_append" "$out" 200 || return 1
  echo "libplinth-dev's plinth.pc works with pkg-config"
  cmake_example "$root/usr" "$libdir" "$out/cmake" || return 1
  version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' build/unit/config.h)
  [ "$(LD_LIBRARY_PATH=$libdir "$root/usr/bin/plinth" --version)" = "plinth $version" ] ||
    { echo "plinth-tools: plinth --version is not 'plinth $version'"; return 1; }
  echo "plinth-tools: plinth --version says plinth $version"
}

# The README's build by hand, in place: a clean copy of the tree (what a
# clone has), `./autogen.sh && ./configure && make`, then the targets that
# configure a second plinth of their own (configure refuses a source
# directory configured in place, so they build from a clean copy of the
# distributed sources): make check-windows in full, check-leveldb and
# bench-leveldb up to their static plinth (LDB_PLINTH_ONLY), the one step
# of theirs that depends on how the tree was configured.
stage_intree() {
  local dir=$top/build/intree/plinth rc t0
  t0=$(date +%s)
  rm -rf "$top/build/intree"
  mkdir -p "$dir"
  if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    # Tracked and new files as they are in the work tree; nothing ignored.
    (git -C "$top" ls-files -z --cached --others --exclude-standard |
      tar -C "$top" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$dir" -xf -) || return 1
  else
    [ -f build/unit/Makefile ] || configure_in build/unit || return 1
    make -s -C build/unit distdir distdir="$dir" top_distdir="$dir" || return 1
  fi
  (cd "$dir" && ./autogen.sh >autogen.out 2>&1) || { tail -n 20 "$dir/autogen.out"; return 1; }
  (cd "$dir" && ./configure --enable-werror >configure.out 2>&1) || { tail -n 30 "$dir/configure.out"; return 1; }
  make -C "$dir" -j"$jobs" >"$dir/make.out" 2>&1 || { tail -n 40 "$dir/make.out"; return 1; }
  echo "in place: ./autogen.sh && ./configure && make: ok ($(( $(date +%s) - t0 )) s)"
  t0=$(date +%s)
  make -C "$dir" check-windows >"$dir/check-windows.out" 2>&1
  rc=$?
  grep -E '^test cases run on Windows' "$dir/check-windows.out"
  [ $rc -eq 0 ] || { tail -n 40 "$dir/check-windows.out"; return 1; }
  echo "in place: make check-windows: ok ($(( $(date +%s) - t0 )) s)"
  t0=$(date +%s)
  local t
  for t in check-leveldb bench-leveldb; do
    LDB_PLINTH_ONLY=1 make -C "$dir" "$t" >"$dir/$t.out" 2>&1 || { tail -n 20 "$dir/$t.out"; return 1; }
    grep -q 'LDB_PLINTH_ONLY: built' "$dir/$t.out" || { tail -n 20 "$dir/$t.out"; return 1; }
    echo "in place: make $t, up to its static plinth: ok ($(( $(date +%s) - t0 )) s)"
    t0=$(date +%s)
  done
}

# make check-ceph: a one-node cluster (scripts/ceph-cluster.sh), plinth's
# conformance suites on the RADOS env, the S3 suite, LevelDB's suite on the
# RADOS env, and the suite that kills the daemons under a writer.
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
    programs) groups+=(programs) ;;
    windows|intree) groups+=(windows) ;;
    deb) groups+=(deb) ;;
    fuzz) groups+=(fuzz) ;;
    report) groups+=(report) ;;
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
