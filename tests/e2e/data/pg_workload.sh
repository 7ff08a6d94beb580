# A PostgreSQL workload, run natively and under `junction run` by
# proc_postgres_test.sh: initdb, the postmaster (its System V interlock
# segment, forked backends), a psql session (a table of 10k rows, queries,
# a transaction rolled back and one committed), a second connection while
# the first holds a transaction open, and a fast shutdown.
# usage: pg_workload.sh DIR PORT BINDIR SHMTYPE   (as a non-root user:
# postgres refuses root). SHMTYPE: shared_memory_type, mmap (the default:
# a small System V segment as the interlock) or sysv (the buffer pool too).
set -u
dir=$1; port=$2; bin=$3; shm_type=$4
export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres PATH=$bin:$PATH
initdb -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || { echo "initdb failed"; cat "$dir/initdb.log"; exit 1; }
"$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-k $dir -p $port -c listen_addresses= -c fsync=off -c shared_buffers=16MB -c max_connections=10 -c shared_memory_type=$shm_type" start >/dev/null ||
  { echo "start failed"; cat "$dir/server.log"; exit 1; }
psql="psql -X -q -v ON_ERROR_STOP=1 -At"
# The postmaster's System V interlock segment (line 7 of postmaster.pid:
# key and id), listed while it runs and gone after the stop.
read -r shm_key shm_id <<EOF2
$(sed -n 7p "$dir/data/postmaster.pid")
EOF2
shm_listed() { awk -v k="$shm_key" -v i="$shm_id" '$1 == k && $2 == i' /proc/sysvipc/shm | wc -l; }
echo "interlock segment listed: $(shm_listed)"
$psql <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, name text, grp int);
INSERT INTO t SELECT i, 'name-' || i, i % 17 FROM generate_series(1, 10000) i;
SELECT count(*), sum(id), min(name), max(name) FROM t;
SELECT grp, count(*), sum(id) FROM t GROUP BY grp ORDER BY grp;
CREATE INDEX t_grp ON t (grp);
SELECT id, name FROM t WHERE grp = 3 ORDER BY id DESC LIMIT 5;
BEGIN;
DELETE FROM t WHERE id > 5000;
SELECT count(*) FROM t;
ROLLBACK;
SELECT count(*) FROM t;
BEGIN;
UPDATE t SET name = upper(name) WHERE id % 1000 = 0;
COMMIT;
SELECT string_agg(name, ',' ORDER BY id) FROM t WHERE id % 1000 = 0;
SELECT md5(string_agg(id::text || name || grp::text, '|' ORDER BY id)) FROM t;
SQL
# A second connection while the first holds a row lock in an open
# transaction: it sees the committed state, and waits for the lock.
mkfifo "$dir/fifo"
( $psql <"$dir/fifo" >"$dir/first.out" 2>&1 ) &
first=$!
exec 3>"$dir/fifo"
echo "BEGIN; UPDATE t SET name = 'held' WHERE id = 1; SELECT 'first holds the row';" >&3
for _ in $(seq 1 600); do grep -q 'first holds' "$dir/first.out" 2>/dev/null && break; sleep 0.05; done
$psql -c "SELECT name FROM t WHERE id = 1"
$psql -c "SET lock_timeout = '200ms'" -c "UPDATE t SET name = 'second' WHERE id = 1" 2>&1 | sed 's/^psql:[^:]*:[0-9]*: //'
echo "COMMIT;" >&3
exec 3>&-
wait "$first"
cat "$dir/first.out"
$psql -c "SELECT name FROM t WHERE id = 1"
$psql -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
"$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || { echo "stop failed"; exit 1; }
grep -c 'database system is shut down' "$dir/server.log"
echo "interlock segment listed after the stop: $(shm_listed)"
