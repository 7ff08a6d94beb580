#!/usr/bin/env bash
# Servers in a bypass container, through `junction daemon` (TAP port) in a
# network namespace this test creates and always deletes; the clients run
# on the host side of the TAP. One CASE per run:
#   epoll_claim  progs/epoll_claim_parked.py: epoll on a connection a fork
#                shared, with the client's request parked for it, answers
#                (the poll's claim woke that epoll instance under its own lock)
#   gunicorn, gunicorn_gthread, memcached, lighttpd, haproxy
#                the scenario of tests/e2e/data/servers/ (see server_lib.sh)
#                with the server in the container (two cores) and its
#                clients (and haproxy's backends) on the host side, against
#                the same scenario natively on loopback: same transcript
# usage: net_servers_test.sh CASE JUNCTION
set -u
case_=$1
junction=$(realpath "$2")
progs=$(dirname "$(realpath "$0")")/progs
servers=$(dirname "$(realpath "$0")")/../e2e/data/servers
case $case_ in
  epoll_claim) ;;
  gunicorn|gunicorn_gthread|memcached|lighttpd|haproxy)
    server=${case_%_gthread}
    [ "$case_" = gunicorn_gthread ] && worker_class=gthread
    PATH=$PATH:/usr/sbin
    command -v "$server" >/dev/null || { echo "SKIP: $server not installed (scripts/install-deps.sh)"; exit 77; }
    command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
    ;;
  *) echo "unknown case $case_"; exit 2 ;;
esac

. "$(dirname "$0")/netns_lib.sh" servers
net=10.99.8
host=$net.1
srv=$net.2
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app server $srv 2
start() {  # the command, in the container; its output in $tmp/server.out
  "$junction" run "$tmp/server.toml" -- "$@" >"$tmp/server.out" 2>&1 &
  server=$!
  pids+=("$server")
}

case $case_ in
epoll_claim)
  start python3 "$progs/epoll_claim_parked.py" server 8080
  wait_for "$tmp/server.out" listening "the server"
  in_ns timeout 30 python3 "$progs/epoll_claim_parked.py" client $srv 8080 >"$tmp/client.out" 2>&1 ||
    fail "the client exited $?"
  wait_until process_gone "$server" || fail "the server did not finish"
  cat "$tmp/server.out" "$tmp/client.out"
  expected=$'listening\nepoll: [(True, True)]\nrequest: ping\nchild gone\nreply: pong'
  [ "$(cat "$tmp/server.out" "$tmp/client.out")" = "$expected" ] || fail "unexpected transcript"
  ;;
*)
  . "$servers/$server.sh"
  native=$(scenario 2>&1) || { echo "$native"; fail "the native run failed"; }
  addr=$srv bind=0.0.0.0 backend_addr=$host client=(ip netns exec "$ns")
  junction=$(scenario "$junction" run "$tmp/server.toml" -- 2>&1) || { echo "$junction"; fail "the junction run failed"; }
  if [ "$native" != "$junction" ]; then
    diff <(echo "$native") <(echo "$junction")
    fail "transcripts differ"
  fi
  echo "$junction"
  ;;
esac
echo PASS
