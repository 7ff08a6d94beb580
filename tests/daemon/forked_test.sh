#!/usr/bin/env bash
# Forked processes of a container on the daemon's cores (docs/daemon.md
# "Forked processes"), one managed core:
#  1. a best-effort container whose shell forks two CPU-bound children:
#     each joins the daemon (SCHED_JOIN) and `ps --json` shows it
#     scheduled; both get the core (the container's one core takes turns
#     between its processes);
#  2. guarantees still hold: a latency-critical container with a guarantee
#     takes the core from the children and runs all its rounds;
#  3. kill -9 of a child releases its slot (and the core it held);
#  4. kill -9 of the first process: the container is gone, every core
#     released, and its remaining child ends too;
#  5. a forked process asleep without work wakes for another's SIGKILL
#     request and releases its robust mutexes (e2e proc_robust_mutex);
#     blocking reads of host pipes never fail with EINTR for a blocked
#     signal or the LibOS's own (e2e ipc_host_pipe_blocked_signal);
#  6. kill -9 of the daemon: a forked process joins the next daemon.
# Behaviour only, no timings.
#
# usage: forked_test.sh JUNCTION ROBUST_MUTEX_PROGRAM HOST_PIPE_PROGRAM
set -u
junction=$1
robust=$2
host_pipe=$3
. "$(dirname "$0")/../lib/daemon_env.sh" fork-test
. "$(dirname "$0")/../lib/ps_json.sh"
start_daemon "$tmp/daemon.log" --set log_level=debug || fail "the daemon exited at start"
worker="$junction bench worker sched"

# 1. two CPU-bound children, each joining the daemon
"$junction" run "$(app fam best-effort 0)" -- /bin/sh -c "$worker spin 600000 & $worker spin 600000 & wait" \
  >"$tmp/fam.out" 2>"$tmp/fam.err" &
fam=$!; pids+=("$fam")
wait_for "$tmp/daemon.log" '"fam" registered' "fam to register"
fam_id=$(container_id fam "$tmp/daemon.log")
wait_until lines_match "$tmp/daemon.log" "container $fam_id: process [0-9]* joined" 2 ||
  fail "the forked children did not join the daemon"
children=$(sed -n "s/.*container $fam_id: process \([0-9]*\) joined.*/\1/p" "$tmp/daemon.log" | tr '\n' ' ')
pids+=($children)
slots=$(sed -n "s/.*container $fam_id: process [0-9]* joined (kthread slot \([0-9]*\)).*/\1/p" "$tmp/daemon.log")
echo "children $children joined in slots" $slots
until_listed "
f = by['fam']
procs = {p['host_pid']: p for p in f['processes']}
kids = [int(k) for k in '$children'.split()]
assert f['pids'][0] == $fam and all(k in f['pids'] for k in kids), f['pids']
assert all(procs[k]['scheduled'] and procs[k]['state'] == 'running' for k in kids), f['processes']
assert procs[$fam]['scheduled'], f['processes']
assert f['cores']['active'] <= 1
" "the children listed as scheduled"
for s in $slots; do
  wait_for "$tmp/daemon.log" "core 1 -> container $fam_id slot $s " "the child in slot $s to get the core"
done
echo "both children ran on the managed core"

# 2. a guarantee still holds against the container's children
"$junction" run "$(app web latency-critical 1)" -- $worker wake 100 >"$tmp/web.out" 2>"$tmp/web.err" &
web=$!; pids+=("$web")
wait "$web" || fail "the latency-critical container failed"
grep -q "n=100" "$tmp/web.out" || fail "the latency-critical container did not finish its rounds: $(cat "$tmp/web.out")"
web_id=$(container_id web "$tmp/daemon.log")
grep -q "container $fam_id asked to yield for $web_id (guarantee)" "$tmp/daemon.log" ||
  fail "the daemon never took the core from the children for the guarantee"
echo "guarantee: the core taken from fam for web"

# 3. kill -9 of a child releases its slot and core
set -- $children
kill -9 "$1"
wait_for "$tmp/daemon.log" "container $fam_id: process $1 left" "the killed child to be released"
until_listed "
f = by['fam']
assert $1 not in f['pids'], f['pids']
assert $2 in f['pids'], f['pids']
" "the killed child gone"
# The other child has the core (it is CPU-bound, alone in the container).
until_listed "assert by['fam']['cores']['active'] == 1, by['fam']" "the remaining child holding the core"

# 4. kill -9 of the first process: all of it goes
kill -9 "$fam"; wait "$fam" 2>/dev/null
wait_for "$tmp/daemon.log" "container $fam_id \"fam\" is gone" "fam to be gone"
until_listed "assert by == {}, by" "nothing left"
wait_until process_gone "$2" || fail "the remaining child outlived its container"
# The core is free for the next container at once.
"$junction" run "$(app after best-effort 0)" -- $worker wake 5 >"$tmp/after.out" 2>"$tmp/after.err" ||
  fail "a container after fam failed"
grep -q "n=5" "$tmp/after.out" || fail "the next container did not finish"

# 5. a forked process asleep without work wakes for another process's
# SIGKILL request (kPreemptSignal, whose handler restarts the host wait it
# interrupts: the kick must reach the kthread where it waits) and releases
# its robust mutexes: the e2e program, same output as natively.
"$robust" >"$tmp/robust.native" 2>&1
"$junction" run "$(app robust best-effort 0)" -- "$robust" >"$tmp/robust.out" 2>"$tmp/robust.err" &
robust_pid=$!; pids+=("$robust_pid")
wait_s=60 wait_until process_gone "$robust_pid" || fail "robust mutexes: a process waited for ever (its forked owner was not woken for the SIGKILL): $(cat "$tmp/robust.out")"
wait "$robust_pid"
diff "$tmp/robust.native" "$tmp/robust.out" >"$tmp/robust.diff" || fail "robust mutexes: output differs from native: $(cat "$tmp/robust.diff")"
robust_id=$(container_id robust "$tmp/daemon.log")
grep -q "container $robust_id: process [0-9]* joined" "$tmp/daemon.log" || fail "the robust mutex children did not join"
# The hand-offs there are host pipe reads: a kick signal landing in their
# readiness check once failed one with EINTR (the parent then locked
# before the child held the mutex).
"$host_pipe" >"$tmp/host_pipe.native" 2>&1
"$junction" run "$(app host_pipe best-effort 0)" -- "$host_pipe" >"$tmp/host_pipe.out" 2>"$tmp/host_pipe.err" ||
  fail "host pipe reads: exited $?"
diff "$tmp/host_pipe.native" "$tmp/host_pipe.out" >"$tmp/host_pipe.diff" || fail "host pipe reads: output differs from native: $(cat "$tmp/host_pipe.diff")"

# 6. kill -9 of the daemon: the child runs standalone, and joins the next
# daemon once its container re-registered.
"$junction" run "$(app phoenix best-effort 0)" -- /bin/sh -c "$worker wake 1000000 & wait" \
  >"$tmp/phoenix.out" 2>"$tmp/phoenix.err" &
phoenix=$!; pids+=("$phoenix")
wait_for "$tmp/daemon.log" '"phoenix" registered' "phoenix to register"
phoenix_id=$(container_id phoenix "$tmp/daemon.log")
wait_for "$tmp/daemon.log" "container $phoenix_id: process [0-9]* joined" "phoenix's child to join"
child=$(sed -n "s/.*container $phoenix_id: process \([0-9]*\) joined.*/\1/p" "$tmp/daemon.log" | head -1)
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
wait_for "$tmp/phoenix.err" "daemon is gone" "phoenix to notice the daemon's death"
start_daemon "$tmp/daemon2.log" --set log_level=debug || fail "the new daemon exited at start"
wait_for "$tmp/daemon2.log" '"phoenix" registered.*re-registration' "phoenix to re-register"
wait_for "$tmp/daemon2.log" ": process $child joined" "the child to join the new daemon"
kill -0 "$phoenix" 2>/dev/null || fail "phoenix died with the daemon"
kill -9 "$phoenix"; wait "$phoenix" 2>/dev/null
wait_for "$tmp/daemon2.log" "\"phoenix\" is gone" "phoenix to be gone"
echo PASS
