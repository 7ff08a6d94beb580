#!/bin/sh
# python3 -m http.server under junction (host-network mode) answers curl
# from outside on loopback; bounded time, cleaned up.
set -u
JUNCTION=$1
PY=$(python3 -c "import sys; print(sys.executable)")
PORT=$((20000 + $$ % 20000))
DIR=$(mktemp -d)
echo "junction-http-ok" > "$DIR/probe.txt"
timeout 30 "$JUNCTION" run -- "$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$DIR" >/dev/null 2>&1 &
PID=$!
OUT=""
for i in $(seq 1 100); do
  OUT=$(curl --noproxy "*" -s -m 2 "http://127.0.0.1:$PORT/probe.txt" 2>/dev/null) && [ -n "$OUT" ] && break
  sleep 0.1
done
kill "$PID" 2>/dev/null; sleep 0.2; kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
rm -rf "$DIR"
[ "$OUT" = "junction-http-ok" ] && echo PASS || { echo "FAIL: got '$OUT'"; exit 1; }
