#!/usr/bin/env python3
# Matches a guest's rounds (scripts/probes/sleep_rounds.c output: DEADLINE_NS
# LATE_NS per line) with a CPU trace (scripts/cpu-ftrace.sh) and says, for
# every round later than THRESHOLD_US, what the trace shows from 150 us
# before its deadline to the guest's clock read: the sleeper switched in
# after the deadline (its timer late, or another task held the CPU), a page
# fault of its own, the interrupts and timers that ran, or nothing at all
# (the path itself, or the vCPU stolen). COMM is the prefix of the traced
# process's name (junction's binary name, or the bare probe's). The first
# SKIP rounds (warm-up) are left out. docs/performance.md, "Busy grant tail,
# fifth session".
# Usage: round-events.py ROUNDS_FILE TRACE_FILE COMM [THRESHOLD_US [SKIP]] [-v]
import bisect
import collections
import re
import sys

args = [a for a in sys.argv[1:] if a != "-v"]
verbose = "-v" in sys.argv[1:]
rounds_file, trace_file, comm = args[0], args[1], args[2]
thr = float(args[3]) if len(args) > 3 else 10
skip = int(args[4]) if len(args) > 4 else 100

line_re = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\S+):\s*(.*)$')
events = []
for line in open(trace_file):
    m = line_re.match(line)
    if m:
        who, pid, _, ts, name, rest = m.groups()
        events.append((int(round(float(ts) * 1e6)), who, int(pid), name, rest))
events.sort(key=lambda e: e[0])
times = [e[0] for e in events]
first = times[0] if times else 0
IRQS = ("local_timer_entry", "call_function_entry", "call_function_single_entry", "reschedule_entry",
        "irq_handler_entry", "irq_work_entry", "softirq_entry")

rounds = [tuple(map(int, l.split())) for l in open(rounds_file)][skip:]
kinds, lates, n, slow = collections.Counter(), collections.defaultdict(list), 0, 0
for deadline, late in rounds:
    d, lus = deadline // 1000, late / 1000
    if d - 150 < first:
        continue  # before the trace (its buffer wrapped)
    n += 1
    if lus <= thr:
        continue
    slow += 1
    w = events[bisect.bisect_left(times, d - 150):bisect.bisect_right(times, d + lus + 1)]
    ours = [e for e in w if e[1].startswith(comm)]
    if any(e[3] == "sched_switch" and ("next_comm=" + comm) in e[4] and e[0] >= d - 3 for e in w):
        k = "switched in after the deadline (timer late, or another task on the CPU)"
    elif any(e[3] == "sched_switch" and e[4].startswith("prev_comm=" + comm) for e in w):
        k = "switched out while polling"
    elif any(e[3].startswith("page_fault") and e[0] >= d - 5 for e in ours):
        k = "page fault of its own"
    else:
        what = set()
        for e in w:
            if e[0] < d - 60:
                continue
            if e[3] == "hrtimer_expire_entry":
                what.add("timer " + e[4].split("function=")[1].split()[0])
            elif e[3] == "softirq_entry":
                what.add("softirq " + e[4].split("action=")[-1].rstrip("]"))
            elif e[3] in IRQS and e[3] != "local_timer_entry":
                what.add(e[3].replace("_entry", ""))
        k = "interrupts: " + ", ".join(sorted(what)) if what else "nothing on the CPU (the path, or the vCPU stolen)"
    kinds[k] += 1
    lates[k].append(lus)
    if verbose:
        print("round %d late %.1f us: %s" % (d, lus, k))
        for e in w:
            print("   %+7d %s-%d %s %s" % (e[0] - d, e[1], e[2], e[3], e[4][:100]))
print("%d rounds in the trace, %d later than %g us" % (n, slow, thr))
for k, v in kinds.most_common():
    xs = sorted(lates[k])
    print("  %4d  %s (late median %.1f us)" % (v, k, xs[len(xs) // 2]))
