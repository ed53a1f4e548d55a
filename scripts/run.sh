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
printf '%-20s %8s %10s %10s %8s  %s\n' example points generated checked failing verdict
for ex in replace-ok replace-no-sync create-no-dirsync log-ok log-no-checksum; do
  out=$(build/run/tools/plinth crashcheck --quiet "$ex") || true
  field() { awk -v k="$1" 'index($0, k) == 3 { print $NF; exit }' <<<"$out"; }
  printf '%-20s %8s %10s %10s %8s  %s\n' "$ex" "$(field 'crash points')" \
    "$(field 'states generated')" "$(field 'distinct states checked')" \
    "$(field 'failing states')" "$(grep '^verdict:' <<<"$out" | cut -d' ' -f2-)"
done
echo "(plinth crashcheck EXAMPLE shows each failure with its replayable state id and minimal lost operations)"

echo
echo "=== LevelDB 1.23 on the crash harness: 20 keys put with sync=true, every sync point"
# Each failing state is judged by reopening the database with LevelDB's own
# env; the summary and the shrunk form of the first failure are shown.
make -s -C build/run crash-leveldb 2>&1 |
  awk '/^crashcheck /{n++; print (n == 1 ? "strict POSIX model:" : "ext4 data=ordered model, for comparison:"); show=1; next}
       show && /^  (recorded ops|crash points|states generated|distinct states|failing states)/{print}
       /shrunk to/ && !shrunk {getline l; print "  first failure, shrunk: " substr(l, 3); shrunk=1}
       /^failure 1:/ {sub(/: reopen failed/, ":\n    reopen failed"); print "  " $0}' || true

echo
echo "=== headline benchmarks (make bench-quick: 64 MiB, 3 rounds; full figures in bench/README.md)"
PLINTH_BENCH_DIR="$dir/plinth-bench" make -s -C build/run bench-quick 2>&1 | grep -v '^make'
