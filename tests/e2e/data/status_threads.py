# /proc/self/status Threads: counts the process's threads as they come and go.
import threading
import time


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
# Linux wakes pthread_join when it clears the thread's tid, a moment before
# it drops the thread from the count: wait (bounded) for the count to settle.
deadline = time.monotonic() + 10
while threads() != "1" and time.monotonic() < deadline:
    time.sleep(0.001)
print("after join", threads())
