# /proc/self/stat and /proc/self/status name the parent, process group and
# session as getppid/getpgid/getsid do (ps, pstree and top read them there),
# stat counts the threads, and status has the NS*id lines; in a process,
# a forked child, a child in its own group and one in its own session.
import os, threading

def check(who):
    st = open("/proc/self/stat").read()
    f = st[st.rfind(")") + 2:].split()
    status = dict(l.rstrip("\n").split(":\t", 1) for l in open("/proc/self/status") if ":\t" in l)
    pid = os.getpid()
    print(who, "stat ppid/pgrp/session as the calls:",
          [int(f[1]) == os.getppid(), int(f[2]) == os.getpgid(0), int(f[3]) == os.getsid(0)],
          "threads:", int(f[17]) == threading.active_count(),
          "status PPid:", int(status["PPid"]) == os.getppid(),
          "NStgid/NSpid/NSpgid/NSsid:", [status.get("NStgid") == str(pid), status.get("NSpid") == str(pid),
                                         status.get("NSpgid") == str(os.getpgid(0)),
                                         status.get("NSsid") == str(os.getsid(0))],
          flush=True)

def child(setup, who):
    p = os.fork()
    if p == 0:
        setup()
        check(who)
        os._exit(0)
    os.waitpid(p, 0)

check("first")
child(lambda: None, "child")
child(lambda: os.setpgid(0, 0), "own group")
child(os.setsid, "own session")
e = threading.Event()
t = threading.Thread(target=e.wait); t.start()
check("with a thread")
e.set(); t.join()
