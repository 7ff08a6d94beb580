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
# KEEP=FILE keeps the trace; VERBOSE=1 prints every slow round's steps.
# NOTRACE=1 runs the same without the trace (its reads are on the path):
# only the guest's own figures (wake_us, wake_late_rounds).
# RT=1 (a diagnosis, not a configuration: needs root) makes the latency-critical
# container's threads SCHED_FIFO once started, so other processes on the
# machine cannot delay them: what is left is the VM's and junction's own.
# Stages: scripts/grant-trace-stages.py (also runs on a kept trace).
# Usage: [J=path/to/junction] [SPIN=1] [RT=1] [NOTRACE=1] scripts/grant-trace.sh busy|adaptive [ROUNDS [THRESHOLD_US [take]]]
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
TRACE_ENV=JUNCTION_GRANT_TRACE="$D/trace"
[ -n "${NOTRACE:-}" ] && TRACE_ENV=JUNCTION_GRANT_TRACE_OFF=1
env "$TRACE_ENV" taskset -c 1 "$J" run "$D/lc.toml" -- "$J" bench worker sched wake "$ROUNDS" >"$D/out" &
LP=$!
if [ -n "${RT:-}" ]; then
  # After start-up (the LibOS sets each thread's policy then: short_slice.h),
  # during the warm-up rounds, which the stages leave out.
  sleep 0.3
  for t in /proc/$LP/task/*; do chrt -f -p 1 "${t##*/}"; done
fi
wait $LP
grep -E "wake_(us p50|late_rounds)" "$D/out"
[ -n "${NOTRACE:-}" ] && exit 0
python3 "$(dirname "$0")/grant-trace-stages.py" "$D/trace" "$ROUNDS" "$THR" ${VERBOSE:+-v}
[ -n "${KEEP:-}" ] && cp "$D/trace" "$KEEP"
exit 0
