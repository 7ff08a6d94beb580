#!/bin/sh
# Two distributed Erlang nodes in one container: the first `erl -sname`
# starts epmd (it daemonizes), the second finds the first through it; rpc,
# a registered-name message and its reply, then epmd's own view and -kill.
here=$(dirname "$0")
ERL_EPMD_PORT=$("$here"/free_port.sh); export ERL_EPMD_PORT
b=rt2b$$; a=rt2a$$
erl -sname $b -noshell -setcookie rt2 -eval 'register(echo, self()), receive {From, M} -> From ! {self(), M} end, timer:sleep(300), halt().' &
pid=$!
erl -sname $a -noshell -setcookie rt2 -eval '
  {ok, H} = inet:gethostname(),
  Peer = list_to_atom("'$b'@" ++ H),
  Wait = fun W(0) -> no; W(N) -> case rpc:call(Peer, erlang, whereis, [echo]) of P when is_pid(P) -> P; _ -> timer:sleep(100), W(N-1) end end,
  P = Wait(200),
  io:format("peer found ~p~n", [is_pid(P)]),
  {echo, Peer} ! {self(), hello},
  receive {_, M} -> io:format("reply ~p~n", [M]) after 10000 -> io:format("timeout~n") end,
  io:format("nodes ~p~n", [length(nodes())]),
  halt().'
wait $pid; echo "second node exit $?"
# epmd drops a node's name when it sees the node's connection close, which
# may be just after the node's exit: wait for that (up to 10 s), so that
# the listing below does not depend on how fast epmd runs.
i=0
while epmd -port $ERL_EPMD_PORT -names | grep -q "^name " && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
epmd -port $ERL_EPMD_PORT -names | sed -e "s/port [0-9]*/port N/" -e "s/$a/NODE/"
epmd -port $ERL_EPMD_PORT -kill
