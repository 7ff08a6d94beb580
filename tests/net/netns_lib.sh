# Shared set-up for the tests/net scripts (sourced, not run): a scratch
# directory, a private daemon socket, a namespace name, and a cleanup that
# kills every process the test started and deletes the namespace whatever
# happens; and the bounded waits (tests/lib/wait.sh). Callers set $junction
# first and append their pids to `pids`.
#
# usage: . netns_lib.sh PREFIX     (namespace junction-PREFIX-$$)
ns=junction-$1-$$
tmp=$(mktemp -d "/tmp/junction-$1.XXXXXX")
sock=$tmp/control.sock
export JUNCTION_SOCKET=$sock
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- junction ps --json (counters at the failure)"
  timeout 5 "$junction" ps --json 2>&1
  for f in "$tmp"/*.log "$tmp"/*.out; do [ -e "$f" ] && { echo "--- $f"; tail -60 "$f"; }; done
  exit 1
}
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
