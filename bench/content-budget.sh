#!/usr/bin/env bash
# Memory and time of loading, `show`ing and opening one big post (issue 16 item 6).
# Usage: bench/content-budget.sh [path/to/sshfolio]   (default: target/release/sshfolio)
# For each shape, a content dir with one ~4 MB post: `check` (load) peak RSS and time
# from /usr/bin/time; then a server on it, `ssh host show <slug>` and `ssh -tt host
# blog/<slug>` (the UI renders the page at 100x30), and the server's peak RSS (VmHWM).
set -euo pipefail
BIN=${1:-target/release/sshfolio}
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=
SSH=(ssh -q -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes)

gen() { # shape -> stdout (~4,000,000 bytes of body)
  python3 - "$1" <<'PY'
import sys
shape = sys.argv[1]
n = 4_000_000
unit = {
    "prose": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n\n",
    "inline": "a *b* `c` [d](e) **f** ",
    "list": "- item\n",
    "code": None,
    "headings": "## Same\n\n",
    "tiny": None,
}[shape]
if shape == "tiny":
    n = 100
if shape == "code":
    body = "```bash\n" + ("echo 'a line of a long script' | tr a-z A-Z\n" * (n // 44)) + "```\n"
elif shape == "tiny":
    body = "A small post.\n"
else:
    body = unit * (n // len(unit))
print("---\ntitle: Big\ndate: 2024-01-01\n---\n" + body, end="")
PY
}

printf '| shape | file | check: result | check: peak RSS | check: time | show: bytes | server peak RSS after show + open |\n'
printf '|---|---|---|---|---|---|---|\n'
for shape in ${SHAPES:-tiny prose inline list code headings}; do
  dir=$WORK/$shape
  mkdir -p "$dir/blog"
  gen "$shape" > "$dir/blog/big.md"
  size=$(stat -c %s "$dir/blog/big.md")
  /usr/bin/time -f '%M %e' -o "$WORK/time" "$BIN" check --content "$dir" >/dev/null 2>"$WORK/check.err" && res=ok || res="error: $(grep -o 'document too large[^(]*' "$WORK/check.err" | head -1)"
  read -r rss secs < <(tail -1 "$WORK/time")
  shown=- hwm=-
  if [ "$res" = ok ]; then
    "$BIN" serve --listen 127.0.0.1:0 --content "$dir" --keys "$WORK/keys" 2>"$WORK/serve.log" &
    SERVER=$!
    for _ in $(seq 1200); do grep -q 'listening on' "$WORK/serve.log" && break; sleep 0.1; done
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/serve.log" | head -1 | cut -d: -f2)
    shown=$("${SSH[@]}" -p "$port" 127.0.0.1 show big | wc -c)
    (sleep 4; printf q) | script -qfc "stty cols 100 rows 30; ${SSH[*]} -tt -p $port 127.0.0.1 blog/big" /dev/null >/dev/null 2>&1 || true
    hwm=$(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$SERVER/status)
    kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
  fi
  printf '| %s | %s B | %s | %s MB | %s s | %s | %s |\n' "$shape" "$size" "$res" "$((rss / 1024))" "$secs" "$shown" "$hwm"
done
