#!/usr/bin/env bash
# bench/idle-guests.sh: hold N idle guests on one `sshfolio serve` (100,000 by default),
# measure the server's memory per guest, a new guest's first frame while they are held,
# and a key to every one of them at the end; then stop everything and clean up.
#
#   cargo build --release && bench/idle-guests.sh            # N=100000
#   N=20000 RATE=400 bench/idle-guests.sh                     # a smaller run
#
# Needs root for the file limit (each connection is a file on both sides: the server
# and the load generator each get `ulimit -n` 1,048,576). The load generator connects
# from many loopback source addresses (127.16.0.0/16, `--sources`): one address has
# ~28,000 ephemeral ports. The server runs on CPU 0, the load generator on CPU 1
# (PIN=0: no pinning). A watchdog stops both if MemAvailable drops below MIN_FREE_MB
# (default 3072): a run never pushes the machine into swap or the OOM killer. Every
# process it starts is stopped on exit and on Ctrl-C; only the reports stay ($OUT).
#
# Knobs: SSHFOLIO_BIN, CONTENT, N, RATE (new guests per second during the ramp),
# HOLD (seconds held idle after the ramp), PROBE_RATE (keys per second at the end),
# NEW_N / NEW_RATE (the new guests timed while all N are held), PORT, OUT, BACKLOG
# (net.core.netdev_max_backlog for the run; 0: leave it).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SSHFOLIO_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/sshfolio}
CONTENT=${CONTENT:-$REPO/content}
N=${N:-100000}
RATE=${RATE:-400}
HOLD=${HOLD:-60}
PROBE_RATE=${PROBE_RATE:-500}
NEW_N=${NEW_N:-200}
NEW_RATE=${NEW_RATE:-20}
PORT=${PORT:-2299}
MIN_FREE_MB=${MIN_FREE_MB:-3072}
PIN=${PIN:-1}
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    ON_SERVER=(taskset -c 0) ON_CLIENT=(taskset -c 1)
else
    ON_SERVER=() ON_CLIENT=()
fi

[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 1; }
# One file per guest in the server, and in the load generator. Raising the hard limit
# needs CAP_SYS_RESOURCE (root on a normal host; some containers drop it): without it,
# a process holds at most the hard limit, and so do we.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
FILES=$(ulimit -n)
if [ "$FILES" -lt $((N + 1000)) ]; then
    echo "open-file limit is $FILES per process here (ulimit -Hn; raising it needs" \
         "CAP_SYS_RESOURCE): holding $((FILES - 1000)) guests instead of $N" >&2
    N=$((FILES - 1000))
fi

TMP=$(mktemp -d /tmp/sshfolio-idle.XXXXXX)
OUT=${OUT:-$TMP/out}
mkdir -p "$OUT"
SERVER_PID= BENCH_PID= NEW_PID= WATCH_PID= OLD_BACKLOG=
BACKLOG_FILE=/proc/sys/net/core/netdev_max_backlog
cleanup() {
    for p in $WATCH_PID $NEW_PID $BENCH_PID $SERVER_PID; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [ -z "$OLD_BACKLOG" ] || echo "$OLD_BACKLOG" >"$BACKLOG_FILE" 2>/dev/null || true
    rm -rf "$TMP/keys" "$TMP/data" "$TMP/pids"
    # The reports (JSON, the server log) stay in $OUT; nothing else is left.
    [ "$OUT" = "$TMP/out" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Loopback carries both ends of every guest through one queue per CPU of
# net.core.netdev_max_backlog packets (1,000 by default) with no qdisc to push back on
# the sender: what overflows is silently lost. The server's kernel sends its keepalive
# probes from a timer wheel that rounds a 30 s timer to ~2 s (HZ 250), so guests that
# went quiet in the same couple of seconds (the guest-count label reaches ~1,000 a
# second) are probed in one tick, thousands at once; a guest whose probes are lost three
# times in a row is dropped, alive, by TCP_USER_TIMEOUT (session 6: 303 of 19,000,
# 19,521 packets dropped). A real NIC has a qdisc, and its guests are on other machines.
# So the queue is raised to N for the run (root) and restored on exit; BACKLOG=0 keeps
# the machine's value.
BACKLOG=${BACKLOG:-$N}
if [ "$BACKLOG" -gt 0 ] && [ -r "$BACKLOG_FILE" ]; then
    cur=$(cat "$BACKLOG_FILE")
    if [ "$cur" -lt "$BACKLOG" ]; then
        if echo "$BACKLOG" >"$BACKLOG_FILE" 2>/dev/null; then
            OLD_BACKLOG=$cur
            echo "net.core.netdev_max_backlog $cur → $BACKLOG for the run (restored on exit)"
        else
            echo "cannot raise net.core.netdev_max_backlog ($cur; needs root): keepalive" \
                 "probes lost on loopback may close some guests early" >&2
        fi
    fi
fi

mem_avail_mb() { awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo; }
echo "machine: $(nproc) CPUs, $(mem_avail_mb) MB available, load $(cut -d' ' -f1-3 /proc/loadavg)"

"${ON_SERVER[@]}" "$BIN" serve --listen "127.0.0.1:$PORT" --content "$CONTENT" \
    --keys "$TMP/keys" --data "$TMP/data" --no-stats --log-format json \
    --max-connections $((N + 1000)) --max-per-ip 100000 --per-ip-rate 100000 \
    --per-ip-burst 100000 --max-startups 400:30:800 --max-startups-per-source 1000 \
    --idle-timeout 0 --max-session 0 >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >>"$TMP/pids"
for _ in $(seq 100); do
    "$BIN" health --target "127.0.0.1:$PORT" >/dev/null 2>&1 && break
    sleep 0.2
done

# The watchdog: stop everything before the machine runs out of memory.
(
    while sleep 1; do
        if [ "$(mem_avail_mb)" -lt "$MIN_FREE_MB" ]; then
            echo "watchdog: MemAvailable below $MIN_FREE_MB MB; stopping" >&2
            # Every process this script started (their pids, as they start).
            kill $(cat "$TMP/pids") 2>/dev/null
            exit 1
        fi
    done
) &
WATCH_PID=$!

# Long enough for the ramp, the hold and the new guests' run.
DURATION=$((HOLD + NEW_N / NEW_RATE + 30))
"${ON_CLIENT[@]}" "$BIN" bench --target "127.0.0.1:$PORT" --sessions "$N" --rate "$RATE" \
    --duration "$DURATION" --probe j --probe-rate "$PROBE_RATE" --server-pid "$SERVER_PID" \
    --sources 127.16.0.0/16 --json >"$OUT/held.json" 2>"$OUT/held.progress" &
BENCH_PID=$!
echo "$BENCH_PID" >>"$TMP/pids"

# Once all N are held (the server has a file per guest) or the ramp is over, time new
# guests meanwhile.
while kill -0 "$BENCH_PID" 2>/dev/null; do
    held=$(find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [ "$held" -ge "$N" ] && break
    # Or the ramp is over with some guests refused: hold what was established.
    grep -q 'Hold:' "$OUT/held.progress" 2>/dev/null && break
    sleep 2
done
sleep 10
if kill -0 "$BENCH_PID" 2>/dev/null; then
    "${ON_CLIENT[@]}" "$BIN" bench --target "127.0.0.1:$PORT" --sessions "$NEW_N" \
        --rate "$NEW_RATE" --duration 1 --sources 127.17.0.0/16 --json \
        >"$OUT/new.json" 2>/dev/null &
    NEW_PID=$!
    echo "$NEW_PID" >>"$TMP/pids"
    wait "$NEW_PID" || true
    NEW_PID=
fi
wait "$BENCH_PID" || true
BENCH_PID=
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), $(mem_avail_mb) MB available"

python3 - "$OUT" "$N" <<'EOF'
import json, sys, os
out, n = sys.argv[1], int(sys.argv[2])
h = json.load(open(os.path.join(out, "held.json")))
s = h.get("server") or {}
print(f"held guests           {h['established']} of {n} ({h['failed']} failed, {h['closed_early']} closed early; ramp {h['ramp_s']:.0f} s)")
for e in h.get("errors", []):
    print(f"  error               {e}")
ff = h["first_frame"]
print(f"first frame (ramp)    p50 {ff['p50_ms']:.1f}  p99 {ff['p99_ms']:.1f}  max {ff['max_ms']:.1f} ms")
if s:
    print(f"server PSS per guest  {s['pss_per_session_kib']:.1f} KiB after its first frame, {s['pss_per_idle_session_kib']:.1f} KiB idle")
    print(f"server RSS            {s['before']['rss_kib']//1024} → {s['after_ramp']['rss_kib']//1024} → {s['after_hold']['rss_kib']//1024} MiB")
    print(f"server CPU            {s['cpu_per_session_us']:.0f} µs per new guest, {s['idle_cpu_pct']:.2f} % of a core idle")
print(f"bench RSS per guest   {h['client_rss_per_session_kib']:.1f} KiB")
if h.get("softnet_drops") is not None:
    print(f"kernel queue drops    {h['softnet_drops']} packets over the run (net.core.netdev_max_backlog)")
timeouts = 0
try:
    for line in open(os.path.join(out, "server.log")):
        timeouts += "os error 110" in line
except OSError:
    pass
print(f"closed by the server's kernel (TCP_USER_TIMEOUT, os error 110): {timeouts}")
p = h["probe_first_byte"]
print(f"key to every guest    {h['probe_answered']} of {h['probe_sent']} answered; p50 {p['p50_ms']:.1f}  p99 {p['p99_ms']:.1f}  max {p['max_ms']:.1f} ms")
try:
    nw = json.load(open(os.path.join(out, "new.json")))
    f = nw["first_frame"]
    print(f"new guests while held {nw['established']} of {nw['sessions']}: first frame p50 {f['p50_ms']:.1f}  p99 {f['p99_ms']:.1f}  max {f['max_ms']:.1f} ms")
except (OSError, ValueError, KeyError) as e:
    print(f"new guests while held: no result ({e})")
EOF
echo "reports: $OUT"
