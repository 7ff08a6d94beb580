# A process that changed its uid without exec is not dumpable (run by
# proc_peer_view_test.sh): only root may read its environ, exe and cwd,
# and its /proc/PID is root's; PR_GET_DUMPABLE says 0 (1 again after exec).
python3 -c '
import ctypes, os, sys, time
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
print("PR_GET_DUMPABLE", ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)); sys.stdout.flush()
time.sleep(30)' & p=$!
for i in $(seq 400); do grep -q '^Uid:.*65534' /proc/$p/status 2>/dev/null && break; sleep 0.01; done
sleep 0.2
stat -c '%u %g' /proc/$p /proc/$p/status
echo "== another uid"
python3 "$(dirname "$0")/inspect_as_nobody.py" $p
echo "== root"
[ -n "$(tr '\0' '\n' </proc/$p/environ | head -1)" ] && echo "environ ok"
readlink /proc/$p/cwd
kill $p; wait $p
echo "== after exec"
python3 -c 'import os; os.setresuid(65534, 65534, 65534); os.execvp("python3", ["python3", "-c", "import ctypes; print(\"PR_GET_DUMPABLE\", ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"])'
echo "== end"
