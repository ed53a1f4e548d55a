#!/bin/sh
# SQLite's own shell (Debian's sqlite3) on the crash harness: a table in
# test.db, then ROWS transactions with PRAGMA synchronous=SYNC (FULL by
# default), each noted once sqlite3 returned.
#   sqlite.sh MODE [ROWS [SYNC]]     MODE: delete or wal (journal_mode)
mode=$1
rows=${2:-3}
sync=${3:-FULL}
sqlite3 test.db "PRAGMA journal_mode=$mode; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);" >/dev/null || exit 1
echo "created" >> "$PLINTH_NOTES"
i=1
while [ "$i" -le "$rows" ]; do
  sqlite3 test.db "PRAGMA synchronous=$sync; INSERT INTO t VALUES($i, 'value $i');" || exit 1
  echo "row $i committed" >> "$PLINTH_NOTES"
  i=$((i + 1))
done
