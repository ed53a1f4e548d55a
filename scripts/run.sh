#!/usr/bin/env bash
# plinth's main job: builds plinth, measures this machine's file system with
# `plinth probe`, runs the README's durable-append example, has the crash
# harness judge its five example workloads and LevelDB, and runs the
# headline benchmarks against LevelDB's env, stdio and raw system calls
# (seconds each; `make bench` in the build directory runs the full ones).
#
#   scripts/run.sh [DIR]     DIR to probe and write in (default: /tmp)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=${1:-/tmp}
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh core bench
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p build/run
if [ ! -f build/run/Makefile ]; then
  (cd build/run && "$top/configure" >configure.out 2>&1) || { tail -n 30 build/run/configure.out; exit 1; }
fi
make -C build/run -j"$jobs" >build/run/make.out 2>&1 || { tail -n 40 build/run/make.out; exit 1; }

echo "=== plinth probe $dir"
build/run/tools/plinth probe --seconds 1 "$dir"

echo
echo "=== README example: 1000 records, synced every 100"
work=$(mktemp -d "$dir/plinth-demo.XXXXXX")
build/run/examples/durable_append "$work" 1000
head -n 3 "$work/demo.log"
echo "..."
tail -n 1 "$work/demo.log"
rm -rf "$work"

echo
echo "=== crash harness: every power-loss state of five small workloads"
# The reports are read as JSON (plinth crashcheck --format json; the schema
# is in crash/README.md), never by matching the text's columns.
summarize() { # LABEL...: one JSON report per label on stdin, one table row each
  python3 -c '
import json, sys
labels, text, dec, at = sys.argv[1:], sys.stdin.read(), json.JSONDecoder(), 0
for label in labels:
    at = text.find("{", at)
    if at < 0: break
    r, at = dec.raw_decode(text, at)
    print("%-20s %8d %10d %10d %8d" % (label, r["points"], r["generated"], r["checked"], r["failures"]))
    if r["failure"]:
        f = r["failure"][0]
        print("  first failure, crash right after op %s: %s" % (f["after_op"], f["message"]))
        for line in f["shrunk"]["lost"]: print("    shrunk: " + line)
' "$@"
}
printf '%-20s %8s %10s %10s %8s  %s\n' example points generated checked failing expected
for ex in replace-ok replace-no-sync create-no-dirsync log-ok log-no-checksum; do
  expect=$(build/run/tools/plinth crashcheck --list | awk -v e="$ex" '$1 == e { print ($NF == "caught" ? "caught" : "passes") }')
  row=$(build/run/tools/plinth crashcheck --quiet --format json "$ex" | summarize "$ex" | head -n 1) || true
  printf '%s  %s\n' "$row" "$expect"
done
echo "(plinth crashcheck EXAMPLE shows each failure with its replayable state id and minimal lost operations)"

echo
echo "=== LevelDB 1.23 on the crash harness: 20 keys put with sync=true, every sync point"
# Each failing state is judged by reopening the database with LevelDB's own
# env; strict POSIX first, then ext4 data=ordered for comparison.
printf '%-20s %8s %10s %10s %8s\n' model points generated checked failing
make -s -C build/run crash-leveldb CRASHCHECK_FLAGS=--format=json 2>/dev/null | summarize strict ext4-ordered || true

echo
echo "=== headline benchmarks (make bench-quick: 64 MiB, 3 rounds; full figures in bench/README.md)"
PLINTH_BENCH_DIR="$dir/plinth-bench" make -s -C build/run bench-quick 2>&1 | grep -v '^make'
