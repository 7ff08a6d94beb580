#!/usr/bin/env bash
# `junction ps` lists a container's processes (container pid, host pid,
# command), and killing the container's pid 1 with SIGKILL from outside
# leaves no host process of the container behind.
#
# usage: proc_teardown_test.sh JUNCTION
set -u
JUNCTION=$1
marker="teardown-$$"
fail() { echo "FAIL: $*"; [ -n "${pid1:-}" ] && kill -9 "$pid1" 2>/dev/null; exit 1; }

"$JUNCTION" run -- bash -c "sleep 300 & sleep 300 | cat; wait; : $marker" >/dev/null 2>&1 &
pid1=$!

# Until ps shows the four processes: bash, two sleeps, cat (each child
# shows bash's command line until its execve).
settled() {
  [ "$(echo "$procs" | grep -c .)" = 4 ] && [ "$(echo "$procs" | grep -c ' 1 running sleep 300$')" = 2 ] &&
    echo "$procs" | grep -q ' 1 running cat$'
}
procs=""
deadline=$(($(date +%s) + 60))  # start-up on a loaded machine is slow
while [ "$(date +%s)" -lt "$deadline" ]; do
  procs=$("$JUNCTION" ps --json 2>/dev/null | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["pids"] and c["pids"][0] == int(sys.argv[1]):
        for p in c["processes"]:
            print(p["pid"], p["host_pid"], p["ppid"], p["state"], p["command"])
' "$pid1")
  settled && break
  sleep 0.1
done
echo "$procs"
[ "$(echo "$procs" | grep -c .)" = 4 ] || fail "ps did not show 4 processes"
echo "$procs" | grep -q "^1 $pid1 0 running bash -c sleep 300" || fail "pid 1 is not bash on host pid $pid1"
[ "$(echo "$procs" | grep -c ' 1 running sleep 300$')" = 2 ] || fail "two sleeps, children of pid 1"
echo "$procs" | grep -q ' 1 running cat$' || fail "cat, child of pid 1"
"$JUNCTION" ps 2>/dev/null | grep -q "^  1 .*$pid1 " || fail "the table format lists pid 1"
hosts=$(echo "$procs" | awk '$1 != 1 {print $2}')

kill -9 "$pid1"
wait "$pid1" 2>/dev/null
alive() {  # running or stopped, not a zombie
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
left=""
for _ in $(seq 1 300); do
  left=""
  for h in $hosts; do alive "$h" && left="$left $h"; done
  [ -z "$left" ] && break
  sleep 0.1
done
[ -z "$left" ] || fail "host processes left after pid 1 was killed:$left"
echo PASS
