# multiprocessing: a Pool of two workers (queues guarded by process-shared
# semaphores, teardown with sentinels and SIGTERM), and a counter that two
# processes increment under a multiprocessing.Lock (a futex in MAP_SHARED
# memory contended across processes).
import multiprocessing


def sq(x):
    return x * x


def bump(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


if __name__ == "__main__":
    # Several pools: the result handler waiting on the results pipe while
    # the worker handler loops polling it hung now and then (one in 4-10).
    for _ in range(3):
        with multiprocessing.Pool(2) as p:
            print(p.map(sq, range(10)))
            print(sum(p.map(sq, range(1000), chunksize=7)))
    counter = multiprocessing.Value("i", 0)
    procs = [multiprocessing.Process(target=bump, args=(counter, 3000)) for _ in range(2)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join()
    print(counter.value, [pr.exitcode for pr in procs])
