#!/usr/bin/env bash
# Host calls per open/close round of /dev/null and a host file with 900
# descriptors held (progs/fs_many_fds.c) stay a handful, independent of how
# many are held: the LibOS once made one host call per held descriptor on
# every lookup below /dev. Counted with real strace -f -c (the difference
# between 2000 rounds and none), so no timing is involved.
#
# usage: fs_many_fds_hostcalls.sh JUNCTION APP_TOML PROG
set -u
junction=$1; app=$2; prog=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! command -v strace >/dev/null || ! strace -o /dev/null /bin/true 2>/dev/null; then
  echo "SKIP: real strace unavailable or cannot trace here"; exit 77
fi
rounds=2000
total() {  # total host calls of junction running `prog 900 ROUNDS`
  strace -f -c -o "$tmp/c.$1" "$junction" run "$app" -- "$prog" 900 "$1" >"$tmp/out.$1" 2>&1 ||
    { echo "FAIL: the guest failed under strace:"; cat "$tmp/out.$1"; exit 1; }
  awk '$NF == "total" { print $4 }' "$tmp/c.$1"
}
base=$(total 0)
with=$(total $rounds)
per=$(( (with - base) / rounds ))
echo "host calls: $base with no rounds, $with with $rounds rounds: $per per round"
# A round is 2 opens and 2 closes; a host call per held descriptor would
# make it ~900.
if [ "$per" -gt 20 ]; then
  echo "FAIL: $per host calls per open/close round with 900 descriptors held"
  sort -k4 -n -r "$tmp/c.$rounds" | head -8
  exit 1
fi
echo "PASS"
