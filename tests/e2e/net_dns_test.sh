#!/bin/sh
# A DNS lookup through glibc's resolver (A and AAAA sent with sendmmsg),
# native vs junction, against a tiny responder on 127.0.0.1 (the program
# points its resolver state there, so /etc/resolv.conf is not needed).
# usage: net_dns_test.sh COMPARE JUNCTION APP_TOML LOOKUP_PROGRAM RESPONDER
set -u
COMPARE=$1; JUNCTION=$2; APP=$3; LOOKUP=$4; RESPONDER=$5
DIR=$(mktemp -d)
python3 "$RESPONDER" >"$DIR/port" &
PID=$!
PORT=""
# Until the responder has bound its port (up to 30 s on a loaded machine).
for i in $(seq 1 300); do
  PORT=$(cat "$DIR/port" 2>/dev/null) && [ -n "$PORT" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
rc=1
if [ -n "$PORT" ]; then
  "$COMPARE" "$JUNCTION" "$APP" -- "$LOOKUP" "$PORT"
  rc=$?
else
  echo "FAIL: the responder did not start"
fi
kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
rm -rf "$DIR"
exit $rc
