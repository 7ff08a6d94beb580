#!/usr/bin/env bash
# tar cf / tar xf round trip of a directory under junction, then sha256sum
# of every file, compared with the same steps natively; and sqlite3
# creating, filling (10k rows) and querying a database file.
# usage: fs_archive_test.sh JUNCTION APP_TOML DATA_DIR
set -u
junction=$(realpath "$1"); app=$(realpath "$2"); data=$(realpath "$3")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$tmp/src/sub/deeper"
cp "$data/words.txt" "$tmp/src/"
seq 1 20000 >"$tmp/src/sub/numbers"
ln -s ../words.txt "$tmp/src/sub/link"
printf 'x' >"$tmp/src/sub/deeper/tiny"
run() { "$junction" run "$app" -- "$@"; }
fail=0
cd "$tmp"
run tar cf j.tar src || fail=1
mkdir jx && run tar xf j.tar -C jx || fail=1
tar cf n.tar src && mkdir nx && tar xf n.tar -C nx
(cd jx && run sha256sum src/words.txt src/sub/numbers src/sub/link src/sub/deeper/tiny) >j.sum || fail=1
(cd nx && sha256sum src/words.txt src/sub/numbers src/sub/link src/sub/deeper/tiny) >n.sum
cmp -s j.sum n.sum || { echo "tar round trip differs"; diff n.sum j.sum; fail=1; }
[ "$(readlink jx/src/sub/link)" = ../words.txt ] || { echo "symlink lost"; fail=1; }
if ! command -v sqlite3 >/dev/null; then
  echo "sqlite3 missing (scripts/install-deps.sh installs it)"; fail=1
else
  sql="create table t(a integer primary key, b text);
       with recursive c(x) as (select 1 union all select x+1 from c where x<10000)
       insert into t select x, 'row' || x from c;
       select count(*), sum(a), max(b) from t where a % 7 = 0;"
  j=$(run sqlite3 j.db "$sql") || fail=1
  n=$(sqlite3 n.db "$sql")
  [ "$j" = "$n" ] || { echo "sqlite differs: native '$n', junction '$j'"; fail=1; }
  j=$(run sqlite3 j.db "select count(*) from t;")
  [ "$j" = 10000 ] || { echo "sqlite reopen: '$j'"; fail=1; }
fi
[ $fail = 0 ] && echo "archive and database round trips match"
exit $fail
