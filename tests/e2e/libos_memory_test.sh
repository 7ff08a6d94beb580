#!/usr/bin/env bash
# Runs `bad_pointers --libos FILE` under junction and hands it an address of
# LibOS memory: a writable mapping of the junction binary, read from the
# host's /proc/PID/maps of the junction process (the guest cannot see it).
# usage: libos_memory_test.sh JUNCTION BAD_POINTERS
set -u
junction=$1; prog=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$junction" run -- "$prog" --libos "$tmp/addr" >"$tmp/out" 2>&1 &
pid=$!
line=
for _ in $(seq 1 200); do
  line=$(grep -m1 -E ' rw.p [0-9a-f]+ [0-9a-f:]+ [0-9]+ +.*/junction$' "/proc/$pid/maps" 2>/dev/null)
  [ -n "$line" ] && break
  sleep 0.05
done
if [ -z "$line" ]; then echo "no junction mapping found in /proc/$pid/maps"; fi
echo "${line%%-*}" >"$tmp/addr.new" && mv "$tmp/addr.new" "$tmp/addr"
wait "$pid"; rc=$?
cat "$tmp/out"
exit $rc
