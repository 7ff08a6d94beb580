#!/usr/bin/env bash
# `junction bench net` runs to the end and prints every row: each with a
# positive native and junction figure and ratio == junction / native.
# A smoke test (few iterations, one repeat); the figures are not judged.
#
# usage: bench_net_test.sh JUNCTION
set -u
junction=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/scratch"
TMPDIR=$tmp/scratch "$junction" bench --json --iterations 50 --repeats 1 net >"$tmp/out.json" 2>"$tmp/err"
rc=$?
if [ $rc != 0 ]; then
  echo "junction bench net exited with $rc"; cat "$tmp/err"; cat "$tmp/out.json"; exit 1
fi

python3 - "$tmp/out.json" <<'PY'
import json, math, sys
rows = json.loads(open(sys.argv[1]).read())
want = [f"{k}_{p}" for p in ("adaptive", "busy")
        for k in ("udp_rtt_1b", "udp_rtt_1k", "tcp_rtt_1b", "tcp_rtt_1k", "tcp_stream")]
got = {r["name"]: r for r in rows if r.get("suite") == "net"}
missing = [n for n in want if n not in got]
if missing or len(rows) != len(want):
    sys.exit(f"rows missing {missing}, or extra rows: {rows}")
for r in rows:
    for k in ("native", "junction", "ratio"):
        v = r.get(k)
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            sys.exit(f"{k} not a positive number: {r!r}")
    if abs(r["ratio"] - r["junction"] / r["native"]) > 1e-3 * r["ratio"]:
        sys.exit(f"ratio is not junction/native: {r!r}")
print("\n".join(f"{r['name']}: {r['native']:.1f} / {r['junction']:.1f} {r['unit']}" for r in rows))
PY
[ $? = 0 ] || exit 1

# Nothing left behind in its scratch directory (daemon socket, configs,
# registrations of containers that ran standalone).
left=$(ls -A "$tmp/scratch")
[ -z "$left" ] || { echo "left behind: $left"; exit 1; }
echo "bench_net_test: OK"
