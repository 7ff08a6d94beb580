# The guest side of e2e.servers_unix_host: connects to a host program's
# unix socket files in DIR (stream: an echo of 1 MiB; datagram: connect
# and send from an unbound socket; a file that is no socket; a missing
# one) and prints what it got.
#
# usage: unix_host_client.py DIR
import hashlib, os, socket, sys

d = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(os.path.join(d, "stream.sock"))
print("stream peer name:", s.getpeername() == os.path.join(d, "stream.sock"))
payload = bytes(range(256)) * 4096
got = b""
for i in range(0, len(payload), 65536):  # a chunk at a time: the echo fills no buffer
    s.sendall(payload[i:i + 65536])
    while len(got) < i + 65536:
        got += s.recv(65536)
print("stream echo of 1 MiB:", hashlib.sha256(got).hexdigest()[:16] == hashlib.sha256(payload).hexdigest()[:16])
s.close()

u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # unbound, as syslog(3)'s
u.connect(os.path.join(d, "dgram.sock"))
u.send(b"hello")
u.close()
for _ in range(100):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(d, "stream.sock"))
    s.sendall(b"last datagram?")
    got = s.recv(100)
    s.close()
    if got != b"none":
        break
print("datagram the server got:", got)

with open(os.path.join(d, "plain"), "w"):
    pass
for name in ("plain", "missing"):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(os.path.join(d, name))
        print(name, "connected")
    except OSError as e:
        print(name + ":", os.strerror(e.errno))
    c.close()
