#!/bin/sh
# PHP's built-in web server (php -S, two forked workers) served to curl:
# a static file, scripts with GET and a 300 KB POST, a 200 KB response,
# 20 concurrent requests, a 404.
here=$(dirname "$0")
port=$("$here"/free_port.sh)
PHP_CLI_SERVER_WORKERS=2 setsid php -S 127.0.0.1:$port -t "$here"/php_www > /dev/null 2>&1 &
srv=$!
for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/static.txt && break; sleep 0.1; done
url=http://127.0.0.1:$port
curl -s $url/static.txt
curl -s "$url/index.php?n=100"
curl -s "$url/?big=1" | wc -c
head -c 300000 /dev/zero | tr '\0' 'q' | curl -s --data-binary @- $url/
(for i in $(seq 20); do curl -s "$url/?n=$i" & done; wait) | sort | uniq | wc -l
curl -s -o /dev/null -w "%{http_code}\n" $url/missing.txt
# The master does not end its workers at SIGTERM (on Linux too): php runs in
# a session of its own (setsid execs in place: $! is php) and the whole
# group is killed.
kill -- -$srv 2>/dev/null; wait $srv 2>/dev/null
echo "served"
