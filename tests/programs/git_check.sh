#!/bin/sh
# DIR NOTES: DIR/repo passes git fsck and every noted commit is in HEAD's
# history.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
n=$(grep -c '^commit ' "$2")
# Nothing noted yet: whatever git init left is fine.
[ "$n" -eq 0 ] && exit 0
if [ ! -d "$1/repo/.git" ]; then
  echo "the repository is gone after $n noted commit(s)"
  exit 1
fi
cd "$1/repo" || exit 1
out=$(git fsck --no-progress 2>&1) || { echo "git fsck: $(echo "$out" | grep -v '^dangling' | head -n 1)"; exit 1; }
for c in $(sed -n 's/^commit //p' "$2"); do
  git merge-base --is-ancestor "$c" HEAD 2>/dev/null || { echo "commit $c was noted but is not in HEAD's history"; exit 1; }
done
exit 0
