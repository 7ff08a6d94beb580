# /dev/shm shared by the container's processes (issue 8): POSIX shared
# memory and named semaphores made in one process and opened by name in
# another after a fork; multiprocessing locks and semaphores (sem_open);
# a file written in /dev/shm by a child, read by the parent.
import multiprocessing as mp
import os
import mmap
from multiprocessing import resource_tracker, shared_memory

name = "jshm_test_%d" % os.getpid()

# Created by a child after the fork, opened by name in the parent.
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    shm = shared_memory.SharedMemory(name=name, create=True, size=4096)
    shm.buf[:5] = b"hello"
    # The parent unlinks it: this process's tracker must not.
    resource_tracker.unregister(shm._name, "shared_memory")
    os.write(w, b"x")
    shm.close()
    os._exit(0)
os.read(r, 1)
os.waitpid(pid, 0)
shm = shared_memory.SharedMemory(name=name)
print("parent sees:", bytes(shm.buf[:5]))

# Created in the parent, written by a child, seen by the parent.
pid = os.fork()
if pid == 0:
    other = shared_memory.SharedMemory(name=name)
    other.buf[5:11] = b" world"
    other.close()
    os._exit(0)
os.waitpid(pid, 0)
print("after child write:", bytes(shm.buf[:11]))
shm.close()
shm.unlink()
print("unlinked:", not os.path.exists("/dev/shm/" + name))

# A plain file in /dev/shm written by a child after the fork.
path = "/dev/shm/jshm_file_%d" % os.getpid()
pid = os.fork()
if pid == 0:
    with open(path, "w") as f:
        f.write("from child")
    os._exit(0)
os.waitpid(pid, 0)
with open(path) as f:
    print("file:", f.read())
os.unlink(path)

# A MAP_SHARED mapping of a /dev/shm file opened before the fork.
fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
pid = os.fork()
if pid == 0:
    m[:4] = b"abcd"
    os._exit(0)
os.waitpid(pid, 0)
print("mapped:", m[:4])
m.close()
os.close(fd)
os.unlink(path)


def work(lock, sem, counter, n):
    for _ in range(n):
        with lock:
            counter.value += 1
    sem.release()


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    lock = ctx.Lock()
    sem = ctx.Semaphore(0)
    counter = ctx.Value("i", 0, lock=False)
    procs = [ctx.Process(target=work, args=(lock, sem, counter, 500)) for _ in range(3)]
    for p in procs:
        p.start()
    for _ in procs:
        sem.acquire()
    for p in procs:
        p.join()
    print("counter:", counter.value, "exit codes:", [p.exitcode for p in procs])
