#!/bin/bash
# CPU time per operation (perf stat task-clock, all threads), native vs
# junction, from the difference of two runs of `junction bench worker`
# (cancels start-up and warm-up). Less sensitive than `junction bench`'s
# wall-clock medians to other load on the machine (docs/performance.md).
# Needs perf (Debian: linux-perf).
# Usage: [J=path/to/junction] scripts/bench-cpu-time.sh ["SUITE NAME N1 N2"...]
# (with no arguments, the default list below; N1 < N2 iteration counts)
set -eu
J=${J:-build/release/junction}
APP=$(mktemp --suffix=.toml); echo 'name = "app"' > "$APP"
tc() { taskset -c 1 perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/{print $1}'; }
printf "%-18s %10s %10s %7s\n" bench native_ns junction_ns ratio
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=("threads futex_pingpong 20000 200000" "threads condvar_pingpong 20000 200000" \
            "threads create_join 2000 20000" "ipc pipe_pingpong 20000 200000" "file pread_4k 100000 1000000" \
            "proc fork_exit 20 220" "proc fork_exec 20 220" "proc spawn_true 20 220")
for spec in "${specs[@]}"; do
  set -- $spec
  n1=$(tc $J bench worker $1 $2 $3); n2=$(tc $J bench worker $1 $2 $4)
  j1=$(tc $J run "$APP" -- $J bench worker $1 $2 $3); j2=$(tc $J run "$APP" -- $J bench worker $1 $2 $4)
  awk -v b=$2 -v n1=$n1 -v n2=$n2 -v j1=$j1 -v j2=$j2 -v a=$3 -v c=$4 'BEGIN{
    # worker runs N + N/10 (warm-up, at most 10000) iterations
    wa=a/10; if (wa>10000) wa=10000; wc=c/10; if (wc>10000) wc=10000;
    d=(c+wc)-(a+wa); nn=(n2-n1)*1e6/d; jj=(j2-j1)*1e6/d;
    printf "%-18s %10.1f %10.1f %7.3f\n", b, nn, jj, jj/nn }'
done
rm -f "$APP"
