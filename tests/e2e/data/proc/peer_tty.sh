# The controlling terminal ps shows for the container's processes (run by
# proc_peer_tty_test.sh on a pseudo-terminal, natively and under junction).
sleep 5 & s=$!
for i in $(seq 500); do [ "$(cat /proc/$s/comm)" = sleep ] && break; sleep 0.01; done  # until it has exec'd
ps -o tty=,comm=
kill $s
