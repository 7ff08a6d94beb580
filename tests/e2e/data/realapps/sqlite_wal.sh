# sqlite3 in WAL mode from concurrent processes: the -shm file mapped
# shared, fcntl locks, busy waits, a writer locked out.
dir=$(mktemp -d); cd "$dir" || exit 1
sqlite3 db 'PRAGMA journal_mode=WAL; CREATE TABLE t(w INTEGER, i INTEGER);'
# Four writers at once: WAL's -shm mapping shared between processes and
# its fcntl locks; busy_timeout waits for the write lock.
for w in 1 2 3 4; do
  (for i in $(seq 50); do echo "INSERT INTO t VALUES($w, $i);"; done | sqlite3 -cmd '.timeout 20000' db) &
done
# A reader while they write.
sqlite3 -cmd '.timeout 20000' db 'SELECT count(*) >= 0 FROM t;'
wait
sqlite3 db 'SELECT w, count(*), sum(i) FROM t GROUP BY w ORDER BY w;'
sqlite3 db 'PRAGMA wal_checkpoint(TRUNCATE);' | cut -d'|' -f1
sqlite3 db 'PRAGMA integrity_check;'
# A long transaction holding the write lock: another writer gets SQLITE_BUSY at once.
# The holder says (FIFO held) when it has the lock, and commits when told
# (FIFO release), after the other writer is done.
mkfifo held release
(echo 'BEGIN IMMEDIATE; INSERT INTO t VALUES(9,9);'; echo '.system echo > held'; read -r _ < release
 echo 'COMMIT;') | sqlite3 db &
read -r _ < held
sqlite3 db 'INSERT INTO t VALUES(8,8);' 2>&1 | sed 's/^Error: .*database is locked.*/locked/' | sed 's/^Parse error.*locked.*/locked/'
echo > release
wait
sqlite3 db 'SELECT count(*) FROM t;'
sqlite3 db 'PRAGMA journal_mode=DELETE;'
cd / && rm -rf "$dir"
