# What uid 65534 may read of process argv[1]'s /proc/PID (ptrace access
# guards environ, exe, cwd, root and fd; stat and cmdline stay readable).
import errno, os, sys
pid = sys.argv[1]
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
def show(what, f):
    try:
        print(what, "ok", f())
    except OSError as e:
        print(what, errno.errorcode[e.errno])
show("environ", lambda: len(open("/proc/%s/environ" % pid, "rb").read()) > 0)
for link in ("exe", "cwd", "root"):
    show(link, lambda: os.readlink("/proc/%s/%s" % (pid, link)))
show("fd", lambda: os.listdir("/proc/%s/fd" % pid))
show("stat", lambda: open("/proc/%s/stat" % pid).read().split()[1])
show("cmdline", lambda: open("/proc/%s/cmdline" % pid).read().replace("\0", " "))
show("lstat exe", lambda: oct(os.lstat("/proc/%s/exe" % pid).st_mode))
