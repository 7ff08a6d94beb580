# /proc/self/fdinfo of a pidfd names its process (glibc's pidfd_getpid reads
# it): the pid while it runs or is a zombie, -1 once reaped.
import os
def fdinfo(fd):
    return [l for l in open(f"/proc/self/fdinfo/{fd}").read().splitlines() if l.split(":")[0] in ("Pid", "NSpid")]
me = os.getpid()
print("self", [l.replace(str(me), "ME") for l in fdinfo(os.pidfd_open(me))])
r, w = os.pipe()
p = os.fork()
if p == 0:
    os.read(r, 1); os._exit(0)
pfd = os.pidfd_open(p)
print("live child", [l.replace(str(p), "CHILD") for l in fdinfo(pfd)])
os.write(w, b"x")
os.waitid(os.P_PIDFD, pfd, os.WEXITED | os.WNOWAIT)
print("zombie child", [l.replace(str(p), "CHILD") for l in fdinfo(pfd)])
os.waitpid(p, 0)
print("reaped child", fdinfo(pfd))
