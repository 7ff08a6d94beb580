#!/bin/bash
# Waits across processes (progs/xproc_wait.c): the same stdout natively and
# under junction, and a wake-up after a 30 ms wait about as prompt as
# Linux's (median of 15: at most 4x the native one, or 300 us more). Until
# cross-process wakes rang the waiter's process, a waiter re-checked at
# intervals growing to 2 ms, so such a wake took ~1 ms.
# Usage: xproc_wait_test.sh JUNCTION PROGRAM
set -u
junction=$1
prog=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$prog" >"$tmp/native" 2>"$tmp/native.err" || { echo "FAIL: native run"; cat "$tmp/native.err"; exit 1; }
timeout 120 "$junction" run -- "$prog" >"$tmp/junction" 2>"$tmp/junction.err" ||
  { echo "FAIL: junction run"; cat "$tmp/junction" "$tmp/junction.err"; exit 1; }
if ! diff "$tmp/native" "$tmp/junction"; then
  echo "FAIL: output differs (native <, junction >)"
  exit 1
fi
native=$(awk '/^wake_latency_us/ {print $2}' "$tmp/native.err")
jct=$(awk '/^wake_latency_us/ {print $2}' "$tmp/junction.err")
echo "wake-up after a 30 ms wait, median: native ${native} us, junction ${jct} us"
if [ -z "$native" ] || [ -z "$jct" ]; then
  echo "FAIL: no latency figure"
  exit 1
fi
limit=$((native * 4 > native + 300 ? native * 4 : native + 300))
if [ "$jct" -gt "$limit" ]; then
  echo "FAIL: junction's wake-up ${jct} us > ${limit} us"
  exit 1
fi
echo PASS
