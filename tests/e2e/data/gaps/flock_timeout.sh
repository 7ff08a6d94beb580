# util-linux flock(1) natively and under junction: -w SECONDS gives up
# when its SIGALRM interrupts the wait for a lock another process holds
# (exit 1), -n at once, and without either it waits for the release.
f=$(mktemp /tmp/flock_timeout.XXXXXX)
ready=$f.ready
trap 'rm -f "$f" "$ready"' EXIT
# The holder says when it has the lock (a fixed sleep let the later
# `flock -w` win under load); held long enough for -w, -n and -E under load.
flock "$f" sh -c "touch '$ready'; sleep 3" &
until [ -e "$ready" ]; do sleep 0.02; done
start=$(date +%s%N)
flock -w 0.4 "$f" echo "got the lock"; echo "flock -w 0.4: exit $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 300 ] && [ "$ms" -lt 1100 ] && echo "gave up after about 0.4 s" || echo "gave up after $ms ms"
flock -n "$f" echo "got the lock"; echo "flock -n: exit $?"
flock -E 7 -w 0.1 "$f" true; echo "flock -E 7 -w 0.1: exit $?"
flock "$f" echo "got the lock after the release"; echo "flock: exit $?"
wait
