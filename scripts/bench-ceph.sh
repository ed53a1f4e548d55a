#!/usr/bin/env bash
# make bench-ceph: plinth on Ceph against plinth on the local disk, in one
# run, on one machine.
#
#   1. starts a one-node cluster (scripts/ceph-cluster.sh) with a bluestore
#      OSD, whose data goes to a file on this machine's disk (the disk the
#      local runs use), and radosgw; prints how long the start took, and
#      how long a memstore cluster (what make check-ceph starts) takes;
#   2. db_bench (LevelDB 1.23, Debian's sources) built twice from one tree:
#      with plinth's env on the local disk, and with the RADOS env as
#      Env::Default(); runs fillseq, fillrandom and readrandom with each,
#      alternately, ROUNDS times; reports median micros/op and the ratio
#      local/RADOS (RADOS's throughput relative to the local disk: 0.25
#      means four times slower);
#   3. the part writer: bench/ceph_parts (local file vs S3 multipart upload
#      to radosgw vs the RADOS env), same rounds.
#
# Environment: ROUNDS (default 5), NUM (db_bench --num, default 1000000:
# the database outgrows LevelDB's 8 MiB block cache), READS (readrandom's
# --reads, default 100000),
# PART_SIZE_TOTAL (bytes the part writer publishes, default 1G),
# PLINTH_BENCH_DIR (local scratch directory, default /tmp/plinth-bench),
# BENCH_OUT (results directory, default bench/results/ceph in the source
# tree: CSV files and summary.txt, what bench/README.md quotes).
set -euo pipefail
LDB_NAME=bench-ceph
. "$(dirname "${BASH_SOURCE[0]}")/leveldb-common.sh"

ROUNDS=${ROUNDS:-5}
NUM=${NUM:-1000000}
READS=${READS:-100000}
PART_SIZE_TOTAL=${PART_SIZE_TOTAL:-1G}
BENCHMARKS=fillseq,fillrandom,readrandom
LOCAL=${PLINTH_BENCH_DIR:-/tmp/plinth-bench}
BENCH_OUT=${BENCH_OUT:-$PLINTH_SRCDIR/bench/results/ceph}
CLUSTER=$PLINTH_BUILDDIR/ceph-bench-cluster
script=$PLINTH_SRCDIR/scripts/ceph-cluster.sh

"$PLINTH_SRCDIR/scripts/install-deps.sh" ceph leveldb
ldb_has_rados "$PLINTH_BUILDDIR" || ldb_die "$PLINTH_BUILDDIR was configured without librados (run its config.status --recheck)"
make -C "$PLINTH_BUILDDIR" -j"$JOBS" bench/ceph_parts >/dev/null || ldb_die "building bench/ceph_parts failed"
ldb_fetch_source
ldb_prepare_tree
ldb_build_plinth
ldb_build plinth
ldb_build rados
local_bench=$LDB_WORK/build-plinth/db_bench
rados_bench=$LDB_WORK/build-rados/db_bench
syms=$(nm "$rados_bench")
grep -q ' T pl_rados_env_open_from_environment$' <<<"$syms" || ldb_die "$rados_bench does not contain the RADOS env"

mkdir -p "$BENCH_OUT"
summary=$BENCH_OUT/summary.txt
# Everything below is printed and kept in summary.txt.
exec > >(tee "$summary") 2>&1
ldb_say "$(date -u '+%d %b %Y %H:%M UTC'); $(nproc) cpus; load average $(cut -d' ' -f1-3 /proc/loadavg)"
trap '"$script" stop "$CLUSTER" || true' EXIT
trap 'exit 130' INT TERM
"$script" stop "$CLUSTER"
# The start figures: memstore (what check-ceph uses), then bluestore with
# radosgw (what this benchmark uses).
CEPH_RGW=0 "$script" start "$CLUSTER" 2>/dev/null
ldb_say "cluster start, memstore OSD: $(cat "$CLUSTER/start.times")"
"$script" stop "$CLUSTER"
CEPH_OBJECTSTORE=bluestore "$script" start "$CLUSTER" 2>/dev/null
ldb_say "cluster start, bluestore OSD + radosgw: $(cat "$CLUSTER/start.times")"
export PLINTH_RADOS_CONF=$CLUSTER/ceph.conf PLINTH_RADOS_POOL=plinth PLINTH_RADOS_NAMESPACE=bench
# shellcheck disable=SC1091
. "$CLUSTER/s3.env"
export PLINTH_S3_ENDPOINT PLINTH_S3_REGION PLINTH_S3_ACCESS_KEY PLINTH_S3_SECRET_KEY PLINTH_S3_BUCKET=plinth-bench

out=$LDB_WORK/bench-ceph
rm -rf "$out"
mkdir -p "$out" "$LOCAL"
raw=$out/raw.csv
echo "round,env,benchmark,micros_per_op" > "$raw"

run() { # run ROUND KIND
  local log=$out/$2-$1.log bin=$local_bench db=$LOCAL/ceph-bench-db
  [ "$2" = rados ] && { bin=$rados_bench; db=/dbbench; }
  [ "$2" = local ] && rm -rf "$db"
  # db_bench starts every fill on a fresh database (DestroyDB).
  "$bin" --benchmarks="$BENCHMARKS" --num="$NUM" --reads="$READS" --db="$db" > "$log" 2> "$log.progress" ||
    { cat "$log" "$log.progress" >&2; ldb_die "db_bench ($2) failed"; }
  awk -v r="$1" -v k="$2" '$2 == ":" && $4 == "micros/op;" {print r "," k "," $1 "," $3}' "$log" >> "$raw"
}

ldb_say "db_bench $BENCHMARKS, --num=$NUM --reads=$READS, $ROUNDS rounds alternating (local: plinth's env on $LOCAL; rados: the RADOS env, bluestore OSD)"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then run "$r" local; run "$r" rados; else run "$r" rados; run "$r" local; fi
  ldb_say "round $r of $ROUNDS done"
done
rm -rf "$LOCAL/ceph-bench-db"

python3 - "$raw" "$BENCH_OUT/ceph-leveldb.csv" "$BENCHMARKS" "$ROUNDS" "$NUM" "$READS" <<'EOF'
import csv, statistics, sys
raw, out, names, rounds, num, reads = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4], sys.argv[5], sys.argv[6]
vals = {}
for row in csv.DictReader(open(raw)):
    vals.setdefault((row["env"], row["benchmark"]), []).append(float(row["micros_per_op"]))
print(f"{'benchmark':<12} {'local us/op':>12} {'rados us/op':>12} {'ratio':>7} {'slower':>7}  (--num={num} --reads={reads}, median of {rounds} rounds; ratio = local/rados)")
with open(out, "w") as f:
    f.write("benchmark,num,reads,rounds,local_median,local_min,local_max,rados_median,rados_min,rados_max,ratio\n")
    for n in names:
        l, r = vals.get(("local", n)), vals.get(("rados", n))
        if not l or not r:
            sys.exit(f"bench-ceph: no result for {n}")
        ml, mr = statistics.median(l), statistics.median(r)
        print(f"{n:<12} {ml:>12.3f} {mr:>12.3f} {ml / mr:>7.3f} {mr / ml:>6.1f}x")
        f.write(f"{n},{num},{reads},{rounds},{ml},{min(l)},{max(l)},{mr},{min(r)},{max(r)},{ml / mr:.4f}\n")
EOF

ldb_say "part writer: $PART_SIZE_TOTAL, local file vs S3 multipart (radosgw) vs the RADOS env"
"$PLINTH_BUILDDIR/bench/ceph_parts" --size="$PART_SIZE_TOTAL" --rounds="$ROUNDS" --dir="$LOCAL" --out="$BENCH_OUT"
"$script" stop "$CLUSTER"
ldb_say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
ldb_say "results: $BENCH_OUT/summary.txt, ceph-leveldb.csv, ceph_parts.csv"
