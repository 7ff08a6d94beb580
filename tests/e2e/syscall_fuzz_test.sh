#!/usr/bin/env bash
# Runs the system call fuzzer (progs/syscall_fuzz.c) for each seed natively
# and under `junction run` and compares the transcripts line for line; also
# fails when junction reports a LibOS bug, hangs, or the guest dies where
# the native run did not.
#
# usage: syscall_fuzz_test.sh [--robust] JUNCTION APP_TOML FUZZER FIRST_SEED LAST_SEED [CALLS [GENERATORS]]
#   --robust    only the LibOS's robustness counts (no crash, hang, LibOS bug
#               report or guest death), not the transcripts: for the call
#               mix whose known differences from Linux are listed in
#               docs/syscalls.md ("Known differences found by the fuzzer")
#   GENERATORS  comma-separated generator names (the fuzzer's `gens`)
#   env FUZZ_KEEP=DIR keeps the transcripts of failing seeds in DIR;
#   env FUZZ_CHECK_NATIVE=1 also runs each seed natively twice (a fuzzer
#   change that made a transcript depend on the run shows up there first);
#   env FUZZ_REPEAT=N runs each seed N times (for problems that show in
#   some runs only: the threads generator's).
set -u
robust=0
if [ "${1:-}" = --robust ]; then robust=1; shift; fi
junction=$1; app=$2; fuzzer=$3; first=$4; last=$5; calls=${6:-2000}; gens=${7:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The fuzzer makes its private directory under TMPDIR: one we remove.
export TMPDIR=$tmp
failed=0
for seed in $(for s in $(seq "$first" "$last"); do for _ in $(seq "${FUZZ_REPEAT:-1}"); do echo "$s"; done; done); do
  "$fuzzer" "$seed" "$calls" $gens >"$tmp/native.out" 2>"$tmp/native.err" </dev/null
  native_rc=$?
  if [ "${FUZZ_CHECK_NATIVE:-0}" = 1 ]; then
    "$fuzzer" "$seed" "$calls" $gens >"$tmp/native2.out" 2>/dev/null </dev/null
    if ! cmp -s "$tmp/native.out" "$tmp/native2.out"; then
      echo "seed $seed: two native runs differ (the fuzzer is not deterministic here):"
      diff "$tmp/native.out" "$tmp/native2.out" | head -6
      failed=1
      continue
    fi
  fi
  # A run natively takes well under a second: minutes mean a hang.
  timeout -k 5 "${FUZZ_TIMEOUT:-60}" "$junction" run "$app" -- "$fuzzer" "$seed" "$calls" $gens \
    >"$tmp/junction.out" 2>"$tmp/junction.err" </dev/null
  junction_rc=$?
  problem=""
  if [ "$native_rc" != 0 ] || ! tail -1 "$tmp/native.out" | grep -q "^done "; then
    problem="the native run did not finish (exit $native_rc)"
  elif [ "$junction_rc" = 124 ] || [ "$junction_rc" = 137 ]; then
    problem="the junction run hung (killed after ${FUZZ_TIMEOUT:-60} s)"
  elif grep -q "LibOS bug" "$tmp/junction.err"; then
    problem="junction reported a LibOS bug"
  elif [ "$junction_rc" != "$native_rc" ]; then
    problem="exit status differs: native $native_rc, junction $junction_rc"
  elif [ $robust = 1 ] && ! tail -1 "$tmp/junction.out" | grep -q "^done "; then
    problem="the junction run did not finish"
  elif [ $robust = 0 ] && ! cmp -s "$tmp/native.out" "$tmp/junction.out"; then
    problem="transcripts differ"
  fi
  if [ -n "$problem" ]; then
    failed=1
    echo "seed $seed: $problem; first difference (native <, junction >):"
    diff "$tmp/native.out" "$tmp/junction.out" | head -6
    head -5 "$tmp/junction.err"
    if [ -n "${FUZZ_KEEP:-}" ]; then
      mkdir -p "$FUZZ_KEEP"
      cp "$tmp/native.out" "$FUZZ_KEEP/$seed.native"
      cp "$tmp/junction.out" "$FUZZ_KEEP/$seed.junction"
      cp "$tmp/junction.err" "$FUZZ_KEEP/$seed.junction.err"
    fi
  fi
done
if [ $failed = 0 ] && [ $robust = 1 ]; then
  echo "seeds $first..$last x $calls calls: junction ran every call to the end, no LibOS bug reported"
elif [ $failed = 0 ]; then
  echo "seeds $first..$last x $calls calls${gens:+ ($gens)}: the same transcripts natively and under junction"
fi
exit $failed
