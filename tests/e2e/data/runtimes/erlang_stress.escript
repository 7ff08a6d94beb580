#!/usr/bin/env escript
%% Erlang/OTP under load: SMP schedulers, many processes, timers, ports
%% (erl_child_setup forks and execs each child), os:cmd from many
%% processes, the inet driver over loopback (TCP echo, UDP, sendfile),
%% ETS from concurrent writers, files.
%%! -noshell
-mode(compile).

main(_) ->
    procs(), timers(), ports(), oscmd(), tcp(), udp(), sendfile(), ets_work(), files(),
    io:format("done~n"),
    halt(0).

procs() ->
    Parent = self(),
    N = 5000,
    Pids = [spawn(fun() -> receive {go, X} -> Parent ! {res, X*X} end end) || _ <- lists:seq(1, N)],
    lists:foldl(fun(P, I) -> P ! {go, I}, I+1 end, 1, Pids),
    io:format("procs sum ~p~n", [collect(N, 0)]),
    Ring = ring(200, self()),
    Ring ! {token, 0},
    receive {token, T} -> io:format("ring ~p~n", [T]) end.

ring(0, Next) -> Next;
ring(K, Next) -> ring(K-1, spawn(fun() -> receive {token, T} -> Next ! {token, T+1} end end)).

collect(0, S) -> S;
collect(K, S) -> receive {res, V} -> collect(K-1, S+V) end.

timers() ->
    T0 = erlang:monotonic_time(millisecond),
    Refs = [erlang:send_after(D, self(), {t, D}) || D <- [50, 10, 30, 20, 40]],
    Got = [receive {t, D} -> D end || _ <- Refs],
    timer:sleep(20),
    El = erlang:monotonic_time(millisecond) - T0,
    io:format("timers ~p ~p~n", [Got, El >= 70]).

ports() ->
    P = open_port({spawn, "cat"}, [binary, stream, use_stdio, exit_status]),
    port_command(P, <<"hello port\n">>),
    receive {P, {data, D}} -> io:format("port got ~p~n", [D]) end,
    port_close(P),
    P2 = open_port({spawn_executable, "/bin/sh"},
                   [{args, ["-c", "echo args $0 $1; exit 3", "a", "b"]}, exit_status, binary, stderr_to_stdout]),
    port_loop(P2),
    Ports = [open_port({spawn, "sh -c 'read x; echo got $x; exit 7'"}, [exit_status, {line, 100}])
             || _ <- lists:seq(1, 20)],
    [port_command(Q, "v\n") || Q <- Ports],
    Res = [{receive {Q, {data, {eol, L}}} -> L after 10000 -> timeout end,
            receive {Q, {exit_status, S}} -> S after 10000 -> timeout end} || Q <- Ports],
    io:format("ports ~p~n", [lists:usort(Res)]).

port_loop(P) ->
    receive
        {P, {data, D}} -> io:format("port2 data ~p~n", [D]), port_loop(P);
        {P, {exit_status, S}} -> io:format("port2 exit ~p~n", [S])
    after 10000 -> io:format("port2 timeout~n")
    end.

oscmd() ->
    io:format("oscmd ~p~n", [os:cmd("echo hi; ls /nonexistent 2>&1 | wc -l")]),
    Parent = self(),
    [spawn(fun() -> Parent ! {cmd, I, os:cmd("expr " ++ integer_to_list(I) ++ " \\* 3")} end)
     || I <- lists:seq(1, 30)],
    io:format("oscmd many ~p~n", [lists:sort([receive {cmd, I, O} -> {I, O} end || _ <- lists:seq(1, 30)])]).

tcp() ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {reuseaddr, true}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    Parent = self(),
    [spawn(fun() -> {ok, S} = gen_tcp:accept(L), echo(S), Parent ! acc_done end) || _ <- lists:seq(1, 10)],
    Clients = [spawn_client(Port, I, Parent) || I <- lists:seq(1, 10)],
    Res = lists:sort([receive {client, I, R} -> {I, R} end || I <- Clients]),
    [receive acc_done -> ok end || _ <- lists:seq(1, 10)],
    io:format("tcp ~p~n", [Res]),
    gen_tcp:close(L).

spawn_client(Port, I, Parent) ->
    spawn(fun() ->
        {ok, S} = gen_tcp:connect({127,0,0,1}, Port, [binary, {active, false}]),
        Msg = binary:copy(integer_to_binary(I), 20000),
        ok = gen_tcp:send(S, Msg),
        {ok, Back} = gen_tcp:recv(S, byte_size(Msg), 10000),
        gen_tcp:close(S),
        Parent ! {client, I, Back =:= Msg}
    end),
    I.

echo(S) ->
    case gen_tcp:recv(S, 0, 10000) of
        {ok, D} -> gen_tcp:send(S, D), echo(S);
        {error, closed} -> ok
    end.

udp() ->
    {ok, U1} = gen_udp:open(0, [binary, {ip, {127,0,0,1}}, {active, false}]),
    {ok, U2} = gen_udp:open(0, [binary, {ip, {127,0,0,1}}]),
    {ok, P1} = inet:port(U1),
    Got = [begin
               ok = gen_udp:send(U2, {127,0,0,1}, P1, <<K:32>>),
               {ok, {_, _, <<N:32>>}} = gen_udp:recv(U1, 100, 5000),
               N
           end || K <- lists:seq(1, 50)],
    io:format("udp ~p~n", [lists:sum(Got)]).

sendfile() ->
    F = "/tmp/erlang_stress_sf_" ++ os:getpid(),
    ok = file:write_file(F, binary:copy(<<"s">>, 500000)),
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127,0,0,1}}]),
    {ok, LP} = inet:port(L),
    Parent = self(),
    spawn(fun() ->
        {ok, S} = gen_tcp:accept(L),
        {ok, Fd} = file:open(F, [read, raw, binary]),
        {ok, Sent} = file:sendfile(Fd, S, 0, 0, []),
        Parent ! {sent, Sent},
        gen_tcp:close(S)
    end),
    {ok, C} = gen_tcp:connect({127,0,0,1}, LP, [binary, {active, false}]),
    Recv = recv_all(C, 0),
    receive {sent, Sent} -> io:format("sendfile ~p ~p~n", [Sent, Recv]) end,
    ok = file:delete(F).

recv_all(C, N) ->
    case gen_tcp:recv(C, 0, 10000) of
        {ok, B} -> recv_all(C, N + byte_size(B));
        {error, closed} -> N
    end.

ets_work() ->
    T = ets:new(t, [set, public, {write_concurrency, true}]),
    Parent = self(),
    [spawn(fun() -> [ets:insert(T, {K*8+W, K}) || K <- lists:seq(1, 2000)], Parent ! w end) || W <- lists:seq(0, 7)],
    [receive w -> ok end || _ <- lists:seq(0, 7)],
    io:format("ets size ~p~n", [ets:info(T, size)]).

files() ->
    F = "/tmp/erlang_stress_" ++ os:getpid(),
    ok = file:write_file(F, binary:copy(<<"abc">>, 10000)),
    {ok, B} = file:read_file(F),
    {ok, Info} = file:read_file_info(F),
    ok = file:delete(F),
    io:format("files ~p ~p~n", [byte_size(B), element(2, Info)]).
