#!/bin/bash
# Processes of a container killed by a host SIGKILL (from outside, so in
# the middle of a System V IPC call, maybe holding the registry's lock)
# while their parent keeps calling in: the parent must carry on (no wait
# for ever on a dead holder's lock, zombie or reaped) and the registry must
# still work; the same output as natively (progs/ipc_sysv_host_kill.c).
# Usage: ipc_sysv_host_kill_test.sh JUNCTION PROGRAM
set -u
junction=$1
prog=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_and_kill OUT CMD...: runs CMD, and for 4 s kills with SIGKILL the
# host processes right below it (the program's children: the guest's
# first process is junction run's own).
run_and_kill() {
  local out=$1
  shift
  "$@" 6 >"$out" 2>&1 &
  local runner=$!
  for _ in $(seq 100); do
    grep -q ready "$out" 2>/dev/null && break
    sleep 0.1
  done
  local kills=0
  for _ in $(seq 80); do
    for c in $(pgrep -P "$runner"); do
      kill -9 "$c" 2>/dev/null && kills=$((kills + 1))
    done
    sleep 0.05
  done
  if ! timeout 60 tail --pid="$runner" -f /dev/null; then
    echo "FAIL: $* still running 60 s after the kills (hung)"
    kill -9 "$runner" 2>/dev/null
    return 1
  fi
  wait "$runner"
  echo "$* : $kills processes killed" >&2
  [ "$kills" -gt 0 ] || { echo "FAIL: nothing was killed"; return 1; }
}

run_and_kill "$tmp/native" "$prog" || exit 1
run_and_kill "$tmp/junction" "$junction" run -- "$prog" || exit 1
# The ready line names a pid, which differs.
if ! diff <(grep -v ready "$tmp/native") <(grep -v ready "$tmp/junction"); then
  echo "FAIL: output differs (native <, junction >)"
  exit 1
fi
# A SEM_UNDO holder killed from outside, not reaped yet (a zombie): the
# parent's semop gets the semaphore back.
undo_kill() {
  local out=$1
  shift
  "$@" undo >"$out" 2>&1 &
  local runner=$!
  # The child must hold the semaphore before it is killed: wait for its
  # line however loaded the machine is (it took over 10 s in a loaded CI).
  local i=0
  until grep -q ready "$out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 1200 ]; then
      echo "FAIL: $* printed no ready line in 120 s"
      kill -9 "$runner" $(pgrep -P "$runner") 2>/dev/null
      return 1
    fi
    sleep 0.1
  done
  sleep 0.2
  for c in $(pgrep -P "$runner"); do kill -9 "$c"; done
  wait "$runner"
}
undo_kill "$tmp/native_undo" "$prog" || exit 1
undo_kill "$tmp/junction_undo" "$junction" run -- "$prog" || exit 1
if ! diff "$tmp/native_undo" "$tmp/junction_undo"; then
  echo "FAIL: SEM_UNDO of a process killed from outside (native <, junction >)"
  exit 1
fi
echo PASS
