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
# A server on two FIFOs (the coprocess pattern): its shell opens `in` for
# reading, then `out` for writing; ours opens `in` for writing, then `out`
# for reading, before anything is written. Each open must return as soon as
# the other end opens, or the two shells wait on each other for ever.
mkfifo "$d/in" "$d/out"
(while read -r line; do echo "got $line"; done) <"$d/in" >"$d/out" &
exec 3>"$d/in" 4<"$d/out"
echo ping >&3
read -r reply <&4
echo "$reply"
exec 3>&-
wait
exec 4<&-
echo done
