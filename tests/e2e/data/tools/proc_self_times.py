# /proc/self/stat's CPU times are times(2)'s (ps TIME, top and psutil read
# them there; they were 0), its children's once reaped, and its start time
# is when the process started (ps ELAPSED; it was 0, the boot).
import os, subprocess, time

def stat():
    st = open("/proc/self/stat").read()
    f = st[st.rfind(")") + 2:].split()
    return [int(x) for x in f[11:15]], int(f[19])

def close(a, b):  # ticks read at two moments, a few apart at most
    return abs(a - b) <= 5

sum(range(2 * 10**7))
subprocess.run(["python3", "-c", "sum(range(10**7))"], check=True)
(utime, stime, cutime, cstime), start = stat()
t = os.times()
hz = os.sysconf("SC_CLK_TCK")
print("utime as times():", close(utime, round(t.user * hz)), "busy:", utime > 0)
print("stime as times():", close(stime, round(t.system * hz)))
print("cutime as times():", close(cutime, round(t.children_user * hz)), "child counted:", cutime > 0)
print("cstime as times():", close(cstime, round(t.children_system * hz)))
age = time.clock_gettime(time.CLOCK_BOOTTIME) - start / hz
print("started within the last minute:", 0 <= age < 60)
p = os.fork()
if p == 0:
    _, child_start = stat()
    print("a forked child started after its parent:", child_start >= start, flush=True)
    os._exit(0)
os.waitpid(p, 0)
