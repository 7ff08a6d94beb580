#!/usr/bin/env bash
# Network figures for docs/performance.md (not a pass/fail test): UDP and
# TCP round trips (1 B and 1 KiB) and a TCP stream, the same program
# (net_rtt.c) run three ways in a network namespace this script creates:
#   linux      both ends native, over Linux loopback (127.0.0.1)
#   host->ctr  a native client to a server in a bypass container, through
#              the daemon's TAP port
#   ctr->ctr   both ends in bypass containers, switched by the daemon
# usage: [CORES='[1]'] net_perf.sh JUNCTION NET_RTT [polling: adaptive|busy] [N]
# (busy polling spins the daemon on the other vCPU: on a loaded 2-vCPU
# machine that starves everything else, including this script's shell.)
set -u
junction=$(realpath "$1")
rtt=$(realpath "$2")
polling=${3:-adaptive}
n=${4:-2000}
. "$(dirname "$0")/netns_lib.sh" perf
host=10.99.0.1
bypass_app server 10.99.0.2
bypass_app client 10.99.0.3

run_set() {  # $1: label, $2: server ip, then the client command prefix
  local label=$1 ip=$2
  shift 2
  for size in 1 1024; do
    echo "$label $("$@" "$rtt" udp "$ip" 7007 $size "$n")"
    echo "$label $("$@" "$rtt" tcp "$ip" 7008 $size "$n")"
  done
  echo "$label $("$@" "$rtt" stream "$ip" 7008 64)"
}

# Linux loopback, both ends native.
ip netns exec "$ns" "$rtt" server 7007 7008 & pids+=($!)
sleep 0.3
run_set linux 127.0.0.1 in_ns

# Through the daemon.
start_tap_daemon "$tmp/daemon.log" $host --set "cores=${CORES:-[1]}" --set polling="$polling" ||
  fail "the daemon exited at start"
"$junction" run "$tmp/server.toml" -- "$rtt" server 7007 7008 & pids+=($!)
sleep 1.5
in_ns ping -c 3 -W 2 10.99.0.2 >/dev/null || { echo "server container unreachable"; cat "$tmp/daemon.log"; exit 1; }
run_set host-ctr 10.99.0.2 in_ns
run_set ctr-ctr 10.99.0.2 "$junction" run "$tmp/client.toml" --
