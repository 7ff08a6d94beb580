# haproxy (sourced by the server tests; see server_lib.sh) with two
# threads (nbthread 2) in front of two python backends: HTTP round robin,
# large bodies both ways, a TCP-mode proxy, keep-alive load, the stats
# page, then a soft stop (SIGUSR1). (Not the stats unix socket: a process
# outside the container cannot connect to a guest's unix socket file,
# docs/ipc.md.) The backends run where the clients
# do, at $backend_addr.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"
backend_addr=${backend_addr:-127.0.0.1}

scenario() {
  local dir port tport b1 b2 pid url bpids=() n
  dir=$(mktemp -d)
  chmod 755 "$dir"
  port=$(free_port) tport=$(free_port) b1=$(free_port) b2=$(free_port)
  for n in 1 2; do
    local bport=$b1
    [ $n = 2 ] && bport=$b2
    "${client[@]}" python3 "$(dirname "${BASH_SOURCE[0]}")/http_backend.py" "$backend_addr" "$bport" "$n" \
      >"$dir/backend$n.out" 2>&1 &
    bpids+=($!)
  done
  wait_until grep -qs listening "$dir/backend1.out" && wait_until grep -qs listening "$dir/backend2.out" ||
    { echo "the backends did not start"; kill "${bpids[@]}"; return 1; }
  cat >"$dir/haproxy.cfg" <<CFG
global
    nbthread 2
    maxconn 1000
defaults
    mode http
    timeout connect 10s
    timeout client 30s
    timeout server 30s
frontend web
    bind $bind:$port
    stats enable
    stats uri /stats
    default_backend app
backend app
    balance roundrobin
    server b1 $backend_addr:$b1
    server b2 $backend_addr:$b2
listen raw
    mode tcp
    bind $bind:$tport
    server b1 $backend_addr:$b1
CFG
  "$@" haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.out" 2>&1 &
  pid=$!
  url=http://$addr:$port
  wait_up "$url/" "$pid" || { echo "haproxy did not come up"; cat "$dir/haproxy.out"; kill "${bpids[@]}"; return 1; }
  echo "GET / x4: $(for n in 1 2 3 4; do get "$url/"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  echo "GET /size/5000000: $(curl_ -s "$url/size/5000000" | sha256sum | cut -c1-16)"
  seq 1 500000 >"$dir/upload"
  curl_ -s --data-binary @"$dir/upload" "$url/echo" | cmp -s - "$dir/upload" && echo "POST 3.4 MB: same bytes back"
  echo "TCP mode GET /size/3000000: $(curl_ -s "http://$addr:$tport/size/3000000" | sha256sum | cut -c1-16)"
  ab_summary -n 1000 -c 8 "$url/"
  ab_summary -k -n 1000 -c 8 "$url/size/20000"
  ab_summary -n 100 -c 4 -p "$dir/upload" "$url/echo"
  # The CSV stats: each proxy and server with its status.
  echo "stats:"
  get "$url/stats;csv" | awk -F, 'NR > 1 && $1 != "" { print "  " $1, $2, $18 }'
  stop "$pid" USR1
  echo "haproxy exit status: $?"
  grep -cE '\[(ALERT|EMERG)\]' "$dir/haproxy.out"
  kill "${bpids[@]}"
  wait "${bpids[@]}" 2>/dev/null
  rm -rf "$dir"
}
