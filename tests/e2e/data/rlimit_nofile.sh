# bash's ulimit -n on the guest's RLIMIT_NOFILE (e2e.fs_rlimit_bash): set,
# read back, seen by child processes (fork and exec), enforced on
# redirections; what bash is refused.
ulimit -n 4096; ulimit -n; ulimit -Hn
bash -c 'ulimit -n; ulimit -Hn'
grep 'open files' /proc/self/limits
getconf OPEN_MAX
python3 -c 'import os; print(os.sysconf("SC_OPEN_MAX"))'
# Redirections at a soft limit of 16 (bash keeps descriptors of its own).
(
  ulimit -Sn 16; ulimit -Sn
  for i in $(seq 3 15); do eval "exec $i</dev/null" 2>/dev/null || echo "exec $i: failed"; done
)
ulimit -Sn 4097 2>/dev/null || echo "soft above hard: refused"
ulimit -Hn 8192 2>/dev/null || echo "hard raised: refused"
ulimit -n 100; ulimit -Sn; ulimit -Hn
ulimit -n 200 2>/dev/null || echo "raised back: refused"
ulimit -Sn 50; bash -c 'ulimit -Sn; ulimit -Hn'
