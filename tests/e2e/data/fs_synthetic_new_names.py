# mkdir, mknod and symlink on procfs and sysfs: the errors Linux gives
# (procfs: ENOENT for a new name, EEXIST for an existing one; sysfs: EPERM
# and EEXIST). The names exist on every Linux, so output is comparable.
import os
for f, a in [("mkdir", ("/proc/x",)), ("symlink", ("a", "/proc/x")), ("mknod", ("/proc/x",)),
             ("mkdir", ("/proc/self/x",)), ("mkdir", ("/proc/sys/x",)), ("mkdir", ("/proc/self",)),
             ("mkdir", ("/sys/x",)), ("symlink", ("a", "/sys/x")), ("mkdir", ("/sys/devices",))]:
    try:
        getattr(os, f)(*a)
        print(f, a, "ok")
    except OSError as e:
        print(f, a, e.errno, e.strerror)
