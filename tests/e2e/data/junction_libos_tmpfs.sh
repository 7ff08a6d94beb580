#!/usr/bin/env bash
# `junction` for compare.sh with the LibOS's own tmpfs: runs $JUNCTION in a
# private mount namespace whose /dev/shm is an empty read-only tmpfs, so
# that junction finds no writable host /dev/shm and serves /dev/shm and
# config tmpfs mounts from the LibOS tmpfs (docs/filesystem.md) instead of
# host directories. Needs root (unshare, mount).
set -eu
exec unshare --mount --propagation private -- \
  sh -c 'mount -t tmpfs -o ro,size=4k junction-no-shm /dev/shm && exec "$JUNCTION" "$@"' sh "$@"
