# Sourced by the bench scripts (compare.sh, tunnel_split.sh, ab_get.sh): CPU
# time in clock ticks (getconf CLK_TCK a second), read from /proc.

# Ticks the whole machine spent busy: user nice system irq softirq (/proc/stat).
machine_busy() {
  awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat
}
# Ticks one process has run: utime + stime.
proc_ticks() {  # PID
  awk '{print $14 + $15}' "/proc/$1/stat"
}
