#!/usr/bin/env bash
# Real programs in bypass containers through `junction daemon` (TAP port),
# inside a network namespace this test creates and always deletes. One
# CASE per run (each a ctest of its own, label net):
#   redis      redis-server in one container, redis-benchmark in another
#   go_http    a Go net/http server and client in two containers
#   node_http  a Node `http` server and client in two containers
#   iperf3     iperf3 -s in a container, the host's iperf3 -c both ways
#   lossy      100 MiB each way with 1% loss on the TAP's host side (tc
#              netem, or nftables netdev hooks), sha256 checked
#   syn_flood  a raw-socket SYN flood at a listening container while a
#              normal connection keeps echoing, and a new one after it
# usage: net_apps_test.sh CASE JUNCTION [GO_HTTP]
set -u
case_=$1
junction=$(realpath "$2")
go_http=${3:-}
need() { command -v "$1" >/dev/null || { echo "SKIP: no $1 ($2)"; exit 77; }; }
case $case_ in
  redis) need redis-server redis-server; need redis-benchmark redis-tools ;;
  go_http) [ -x "$go_http" ] || { echo "SKIP: go_http not built (no go)"; exit 77; } ;;
  node_http) need node nodejs ;;
  iperf3) need iperf3 "iperf3; scripts/install-deps.sh" ;;
  lossy) ;;
  syn_flood) ;;
  *) echo "unknown case $case_"; exit 2 ;;
esac

. "$(dirname "$0")/netns_lib.sh" apps
start() {  # $1: name (log $tmp/$1.out), then the command; pid in $last
  local name=$1
  shift
  "$junction" run "$tmp/$name.toml" -- "$@" >"$tmp/$name.out" 2>&1 &
  last=$!
  pids+=("$last")
}
# The guest answers ping once its stack is up (ARP by the daemon).
wait_ping() {
  in_ns ping -c 1 -W 10 "$1" >/dev/null 2>&1 || fail "container $1 does not answer ping"
}

net=10.99.0
host=$net.1
srv=$net.2
cli=$net.3
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app server $srv
bypass_app client $cli

# Container-to-container cases: nothing but ARP/announcements may cross the
# NIC while they run.
nic_rx() { in_ns cat /sys/class/net/jtap0/statistics/rx_packets; }

case $case_ in
redis)
  start server redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no
  wait_for "$tmp/server.out" "Ready to accept" "redis-server"
  before=$(nic_rx)
  "$junction" run "$tmp/client.toml" -- redis-benchmark -h $srv -p 6379 -n 2000 -c 10 -t set,get -q \
    >"$tmp/client.out" 2>&1 || fail "redis-benchmark exited $?"
  cat "$tmp/client.out" | tr '\r' '\n' | grep -E '^(SET|GET):.*requests per second' || fail "redis-benchmark: no SET/GET results"
  [ "$(tr '\r' '\n' <"$tmp/client.out" | grep -cE '^(SET|GET):.*requests per second')" = 2 ] || fail "redis-benchmark: missing results"
  # And the data is really there: a key set through the daemon reads back.
  # (Two separate runs; a `sh -c` pipeline would work too: net.sh_children.)
  out=$("$junction" run "$tmp/client.toml" -- redis-cli -h $srv set jkey jvalue 2>&1)
  [ "$out" = OK ] || fail "redis-cli set: $out"
  out=$("$junction" run "$tmp/client.toml" -- redis-cli -h $srv get jkey 2>&1)
  [ "$out" = jvalue ] || fail "redis-cli get: $out"
  [ $(($(nic_rx) - before)) -lt 100 ] || fail "container-to-container traffic went out on the NIC"
  ;;
go_http)
  start server "$go_http" server 8080
  wait_for "$tmp/server.out" listening "the Go server"
  before=$(nic_rx)
  "$junction" run "$tmp/client.toml" -- "$go_http" client http://$srv:8080 >"$tmp/client.out" 2>&1 ||
    fail "Go client exited $?"
  cat "$tmp/client.out"
  grep -q "go http client ok" "$tmp/client.out" || fail "Go client"
  [ $(($(nic_rx) - before)) -lt 100 ] || fail "container-to-container traffic went out on the NIC"
  ;;
node_http)
  cat >"$tmp/server.js" <<'JS'
const http = require('http');
function body(n) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + n) % 251; return b; }
http.createServer((req, res) => {
  const n = parseInt(req.url.slice(1), 10);
  if (!(n >= 0 && n <= (8 << 20))) { res.writeHead(400); res.end(); return; }
  res.end(body(n));
}).listen(8080, () => console.log('listening'));
JS
  cat >"$tmp/client.js" <<'JS'
const http = require('http');
const host = process.argv[2];
function body(n) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + n) % 251; return b; }
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function get(n) {
  return new Promise((resolve, reject) => {
    http.get({ host, port: 8080, path: '/' + n, agent, timeout: 60000 }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const got = Buffer.concat(parts);
        if (res.statusCode !== 200 || !got.equals(body(n))) reject(new Error(`/${n}: ${res.statusCode}, ${got.length} bytes`));
        else resolve();
      });
    }).on('error', reject);
  });
}
(async () => {
  const sizes = [0, 1, 1000, 65536, 1 << 20, (2 << 20) + 17];
  await Promise.all([0, 1, 2, 3].map(async () => { for (const n of sizes) await get(n); }));
  console.log('node http client ok:', 4 * sizes.length, 'requests');
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
JS
  start server node "$tmp/server.js"
  wait_for "$tmp/server.out" listening "the Node server"
  before=$(nic_rx)
  "$junction" run "$tmp/client.toml" -- node "$tmp/client.js" $srv >"$tmp/client.out" 2>&1 || fail "Node client exited $?"
  cat "$tmp/client.out"
  grep -q "node http client ok" "$tmp/client.out" || fail "Node client"
  [ $(($(nic_rx) - before)) -lt 100 ] || fail "container-to-container traffic went out on the NIC"
  ;;
iperf3)
  start server iperf3 -s -p 5201 --forceflush
  wait_for "$tmp/server.out" "Server listening" "iperf3 -s"
  for dir in up down; do
    flag=; [ $dir = down ] && flag=-R
    in_ns timeout 60 iperf3 -c $srv -p 5201 -t 2 $flag --json >"$tmp/iperf-$dir.json" 2>&1 ||
      fail "iperf3 -c $flag exited $? ($(tail -5 "$tmp/iperf-$dir.json"))"
    python3 - "$tmp/iperf-$dir.json" $dir <<'PY' || fail "iperf3 $dir result"
import json, sys
r = json.load(open(sys.argv[1]))
assert "error" not in r, r.get("error")
sent, recv = r["end"]["sum_sent"], r["end"]["sum_received"]
assert recv["bytes"] > 0 and recv["bits_per_second"] > 0, recv
print("iperf3 %s (%s): %.1f Mbit/s, %d bytes received, %d retransmits" % (
    sys.argv[2], "host -> container" if sys.argv[2] == "up" else "container -> host",
    recv["bits_per_second"] / 1e6, recv["bytes"], sent.get("retransmits", 0)))
PY
  done
  ;;
lossy)
  # 1% loss on the TAP's host side, both ways: tc netem where the kernel
  # has it (egress only: the host's data one way, its ACKs the other),
  # else nftables' netdev hooks on the TAP, egress and ingress (this
  # VM's kernel has no sch_netem but has nf_tables netdev).
  if in_ns tc qdisc add dev jtap0 root netem loss 1% 2>/dev/null; then
    loss_stats() { in_ns tc -s qdisc show dev jtap0 | grep -o 'dropped [0-9]*' | head -1; }
  elif command -v nft >/dev/null && in_ns nft -f - <<'NFT'
table netdev jloss {
  chain out { type filter hook egress device "jtap0" priority 0; numgen random mod 100 < 1 counter drop; }
  chain in { type filter hook ingress device "jtap0" priority 0; numgen random mod 100 < 1 counter drop; }
}
NFT
  then
    loss_stats() { in_ns nft list table netdev jloss | grep -o 'hook [a-z]*\|packets [0-9]*' | paste -sd' '; }
  else
    echo "SKIP: neither tc netem nor nftables netdev hooks to inject loss"; exit 77
  fi
  head -c $((100 << 20)) /dev/urandom >"$tmp/blob.bin"
  want=$(sha256sum <"$tmp/blob.bin" | cut -d' ' -f1)
  sink='import hashlib, socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", int(sys.argv[1]))); l.listen(1); print("listening", flush=True)
c, _ = l.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 16)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)'
  send='import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5); break
    except OSError: time.sleep(0.1)
s.settimeout(120)
with open(sys.argv[3], "rb") as f:
    while True:
        d = f.read(1 << 16)
        if not d: break
        s.sendall(d)
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()'
  # host -> container
  start server python3 -c "$sink" 9000
  wait_for "$tmp/server.out" listening "the sink in the container"
  in_ns timeout 300 python3 -c "$send" $srv 9000 "$tmp/blob.bin" || fail "host -> container send"
  wait_for "$tmp/server.out" "^$((100 << 20)) " "the container's checksum"
  got=$(awk 'NR==2 {print $2}' "$tmp/server.out")
  [ "$got" = "$want" ] || fail "host -> container: sha256 $got, want $want"
  echo "host -> container 100 MiB with 1% loss: ok"
  echo "dropped so far: $(loss_stats)"
  # container -> host
  (in_ns python3 -c "$sink" 9001 >"$tmp/hostsink.out" 2>&1) &
  pids+=($!)
  wait_for "$tmp/hostsink.out" listening "the sink on the host"
  "$junction" run "$tmp/client.toml" -- python3 -c "$send" $host 9001 "$tmp/blob.bin" >"$tmp/client.out" 2>&1 ||
    fail "container -> host send"
  wait_for "$tmp/hostsink.out" "^$((100 << 20)) " "the host's checksum"
  got=$(awk 'NR==2 {print $2}' "$tmp/hostsink.out")
  [ "$got" = "$want" ] || fail "container -> host: sha256 $got, want $want"
  echo "container -> host 100 MiB with 1% loss: ok"
  echo "dropped so far: $(loss_stats)"
  ;;
syn_flood)
  start server python3 -c '
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
s = socketserver.ThreadingTCPServer(("0.0.0.0", 7000), Echo)
print("listening", flush=True)
s.serve_forever()'
  wait_for "$tmp/server.out" listening "the echo server"
  wait_ping $srv
  # A normal connection that echoes throughout the flood.
  (in_ns python3 - $srv >"$tmp/steady.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7000), timeout=10)
f = s.makefile("rwb")
print("connected", flush=True)
i = 0
end = time.time() + 6
while time.time() < end:
    f.write(b"line %d\n" % i); f.flush()
    assert f.readline() == b"line %d\n" % i
    i += 1
print("steady echoes ok:", i, flush=True)
PY
  ) &
  steady=$!
  pids+=("$steady")
  wait_for "$tmp/steady.out" connected "the steady connection"
  before=$("$junction" ps --json | python3 -c 'import json,sys; n = {r["name"]: r for r in json.load(sys.stdin)}["server"]["net"]; print(n["rx_packets"], n["tx_packets"])')
  # 20000 SYNs from made-up sources (198.18.0.0/15, never answered: their
  # SYN-ACKs go to the gateway, which drops them) straight onto the TAP.
  in_ns python3 - $srv <<'PY' || fail "sending the flood"
import random, socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
dst = socket.inet_aton(sys.argv[1])
dmac = bytes.fromhex("024a") + dst
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind(("jtap0", 0))
smac = open("/sys/class/net/jtap0/address").read().strip()
smac = bytes.fromhex(smac.replace(":", ""))
rnd = random.Random(1)
for i in range(20000):
    src = bytes([198, 18 + (i & 1), rnd.randrange(256), rnd.randrange(1, 255)])
    sport = rnd.randrange(1024, 65535)
    tcp = struct.pack("!HHIIBBHHH", sport, 7000, rnd.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    try:
        tx.send(dmac + smac + b"\x08\x00" + ip + tcp)
    except OSError:
        pass  # a full TAP queue: that SYN is lost, as on a real wire
print("flood sent")
PY
  wait "$steady" || fail "the steady connection broke during the flood ($(cat "$tmp/steady.out"))"
  cat "$tmp/steady.out"
  # A new connection after the flood: the half-open entries fill the SYN
  # queue for 30 s more, but the listener answers with SYN cookies, so the
  # handshake needs no retry (before cookies it waited up to 30 s).
  in_ns python3 - $srv <<'PY' || fail "a new connection after the flood"
import socket, sys, time
t0 = time.monotonic()
s = socket.create_connection((sys.argv[1], 7000), timeout=20)
s.settimeout(20)
s.sendall(b"after the flood\n")
assert s.makefile("rb").readline() == b"after the flood\n"
print("new connection after the flood ok (%.2f s)" % (time.monotonic() - t0))
PY
  "$junction" ps --json >"$tmp/ps.json"
  echoes=$(sed -n 's/^steady echoes ok: //p' "$tmp/steady.out")
  python3 - "$tmp/ps.json" $before "$echoes" <<'PY' || fail "the flood did not reach the container, or was not answered"
import json, sys
n = {r["name"]: r for r in json.load(open(sys.argv[1]))}["server"]["net"]
got = n["rx_packets"] - int(sys.argv[2])
sent = n["tx_packets"] - int(sys.argv[3])
print("the container received %d frames during the flood and sent %d besides %s echoes; daemon drops %s" %
      (got, sent - int(sys.argv[4]), sys.argv[4], {k: v for k, v in n["drops"].items() if v}))
assert got >= 1000, (got, n)
# Each echo is one frame; the rest are SYN-ACKs: SYN cookies answer the
# flood beyond the SYN queue's 16 (they go to the gateway, which drops them).
assert sent - int(sys.argv[4]) >= 1000, (sent, n)
PY
  ;;
esac
[ -e /proc/$daemon_pid ] || fail "the daemon died"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exit status $?"
echo PASS
