# Sourced by the bench scripts (compare.sh, tunnel_split.sh): the head of an
# nginx config for a local origin with its own prefix DIR: one worker, no
# access log, sendfile, files under DIR/html. The caller appends its own
# http-level directives, its server blocks and the closing brace of `http`.
nginx_origin_head() {  # DIR
  cat <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
worker_rlimit_nofile 100000;
events { worker_connections 40000; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  sendfile on;
  default_type application/octet-stream;
  root $1/html;
CONF
}
