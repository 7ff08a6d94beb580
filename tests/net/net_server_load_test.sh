#!/usr/bin/env bash
# Servers under concurrent load in a bypass container (TAP daemon in a
# network namespace this test creates and always deletes), clients in the
# namespace. One CASE per run (each a ctest of its own, label net):
#   storm  a python asyncio HTTP server that closes every connection first
#          (HTTP/1.0), 5000 requests from `ab -c 16`: more connections in
#          TIME-WAIT than the stack's connection limit (4096), and clients
#          reusing ports the server holds in TIME-WAIT. Every request must
#          succeed with almost no SYN retransmitted: the old stack dropped
#          every SYN past 4096 until TIME-WAIT expired (60 s), and answered
#          a reused port with a challenge ACK (reset, 1 s SYN timeout).
#   nginx  nginx (master + 2 workers) serving 1 B, 64 KiB and 4 MiB files to
#          `ab -c 32` with and without keep-alive and to parallel curls,
#          bodies checked by sha256; a clean SIGQUIT.
# usage: net_server_load_test.sh CASE JUNCTION
set -u
case_=$1
junction=$(realpath "$2")
need() { command -v "$1" >/dev/null || { echo "SKIP: no $1 ($2)"; exit 77; }; }
need ab "apache2-utils; scripts/install-deps.sh"
case $case_ in
  storm) ;;
  nginx) need nginx nginx-light ;;
  *) echo "unknown case $case_"; exit 2 ;;
esac

. "$(dirname "$0")/netns_lib.sh" load
net=10.97.0
host=$net.1
srv=$net.2
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app server $srv
start() {  # $1: name (log $tmp/$1.out), then the command
  local name=$1
  shift
  "$junction" run "$tmp/$name.toml" -- "$@" >"$tmp/$name.out" 2>&1 &
  pids+=("$!")
}
# up URL: the server answers (curl from the namespace), in the bounded wait.
answers() { in_ns curl -s -o /dev/null -m 5 "$1"; }
# ab_ok LOG N: ab completed N requests, none failed, all 2xx.
ab_ok() {
  grep -q "^Complete requests: *$2\$" "$1" || fail "ab: not $2 requests complete ($1)"
  grep -q "^Failed requests: *0\$" "$1" || fail "ab: failed requests ($1)"
  ! grep -q "^Non-2xx responses" "$1" || fail "ab: non-2xx responses ($1)"
}
syn_retrans() { in_ns nstat -az TcpExtTCPSynRetrans | awk '/TcpExtTCPSynRetrans/ {print $2}'; }

case $case_ in
storm)
  cat >"$tmp/server.py" <<'PY'
import asyncio, sys
async def handle(r, w):
    try:
        while (await r.readline()) not in (b"\r\n", b"\n", b""):
            pass
        w.write(b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + b"x" * 100)
        await w.drain()
    except ConnectionError:
        pass
    finally:
        w.close()
async def main():
    s = await asyncio.start_server(handle, "0.0.0.0", 8080, backlog=256)
    print("listening", flush=True)
    async with s:
        await s.serve_forever()
asyncio.run(main())
PY
  start server python3 "$tmp/server.py"
  wait_for "$tmp/server.out" listening "the python server"
  wait_until answers "http://$srv:8080/" || fail "the server does not answer"
  before=$(syn_retrans)
  in_ns ab -s 120 -n 5000 -c 16 "http://$srv:8080/" >"$tmp/ab.out" 2>&1
  grep -E "^(Complete|Failed) requests|^Requests per second" "$tmp/ab.out"
  ab_ok "$tmp/ab.out" 5000
  retrans=$(($(syn_retrans) - before))
  echo "SYNs retransmitted: $retrans"
  # 0 unless the container went without a core for a whole second; the old
  # stack needed one for each of the ~900 connections past the limit.
  [ "$retrans" -lt 100 ] || fail "$retrans SYNs retransmitted: SYNs dropped or refused"
  ;;
nginx)
  . "$(dirname "$0")/../lib/nginx_site.sh"
  site=$tmp/site
  nginx_site "$site" 8080
  chmod 755 "$tmp" "$site"
  head -c 1 /dev/urandom >"$site/www/f1"
  head -c 65536 /dev/urandom >"$site/www/f64k"
  head -c 4194304 /dev/urandom >"$site/www/f4m"
  chmod 644 "$site/www/"*
  sed -i 's/worker_connections 64;/worker_connections 256;/; s|access_log .*;|access_log off;|' "$site/nginx.conf"
  start server nginx -c "$site/nginx.conf" -p "$site"
  master=${pids[-1]}
  wait_until answers "http://$srv:8080/f1" || fail "nginx does not answer"
  in_ns ab -s 60 -n 2000 -c 32 "http://$srv:8080/f1" >"$tmp/ab1.out" 2>&1
  in_ns ab -s 60 -k -n 2000 -c 32 "http://$srv:8080/f64k" >"$tmp/ab64k.out" 2>&1
  for f in ab1 ab64k; do grep -E "^Requests per second" "$tmp/$f.out"; ab_ok "$tmp/$f.out" 2000; done
  grep -q "^Keep-Alive requests: *2000\$" "$tmp/ab64k.out" || fail "ab -k: not every request kept alive"
  want=$(sha256sum <"$site/www/f4m")
  curls=()
  for i in 1 2 3 4; do
    in_ns curl -s -m 120 "http://$srv:8080/f4m" -o "$tmp/got$i" &
    curls+=("$!")
  done
  for p in "${curls[@]}"; do wait "$p" || fail "curl of the 4 MiB file exited $?"; done
  for i in 1 2 3 4; do [ "$(sha256sum <"$tmp/got$i")" = "$want" ] || fail "4 MiB body $i differs"; done
  echo "4 parallel 4 MiB bodies: sha256 ok"
  kill -QUIT "$master"
  wait_until process_gone "$master" || fail "nginx did not stop on SIGQUIT"
  wait "$master"
  st=$?
  [ "$st" = 0 ] || fail "nginx exited $st"
  ! grep -E '\[(alert|crit|emerg)\]' "$site/error.log" || fail "nginx logged alerts"
  ;;
esac
echo PASS
