#!/bin/sh
# TFD_TIMER_CANCEL_ON_SET, natively and under junction: PROG --cancel arms
# timers and blocks; this script then sets CLOCK_REALTIME to its own value
# from outside (PROG --set-clock, natively: the guest may not set the
# host's clock) and compares what the timers report. Needs CAP_SYS_TIME
# (exit 77: skipped). Every wait is bounded. PROG prints "armed" once it
# sleeps in epoll_wait, so the set always finds it waiting.
set -u
JUNCTION=$1; APP=$2; PROG=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$PROG" --set-clock 2>/dev/null; rc=$?
[ $rc = 77 ] && { echo "SKIP: cannot set CLOCK_REALTIME here"; exit 77; }

run() {  # $1: output file, rest: command
  out=$1; shift
  "$@" --cancel >"$out" 2>&1 &
  pid=$!
  i=0
  until grep -q '^armed' "$out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 500 ] && { echo "never armed" >>"$out"; break; }
    sleep 0.1
  done
  "$PROG" --set-clock
  wait "$pid"; echo "exit $?" >>"$out"
}
run "$tmp/native" "$PROG"
run "$tmp/junction" "$JUNCTION" run "$APP" -- "$PROG"
cat "$tmp/native"
if ! cmp -s "$tmp/native" "$tmp/junction"; then
  echo "FAIL: differs from native:"; diff "$tmp/native" "$tmp/junction"; exit 1
fi
echo PASS
