# /proc/self/status Threads: counts the process's threads as they come and go.
import threading


def threads():
    with open("/proc/self/status") as f:
        return [l.split()[1] for l in f if l.startswith("Threads:")][0]


print("alone", threads())
go = threading.Event()
workers = [threading.Thread(target=go.wait) for _ in range(3)]
for w in workers:
    w.start()
print("with three more", threads())
go.set()
for w in workers:
    w.join()
print("after join", threads())
