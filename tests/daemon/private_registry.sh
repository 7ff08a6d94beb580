#!/bin/sh
# Runs a daemon test with a standalone registry of its own: the test's
# `junction ps` must list only the containers it started, while `ps`
# lists every standalone container of the machine (docs/daemon.md
# "Standalone registry"), including other test runs' or a user's. A
# private tmpfs over /tmp/junction-UID in a new mount namespace hides
# them; without the privilege for that, the test runs as it is.
dir=/tmp/junction-$(id -u)
mkdir -p "$dir"
if unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private sh -c \
    'mount -t tmpfs -o mode=0755 junction-test-registry "$0" && exec "$@"' "$dir" "$@"
fi
exec "$@"
