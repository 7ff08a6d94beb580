# Thread names from outside (run by proc_peer_view_test.sh): only the main
# thread's name is the process's comm (ps, pgrep, pkill match it); each
# thread keeps its own in task/TID (ps -L). thread_names.py names them.
here=$(dirname "$0")
ready=$(mktemp -u)
python3 "$here/thread_names.py" "$ready" & p=$!
for i in $(seq 400); do [ -s "$ready" ] && break; sleep 0.05; done
read -r pid worker sub child <"$ready"
[ "$pid" = "$p" ] && echo "ready"
echo "== the process"
cat /proc/$p/comm
awk '{print $2}' /proc/$p/stat
grep '^Name:' /proc/$p/status
echo "pgrep -x tname: $(pgrep -x tname | wc -l)"
echo "pgrep -x worker-thr: $(pgrep -x worker-thr | wc -l)"
ps -o comm= -p $p
echo "== its threads"
for t in $p $worker $sub; do
  echo "$(cat /proc/$p/task/$t/comm) $(awk '{print $2}' /proc/$p/task/$t/stat) $(grep '^Name:' /proc/$p/task/$t/status)"
  echo "/proc/TID: $(cat /proc/$t/comm)"
done
ps -L -o comm= -p $p
echo "== the child its worker forked"
cat /proc/$child/comm
echo "pgrep -x worker-thr -P (it): $(pgrep -x worker-thr -P $p | wc -l)"
kill $child $p; wait $p
rm -f "$ready"
echo "== end"
