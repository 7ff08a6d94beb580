# gunicorn (sourced by the server tests; see server_lib.sh), a prefork
# WSGI server: the master binds, forks two workers that accept on the
# shared socket, respawns one that is killed, adds and drops workers on
# TTIN/TTOU, replaces them all on HUP and lets a request in flight finish
# on TERM. $worker_class: sync (default) or gthread (4 threads a worker).
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

scenario() {
  local dir port url master
  dir=$(mktemp -d)
  chmod 755 "$dir"
  cat >"$dir/app.py" <<'PY'
import os, time
def app(environ, start_response):
    path = environ.get('PATH_INFO', '/')
    if path == '/pid':
        body = str(os.getppid()).encode()  # the master's, as each side sees it
    elif path.startswith('/size/'):
        n = int(path[6:])
        body = (b'0123456789abcdef' * (n // 16 + 1))[:n]
    elif path == '/echo':
        body = environ['wsgi.input'].read()
    elif path == '/slow':
        open(os.path.join(os.path.dirname(__file__), 'slow-started'), 'w').close()
        time.sleep(1)
        body = b'slow done\n'
    else:
        body = b'hello from gunicorn\n'
    start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                              ('Content-Length', str(len(body)))])
    return [body]
PY
  port=$(free_port)
  url=http://$addr:$port
  local opts=(--workers 2 --bind "$bind:$port" --chdir "$dir" --pid "$dir/gunicorn.pid"
              --log-file "$dir/gunicorn.log" --graceful-timeout 20)
  [ "${worker_class:-sync}" = gthread ] && opts+=(--worker-class gthread --threads 4)
  "$@" gunicorn "${opts[@]}" app:app &
  master=$!
  wait_up "$url/" "$master" || { echo "gunicorn did not come up"; cat "$dir/gunicorn.log"; rm -rf "$dir"; return 1; }
  echo "GET /: $(get "$url/")"
  local n
  for n in 0 1 1000 65536 1048576; do
    echo "GET /size/$n: $(curl_ -s "$url/size/$n" | sha256sum | cut -c1-16)"
  done
  seq 1 400000 >"$dir/upload"
  curl_ -s --data-binary @"$dir/upload" "$url/echo" | cmp -s - "$dir/upload" && echo "POST /echo 2.6 MB: same bytes back"
  ab_summary -n 400 -c 8 "$url/"
  seq 1 20000 >"$dir/form"  # 109 KB
  ab_summary -n 100 -c 8 -p "$dir/form" "$url/echo"
  # The master never accepts: each answer comes from a process whose parent is the master.
  [ "$(get "$url/pid")" = "$(cat "$dir/gunicorn.pid")" ] && echo "served by a worker: yes" || echo "served by a worker: no"
  wait_children "$master" 2 || echo "workers never reached 2"
  echo "workers: $(children "$master" | wc -l)"

  # A worker killed: the master forks another in its place.
  local victim
  victim=$(children "$master" | head -1)
  kill -TERM "$victim"
  respawned() { child_count_is "$master" 2 && ! children "$master" | grep -qx "$victim"; }
  wait_until respawned && echo "TERM to a worker: respawned" || echo "TERM to a worker: not respawned"
  echo "GET / after: $(get "$url/")"

  # TTIN adds a worker, TTOU takes one away.
  kill -TTIN "$master"
  wait_children "$master" 3 && echo "TTIN: 3 workers" || echo "TTIN: $(children "$master" | wc -l) workers"
  kill -TTOU "$master"
  wait_children "$master" 2 && echo "TTOU: 2 workers" || echo "TTOU: $(children "$master" | wc -l) workers"

  # HUP: every worker replaced by a new one.
  local old
  old=$(children "$master" | sort)
  kill -HUP "$master"
  replaced() { child_count_is "$master" 2 && [ -z "$(comm -12 <(echo "$old") <(children "$master" | sort))" ]; }
  wait_until replaced && echo "HUP: workers replaced" || echo "HUP: workers not replaced"
  wait_up "$url/" "$master" && echo "GET / after HUP: $(get "$url/")"
  ab_summary -n 200 -c 8 "$url/size/20000"

  # TERM to the master: the request in a worker finishes first.
  curl_ -s "$url/slow" >"$dir/slow.out" &
  local slow=$!
  wait_until test -e "$dir/slow-started" || echo "the slow request never reached a worker"
  stop "$master"
  echo "master exit status: $?"
  wait "$slow"
  echo "request in flight at TERM: $(cat "$dir/slow.out")"
  echo "pid file left: $([ -e "$dir/gunicorn.pid" ] && echo yes || echo no)"
  echo "errors logged: $(grep -cE '\[(ERROR|CRITICAL)\]' "$dir/gunicorn.log")"
  rm -rf "$dir"
}
