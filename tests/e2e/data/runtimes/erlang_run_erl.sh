#!/bin/sh
# run_erl daemonizes an Erlang node on a pseudo-terminal (its child closes
# its copy of the master and opens the slave) with FIFOs for to_erl, and
# logs to run_erl.log and erlang.log.1.
d=$(mktemp -d /tmp/erlang_run_erl.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p $d/pipe $d/log
run_erl -daemon $d/pipe/ $d/log "erl -noshell -eval 'io:format(\"node up~n\"), timer:sleep(1000), halt().'"
echo "run_erl exit $?"
for i in $(seq 100); do grep -q "node up" $d/log/erlang.log.1 2>/dev/null && break; sleep 0.1; done
ls $d/pipe $d/log | grep -v ':$' | sort
grep -c "node up" $d/log/erlang.log.1
grep -c "argv" $d/log/run_erl.log
sleep 1.5
