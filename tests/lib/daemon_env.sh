# A test's private daemon environment (sourced, not run): a scratch
# directory, a control socket in it (JUNCTION_SOCKET, so `junction run` and
# `junction ps` find this test's daemon and no other), start_daemon, fail()
# with the test's logs, a cleanup that kills every process the test started
# whatever happens, the bounded waits (wait.sh), and container configs.
# Callers set $junction and append the pids they start to `pids`.
#
# usage: . daemon_env.sh NAME     (scratch directory /tmp/junction-NAME.XXXXXX)
tmp=$(mktemp -d "/tmp/junction-$1.XXXXXX")
sock=$tmp/control.sock
export JUNCTION_SOCKET=$sock
pids=()
daemon_prefix=()  # what start_daemon runs the daemon under (netns_lib.sh: its namespace)
cleanup_also() { :; }  # a caller's own cleanup, after the kills
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  cleanup_also
  rm -rf "$tmp"
}
trap cleanup EXIT
# python3 itself, not a version manager's shim (pyenv's is a bash script
# that forks some 30 processes before python starts: in a container under a
# load of 16 that alone took over 20 s, all of a test's wait for its
# server), natively and in containers alike.
mkdir "$tmp/bin"
if python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -n "$python" ]; then
  ln -s "$python" "$tmp/bin/python3"
fi
PATH=$tmp/bin:$PATH
fail() {
  echo "FAIL: $*"
  if [ -S "$sock" ]; then
    echo "--- junction ps --json (at the failure)"
    timeout 5 "$junction" ps --json 2>&1
  fi
  for f in "$tmp"/*.log "$tmp"/*.out "$tmp"/*.err; do [ -e "$f" ] && { echo "--- $f"; tail -80 "$f"; }; done
  exit 1
}
. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"

# start_daemon LOG [ARG...]: `junction daemon` on this test's socket, managing
# core 1, with more arguments after LOG (--set ...); its output in LOG, its
# pid in $daemon_pid. Returns once it listens; 1 if it exited before (the
# caller says what that means); the test fails if it does neither in time.
start_daemon() {
  local log=$1
  shift
  "${daemon_prefix[@]}" "$junction" daemon --set control.socket="$sock" --set 'cores=[1]' "$@" >"$log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  wait_until daemon_started "$log" || fail "timed out waiting for the daemon to start (\"listening\" in $log)"
  daemon_listening "$log"
}
daemon_listening() { grep -q "listening on .*; cores" "$1" 2>/dev/null; }
daemon_started() { daemon_listening "$1" || ! kill -0 "$daemon_pid" 2>/dev/null; }

# container_id NAME LOG: the id the daemon whose log is LOG registered the
# container NAME with.
container_id() { sed -n "s/.*container \([0-9]*\) \"$1\" registered.*/\1/p" "$2" | head -1; }

# app NAME CLASS GUARANTEED [SPINNING]: $tmp/NAME.toml, a container of CLASS
# on at most one core, GUARANTEED of them, SPINNING (0) spinning kthreads;
# prints its path.
app() {
  printf 'name = "%s"\n[cpu]\nclass = "%s"\nmax_cores = 1\nguaranteed_cores = %s\nspinning_kthreads = %s\n' \
    "$1" "$2" "$3" "${4:-0}" >"$tmp/$1.toml"
  echo "$tmp/$1.toml"
}
