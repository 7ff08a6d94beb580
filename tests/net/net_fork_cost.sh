#!/usr/bin/env bash
# What a forked child's NET_JOIN costs (docs/network.md "Processes"; not a
# pass/fail test): fork+exit+wait of a python3 parent in a bypass container
# under a TAP daemon, with a listener (each child joins the daemon at once)
# and without (no child joins), alternating, ROUNDS times.
# usage: net_fork_cost.sh JUNCTION [ROUNDS] [FORKS]
set -u
junction=$(realpath "$1")
rounds=${2:-4}
forks=${3:-200}
. "$(dirname "$0")/netns_lib.sh" forkcost
host=10.99.8.1
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app forkcost 10.99.8.2
cat >"$tmp/forks.py" <<'PY'
import os, socket, sys, time
listen, n = sys.argv[1] == "listen", int(sys.argv[2])
s = socket.socket()
if listen:
    s.bind(("0.0.0.0", 9000))
    s.listen(8)
t0 = time.perf_counter()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print(f"{'listener: every child joins' if listen else 'no listener: no join':28s} "
      f"{(time.perf_counter() - t0) / n * 1e6:7.0f} us per fork+exit+wait")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$rounds"); do
  for mode in nolisten listen; do
    "$junction" run "$tmp/forkcost.toml" -- python3 "$tmp/forks.py" $mode "$forks"
  done
done
