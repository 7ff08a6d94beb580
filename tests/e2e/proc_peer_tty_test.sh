#!/usr/bin/env bash
# ps's TTY column for the container's processes on a terminal:
# data/proc/peer_tty.sh under script(1) (a new pseudo-terminal), natively
# as the init of a pid namespace and under junction; the terminal's number
# is normalised (each run gets its own).
# usage: proc_peer_tty_test.sh JUNCTION APP_TOML SCRIPT
set -u
junction=$1; app=$2; script=$3
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
command -v script >/dev/null || { echo "SKIP: no script(1)"; exit 77; }
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  echo "SKIP: no pid namespaces here (unshare --pid needs root)"; exit 77
fi
norm() { tr -d '\r' | sed -E 's|pts/[0-9]+|pts/N|' | awk '{$1=$1};1'; }
native=$(script -qec "unshare --pid --fork --mount-proc bash $script" /dev/null </dev/null | norm)
ours=$(script -qec "timeout 60 $junction run $app -- bash $script 2>/dev/null" /dev/null </dev/null | norm)
if ! grep -q '^pts/N ps$' <<<"$native"; then
  echo "the native run did not show its terminal:"; echo "$native"; exit 1
fi
if [ "$native" != "$ours" ]; then
  echo "differs:"; diff <(echo "$native") <(echo "$ours"); exit 1
fi
echo "same: $(tr '\n' ';' <<<"$native")"
