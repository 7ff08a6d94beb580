# Node's cluster module as a server (sourced by the server tests; see
# server_lib.sh): two workers on one listening socket handed over the
# primary's IPC channel (SCHED_NONE), or the primary accepting and handing
# each connection over (policy=rr); curl and ab from outside; a worker
# that exits is replaced; SIGTERM stops the workers, then the primary.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

scenario() {
  local port url pid here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  port=$(free_port)
  url=http://$addr:$port
  "$@" node "$here/node_cluster_server.js" "$port" "${policy:-none}" "$bind" &
  pid=$!
  wait_up "$url/" "$pid" || { echo "node cluster did not come up"; stop "$pid"; return 1; }
  wait_until child_count_is "$pid" 2 || echo "not two workers: $(children "$pid" | wc -l)"
  echo "GET /: $(get "$url/")"
  echo "workers answering: $(for i in $(seq 30); do get "$url/pid"; done | sort -u | wc -l | awk '{print ($1 <= 2) ? "at most two" : $1}')"
  echo "GET /big: $(get "$url/big" | wc -c)"
  echo "POST 2 MB: $(head -c 2000000 /dev/zero | curl_ -s --data-binary @- "$url/")"
  ab_summary -n 600 -c 8 "$url/"
  ab_summary -k -n 200 -c 4 "$url/pid"
  echo "GET /exit: $(get "$url/exit")"
  wait_up "$url/" "$pid" && wait_until child_count_is "$pid" 2 && echo "replaced: two workers again"
  ab_summary -n 200 -c 4 "$url/"
  stop "$pid"
  echo "primary exit status: $?"
}
