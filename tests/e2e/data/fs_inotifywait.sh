#!/usr/bin/env bash
# inotifywait (inotify-tools) in a child process watching a host
# directory while this shell changes files in it: a real program's
# blocking inotify reads, with events from another process.
set -u
d=$(mktemp -d /tmp/inotifywait.XXXXXX)
trap 'rm -rf "$d" "$d.out" "$d.err"' EXIT
inotifywait -m --format '%e %f' -e create,modify,close_write,moved_from,moved_to,delete,attrib \
  "$d" >"$d.out" 2>"$d.err" &
pid=$!
# Until it has its watch (it says so on stderr): a polling loop, bounded.
for _ in $(seq 1 2000); do grep -q "Watches established" "$d.err" && break; sleep 0.01; done
echo hello >"$d/a"
mv "$d/a" "$d/b"
chmod 600 "$d/b"
mkdir "$d/sub"
rm "$d/b"
rmdir "$d/sub"
touch "$d/done"
for _ in $(seq 1 2000); do grep -q "CLOSE_WRITE,CLOSE done" "$d.out" && break; sleep 0.01; done
kill "$pid"
wait "$pid" 2>/dev/null
cat "$d.out"
