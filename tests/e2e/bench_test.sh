#!/usr/bin/env bash
# `junction bench --json syscall` runs and prints valid, well-formed JSON:
# one array; each element with suite, name, unit (strings), native,
# junction, ratio (numbers) and ratio == junction / native.
#
# usage: bench_test.sh JUNCTION
set -u
junction=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$junction" bench --json --iterations 2000 --repeats 3 syscall >"$tmp/out.json" 2>"$tmp/err"
rc=$?
if [ $rc != 0 ]; then
  echo "junction bench exited with $rc"; cat "$tmp/err"; cat "$tmp/out.json"; exit 1
fi

python3 - "$tmp/out.json" <<'PY'
import json, math, sys
text = open(sys.argv[1]).read()
try:
    rows = json.loads(text)
except ValueError as e:
    sys.exit(f"not JSON ({e}):\n{text}")
if not isinstance(rows, list):
    sys.exit(f"not an array: {text}")
names = set()
for r in rows:
    if not isinstance(r, dict):
        sys.exit(f"element is not an object: {r!r}")
    for k in ("suite", "name", "unit"):
        if not isinstance(r.get(k), str) or not r[k]:
            sys.exit(f"{k} missing or not a string: {r!r}")
    for k in ("native", "junction", "ratio"):
        v = r.get(k)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            sys.exit(f"{k} missing or not a number: {r!r}")
    if r["suite"] != "syscall":
        sys.exit(f"asked for suite syscall only, got {r['suite']}")
    if r["native"] <= 0 or r["junction"] <= 0:
        sys.exit(f"non-positive time: {r!r}")
    want = r["junction"] / r["native"]
    if abs(r["ratio"] - want) > 1e-3 * want:
        sys.exit(f"ratio {r['ratio']} != junction/native {want}: {r!r}")
    if "placement" in r and not isinstance(r["placement"], str):
        sys.exit(f"placement is not a string: {r!r}")
    names.add(r["name"])
for n in ("getpid", "getpid_trap"):
    if n not in names:
        sys.exit(f"no {n} row: {text}")
print(f"{len(rows)} rows OK:", ", ".join(
    f"{r['name']} {r['native']:.1f}/{r['junction']:.1f} {r['unit']} (x{r['ratio']:.3f})" for r in rows))
PY
[ $? = 0 ] || exit 1

# An unknown suite is a usage error (exit 2) naming it.
"$junction" bench nosuchsuite >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc != 2 ] || ! grep -q nosuchsuite "$tmp/err"; then
  echo "unknown suite: expected exit 2 and a message naming it, got $rc:"; cat "$tmp/err"; exit 1
fi
echo "bench_test: OK"
