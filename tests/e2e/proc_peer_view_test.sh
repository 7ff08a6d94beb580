#!/usr/bin/env bash
# ps, pgrep, pkill, kill -0 and /proc/PID of the container's other
# processes: SCRIPT (data/proc/peer_*.sh, which ends with "== end")
# natively as the init of a fresh pid namespace with its own /proc (so the native list is also only the
# script's processes; setsid: its own session, as a container's pid 1)
# and under junction, outputs compared. Another container runs meanwhile:
# its processes (pids 1 and 2 too) must not show.
# usage: proc_peer_view_test.sh JUNCTION APP_TOML SCRIPT
set -u
junction=$1; app=$2; script=$3
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  echo "SKIP: no pid namespaces here (unshare --pid needs root)"; exit 77
fi
unshare --pid --fork --mount-proc setsid bash "$script" >"$tmp/native.out" 2>"$tmp/native.err" </dev/null
native_rc=$?
# The other container says when its second process runs (sleep exec'd).
timeout 150 "$junction" run "$app" -- sh -c 'sleep 140 & until [ "$(cat /proc/$!/comm 2>/dev/null)" = sleep ]
  do sleep 0.01; done; : >"$1"; exec sleep 141' sh "$tmp/other.ready" >/dev/null 2>&1 </dev/null &
other=$!
for i in $(seq 600); do [ -e "$tmp/other.ready" ] && break; sleep 0.05; done
if [ ! -e "$tmp/other.ready" ]; then
  echo "the other container did not start"; kill "$other" 2>/dev/null; exit 1
fi
timeout 120 "$junction" run "$app" -- bash "$script" >"$tmp/junction.out" 2>"$tmp/junction.err" </dev/null
junction_rc=$?
kill "$other" 2>/dev/null; wait "$other" 2>/dev/null
fail=0
if [ ! -s "$tmp/native.out" ] || ! grep -q '^== end$' "$tmp/native.out"; then
  echo "the native run did not complete (exit $native_rc)"; cat "$tmp/native.err"; exit 1
fi
[ "$native_rc" = "$junction_rc" ] || { echo "exit status differs: native $native_rc, junction $junction_rc"; fail=1; }
if ! cmp -s "$tmp/native.out" "$tmp/junction.out"; then
  echo "stdout differs:"; diff "$tmp/native.out" "$tmp/junction.out"; fail=1
fi
if [ $fail = 1 ]; then
  echo "--- native stdout:"; cat "$tmp/native.out"
  echo "--- junction stderr:"; head -40 "$tmp/junction.err"; exit 1
fi
echo "same exit status ($native_rc) and output ($(wc -l <"$tmp/native.out") lines)"
