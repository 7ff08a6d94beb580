# Unix sockets shared between a container's processes (issue 8), as Python
# servers use them: a parent binds and listens on a unix path and forks two
# workers that accept in a loop (gunicorn's pattern); multiprocessing's
# forkserver (a server process listening on a unix socket it made after
# the fork) and Manager (likewise), with a Pool, a Queue and a shared dict.
import multiprocessing as mp
import os
import socket
import tempfile


def square(x):
    return x * x


def prefork_server():
    path = os.path.join(tempfile.mkdtemp(), "app.sock")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(8)
    workers = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            served = 0
            while True:
                conn, _ = lsock.accept()
                msg = conn.recv(64)
                conn.sendall(b"ok:" + msg)
                conn.close()
                if msg == b"quit":
                    os._exit(served)
                served += 1
        workers.append(pid)
    replies = []
    for i in range(10):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        c.sendall(b"req%d" % i)
        replies.append(c.recv(64).decode())
        c.close()
    for _ in workers:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        c.sendall(b"quit")
        c.recv(64)
        c.close()
    served = sum(os.waitstatus_to_exitcode(os.waitpid(w, 0)[1]) for w in workers)
    print("prefork replies:", replies)
    print("served by the workers:", served)
    os.unlink(path)
    os.rmdir(os.path.dirname(path))


if __name__ == "__main__":
    prefork_server()
    ctx = mp.get_context("forkserver")
    with ctx.Pool(2) as p:
        print("forkserver pool:", p.map(square, range(6)))
    q = ctx.Queue()
    proc = ctx.Process(target=q.put, args=("queued",))
    proc.start()
    print("forkserver queue:", q.get())
    proc.join()
    with mp.get_context("fork").Manager() as m:
        d = m.dict()
        d["k"] = [1, 2]
        print("manager dict:", dict(d))
