# HTTPS interception rows of bench/compare.sh (--intercept; README "HTTPS
# interception"). Sourced by compare.sh, never run alone: it uses compare.sh's
# variables (src out tmp gatehouse load blocked runs rounds seconds perf
# gh_threads pids) and functions (log start_proxy one_run proc_stat).
#
# A second gatehouse with tls_intercept on and a Squid 5.7 built with OpenSSL
# (Debian squid-openssl) with ssl_bump run beside the part-one proxies:
#   https-blockpage-newconn  CONNECT to the blocked host, TLS (SNI), one GET:
#                            the block page over TLS (leaf cached on both sides)
#   https-inspect-keepalive  CONNECT to a local nginx over HTTPS whose
#                            certificate is signed by a CA made for the run;
#                            decrypted on both sides, keep-alive GETs inside
# The rows run in compare.sh's rounds, alternating with the part-one rows;
# memory per idle intercepted connection is measured before them and, with
# --perf, a profile of gatehouse on the block-page workload after them.
#
# squid-openssl conflicts with the squid package compare.sh installs: unless it
# is installed already, its .deb is fetched with `apt-get download` and
# unpacked under $out, so both binaries coexist (same 5.7 source, same
# squid-common error pages).

intercept_host=origin.bench.test  # mapped to 127.0.0.1 for both proxies
intercept_workloads=()            # set by intercept_setup: name|load arguments

intercept_squid_binaries() {  # -> isq_bin, isq_certgen
  if dpkg-query -W -f='${Status}' squid-openssl 2>/dev/null | grep -q "install ok installed"; then
    isq_bin=/usr/sbin/squid
    isq_certgen=/usr/lib/squid/security_file_certgen
    return
  fi
  local root=$out/squid-openssl
  if [ ! -x "$root/usr/sbin/squid" ]; then
    log "fetching squid-openssl (apt-get download, unpacked under $root)"
    mkdir -p "$root.deb"
    (cd "$root.deb" && apt-get download -qq squid-openssl 2>/dev/null)
    dpkg-deb -x "$root.deb"/squid-openssl_*.deb "$root"
  fi
  isq_bin=$root/usr/sbin/squid
  isq_certgen=$root/usr/lib/squid/security_file_certgen
}

# The origin's trust anchor and its certificate for $intercept_host (EC P-256, made here).
intercept_origin_pki() {
  local d=$tmp/intercept/origin
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=bench origin CA" -addext basicConstraints=critical,CA:TRUE \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$intercept_host" \
    -keyout "$d/key.pem" -out "$d/leaf.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\n' "$intercept_host" >"$d/ext.cnf"
  openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 1 -extfile "$d/ext.cnf" -out "$d/cert.pem" 2>/dev/null
  printf '127.0.0.1 %s\n' "$intercept_host" >"$tmp/intercept/hosts"
  chmod -R a+rX "$tmp/intercept"
}

intercept_origin() {  # an nginx of its own: HTTPS /small with the CA-signed certificate
  local d=$tmp/intercept/origin
  cat >"$d/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 10000; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$p_iorigin ssl;
    ssl_certificate $d/cert.pem;
    ssl_certificate_key $d/key.pem;
    location = /small { default_type text/plain; return 200 "hello from the origin\n"; }
  }
}
EOF
  nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" &
  pids+=($!)
  for _ in $(seq 200); do
    curl -s -o /dev/null --max-time 1 --cacert "$d/ca.pem" --resolve "$intercept_host:$p_iorigin:127.0.0.1" \
      "https://$intercept_host:$p_iorigin/small" && return 0
    sleep 0.05
  done
  log "the interception origin did not start"; cat "$d/error.log" >&2; return 1
}

intercept_gatehouse_config() {  # the part-one config, its own ports and audit, interception on
  local d=$tmp/intercept
  "$gatehouse" ca init --out "$d/ca" --name "gatehouse bench CA" --days 2 >/dev/null
  # header_timeout also bounds the wait for the next request of a kept
  # connection: the idle measurement holds them for up to a minute.
  sed -e "s/127.0.0.1:$p_gh\"/127.0.0.1:$p_ighouse\"/; s/127.0.0.1:$p_admin\"/127.0.0.1:$p_ighouse_admin\"/" \
    -e "s/ports: \[443, /ports: [443, $p_iorigin, /; s#\"../domains.txt\"#\"$tmp/domains.txt\"#" \
    -e "s#path: \"audit.jsonl\"#path: \"$d/audit.jsonl\"#; s/^limits:$/limits:\n  header_timeout: 120s/" \
    "$tmp/gatehouse/gatehouse.yaml" >"$d/gatehouse.yaml"
  cat >>"$d/gatehouse.yaml" <<EOF
resolver: { hosts_file: "$d/hosts" }
tls_intercept:
  ca_cert: "$d/ca/ca.pem"
  ca_key: "$d/ca/ca.key"
  upstream_ca: "$d/origin/ca.pem"
  inspect: ["$intercept_host"]
EOF
}

# Squid with ssl_bump, on the part-one Squid config (its own port and files):
# peek at step 1, bump the blocked list (http_access then denies it: the error
# page over TLS) and the inspected host, splice the rest.
intercept_squid_config() {
  local d=$tmp/intercept/squid
  mkdir -p "$d"
  cp "$tmp/intercept/ca/ca.pem" "$tmp/intercept/ca/ca.key" "$d/"  # the same CA as gatehouse
  "$isq_certgen" -c -s "$d/ssl_db" -M 4MB >/dev/null
  chown -R proxy:proxy "$d" 2>/dev/null || chmod -R a+rwX "$d"
  local port="http_port 127.0.0.1:$p_isquid ssl-bump tls-cert=$d/ca.pem tls-key=$d/ca.key"
  port="$port generate-host-certificates=on dynamic_cert_mem_cache_size=4MB"
  sed -e "s#^http_port 127.0.0.1:$p_squid\$#$port#; s#$tmp/squid#$d#g" "$tmp/squid/squid.conf" >"$d/squid.conf"
  cat >>"$d/squid.conf" <<EOF
sslcrtd_program $isq_certgen -s $d/ssl_db -M 4MB
sslcrtd_children 4 startup=1 idle=1
tls_outgoing_options cafile=$tmp/intercept/origin/ca.pem
hosts_file $tmp/intercept/hosts
client_idle_pconn_timeout 5 minutes
acl step1 at_step SslBump1
acl inspected dstdomain $intercept_host
ssl_bump peek step1
ssl_bump bump blocked
ssl_bump bump inspected
ssl_bump splice all
EOF
}

intercept_setup() {
  mkdir -p "$tmp/intercept"
  read -r p_ighouse p_ighouse_admin p_isquid p_iorigin p_ibefore p_ibefore_admin < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)
  intercept_squid_binaries
  intercept_origin_pki
  intercept_origin || return 0
  proxy_port[gatehouse-tls]=$p_ighouse
  proxy_port[squid-tls]=$p_isquid
  if [ -x "$gatehouse" ]; then
    intercept_gatehouse_config
    start_proxy gatehouse-tls env GATEHOUSE_THREADS="$gh_threads" "$gatehouse" serve \
      --config "$tmp/intercept/gatehouse.yaml"
  fi
  intercept_before
  intercept_squid_config
  start_proxy squid-tls "$isq_bin" -N -f "$tmp/intercept/squid/squid.conf"
  intercept_workloads=(
    "https-blockpage-newconn|--mode https --url https://$blocked/ -c 32 --new-connection --expect-status 403"
    "https-inspect-keepalive|--mode https --url https://$intercept_host:$p_iorigin/small -c 32 --expect-status 200"
  )
  local name
  for name in gatehouse-tls before-tls squid-tls; do  # one of each, so leaves are cached before timing
    [ -n "${proxy_pid[$name]:-}" ] || continue
    intercept_check "$name" "https://$blocked/" 403
    intercept_check "$name" "https://$intercept_host:$p_iorigin/small" 200
  done
}

# --before BIN: the earlier binary with the same interception config (its own
# ports and audit), when it accepts it; its https-* rows go in the before/after table.
intercept_before() {
  [ -n "$before_bin" ] && [ -x "$gatehouse" ] || return 0
  local d=$tmp/intercept
  sed -e "s/127.0.0.1:$p_ighouse\"/127.0.0.1:$p_ibefore\"/; s/127.0.0.1:$p_ighouse_admin\"/127.0.0.1:$p_ibefore_admin\"/" \
    -e "s#$d/audit.jsonl#$d/audit-before.jsonl#" "$d/gatehouse.yaml" >"$d/before.yaml"
  if ! "$before_bin" check --config "$d/before.yaml" >/dev/null 2>&1; then
    log "before-tls: the --before binary refuses the interception config; no before row for https-*"
    return 0
  fi
  proxy_port[before-tls]=$p_ibefore
  start_proxy before-tls env GATEHOUSE_THREADS="$gh_threads" "$before_bin" serve --config "$d/before.yaml"
}

intercept_check() {  # NAME URL STATUS: one request through the proxy, its CA trusted
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$tmp/intercept/ca/ca.pem" \
    --resolve "$intercept_host:$p_iorigin:127.0.0.1" -x "http://127.0.0.1:${proxy_port[$1]}" "$2" || true)
  log "$1: $2 -> $code (want $3)"
}

# Memory per idle intercepted connection: N inspected connections that each
# did one GET and stay open; (RSS while held - RSS before) / held.
intercept_idle() {  # N
  local n=$1 name pid before after gen held line
  for name in gatehouse-tls squid-tls; do
    pid=${proxy_pid[$name]:-}
    [ -n "$pid" ] || continue
    if [ $((SECONDS + 70)) -ge "$budget_end" ]; then log "time budget used up: no idle run for $name"; continue; fi
    rm -f "$tmp/intercept/idle.ready"
    before=$(proc_stat "$pid" | cut -d' ' -f2)
    "$load" --mode https --url "https://$intercept_host:$p_iorigin/small" --proxy "127.0.0.1:${proxy_port[$name]}" \
      -c "$n" --ramp-parallel 32 -d 60 --ready-file "$tmp/intercept/idle.ready" --label idle-intercepted \
      >"$tmp/intercept/idle.$name.json" 2>>"$tmp/load.err" &
    gen=$!
    pids+=("$gen")
    for _ in $(seq 500); do [ -s "$tmp/intercept/idle.ready" ] && break; sleep 0.1; done  # <= 50 s
    sleep 2
    after=$(proc_stat "$pid" | cut -d' ' -f2)
    kill -TERM "$gen" 2>/dev/null || true
    wait "$gen" 2>/dev/null || true
    line=$(head -1 "$tmp/intercept/idle.$name.json")
    held=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1] or "{}"); print(r.get("requests",0)-r.get("dropped",0))' "$line")
    echo "{\"workload\":\"idle-intercepted\",\"target\":\"${name%-tls}\",\"held\":${held:-0},\"rss_before_kib\":$before,\"rss_after_kib\":$after,\"generator\":${line:-null}}" >>"$runs"
    log "$name: $held idle intercepted connections, RSS $before -> $after KiB"
    sleep 3  # let the proxy close them before the next one
  done
}

# 5 s of `perf record` of PID into DATA while the generator runs an HTTPS
# workload through gatehouse-tls.  PID DATA URL [LOAD_ARGS...]
intercept_record() {
  local pid=$1 data=$2 url=$3 gen
  shift 3
  "$load" --mode https --url "$url" -c 32 -d 7 --proxy "127.0.0.1:$p_ighouse" "$@" >/dev/null 2>&1 &
  gen=$!
  # DWARF call graphs: libcrypto has no frame pointers, and its internal
  # functions no symbols, so the handshake's steps are read off the exported
  # entry points that call them (inclusive time).
  perf record -F 999 --call-graph dwarf,32768 -p "$pid" -o "$data" -- sleep 5 >/dev/null 2>&1 || true
  wait "$gen" || true
}

intercept_perf() {  # profiles of gatehouse on the block-page and the inspected workloads
  local pid=${proxy_pid[gatehouse-tls]:-} data=$out/perf-intercept.data
  [ "$perf" = 1 ] && [ -n "$pid" ] && command -v perf >/dev/null || return 0
  intercept_record "$pid" "$data" "https://$blocked/" --new-connection
  local rows='^ +[0-9]'
  (
    set +e +o pipefail  # a report cut short by head is not a failure of the run
    echo "## self time by shared object"
    perf report -i "$data" --no-children --sort dso -g none --stdio 2>/dev/null | grep -E "$rows" | head -10
    echo "## inclusive time (children, self) of the handshake's entry points"
    perf report -i "$data" --children --sort symbol -g none --stdio 2>/dev/null | grep -E "$rows" |
      sed -E 's/ +- +- *$//; s/ *$//' | grep -E '\] (gh::TlsSocket::try_handshake|SSL_do_handshake|EVP_PKEY_generate|EVP_PKEY_derive|EVP_DigestSign|SSL_[a-z_]+$|ERR_|EVP_[A-Z]+_fetch|gh::[A-Za-z_]+[A-Za-z_:]*$|gh::\(anonymous namespace\)::[a-z_]+$|.*malloc|.*free$)' |
      cut -c1-130 | head -40
    echo "## the asymmetric crypto of one handshake on this machine (openssl speed)"
    openssl speed -seconds 1 ecdsap256 ecdhx25519 2>/dev/null | grep -E '^ *(256|253) bits'
    echo "## top self symbols"
    perf report -i "$data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null | grep -E "$rows" |
      sed -E 's/ +- +- *$//; s/  +/ /g' | cut -c1-140 | head -30
  ) >"$out/perf-intercept.txt"
  log "perf profile of gatehouse (HTTPS block pages) in $out/perf-intercept.txt"
  # The inspected keep-alive GETs: where the CPU per request goes.
  data=$out/perf-inspect.data
  intercept_record "$pid" "$data" "https://$intercept_host:$p_iorigin/small"
  (
    set +e +o pipefail
    echo "## self time by shared object"
    perf report -i "$data" --no-children --sort dso -g none --stdio 2>/dev/null | grep -E "$rows" | head -10
    echo "## top self symbols"
    perf report -i "$data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null | grep -E "$rows" |
      sed -E 's/ +- +- *$//; s/  +/ /g' | cut -c1-140 | head -40
    echo "## inclusive time of gatehouse's steps"
    perf report -i "$data" --children --sort symbol -g none --stdio 2>/dev/null | grep -E "$rows" |
      sed -E 's/ +- +- *$//; s/ *$//' | grep -E '\] (gh::|SSL_|.*malloc|.*free$|__libc_sendmsg|__libc_recv|__send|__recv)' |
      cut -c1-130 | head -40
  ) >"$out/perf-inspect.txt"
  log "perf profile of gatehouse (inspected keep-alive) in $out/perf-inspect.txt"
}

intercept_table() {
  python3 - "$runs" <<'EOF' | tee -a "$out/table.md"
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(xs): return statistics.median(xs) if xs else None
print()
print("Interception (README \"HTTPS interception\"): the https-* rows above are gatehouse with tls_intercept")
print("and Squid (squid-openssl) with ssl_bump. Targets:")
print()
print("| figure | gatehouse | Squid | gatehouse/Squid | target |")
print("|---|---|---|---|---|")
cells = {}
for r in runs:
    if r.get("workload", "").startswith("https-") and r["run"].get("requests"):
        c = cells.setdefault((r["workload"], r["target"]), {"cpu": [], "rate": []})
        c["cpu"].append(r["cpu_ticks"] * 1e6 / r["hz"] / r["run"]["requests"])
        c["rate"].append(r["run"]["rps"])
def row(label, w, key, target, want):
    g, s = med(cells.get((w, "gatehouse"), {}).get(key, [])), med(cells.get((w, "squid"), {}).get(key, []))
    ratio = g / s if g is not None and s else None
    ok = "n/a" if ratio is None else ("met" if want(ratio) else "not met")
    f = lambda x: "n/a" if x is None else f"{x:,.1f}"
    print(f"| {label} | {f(g)} | {f(s)} | {'n/a' if ratio is None else f'{ratio:.2f}'} | {target}: {ok} |")
row("block page: CPU µs per page", "https-blockpage-newconn", "cpu", "≤ 0.5", lambda x: x <= 0.5)
row("block page: pages/s", "https-blockpage-newconn", "rate", "≥ 2", lambda x: x >= 2)
row("inspected keep-alive: CPU µs per request", "https-inspect-keepalive", "cpu", "≤ 0.5", lambda x: x <= 0.5)
row("inspected keep-alive: requests/s", "https-inspect-keepalive", "rate", "-", lambda x: True)
per = {}
for r in runs:
    if r.get("workload") == "idle-intercepted" and r["held"]:
        per[r["target"]] = ((r["rss_after_kib"] - r["rss_before_kib"]) / r["held"], r["held"],
                            (r.get("generator") or {}).get("errors", "?"))
g, s = per.get("gatehouse"), per.get("squid")
fmt = lambda p: "n/a" if not p else f"{p[0]:.1f} ({p[1]} held, {p[2]} errors)"
print(f"| KiB per idle intercepted connection | {fmt(g)} | {fmt(s)} | "
      f"{'n/a' if not g or not s else f'{g[0] / s[0]:.2f}'} | gatehouse ≤ 64: "
      f"{'n/a' if not g else ('met' if g[0] <= 64 else 'not met')} |")
EOF
}
