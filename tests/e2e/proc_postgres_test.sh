#!/usr/bin/env bash
# PostgreSQL natively and under `junction run` (tests/e2e/data/pg_workload.sh:
# initdb, the postmaster with its System V interlock segment and forked
# backends, a psql workload with a second concurrent connection, a fast
# shutdown); the transcripts must match, and no server process may be
# left; with the shared memory in anonymous memory (Linux's default) and
# in a System V segment. Runs as a non-root user (postgres refuses root): the caller, or
# the `postgres` user when run as root.
#
# usage: proc_postgres_test.sh JUNCTION
set -u
JUNCTION=$1
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/postgres" ] || { echo "SKIP: postgresql not installed (scripts/install-deps.sh)"; exit 77; }
command -v psql >/dev/null || { echo "SKIP: psql not installed"; exit 77; }
as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "SKIP: running as root and no postgres user"; exit 77; }
  as=(runuser -u postgres --)
fi
workload=$(cd "$(dirname "$0")" && pwd)/data/pg_workload.sh
. "$(dirname "$0")/../lib/native_compare.sh"

top=$(mktemp -d)
chmod 755 "$top"
cleanup() {
  # A server left running (a failed run) must not outlive the test.
  pkill -KILL -f "$top/" 2>/dev/null
  rm -rf "$top"
}
trap cleanup EXIT

# scenario RUNNER...: one run in a fresh directory; also fails if a process
# of it is left once it returned.
scenario() {
  local dir
  dir=$(mktemp -d "$top/run.XXXXXX")  # compare_native runs each in a subshell
  chmod 755 "$dir"
  [ "${#as[@]}" = 0 ] || chown postgres "$dir"
  timeout 60 "${as[@]}" "$@" sh "$workload" "$dir" "$(free_port)" "$bin" "$shm_type" || return 1
  if pgrep -f "$dir/data" >/dev/null; then
    echo "processes left:"; pgrep -af "$dir/data"; return 1
  fi
}
# The default (mmap shared memory, a System V interlock segment), then
# the whole shared memory in a System V segment.
for shm_type in mmap sysv; do
  echo "== shared_memory_type=$shm_type"
  compare_native "$JUNCTION"
done
