# A host program's unix sockets for a guest to reach (e2e.servers_unix_host):
# a stream echo server (which answers "last datagram?" with the last
# datagram received) and a datagram socket in DIR, each socket file made
# and listened on by this process, which runs outside any container.
# Prints "ready" once both listen, serves until killed.
#
# usage: unix_host_server.py DIR
import os, socket, sys, threading

d = sys.argv[1]
stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stream.bind(os.path.join(d, "stream.sock"))
stream.listen(8)
dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dgram.bind(os.path.join(d, "dgram.sock"))

last = [b"none"]

def serve(conn):
    with conn:
        while data := conn.recv(65536):
            conn.sendall(last[0] if data == b"last datagram?" else data)

def serve_dgram():
    while True:
        last[0] = dgram.recv(65536)

threading.Thread(target=serve_dgram, daemon=True).start()
print("ready", flush=True)
while True:
    conn, _ = stream.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
