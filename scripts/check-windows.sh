#!/usr/bin/env bash
# Cross-builds plinth for Windows with mingw-w64 and runs its Check suites
# under Wine.  Usage: scripts/check-windows.sh [BUILD_DIR]
#
#  1. installs mingw-w64, Wine and dpkg-dev (scripts/install-deps.sh windows);
#  2. builds Check for mingw from Debian's `check` source package, static
#     (Check has no fork() there, so suites run in its no-fork mode), once:
#     the result is cached in $PLINTH_CACHE (default ~/.cache/plinth);
#  3. creates a Wine prefix of its own once, and runs Wine under a UTF-8
#     locale whatever the caller's (LC_ALL=C.UTF-8); as root, Wine runs as
#     the unprivileged uid 65534 with a prefix it owns in
#     /var/cache/plinth/wine-65534 (PLINTH_WINE_USER, PLINTH_WINE_HOME),
#     otherwise as the caller with the prefix in the cache;
#  4. configures plinth with --host=x86_64-w64-mingw32 in BUILD_DIR (default
#     /tmp/plinth-windows-build) and runs `make check` there, Automake's
#     LOG_COMPILER running every test program under Wine through
#     scripts/wine-test.sh;
#  5. prints each suite's closing Check line and its skipped cases, and the
#     number of test cases run on Windows against those skipped.
# Exit status: that of `make check`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
srcdir="$(cd "$here/.." && pwd)"
host=x86_64-w64-mingw32
builddir="${1:-${TMPDIR:-/tmp}/plinth-windows-build}"
cache="${PLINTH_CACHE:-${HOME:-/root}/.cache/plinth}"
checkdir="$cache/check-mingw"
jobs="${PLINTH_JOBS:-2}"
# Bump when the way Check is built changes, so cached builds are redone.
recipe="check-mingw-static-c99printf-1"

say() { echo "check-windows: $*" >&2; }

"$here/install-deps.sh" windows

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# --- Check for mingw, from Debian's source package ------------------------
have_deb_src() {
  grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

add_deb_src() {
  # Same archive and keyring as the machine's own Debian entry; only the
  # type differs.
  local codename uri keyring
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  uri="http://deb.debian.org/debian"
  keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    keyring="$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  say "adding a deb-src entry for $codename ($uri)"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
    "$uri" "$codename" "$keyring" | $sudo tee /etc/apt/sources.list.d/plinth-deb-src.sources >/dev/null
}

build_check() {
  local work src
  if ! have_deb_src; then add_deb_src; fi
  # Unreachable third-party sources must not stop Debian's own.
  $sudo apt-get update -qq || true
  work="$cache/check-src"
  rm -rf "$work" "$checkdir"
  mkdir -p "$work"
  (cd "$work" && apt-get source -qq check >/dev/null 2>&1) || {
    say "apt-get source check failed"; (cd "$work" && apt-get source check); exit 1; }
  src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'check-*' | head -n 1)"
  [ -n "$src" ] || { say "no check source tree in $work"; exit 1; }
  say "building $(basename "$src") for $host (static) in $src; log: $cache/check-build.log"
  if ! (cd "$src" &&
    # mingw's C99 printf, so Check's messages print %jd/%ju (msvcrt's
    # printf does not know them).
    ./configure --host="$host" --disable-subunit --enable-static --disable-shared \
      --prefix="$checkdir" CPPFLAGS="-D__USE_MINGW_ANSI_STDIO=1" &&
    make -j"$jobs" -C lib &&
    make -j"$jobs" -C src &&
    make -C src install &&
    # check.h includes the generated check_stdint.h, which `make -C src
    # install` does not install (the top directory's install would).
    install -m 644 check_stdint.h "$checkdir/include/check_stdint.h") >"$cache/check-build.log" 2>&1; then
    tail -n 30 "$cache/check-build.log"
    say "building Check for $host failed"
    exit 1
  fi
  # GCC reads format(printf) as msvcrt's printf on mingw and rejects the
  # %jd in Check's own assertion macros under -Werror; Check was built with
  # the C99 printf above, so tell the compiler so.
  sed -i 's/CK_ATTRIBUTE_FORMAT(printf,/CK_ATTRIBUTE_FORMAT(gnu_printf,/' "$checkdir/include/check.h"
  echo "$recipe" >"$checkdir/recipe"
  rm -rf "$work"
}

# One builder at a time per cache: concurrent runs wait here rather than
# build Check or the Wine prefix over each other.
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9

if [ -f "$checkdir/lib/libcheck.a" ] && [ -f "$checkdir/include/check_stdint.h" ] &&
   [ "$(cat "$checkdir/recipe" 2>/dev/null)" = "$recipe" ]; then
  say "Check for $host: cached in $checkdir"
else
  build_check
fi

# --- Wine ---------------------------------------------------------------------
# Wine turns Windows names into Unix names through the Unix locale's
# character set: under the POSIX locale (env -i, many containers) a CJK name
# has no Unix spelling and the file is "not found".  So the locale is set
# here, whatever the caller's; C.UTF-8 ships with Debian's libc.
utf8_locale() {
  local l
  for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
    if locale -a 2>/dev/null | grep -qix "$l"; then echo "$l"; return; fi
  done
  say "no UTF-8 locale installed (locale -a); non-ASCII names will fail under Wine"
  echo C.UTF-8
}
LC_ALL="$(utf8_locale)"
export LC_ALL
unset LANGUAGE

# Who runs Wine.  Wine keeps the read-only attribute in the Unix permission
# bits, which root ignores: under root, the read-only cases pass without
# testing anything.  So as root the suites run as an unprivileged user,
# uid:gid 65534 (nobody) as in the POSIX suites' read-only cases, with a
# prefix that user owns (Wine refuses one owned by someone else), outside
# /root, which it cannot enter.  scripts/wine-test.sh (PL_TEST_RUNNER) reads
# PLINTH_WINE_USER and PLINTH_WINE_HOME and drops to that user.
if [ "$(id -u)" -eq 0 ]; then
  export PLINTH_WINE_USER="${PLINTH_WINE_USER:-65534:65534}"
  export PLINTH_WINE_HOME="${PLINTH_WINE_HOME:-/var/cache/plinth/wine-${PLINTH_WINE_USER%%:*}}"
  export WINEPREFIX="${PLINTH_WINEPREFIX:-$PLINTH_WINE_HOME/prefix}"
  mkdir -p "$PLINTH_WINE_HOME"
  chown "$PLINTH_WINE_USER" "$PLINTH_WINE_HOME"
  chmod 700 "$PLINTH_WINE_HOME"
  as_wine_user() {
    setpriv --reuid="${PLINTH_WINE_USER%%:*}" --regid="${PLINTH_WINE_USER#*:}" --clear-groups \
      env HOME="$PLINTH_WINE_HOME" "$@"
  }
  wine_who="uid:gid $PLINTH_WINE_USER"
else
  unset PLINTH_WINE_USER
  export WINEPREFIX="${PLINTH_WINEPREFIX:-$cache/wine}"
  as_wine_user() { "$@"; }
  wine_who="$(id -un)"
fi
export WINEDEBUG=-all
# No Mono or Gecko installer prompts (the tests need neither), no menu
# entries.
export WINEDLLOVERRIDES="mscoree,mshtml=,winemenubuilder.exe=d"
# A prefix of our own: the first start builds it (slow), later runs reuse it.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "creating the Wine prefix $WINEPREFIX for $wine_who (first run only)"
  as_wine_user mkdir -p "$WINEPREFIX"
  as_wine_user wineboot -i >/dev/null 2>&1 || as_wine_user wine cmd /c exit >/dev/null 2>&1 || true
  as_wine_user wineserver -w || true
fi
[ -f "$WINEPREFIX/system.reg" ] || { say "could not create the Wine prefix $WINEPREFIX"; exit 1; }
flock -u 9

# --- cross-build and run --------------------------------------------------------
[ -x "$srcdir/configure" ] || (cd "$srcdir" && ./autogen.sh)
mkdir -p "$builddir"
cd "$builddir"
say "configuring plinth for $host in $builddir"
"$srcdir/configure" -q --host="$host" --disable-shared --enable-werror \
  CHECK_CFLAGS="-I$checkdir/include" \
  CHECK_LIBS="-L$checkdir/lib -lcheck" \
  PL_TEST_RUNNER="/bin/sh $srcdir/scripts/wine-test.sh" >/dev/null
status=0
say "running the suites under Wine as $wine_who"
make -s -j"$jobs" check >make-check.out 2>&1 || status=$?
# The prefix's wineserver exits by itself a few seconds after its last
# client; wait for that instead of killing it (another run may share it).
as_wine_user timeout 60 wineserver -w 2>/dev/null || true

# --- report -------------------------------------------------------------------
echo
echo "== plinth on Windows ($host, under $(wine --version 2>/dev/null || echo wine), as $wine_who) =="
run=0
skipped=0
for log in $(find tests -name '*.log' ! -name 'test-suite.log' | sort); do
  line="$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1 || true)"
  n="$(sed -nE 's/^[0-9]+%: Checks: ([0-9]+).*/\1/p' <<<"$line" | tail -n 1)"
  s="$(grep -c '^SKIP ' "$log" || true)"
  run=$((run + ${n:-0}))
  skipped=$((skipped + s))
  printf '%-32s %s\n' "${log%.log}" "${line:-no Check summary (crashed?)}"
  grep -E '^SKIP |:[FE]:' "$log" | sed 's/^/    /' || true
done
echo "test cases run on Windows: $run; skipped: $skipped (each named above with its rule)"
if [ "$status" -ne 0 ]; then
  echo "make check failed (status $status); the end of its output:"
  tail -n 40 make-check.out
  [ -f tests/test-suite.log ] && grep -E '^(FAIL|ERROR)' tests/test-suite.log || true
fi
exit "$status"
