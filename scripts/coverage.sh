#!/usr/bin/env bash
# make coverage: builds plinth with gcov instrumentation in build/coverage,
# runs make check there (every suite, the shell tests included), and
# prints line and branch coverage per directory of the library and tools.
#
#   scripts/coverage.sh            table on stdout; HTML in build/coverage/html
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh core coverage || { echo "coverage: installing gcovr failed"; exit 1; }
src=${PLINTH_SOURCE_COPY:-$top}
[ -x "$src/configure" ] || (cd "$src" && ./autogen.sh >/dev/null 2>&1) || { echo "coverage: autogen failed"; exit 1; }
out=${PLINTH_COVERAGE_BUILD:-$top/build/coverage}
mkdir -p "$out"
if [ ! -f "$out/Makefile" ]; then
  # The C++ adapter test links the instrumented library too: CXXFLAGS and
  # LDFLAGS need --coverage as well as CFLAGS.
  (cd "$out" && "$src/configure" --disable-shared CFLAGS="-O0 -g --coverage" CXXFLAGS="-O0 -g --coverage" \
      LDFLAGS="--coverage" >configure.out 2>&1) || { tail -n 20 "$out/configure.out"; exit 1; }
fi
find "$out" -name '*.gcda' -delete
make -C "$out" -j"$(nproc 2>/dev/null || echo 2)" >"$out/make.out" 2>&1 || { tail -n 30 "$out/make.out"; exit 1; }
# Tests that drop privileges (a read-only directory as uid 65534) write
# their counts too: the scratch build's directories, and the .gcda files the
# first runs create (umask 0), are writable for them; otherwise libgcov's
# complaints would reach the tests' stderr checks.
chmod -R a+rwX "$out"
(umask 0 && PLINTH_TRACE_IGNORE='*.gcda' make -C "$out" -j"$(nproc 2>/dev/null || echo 2)" check >"$out/check.out" 2>&1)
check_rc=$?
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$out/check.out"
# The instrumentation writes .gcda files when a program exits: a program
# recorded at the system-call level writes them outside its recording root,
# which PLINTH_TRACE_IGNORE keeps out of its trace.  A probe run under
# RLIMIT_FSIZE cannot write them and says so on stderr, where probe_cli.sh
# expects exactly one line: that test fails in this build only (it still
# runs, and its coverage counts).
instrumented='tests/probe_cli.sh'
if [ $check_rc -ne 0 ] && ! grep -E '^FAIL: ' "$out/check.out" | grep -vqE "FAIL: ($instrumented)\$"; then
  echo "(failed only where the instrumentation's own writes are seen: $(grep -E '^FAIL: ' "$out/check.out" | sed 's/FAIL: //' | tr '\n' ' '))"
  check_rc=0
fi
mkdir -p "$out/html"
gcovr -r "$src" --object-directory "$out" --exclude "$src/tests/" --exclude "$src/bench/" \
  --exclude "$src/fuzz/" --exclude "$src/examples/" --exclude '.*\.h$' \
  --exclude "$src/compat/leveldb/adapter_test.cc" --exclude "$src/crash/crash_rate.c" \
  --gcov-ignore-parse-errors --json-summary "$out/summary.json" --html-details "$out/html/index.html" >/dev/null 2>"$out/gcovr.err" ||
  { cat "$out/gcovr.err"; exit 1; }
python3 - "$out/summary.json" <<'PY'
import json, sys, collections
files = json.load(open(sys.argv[1]))["files"]
agg = collections.OrderedDict()
for f in sorted(files, key=lambda f: f["filename"]):
    name = f["filename"]
    parts = name.split("/")
    d = "/".join(parts[:2]) if parts[0] in ("port", "env", "compat") and len(parts) > 2 else parts[0]
    a = agg.setdefault(d, [0, 0, 0, 0])
    a[0] += f["line_covered"]; a[1] += f["line_total"]
    a[2] += f["branch_covered"]; a[3] += f["branch_total"]
print("%-16s %8s %8s %9s %9s" % ("directory", "lines", "line %", "branches", "branch %"))
for d, (lc, lt, bc, bt) in agg.items():
    print("%-16s %8d %7.1f%% %9d %8.1f%%" % (d, lt, 100.0 * lc / lt if lt else 100.0, bt, 100.0 * bc / bt if bt else 100.0))
PY
echo "per-file detail: $out/html/index.html"
exit $check_rc
