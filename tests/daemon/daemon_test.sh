#!/usr/bin/env bash
# `junction daemon` end to end, with fake containers (fake_container.cc):
#  1. ps --json against an empty daemon prints [];
#  2. a registered container appears in ps --json with the documented fields,
#     and ps --watch redraws it until interrupted;
#  3. kill -9 of a container: it disappears and its core is released; a
#     container whose kthread went idle keeping its grant shows no active
#     core, and a busy container gets that core at once, the grant taken
#     back from the idle one;
#  4. a latency-critical container gets the core from a CPU-bound best-effort
#     one (grant latency p50/p99 printed), which gets it back afterwards;
#  5. kill -9 of the daemon: the container notices; a new daemon replaces the
#     stale socket and the container re-registers with its id;
#  6. standalone containers are listed as such; SIGTERM removes the socket.
#
# usage: daemon_test.sh JUNCTION FAKE_CONTAINER
set -u
junction=$1
fake=$2
. "$(dirname "$0")/../lib/daemon_env.sh" daemon-test
. "$(dirname "$0")/../lib/ps_json.sh"
sock=$tmp/run/control.sock  # in a directory the daemon creates
export JUNCTION_SOCKET=$sock

# 1. empty daemon
start_daemon "$tmp/daemon1.log" --set log_level=debug || fail "the daemon exited at start"
[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode is $(stat -c %a "$sock"), want 660"
ps_json
[ "$(cat "$tmp/ps.json")" = "[]" ] || fail "empty daemon: $(cat "$tmp/ps.json")"
"$junction" ps | grep -q "No containers are running" || fail "ps table on an empty daemon"

# 2./3. register, list, kill -9
"$fake" "$sock" victim be 0 1 busy >"$tmp/victim.out" 2>&1 &
victim=$!; pids+=("$victim")
wait_for "$tmp/victim.out" registered "registration"
until_listed "
assert len(rows) == 1, rows
r = rows[0]
assert r['name'] == 'victim' and r['mode'] == 'daemon' and r['class'] == 'best-effort'
assert r['pids'] == [$victim], r['pids']
assert r['cores'] == {'active': 1, 'guaranteed': 0, 'max': 1}, r['cores']
assert r['uthreads'] == {'runnable': None, 'total': None}
assert r['preemptions'] is None and r['ip'] is None
assert isinstance(r['rss_bytes'], int) and r['rss_bytes'] > 0
" "one busy container holding the core"
# ps --watch redraws (clear screen + table) every second until SIGINT.
timeout -s INT 3.5 "$junction" ps --watch >"$tmp/watch.out" 2>&1
[ $? = 124 ] || fail "ps --watch did not run until interrupted: $(cat "$tmp/watch.out")"
screens=$(grep -o $'\033\[2J' "$tmp/watch.out" | wc -l)
victims=$(grep -c victim "$tmp/watch.out")
[ "$screens" -ge 2 ] && [ "$victims" -ge 2 ] ||
  fail "ps --watch: $screens redraws, $victims rows naming the container"
kill -9 "$victim"
wait_for "$tmp/daemon1.log" "is gone.*1 core(s) released" "the daemon to release the killed container's core"
ps_json
[ "$(cat "$tmp/ps.json")" = "[]" ] || fail "killed container still listed: $(cat "$tmp/ps.json")"

# 3b. an idle kthread's core is lent, and taken back for another container
"$fake" "$sock" lender be 0 1 lender >"$tmp/lender.out" 2>&1 &
lender=$!; pids+=("$lender")
wait_for "$tmp/lender.out" "^idle" "the lender's kthread to go idle on its grant"
until_listed "
assert len(rows) == 1 and rows[0]['name'] == 'lender' and rows[0]['cores']['active'] == 0, rows
" "an idle container holds no active core"
"$fake" "$sock" borrower be 0 1 busy >"$tmp/borrower.out" 2>&1 &
borrower=$!; pids+=("$borrower")
wait_for "$tmp/lender.out" taken-back "the daemon to take the lent grant back"
until_listed "
by = {r['name']: r for r in rows}
assert by['borrower']['cores']['active'] == 1 and by['lender']['cores']['active'] == 0, rows
" "the busy container got the lent core"
kill -9 "$lender" "$borrower"
wait_for "$tmp/daemon1.log" '"borrower" is gone.*1 core(s) released' "the borrower's core to be released"
wait_for "$tmp/daemon1.log" '"lender" is gone' "the lender to be gone"

# 4. latency-critical vs CPU-bound best-effort on one managed core
"$fake" "$sock" batch be 0 1 busy >"$tmp/batch.out" 2>&1 &
batch=$!; pids+=("$batch")
wait_for "$tmp/batch.out" registered "batch registration"
"$fake" "$sock" web lc 0 1 latency 200 >"$tmp/web.out" 2>&1 &
web=$!; pids+=("$web")
wait "$web" || fail "latency container failed: $(cat "$tmp/web.out")"
grep grant_latency_us "$tmp/web.out"
# Functional: every round got the core (n = rounds). Latency figures are
# printed, not asserted: speed targets live in benchmarks and
# docs/performance.md, and a shared CI machine makes timed asserts flaky.
n=$(sed -n 's/.*n=\([0-9]*\).*/\1/p' "$tmp/web.out")
[ "${n:-0}" -ge 200 ] || fail "the latency-critical container got the core in only ${n:-0} of 200 rounds"
until_listed "
assert len(rows) == 1 and rows[0]['name'] == 'batch', rows
assert rows[0]['cores']['active'] == 1, 'best-effort container did not get its core back'
" "core returned to best-effort"

# 5. kill -9 the daemon; restart; re-registration
batch_id=$(sed -n 's/^registered //p' "$tmp/batch.out")
kill -9 "$daemon_pid"
wait_for "$tmp/batch.out" daemon-gone "the container to notice the daemon's death"
[ -S "$sock" ] || fail "expected a stale socket after kill -9"
start_daemon "$tmp/daemon2.log" --set log_level=debug || fail "the new daemon exited at start"
wait_for "$tmp/batch.out" "reregistered $batch_id" "re-registration with the same id"
until_listed "
assert len(rows) == 1 and rows[0]['id'] == '$batch_id' and rows[0]['cores']['active'] == 1, rows
" "re-registered container"

# 6. standalone listing, clean shutdown
"$fake" "$sock" solo be 0 2 standalone >"$tmp/solo.out" 2>&1 &
solo=$!; pids+=("$solo")
wait_for "$tmp/solo.out" standalone "standalone registration"
ps_json
check_json "
names = {r['name']: r for r in rows}
assert set(names) == {'batch', 'solo'}, rows
s = names['solo']
assert s['mode'] == 'standalone' and s['id'] == 's$solo' and s['pids'] == [$solo]
assert s['queue_delay_us'] == {'current': None, 'p99': None}
assert s['cores']['active'] == 2
" "standalone container listed"
kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
[ -e "$sock" ] && fail "socket not removed on SIGTERM"
"$junction" ps --json >"$tmp/ps.json" 2>"$tmp/ps.err" || fail "ps with only standalone containers"
grep -q "no daemon is running" "$tmp/ps.err" || fail "ps did not say the daemon is down"
kill -TERM "$solo"; wait "$solo"
"$junction" ps --json >/dev/null 2>&1 && fail "ps with nothing running should exit 1"
echo PASS
