#!/usr/bin/env bash
# usage: if_host_admits_deadline.sh PROBE -- CMD ARGS...
# Runs CMD if the host admits a SCHED_DEADLINE task now (PROBE exits 0),
# else exits 77 (ctest: skipped): the host's deadline bandwidth is shared
# with every process on the machine, and Linux keeps what a task gave back
# counted for a while, so a native run may be refused whatever the LibOS
# does.
probe=$1; shift 2
if ! "$probe" --probe; then
  echo "the host admits no SCHED_DEADLINE task now: skipped"
  exit 77
fi
exec "$@"
