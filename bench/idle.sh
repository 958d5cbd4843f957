#!/usr/bin/env bash
# bench/idle.sh: what N idle guests cost `sshfolio serve` with its default settings
# (keepalives, idle timeout), over one whole SSH keepalive period.
#
#   cargo build --release && bench/idle.sh            # N=10000, PERIOD=300
#
# The server runs on CPU 0, `sshfolio bench` on CPU 1 (PIN=0: anywhere). Only the
# limits a single-address load needs are raised (connections, per-address caps and
# rates, logins in progress); keepalives (300 s), the idle timeout (600 s, its warning
# from 540 s) and everything else are the defaults. Once every guest has its first frame
# and has fallen asleep, the server's CPU (every thread's schedstat, /proc) is read at
# the start and the end of one keepalive PERIOD: each guest's SSH keepalive falls due
# exactly once in it (SERVE_ARGS adds serve flags, e.g. `--keepalive-interval 30` with
# PERIOD=30 for a quick look). Prints the CPU as % of one core, per guest per period, and the
# server's PSS per guest. Fails (exit 1) when fewer than N guests are established.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SSHFOLIO_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/sshfolio}
N=${N:-10000}
RATE=${RATE:-250}
PERIOD=${PERIOD:-300}
PORT=${PORT:-2299}
PIN=${PIN:-1}
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    ON_SERVER=(taskset -c 0) ON_CLIENT=(taskset -c 1)
else
    ON_SERVER=() ON_CLIENT=()
fi
# Each side holds N sockets (one process each); the hard limit may be all there is.
want=$((N + 1000))
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$want" -le "$hard" ] || want=$hard
ulimit -n "$want"
TMP=$(mktemp -d /tmp/sshfolio-idle.XXXXXX)
SERVER= CLIENT=
cleanup() {
    local rc=$?
    [ -n "$CLIENT" ] && kill "$CLIENT" 2>/dev/null || true
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -f "$TMP/serve.log" ]; then
        # How the server's connections ended (one log line each).
        echo "connections by end / why (server log):"
        grep -o 'end="[^"]*"\|end=[^ ]*\|why="[^"]*"' "$TMP/serve.log" | sort | uniq -c | sort -rn | head || true
    fi
    if [ "$rc" = 0 ]; then rm -rf "$TMP"; else echo "idle.sh: kept $TMP" >&2; fi
}
trap cleanup EXIT

"${ON_SERVER[@]}" "$BIN" serve --listen "127.0.0.1:$PORT" --content "$REPO/content" \
    --keys "$TMP/keys" --max-connections $((N + 1000)) --max-per-ip $((N + 1000)) \
    --per-ip-rate 100000 --per-ip-burst 100000 --max-startups-per-source 100000 \
    --max-startups 1000:30:2000 ${SERVE_ARGS:-} 2>"$TMP/serve.log" &
SERVER=$!
for _ in $(seq 100); do
    "$BIN" health --target "127.0.0.1:$PORT" >/dev/null 2>&1 && break
    sleep 0.2
done
cpu_ms() { cat /proc/"$SERVER"/task/*/schedstat | awk '{s += $1} END {printf "%d", s / 1e6}'; }
pss_kib() { awk '/^Pss:/ {print $2}' /proc/"$SERVER"/smaps_rollup; }

before_pss=$(pss_kib)
ramp=$(( N / RATE + 1 ))
# Held for the ramp, 20 s to fall asleep, the period, and a margin; then one probe key each.
hold=$(( ramp + 20 + PERIOD + 10 ))
"${ON_CLIENT[@]}" "$BIN" bench --target "127.0.0.1:$PORT" --sessions "$N" --rate "$RATE" \
    --duration "$hold" --probe j --probe-rate 1000 --server-pid "$SERVER" >"$TMP/report.txt" &
CLIENT=$!
sleep $(( ramp + 20 ))
cpu0=$(cpu_ms) t0=$(date +%s.%N) pss=$(pss_kib)
sleep "$PERIOD"
cpu1=$(cpu_ms) t1=$(date +%s.%N)
wait "$CLIENT" || { echo "idle.sh: sshfolio bench failed" >&2; cat "$TMP/report.txt" >&2; exit 1; }
CLIENT=
cat "$TMP/report.txt"
established=$(awk '/^sessions / {print $2; exit}' "$TMP/report.txt")
python3 - "$N" "$cpu0" "$cpu1" "$t0" "$t1" "$before_pss" "$pss" <<'PY'
import sys
n, c0, c1, t0, t1, p0, p1 = (float(x) for x in sys.argv[1:])
secs = t1 - t0
print(f"idle: {n:.0f} guests, {secs:.0f} s (one keepalive period): server CPU {c1 - c0:.0f} ms "
      f"= {(c1 - c0) / 10 / secs:.3f} % of one core, {(c1 - c0) * 1000 / n:.0f} µs per guest per period; "
      f"PSS {(p1 - p0) / n:.1f} KiB per idle guest")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${established:-0}" = "$N" ] || { echo "idle.sh: ${established:-0} of $N established" >&2; exit 1; }
