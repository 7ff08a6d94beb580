#!/usr/bin/env bash
# nginx with `master_process on; worker_processes 2;` (host-network mode):
# the master opens the listening socket and forks two workers that accept
# on it, talks to them over socket pairs (SCM_RIGHTS), and stops them on
# SIGQUIT. Run natively and under junction on a free loopback port with
# every file in a temp dir; the transcripts must match.
#
# usage: proc_nginx_test.sh JUNCTION
set -u
JUNCTION=$1
command -v nginx >/dev/null || { echo "SKIP: nginx not installed (scripts/install-deps.sh)"; exit 77; }

. "$(dirname "$0")/../lib/native_compare.sh"
. "$(dirname "$0")/../lib/nginx_site.sh"

master=""
cleanup() {
  [ -n "$master" ] && kill -9 "$master" 2>/dev/null
  [ -n "$master" ] && pkill -9 -P "$master" 2>/dev/null
  return 0
}
trap cleanup EXIT

# scenario RUNNER...: the transcript to compare.
scenario() {
  local dir port
  dir=$(mktemp -d)
  chmod 755 "$dir"  # natively the workers run as nobody
  port=$(free_port)
  nginx_site "$dir" "127.0.0.1:$port"
  "$@" nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/stdout" 2>&1 &
  master=$!
  # Up once it answers, however long a loaded machine takes (no count of
  # tries: the test's timeout bounds a server that never comes up), unless
  # the master has died. The 0.1 s pauses only space the tries.
  local up=""
  while kill -0 "$master" 2>/dev/null; do
    up=$(curl --noproxy '*' -s -m 30 "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$up" ] && break
    sleep 0.1
  done
  echo "GET /: $up"
  local codes="" i
  for i in $(seq 1 20); do
    codes+=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code} ' -m 30 "http://127.0.0.1:$port/")
  done
  echo "20 requests: $codes"
  # The master never accepts: whoever answered is a worker.
  local served_by master_pid
  served_by=$(curl --noproxy '*' -s -m 30 "http://127.0.0.1:$port/pid")
  master_pid=$(cat "$dir/nginx.pid")
  [ -n "$served_by" ] && [ "$served_by" != "$master_pid" ] && echo "served by a worker: yes" || echo "served by a worker: no ($served_by, master $master_pid)"
  # The master forks its workers one after the other: the first may have
  # answered before the second exists. Wait for two (or the master's end).
  local workers
  while workers=$(pgrep -c -P "$master"); [ "$workers" -lt 2 ] && kill -0 "$master" 2>/dev/null; do
    sleep 0.1
  done
  echo "workers: $workers"
  kill -QUIT "$master"
  wait "$master"
  echo "master exit status: $?"
  master=""
  echo "pid file left: $([ -e "$dir/nginx.pid" ] && echo yes || echo no)"
  grep -c '"GET / HTTP/1.1" 200' "$dir/access.log"
  grep -E '\[(emerg|alert|crit)\]' "$dir/error.log"
  rm -rf "$dir"
}

compare_native "$JUNCTION"
