#!/usr/bin/env bash
# Waits across processes (e2e progs/xproc_wait.c) in a container under the
# daemon, one managed core: a process without a core waits for a grant,
# not on its doorbell's futex word, so other processes ring it by the host
# signal (sched/doorbell.h). The same stdout as natively; no timings.
#
# usage: xproc_wait_test.sh JUNCTION PROGRAM
set -u
junction=$1
prog=$2
. "$(dirname "$0")/../lib/daemon_env.sh" xproc-wait
start_daemon "$tmp/daemon.log" || fail "the daemon exited at start"
timeout 120 "$prog" >"$tmp/native.out" 2>/dev/null || fail "native run"
timeout 120 "$junction" run "$(app xproc best-effort 0)" -- "$prog" >"$tmp/junction.out" 2>"$tmp/junction.err" ||
  fail "the container failed"
grep -q '"xproc" registered' "$tmp/daemon.log" || fail "the container did not register with the daemon"
diff "$tmp/native.out" "$tmp/junction.out" || fail "output differs (native <, junction >)"
echo PASS
