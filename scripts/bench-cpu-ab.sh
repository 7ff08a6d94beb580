#!/bin/bash
# Interleaved A/B of two junction binaries: CPU time per operation of one
# `junction bench worker` benchmark under `junction run` (perf stat
# task-clock, difference of a short and a long run, as bench-cpu-time.sh),
# A and B alternating REPS times so that load changes hit both alike.
# Prints, per binary, the minimum and every run in ns/op.
# Usage: scripts/bench-cpu-ab.sh SUITE NAME JUNCTION_A JUNCTION_B [REPS] [N1 N2]
set -eu
suite=$1 name=$2 a=$3 b=$4 reps=${5:-5} n1=${6:-20000} n2=${7:-420000}
APP=$(mktemp --suffix=.toml); echo 'name = "app"' > "$APP"
trap 'rm -f "$APP"' EXIT
tc() { taskset -c 1 perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/{print $1}'; }
per_op() {
  local t1 t2
  t1=$(tc "$1" run "$APP" -- "$1" bench worker "$suite" "$name" "$n1")
  t2=$(tc "$1" run "$APP" -- "$1" bench worker "$suite" "$name" "$n2")
  # worker runs N + N/10 (warm-up, at most 10000) iterations
  awk -v t1="$t1" -v t2="$t2" -v a="$n1" -v c="$n2" 'BEGIN{
    wa=a/10; if (wa>10000) wa=10000; wc=c/10; if (wc>10000) wc=10000;
    printf "%.1f\n", (t2-t1)*1e6/((c+wc)-(a+wa)) }'
}
for _ in $(seq "$reps"); do
  echo "A $(per_op "$a")"
  echo "B $(per_op "$b")"
done | sort -k1,1 -k2n | awk -v s="$suite $name" '
  { v[$1]=v[$1]" "$2; if (!($1 in m)) m[$1]=$2 }
  END { for (k in v) printf "%s %s: min %s ns/op, runs%s\n", s, k, m[k], v[k] }' | sort
