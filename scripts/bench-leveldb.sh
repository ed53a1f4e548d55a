#!/usr/bin/env bash
# make bench-leveldb: LevelDB's db_bench, stock env vs plinth's env.
#
# Builds LevelDB 1.23 twice from the same Debian sources: once as shipped
# (util/env_posix.cc) and once with plinth's adapter in its place, both
# Release.  Runs three configurations alternately, ROUNDS times each
# (default 5, at least 3; the order rotates every round so drift in machine
# load hits all alike), on the same directory: stock, plinth, and plinth
# with pre-zeroed write-ahead logs (the same binary with
# PLINTH_LEVELDB_PREZERO=1, pl_leveldb_options::prezero_logs).  Reports per
# benchmark the median micros/op of each and the ratios stock/plinth and
# stock/plinth-prezero (= plinth's throughput relative to stock: 1.00 is
# parity, above 1 plinth is faster).
#
# Output: a table on stdout and CSV in $BENCH_CSV (default
# bench/results/leveldb.csv in the source tree); every raw figure is kept in
# the work directory (raw.csv).
set -euo pipefail
LDB_NAME=bench-leveldb
. "$(dirname "${BASH_SOURCE[0]}")/leveldb-common.sh"

ROUNDS=${ROUNDS:-5}
[ "$ROUNDS" -ge 3 ] || ldb_die "ROUNDS must be at least 3"
BENCHMARKS=${BENCHMARKS:-fillseq,fillsync,fillrandom,overwrite,readrandom,readseq,readreverse}
BENCH_CSV=${BENCH_CSV:-$PLINTH_SRCDIR/bench/results/leveldb.csv}

ldb_build_plinth
ldb_stop_if_plinth_only
"$PLINTH_SRCDIR/scripts/install-deps.sh" leveldb
ldb_fetch_source
ldb_prepare_tree
ldb_build stock
ldb_build plinth
stock=$LDB_WORK/build-stock/db_bench
plinth=$LDB_WORK/build-plinth/db_bench
# (nm's output is captured first: with pipefail, grep -q closing the pipe
# early would fail the pipeline.)
syms=$(nm "$plinth")
grep -q ' T pl_env_platform$' <<<"$syms" || ldb_die "$plinth does not contain plinth's env"
syms=$(nm "$stock")
if grep -q ' T pl_env_platform$' <<<"$syms"; then ldb_die "$stock contains plinth's env"; fi

out=$LDB_WORK/bench
rm -rf "$out"
mkdir -p "$out"
db=$out/db
raw=$out/raw.csv
echo "round,env,benchmark,micros_per_op" > "$raw"

run() { # run ROUND KIND BINARY [PREZERO]
  local log=$out/$2-$1.log
  rm -rf "$db"
  # Progress ("... finished N ops\r") goes to stderr, results to stdout.
  PLINTH_LEVELDB_PREZERO=${4:-0} "$3" --benchmarks="$BENCHMARKS" --db="$db" > "$log" 2> "$log.progress" ||
    { cat "$log" >&2; ldb_die "db_bench ($2) failed"; }
  # Result lines look like "fillseq      :       1.570 micros/op; ...".
  awk -v r="$1" -v k="$2" '$2 == ":" && $4 == "micros/op;" {print r "," k "," $1 "," $3}' "$log" >> "$raw"
}

ldb_say "db_bench: $BENCHMARKS; $ROUNDS rounds each, alternating (stock: $stock, plinth and plinth-prezero: $plinth)"
for r in $(seq 1 "$ROUNDS"); do
  case $((r % 3)) in
    1) run "$r" stock "$stock"; run "$r" plinth "$plinth"; run "$r" plinth-prezero "$plinth" 1 ;;
    2) run "$r" plinth "$plinth"; run "$r" plinth-prezero "$plinth" 1; run "$r" stock "$stock" ;;
    *) run "$r" plinth-prezero "$plinth" 1; run "$r" stock "$stock"; run "$r" plinth "$plinth" ;;
  esac
  ldb_say "round $r of $ROUNDS done"
done
rm -rf "$db"

mkdir -p "$(dirname "$BENCH_CSV")"
python3 - "$raw" "$BENCH_CSV" "$BENCHMARKS" "$ROUNDS" <<'EOF'
import csv, statistics, sys
raw, out, names, rounds = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
vals = {}
for row in csv.DictReader(open(raw)):
    vals.setdefault((row["env"], row["benchmark"]), []).append(float(row["micros_per_op"]))
rows = []
print(f"{'benchmark':<12} {'stock us/op':>12} {'plinth us/op':>13} {'ratio':>7} {'prezero us/op':>14} {'ratio':>7}"
      f"  (median of {rounds} rounds; ratio = stock/plinth, >= 1 means plinth is as fast or faster)")
for n in names:
    s, p, z = vals.get(("stock", n)), vals.get(("plinth", n)), vals.get(("plinth-prezero", n))
    if not s or not p or not z:
        sys.exit(f"bench-leveldb: no result for {n}")
    ms, mp, mz = statistics.median(s), statistics.median(p), statistics.median(z)
    rows.append((n, ms, mp, ms / mp, mz, ms / mz, len(s), min(s), max(s), min(p), max(p), min(z), max(z)))
    print(f"{n:<12} {ms:>12.3f} {mp:>13.3f} {ms / mp:>7.3f} {mz:>14.3f} {ms / mz:>7.3f}")
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["benchmark", "stock_us_per_op", "plinth_us_per_op", "ratio_stock_over_plinth",
                "prezero_us_per_op", "ratio_stock_over_prezero", "rounds", "stock_min", "stock_max",
                "plinth_min", "plinth_max", "prezero_min", "prezero_max"])
    for r in rows:
        w.writerow([r[0]] + [f"{x:.3f}" for x in r[1:6]] + [r[6]] + [f"{x:.3f}" for x in r[7:]])
EOF
ldb_say "CSV written to $BENCH_CSV (raw rounds: $raw)"
