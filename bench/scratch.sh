# Sourced by the small bench scripts (ab_get.sh, tunnel_split.sh): a temp dir
# removed on exit, every process started stopped by PID, free loopback ports.

# Sets `tmp` (readable by nginx's workers, which run as nobody) and `pids`
# (append each started process's PID), and removes both on exit.
scratch_init() {  # NAME
  tmp=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod a+rx "$tmp"
  pids=()
  trap scratch_cleanup EXIT
}
scratch_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
