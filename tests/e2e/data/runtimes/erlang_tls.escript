#!/usr/bin/env escript
%% Erlang/OTP TLS 1.3 over loopback between two processes (ssl with test
%% certificates from public_key, peer verification), crypto NIFs.
%%! -noshell
main(_) ->
    {ok, _} = application:ensure_all_started(ssl),
    #{server_config := SC, client_config := CC} =
        public_key:pkix_test_data(#{server_chain => #{root => [{key, {namedCurve, secp256r1}}], peer => [{key, {namedCurve, secp256r1}}]},
                                    client_chain => #{root => [{key, {namedCurve, secp256r1}}], peer => [{key, {namedCurve, secp256r1}}]}}),
    {ok, L} = ssl:listen(0, [{active, false}, binary, {reuseaddr, true} | SC]),
    {ok, {_, Port}} = ssl:sockname(L),
    Parent = self(),
    spawn(fun() -> {ok, T} = ssl:transport_accept(L), {ok, S} = ssl:handshake(T), {ok, D} = ssl:recv(S, 0), ok = ssl:send(S, D), Parent ! served end),
    {ok, C} = ssl:connect("127.0.0.1", Port, [{active, false}, binary, {verify, verify_peer}, {server_name_indication, disable} | CC]),
    ok = ssl:send(C, <<"secret hello">>),
    {ok, Back} = ssl:recv(C, 0, 5000),
    {ok, [{protocol, P}]} = ssl:connection_information(C, [protocol]),
    receive served -> ok end,
    io:format("tls ~p ~p~n", [Back, P]),
    io:format("rand ~p~n", [byte_size(crypto:strong_rand_bytes(64))]),
    io:format("sha ~p~n", [crypto:hash(sha256, <<"abc">>)]).
