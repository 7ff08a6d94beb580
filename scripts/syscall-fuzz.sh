#!/usr/bin/env bash
# Runs the differential system call fuzzer over many seeds by hand: each
# seed natively and under junction (tests/e2e/syscall_fuzz_test.sh).
#
# usage: scripts/syscall-fuzz.sh [--robust] FIRST_SEED LAST_SEED [CALLS [GENERATORS]]
#   env BUILD=build/release (junction and the fuzzer binary),
#   APP=app.toml (default packaging/examples/minimal.toml: one kthread;
#   tests/e2e/data/two_cores.toml runs the guest on two),
#   FUZZ_KEEP=DIR (transcripts of failing seeds), FUZZ_CHECK_NATIVE=1
#   (each seed twice natively first: catches fuzzer nondeterminism).
# Without --robust every difference from Linux is reported, the known ones
# (docs/syscalls.md) included; with it only crashes, hangs and LibOS bugs.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build/release}
robust=()
if [ "${1:-}" = --robust ]; then robust=(--robust); shift; fi
exec "$here/tests/e2e/syscall_fuzz_test.sh" "${robust[@]}" "$build/junction" "${APP:-$here/packaging/examples/minimal.toml}" \
  "$build/tests/e2e/e2e_syscall_fuzz" "$@"
