#!/bin/sh
# python3 -m http.server under junction (host-network mode) answers curl
# from outside on loopback; bounded time, cleaned up. The server is polled
# until it answers (up to 60 s: its start-up on a loaded machine is slow).
set -u
JUNCTION=$1
PY=$(python3 -c "import sys; print(sys.executable)")
PORT=$((20000 + $$ % 20000))
DIR=$(mktemp -d)
echo "junction-http-ok" > "$DIR/probe.txt"
timeout 90 "$JUNCTION" run -- "$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$DIR" >/dev/null 2>&1 &
PID=$!
OUT=""
deadline=$(($(date +%s) + 60))
while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$PID" 2>/dev/null; do
  OUT=$(curl --noproxy "*" -s -m 5 "http://127.0.0.1:$PORT/probe.txt" 2>/dev/null) && [ -n "$OUT" ] && break
  sleep 0.1
done
# timeout passes SIGTERM on and exits with the server; SIGKILL only if it hangs.
kill "$PID" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
rm -rf "$DIR"
[ "$OUT" = "junction-http-ok" ] && echo PASS || { echo "FAIL: got '$OUT'"; exit 1; }
