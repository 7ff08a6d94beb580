# Python's resource module on RLIMIT_NOFILE (e2e.fs_rlimit_python).
import errno
import os
import resource
import socket

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
print("inherited equal:", soft == os.sysconf("SC_OPEN_MAX"))
# Many sockets past 1024, as servers raise the soft limit for.
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
n = min(1400, (min(hard, 4096) - 64) // 2)
socks = [socket.socketpair() for _ in range(n)]
a, b = socks[-1]
a.send(b"hi")
print("socketpairs", n, a.fileno() > 1024 or n < 600, b.recv(2))
for a, b in socks:
    a.close()
    b.close()
resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], os.sysconf("SC_OPEN_MAX"))
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print("opened", len(fds), "then", errno.errorcode[e.errno], "highest", max(fds))
for fd in fds:
    os.close(fd)
for bad in [(300, 200), (10, resource.RLIM_INFINITY)]:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, bad)
        print(bad, "set")
    except (ValueError, OSError) as e:
        print(bad, type(e).__name__, e)
print(resource.prlimit(0, resource.RLIMIT_NOFILE, (128, 512)))
print(resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE))
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 1024))
    print("hard raised")
except (ValueError, OSError) as e:
    print("raising hard:", type(e).__name__, e)
pid = os.fork()
if pid == 0:
    print("child", resource.getrlimit(resource.RLIMIT_NOFILE))
    os._exit(0)
os.waitpid(pid, 0)
