#!/bin/bash
# The `grant` scenario of `junction bench sched`, traced: a daemon managing
# cpu1 (polling busy or adaptive) and a latency-critical container whose
# guest sleeps 2-5 ms and wakes, ROUNDS times, with JUNCTION_GRANT_TRACE
# (docs/daemon.md, "Tracing grants"). Prints the guest's p50/p99, each
# step's p50/p90/p99 (µs from the deadline) and the rounds slower than
# THRESHOLD_US classified by the step that made them slow. With `take`, a
# best-effort container runs a CPU-bound guest on cpu1 first (the `take`
# scenario: the daemon takes the core from it for every round).
# SPIN=1: the latency-critical container has `spinning_kthreads = 1` (its idle
# kthread polls its lent core instead of sleeping on the host).
# Usage: [J=path/to/junction] [SPIN=1] scripts/grant-trace.sh busy|adaptive [ROUNDS [THRESHOLD_US [take]]]
set -u
J=${J:-build/release/junction}
POLL=${1:?busy or adaptive}; ROUNDS=${2:-300}; THR=${3:-10}; TAKE=${4:-}
D=$(mktemp -d /tmp/junction-grant-trace.XXXXXX)
BP=
trap 'kill $DP $BP 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
"$J" daemon --set "control.socket=\"$D/c.sock\"" --set 'cores=[1]' --set "polling=\"$POLL\"" 2>"$D/daemon.log" &
DP=$!
for _ in $(seq 200); do [ -S "$D/c.sock" ] && break; sleep 0.02; done
printf 'name = "lc"\n[cpu]\nclass = "latency-critical"\nmax_cores = 1\nguaranteed_cores = 1\nspinning_kthreads = %s\n[daemon]\nsocket = "%s"\n' \
  "${SPIN:-0}" "$D/c.sock" >"$D/lc.toml"
if [ "$TAKE" = take ]; then
  printf 'name = "be"\n[cpu]\nclass = "best-effort"\nmax_cores = 1\n[daemon]\nsocket = "%s"\n' "$D/c.sock" >"$D/be.toml"
  taskset -c 1 "$J" run "$D/be.toml" -- "$J" bench worker sched spin 600000 >/dev/null 2>&1 &
  BP=$!
  sleep 0.3
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
JUNCTION_GRANT_TRACE="$D/trace" taskset -c 1 "$J" run "$D/lc.toml" -- "$J" bench worker sched wake "$ROUNDS" | grep wake_us
python3 - "$D/trace" "$ROUNDS" "$THR" <<'PY'
import sys
path, rounds, thr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
names = ["keeper_sleep", "keeper_asked", "keeper_woke", "grant", "grant_seen", "timer_run", "run"]
rows = [[None if x == "-" else int(x) / 1000 for x in l.split()[1:]]
        for l in open(path) if not l.startswith("#")][-rounds:]  # the warm-up rounds come first
def pct(col, p):
    xs = sorted(r[col] for r in rows if r[col] is not None)
    return "%.1f" % xs[min(len(xs) - 1, len(xs) * p // 100)] if xs else "-"
print("%-13s %9s %9s %9s %8s" % ("step", "p50", "p90", "p99", "missing"))
for i, n in enumerate(names[1:], 1):
    print("%-13s %9s %9s %9s %8d" % (n, pct(i, 50), pct(i, 90), pct(i, 99), sum(r[i] is None for r in rows)))
slow = {}
for ks, ka, kw, g, gs, tr, run in rows:
    if run is None or run <= thr:
        continue
    awake = kw if kw is not None else -1e9
    if g is not None and g > 0 and awake < g and gs - g < 20:
        why = "the daemon granted after the deadline (the kthread awake, waiting)"
    elif kw is not None and kw > -5:
        why = "the kthread woke late from its sleep (asked to wake ahead)"
    elif gs is not None and gs - max(g, awake) >= 20:
        why = "the kthread awake but off its CPU when the grant came"
    elif tr is not None and tr > thr:
        why = "the kthread awake (holding the core) but off its CPU at the deadline"
    elif tr is not None and run - tr > thr:
        why = "the timer's uthread woken, switched to late"
    else:
        why = "other"
    slow.setdefault(why, []).append(run)
print("%d of %d rounds slower than %g us:" % (sum(len(v) for v in slow.values()), len(rows), thr))
for why, xs in sorted(slow.items(), key=lambda kv: -len(kv[1])):
    xs.sort()
    print("  %4d  %s: median %.0f us, max %.0f us" % (len(xs), why, xs[len(xs) // 2], xs[-1]))
PY
