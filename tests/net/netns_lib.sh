# Shared set-up for the tests/net scripts (sourced, not run): skips without
# root or ip(8); the daemon environment of tests/lib/daemon_env.sh; a network
# namespace, created here and deleted whatever happens, that in_ns runs
# commands in and start_daemon runs the daemon in; and bypass container
# configs.
#
# usage: . netns_lib.sh PREFIX     (namespace junction-PREFIX-$$)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip(8)"; exit 77; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib/daemon_env.sh" "$1"
ns=junction-$1-$$
daemon_prefix=(ip netns exec "$ns")
cleanup_also() { ip netns del "$ns" 2>/dev/null; }
ip netns add "$ns" || { echo "SKIP: cannot create a network namespace"; exit 77; }
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up

# start_tap_daemon LOG HOST_ADDRESS [ARG...]: start_daemon with its NIC a TAP
# device, jtap0, whose host side has HOST_ADDRESS/24.
start_tap_daemon() {
  start_daemon "$1" --set nic.kind=tap --set nic.interface=jtap0 --set nic.host_address="$2/24" "${@:3}"
}

# bypass_app NAME ADDRESS [MAX_CORES]: $tmp/NAME.toml, a bypass container at
# ADDRESS/24 whose gateway is $host, on MAX_CORES (1) cores.
bypass_app() {
  printf 'name = "%s"\n[cpu]\nmax_cores = %s\n[net]\nmode = "bypass"\naddress = "%s/24"\ngateway = "%s"\n' \
    "$1" "${3:-1}" "$2" "$host" >"$tmp/$1.toml"
}
