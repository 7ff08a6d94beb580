#!/usr/bin/env bash
# gunicorn, a prefork WSGI server: the master binds, forks WORKERS that
# accept on the shared socket, respawns one that is killed, adds and drops
# workers on TTIN/TTOU, replaces them all on HUP and finishes a request in
# flight on TERM. The clients (curl, ab) run beside it, so one script runs
# natively and in a container (either network mode). Prints a transcript
# without pids, ports or timings.
#
# usage: gunicorn.sh sync|gthread
set -u
worker_class=$1
dir=$(mktemp -d)
master=""
cleanup() {
  [ -n "$master" ] && kill -9 "$master" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/server_lib.sh"

cat >"$dir/app.py" <<'PY'
import hashlib, os, time
def app(environ, start_response):
    path = environ.get('PATH_INFO', '/')
    if path == '/pid':
        body = str(os.getpid()).encode()
    elif path.startswith('/size/'):
        n = int(path[6:])
        body = (b'0123456789abcdef' * (n // 16 + 1))[:n]
    elif path == '/echo':
        body = environ['wsgi.input'].read()
    elif path == '/slow':
        open(environ['HTTP_X_MARK'], 'w').close()  # the request is in the worker
        time.sleep(1)
        body = b'slow done\n'
    else:
        body = b'hello from gunicorn\n'
    start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                              ('Content-Length', str(len(body)))])
    return [body]
PY

port=$(free_port)
url=http://127.0.0.1:$port
opts=(--workers 2 --bind "127.0.0.1:$port" --chdir "$dir" --pid "$dir/gunicorn.pid"
      --log-file "$dir/gunicorn.log" --graceful-timeout 20)
[ "$worker_class" = gthread ] && opts+=(--worker-class gthread --threads 4)
gunicorn "${opts[@]}" app:app &
master=$!
wait_up "$url/" || { echo "gunicorn did not come up"; cat "$dir/gunicorn.log"; exit 1; }
echo "GET /: $(get "$url/")"
for n in 0 1 1000 65536 1048576; do
  echo "GET /size/$n: $(curl_ -s "$url/size/$n" | sha256sum | cut -c1-16)"
done
seq 1 400000 >"$dir/upload"
curl_ -s --data-binary @"$dir/upload" "$url/echo" | cmp -s - "$dir/upload" && echo "POST /echo 2.6 MB: same bytes back"
ab_summary -n 400 -c 8 "$url/"
ab_summary -k -n 400 -c 8 "$url/size/10000"

served_by=$(get "$url/pid")
[ "$served_by" != "$master" ] && echo "served by a worker: yes" || echo "served by a worker: no"
wait_children "$master" 2 || echo "workers never reached 2"
echo "workers: $(children "$master" | wc -l)"

# A worker killed: the master forks another in its place.
old=$(children "$master")
victim=$(echo "$old" | head -1)
kill -TERM "$victim"
respawned() { [ "$(children "$master" | wc -l)" = 2 ] && ! children "$master" | grep -qx "$victim"; }
wait_until respawned && echo "TERM to a worker: respawned" || echo "TERM to a worker: not respawned"
echo "GET / after: $(get "$url/")"

# TTIN adds a worker, TTOU takes one away.
kill -TTIN "$master"
wait_children "$master" 3 && echo "TTIN: 3 workers" || echo "TTIN: $(children "$master" | wc -l) workers"
kill -TTOU "$master"
wait_children "$master" 2 && echo "TTOU: 2 workers" || echo "TTOU: $(children "$master" | wc -l) workers"

# HUP: every worker replaced by a new one.
old=$(children "$master")
kill -HUP "$master"
replaced() {
  local now
  now=$(children "$master")
  [ "$(echo "$now" | wc -l)" = 2 ] && [ -z "$(comm -12 <(echo "$old" | sort) <(echo "$now" | sort))" ]
}
wait_until replaced && echo "HUP: workers replaced" || echo "HUP: workers not replaced"
wait_up "$url/" && echo "GET / after HUP: $(get "$url/")"

# TERM to the master: a request in a worker finishes first.
curl_ -s -H "X-Mark: $dir/slow-started" "$url/slow" >"$dir/slow.out" &
slow=$!
wait_until test -e "$dir/slow-started" || echo "the slow request never reached a worker"
kill -TERM "$master"
wait "$slow"
echo "request in flight at TERM: $(cat "$dir/slow.out")"
wait "$master"
echo "master exit status: $?"
master=""
echo "pid file left: $([ -e "$dir/gunicorn.pid" ] && echo yes || echo no)"
grep -cE '\[(ERROR|CRITICAL)\]' "$dir/gunicorn.log"
