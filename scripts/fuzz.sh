#!/usr/bin/env bash
# make fuzz: builds plinth with clang, libFuzzer, ASan and UBSan, and runs
# each fuzz target for a while on a copy of its seed corpus (fuzz/corpus).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 30 s, every target
#
# Targets: trace_reader, trace_reader_repaired (checksums fixed before
# parsing), state_id, model (model, states and materializing on fuzzed
# traces), compress_reader and compress_reader_repaired (the compressed
# stream's reader; built when the clang build found libzstd), log_reader and
# log_reader_repaired (the record log's segment parser, every recovery
# mode).  Prints each target's executions and exits non-zero on a
# finding, leaving the crashing input in build/fuzz/findings/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(trace_reader trace_reader_repaired state_id model compress_reader compress_reader_repaired log_reader log_reader_repaired)

scripts/install-deps.sh fuzz || { echo "fuzz: installing clang failed"; exit 1; }
src=${PLINTH_SOURCE_COPY:-$top}
[ -x "$src/configure" ] || (cd "$src" && ./autogen.sh >/dev/null 2>&1) || { echo "fuzz: autogen failed"; exit 1; }

out=${PLINTH_FUZZ_BUILD:-$top/build/fuzz}
san="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
mkdir -p "$out"
if [ ! -f "$out/Makefile" ]; then
  (cd "$out" && "$src/configure" CC=clang CXX=clang++ --disable-shared \
      CFLAGS="$san -fsanitize=fuzzer-no-link" >configure.out 2>&1) ||
    { tail -n 20 "$out/configure.out"; exit 1; }
fi
make -C "$out" -j"$(nproc 2>/dev/null || echo 2)" libplinth_core.la >"$out/make.out" 2>&1 ||
  { tail -n 30 "$out/make.out"; exit 1; }

# What a static link of plinth needs (configure's LIBS: -lzstd when found).
libs=$(sed -n 's/^LIBS = //p' "$out/Makefile")
have_zstd=no
grep -q '^#define HAVE_ZSTD 1' "$out/config.h" && have_zstd=yes

build() { # name source [extra flags]
  # shellcheck disable=SC2086 # $libs is a list of flags
  clang $san -fsanitize=fuzzer -I"$out" -I"$top" -I"$top/include" "${@:3}" -o "$out/$1" \
    "$top/fuzz/$2" "$top/fuzz/fuzz_util.c" "$out/.libs/libplinth_core.a" $libs -lpthread
}

rc=0
mkdir -p "$out/findings"
for t in "${targets[@]}"; do
  case "$t" in
    trace_reader) build "$t" trace_reader_fuzz.c; seeds=trace ;;
    trace_reader_repaired) build "$t" trace_reader_fuzz.c -DFUZZ_REPAIR_CRCS; seeds=trace ;;
    state_id) build "$t" state_id_fuzz.c; seeds=state_id ;;
    model) build "$t" model_fuzz.c; seeds=trace ;;
    log_reader) build "$t" log_reader_fuzz.c; seeds=log ;;
    log_reader_repaired) build "$t" log_reader_fuzz.c -DFUZZ_REPAIR_CRCS; seeds=log ;;
    compress_reader|compress_reader_repaired)
      if [ "$have_zstd" != yes ]; then
        printf '  %-24s skipped: this build has no zstd\n' "$t"
        continue
      fi
      if [ "$t" = compress_reader ]; then build "$t" compress_reader_fuzz.c
      else build "$t" compress_reader_fuzz.c -DFUZZ_REPAIR_CRCS; fi
      seeds=compressed ;;
    *) echo "fuzz: unknown target $t"; exit 2 ;;
  esac || { echo "fuzz: building $t failed"; rc=1; continue; }
  corpus=$out/corpus/$t
  mkdir -p "$corpus"
  cp -n "$top/fuzz/corpus/$seeds"/* "$corpus/" 2>/dev/null
  # -timeout: a state explored for more than 10 s is a finding (a hang).
  # Scratch files on tmpfs where there is one: every execution writes one.
  tmp=$out/tmp-$t
  [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm/plinth-fuzz-$$-$t
  mkdir -p "$tmp"
  TEST_TMPDIR=$tmp "$out/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/findings/$t-" "$corpus" >"$out/$t.log" 2>&1
  status=$?
  rm -rf "$tmp"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -n 1)
  if [ $status -eq 0 ]; then
    printf '  %-24s %10s execs in %s s, %s, corpus %s inputs: no finding\n' "$t" "${execs:-?}" "$seconds" \
      "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)"
  else
    printf '  %-24s FINDING after %s execs (log: %s)\n' "$t" "${execs:-?}" "$out/$t.log"
    grep -E 'ERROR|SUMMARY|Test unit written' "$out/$t.log" | head -n 5 | sed 's/^/    /'
    rc=1
  fi
done
exit $rc
