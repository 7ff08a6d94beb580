#!/bin/bash
# The `net` suite's tcp_stream, run by hand as the suite runs it (a daemon
# with nic.kind = "none" managing CPU 1, two bypass containers sharing
# it, `junction bench worker net server` and `... net stream MIB`), for
# several binaries in turn, ROUNDS times. Per run: the client's MiB/s and
# the CPU time per MiB of client + server (perf stat task-clock of the
# client, /proc schedstat of the server over the client's run): less
# sensitive to other load than MiB/s, which is what the suite reports.
# Needs perf (Debian: linux-perf).
# Usage: scripts/bench-net-stream.sh POLLING MIB ROUNDS NAME=JUNCTION...
#   e.g. scripts/bench-net-stream.sh adaptive 128 5 old=/tmp/j-old new=build/release/junction
set -u
pol=$1 mib=$2 rounds=$3
shift 3
runs=$(mktemp)
dir=$(mktemp -d)
trap 'rm -rf "$dir" "$runs"' EXIT

cpu_ms() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.1f", s / 1e6}'; }

one_run() {  # one_run JUNCTION: prints "MiB/s client_ms server_ms"
  local j=$1 sock=$dir/control.sock n a dp sp u t s0 s1 i
  rm -f "$dir"/*
  for n in server client; do
    a=10.99.0.2; [ $n = client ] && a=10.99.0.3
    printf 'name = "stream-%s-%s"\n[cpu]\nclass = "latency-critical"\nmax_cores = 1\nguaranteed_cores = 1\n[net]\nmode = "bypass"\naddress = "%s/24"\n[daemon]\nsocket = "%s"\n' \
      $n $$ $a "$sock" > "$dir/$n.toml"
  done
  taskset -c 1 "$j" daemon --set "control.socket=\"$sock\"" --set 'cores=[1]' --set "polling=\"$pol\"" \
    --set 'nic.kind="none"' > "$dir/daemon.log" 2>&1 &
  dp=$!
  for i in $(seq 500); do grep -q "listening on" "$dir/daemon.log" 2>/dev/null && break; sleep 0.01; done
  taskset -c 1 "$j" run "$dir/server.toml" -- "$j" bench worker net server 1 > "$dir/server.out" 2>&1 &
  sp=$!
  for i in $(seq 1000); do grep -q "^ports" "$dir/server.out" 2>/dev/null && break; sleep 0.01; done
  read -r _ u t < <(grep ^ports "$dir/server.out")
  s0=$(cpu_ms $sp)
  JUNCTION_BENCH_NET_PEER="10.99.0.2 $u $t" taskset -c 1 perf stat -x, -o "$dir/client.perf" -e task-clock \
    "$j" run "$dir/client.toml" -- "$j" bench worker net stream "$mib" > "$dir/client.out" 2>&1
  s1=$(cpu_ms $sp)
  kill -9 $sp; kill -TERM $dp; wait $sp $dp 2>/dev/null
  echo "$(grep -o '^[0-9.]*$' "$dir/client.out" | tail -1) $(awk -F, '/task-clock/{print $1}' "$dir/client.perf")" \
    "$(echo "$s1 - $s0" | bc)"
}

for r in $(seq "$rounds"); do
  for nb in "$@"; do
    read -r rate c s < <(one_run "${nb#*=}")
    echo "${nb%%=*} $rate $(echo "scale=3; ($c + $s) / $mib" | bc)" | tee -a "$runs"
  done
done
echo "binary: median MiB/s, median (min) client+server CPU ms/MiB"
for nb in "$@"; do
  n=${nb%%=*}
  awk -v n="$n" '$1 == n {print $2}' "$runs" | sort -n | awk '{v[NR] = $1} END {printf "%s: %s", "'"$n"'", v[int((NR + 1) / 2)]}'
  awk -v n="$n" '$1 == n {print $3}' "$runs" | sort -n | awk '{v[NR] = $1} END {printf ", %s (%s)\n", v[int((NR + 1) / 2)], v[1]}'
done
