# A memcached client for the server tests: text protocol over TCP (set,
# get, gets/cas, incr/decr, append, delete, multi-get on 8 connections,
# noreply), one UDP get, stats counters and flush_all. Prints what the
# server answered.
#
# usage: memcached_client.py HOST PORT
import socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
ENDS = (b"END\r\n", b"STORED\r\n", b"NOT_STORED\r\n", b"EXISTS\r\n", b"NOT_FOUND\r\n",
        b"DELETED\r\n", b"OK\r\n", b"ERROR\r\n")

def connect():
    for _ in range(600):  # the server may still be starting: 30 s at most
        try:
            return socket.create_connection((host, port), timeout=30)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("memcached did not come up")

def cmd(s, line, data=None):
    s.sendall(line.encode() + b"\r\n" + (data + b"\r\n" if data is not None else b""))
    buf = b""
    while not (buf.endswith(ENDS) or (buf.endswith(b"\r\n") and buf[:-2].isdigit())):
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
    return buf

s = connect()
print(cmd(s, "set a 5 0 3", b"abc"), cmd(s, "get a"))
print(cmd(s, "set n 0 0 2", b"10"), cmd(s, "incr n 5"), cmd(s, "decr n 100"),
      cmd(s, "incr n 18446744073709551615"))
big = bytes(range(256)) * 4000
print(cmd(s, "set big 0 0 %d" % len(big), big))
r = cmd(s, "get big")
print("get big:", len(r), big in r)
r = cmd(s, "gets a")
cas = int(r.split(b"\r\n")[0].split()[-1])
print(cmd(s, "cas a 0 0 1 %d" % cas, b"x"), cmd(s, "cas a 0 0 1 %d" % cas, b"y"))
print(cmd(s, "append a 0 0 2", b"zz"), cmd(s, "get a"))
print(cmd(s, "delete a"), cmd(s, "get a"), cmd(s, "bogus"))
conns = [connect() for _ in range(8)]
for i, c in enumerate(conns):
    c.sendall(b"".join(b"set k%d_%d 0 0 %d noreply\r\n%d\r\n" % (i, k, len(str(k * i)), k * i)
                       for k in range(200)))
for i, c in enumerate(conns):
    r = cmd(c, "get " + " ".join("k%d_%d" % (i, k) for k in range(200)))
    vals = [l for l in r.split(b"\r\n") if l and not l.startswith(b"VALUE") and l != b"END"]
    assert vals == [str(k * i).encode() for k in range(200)], (i, vals[:5])
print("multi-get of 200 keys on 8 connections: all there")
stats = dict(l.split()[1:3] for l in cmd(s, "stats").decode().split("\r\n") if l.startswith("STAT"))
for k in ("threads", "curr_items", "total_items", "cmd_get", "cmd_set", "get_hits", "get_misses",
          "cas_hits", "cas_badval", "incr_hits", "decr_hits"):
    print(k, stats.get(k))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(10)
u.sendto(b"\x00\x01\x00\x00\x00\x01\x00\x00get n\r\n", (host, port))
print("udp:", u.recvfrom(65536)[0])
print(cmd(s, "flush_all"), cmd(s, "get n"))
