#!/usr/bin/env bash
# A server scenario (tests/e2e/data/servers/SERVER.sh) natively and under
# `junction run APP` in host network mode; the transcripts must match.
# VAR=VALUE arguments after APP set the scenario's variables
# (worker_class=gthread).
#
# usage: servers_test.sh SERVER JUNCTION APP [VAR=VALUE...]
set -u
server=$1 JUNCTION=$2 APP=$3
shift 3
for assignment in "$@"; do declare "$assignment"; done
need=$server
[ "$server" = unix_host ] && need=python3
[ "$server" = haproxy ] && need=haproxy
[ "$server" = nginx_php_fpm ] && need=php-fpm8.2
[ "$server" = node_cluster ] && need=node
command -v "$need" >/dev/null || command -v "/usr/sbin/$need" >/dev/null ||
  { echo "SKIP: $need not installed (scripts/install-deps.sh)"; exit 77; }
PATH=$PATH:/usr/sbin
. "$(dirname "$0")/../lib/native_compare.sh"
. "$(dirname "$0")/data/servers/$server.sh"
compare_native "$JUNCTION" "$APP"
