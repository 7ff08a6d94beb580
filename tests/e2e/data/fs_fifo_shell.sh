#!/bin/bash
# mkfifo in a shell pipeline: a background reader and a writer in the same
# shell, both blocking in open until the other end arrives; then the reverse
# order (the writer's open waits for a reader started later).
set -e
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkfifo "$d/f"
cat "$d/f" &
echo hi > "$d/f"
wait
{ echo from-writer > "$d/f"; } &
sleep 0.1
cat "$d/f"
wait
echo done
