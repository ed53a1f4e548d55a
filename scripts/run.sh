#!/usr/bin/env bash
# plinth's main job: builds plinth, measures this machine's file system with
# `plinth probe`, and runs the README's durable-append example.  Other parts
# of the tree add their showcase here (crash harness examples, benchmarks).
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
