#!/usr/bin/env bash
# The daemon's packet path end to end, inside a network namespace this test
# creates (and always deletes): `junction daemon` drives the NIC through
# DPDK, frame-level containers (ring_container.cc) sit on their rings, and
# Linux's own tools are the other side.
#   1. ping from the namespace's host side to a container (ARP answered by
#      the daemon, ICMP answered by the container);
#   2. a UDP echo from a host socket;
#   3. container to container, switched in memory (the NIC sees none of it);
#   4. junction ps --json shows the counters;
#   5. `junction run` in bypass mode: ping reaches its LibOS stack, whether
#      the guest sleeps (a core is granted for the packets) or spins;
#   6. real programs on the bypass stacks: a UDP echo server in a container,
#      curl from the host to python's http.server in a container (4 MB,
#      sha256 checked), a container fetching from a host http.server, and
#      container to container over TCP (in memory: not on the NIC);
#      then garbage frames from the wire (dropped; everything carries on);
#   7. a container scribbling over its rings and sending garbage: counted,
#      the daemon and the other containers carry on;
#   8. kill -9 of a container: its address stops answering;
#   9. kill -9 of the daemon and a new one: containers re-register and
#      answer again;
#  10. SIGTERM: the daemon exits cleanly (the TAP device goes away).
#
# usage: net_daemon_test.sh KIND JUNCTION RING_CONTAINER
#   KIND tap | af_packet, af_xdp (veth pair) | tap_hugepages (skipped without
#   free hugepages)
set -u
kind=$1
junction=$(realpath "$2")
ctr=$(realpath "$3")
command -v ping >/dev/null || { echo "SKIP: no ping (iputils-ping)"; exit 77; }
[ "$1" != af_packet ] && [ "$1" != af_xdp ] || command -v ethtool >/dev/null || { echo "SKIP: no ethtool"; exit 77; }

. "$(dirname "$0")/netns_lib.sh" net
net=10.99.0
host=$net.1
a=$net.2
b=$net.3
case $kind in
  tap)
    ifname=jtap0
    nic=(--set nic.kind=tap --set nic.interface=jtap0 --set nic.host_address=$host/24) ;;
  tap_hugepages)
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    [ "${free:-0}" -ge 128 ] || { echo "SKIP: fewer than 128 free hugepages (reserve: echo 256 > /proc/sys/vm/nr_hugepages)"; exit 77; }
    ifname=jtap0
    nic=(--set nic.kind=tap --set nic.interface=jtap0 --set nic.host_address=$host/24 --set hugepages=true) ;;
  af_packet|af_xdp)
    ifname=jveth1  # the host side; the daemon attaches to jveth0
    in_ns ip link add jveth0 type veth peer name jveth1 || fail "veth pair"
    in_ns ip addr add $host/24 dev jveth1
    in_ns ip link set jveth0 up
    in_ns ip link set jveth1 up
    # af_packet hands the daemon frames as the sender queued them: with
    # checksum offload the kernel leaves UDP/TCP checksums unfinished.
    in_ns ethtool -K jveth1 tx off >/dev/null || fail "ethtool -K jveth1 tx off"
    nic=(--set nic.kind=$kind --set nic.interface=jveth0) ;;
  *) echo "unknown kind $kind"; exit 2 ;;
esac

if ! start_daemon "$tmp/daemon.log" --set log_level=debug "${nic[@]}"; then
  # AF_XDP needs kernel and libxdp support this machine may lack.
  [ "$kind" = af_xdp ] && { echo "SKIP: af_xdp port unavailable: $(grep 'nic:' "$tmp/daemon.log")"; exit 77; }
  fail "the daemon exited at start"
fi
grep "nic:" "$tmp/daemon.log"
[ -e /proc/$daemon_pid ] || fail "daemon died"

"$ctr" "$sock" echo-a $a echo >"$tmp/a.out" 2>&1 &
pids+=($!)
a_pid=$!
wait_for "$tmp/a.out" attached "container A"

# 1. ping (ARP by the daemon, ICMP by the container)
in_ns ping -c 3 -i 0.2 -W 5 $a >"$tmp/ping.out" 2>&1 || fail "ping $a"
grep -q "3 received" "$tmp/ping.out" || fail "ping: $(cat "$tmp/ping.out")"
in_ns ip neigh show $a | grep -q "02:4a:0a:63:00:02" || fail "ARP: $(in_ns ip neigh show $a)"

# 2. UDP echo from a host socket
in_ns python3 - $a <<'PY' || fail "UDP echo from the host"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(10):
    msg = b"junction %d" % i
    s.sendto(msg, (sys.argv[1], 7))
    data, peer = s.recvfrom(2048)
    assert data == msg and peer == (sys.argv[1], 7), (data, peer)
print("udp echo ok")
PY

# 3. container to container, in memory
before=$(in_ns cat /sys/class/net/$ifname/statistics/rx_packets)
"$ctr" "$sock" client-b $b udp-client $a 7 50 >"$tmp/b.out" 2>&1 || fail "container B -> A"
grep -q "echoed 50/50" "$tmp/b.out" || fail "B: $(cat "$tmp/b.out")"
after=$(in_ns cat /sys/class/net/$ifname/statistics/rx_packets)
[ $((after - before)) -lt 50 ] || fail "container-to-container frames went out on the NIC ($before -> $after)"

# 4. counters in ps
"$junction" ps --json >"$tmp/ps.json" || fail "ps --json"
python3 - "$tmp/ps.json" <<'PY' || fail "ps --json counters: $(cat "$tmp/ps.json")"
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
a = rows["echo-a"]
n = a["net"]
assert a["ip"] == "10.99.0.2", a
assert n["rx_packets"] >= 3 + 10 + 50 and n["tx_packets"] >= 3 + 10 + 50, n
assert n["rx_bytes"] > 0 and n["tx_bytes"] > 0, n
assert set(n["drops"]) == {"rx_ring_full", "rx_no_buffer", "rx_no_queue", "too_big", "bad_descriptor",
                           "ring_corrupt", "malformed", "spoofed", "no_route", "nic_full"}, n
print("ps counters ok:", n["rx_packets"], n["tx_packets"])
PY
"$junction" ps | grep -q "PKTS" || fail "ps table has no packet column"

# 5. a real container: `junction run` in bypass mode, its LibOS stack on the
#    rings; ICMP echo is answered by that stack. The guest sleeps (the
#    daemon must grant a core for the packets) or spins (the kthread polls
#    between time slices).
bypass_app guest $net.5
guest_listed() { "$junction" ps --json 2>/dev/null | grep -q '"guest"'; }
for guest in sleep spin; do
  if [ $guest = sleep ]; then cmd=(/bin/sleep 60); else cmd=(/bin/sh -c 'while :; do :; done'); fi
  "$junction" run "$tmp/guest.toml" -- "${cmd[@]}" >"$tmp/guest-$guest.out" 2>&1 &
  guest_pid=$!
  pids+=("$guest_pid")
  wait_until guest_listed || fail "guest $guest was never listed by ps"
  in_ns ping -c 3 -i 0.2 -W 5 $net.5 >"$tmp/ping-$guest.out" 2>&1 ||
    fail "ping a junction run guest that does '$guest' ($(cat "$tmp/ping-$guest.out"))"
  "$junction" ps --json >"$tmp/ps.json"
  python3 -c '
import json, sys
g = {r["name"]: r for r in json.load(open(sys.argv[1]))}["guest"]
# At least the echo requests in, and an echo reply out besides the
# announcement (ping passed: at least one reply came back).
assert g["net"]["rx_packets"] >= 3 and g["net"]["tx_packets"] >= 2, g["net"]
' "$tmp/ps.json" || fail "guest counters: $(cat "$tmp/ps.json")"
  kill -9 "$guest_pid"
  gone=$((${gone:-0} + 1))
  wait_until lines_match "$tmp/daemon.log" '"guest" is gone' $gone || fail "the daemon did not drop guest $guest"
done

# 6. real programs over the bypass stacks: a UDP echo server in a container
#    (host client), curl from the host to python's http.server in a
#    container, that container fetching from a host http.server, and a
#    second container fetching from the first (switched in memory).
bypass_app udp-echo $net.6
bypass_app web $net.7
bypass_app fetcher $net.8
mkdir -p "$tmp/www" "$tmp/hostwww"
head -c 4000000 /dev/urandom >"$tmp/www/blob.bin"
want=$(sha256sum <"$tmp/www/blob.bin" | cut -d' ' -f1)
echo "from the host" >"$tmp/hostwww/hello.txt"
"$junction" run "$tmp/udp-echo.toml" -- python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7))
while True:
    d, a = s.recvfrom(4096)
    s.sendto(d, a)
' >"$tmp/udp-echo.out" 2>&1 &
pids+=($!)
(cd "$tmp/www" && exec "$junction" run "$tmp/web.toml" -- python3 -u -m http.server 8000) >"$tmp/web.out" 2>&1 &
pids+=($!)
(cd "$tmp/hostwww" && exec ip netns exec "$ns" python3 -m http.server 8080 --bind $host) >"$tmp/hostweb.out" 2>&1 &
pids+=($!)
wait_for "$tmp/web.out" "Serving HTTP" "http.server in the container"
in_ns python3 - $net.6 <<'PY' || fail "UDP echo to a container's python ($(cat "$tmp/udp-echo.out"))"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
ok = 0
for i in range(40):  # the server may still be starting: retry the first ones
    try:
        s.sendto(b"ping %d" % i, (sys.argv[1], 7))
        d, _ = s.recvfrom(100)
        assert d == b"ping %d" % i, d
        ok += 1
        if ok == 20:
            break
    except socket.timeout:
        continue
assert ok == 20, ok
print("udp echo to a container ok")
PY
got=$(in_ns curl -sS -m 30 http://$net.7:8000/blob.bin | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "curl from the host: sha256 $got, want $want"
echo "curl host -> container ok"
fetch='import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode().strip())'
out=$("$junction" run "$tmp/fetcher.toml" -- python3 -c "$fetch" http://$host:8080/hello.txt 2>&1) ||
  fail "container -> host http: $out"
[ "$out" = "from the host" ] || fail "container -> host http: got '$out'"
echo "container -> host ok"
before=$(in_ns cat /sys/class/net/$ifname/statistics/rx_packets)
sum='import hashlib, sys, urllib.request
print(hashlib.sha256(urllib.request.urlopen(sys.argv[1], timeout=60).read()).hexdigest())'
out=$("$junction" run "$tmp/fetcher.toml" -- python3 -c "$sum" http://$net.7:8000/blob.bin 2>&1) ||
  fail "container -> container http: $out"
[ "$out" = "$want" ] || fail "container -> container http: got '$out'"
after=$(in_ns cat /sys/class/net/$ifname/statistics/rx_packets)
[ $((after - before)) -lt 100 ] || fail "container-to-container TCP went out on the NIC ($before -> $after)"
echo "container -> container ok"

# 6b. garbage from the wire: random bytes, truncated and lying IPv4 and ARP
#     headers, sent into the daemon's port from the host side. Dropped and
#     counted; the daemon and the containers carry on.
in_ns python3 - $ifname <<'PY' || fail "sending garbage frames"
import os, random, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
mac = bytes.fromhex("024a0a630006")  # the udp-echo container
rnd = random.Random(7)
sent = 0
for i in range(3000):
    body = os.urandom(rnd.randint(0, 300))
    kind = i % 5
    if kind == 0:
        f = body
    elif kind == 1:
        f = mac + os.urandom(6) + b"\x08\x00" + body
    elif kind == 2:
        f = b"\xff" * 6 + os.urandom(6) + b"\x08\x06" + body
    elif kind == 3:  # IPv4 whose total length claims more than the frame has
        f = mac + os.urandom(6) + b"\x08\x00" + bytes([0x45, 0, 0xff, 0xff]) + body
    else:  # an IPv4 header length smaller than the minimum
        f = mac + os.urandom(6) + b"\x08\x00" + bytes([0x41, 0, 0, 40]) + body
    try:
        s.send(f)
        sent += 1
    except OSError:
        pass
print("garbage frames sent:", sent)
PY
[ -e /proc/$daemon_pid ] || fail "the daemon died on garbage from the wire"
in_ns ping -c 2 -i 0.2 -W 5 $net.6 >"$tmp/ping-garbage.out" 2>&1 || fail "ping after garbage: $(cat "$tmp/ping-garbage.out")"

# 7. a container that scribbles over its rings
"$ctr" "$sock" scribbler $net.9 scribble >"$tmp/bad.out" 2>&1 &
bad_pid=$!
pids+=("$bad_pid")
wait_for "$tmp/bad.out" attached "the scribbler"
# Its garbage is counted once the daemon has polled its rings: wait for
# that (a loaded machine may take a while), then ping while it goes on.
scribbler_drops() {
  "$junction" ps --json >"$tmp/ps.json" || fail "ps --json with a scribbler"
  python3 - "$tmp/ps.json" <<'PY'
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
d = rows["scribbler"]["net"]["drops"]
if sum(d.values()) == 0:
    sys.exit(1)
print("scribbler dropped:", {k: v for k, v in d.items() if v})
PY
}
wait_until scribbler_drops || fail "the scribbler's garbage was never counted: $(cat "$tmp/ps.json")"
in_ns ping -c 2 -i 0.2 -W 5 $a >"$tmp/ping2.out" 2>&1 || fail "ping $a while another container scribbles"
kill -9 "$bad_pid"
[ -e /proc/$daemon_pid ] || fail "the daemon died"

# 8. a killed container stops answering
kill -9 "$a_pid"
wait_for "$tmp/daemon.log" "echo-a\" is gone" "the daemon to drop container A"
in_ns ip neigh flush dev $ifname
in_ns ping -c 1 -W 1 $a >/dev/null 2>&1 && fail "ping $a answered after its container died"

# 9. kill -9 of the daemon, and a new one: the containers re-register with
#    their regions (the rings resume where they were) and answer again.
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
start_daemon "$tmp/daemon2.log" --set log_level=debug "${nic[@]}" || fail "the new daemon exited at start"
wait_for "$tmp/daemon2.log" '"udp-echo" registered.*re-registration' "the udp-echo container to re-register"
in_ns ping -c 3 -i 0.2 -W 5 $net.6 >"$tmp/ping3.out" 2>&1 || fail "ping after a daemon restart: $(cat "$tmp/ping3.out")"

# 10. clean shutdown
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exit status $?"
[ -e "$sock" ] && fail "socket not removed"
if [ "$kind" = tap ] || [ "$kind" = tap_hugepages ]; then
  in_ns ip link show jtap0 >/dev/null 2>&1 && fail "TAP device left behind"
fi
echo PASS
