#!/usr/bin/env python3
# Reads a grant trace (JUNCTION_GRANT_TRACE, docs/daemon.md "Tracing
# grants") and prints each step's percentiles and, for every round slower
# than THRESHOLD_US, the stage its time went to. Used by scripts/grant-trace.sh.
# Usage: grant-trace-stages.py TRACE ROUNDS THRESHOLD_US [-v]
import sys

path, rounds, thr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
verbose = "-v" in sys.argv[4:]
steps = ["keeper_sleep", "keeper_asked", "keeper_woke", "grant", "grant_seen", "timer_run", "run"]
rows = []
for line in open(path):
    if line.startswith("#"):
        continue
    f = line.split()[1:]
    r = {n: None if x == "-" else int(x) / 1000 for n, x in zip(steps, f[:7])}
    # Newer traces: host scheduler statistics and the longest poll gap (µs; counts as is).
    extra = ["sleep_wait", "poll_exec", "poll_wait", "poll_slices", "poll_gap", "poll_gap_end"]
    for n, x in zip(extra, f[7:]):
        r[n] = None if x == "-" else (int(x) if n == "poll_slices" else int(x) / 1000)
    rows.append(r)
rows = rows[-rounds:]  # the warm-up rounds come first


def pct(xs, p):
    xs = sorted(x for x in xs if x is not None)
    return xs[min(len(xs) - 1, len(xs) * p // 100)] if xs else None


def fmt(v):
    return "-" if v is None else "%.1f" % v


print("%-13s %9s %9s %9s %9s %8s" % ("step", "p50", "p90", "p99", "max", "missing"))
for n in steps[1:]:
    xs = [r[n] for r in rows]
    print("%-13s %9s %9s %9s %9s %8d" % (n, fmt(pct(xs, 50)), fmt(pct(xs, 90)), fmt(pct(xs, 99)),
                                         fmt(pct(xs, 100)), sum(x is None for x in xs)))
have_stats = any(r.get("poll_exec") is not None for r in rows)


def stage(r):
    """The stage a slow round lost its time in, and how much (µs)."""
    kw, ka, g, gs, tr, run = r["keeper_woke"], r["keeper_asked"], r["grant"], r["grant_seen"], r["timer_run"], r["run"]
    if kw is not None and kw > -2:
        # Asleep at the deadline: the host timer (ahead of it) fired late, or
        # the woken kthread waited for its CPU.
        sw = r.get("sleep_wait")
        if ka is None:  # a sleep without a timeout: the grant's FUTEX_WAKE ended it
            return "keeper asleep at the deadline, woken by the grant", kw - (g if g is not None else 0)
        if sw is not None and sw >= (kw - ka) / 2:
            return "keeper woke late: runnable, waiting for cpu (run queue)", sw
        return "keeper woke late: host timer / halted-vCPU wake-up", kw - ka - (sw or 0)
    if g is not None and g > 0 and (kw is None or kw < g) and gs is not None and gs - g < 20:
        return "daemon granted after the deadline (kthread awake)", g
    if have_stats and r.get("poll_exec") is not None and kw is not None:
        window = run - kw
        wait, exe = r["poll_wait"], r["poll_exec"]
        other = window - wait - exe
        if wait >= max(other, 3):
            return "awake: preempted by another task (run queue)", wait
        if other >= 3:
            return "awake: vCPU stolen / interrupts (not on any task)", other
        if (r.get("poll_gap") or 0) >= 3:
            return "awake, on CPU: one poll gap (interrupt or our code)", r["poll_gap"]
    if gs is not None and g is not None and gs - max(g, kw if kw is not None else -1e9) >= 20:
        return "awake but off its CPU when the grant came", gs - g
    if tr is not None and tr > thr:
        return "awake, timer's uthread woken late", tr
    if tr is not None and run - tr > thr:
        return "timer's uthread switched to late", run - tr
    return "other / spread over steps", run


ahead = sum(1 for r in rows if r["run"] is not None and r["run"] < 0)
if ahead:
    # The keeper ended a plain sleep ahead of its deadline on its idle core
    # and the sleeper polled up to it in Park (docs/daemon.md, "Timers
    # without a core"): the trace's run is that early switch, and the
    # round's lateness only the guest's own figure (wake_us) shows.
    print("%d of %d rounds switched to the sleeper ahead of its deadline (lateness: the guest's wake_us)"
          % (ahead, len(rows)))
slow = {}
for r in rows:
    if r["run"] is None or r["run"] <= thr:
        continue
    why, lost = stage(r)
    slow.setdefault(why, []).append((r["run"], lost, r))
print("%d of %d rounds slower than %g us:" % (sum(len(v) for v in slow.values()), len(rows), thr))
for why, xs in sorted(slow.items(), key=lambda kv: -len(kv[1])):
    late = sorted(x[0] for x in xs)
    lost = sorted(x[1] for x in xs)
    print("  %4d  %s: late median %.0f max %.0f us; stage median %.0f us" %
          (len(xs), why, late[len(late) // 2], late[-1], lost[len(lost) // 2]))
    if verbose:
        for run, _, r in sorted(xs, key=lambda x: x[0]):
            print("        " + " ".join("%s=%s" % (k, fmt(v) if isinstance(v, float) else v)
                                       for k, v in r.items() if v is not None))
