#!/usr/bin/env bash
# A forked process's kthreads on the daemon's cores (docs/daemon.md
# "Forked processes"), two managed cores, a container of max_cores = 2:
#  1. its child starts a second kthread for its second CPU-bound thread,
#     which joins on a member slot of its own; `ps --json` shows the child
#     holding both cores at once (its first process only waits);
#  2. the child exits: both its slots are released, the container (its
#     first process still there) holds no core and lists it no more;
#  3. another container's child is killed (kill -9) holding both cores:
#     its slots are released, and a third container's child gets both;
#  4. kill -9 of the daemon: each of a child's kthreads joins the next
#     daemon, and the child holds both cores again.
# Behaviour only, no timings: each step waits (generously) for a state.
#
# usage: forked_threads_test.sh JUNCTION FORK_SPIN_THREADS_PROGRAM
set -u
junction=$1
spin=$2
if [ "$(nproc)" -lt 2 ]; then
  echo "SKIP: needs 2 CPUs"
  exit 77
fi
. "$(dirname "$0")/../lib/daemon_env.sh" fork-threads-test
. "$(dirname "$0")/../lib/ps_json.sh"
wait_s=60  # a grant takes as long as the loaded host takes to run it
# Both cores managed (the daemon shares them with the kthreads it grants).
start_daemon "$tmp/daemon.log" --set log_level=debug --set 'cores=[0,1]' || fail "the daemon exited at start"
# Starts container $1 (best-effort, max_cores 2) running the program;
# sets id (its daemon id), first (its first process) and child (the forked
# one, once it joined with both kthreads).
start() {
  printf 'name = "%s"\n[cpu]\nclass = "best-effort"\nmax_cores = 2\nguaranteed_cores = 0\n' "$1" >"$tmp/$1.toml"
  "$junction" run "$tmp/$1.toml" -- "$spin" "$tmp/$1.stop" "$tmp/$1.done" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  first=$!
  pids+=("$first")
  wait_for "$tmp/daemon.log" "\"$1\" registered" "$1 to register"
  id=$(container_id "$1" "$tmp/daemon.log")
  wait_for "$tmp/daemon.log" "container $id: process [0-9]* joined" "$1's child to join"
  child=$(sed -n "s/.*container $id: process \([0-9]*\) joined.*/\1/p" "$tmp/daemon.log" | head -1)
  pids+=("$child")
  wait_for "$tmp/daemon.log" "container $id: process $child added a kthread (slot [0-9]*, 2 in all)" \
    "$1's child to join with its second kthread"
}
# Waits until container $1's child holds both cores at once.
both_cores() {
  until_listed "
f = by['$1']
procs = {p['host_pid']: p for p in f['processes']}
assert procs[$child]['scheduled'] and procs[$child]['cores'] == 2, f['processes']
assert procs[$first]['cores'] == 0, f['processes']
assert f['cores']['active'] == 2, f['cores']
" "$1's child holding both cores"
  # Two host threads (kthreads) in the child.
  [ "$(ls /proc/"$child"/task | wc -l)" -eq 2 ] || fail "$1's child has $(ls /proc/"$child"/task | wc -l) host threads, not 2"
}

# 1. both kthreads of the child granted at once
start fam
fam_id=$id fam=$first fam_child=$child
both_cores fam
echo "fam's child $fam_child ran on both cores"

# 2. the child exits: its two slots and cores are released
touch "$tmp/fam.stop"
wait_for "$tmp/fam.out" "child exited 0" "fam's child to exit"
wait_for "$tmp/daemon.log" "container $fam_id: process $fam_child left" "both of the child's slots to be released" 2
until_listed "
f = by['fam']
assert f['pids'] == [$fam], f['pids']
assert f['cores']['active'] == 0, f['cores']
assert [p['cores'] for p in f['processes'] if p['host_pid'] == $fam] == [0], f['processes']
" "fam without its child, holding no core"
echo "fam's child released both slots at exit"

# 3. kill -9 of a child holding both cores; a third container's child gets them
start gone
gone_id=$id gone_child=$child gone_first=$first
both_cores gone
kill -9 "$gone_child"
wait_for "$tmp/daemon.log" "container $gone_id: process $gone_child left" "the killed child's slots to be released" 2
wait_for "$tmp/gone.out" "child exited 137" "gone's first process to reap its child"
start next
next_first=$first
both_cores next
echo "the killed child's cores went to the next container's child"

touch "$tmp/next.stop" "$tmp/fam.done" "$tmp/gone.done" "$tmp/next.done"
for p in "$fam" "$gone_first" "$next_first"; do wait "$p" || fail "a container exited $?"; done
grep -q "child exited 0" "$tmp/next.out" || fail "next's child did not exit 0"

# 4. kill -9 of the daemon: the child's kthreads run standalone, then each
# joins the next daemon once the container re-registered.
start phoenix
phoenix=$first
both_cores phoenix
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
wait_for "$tmp/phoenix.err" "daemon is gone" "phoenix to notice the daemon's death"
start_daemon "$tmp/daemon2.log" --set log_level=debug --set 'cores=[0,1]' || fail "the next daemon exited at start"
wait_for "$tmp/daemon2.log" '"phoenix" registered.*re-registration' "phoenix to re-register"
wait_for "$tmp/daemon2.log" ": process $child joined" "the child's first kthread to join the new daemon"
wait_for "$tmp/daemon2.log" ": process $child added a kthread (slot [0-9]*, 2 in all)" \
  "the child's second kthread to join the new daemon"
both_cores phoenix
echo "the child's kthreads joined the next daemon"
touch "$tmp/phoenix.stop" "$tmp/phoenix.done"
wait "$phoenix" || fail "phoenix exited $?"
grep -q "child exited 0" "$tmp/phoenix.out" || fail "phoenix's child did not exit 0"

# (The next daemon refuses joins until the container re-registered.)
grep -q "refused a process's SCHED_JOIN" "$tmp/daemon.log" && fail "the daemon refused a join"
grep "refused a process's SCHED_JOIN" "$tmp/daemon2.log" | grep -qv "no container with that id" &&
  fail "the next daemon refused a join for another reason"
grep -q "invalid values" "$tmp/daemon.log" "$tmp/daemon2.log" && fail "a container wrote invalid values"
echo PASS
