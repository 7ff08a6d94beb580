#!/usr/bin/env bash
# Runs compare.sh (natively and under junction, outputs compared) once
# every program a test drives is installed; exit 77 (skipped) otherwise
# (junction_e2e's NEEDS).
#
# usage: compare_if_installed.sh "PROGRAM..." COMPARE_ARGS...
set -u
PATH=$PATH:/usr/sbin
for program in $1; do
  command -v "$program" >/dev/null ||
    { echo "SKIP: $program not installed (scripts/install-deps.sh)"; exit 77; }
done
shift
exec "$(dirname "$0")/compare.sh" "$@"
