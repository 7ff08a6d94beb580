#!/bin/bash
# A process waiting on a shared futex, killed by a host SIGKILL from
# outside (progs/futex_shared_dead_waiter.c): the later FUTEX_WAKEs must
# return what they return natively (0).
# Usage: futex_shared_dead_waiter_test.sh JUNCTION PROGRAM
set -u
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

# kill_child_when_ready OUT CMD...: runs CMD and, once it says ready, kills
# with SIGKILL the host processes right below it (the program's child:
# under junction the guest's first process is junction run's own).
kill_child_when_ready() {
  local out=$1
  shift
  "$@" >"$out" 2>&1 &
  local runner=$!
  local i=0
  until grep -q ready "$out" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 600 ] || { echo "FAIL: $* never said ready"; kill -9 "$runner"; return 1; }
    sleep 0.1
  done
  for c in $(pgrep -P "$runner"); do kill -9 "$c"; done
  if ! timeout 60 tail --pid="$runner" -f /dev/null; then
    echo "FAIL: $* still running 60 s after the kill (hung)"
    kill -9 "$runner" 2>/dev/null
    return 1
  fi
  wait "$runner"
}

kill_child_when_ready "$out_dir/native" "$2" || exit 1
kill_child_when_ready "$out_dir/junction" "$1" run -- "$2" || exit 1
cat "$out_dir/junction"
if ! diff "$out_dir/native" "$out_dir/junction"; then
  echo "FAIL: output differs (native <, junction >)"
  exit 1
fi
echo "PASS: same output"
