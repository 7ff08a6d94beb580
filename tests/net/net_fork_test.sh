#!/usr/bin/env bash
# Forked processes of a bypass container keep working sockets
# (docs/network.md "Processes"), through `junction daemon` (TAP port) in a
# network namespace this test creates and always deletes. One CASE per run:
#   fork_accept    python3: a listening socket, two os.fork() workers
#                  accepting on it (one blocking in accept, one gunicorn-
#                  style with select and a non-blocking accept); 20 curl
#                  requests from the host, every one answered, by both
#                  workers, none by the parent; then 10 at once. A request
#                  sent before the workers accept is answered too.
#   nginx_workers  nginx with master_process on, worker_processes 2: 20 curl
#                  requests from the host all answered, by workers; 10 on
#                  one keep-alive connection
#   fork_daemon_restart  the fork_accept workers; kill -9 of the daemon and a
#                  new one: the workers join again and answer
#   sh_children    `sh -c 'python3 -m http.server & wait'` (the server is the
#                  shell's child) answers curl from the host, and a client
#                  in a `sh -c '... | cat'` pipeline in a second container
#   fork_connect   python3: a forked child and a grandchild fetch a file from
#                  a host http.server, the child also exchanges a UDP
#                  datagram with a host echo server; the parent's own
#                  keep-alive connection, open across the fork, still works
#                  afterwards, and it fetches and echoes too
#   fork_per_conn  python3 socketserver: a ForkingMixIn HTTPServer and a
#                  ForkingTCPServer echo (itself a forked process) serve
#                  each connection in a child the parent forks after
#                  accepting (the parent closes its copy): 20 curl requests
#                  and 5 python echo clients from the host, one after the
#                  other, then 10 and 5 at once; every answer from a child
#   fork_shared_conn  python3: a connection to a host echo server, open
#                  across a fork: the child closes its copy and the parent
#                  keeps using it (child first, then parent first); a
#                  connection neither process uses is closed with a FIN by
#                  the last holder (the parent), and one the child exits
#                  without closing, by the parent too; a parent waiting in
#                  epoll on a connection across a fork (redis BGSAVE) gets
#                  what the peer sends next
# usage: net_fork_test.sh CASE JUNCTION
set -u
case_=$1
junction=$(realpath "$2")
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
case $case_ in
  fork_accept|fork_connect|fork_daemon_restart|sh_children|fork_per_conn|fork_shared_conn) ;;
  nginx_workers) command -v nginx >/dev/null || { echo "SKIP: no nginx (scripts/install-deps.sh)"; exit 77; } ;;
  *) echo "unknown case $case_"; exit 2 ;;
esac

. "$(dirname "$0")/netns_lib.sh" fork
. "$(dirname "$0")/../lib/nginx_site.sh"
net=10.99.5
host=$net.1
srv=$net.2
start_tap_daemon "$tmp/daemon.log" $host || fail "the daemon exited at start"
bypass_app forker $srv 2
start() {  # the command, in the container; its output in $tmp/app.out
  "$junction" run "$tmp/forker.toml" -- "$@" >"$tmp/app.out" 2>&1 &
  app=$!
  pids+=("$app")
}
get() {  # $1: path; prints the body, fails the request after 10 s
  in_ns curl --noproxy '*' -sS -m 10 "http://$srv:8080$1"
}
get_10_at_once() {  # GET /c1../c10 at once, each answer (or error) in $tmp/conc.$i
  local curls=() i
  for i in $(seq 10); do
    (get /c$i >"$tmp/conc.$i" 2>&1 || echo "curl exited $?" >>"$tmp/conc.$i") &
    curls+=("$!")
  done
  wait "${curls[@]}"
}

case $case_ in
fork_accept|fork_daemon_restart)
  cat >"$tmp/workers.py" <<'PY'
import os, select, socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(64)
print("parent", os.getpid(), flush=True)
def take(style):
    if style == "blocking":
        return s.accept()[0]
    # gunicorn's sync worker: select() on the listener, then a non-blocking accept
    while True:
        select.select([s], [], [])
        try:
            c = s.accept()[0]
            c.setblocking(True)
            return c
        except BlockingIOError:
            pass
kids = []
for style in ("blocking", "select"):
    pid = os.fork()
    if pid == 0:
        if style == "select":
            s.setblocking(False)
        time.sleep(2)  # a slow start: a SYN before this must not be lost
        os.write(1, b"worker ready %d\n" % os.getpid())  # one write: the lines must not interleave
        while True:
            c = take(style)
            req = b""
            while b"\r\n\r\n" not in req:
                d = c.recv(4096)
                if not d:
                    break
                req += d
            body = b"worker %d\n" % os.getpid()
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            c.close()
    kids.append(pid)
print("forked", flush=True)
for k in kids:
    os.waitpid(k, 0)
PY
  start python3 -u "$tmp/workers.py"
  wait_for "$tmp/app.out" "forked" "the workers' fork"
  # Before the workers accept, the parent holds the listener: it drops the
  # SYN (it never accepts), the retransmitted one reaches a worker.
  early=$(in_ns curl --noproxy '*' -sS -m 20 "http://$srv:8080/early") || fail "the early request: curl exited $?"
  echo "early request: $early"
  echo "$early" | grep -q '^worker [0-9]*$' || fail "the early request was not answered by a worker"
  wait_for "$tmp/app.out" "worker ready" "two workers" 2
  parent=$(awk '/^parent/ {print $2}' "$tmp/app.out")
  : >"$tmp/served"
  for i in $(seq 20); do
    body=$(get /$i) || fail "request $i: curl exited $?"
    echo "$body" >>"$tmp/served"
  done
  # And 10 at once.
  get_10_at_once
  for i in $(seq 10); do
    grep -q '^worker [0-9]*$' "$tmp/conc.$i" || fail "concurrent request $i: $(cat "$tmp/conc.$i")"
  done
  echo "answers: $(sort "$tmp/served" | uniq -c | tr '\n' ' ')"
  [ "$(grep -c '^worker [0-9]*$' "$tmp/served")" = 20 ] || fail "not every request was answered by a worker"
  grep -q "^worker $parent\$" "$tmp/served" && fail "the parent (which never accepts) answered"
  [ "$(sort -u "$tmp/served" | wc -l)" = 2 ] || fail "one worker answered everything"
  if [ $case_ = fork_daemon_restart ]; then
    kill -9 "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null
    start_tap_daemon "$tmp/daemon2.log" $host || fail "the new daemon exited at start"
    wait_for "$tmp/daemon2.log" 'registered.*re-registration' "the container to re-register"
    # The workers notice the hang-up and join again (retrying every 100 ms).
    body=""
    for _ in $(seq 30); do
      body=$(in_ns curl --noproxy '*' -s -m 3 "http://$srv:8080/again") && [ -n "$body" ] && break
      sleep 0.2
    done
    echo "after the restart: $body"
    echo "$body" | grep -q '^worker [0-9]*$' || fail "no worker answers after the daemon restart"
    : >"$tmp/served2"
    for i in $(seq 10); do
      get /r$i >>"$tmp/served2" || fail "request $i after the restart: curl exited $?"
      echo >>"$tmp/served2"
    done
    [ "$(grep -c '^worker [0-9]*$' "$tmp/served2")" = 10 ] || fail "after the restart: $(cat "$tmp/served2")"
    grep -q "^worker $parent\$" "$tmp/served2" && fail "the parent answered after the restart"
  fi
  ;;
nginx_workers)
  chmod 755 "$tmp"
  nginx_site "$tmp" 8080
  start nginx -c "$tmp/nginx.conf" -p "$tmp"
  wait_for "$tmp/error.log" "start worker process" "two nginx workers" 2
  # The workers mark the port when they first poll the listener: until
  # then a SYN would go to the master (which never accepts).
  up=""
  for _ in $(seq 50); do
    up=$(in_ns curl --noproxy '*' -s -m 2 "http://$srv:8080/") && [ -n "$up" ] && break
    sleep 0.1
  done
  [ "$up" = "hello from nginx" ] || fail "nginx does not answer: '$up'"
  ok=0
  for i in $(seq 20); do
    body=$(get /) || fail "request $i: curl exited $?"
    [ "$body" = "hello from nginx" ] && ok=$((ok + 1))
  done
  echo "20 requests: $ok answered"
  [ $ok = 20 ] || fail "only $ok of 20 requests answered"
  # Ten requests on one keep-alive connection.
  urls=$(for i in $(seq 10); do printf 'http://%s:8080/ ' $srv; done)
  n=$(in_ns curl --noproxy '*' -sS -m 20 $urls | grep -c "hello from nginx")
  [ "$n" = 10 ] || fail "keep-alive: $n of 10 answered"
  master=$(cat "$tmp/nginx.pid")
  : >"$tmp/served"
  for i in $(seq 10); do get /pid >>"$tmp/served" || fail "/pid: curl exited $?"; done
  echo "served by pids: $(sort "$tmp/served" | uniq -c | tr '\n' ' ') (master $master)"
  grep -qx "$master" "$tmp/served" && fail "the master answered"
  kill -QUIT "$app"
  wait "$app"
  echo "master exit status: $?"
  grep -E '\[(emerg|alert|crit)\]' "$tmp/error.log" && fail "nginx logged errors"
  ;;
sh_children)
  mkdir -p "$tmp/www"
  echo "hello from a shell's child" >"$tmp/www/x.txt"
  (cd "$tmp/www" && exec "$junction" run "$tmp/forker.toml" -- sh -c 'python3 -u -m http.server 8080 & wait') \
    >"$tmp/app.out" 2>&1 &
  pids+=("$!")
  wait_for "$tmp/app.out" "Serving HTTP" "http.server under sh"
  for i in $(seq 5); do
    body=$(get /x.txt) || fail "request $i: curl exited $?"
    [ "$body" = "hello from a shell's child" ] || fail "request $i: '$body'"
  done
  bypass_app client $net.3
  out=$("$junction" run "$tmp/client.toml" -- sh -c \
    "python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://$srv:8080/x.txt\", timeout=20).read().decode(), end=\"\")' | cat" 2>&1)
  echo "pipeline client: $out"
  [ "$out" = "hello from a shell's child" ] || fail "the pipeline client got '$out'"
  ;;
fork_connect)
  mkdir -p "$tmp/hostwww"
  head -c 1000000 /dev/urandom >"$tmp/hostwww/blob.bin"
  want=$(sha256sum <"$tmp/hostwww/blob.bin" | cut -d' ' -f1)
  (cd "$tmp/hostwww" && exec ip netns exec "$ns" python3 -m http.server 8081 --bind $host) \
    >"$tmp/hostweb.out" 2>&1 &
  pids+=("$!")
  wait_for "$tmp/hostweb.out" "Serving HTTP" "the host's http.server"
  # A UDP echo server on the host side.
  cat >"$tmp/echo.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7007))
print("echo ready", flush=True)
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
PY
  # (ip netns exec execs python: $! is the server itself, which the cleanup kills)
  ip netns exec "$ns" python3 -u "$tmp/echo.py" $host >"$tmp/echo.out" 2>&1 &
  pids+=("$!")
  wait_for "$tmp/echo.out" "echo ready" "the host's UDP echo"
  cat >"$tmp/fetch.py" <<PY
import hashlib, http.client, os, socket, urllib.request
def fetch(who):
    data = urllib.request.urlopen("http://$host:8081/blob.bin", timeout=30).read()
    print(who, hashlib.sha256(data).hexdigest(), flush=True)
def echo(who):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(10)
    msg = ("udp from %s %d" % (who, os.getpid())).encode()
    u.sendto(msg, ("$host", 7007))
    print(who, "udp", "ok" if u.recvfrom(2048)[0] == msg else "wrong", flush=True)
# The parent's own connection, kept across the fork and used after it.
conn = http.client.HTTPConnection("$host", 8081, timeout=30)
conn.request("GET", "/blob.bin")
first = hashlib.sha256(conn.getresponse().read()).hexdigest()
pid = os.fork()
if pid == 0:
    fetch("child")
    echo("child")
    gpid = os.fork()
    if gpid == 0:
        fetch("grandchild")
        os._exit(0)
    _, st = os.waitpid(gpid, 0)
    os._exit(st >> 8)
_, st = os.waitpid(pid, 0)
print("child status", st, flush=True)
conn.request("GET", "/blob.bin")
again = hashlib.sha256(conn.getresponse().read()).hexdigest()
print("parent keep-alive", "ok" if first == again else "differs", flush=True)
fetch("parent")
echo("parent")
PY
  "$junction" run "$tmp/forker.toml" -- python3 -u "$tmp/fetch.py" >"$tmp/app.out" 2>&1 ||
    fail "the container exited $?"
  cat "$tmp/app.out"
  for who in child grandchild parent; do
    grep -qx "$who $want" "$tmp/app.out" || fail "$who did not fetch the file intact"
  done
  grep -qx "child status 0" "$tmp/app.out" || fail "the child failed"
  grep -qx "child udp ok" "$tmp/app.out" || fail "the child's UDP exchange"
  grep -qx "parent udp ok" "$tmp/app.out" || fail "the parent's UDP exchange"
  grep -qx "parent keep-alive ok" "$tmp/app.out" || fail "the parent's connection across the fork"
  ;;
fork_per_conn)
  cat >"$tmp/forking.py" <<'PY'
import http.server, os, socketserver
class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        body = ("child %d %s\n" % (os.getpid(), self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"%d " % os.getpid() + line)
class ForkingHTTPServer(socketserver.ForkingMixIn, http.server.HTTPServer):
    allow_reuse_address = True
class ForkingEcho(socketserver.ForkingTCPServer):
    allow_reuse_address = True
if os.fork() == 0:  # the echo server: a forked process forking per connection
    echo = ForkingEcho(("0.0.0.0", 8082), Echo)
    os.write(1, b"echo %d\n" % os.getpid())
    echo.serve_forever()
web = ForkingHTTPServer(("0.0.0.0", 8080), Hello)
print("parent", os.getpid(), flush=True)
web.serve_forever()
PY
  cat >"$tmp/echo_client.py" <<'PY'
import socket, sys, threading
host, n, at_once = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
results = []
def client(i):
    try:
        c = socket.create_connection((host, 8082), timeout=20)
        f = c.makefile("rwb")
        pids = set()
        for k in range(3):
            line = b"client %d line %d\n" % (i, k)
            f.write(line)
            f.flush()
            got = f.readline()
            pid, rest = got.split(b" ", 1)
            assert rest == line, got
            pids.add(pid)
        c.shutdown(socket.SHUT_WR)
        assert f.readline() == b""  # the child closed after our EOF
        c.close()
        results.append("ok %s" % b",".join(pids).decode())
    except Exception as e:
        results.append("client %d failed: %r" % (i, e))
ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in ts:
    t.start()
    if not at_once:
        t.join()
for t in ts:
    t.join()
print("\n".join(results))
PY
  start python3 -u "$tmp/forking.py"
  wait_for "$tmp/app.out" "^parent" "the HTTP server"
  wait_for "$tmp/app.out" "^echo" "the echo server"
  parent=$(awk '/^parent/ {print $2}' "$tmp/app.out")
  echo_parent=$(awk '/^echo/ {print $2}' "$tmp/app.out")
  : >"$tmp/served"
  for i in $(seq 20); do
    body=$(get /s$i) || fail "request $i: curl exited $? ($(tail -3 "$tmp/app.out"))"
    echo "$body" | grep -q "^child [0-9]* /s$i\$" || fail "request $i: '$body'"
    echo "$body" >>"$tmp/served"
  done
  get_10_at_once
  for i in $(seq 10); do
    grep -q "^child [0-9]* /c$i\$" "$tmp/conc.$i" || fail "concurrent request $i: $(cat "$tmp/conc.$i")"
    cat "$tmp/conc.$i" >>"$tmp/served"
  done
  echo "30 requests answered by $(awk '{print $2}' "$tmp/served" | sort -u | wc -l) distinct child pids (parent $parent)"
  grep -q "^child $parent " "$tmp/served" && fail "the parent answered"
  # How long a request takes (a fork, the child's join, the claim, and a
  # retransmission when the request reached the parent first): printed.
  for i in $(seq 20); do
    in_ns curl --noproxy '*' -sS -m 10 -o /dev/null -w '%{time_total}\n' "http://$srv:8080/t$i" ||
      fail "timed request $i"
  done | sort -n >"$tmp/times"
  echo "20 requests, curl time_total (s): min $(head -1 "$tmp/times") median $(sed -n 10p "$tmp/times") max $(tail -1 "$tmp/times")"
  seq_out=$(in_ns python3 "$tmp/echo_client.py" $srv 5 0 2>&1)
  conc_out=$(in_ns python3 "$tmp/echo_client.py" $srv 5 1 2>&1)
  echo "echo clients one after the other: $(echo $seq_out)"
  echo "echo clients at once: $(echo $conc_out)"
  for out in "$seq_out" "$conc_out"; do
    [ "$(echo "$out" | grep -c '^ok [0-9]*$')" = 5 ] || fail "echo clients: $out"
    echo "$out" | grep -q "^ok $echo_parent\$" && fail "the echo server's parent answered"
  done
  ;;
fork_shared_conn)
  cat >"$tmp/hostecho.py" <<'PY'
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7008))
s.listen(16)
print("echo ready", flush=True)
def say(line):  # one write per line: print() from threads writes the text and its newline apart
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
def serve(c, n):
    try:
        while True:
            d = c.recv(4096)
            if not d:
                say("conn %d eof" % n)
                break
            if d == b"delay":  # speaks on its own later (after the client forks)
                time.sleep(0.5)
                d = b"late"
            c.sendall(d)
    except ConnectionResetError:
        say("conn %d reset" % n)
    c.close()
n = 0
while True:
    c, a = s.accept()
    n += 1
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
PY
  ip netns exec "$ns" python3 -u "$tmp/hostecho.py" $host >"$tmp/hostecho.out" 2>&1 &
  pids+=("$!")
  wait_for "$tmp/hostecho.out" "echo ready" "the host's echo server"
  cat >"$tmp/shared.py" <<PY
import os, select, socket, sys, time
def conn():
    c = socket.create_connection(("$host", 7008), timeout=20)
    c.sendall(b"hello")
    assert c.recv(100) == b"hello"
    return c
def echo(c, msg):
    c.sendall(msg)
    got = b""
    while len(got) < len(msg):
        d = c.recv(100)
        if not d:
            break
        got += d
    return got == msg
# 1. The child closes its copy first; then the parent uses the connection.
a = conn()
r1, w1 = os.pipe()
pid = os.fork()
if pid == 0:
    a.close()
    os.write(w1, b"x")
    os._exit(0)
os.read(r1, 1)
print("child-first parent echo", "ok" if echo(a, b"after the child closed") else "bad", flush=True)
os.waitpid(pid, 0)
# 2. The parent uses it first, then the child closes its copy.
r2, w2 = os.pipe()
pid2 = os.fork()
if pid2 == 0:
    os.read(r2, 1)  # the parent's go
    a.close()
    os._exit(0)
print("parent-first echo", "ok" if echo(a, b"before the child closed") else "bad", flush=True)
os.write(w2, b"g")
os.waitpid(pid2, 0)
print("parent-first echo again", "ok" if echo(a, b"after the child closed") else "bad", flush=True)
# 3. Neither uses it: the child closes, then the parent: the last holder sends the FIN.
b = conn()
pid3 = os.fork()
if pid3 == 0:
    b.close()
    os._exit(0)
os.waitpid(pid3, 0)
b.close()
# 4. The child exits without closing its copy; the parent closes it.
c = conn()
pid4 = os.fork()
if pid4 == 0:
    os._exit(0)
os.waitpid(pid4, 0)
c.close()
# 5. An event loop (redis's BGSAVE): the connection is in the parent's
# epoll set across the fork, the child never touches it, and the parent
# waits there for what the peer sends next.
e = conn()
ep = select.epoll()
ep.register(e.fileno(), select.EPOLLIN)
e.sendall(b"delay")
pid5 = os.fork()
if pid5 == 0:
    time.sleep(2)
    os._exit(0)
ready = ep.poll(20)
print("event loop", "ok" if ready and e.recv(100) == b"late" else "bad %r" % ready, flush=True)
os.waitpid(pid5, 0)
e.close()
a.close()
print("done", flush=True)
PY
  "$junction" run "$tmp/forker.toml" -- python3 -u "$tmp/shared.py" >"$tmp/app.out" 2>&1 ||
    fail "the container exited $? ($(cat "$tmp/app.out"))"
  cat "$tmp/app.out"
  grep -qx "child-first parent echo ok" "$tmp/app.out" || fail "the parent's connection after the child closed its copy"
  grep -qx "parent-first echo ok" "$tmp/app.out" || fail "the parent's connection before the child closed its copy"
  grep -qx "parent-first echo again ok" "$tmp/app.out" || fail "the parent's connection after the child closed its claimed copy"
  grep -qx "event loop ok" "$tmp/app.out" || fail "the parent's event loop after a fork"
  grep -qx "done" "$tmp/app.out" || fail "the script did not finish"
  # Every connection ended with a FIN (not a reset, not never).
  wait_for "$tmp/hostecho.out" "eof" "the host to see every connection closed" 4
  cat "$tmp/hostecho.out"
  grep -q reset "$tmp/hostecho.out" && fail "a connection was reset"
  ;;
esac
echo "PASS: $case_"
