#!/bin/sh
# Runs tap_interop in a network namespace of its own (root needed), so the
# 10.99.7.0/24 addresses and the TAP device never touch the host's network.
# The namespace is removed however the test ends.
set -u
bin=$1
ns="jn-tap-$$"
ip netns add "$ns" || { echo "cannot create netns $ns"; exit 1; }
trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
timeout 900 ip netns exec "$ns" "$bin"
