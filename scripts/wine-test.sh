#!/bin/sh
# Runs one Windows test program under Wine: the PL_TEST_RUNNER of the build
# scripts/check-windows.sh configures.  Usage: wine-test.sh PROGRAM [ARGS...]
#
# Without PLINTH_WINE_USER it is plain `wine PROGRAM ARGS`.  With it
# (check-windows.sh sets it when run as root), Wine runs as that
# unprivileged uid:gid, HOME=$PLINTH_WINE_HOME and the WINEPREFIX it owns:
# root ignores the permission bits in which Wine keeps the read-only
# attribute.  The program is copied first into a fresh directory of that
# user's, and runs there, so a build directory the user cannot enter (a
# clone under /root) does not matter and nothing is left behind.
set -eu
[ -n "${PLINTH_WINE_USER:-}" ] || exec wine "$@"
prog=$1
shift
uid=${PLINTH_WINE_USER%%:*}
gid=${PLINTH_WINE_USER#*:}
run=$(mktemp -d "$PLINTH_WINE_HOME/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
cp "$prog" "$run/"
chown -R "$uid:$gid" "$run"
cd "$run"
status=0
setpriv --reuid="$uid" --regid="$gid" --clear-groups \
  env HOME="$PLINTH_WINE_HOME" wine "./$(basename "$prog")" "$@" || status=$?
exit "$status"
