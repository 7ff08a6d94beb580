#!/usr/bin/env bash
# A guest cannot reach the daemon's control socket through a host mount
# (docs/security.md): natively the connect succeeds; under junction (root
# "/", so the socket file is visible) it is ECONNREFUSED, by its path and
# through a symlink to it, while a host program's socket next to it still
# connects.
#
# usage: control_socket_reach_test.sh JUNCTION
set -u
junction=$1
. "$(dirname "$0")/../lib/daemon_env.sh" reach-test
start_daemon "$tmp/daemon.log" || fail "the daemon exited at start"
ln -s "$sock" "$tmp/link.sock"
python3 -c "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); print('ready', flush=True); time.sleep(60)" \
  "$tmp/other.sock" >"$tmp/other.out" 2>&1 &
pids+=($!)
wait_for "$tmp/other.out" ready "the host program's socket"
cat >"$tmp/client.py" <<'PY'
import os, socket, sys
for p in sys.argv[1:]:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(p)
        print(os.path.basename(p), "connected")
    except OSError as e:
        print(os.path.basename(p) + ":", os.strerror(e.errno))
    c.close()
PY
native=$(python3 "$tmp/client.py" "$sock" "$tmp/link.sock" "$tmp/other.sock")
guest=$("$junction" run -- python3 "$tmp/client.py" "$sock" "$tmp/link.sock" "$tmp/other.sock" 2>"$tmp/run.err")
want_native=$'control.sock connected\nlink.sock connected\nother.sock connected'
want_guest=$'control.sock: Connection refused\nlink.sock: Connection refused\nother.sock connected'
[ "$native" = "$want_native" ] || fail "natively: $native"
[ "$guest" = "$want_guest" ] || fail "under junction: $guest"
echo PASS
