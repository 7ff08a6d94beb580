# What ps, pgrep, pkill and /proc show of the container's other processes
# (run by proc_peer_view_test.sh: natively as pid 1 of a pid namespace,
# and under junction). Every process here is the script's.
PVTEST=env-of-a sleep 30 & a=$!
sleep 31 & b=$!
perl -e '$0 = "renamed worker"; sleep 32' & c=$!
python3 -c 'import threading, time; threading.Thread(target=time.sleep, args=(33,)).start(); time.sleep(33)' & d=$!
# Pids above 5 (ps, ls, the tids of python's thread) depend on how many
# processes the loop below forked: shown as N. Outputs go to a file before
# they are read, so the shell waits on the one command that reads /proc.
out=$(mktemp)
n() { awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $i > 5) $i = "N"; print}'; }
# Until each has exec'd (perl renamed itself, python started its thread).
for i in $(seq 200); do
  [ "$(cat /proc/$c/comm 2>/dev/null)" = "renamed worker" ] && [ "$(ls /proc/$d/task 2>/dev/null | wc -l)" = 2 ] &&
    [ "$(cat /proc/$a/comm)" = sleep ] && [ "$(cat /proc/$b/comm)" = sleep ] && break
  sleep 0.05
done
echo "== ps"
ps -eo pid=,ppid=,pgid=,sid=,stat=,nlwp=,comm=,args= >$out
# The shell itself may not have blocked in its wait for ps yet (R or S).
awk '{$1=$1; if ($1 > 5) $1 = "N"; if ($1 == 1) sub(/^[RS]/, "R|S", $5); print}' $out
echo "== pgrep"
pgrep -a sleep
pgrep -l -f 'renamed'
pgrep -c -P 1
echo "== kill -0 on each listed pid"
ps -eo pid= >$out
for p in $(cat $out); do kill -0 "$p" 2>/dev/null && echo "alive $p" || echo "gone $p"; done | n
echo "== /proc listing"
ls /proc >$out
grep -E '^[0-9]+$' $out | sort -n | n | tr '\n' ' '; echo
echo "== /proc/PID files"
tr '\0' '|' </proc/$a/cmdline; echo
tr '\0' '|' </proc/$c/cmdline; echo
tr '\0' '\n' </proc/$a/environ | grep '^PVTEST='
readlink /proc/$a/exe /proc/$a/cwd /proc/$a/root
cat /proc/$a/comm /proc/$c/comm
stat -c '%n %a' /proc/$a/environ /proc/$a/stat /proc/$a/cmdline
grep -E '^(Name|State|Tgid|Pid|PPid|NStgid|NSpid|NSpgid|NSsid|Threads|Uid|Gid):' /proc/$a/status
awk '{print $1, $2, $3, $4, $5, $6, $7, $8, $19, $20}' /proc/$a/stat
awk 'NF == 7 && $2 > 0 {print "statm ok"}' /proc/$a/statm
ls /proc/$d/task | wc -l
cat /proc/$d/task/*/stat | wc -l
echo "== another user's view (ptrace access: environ, exe, cwd, root, fd)"
python3 "$(dirname "$0")/inspect_as_nobody.py" $a
echo "== a zombie"
python3 -c '
import os, time
pid = os.fork()
if pid == 0:
    os._exit(3)
for _ in range(200):
    with open("/proc/%d/stat" % pid) as f:
        if f.read().split()[2] == "Z":
            break
    time.sleep(0.01)
with open("/proc/%d/stat" % pid) as f:
    s = f.read().split()
print("zombie", s[1], s[2], "ppid is me:", int(s[3]) == os.getpid())
print("cmdline", repr(open("/proc/%d/cmdline" % pid).read()))
try:
    os.readlink("/proc/%d/exe" % pid)
except OSError as e:
    print("exe", e.strerror)
print("reaped", os.waitpid(pid, 0)[1] >> 8, os.path.exists("/proc/%d" % pid))
'
echo "== ps while processes come and go"
# Processes that exit while ps reads them: no failure, no garbage line.
( for i in {1..100}; do /bin/true & done; wait ) & churn=$!
bad=0
for i in $(seq 8); do
  ps -eo pid=,ppid=,stat=,comm= >$out || bad=$((bad + 1))
  # (Linux may show one being reaped as X, its parent 0.)
  grep -qvE '^ *[0-9]+ +[0-9]+ [RSDZX][sl+<N]* +(bash|sleep|renamed worker|python3|ps|true)$' $out && bad=$((bad + 1))
done
wait $churn
echo "bad reads $bad"
echo "== pkill"
pkill -TERM sleep; echo "pkill $?"
pkill -TERM -f 'renamed worker'; echo "pkill -f $?"
wait $a; echo "a $?"
wait $b; echo "b $?"
wait $c; echo "c $?"
kill $d; wait $d; echo "d $?"
kill -0 $a 2>/dev/null; echo "kill -0 after wait $?"
pgrep sleep; echo "pgrep after $?"
ls /proc >$out
grep -E '^[0-9]+$' $out | n | tr '\n' ' '; echo
rm -f $out
echo "== end"
