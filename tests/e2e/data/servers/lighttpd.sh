# lighttpd (sourced by the server tests; see server_lib.sh): one process
# serving static files (sendfile, ranges) and mod_cgi scripts (a forked
# child per request, its stdin and stdout pipes), under concurrent load,
# then SIGTERM.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

scenario() {
  local dir port url pid
  dir=$(mktemp -d)
  chmod 755 "$dir"
  mkdir "$dir/www"
  echo "hello from lighttpd" >"$dir/www/index.html"
  seq 1 700000 >"$dir/www/big.txt"  # 4.6 MB
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "cgi sh: $REQUEST_METHOD $QUERY_STRING"\ncat\n' \
    >"$dir/www/echo.sh"
  cat >"$dir/www/count.py" <<'PY'
import hashlib, os, sys
data = sys.stdin.buffer.read()
print("Content-Type: text/plain\n")
print("cgi python:", os.environ.get("REQUEST_METHOD"), os.environ.get("CONTENT_LENGTH"), len(data),
      hashlib.sha256(data).hexdigest()[:16])
PY
  port=$(free_port)
  url=http://$addr:$port
  cat >"$dir/lighttpd.conf" <<CONF
server.document-root = "$dir/www"
server.bind = "$bind"
server.port = $port
server.modules = ("mod_cgi", "mod_accesslog")
server.errorlog = "$dir/error.log"
accesslog.filename = "$dir/access.log"
server.pid-file = "$dir/lighttpd.pid"
cgi.assign = (".sh" => "/bin/sh", ".py" => "/usr/bin/python3")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain")
index-file.names = ("index.html")
CONF
  "$@" lighttpd -D -f "$dir/lighttpd.conf" &
  pid=$!
  wait_up "$url/" "$pid" || { echo "lighttpd did not come up"; cat "$dir/error.log"; rm -rf "$dir"; return 1; }
  echo "GET /: $(get "$url/")"
  echo "GET /big.txt: $(curl_ -s "$url/big.txt" | sha256sum | cut -c1-16)"
  echo "GET /big.txt bytes 1000000-1000099: $(curl_ -s -r 1000000-1000099 "$url/big.txt" | sha256sum | cut -c1-16)"
  echo "GET /missing: $(curl_ -s -o /dev/null -w '%{http_code}' "$url/missing")"
  echo "CGI $(curl_ -s "$url/echo.sh?q=1" --data-binary 'posted body' | tr '\n' ' ')"
  echo "CGI $(curl_ -s --data-binary @"$dir/www/big.txt" "$url/count.py")"
  ab_summary -n 1000 -c 8 "$url/"
  ab_summary -k -n 100 -c 4 "$url/big.txt"
  ab_summary -n 100 -c 4 "$url/echo.sh"
  ab_summary -n 40 -c 4 -p "$dir/www/index.html" "$url/count.py"
  stop "$pid"
  echo "lighttpd exit status: $?"
  echo "logged: $(grep -c '"GET /big.txt' "$dir/access.log") GET /big.txt, $(grep -c '"POST /count.py' "$dir/access.log") POST /count.py"
  echo "pid file left: $([ -e "$dir/lighttpd.pid" ] && echo yes || echo no)"
  rm -rf "$dir"
}
