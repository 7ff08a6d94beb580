# A host program's unix socket files reached from the guest (sourced by
# the server tests; see server_lib.sh): unix_host_server.py runs outside
# the container, unix_host_client.py under RUNNER.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

scenario() {
  local dir pid here
  here=$(dirname "${BASH_SOURCE[0]}")
  dir=$(mktemp -d)
  python3 "$here/unix_host_server.py" "$dir" >"$dir/server.out" 2>&1 &
  pid=$!
  wait_until grep -qs ready "$dir/server.out" || { echo "the host server did not start"; kill "$pid"; return 1; }
  "$@" python3 "$here/unix_host_client.py" "$dir"
  local rc=$?
  kill "$pid"
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
  return $rc
}
