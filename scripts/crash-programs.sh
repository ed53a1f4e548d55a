#!/usr/bin/env bash
# make crash-programs: unmodified programs on the crash harness, recorded
# at the system-call level (crash/README.md has the findings).
#
#   - LevelDB on plinth (crash/leveldb_crash) recorded both ways, plinth's
#     env and system calls: the same verdict and minimal lost ops;
#   - stock LevelDB (Debian's libleveldb with its own PosixEnv, no plinth
#     linked: crash/leveldb_stock);
#   - SQLite's shell (sqlite3) in journal_mode=DELETE and WAL, with
#     PRAGMA synchronous=FULL (and DELETE with EXTRA);
#   - git (init, add, commit);
#   - a stdio program (fprintf, fflush, fsync) built dynamically and with
#     gcc -static, correct and careless;
#   - the recording overhead: 100 000 appends of 100 bytes, and stock
#     LevelDB's db_bench fillsync, plain and recorded.
#
# Each run prints its verdict and its minimal lost-op set(s); the script
# fails if a verdict differs from the one documented (a change in the
# recorder or the model shows here), or if something cannot run.
#
# Environment: PLINTH_SRCDIR, PLINTH_BUILDDIR (set by make), JOBS,
# PL_PROGRAMS_ROUNDS (overhead rounds, default 3), PL_PROGRAMS_DB_BENCH=0 to
# skip the db_bench figures (it builds stock db_bench from Debian's LevelDB
# sources, as make bench-leveldb does).
set -uo pipefail
PLINTH_SRCDIR=${PLINTH_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PLINTH_BUILDDIR=${PLINTH_BUILDDIR:-$PWD}
B=$PLINTH_BUILDDIR
P=$PLINTH_SRCDIR/tests/programs
plinth=$B/tools/plinth
work=$B/crash/programs-work
rounds=${PL_PROGRAMS_ROUNDS:-3}
failed=0

say() { printf '\n== %s\n' "$*"; }
problem() { printf 'PROBLEM: %s\n' "$*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 1
for f in "$plinth" "$B/crash/leveldb_crash" "$B/crash/leveldb_stock" "$B/crash/journal" \
    "$B/crash/journal_static" "$B/crash/appends"; do
  [ -x "$f" ] || { echo "crash-programs: $f is missing (make crash-programs builds it)"; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "crash-programs: sqlite3 is missing (scripts/install-deps.sh programs)"; exit 1; }
command -v git >/dev/null || { echo "crash-programs: git is missing (scripts/install-deps.sh programs)"; exit 1; }

# summarize NAME JSON: one line per distinct minimal lost-op set, op
# numbers and handles taken out (they differ between recordings).
summarize() {
  python3 - "$1" "$2" <<'EOF'
import json, re, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
norm = lambda l: re.sub(r'#\d+ ', '', re.sub(r'op \d+ ', '', l))
sets = []
for f in r.get("failure", []):
    s = sorted(norm(l) for l in f["shrunk"]["lost"])
    if s not in sets:
        sets.append(s)
verdict = "caught" if r["failures"] else "passes"
print(f"{name}: {verdict}: {r['ops']} ops, {r['points']} crash points ({r['sampled_points']} sampled), "
      f"{r['generated']} states, {r['checked']} distinct checked, {r['failures']} failing")
for s in sets:
    print("    minimal: " + "; ".join(s))
if r.get("failure"):
    print("    e.g.: " + r["failure"][0]["shrunk"]["message"])
open(path + ".sets", "w").write(json.dumps(sets))
EOF
}

# check NAME EXPECT [crashcheck options] -- PROGRAM...: runs plinth
# crashcheck, prints the summary, checks the verdict (EXPECT: caught or
# passes).
check() {
  local name=$1 expect=$2 rc
  shift 2
  local t0=$SECONDS
  (cd "$work" && "$plinth" crashcheck --quiet --format json --work "$work/$name.work" "$@") \
    >"$work/$name.json" 2>"$work/$name.err"
  rc=$?
  if [ $rc -gt 1 ]; then
    problem "$name: crashcheck failed (exit $rc)"
    cat "$work/$name.err"
    return 1
  fi
  summarize "$name" "$work/$name.json"
  grep -v '^$' "$work/$name.err" | sed 's/^/    /'
  echo "    ($((SECONDS - t0)) s)"
  if { [ "$expect" = caught ] && [ $rc -ne 1 ]; } || { [ "$expect" = passes ] && [ $rc -ne 0 ]; }; then
    problem "$name: expected '$expect'"
  fi
  rm -rf "$work/$name.work"
}

# has_set NAME TEXT: one of NAME's minimal sets is exactly TEXT.
has_set() {
  python3 -c 'import json,sys; sets=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2].split("; ") in sets else 1)' \
    "$work/$1.json.sets" "$2" || problem "$1: no minimal set '$2'"
}

keys=${PL_PROGRAMS_KEYS:-5}
ldb_check="$B/crash/leveldb_crash check"

say "LevelDB on plinth, recorded by plinth's env and at the system-call level ($keys keys, sync=true)"
check leveldb-adapter-env caught --env --sync-points --max-failures 10 --checker "$ldb_check" \
  -- "$B/crash/leveldb_crash" record db "$keys"
check leveldb-adapter-syscalls caught --syscalls --sync-points --max-failures 10 --checker "$ldb_check" \
  -- "$B/crash/leveldb_crash" record db "$keys"
if cmp -s "$work/leveldb-adapter-env.json.sets" "$work/leveldb-adapter-syscalls.json.sets"; then
  echo "differential: the same verdict and the same minimal lost-op sets"
else
  problem "differential: the two recordings of LevelDB on plinth disagree"
fi

say "Stock LevelDB (Debian's libleveldb, its own PosixEnv, no plinth linked)"
if nm -D "$B/crash/leveldb_stock" 2>/dev/null | grep -q ' pl_'; then problem "leveldb_stock links plinth"; fi
check leveldb-stock caught --sync-points --max-failures 10 --checker "$B/crash/leveldb_stock check" \
  -- "$B/crash/leveldb_stock" record db "$keys"
has_set leveldb-stock "lost: rename db/000002.dbtmp -> db/CURRENT"
check leveldb-stock-ext4 passes --sync-points --model ext4-ordered --checker "$B/crash/leveldb_stock check" \
  -- "$B/crash/leveldb_stock" record db "$keys"

say "SQLite's shell, 3 committed rows, after every recorded op"
check sqlite-delete caught --max-failures 10 --checker "$P/sqlite_check.sh" -- "$P/sqlite.sh" delete 3 FULL
has_set sqlite-delete "lost: unlink test.db-journal"
check sqlite-delete-extra passes --max-failures 10 --checker "$P/sqlite_check.sh" -- "$P/sqlite.sh" delete 3 EXTRA
# The -shm file (the WAL index) is rebuilt from the WAL by the first
# connection after a crash: left out, it only multiplies the states.
check sqlite-wal passes --exclude '*-shm' --max-failures 10 --checker "$P/sqlite_check.sh" -- "$P/sqlite.sh" wal 3 FULL

say "git (init, add, commit; Debian's default configuration)"
check git caught --sync-points --samples 16 --max-failures 1 --checker "$P/git_check.sh" -- "$P/git.sh" 2
has_set git "lost: rename repo/.git/refs/heads/main.lock -> repo/.git/refs/heads/main"

say "A stdio program (fprintf, fflush, fsync), dynamic and static"
if readelf -d "$B/crash/journal_static" 2>/dev/null | grep -q NEEDED; then problem "crash/journal_static is not static"; fi
for kind in journal journal_static; do
  check "$kind" passes --checker "$B/crash/$kind check" -- "$B/crash/$kind" record 4
  check "$kind-careless" caught --checker "$B/crash/$kind check" -- "$B/crash/$kind" record 4 careless
  has_set "$kind-careless" "lost: create journal.txt"
  (cd "$work" && "$plinth" crashcheck --record-only --record "$work/$kind.plt" -- "$B/crash/$kind" record 4 >/dev/null &&
    "$plinth" crashcheck --dump --trace "$work/$kind.plt" >"$work/$kind.dump") || problem "$kind: cannot record"
done
if cmp -s "$work/journal.dump" "$work/journal_static.dump"; then
  echo "the static and the dynamic build leave the same trace ($(grep -c . "$work/journal.dump") ops)"
else
  problem "the static and the dynamic build leave different traces"
  diff "$work/journal.dump" "$work/journal_static.dump" | head -20
fi

# time_run DIR CMD...: seconds (3 decimals) CMD took, run in a fresh DIR.
time_run() {
  local dir=$1 t0 t1
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  t0=$(date +%s.%N)
  (cd "$dir" && "$@" >/dev/null 2>&1) || { echo "FAILED"; return; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

# overhead NAME CMD...: plain and recorded, alternating, $rounds rounds.
overhead() {
  local name=$1 r plain=() rec=() a b
  shift
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
      a=$(time_run "$work/plain" "$@")
      b=$(time_run "$work/rec" "$plinth" crashcheck --record-only --syscalls -- "$@")
    else
      b=$(time_run "$work/rec" "$plinth" crashcheck --record-only --syscalls -- "$@")
      a=$(time_run "$work/plain" "$@")
    fi
    [ "$a" = FAILED ] || [ "$b" = FAILED ] && { problem "$name: a run failed"; return; }
    plain+=("$a")
    rec+=("$b")
  done
  python3 - "$name" "${plain[*]}" "${rec[*]}" <<'EOF'
import statistics, sys
name, p, r = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
mp, mr = statistics.median(p), statistics.median(r)
print(f"{name:<34} plain {mp:8.3f} s   recorded {mr:8.3f} s   slowdown x{mr / mp:.1f}   "
      f"(median of {len(p)}, alternating; plain {' '.join(f'{x:.3f}' for x in p)}; recorded {' '.join(f'{x:.3f}' for x in r)})")
EOF
}

say "Recording overhead (plain vs recorded at the system-call level)"
overhead "appends: 100000 x 100 B write(2)" "$B/crash/appends" 100000 100
if [ "${PL_PROGRAMS_DB_BENCH:-1}" != 0 ]; then
  db_bench=$(
    # shellcheck disable=SC2034 # read by leveldb-common.sh
    LDB_NAME=crash-programs
    # shellcheck source=scripts/leveldb-common.sh
    . "$PLINTH_SRCDIR/scripts/leveldb-common.sh"
    { ldb_fetch_source && ldb_prepare_tree && ldb_build_db_bench; } >>"$work/db_bench.log" 2>&1 && echo "$LDB_DB_BENCH"
  )
  if [ -n "$db_bench" ] && [ -x "$db_bench" ]; then
    # fillsync divides --num by 1000: --num=2000 is 2 synced writes, so
    # --num=300000 (300 of them) is measured too.
    overhead "db_bench fillsync --num=2000" "$db_bench" --benchmarks=fillsync --num=2000 --db=db
    overhead "db_bench fillsync --num=300000" "$db_bench" --benchmarks=fillsync --num=300000 --db=db
    overhead "db_bench fillseq --num=100000" "$db_bench" --benchmarks=fillseq --num=100000 --db=db
  else
    problem "stock db_bench could not be built (see $work/db_bench.log)"
  fi
fi

say "crash-programs: $([ $failed -eq 0 ] && echo "every verdict as documented" || echo "PROBLEMS above")"
exit $failed
