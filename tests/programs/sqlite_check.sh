#!/bin/sh
# DIR NOTES: test.db passes PRAGMA integrity_check and holds every row
# noted as committed (a test.db that never got its table may be empty).
dir=$1 notes=$2
if [ ! -f "$dir/test.db" ]; then
  grep -q '^created' "$notes" && { echo "test.db is missing after the table was created"; exit 1; }
  exit 0
fi
r=$(cd "$dir" && sqlite3 test.db "PRAGMA integrity_check;" 2>&1)
[ "$r" = ok ] || { echo "integrity_check: $r"; exit 1; }
for i in $(sed -n 's/^row \([0-9]*\) committed$/\1/p' "$notes"); do
  v=$(cd "$dir" && sqlite3 test.db "SELECT v FROM t WHERE k=$i;" 2>&1)
  [ "$v" = "value $i" ] || { echo "row $i was committed but is missing (${v:-no such row})"; exit 1; }
done
exit 0
