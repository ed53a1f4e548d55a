#!/bin/sh
# Builds and runs the bench programs from the build directory.
# Usage: bench/run.sh full|quick OUTDIR   (make bench / make bench-quick)
# Environment: PLINTH_BENCH_SIZE, PLINTH_BENCH_ROUNDS, PLINTH_BENCH_DIR
# (scratch directory, default /tmp/plinth-bench; it must be on the disk you
# want to measure), MAKE, CXX.
set -eu
mode=$1
out=$2
make=${MAKE:-make}
cxx=${CXX:-g++}
case "$mode" in
  full) args="" ;;
  quick) args="--quick" ;;
  *) echo "usage: $0 full|quick OUTDIR" >&2; exit 2 ;;
esac

# The LevelDB baseline needs g++ and Debian's libleveldb (scripts/install-deps.sh
# bench); without them the programs run without the LevelDB column.
ldb=""
probe=${TMPDIR:-/tmp}/plinth-ldb-probe.$$
if printf '#include <leveldb/env.h>\nint main() { return leveldb::Env::Default() == 0; }\n' |
   "$cxx" -x c++ - -o "$probe" -lleveldb >/dev/null 2>&1; then
  ldb=_ldb
else
  echo "bench: LevelDB or g++ not found: running without the LevelDB baseline" >&2
fi
rm -f "$probe"

progs="bench/small_appends$ldb bench/synced_appends$ldb bench/group_commit bench/parallel_parts bench/reads$ldb bench/mapped_appends bench/compressed_appends bench/durable_appends$ldb"
# shellcheck disable=SC2086 # word lists on purpose
$make $progs >/dev/null

mkdir -p "$out"
rm -f "$out"/*-ratios.csv
summary="$out/summary-$mode.txt"
: > "$summary"
for p in $progs; do
  # A failing program stops the run (a pipe into tee would hide its status).
  # shellcheck disable=SC2086 # $args is one optional flag
  if ! ./$p --out="$out" $args >"$out/.last-run.txt"; then
    cat "$out/.last-run.txt"
    rm -f "$out/.last-run.txt"
    echo "bench: $p failed" >&2
    exit 1
  fi
  { cat "$out/.last-run.txt"; echo; } | tee -a "$summary"
done
rm -f "$out/.last-run.txt"
rmdir "${PLINTH_BENCH_DIR:-/tmp/plinth-bench}" 2>/dev/null || true

# Chart rows in question order.
: > "$out/ratios.csv"
for q in small_appends synced_appends group_commit parallel_parts reads durable_appends; do
  [ -f "$out/$q-ratios.csv" ] && cat "$out/$q-ratios.csv" >> "$out/ratios.csv"
done
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot -e "datafile='$out/ratios.csv'; outfile='$out/ratios.png'" "$(dirname "$0")/ratios.gp"
  echo "bench: chart in $out/ratios.png"
else
  echo "bench: gnuplot not found (scripts/install-deps.sh bench): no chart" >&2
fi
echo "bench: tables in $summary, CSV in $out/"
