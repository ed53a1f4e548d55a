#!/usr/bin/env bash
# plinth's main job: builds plinth, measures this machine's file system with
# `plinth probe`, runs the README's durable-append example, and has the
# crash harness judge its five example workloads.
#
#   scripts/run.sh [DIR]     DIR to probe and write in (default: /tmp)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=${1:-/tmp}
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh core
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
