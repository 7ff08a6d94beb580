# inotify from CPython (ctypes for the three calls the os module lacks) on
# a tmpfs directory: the events of os calls, select.poll readiness, and
# os.read of the packed events. Then an instance watching a host directory
# shared across fork: each process reads the event it made, the parent
# first, then the child while the parent waits for it.
import ctypes
import os
import select
import struct
import sys
import tempfile

IN_NONBLOCK = os.O_NONBLOCK
IN_ALL_EVENTS = 0xFFF
NAMES = {0x1: "ACCESS", 0x2: "MODIFY", 0x4: "ATTRIB", 0x8: "CLOSE_WRITE", 0x10: "CLOSE_NOWRITE",
         0x20: "OPEN", 0x40: "MOVED_FROM", 0x80: "MOVED_TO", 0x100: "CREATE", 0x200: "DELETE",
         0x400: "DELETE_SELF", 0x800: "MOVE_SELF", 0x8000: "IGNORED", 0x40000000: "ISDIR"}

libc = ctypes.CDLL(None, use_errno=True)
base = sys.argv[1] if len(sys.argv) > 1 else "/dev/shm"
d = tempfile.mkdtemp(dir=base)
fd = libc.inotify_init1(IN_NONBLOCK)
wd = libc.inotify_add_watch(fd, d.encode(), IN_ALL_EVENTS)
print("watch:", wd)
poller = select.poll()
poller.register(fd, select.POLLIN)
print("ready before:", poller.poll(0) != [])

with open(os.path.join(d, "a.txt"), "w") as f:
    f.write("hello")
os.rename(os.path.join(d, "a.txt"), os.path.join(d, "b.txt"))
os.chmod(os.path.join(d, "b.txt"), 0o644)
with open(os.path.join(d, "b.txt")) as f:
    f.read()
os.mkdir(os.path.join(d, "sub"))
os.listdir(d)
os.rmdir(os.path.join(d, "sub"))
os.unlink(os.path.join(d, "b.txt"))
print("ready after:", poller.poll(0) != [])

data = b""
while True:
    try:
        data += os.read(fd, 4096)
    except BlockingIOError:
        break
cookies = {}
off = 0
while off < len(data):
    w, mask, cookie, length = struct.unpack_from("iIII", data, off)
    name = data[off + 16:off + 16 + length].rstrip(b"\0").decode()
    off += 16 + length
    flags = "|".join(n for bit, n in NAMES.items() if mask & bit)
    if mask & 0x40:
        cookies["from"] = cookie
    pair = " (cookie pairs)" if mask & 0x80 and cookie == cookies.get("from") else ""
    print(f"{w} {flags} {name or '-'}{pair}")
os.rmdir(d)
os.close(fd)

hd = tempfile.mkdtemp(dir="/tmp")
fd = libc.inotify_init1(0)
libc.inotify_add_watch(fd, hd.encode(), 0x100)  # IN_CREATE
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.read(r, 1)  # until the parent has read its own
    open(os.path.join(hd, "child"), "w").close()
    print("child read:", os.read(fd, 4096)[16:].rstrip(b"\0").decode(), flush=True)
    os._exit(0)
open(os.path.join(hd, "parent"), "w").close()
print("parent read:", os.read(fd, 4096)[16:].rstrip(b"\0").decode(), flush=True)
os.write(w, b"x")
os.waitpid(pid, 0)
for name in ("parent", "child"):
    os.unlink(os.path.join(hd, name))
os.rmdir(hd)
