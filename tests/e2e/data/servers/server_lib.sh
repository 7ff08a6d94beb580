# Helpers of the server scenarios (sourced by tests/e2e/servers_test.sh
# and tests/net/net_servers_test.sh). A scenario file defines
# `scenario RUNNER...`: it starts its server under RUNNER (nothing, or
# `junction run APP --`), drives it with clients run under "${client[@]}"
# (nothing, or the test namespace's `ip netns exec`) at $addr, and prints
# a transcript without pids, ports or timings. The server listens on
# $bind. Every wait is bounded and every client call has a timeout, so a
# hung server fails the scenario, not the test's timeout.
addr=${addr:-127.0.0.1}
bind=${bind:-127.0.0.1}
[ -n "${client+x}" ] || client=()

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

curl_() { "${client[@]}" curl --noproxy '*' -m 30 "$@"; }
get() { curl_ -s "$1"; }
answers() { [ "$("${client[@]}" curl --noproxy '*' -m 5 -s -o /dev/null -w '%{http_code}' "$1")" != 000 ]; }
# wait_up URL PID: until URL answers; false if PID (the server) died first.
wait_up() {
  local i
  for ((i = 0; i < 1200; i++)); do
    answers "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# ab_summary ARGS... URL: ab's counts (not its timings), with its
# arguments less the URL's host and the directories of files.
ab_summary() {
  local out arg label=ab
  out=$("${client[@]}" ab -q -s 30 "$@" 2>&1)
  for arg in "$@"; do
    [ -f "$arg" ] && arg=$(basename "$arg")
    [[ $arg == http://* ]] && arg=/${arg#http://*/}
    label+=" $arg"
  done
  echo "$label: $(echo "$out" |
    grep -E '^(Complete requests|Failed requests|Non-2xx responses|Keep-Alive requests):' |
    tr -s ' ' | tr '\n' ';' | sed 's/;$//')"
}

# children PID: the pids of PID's child processes, one a line (host pids:
# a container's processes are host processes, children of its first one).
children() { pgrep -P "$1"; }
child_count_is() { [ "$(children "$1" | wc -l)" = "$2" ]; }
wait_children() { wait_until child_count_is "$1" "$2"; }

# stop PID [SIGNAL]: signals the server (TERM) and waits for it; SIGKILL
# after 30 s. Prints nothing; returns its exit status.
stop() {
  local i
  kill -"${2:-TERM}" "$1" 2>/dev/null
  for ((i = 0; i < 600; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$1" 2>/dev/null
  wait "$1"
}
