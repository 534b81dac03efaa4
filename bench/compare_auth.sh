# Authentication rows of bench/compare.sh (README "Identity"; bench/README.md,
# "Authentication rows"). Sourced by compare.sh when it is given --auth; uses
# its variables and functions (tmp, out, pids, log, start_proxy, one_run,
# proc_stat, proxy_pid, proxy_port, blocked, p_http, gatehouse, load).
#
# Sets up, on loopback, for this run only:
#   - an MIT KDC with a realm made per run (as tests/integration/auth_kerberos.py
#     does): user bench, service principal HTTP/localhost, its keytab, a ticket;
#   - gatehouse-auth: the same config as the gatehouse under test plus an
#     `auth:` block (Negotiate with the keytab, Basic with an htpasswd file);
#   - squid-auth: the same config as the Squid peer plus basic_ncsa_auth on the
#     same htpasswd file (a SHA-512-crypt entry both read), asked before the
#     blocklist as gatehouse does.
# Then, round after round, each workload against the anonymous proxy and the
# authenticating one alternately, and a table of medians of CPU per request,
# the difference authenticated − anonymous, and the Negotiate exchanges
# counted by gatehouse's /metrics against the connections the generator made.

auth_runs=$out/auth-runs.jsonl
auth_user=bench
auth_password=Bench-pw-4471q
auth_realm=GH.BENCH

auth_kdc() {  # a realm, the proxy's keytab and a ticket for bench@GH.BENCH
  local k=$tmp/krb5 kport
  mkdir -p "$k"
  kport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # The same realm files as tests/integration/auth_kerberos.py, exported for
  # every process started after this (gatehouse-auth, the generator, kinit).
  local line
  while read -r line; do
    export "${line?}"
  done < <(python3 "$src/tests/integration/proxy_lib/krb5_realm.py" "$k" "$auth_realm" "$kport")
  /usr/sbin/kdb5_util -r "$auth_realm" create -s -P master-pw-for-bench >/dev/null
  /usr/sbin/kadmin.local -r "$auth_realm" -q "addprinc -pw $auth_password $auth_user" >/dev/null
  /usr/sbin/kadmin.local -r "$auth_realm" -q "addprinc -randkey HTTP/localhost" >/dev/null
  /usr/sbin/kadmin.local -r "$auth_realm" -q "ktadd -k $k/http.keytab HTTP/localhost" >/dev/null
  chmod 644 "$k/http.keytab"
  /usr/sbin/krb5kdc -n -r "$auth_realm" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do  # <= 10 s
    kinit "$auth_user@$auth_realm" <<<"$auth_password" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "auth: no ticket from the KDC (see $k/kdc.log)"
  return 1
}

auth_setup() {
  local need=() p
  for p in krb5-kdc krb5-admin-server krb5-user; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "auth: installing ${need[*]}"
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  auth_kdc || log "auth: the Negotiate rows will fail"
  local hash
  hash=$(openssl passwd -6 -salt benchsalt "$auth_password")
  printf '%s:%s\n' "$auth_user" "$hash" >"$tmp/users.htpasswd"
  chmod 644 "$tmp/users.htpasswd"
  read -r p_gh_auth p_gh_auth_admin p_squid_auth < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
  )
  proxy_port[gatehouse-auth]=$p_gh_auth
  proxy_port[squid-auth]=$p_squid_auth
  sed -e "s/127.0.0.1:$p_gh\"/127.0.0.1:$p_gh_auth\"/; s/127.0.0.1:$p_admin\"/127.0.0.1:$p_gh_auth_admin\"/" \
    -e 's/audit.jsonl/audit-auth.jsonl/' "$tmp/gatehouse/gatehouse.yaml" >"$tmp/gatehouse/auth.yaml"
  cat >>"$tmp/gatehouse/auth.yaml" <<EOF
auth:
  schemes: [negotiate, basic]
  realm: "bench"
  negotiate: { keytab: "$tmp/krb5/http.keytab" }
  basic: { htpasswd: "$tmp/users.htpasswd" }
  cache_ttl: "10m"
EOF
  sed -e "s/^http_port 127.0.0.1:$p_squid/http_port 127.0.0.1:$p_squid_auth/" \
    -e "s|^pid_filename .*|pid_filename $tmp/squid/squid-auth.pid|" \
    -e "s|^cache_log .*|cache_log $tmp/squid/cache-auth.log|" \
    -e '/^http_access deny blocked/i auth_param basic program /usr/lib/squid/basic_ncsa_auth '"$tmp"'/users.htpasswd\nauth_param basic children 5 startup=1 idle=1\nauth_param basic realm bench\nauth_param basic credentialsttl 10 minutes\nacl authed proxy_auth REQUIRED\nhttp_access deny !authed' \
    "$tmp/squid/squid.conf" >"$tmp/squid/squid-auth.conf"
  # start_proxy's readiness probe (a 403 for the blocked host) needs the credentials.
  mkdir -p "$tmp/curl-auth"
  printf 'proxy-user = "%s:%s"\n' "$auth_user" "$auth_password" >"$tmp/curl-auth/.curlrc"
  if [ -x "$gatehouse" ]; then
    CURL_HOME=$tmp/curl-auth start_proxy gatehouse-auth env GATEHOUSE_THREADS="$gh_threads" \
      "$gatehouse" serve --config "$tmp/gatehouse/auth.yaml"
  fi
  CURL_HOME=$tmp/curl-auth start_proxy squid-auth squid -N -f "$tmp/squid/squid-auth.conf"
}

auth_metrics() {  # -> "outcome=count ..." of gatehouse-auth's gatehouse_auth_total
  curl -s --max-time 5 "http://127.0.0.1:$p_gh_auth_admin/metrics" |
    sed -n 's/^gatehouse_auth_total{outcome="\([a-z-]*\)"} \([0-9]*\)$/\1=\2/p' | tr '\n' ' '
}

auth_one() {  # WORKLOAD ROUND NAME ARGS... : one_run into auth-runs.jsonl, with /metrics deltas
  local w=$1 r=$2 name=$3; shift 3
  [ -n "${proxy_pid[$name]:-}" ] || return 0
  local before="" after=""
  [ "$name" = gatehouse-auth ] && before=$(auth_metrics)
  runs=$auth_runs one_run "$w" "$r" "$name" "${proxy_pid[$name]}" "$@" \
    --proxy "127.0.0.1:${proxy_port[$name]}"
  [ "$name" = gatehouse-auth ] || return 0
  after=$(auth_metrics)
  python3 - "$before" "$after" "$w" "$r" >>"$auth_runs" <<'EOF'
import json, sys
def parse(s): return {k: int(v) for k, v in (x.split("=") for x in s.split())}
b, a = parse(sys.argv[1]), parse(sys.argv[2])
print(json.dumps({"workload": sys.argv[3], "round": int(sys.argv[4]), "target": "gatehouse-auth",
                  "auth_metrics": {k: a[k] - b.get(k, 0) for k in a}}))
EOF
}

auth_rounds() {
  budget_end=$((budget_end + 90 * rounds))  # these rows' own time (about 60 s a round)
  : >"$auth_runs"
  local small=http://127.0.0.1:$p_http/small basic=(--proxy-user "$auth_user:$auth_password")
  local neg=(--negotiate HTTP@localhost) r keep_ok=(--mode get --url "$small" -c 32 --expect-status 200)
  local keep_blocked=(--mode get --url "http://$blocked/" -c 32 --expect-status 403)
  local order=(anonymous authenticated)
  for r in $(seq "$rounds"); do
    log "auth: round $r of $rounds"
    local who
    for who in "${order[@]}"; do
      if [ "$who" = anonymous ]; then
        auth_one get-allowed-keepalive "$r" gatehouse "${keep_ok[@]}"
        auth_one get-allowed-keepalive "$r" squid "${keep_ok[@]}"
        auth_one get-blocked-keepalive "$r" gatehouse "${keep_blocked[@]}"
        auth_one get-blocked-keepalive "$r" squid "${keep_blocked[@]}"
        auth_one get-allowed-newconn "$r" gatehouse "${keep_ok[@]}" --new-connection
      else
        auth_one get-allowed-keepalive "$r" gatehouse-auth "${keep_ok[@]}" "${basic[@]}"
        auth_one get-allowed-keepalive "$r" squid-auth "${keep_ok[@]}" "${basic[@]}"
        auth_one get-blocked-keepalive "$r" gatehouse-auth "${keep_blocked[@]}" "${basic[@]}"
        auth_one get-blocked-keepalive "$r" squid-auth "${keep_blocked[@]}" "${basic[@]}"
        auth_one get-allowed-newconn "$r" gatehouse-auth "${keep_ok[@]}" --new-connection "${neg[@]}"
        auth_one negotiate-keepalive "$r" gatehouse-auth "${keep_ok[@]}" "${neg[@]}"
      fi
    done
    order=("${order[1]}" "${order[0]}")  # rotate who goes first
  done
}

auth_table() {
  [ -s "$auth_runs" ] || return 0
  python3 - "$auth_runs" <<'EOF' | tee "$out/auth-table.md"
import json, statistics, sys

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(xs): return statistics.median(xs) if xs else None
def cell(xs):
    if not xs: return "n/a"
    m = med(xs)
    sp = f" ±{100.0 * (max(xs) - min(xs)) / m:.0f}%" if m and len(xs) > 1 else ""
    return (f"{m:,.0f}" if m >= 100 else f"{m:.2f}" if m < 10 else f"{m:.1f}") + sp
stats = {}
for r in runs:
    if "run" not in r or not r["run"].get("requests"): continue
    n = r["run"]["requests"]
    s = stats.setdefault((r["workload"], r["target"]), {"rate": [], "cpu": [], "p99": [], "err": 0})
    s["rate"].append(r["run"]["rps"])
    s["cpu"].append(r["cpu_ticks"] * 1e6 / r["hz"] / n)
    s["p99"].append(r["run"]["p99_us"])
    s["err"] += r["run"].get("errors", 0)
scheme = {"gatehouse-auth": "Basic (cached)", "squid-auth": "Basic (basic_ncsa_auth, cached)"}
pairs = [("get-allowed-keepalive", "gatehouse", "gatehouse-auth"), ("get-allowed-keepalive", "squid", "squid-auth"),
         ("get-blocked-keepalive", "gatehouse", "gatehouse-auth"), ("get-blocked-keepalive", "squid", "squid-auth"),
         ("get-allowed-newconn", "gatehouse", "gatehouse-auth")]
print("Authentication (--auth): anonymous and authenticating proxy, same workload, alternating; CPU µs per request of the proxy.")
print()
# The same round's anonymous and authenticated runs follow each other: their
# difference is less disturbed by what else the machine does than the medians.
# User time alone: what authentication adds runs in user space, while the
# kernel time of loopback traffic lands on whichever process the softirq hits.
cpu_of, user_of = {}, {}
for r in runs:
    if "run" in r and r["run"].get("requests"):
        k, per = (r["workload"], r["target"], r["round"]), 1e6 / r["hz"] / r["run"]["requests"]
        cpu_of[k], user_of[k] = r["cpu_ticks"] * per, (r["cpu_ticks"] - r["sys_ticks"]) * per
def paired(of, w, anon, auth):
    d = sorted(of[(w, auth, k[2])] - of[k] for k in of if k[:2] == (w, anon) and (w, auth, k[2]) in of)
    return f"{med(d):+.2f} [{d[0]:+.2f}, {d[-1]:+.2f}]" if d else "n/a"
print("| workload | proxy | anonymous req/s | anonymous CPU µs | authenticated | authenticated req/s | authenticated CPU µs | difference of medians µs | difference per round µs: median [min, max] | user time only, per round | errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for w, anon, auth in pairs:
    a, b = stats.get((w, anon), {}), stats.get((w, auth), {})
    how = "Negotiate, one exchange per connection" if w.endswith("newconn") else scheme[auth]
    d = med(b.get("cpu", [])) - med(a.get("cpu", [])) if a.get("cpu") and b.get("cpu") else None
    print(f"| {w} | {anon} | {cell(a.get('rate', []))} | {cell(a.get('cpu', []))} | {how} | "
          f"{cell(b.get('rate', []))} | {cell(b.get('cpu', []))} | {'n/a' if d is None else f'{d:+.2f}'} | "
          f"{paired(cpu_of, w, anon, auth)} | {paired(user_of, w, anon, auth)} | {a.get('err', 0)} / {b.get('err', 0)} |")
print()
print("Negotiate exchanges counted by gatehouse (gatehouse_auth_total{outcome=\"ok-negotiate\"} over each run) against the generator's connections and requests:")
print()
print("| workload | round | requests | connections | GSSAPI tokens sent | ok-negotiate | ok-negotiate per connection |")
print("|---|---|---|---|---|---|---|")
metrics = {(r["workload"], r["round"]): r["auth_metrics"] for r in runs if "auth_metrics" in r}
for r in runs:
    if "run" not in r or r["target"] != "gatehouse-auth" or "negotiate_tokens" not in r["run"]: continue
    if not r["run"]["negotiate_tokens"]: continue
    m = metrics.get((r["workload"], r["round"]), {})
    neg, conns = m.get("ok-negotiate", 0), r["run"]["connects"]
    print(f"| {r['workload']} | {r['round']} | {r['run']['requests']} | {conns} | {r['run']['negotiate_tokens']} | {neg} | {neg / conns if conns else 0:.3f} |")
EOF
}
