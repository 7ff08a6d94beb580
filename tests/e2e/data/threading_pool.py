import concurrent.futures
import queue
import threading

q = queue.Queue()


def work(i):
    s = sum(range(i * 1000))
    q.put(s)
    return s


with concurrent.futures.ThreadPoolExecutor(8) as ex:
    results = list(ex.map(work, range(32)))
print(len(results), q.qsize(), sum(results))

lock = threading.Lock()
count = [0]


def inc():
    for _ in range(10000):
        with lock:
            count[0] += 1


threads = [threading.Thread(target=inc) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(count[0])

ev = threading.Event()
timer = threading.Timer(0.05, ev.set)
timer.start()
print("event set:", ev.wait(5))
