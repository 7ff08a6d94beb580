#!/bin/bash
# A process that exits with open TCP connections (docs/network.md
# "Connections outliving their process"), run natively and as a bypass
# container on a TAP daemon in a namespace; each case's client output must
# be the same both ways (root; the namespace is deleted whatever happens).
#   send        a server writes 8 MiB and exits (os._exit, no close), then
#               one that closes and exits: the client (Linux, then another
#               container) reads all of it and end of stream
#   send_lossy  the same, 16 MiB, with 1% of the TAP's frames dropped each
#               way (nftables netdev hooks, as net.apps_lossy)
#   unread_rst  the server exits with the client's bytes unread: the client
#               sees a reset (RFC 2525 2.17, as Linux)
#   linger0     the server sets SO_LINGER {1, 0} and exits: a reset
#   linger_wait the server fills its buffers, sets SO_LINGER {1, 60} and
#               closes while the client (64 KiB receive buffer) reads: close
#               returns once the client acknowledged everything, which the
#               client's progress file then shows (at most its window and
#               one read behind the end)
#   linger_timeout  the same with {1, 2} and a client that reads only after
#               close returned: close returns 0 after the 2 s, the server
#               exits, and the client still gets all of it (the rest went
#               on in the background: Linux's orphan, the daemon's here)
# usage: net_exit_test.sh CASE JUNCTION
set -u
case_=$1
junction=$(realpath "$2")
case $case_ in send|send_lossy|unread_rst|linger0|linger_wait|linger_timeout) ;; *) echo "unknown case $case_"; exit 2 ;; esac

. "$(dirname "$0")/netns_lib.sh" exit
host=10.99.0.1 srv=10.99.0.2 cli=10.99.0.3
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app server $srv
bypass_app client $cli

if [ "$case_" = send_lossy ]; then
  command -v nft >/dev/null && in_ns nft -f - <<'NFT' || { echo "SKIP: no nftables netdev hooks to inject loss"; exit 77; }
table netdev jloss {
  chain out { type filter hook egress device "jtap0" priority 0; numgen random mod 100 < 1 counter drop; }
  chain in { type filter hook ingress device "jtap0" priority 0; numgen random mod 100 < 1 counter drop; }
}
NFT
fi

# The server: one connection, then what the case says, then os._exit
# (exit_group: the LibOS, like Linux, closes what the program left open).
# A lingering close fills both sides' buffers with a known pattern first.
server='import os, random, select, socket, struct, sys, time
port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", port)); l.listen(1); print("listening", flush=True)
c, _ = l.accept()
if mode == "unread":
    select.select([c], [], [])  # the client s bytes are here, never read
elif mode == "linger0":
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
elif mode.startswith("linger_"):
    data, total = random.Random(7).randbytes(8 << 20), 0
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    c.setblocking(False)
    try:
        while True: total += c.send(data[total:total + 65536])
    except BlockingIOError: pass
    c.setblocking(True)
    secs = 60 if mode == "linger_wait" else 2
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, secs))
    print("closing", total, flush=True)
    t0 = time.monotonic(); c.close(); took = time.monotonic() - t0
    if mode == "linger_wait":
        try: seen = int(open(sys.argv[4]).read() or 0)
        except FileNotFoundError: seen = 0
        print("close returned with the client at most its window behind:", seen + (512 << 10) >= total)
    else:
        print("close returned after the linger time:", took >= secs - 0.1)  # (jiffies: up to a tick early)
    print("closed", flush=True)
else:
    c.sendall(random.Random(n).randbytes(n))
    if mode == "close":
        c.close(); l.close()
print("exiting", flush=True)
os._exit(0)'
# The client: reads to the end; says how it ended (a timeout is a failure).
# For a lingering close it has a small receive buffer, starts reading when
# the server closes (or once the close returned), and writes how much it
# read after each read to a progress file (argv 5); it checks the pattern.
client='import hashlib, os, random, socket, sys, time
mode = sys.argv[3]
def server_said(word):
    while True:
        for line in open(sys.argv[4]):
            if line.startswith(word): return line.split()
        time.sleep(0.02)
for _ in range(200):
    try:
        s = socket.socket()
        if mode.startswith("linger_"): s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(5); s.connect((sys.argv[1], int(sys.argv[2]))); break
    except ConnectionResetError:  # (the server was quicker than our connect s last step)
        print("reset after 0 bytes"); sys.exit(0)
    except OSError: s.close(); time.sleep(0.05)
s.settimeout(120)
if mode == "unread": s.sendall(b"x" * 1000)
if mode.startswith("linger_"):
    total = int(server_said("closing")[1])
    if mode == "linger_timeout": server_said("closed")
    want, got = random.Random(7).randbytes(8 << 20)[:total], bytearray()
    while True:
        d = s.recv(1 << 16)
        if not d: break
        got += d
        with open(sys.argv[5] + ".new", "w") as f: f.write(str(len(got)))
        os.replace(sys.argv[5] + ".new", sys.argv[5])
    print("eof after", "all the bytes sent" if got == want else "other bytes")
    sys.exit(0)
h = hashlib.sha256(); n = 0
try:
    while True:
        d = s.recv(1 << 16)
        if not d: break
        h.update(d); n += len(d)
    print("eof", n, h.hexdigest())
except ConnectionResetError:
    print("reset after", n, "bytes")
except socket.timeout:
    print("timed out after", n, "bytes")'

port=9000
# One round: the server (native or in a container), the client (native or
# in a container); the client's line goes to $line.
round() {  # $1: native|junction (server), $2: native|junction (client), $3: mode, $4: bytes
  port=$((port + 1))
  local addr=$host
  rm -f "$tmp/server.out" "$tmp/progress"
  if [ "$1" = native ]; then
    (in_ns python3 -c "$server" $port "$3" "$4" "$tmp/progress" >"$tmp/server.out" 2>&1) &
  else
    addr=$srv
    "$junction" run "$tmp/server.toml" -- python3 -c "$server" $port "$3" "$4" "$tmp/progress" \
      >"$tmp/server.out" 2>&1 &
  fi
  local spid=$!
  pids+=($spid)
  wait_for "$tmp/server.out" listening "the server ($1)"
  if [ "$2" = native ]; then
    line=$(in_ns timeout 200 python3 -c "$client" $addr $port "$3" "$tmp/server.out" "$tmp/progress" 2>&1)
  else
    line=$("$junction" run "$tmp/client.toml" -- python3 -c "$client" $addr $port "$3" \
      "$tmp/server.out" "$tmp/progress" 2>&1)
  fi
  wait $spid || fail "the server ($1, $3) exited $?"
  said=$(grep -h "^close returned" "$tmp/server.out")
}
compare() {  # $1: what, $2: native line, $3: junction line
  echo "$1: native: $2; junction: $3"
  [ "$2" = "$3" ] || fail "$1: the client saw \"$3\" under junction, \"$2\" natively"
}

case $case_ in
send|send_lossy)
  n=$((8 << 20)); [ "$case_" = send_lossy ] && n=$((16 << 20))
  for mode in noclose close; do
    round native native $mode $n; want=$line
    round junction native $mode $n; compare "$mode, host client" "$want" "$line"
    if [ "$case_" = send ]; then
      round junction junction $mode $n; compare "$mode, container client" "$want" "$line"
    fi
  done
  [ "$case_" = send_lossy ] && echo "dropped: $(in_ns nft list table netdev jloss | grep -o 'packets [0-9]*' | paste -sd' ')"
  ;;
unread_rst|linger0)
  mode=unread; [ "$case_" = linger0 ] && mode=linger0
  round native native $mode 0; want=$line
  round junction native $mode 0; compare "$mode at exit" "$want" "$line"
  ;;
linger_wait|linger_timeout)
  round native native $case_ 0; want=$line; want_said=$said
  round junction native $case_ 0
  compare "$case_: the server" "$want_said" "$said"
  compare "$case_: the client" "$want" "$line"
  # (a connection closed before the exit, FIN-WAIT-2, was refused once)
  ! grep -h "refused" "$tmp/daemon.log" || fail "the daemon refused what the server left at its exit"
  ;;
esac
grep -h "closing TCP" "$tmp/daemon.log" | head -3
echo "ok"
