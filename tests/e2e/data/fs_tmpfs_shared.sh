#!/bin/bash
# fs_tmpfs_shared.sh JUNCTION PROG TOML: runs PROG on a 1M tmpfs natively
# (mounted here; needs root) and under junction on the config tmpfs mount
# of TOML (/mnt/shtmpfs, size 1M), compares the outputs, and checks that
# the mount's host directory is gone once the container has exited.
set -u
junction=$1; prog=$2; toml=$3
tmp=$(mktemp -d)
trap 'umount "$tmp/mnt" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/mnt"
if ! mount -t tmpfs -o size=1M tmpfs "$tmp/mnt"; then
  echo "cannot mount a tmpfs for the native run (not root?)"; exit 1
fi
"$prog" "$tmp/mnt" | sed "s#$tmp/mnt#DIR#g" >"$tmp/native.out"
umount "$tmp/mnt"
"$junction" run "$toml" -- "$prog" /mnt/shtmpfs >"$tmp/junction.raw" 2>"$tmp/junction.err" &
pid=$!
wait $pid
rc=$?
sed "s#/mnt/shtmpfs#DIR#g" "$tmp/junction.raw" >"$tmp/junction.out"
if [ $rc != 0 ] || ! cmp -s "$tmp/native.out" "$tmp/junction.out"; then
  echo "junction exit $rc; output differs from native:"
  diff "$tmp/native.out" "$tmp/junction.out"
  head -20 "$tmp/junction.err"
  exit 1
fi
cat "$tmp/junction.out"
# The container's host directory (pid 1 is the junction process) is gone.
left=$(ls -d /dev/shm/junction-shm-$pid-* 2>/dev/null)
if [ -n "$left" ]; then echo "left behind: $left"; exit 1; fi
echo "host directory removed"
