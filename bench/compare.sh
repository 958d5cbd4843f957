#!/usr/bin/env bash
# bench/compare.sh: the same `sshfolio bench` scenarios against `sshfolio serve`, a
# typical wish + Bubble Tea + glamour app (bench/peers/wish) and OpenSSH sshd with
# `ForceCommand sshfolio local`, in one run, side by side, as ratios.
#
# Needs root (creates the local user `sshfolio-bench`, installs openssh-server and the
# wish peer's Debian Go packages if missing). Everything runs on 127.0.0.1 with its own
# config, host keys and client key in a temp dir; every server is stopped on exit.
#
#   cargo build --release && bench/compare.sh
#
# The run fails loudly: a server that doesn't answer its SSH banner within 20 s, or a
# `sshfolio bench` that fails or establishes fewer sessions than asked, is named on
# stderr and the script exits 1 (after printing the table of what did run). Every
# process it started (servers, their children, the load generator) is stopped on exit,
# also on Ctrl-C.
#
# SERVERS="ours wish openssh" picks the servers (default all three).
# Knobs (environment): SSHFOLIO_BIN (default: $CARGO_TARGET_DIR or target/release),
# CONTENT (default: content/), IDLE="200 2000" (held idle sessions per scenario),
# IDLE_RATE=100 and OPENSSH_IDLE_RATE=30 (their ramps, per second),
# RATE_N=100 (sessions in the rate-20/s scenario), FAST_N=200 (in the 200/s one),
# HOLD=20 (seconds held idle), PROBE_RATE=1000 (probe keys per second, spread),
# PIN=1 (servers on CPU 0, the load generator on CPU 1: the server gets one core, like
# the small VPS it is sized for, and the two don't steal each other's cycles; PIN=0
# lets the scheduler place them), OUT (directory for the JSON reports), WISH_OUT (where
# the wish peer is built, default target/wish-peer).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SSHFOLIO_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/sshfolio}
CONTENT=${CONTENT:-$REPO/content}
IDLE=${IDLE:-"200 2000"}
# Idle guests are opened at IDLE_RATE per second, OpenSSH's at OPENSSH_IDLE_RATE: a
# session costs OpenSSH ~20 ms of its one core (fork, exec, `sshfolio local`), so 50/s
# saturates it and the connects time out; the idle figures are read after the ramp.
IDLE_RATE=${IDLE_RATE:-100}
OPENSSH_IDLE_RATE=${OPENSSH_IDLE_RATE:-30}
RATE_N=${RATE_N:-100}
FAST_N=${FAST_N:-200}
HOLD=${HOLD:-20}
PROBE_RATE=${PROBE_RATE:-1000}
PIN=${PIN:-1}
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    ON_SERVER=(taskset -c 0) ON_CLIENT=(taskset -c 1)
else
    ON_SERVER=() ON_CLIENT=()
fi
KEYS=${KEYS:-"3,enter,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,t,t,t,t"}
# The wish peer opens its list on the blog; it has no theme key, so its "full repaint"
# row is Esc + Enter (back to the list, re-open the post: glamour renders it again).
# It starts with `home` (a no-op on its list) so that key 1 is the first Enter in both.
WISH_KEYS=${WISH_KEYS:-"home,enter,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,j,esc,enter,esc,enter"}
SERVERS=${SERVERS:-"ours wish openssh"}
USER_NAME=sshfolio-bench

[ -x "$BIN" ] || { echo "no release binary at $BIN (cargo build --release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (creates a user, starts sshd)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ ! -x /usr/sbin/sshd ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server >/dev/null
fi
id "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$USER_NAME"
# Without PAM, sshd refuses a locked account ("!" password) even for key login.
usermod -p '*' "$USER_NAME"

TMP=$(mktemp -d /tmp/sshfolio-bench.XXXXXX)
chmod 755 "$TMP"
OUT=${OUT:-$TMP/out}
mkdir -p "$OUT" /run/sshd
SSHD_PID= OURS_PID= WISH_PID= BENCH_PID=
FAILED=()
# A process and all its descendants (sshd's per-connection children and their
# `sshfolio local`s), children first, then the process; SIGKILL for what is left.
tree() {
    local p
    for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$p"; done
    echo "$1"
}
stop_tree() {
    [ -n "$1" ] || return 0
    local pids
    pids=$(tree "$1")
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    for _ in $(seq 50); do
        # shellcheck disable=SC2086
        kill -0 $pids 2>/dev/null || break
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_tree "$BENCH_PID"
    stop_tree "$SSHD_PID"
    stop_tree "$WISH_PID"
    stop_tree "$OURS_PID"
    rm -rf "$TMP/content" "$TMP/sshfolio"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "compare.sh: interrupted" >&2; exit 130' INT TERM
fail() { echo "compare.sh: FAILED: $*" >&2; FAILED+=("$*"); }
# Wait for an SSH banner on the port (20 s), or fail the whole run.
await_banner() { # name port
    local i
    for i in $(seq 100); do
        "$BIN" health --target "127.0.0.1:$2" --timeout 2 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "compare.sh: $1 does not answer on 127.0.0.1:$2 (logs in $TMP)" >&2
    exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The guest account runs a copy of the binary and content it can read.
cp "$BIN" "$TMP/sshfolio"
cp -r "$CONTENT" "$TMP/content"
chmod -R a+rX "$TMP/sshfolio" "$TMP/content"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/client"
cp "$TMP/client.pub" "$TMP/authorized_keys"
chmod 644 "$TMP/authorized_keys"

SSHD_PORT=$(free_port)
cat > "$TMP/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $TMP/hostkey
PidFile $TMP/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $TMP/authorized_keys
StrictModes no
AllowUsers $USER_NAME
ForceCommand $TMP/sshfolio local --content $TMP/content
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 10000
MaxSessions 10
# The same keepalives as sshfolio's defaults (300 s x 3, dead peers found by the kernel's
# TCP keepalives), so idle CPU compares like with like. The wish peer sends none.
ClientAliveInterval 300
ClientAliveCountMax 3
LogLevel ERROR
CFG
chmod 755 "$TMP"  # the guest account reads authorized_keys and the binary in here
"${ON_SERVER[@]}" /usr/sbin/sshd -D -f "$TMP/sshd_config" -E "$TMP/sshd.log" &
SSHD_PID=$!
await_banner sshd "$SSHD_PORT"

OURS_PORT=$(free_port)
# A fresh sshfolio per scenario, so memory freed by the last one isn't in the baseline.
start_ours() {
    "${ON_SERVER[@]}" "$BIN" serve --listen "127.0.0.1:$OURS_PORT" --content "$CONTENT" --keys "$TMP/keys" \
        --max-connections 20000 --max-per-ip 20000 --per-ip-rate 100000 --per-ip-burst 100000 \
        --max-startups-per-source 20000 --idle-timeout 0 2>>"$TMP/serve.log" &
    OURS_PID=$!
    await_banner sshfolio "$OURS_PORT"
}
stop_ours() {
    stop_tree "$OURS_PID"
    OURS_PID=
}

# The wish peer: built offline from Debian's Go packages, one fresh process per scenario.
# Built once into target/ (Go's build cache there makes later runs take seconds).
WISH_BIN=$("$REPO/bench/peers/wish/build.sh" "${WISH_OUT:-$REPO/target/wish-peer}")
WISH_PORT=$(free_port)
# The host key in a directory of its own: charmbracelet/keygen makes its directory 0700,
# and $TMP must stay readable by the guest account that sshd runs `sshfolio local` as.
mkdir -p "$TMP/wish-keys"
start_wish() {
    "${ON_SERVER[@]}" "$WISH_BIN" --listen "127.0.0.1:$WISH_PORT" --content "$CONTENT" \
        --hostkey "$TMP/wish-keys/hostkey" 2>>"$TMP/wish.log" &
    WISH_PID=$!
    await_banner wish "$WISH_PORT"
}
stop_wish() {
    stop_tree "$WISH_PID"
    WISH_PID=
}

bench() { # name server args...
    local name=$1 server=$2; shift 2
    local extra
    if [ "$server" = ours ]; then
        extra=(--target "127.0.0.1:$OURS_PORT" --server-pid "$OURS_PID")
    elif [ "$server" = wish ]; then
        extra=(--target "127.0.0.1:$WISH_PORT" --server-pid "$WISH_PID")
    else
        extra=(--target "127.0.0.1:$SSHD_PORT" --server-pid "$SSHD_PID" --user "$USER_NAME" --identity "$TMP/client")
        chmod 755 "$TMP"  # the guest account runs the binary in here
    fi
    echo "== $(date -u +%T) $name ($server): sshfolio bench $*   [load $(cut -d' ' -f1-3 /proc/loadavg)]" >&2
    local want
    want=$(printf '%s\n' "$@" | awk 'prev == "--sessions" { print } { prev = $0 }')
    "${ON_CLIENT[@]}" "$BIN" bench "${extra[@]}" "$@" --json >"$OUT/$name.$server.json" &
    BENCH_PID=$!
    if ! wait "$BENCH_PID"; then
        fail "$name ($server): sshfolio bench exited non-zero"
        echo '{}' >"$OUT/$name.$server.json"
    else
        local got
        got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("established", 0))' "$OUT/$name.$server.json")
        [ "$got" = "$want" ] || fail "$name ($server): $got of $want sessions established"
    fi
    BENCH_PID=
    [ "$server" = ours ] && { stop_ours; start_ours; }
    [ "$server" = wish ] && { stop_wish; start_wish; }
    sleep 1
}

start_ours
start_wish
for server in $SERVERS; do
    keys=$KEYS
    [ "$server" = wish ] && keys=$WISH_KEYS
    rate=$IDLE_RATE
    [ "$server" = openssh ] && rate=$OPENSSH_IDLE_RATE
    for n in $IDLE; do
        bench "idle$n" "$server" --sessions "$n" --rate "$rate" --duration "$HOLD" --probe j --probe-rate "$PROBE_RATE"
    done
    bench rate20 "$server" --sessions "$RATE_N" --rate 20 --duration 1
    bench rate200 "$server" --sessions "$FAST_N" --rate 200 --duration 1
    bench scroll "$server" --sessions 1 --key-sessions 1 --size 120x40 --duration 0 --keys "$keys"
done

python3 - "$OUT" "$IDLE" <<'PY'
import json, sys, os
out, idle = sys.argv[1], sys.argv[2].split()
PEERS = ("ours", "wish", "openssh")
def load(name, server):
    # A scenario that failed (nothing established) shows "-", not zeros.
    try:
        with open(os.path.join(out, f"{name}.{server}.json")) as f:
            d = json.load(f)
    except Exception:
        return {}
    return d if d.get("established") else {}
def get(d, path):
    if "@" in path:  # per_key@NAME.field: the mean of that field over keys named NAME
        head, rest = path.split("@", 1)
        name, field = rest.split(".", 1)
        def dig(k, f):
            for part in f.split("."):
                k = k.get(part) if isinstance(k, dict) else None
            return k
        vals = [dig(k, field) for k in (d.get(head) or []) if k.get("key") == name]
        vals = [v for v in vals if isinstance(v, (int, float))]
        return sum(vals) / len(vals) if vals else None
    for p in path.split("."):
        if isinstance(d, list) and p.isdigit() and int(p) < len(d):
            d = d[int(p)]
        elif isinstance(d, dict) and p in d:
            d = d[p]
        else:
            return None
    return d
rows = []
def num(x):
    # CPU deltas can come out a hair below zero (tick rounding of reaped children).
    return max(x, 0) if isinstance(x, (int, float)) else None
def row(label, name, path, fmt="{:.2f}"):
    vals = [num(get(load(name, p), path)) for p in PEERS]
    cells = [fmt.format(v) if v is not None else "-" for v in vals]
    def ratio(other):
        a, b = vals[0], other
        # "how many times the peer's figure ours is": > 1 means the peer costs more.
        return f"{b / a:.1f}×" if a is not None and b is not None and a > 1e-9 else "-"
    rows.append((label, *cells, ratio(vals[1]), ratio(vals[2])))
for n in idle:
    s = f"idle{n}"
    row(f"{n} idle: established", s, "established", "{}")
    row(f"{n} idle: PSS per guest after first frame (KiB)", s, "server.pss_per_session_kib", "{:.1f}")
    row(f"{n} idle: PSS per guest after {n} held idle (KiB)", s, "server.pss_per_idle_session_kib", "{:.1f}")
    row(f"{n} idle: server CPU while idle (% of a core)", s, "server.idle_cpu_pct", "{:.3f}")
    row(f"{n} idle: server processes", s, "server.after_hold.processes", "{}")
    row(f"{n} idle: probe key → first byte p99 (ms)", s, "probe_first_byte.p99_ms")
    row(f"{n} idle: probe answered", s, "probe_answered", "{}")
for s, r in (("rate20", "20/s"), ("rate200", "200/s")):
    row(f"{r}: established", s, "established", "{}")
    row(f"{r}: first frame p50 (ms)", s, "first_frame.p50_ms")
    row(f"{r}: first frame p99 (ms)", s, "first_frame.p99_ms")
    row(f"{r}: first frame max (ms)", s, "first_frame.max_ms")
    row(f"{r}: server CPU per new session (µs)", s, "server.cpu_per_session_us", "{:.0f}")
row("scroll 120×40: key → frame p50 (ms)", "scroll", "key_frame.p50_ms")
row("scroll 120×40: key → frame p99 (ms)", "scroll", "key_frame.p99_ms")
row("scroll 120×40: server CPU per key (µs)", "scroll", "server.cpu_per_key_us", "{:.0f}")
row("scroll 120×40: bytes per key, mean", "scroll", "bytes_per_key_mean", "{:.0f}")
for key, label in (("j", "j (one-line scroll)"), ("t", "t (theme: full repaint)")):
    row(f"scroll 120×40: bytes for {label}", "scroll", f"per_key@{key}.bytes_mean", "{:.0f}")
    row(f"scroll 120×40: server CPU for {label}, mean (µs)", "scroll", f"per_key@{key}.cpu_us_mean", "{:.0f}")
# The first Enter on a fresh server opens the newest post: a cold open (layout, and
# highlighting unless it was done at load).
row("scroll 120×40: open the newest post (first enter), key → frame (ms)", "scroll", "per_key.1.frame.p50_ms")
row("scroll 120×40: open the newest post, server CPU (µs)", "scroll", "per_key.1.cpu_us_mean", "{:.0f}")
# The wish peer's repaint: Esc + Enter re-renders the post (it has no theme key).
row("scroll 120×40 (wish): bytes for enter (re-open: full repaint)", "scroll", "per_key@enter.bytes_mean", "{:.0f}")
w = max(len(r[0]) for r in rows)
print(f"| {'metric'.ljust(w)} | sshfolio | wish + Bubble Tea | OpenSSH + sshfolio local | wish ÷ ours | OpenSSH ÷ ours |")
print(f"|{'-' * (w + 2)}|-----:|-----:|-----:|-----:|-----:|")
for r in rows:
    print("| " + r[0].ljust(w) + " | " + " | ".join(r[1:]) + " |")
PY
echo "JSON reports: $OUT; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "compare.sh: ${#FAILED[@]} scenario(s) FAILED:" >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
