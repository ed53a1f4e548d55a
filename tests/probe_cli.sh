#!/bin/sh
# plinth probe exits 1 with one line on stderr (and nothing on stdout) when
# no method can run in DIR -- DIR is a regular file, a directory it may not
# write, or a file system that will not grow the scratch file (RLIMIT_FSIZE,
# as a full disk would) -- and measures and exits 0 in a writable directory.
plinth=$(pwd)/tools/plinth
if [ ! -x "$plinth" ]; then
  echo "$plinth is missing"
  exit 99
fi
work=${TMPDIR:-/tmp}/probe_cli_test.$$
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"
fail=0

# refused DESCRIPTION DIR COMMAND...: COMMAND (a plinth probe of DIR) must
# exit 1, print exactly one line on stderr naming DIR, and nothing on stdout.
refused() {
  desc=$1
  dir=$2
  shift 2
  "$@" > "$work/out" 2> "$work/err"
  got=$?
  lines=$(wc -l < "$work/err")
  if [ "$got" -ne 1 ] || [ "$lines" -ne 1 ] || [ -s "$work/out" ] ||
     ! grep -qF "$dir" "$work/err"; then
    echo "FAIL: probe of $desc exited $got with $lines line(s) on stderr, expected 1 and 1 line naming $dir"
    echo "--- stdout"; cat "$work/out"; echo "--- stderr"; cat "$work/err"
    fail=1
  else
    echo "ok: probe of $desc -> $got: $(cat "$work/err")"
  fi
}

probe="$plinth probe --seconds 0.02"

: > "$work/a-file"
refused "a regular file" "$work/a-file" $probe "$work/a-file"

refused "a missing directory" "$work/missing" $probe "$work/missing"

# RLIMIT_FSIZE of a few KiB: the 8 KiB scratch file cannot be written, the
# one-line message still can.  SIGXFSZ ignored, so the write fails (EFBIG)
# instead of killing the process.
mkdir "$work/full"
refused "a directory where files cannot grow" "$work/full" \
  sh -c 'trap "" XFSZ; ulimit -f 4 && exec "$@"' sh $probe "$work/full"

# Root writes anywhere: the read-only case is run as an unprivileged user.
mkdir "$work/ro"
chmod 555 "$work/ro"
if [ "$(id -u)" -ne 0 ]; then
  refused "a read-only directory" "$work/ro" $probe "$work/ro"
elif command -v setpriv > /dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups $plinth probe --help > /dev/null 2>&1; then
  refused "a read-only directory (as uid 65534)" "$work/ro" \
    setpriv --reuid=65534 --regid=65534 --clear-groups $probe "$work/ro"
else
  echo "SKIP: read-only directory: running as root, and uid 65534 cannot run $plinth (no setpriv, or a private build directory)"
fi

mkdir "$work/ok"
if $probe "$work/ok" > "$work/out" 2> "$work/err" && grep -q '^directory fsync: ' "$work/out" &&
   [ -z "$(ls -A "$work/ok")" ]; then
  echo "ok: probe of a writable directory -> 0, scratch file removed"
else
  echo "FAIL: probe of a writable directory"; cat "$work/out" "$work/err"; fail=1
fi

"$plinth" probe > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: probe without DIR did not exit 2"; fail=1; }

# Numbers: digits (and for seconds up to three decimals) only, in range;
# "nan" once hung the probe and "1e300" exited 0 having run nothing.
for bad in "--seconds nan" "--seconds 1e300" "--seconds -1" "--seconds 0" "--seconds 5." \
           "--seconds inf" "--block -512" "--block 0" "--block 12abc" "--block 99999999999999999999"; do
  # shellcheck disable=SC2086
  "$plinth" probe $bad "$work/ok" > /dev/null 2> "$work/err"
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q "wants" "$work/err"; then
    echo "FAIL: probe $bad exited $rc"; cat "$work/err"; fail=1
  else
    echo "ok: probe $bad -> 2 ($(cat "$work/err"))"
  fi
done

# A file size limit the scratch file fits under but appends outgrow: the
# probe still measures (exit 0), and the append method says why it stopped.
mkdir "$work/limit"
if sh -c 'trap "" XFSZ; ulimit -f 16 && exec "$@"' sh $probe --block 4096 "$work/limit" > "$work/out" 2> "$work/err" &&
   grep -q "^plinth append + sync .*stopped: IOError: .*plinth-probe.tmp" "$work/out" &&
   grep -q "(block 4096 bytes" "$work/out"; then
  echo "ok: probe under a file size limit -> 0, appends stopped and said why"
else
  echo "FAIL: probe under a file size limit"; cat "$work/out" "$work/err"; fail=1
fi

# More than 3 decimals, or more than 9 digits of seconds, are refused too.
for bad in "--seconds 1.2345" "--seconds 1234567890"; do
  # shellcheck disable=SC2086
  "$plinth" probe $bad "$work/ok" > /dev/null 2> "$work/err"
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q "wants seconds from" "$work/err"; then
    echo "FAIL: probe $bad exited $rc"; cat "$work/err"; fail=1
  else
    echo "ok: probe $bad -> 2"
  fi
done

# Usage: an unknown option, and a second DIR, are refused before anything
# is measured.
"$plinth" probe --bogus "$work/ok" > /dev/null 2> "$work/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "unknown or incomplete option '--bogus'" "$work/err"; then
  echo "FAIL: probe --bogus exited $rc"; cat "$work/err"; fail=1
else
  echo "ok: probe --bogus -> 2"
fi
"$plinth" probe "$work/ok" "$work/ro" > /dev/null 2> "$work/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -qF "one DIR at most ('$work/ok' and '$work/ro')" "$work/err"; then
  echo "FAIL: probe of two DIRs exited $rc"; cat "$work/err"; fail=1
else
  echo "ok: probe of two DIRs -> 2"
fi

chmod 755 "$work/ro"
rm -rf "$work"
exit $fail
