# util-linux flock(1) natively and under junction: -w SECONDS gives up
# when its SIGALRM interrupts the wait for a lock another process holds
# (exit 1), -n at once, and without either it waits for the release.
f=$(mktemp /tmp/flock_timeout.XXXXXX)
trap 'rm -f "$f"' EXIT
flock "$f" sleep 1.5 &
sleep 0.3
start=$(date +%s%N)
flock -w 0.4 "$f" echo "got the lock"; echo "flock -w 0.4: exit $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 300 ] && [ "$ms" -lt 1100 ] && echo "gave up after about 0.4 s" || echo "gave up after $ms ms"
flock -n "$f" echo "got the lock"; echo "flock -n: exit $?"
flock -E 7 -w 0.1 "$f" true; echo "flock -E 7 -w 0.1: exit $?"
flock "$f" echo "got the lock after the release"; echo "flock: exit $?"
wait
