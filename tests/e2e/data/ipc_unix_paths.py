# Unix sockets bound to paths create socket files (stat: S_IFSOCK, mode
# from the umask), resolve relative to the working directory and through
# symlinks, and follow the file: EADDRINUSE on an existing path, ENOENT once
# unlinked, ECONNREFUSED for a file that is not a socket. Also mkfifo.
import errno, os, socket, stat, tempfile

def attempt(what, fn):
    try:
        fn()
        print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])

old_umask = os.umask(0o022)
d = tempfile.mkdtemp()
os.chdir(d)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind("s.sock")  # relative to the working directory
srv.listen(4)
st = os.stat("s.sock")
print("socket file", stat.S_ISSOCK(st.st_mode), oct(st.st_mode & 0o777), srv.getsockname())
print("listed", [(e.name, e.is_file(), e.is_dir()) for e in os.scandir(".")])
attempt("bind again", lambda: socket.socket(socket.AF_UNIX).bind("s.sock"))
open("plain", "w").close()
attempt("bind over a file", lambda: socket.socket(socket.AF_UNIX).bind("plain"))
os.symlink("s.sock", "link.sock")
for label, name in (("relative", "s.sock"), ("absolute", os.path.join(d, "s.sock")),
                    ("symlink", "link.sock")):
    c = socket.socket(socket.AF_UNIX)
    c.connect(name)
    a, _ = srv.accept()
    c.sendall(b"via " + label.encode())
    print("connected", a.recv(64), c.getpeername() == srv.getsockname())
    a.close(); c.close()
attempt("connect missing", lambda: socket.socket(socket.AF_UNIX).connect("nope.sock"))
attempt("connect to a file", lambda: socket.socket(socket.AF_UNIX).connect("plain"))
attempt("open a socket file", lambda: open("s.sock"))
os.unlink("s.sock")
attempt("connect unlinked", lambda: socket.socket(socket.AF_UNIX).connect("s.sock"))
srv2 = socket.socket(socket.AF_UNIX)
srv2.bind("s.sock")  # the path is free again
srv2.listen(1)
c = socket.socket(socket.AF_UNIX)
c.connect("s.sock")
print("new binding answers", srv2.accept()[0] is not None)
srv.close(); srv2.close(); c.close()
print("file stays after close", os.path.exists("s.sock"))
# Datagrams to a path.
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
r.bind("d.sock")
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"dgram", "d.sock")
print("dgram", r.recvfrom(16)[0])
# FIFOs.
os.mkfifo("fifo", 0o640)
st = os.stat("fifo")
print("fifo", stat.S_ISFIFO(st.st_mode), oct(st.st_mode & 0o777))
fd = os.open("fifo", os.O_RDWR)
os.write(fd, b"through the fifo")
print(os.read(fd, 64))
os.close(fd)
attempt("mkfifo again", lambda: os.mkfifo("fifo"))
os.umask(old_umask)
for n in os.listdir("."):
    os.unlink(n)
os.rmdir(d)
