# Objects and readiness (issue 5): os.pipe between threads, selectors,
# socketpair, SCM_RIGHTS, an asyncio echo over an abstract unix socket.
import os, threading, selectors, time
r, w = os.pipe()
def writer():
    for i in range(1000):
        os.write(w, b"x%04d" % i)
    os.close(w)
t = threading.Thread(target=writer); t.start()
data = b""
while True:
    b = os.read(r, 65536)
    if not b: break
    data += b
t.join()
print(len(data))
sel = selectors.DefaultSelector()
r2, w2 = os.pipe()
sel.register(r2, selectors.EVENT_READ)
threading.Timer(0.05, lambda: os.write(w2, b"hi")).start()
ev = sel.select(2)
print(len(ev), os.read(r2, 10))
print(sel.select(0.01))
import socket, os, threading, asyncio, selectors
a, b = socket.socketpair()
a.sendall(b"hello"); print(b.recv(10))
b.close(); print(a.recv(10))
# SCM_RIGHTS
s1, s2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
socket.send_fds(s1, [b"fd"], [r])
msg, fds, _, _ = socket.recv_fds(s2, 10, 1)
os.write(w, b"via-fd"); print(msg, os.read(fds[0], 10))
print(s1.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_DGRAM)
async def main():
    path = "\0junction-ipc-echo"
    async def handle(r, w):
        data = await r.readline(); w.write(data.upper()); await w.drain(); w.close()
    srv = await asyncio.start_unix_server(handle, path=path)
    r, w = await asyncio.open_unix_connection(path)
    w.write(b"echo me\n"); await w.drain()
    print(await r.readline()); w.close(); srv.close(); await srv.wait_closed()
asyncio.run(main())
