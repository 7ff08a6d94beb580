# Who owns /proc/PID (run by proc_peer_view_test.sh): the process's
# effective uid and gid, as Linux (ps and top take the USER from it).
nobody='import os, sys; os.setgroups([]); os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534); os.execvp(sys.argv[1], sys.argv[1:])'
python3 -c "$nobody" sleep 30 & p=$!
for i in $(seq 400); do [ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ] && break; sleep 0.01; done
stat -c '%u %g' /proc/$p /proc/$p/stat /proc/$p/status /proc/$p/cmdline /proc/$p/task /proc/$p/task/$p/comm
ps -o user=,group=,comm= -p $p
echo "== its own view"
python3 -c "$nobody" stat -L -c '%u %g' /proc/self /proc/self/stat
echo "== root's"
stat -c '%u %g' /proc/$$ /proc/$$/status
kill $p; wait $p
echo "== end"
