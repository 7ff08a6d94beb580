# The controlling terminal ps shows for the container's processes (run by
# proc_peer_tty_test.sh on a pseudo-terminal, natively and under junction).
sleep 5 & s=$!
ps -o tty=,comm=
kill $s
