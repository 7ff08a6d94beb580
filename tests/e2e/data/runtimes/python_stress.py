# A demanding CPython workload: threading primitives, thread and process
# pools, multiprocessing with fork, spawn and forkserver, managers and shared
# values, signal handlers with busy threads, sigwait, subprocess pipelines,
# sqlite3 in WAL mode from threads and processes, compileall -j.
import concurrent.futures as cf
import hashlib
import multiprocessing as mp
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


def work(n):
    h = hashlib.sha256()
    for i in range(n):
        h.update(str(i).encode())
    return h.hexdigest()[:8]


def threads():
    lock = threading.Lock()
    cond = threading.Condition(lock)
    counter = [0]

    def inc():
        for _ in range(20000):
            with lock:
                counter[0] += 1

    ts = [threading.Thread(target=inc) for _ in range(16)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print("counter", counter[0])
    q = queue.Queue(maxsize=10)
    out = []

    def prod():
        for i in range(5000):
            q.put(i)
        q.put(None)

    def cons():
        while True:
            v = q.get()
            if v is None:
                break
            out.append(v)

    a, b = threading.Thread(target=prod), threading.Thread(target=cons)
    a.start(); b.start(); a.join(); b.join()
    print("queue", len(out), sum(out))
    ev = threading.Event()
    got = []
    waiters = [threading.Thread(target=lambda: got.append(ev.wait(30))) for _ in range(20)]
    [w.start() for w in waiters]
    ev.set()
    [w.join() for w in waiters]
    print("event", len(got), all(got))
    sem = threading.BoundedSemaphore(3)
    maxin = [0, 0]
    def s():
        with sem:
            with lock:
                maxin[0] += 1
                maxin[1] = max(maxin[1], maxin[0])
            time.sleep(0.001)
            with lock:
                maxin[0] -= 1
    ts = [threading.Thread(target=s) for _ in range(30)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print("semaphore max <=3", maxin[1] <= 3)
    with cf.ThreadPoolExecutor(8) as ex:
        print("threadpool", list(ex.map(work, [1000 * i for i in range(1, 9)])))
    b = threading.Barrier(5)
    r = []
    def bw(i):
        r.append(b.wait())
    ts = [threading.Thread(target=bw, args=(i,)) for i in range(5)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print("barrier", sorted(r))
    print("timeout wait", cond.acquire() and not cond.wait(0.05)); cond.release()


def square(x):
    return x * x


def mp_worker(q, i):
    q.put((i, os.getpid() != os.getppid()))


def processes():
    with cf.ProcessPoolExecutor(4) as ex:
        print("processpool", sum(ex.map(square, range(1000), chunksize=50)))
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        with ctx.Pool(3) as p:
            print(method, "pool", p.map(work, [100, 200, 300]))
        q = ctx.Queue()
        ps = [ctx.Process(target=mp_worker, args=(q, i)) for i in range(4)]
        [p.start() for p in ps]
        res = sorted(q.get(timeout=60) for _ in ps)
        [p.join() for p in ps]
        print(method, "procs", res, [p.exitcode for p in ps])
    m = mp.Manager()
    d = m.dict()
    lst = m.list()
    ps = [mp.Process(target=manager_child, args=(d, lst, i)) for i in range(4)]
    [p.start() for p in ps]; [p.join() for p in ps]
    print("manager", sorted(d.items()), sorted(lst))
    m.shutdown()
    v = mp.Value('i', 0)
    arr = mp.Array('d', 10)
    ps = [mp.Process(target=shared_child, args=(v, arr, i)) for i in range(4)]
    [p.start() for p in ps]; [p.join() for p in ps]
    print("shared", v.value, list(arr))


def manager_child(d, lst, i):
    d[i] = i * 10
    lst.append(i)


def shared_child(v, arr, i):
    for _ in range(1000):
        with v.get_lock():
            v.value += 1
    arr[i] = i + 0.5


def signals():
    got = []
    def h(sig, frame):
        got.append((sig, threading.current_thread() is threading.main_thread()))
    signal.signal(signal.SIGUSR1, h)
    signal.signal(signal.SIGALRM, h)
    stop = threading.Event()
    def busy():
        x = 0
        while not stop.is_set():
            x += 1
    ts = [threading.Thread(target=busy) for _ in range(4)]
    [t.start() for t in ts]
    for _ in range(20):
        os.kill(os.getpid(), signal.SIGUSR1)
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    time.sleep(0.2)
    # signal from child
    subprocess.run(["sh", "-c", "kill -USR1 %d" % os.getpid()])
    time.sleep(0.1)
    stop.set()
    [t.join() for t in ts]
    print("signals", len(got) >= 3, set(got))
    # signal.pthread_kill to a thread and sigwait
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    def sender():
        time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGUSR2)
    threading.Thread(target=sender).start()
    print("sigwait", signal.sigwait({signal.SIGUSR2}))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR2})
    # KeyboardInterrupt in main thread while blocked on lock
    lk = threading.Lock(); lk.acquire()
    signal.signal(signal.SIGALRM, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    try:
        lk.acquire(timeout=5)
        print("lock acquired?!")
    except KeyboardInterrupt:
        print("interrupted lock wait")
    # faulthandler / SIGCHLD
    r, w = os.pipe()
    signal.signal(signal.SIGCHLD, lambda s, f: os.write(w, b"c"))
    subprocess.run(["true"])
    print("sigchld", os.read(r, 10)[:1])
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)


def pipelines():
    p1 = subprocess.Popen(["seq", "1", "100000"], stdout=subprocess.PIPE)
    p2 = subprocess.Popen(["grep", "7"], stdin=p1.stdout, stdout=subprocess.PIPE)
    p3 = subprocess.Popen(["wc", "-l"], stdin=p2.stdout, stdout=subprocess.PIPE)
    p1.stdout.close(); p2.stdout.close()
    print("pipeline", p3.communicate()[0].strip(), p1.wait(), p2.wait(), p3.returncode)
    out = subprocess.run("yes | head -c 3000000 | sha1sum", shell=True, capture_output=True, text=True)
    print("yes|head", out.stdout.split()[0], out.returncode)
    p = subprocess.run(["cat"], input=b"z" * 5_000_000, capture_output=True)
    print("communicate", len(p.stdout))
    try:
        subprocess.run(["sleep", "10"], timeout=0.2)
    except subprocess.TimeoutExpired:
        print("timeout expired")
    with cf.ThreadPoolExecutor(8) as ex:
        res = list(ex.map(lambda i: subprocess.check_output(["sh", "-c", "echo $0", str(i)]).strip(), range(32)))
    print("parallel subprocess", len(res), res[31])


def db():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "t.db")
    con = sqlite3.connect(path)
    con.execute("pragma journal_mode=wal")
    con.execute("create table t(id integer primary key, v text)")
    con.executemany("insert into t(v) values (?)", [("v%d" % i,) for i in range(20000)])
    con.commit()
    def reader(n):
        c = sqlite3.connect(path)
        return c.execute("select count(*), sum(length(v)) from t where id % ? = 0", (n,)).fetchone()
    def writer(n):
        c = sqlite3.connect(path, timeout=30)
        for i in range(50):
            c.execute("insert into t(v) values (?)", ("w%d-%d" % (n, i),))
            c.commit()
        return n
    with cf.ThreadPoolExecutor(6) as ex:
        rs = list(ex.map(reader, range(1, 7)))
        ws = list(ex.map(writer, range(4)))
    print("sqlite", rs[0], ws, con.execute("select count(*) from t").fetchone())
    con.close()
    # multi-process writers
    ps = [mp.Process(target=db_proc, args=(path, i)) for i in range(3)]
    [p.start() for p in ps]; [p.join() for p in ps]
    con = sqlite3.connect(path)
    print("sqlite procs", con.execute("select count(*) from t").fetchone(), [p.exitcode for p in ps])
    con.execute("pragma wal_checkpoint(truncate)")
    print("integrity", con.execute("pragma integrity_check").fetchone())
    con.close()
    shutil.rmtree(d)


def db_proc(path, n):
    c = sqlite3.connect(path, timeout=30)
    for i in range(30):
        c.execute("insert into t(v) values (?)", ("p%d-%d" % (n, i),))
        c.commit()


def compile_all():
    d = tempfile.mkdtemp()
    for i in range(50):
        with open(os.path.join(d, "m%d.py" % i), "w") as f:
            f.write("def f%d(x):\n    return x + %d\n" % (i, i))
    r = subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "4", d], capture_output=True)
    n = len(os.listdir(os.path.join(d, "__pycache__")))
    print("compileall", r.returncode, n)
    std = os.path.join(d, "json")
    shutil.copytree(os.path.dirname(__import__("json").__file__), std, ignore=shutil.ignore_patterns("__pycache__"))
    r = subprocess.run([sys.executable, "-m", "compileall", "-q", "-b", std], capture_output=True)
    print("compileall std", r.returncode)
    shutil.rmtree(d)


if __name__ == "__main__":
    w = sys.argv[1] if len(sys.argv) > 1 else "all"
    for name, f in [("threads", threads), ("proc", processes), ("signals", signals), ("pipes", pipelines), ("db", db), ("compile", compile_all)]:
        if w in ("all", name):
            f()
            sys.stdout.flush()
    print("end")
