# memcached (sourced by the server tests; see server_lib.sh): two worker
# threads on libevent/epoll, TCP and UDP on one port; a protocol client,
# libmemcached's conformance test (memccapable) and load (memcslap),
# then SIGTERM.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

scenario() {
  local port pid out
  port=$(free_port)
  "$@" memcached -u nobody -t 2 -m 64 -l "$bind" -p "$port" -U "$port" &
  pid=$!
  "${client[@]}" python3 "$(dirname "${BASH_SOURCE[0]}")/memcached_client.py" "$addr" "$port" ||
    { stop "$pid"; return 1; }
  out=$("${client[@]}" memccapable -h "$addr" -p "$port" 2>&1)
  echo "memccapable: $(echo "$out" | grep -c '\[pass\]') pass, $(echo "$out" | grep -c '\[FAIL\]') FAIL"
  out=$("${client[@]}" memcslap --servers="$addr:$port" --concurrency=8 --execute-number=2000 2>&1)
  echo "memcslap exit status: $?, $(echo "$out" | grep -o 'set *[0-9]* keys by *[0-9]* threads' | tr -s ' ')"
  stop "$pid"
  echo "memcached exit status: $?"
}
