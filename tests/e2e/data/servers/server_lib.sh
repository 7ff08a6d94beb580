# Helpers of the server scenarios (sourced): every wait is bounded (60 s)
# and polls; every client call has a timeout, so a hung server fails the
# scenario instead of the test's timeout.

# free_port: a loopback TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until CMD...: true once CMD succeeds (every 50 ms, at most 60 s).
wait_until() {
  local i
  for ((i = 0; i < 1200; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

curl_() { curl --noproxy '*' -m 30 "$@"; }
get() { curl_ -s "$1"; }
answers() { [ -n "$(curl --noproxy '*' -m 5 -s -o /dev/null -w '%{http_code}' "$1" | grep -v '^000$')" ]; }
wait_up() { wait_until answers "$1"; }

# ab_summary ARGS...: ab's counts (not its timings).
ab_summary() {
  local out
  out=$(ab -q -s 30 "$@" 2>&1)
  echo "ab $(echo "$*" | sed 's#http://[^/]*##'): $(echo "$out" | grep -E '^(Complete requests|Failed requests|Non-2xx responses|Keep-Alive requests):' |
    tr -s ' ' | tr '\n' ';' | sed 's/;$//')"
}

# children PID: the pids of PID's child processes, one a line.
children() { pgrep -P "$1"; }
child_count_is() { [ "$(children "$1" | wc -l)" = "$2" ]; }
wait_children() { wait_until child_count_is "$1" "$2"; }
