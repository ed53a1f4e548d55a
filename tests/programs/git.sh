#!/bin/sh
# git on the crash harness: git init, then COMMITS commits of one new file
# each (git add, git commit), each noted with its id once git commit
# returned.  Git's default configuration (core.fsync as shipped), or with
# "fsync-all": core.fsync=all, core.fsyncMethod=fsync.
#   git.sh [COMMITS [fsync-all]]
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
sync_opts=
[ "${2:-}" = fsync-all ] && sync_opts="-c core.fsync=all -c core.fsyncMethod=fsync"
# shellcheck disable=SC2086
g() { git -c user.name=plinth -c user.email=plinth@example.org -c init.defaultBranch=main $sync_opts "$@"; }
g init -q repo || exit 1
cd repo || exit 1
n=${1:-2}
i=1
while [ "$i" -le "$n" ]; do
  echo "content $i" > "file$i"
  g add "file$i" || exit 1
  g commit -q -m "commit $i" || exit 1
  echo "commit $(g rev-parse HEAD)" >> "$PLINTH_NOTES"
  i=$((i + 1))
done
