# A bypass container's server polls, with epoll, a connection that a fork
# shared and that neither process has touched since, while segments for it
# wait parked: the poll claims it, and the parked request wakes the socket's
# watchers, among them the epoll instance doing the poll (which spun on its
# own lock: lighttpd with concurrent CGI requests hung so).
#
# usage: epoll_claim_parked.py server PORT | client HOST PORT
import os, select, socket, sys

def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(8)
    print("listening", flush=True)
    ctl, _ = s.accept()
    data, _ = s.accept()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # holds its copies of both connections until told to go
        os.read(r, 1)
        os._exit(0)
    ctl.sendall(b"forked\n")  # claims ctl only
    assert ctl.recv(16) == b"sent\n"  # the client's request on `data` came first
    ep = select.epoll()
    ep.register(data.fileno(), select.EPOLLIN)
    events = ep.poll(30)
    print("epoll:", [(fd == data.fileno(), ev & select.EPOLLIN != 0) for fd, ev in events], flush=True)
    req = data.recv(100)
    print("request:", req.decode().strip(), flush=True)
    data.sendall(b"pong\n")
    os.write(w, b"x")
    os.waitpid(pid, 0)
    print("child gone", flush=True)

def client(host, port):
    ctl = socket.create_connection((host, port), timeout=30)
    data = socket.create_connection((host, port), timeout=30)
    assert ctl.recv(16) == b"forked\n"
    data.sendall(b"ping\n")
    ctl.sendall(b"sent\n")
    print("reply:", data.recv(100).decode().strip(), flush=True)

if sys.argv[1] == "server":
    server(int(sys.argv[2]))
else:
    client(sys.argv[2], int(sys.argv[3]))
