#!/bin/sh
# NETLINK_ROUTE in a bypass container shows the container's interfaces,
# not the host's: `ip addr`, `ip route`, `ip route get` and python's
# if_nameindex() under junction with tests/e2e/data/net_bypass.toml.
set -u
junction=$1; app=$2
fail=0
run() { timeout 60 "$junction" run "$app" -- "$@" 2>&1; }
expect() {  # expect OUTPUT PATTERN WHAT
  if printf '%s\n' "$1" | grep -qE "$2"; then echo "ok: $3"; else echo "FAILED: $3 (no /$2/ in:)"; printf '%s\n' "$1"; fail=1; fi
}
out=$(run ip addr)
expect "$out" '^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536' "lo listed first"
expect "$out" 'inet 127\.0\.0\.1/8 scope host lo' "lo has 127.0.0.1/8"
expect "$out" '^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500' "eth0 up with the configured MTU"
expect "$out" 'link/ether 02:4a:0a:63:00:02 brd ff:ff:ff:ff:ff:ff' "eth0 has the container's MAC"
expect "$out" 'inet 10\.99\.0\.2/24 brd 10\.99\.0\.255 scope global eth0' "eth0 has the configured address"
expect "$out" 'valid_lft forever' "addresses are permanent"
if [ "$(printf '%s\n' "$out" | grep -c '^[0-9]*:')" != 2 ]; then echo "FAILED: not exactly two interfaces"; fail=1; fi
out=$(run ip -4 route)
expect "$out" '^default via 10\.99\.0\.1 dev eth0' "default route via the gateway"
expect "$out" '^10\.99\.0\.0/24 dev eth0 proto kernel scope link src 10\.99\.0\.2' "subnet route"
out=$(run ip route get 192.0.2.7)
expect "$out" '^192\.0\.2\.7 via 10\.99\.0\.1 dev eth0' "route lookup outside the subnet"
out=$(run ip link set eth0 down)
expect "$out" 'Operation not permitted' "changes are refused"
out=$(run python3 -c 'import socket; print(socket.if_nameindex()); print(socket.if_nametoindex("eth0"))')
expect "$out" "^\[\(1, 'lo'\), \(2, 'eth0'\)\]" "if_nameindex"
exit $fail
