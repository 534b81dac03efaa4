# Sourced by the bench scripts (compare.sh, tunnel_split.sh): a local nginx
# origin with its own prefix DIR.

# DIR/html/big (100 MB) and a throwaway EC certificate made at run time.
nginx_origin_files() {  # DIR
  mkdir -p "$1/html"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
  truncate -s 100M "$1/html/big"
  chmod -R a+rX "$1"
}

# The config on stdout: one worker, no access log, sendfile, files under
# DIR/html; HTTP_TEXT (http-level directives and server blocks) inside `http`.
nginx_origin_conf() {  # DIR HTTP_TEXT
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
$2
}
CONF
}
