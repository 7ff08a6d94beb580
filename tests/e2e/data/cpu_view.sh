# What a program learns about CPUs (sysfs, procfs, sysconf, affinity,
# getcpu) and whether /proc/self/maps names files by device and inode.
# Run on a container with as many cores as the machine has CPUs.
for f in possible present online; do echo "$f $(cat /sys/devices/system/cpu/$f)"; done
ls /sys/devices/system/cpu | grep -E '^(cpu[0-9]+|online|possible|present)$'
for d in /sys/devices/system/cpu/cpu[0-9]*; do echo "$d online: $(cat $d/online 2>/dev/null || echo none)"; done
echo "nproc $(nproc) conf $(getconf _NPROCESSORS_CONF) onln $(getconf _NPROCESSORS_ONLN)"
echo "cpuinfo processors $(grep -c ^processor /proc/cpuinfo)"
python3 - <<'PY'
import os
n = os.cpu_count()
print("cpu_count", n, "affinity", sorted(os.sched_getaffinity(0)))
print("getcpu in range", all(0 <= os.sched_getcpu() < n for _ in range(100)) if hasattr(os, "sched_getcpu") else True)
import ctypes
libc = ctypes.CDLL(None)
print("sched_getcpu in range", all(0 <= libc.sched_getcpu() < n for _ in range(100)))
# Every file mapping names its file's device and inode.
seen = 0
for line in open("/proc/self/maps"):
    parts = line.split()
    if len(parts) < 6 or not parts[5].startswith("/"):
        continue
    st = os.stat(parts[5])
    major, minor = (int(x, 16) for x in parts[3].split(":"))
    ok = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino) == (major, minor, int(parts[4]))
    if not ok:
        print("mismatch", line.strip())
    seen += 1
print("file mappings checked", seen > 0)
PY
