#!/usr/bin/env bash
# bench/analytics-onoff.sh: analytics on (--data) vs off (--no-stats), alternating twice:
# 1,000 guests from 127.16.0.0/16 (past the per-source caps), 100 of them browsing
# (open, page, search, theme), then a j to everyone; prints PSS and CPU per guest.
set -u
OUT=${OUT:-$(mktemp -d)}; echo "reports: $OUT" >&2
REPO=$(cd "$(dirname "$0")/.." && pwd); BIN=${SSHFOLIO_BIN:-$REPO/target/release/sshfolio}; C=${CONTENT:-$REPO/content}; P=${PORT:-2377}
for round in 1 2; do for mode in on off; do
  T=$(mktemp -d); mkdir -p $T/data $T/keys
  if [ $mode = on ]; then S=(--data $T/data); else S=(--data $T/data --no-stats); fi
  taskset -c 0 $BIN serve --listen 127.0.0.1:$P --content $C --keys $T/keys "${S[@]}" --log-format json \
    --max-connections 5000 --max-per-ip 100000 --per-ip-rate 100000 --per-ip-burst 100000 \
    --max-startups 400:30:800 --max-startups-per-source 1000 --idle-timeout 0 --max-session 0 > $T/log 2>&1 &
  SP=$!
  for _ in $(seq 100); do $BIN health --target 127.0.0.1:$P >/dev/null 2>&1 && break; sleep 0.2; done
  taskset -c 1 $BIN bench --target 127.0.0.1:$P --sessions 1000 --rate 100 --duration 15 \
    --keys 3,enter,pgdn,pgdn,j,j,esc,/,m,t,u,esc,q --key-sessions 100 --probe j --probe-rate 200 \
    --sources 127.16.0.0/16 --server-pid $SP --json > $OUT/$mode-$round.json 2>/dev/null
  kill $SP; wait $SP 2>/dev/null
  [ $mode = on ] && ls -la $T/data > $OUT/data-$round.txt
  rm -rf $T
  python3 - $mode $round "$OUT" <<'PY'
import json,sys
h=json.load(open(f'{sys.argv[3]}/{sys.argv[1]}-{sys.argv[2]}.json'))
s=h.get('server') or {}
def g(*k):
  d=h
  for x in k:
    d=d.get(x,{}) if isinstance(d,dict) else {}
  return d
print(sys.argv[1], sys.argv[2], 'est', h.get('established'), 'pss/guest', s.get('pss_per_session_kib'), 'idle', s.get('pss_per_idle_session_kib'), 'cpu/session', s.get('cpu_per_session_us'), 'keys', {k:v for k,v in h.items() if 'key' in k and not isinstance(v,(dict,list))})
PY
done; done
