# nginx with a master and two workers, every file in one directory, for
# the tests that run it natively and in containers (sourced, not run).

# nginx_site DIR LISTEN: DIR/nginx.conf listening on LISTEN (an nginx
# `listen` value), serving DIR/www/index.html ("hello from nginx") and the
# answering worker's pid at /pid; run it as `nginx -c DIR/nginx.conf -p DIR`.
nginx_site() {
  mkdir -p "$1/www"
  echo "hello from nginx" >"$1/www/index.html"
  cat >"$1/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $1/nginx.pid;
error_log $1/error.log info;
events { worker_connections 64; }
http {
  access_log $1/access.log;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  server {
    listen $2;
    root $1/www;
    location = /pid { return 200 "\$pid\n"; }
  }
}
CONF
}
