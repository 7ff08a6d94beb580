# Thread names (prctl PR_SET_NAME, pthread_setname_np) seen by the process
# itself; peer_thread_names.sh looks at it from outside while it sleeps.
# Writes READY (argv[1]) once every name is set, then sleeps until killed.
import ctypes, os, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME, PR_GET_NAME = 15, 16
def get_name():
    buf = ctypes.create_string_buffer(16)
    libc.prctl(PR_GET_NAME, buf, 0, 0, 0)
    return buf.value.decode()
def set_name(n):
    libc.prctl(PR_SET_NAME, n.encode(), 0, 0, 0)
def comm(path):
    try:
        return open(path).read().strip()
    except OSError as e:
        return os.strerror(e.errno)
lines = []
done = threading.Event()
tids = {}
def sub():  # started by the renamed worker: inherits its name
    tids["sub"] = threading.get_native_id()
    lines.append("sub PR_GET_NAME " + get_name())
    done.wait()
def worker():
    tids["worker"] = threading.get_native_id()
    lines.append("worker inherited " + get_name())
    set_name("worker-thr")
    lines.append("worker PR_GET_NAME " + get_name())
    lines.append("worker thread-self/comm " + comm("/proc/thread-self/comm"))
    lines.append("worker self/comm " + comm("/proc/self/comm"))
    t = threading.Thread(target=sub); t.start()
    while "sub" not in tids: time.sleep(0.01)
    # A child forked by this thread: its comm is this thread's name.
    pid = os.fork()
    if pid == 0:
        time.sleep(60); os._exit(0)
    tids["child"] = pid
    done.wait()
set_name("tname")
w = threading.Thread(target=worker); w.start()
while "child" not in tids: time.sleep(0.01)
me = os.getpid()
lines.append("main PR_GET_NAME " + get_name())
lines.append("main self/comm " + comm("/proc/self/comm"))
for k in ("worker", "sub"):
    lines.append("self/task/%s/comm %s" % (k, comm("/proc/self/task/%d/comm" % tids[k])))
    lines.append("self/task/%s/stat %s" % (k, open("/proc/self/task/%d/stat" % tids[k]).read().split()[1]))
    lines.append("/proc/%s/status %s" % (k, open("/proc/%d/status" % tids[k]).read().split("\n")[0]))
for l in lines: print(l)
sys.stdout.flush()
with open(sys.argv[1], "w") as f:
    f.write("%d %d %d %d\n" % (me, tids["worker"], tids["sub"], tids["child"]))
time.sleep(60)
