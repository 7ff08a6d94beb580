#!/usr/bin/env bash
# redis-server BGSAVE: the server forks a child that writes the snapshot
# while the parent keeps serving. Run natively and under junction
# (host-network mode, a free loopback port): load keys, BGSAVE, check the
# dump with redis-check-rdb, then start a second server (same runner) on
# the dump and read the keys back. Both transcripts must match.
#
# usage: proc_redis_test.sh JUNCTION
set -u
JUNCTION=$1
for tool in redis-server redis-cli redis-check-rdb; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/install-deps.sh)"; exit 77; }
done

. "$(dirname "$0")/../lib/native_compare.sh"

server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null
  # SIGKILL only if it hangs: `timeout` would leave its child behind.
  for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}

# start_server DIR PORT RUNNER...: redis-server in the foreground of a
# background job, snapshots only on request; polled until it answers (up
# to 60 s: start-up on a loaded machine is slow).
start_server() {
  local dir=$1 port=$2; shift 2
  timeout 120 "$@" redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --dbfilename dump.rdb \
    --save "" --appendonly no --daemonize no --logfile "$dir/redis.log" >/dev/null 2>&1 &
  server_pid=$!
  local deadline=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$server_pid" 2>/dev/null; do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "server did not answer"; return 1
}

# scenario RUNNER...: the transcript to compare.
scenario() {
  local dir port cli
  dir=$(mktemp -d)
  port=$(free_port)
  cli=(redis-cli -p "$port")
  start_server "$dir" "$port" "$@" || { cat "$dir/redis.log"; rm -rf "$dir"; return 1; }
  "${cli[@]}" set greeting hello
  "${cli[@]}" rpush list a b c
  "${cli[@]}" hset h f1 v1 f2 v2
  for i in $(seq 1 200); do echo "SET key:$i value-$i"; done | "${cli[@]}" >/dev/null
  "${cli[@]}" dbsize
  "${cli[@]}" bgsave
  local status="" deadline=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    status=$("${cli[@]}" info persistence | tr -d '\r' | grep -E '^rdb_bgsave_in_progress:0$|^rdb_last_bgsave_status:' | sort | tr '\n' ' ')
    case "$status" in *"in_progress:0"*) break ;; esac
    sleep 0.05
  done
  echo "after bgsave: $status"
  "${cli[@]}" set after-snapshot 1  # served while/after the child saved: not in the dump
  stop_server
  redis-check-rdb "$dir/dump.rdb" | grep -E 'RDB ERROR|Checksum OK|keys read' | sed 's/^\[.*\] //'
  # A second server loads the dump.
  port=$(free_port)
  cli=(redis-cli -p "$port")
  start_server "$dir" "$port" "$@" || { cat "$dir/redis.log"; rm -rf "$dir"; return 1; }
  "${cli[@]}" dbsize
  "${cli[@]}" get greeting
  "${cli[@]}" lrange list 0 -1
  "${cli[@]}" hgetall h
  "${cli[@]}" get key:137
  "${cli[@]}" exists after-snapshot
  stop_server
  rm -rf "$dir"
}
trap stop_server EXIT

compare_native "$JUNCTION"
