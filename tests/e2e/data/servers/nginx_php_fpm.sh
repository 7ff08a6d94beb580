# nginx in front of php-fpm over a unix socket (FastCGI), both in one
# container (sourced by the server tests; see server_lib.sh): nginx's master
# forks two workers, php-fpm's master forks two children that accept on
# the unix socket; GETs, POSTs of a large body, a large response, concurrent
# load, then both masters stop on SIGQUIT. pm=ondemand: the php-fpm
# master watches the socket and forks a child when a connection waits.
. "$(dirname "${BASH_SOURCE[0]}")/server_lib.sh"

# php_ready URL: php-fpm answers through nginx (nginx may be up first).
php_ready() { [ "$("${client[@]}" curl --noproxy '*' -m 5 -s -o /dev/null -w '%{http_code}' "$1/index.php")" = 200 ]; }

scenario() {
  local dir port url pid fpm
  fpm=$(command -v php-fpm8.2 || command -v php-fpm)
  dir=$(mktemp -d)
  chmod 755 "$dir"
  mkdir "$dir/www"
  echo "static from nginx" >"$dir/www/static.txt"
  cat >"$dir/www/index.php" <<'PHP'
<?php
header('Content-Type: text/plain');
echo php_sapi_name(), " ", $_SERVER['REQUEST_METHOD'], " n=", $_GET['n'] ?? '-', "\n";
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
  $body = file_get_contents('php://input');
  echo "body ", strlen($body), " ", substr(hash('sha256', $body), 0, 16), "\n";
}
if (isset($_GET['big'])) echo str_repeat("0123456789abcdef", 65536);
if (isset($_GET['pid'])) echo getmypid(), "\n";
if (isset($_GET['sleep'])) { usleep(200000); echo "slept\n"; }
if (isset($_GET['counter'])) { static $c = 0; echo "counter ", ++$c, "\n"; }
if (isset($_GET['spawn'])) echo "spawned: ", trim(shell_exec('echo child of php | tr a-z A-Z')), "\n";
PHP
  port=$(free_port)
  url=http://$addr:$port
  cat >"$dir/php-fpm.conf" <<CONF
[global]
pid = $dir/php-fpm.pid
error_log = $dir/php-fpm.log
daemonize = no
[www]
user = root
group = root
listen = $dir/php.sock
listen.mode = 0666
pm = ${pm:-static}
pm.process_idle_timeout = 2s
pm.max_children = 2
catch_workers_output = yes
CONF
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/body;
  client_max_body_size 10m;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen $bind:$port;
    root $dir/www;
    location ~ \.php\$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_pass unix:$dir/php.sock;
    }
  }
}
CONF
  # One container for both: php-fpm's master and nginx's master are
  # children of this shell, which passes SIGTERM on as their SIGQUIT.
  cat >"$dir/both.sh" <<SH
$fpm -F -R -y $dir/php-fpm.conf &
fpm=\$!
nginx -c $dir/nginx.conf -p $dir &
nginx=\$!
trap 'kill -QUIT \$nginx \$fpm' TERM
wait \$nginx; wait \$nginx; n=\$?
wait \$fpm; f=\$?
echo "nginx exit \$n php-fpm exit \$f" >$dir/exits
SH
  "$@" bash "$dir/both.sh" &
  pid=$!
  wait_until php_ready "$url" && wait_up "$url/index.php" "$pid" || {
    echo "nginx/php-fpm did not come up"; tail -5 "$dir/error.log" "$dir/php-fpm.log"
    stop "$pid"; rm -rf "$dir"; return 1
  }
  echo "GET /static.txt: $(get "$url/static.txt")"
  echo "GET /index.php: $(get "$url/index.php?n=7" | tr '\n' ' ')"
  echo "POST 3 MB: $(seq 1 450000 | curl_ -s --data-binary @- "$url/index.php?n=post" | tr '\n' ' ')"
  echo "big: $(get "$url/index.php?big=1" | wc -c)"
  echo "spawn: $(get "$url/index.php?spawn=1" | tail -1)"
  echo "pids: $(for i in $(seq 20); do get "$url/index.php?pid=1" | tail -1; done | sort -u | wc -l | awk '{print ($1 <= 2) ? "at most two" : $1}')"
  echo "concurrent sleeps: $(for i in $(seq 8); do get "$url/index.php?sleep=1" | tail -1 & done | sort | uniq -c | tr -s ' ')"
  echo "missing script: $(curl_ -s -o /dev/null -w '%{http_code}' "$url/nothere.php")"
  ab_summary -n 400 -c 8 "$url/index.php?n=ab"
  ab_summary -n 40 -c 4 -p "$dir/www/index.php" "$url/index.php"
  stop "$pid"
  echo "wrapper exit status: $?"
  cat "$dir/exits"
  echo "logged: $(grep -c '"POST /index.php' "$dir/access.log") POST, $(grep -c 'ready to handle connections' "$dir/php-fpm.log") ready"
  echo "workers killed by SIGSEGV: $(grep -c 'exited on signal 11' "$dir/php-fpm.log")"
  echo "socket left: $([ -e "$dir/php.sock" ] && echo yes || echo no)"
  rm -rf "$dir"
}
