#!/usr/bin/env bash
# `junction run --strace-file` of a guest whose system call arguments point
# into memory that faults (progs/sys_guest_fault_copy.c): the log's decoder
# reads guest strings and structs with the fault-tolerant copy, so the run
# gives the native output and the log shows the bad pointers as addresses.
#
# usage: strace_guest_fault_test.sh JUNCTION APP_TOML PROGRAM
set -u
junction=$1; app=$2; prog=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$prog" >"$tmp/native.out" || { echo "FAIL: native run exited $?"; exit 1; }
"$junction" run "$app" --strace-file "$tmp/log" -- "$prog" >"$tmp/junction.out"
rc=$?
[ $rc = 0 ] || { echo "FAIL: junction run exited $rc"; exit 1; }
diff "$tmp/native.out" "$tmp/junction.out" || { echo "FAIL: output differs"; exit 1; }
grep -Eq '^openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) += -1 EFAULT' "$tmp/log" ||
  { echo "FAIL: no openat of a bad path in the log"; exit 1; }
echo PASS
