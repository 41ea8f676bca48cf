#!/usr/bin/env bash
# Integration: the analysts' dashboard as a person sees it, in a real browser. A real lockstepd
# reads a stream with planted campaigns from the broker into a real Redis; lockstep-dash serves
# the page; headless Chromium (Debian's chromium) loads it: the list shows every active
# campaign, a campaign's page shows all its accounts, its text, why it was flagged and its ties.
# A screenshot is kept. Then what a hostile or broken world does: a campaign text carrying HTML
# (shown as text, never run), ids that try to leave the key prefix (400), other methods and
# paths, a 1 MB URL, a campaign of 100,000 accounts (a bounded page: 1,000 of 100,000), Redis
# going away under the dashboard (503 and a banner, then back), 10,000 connections at once.
. "$(dirname "$0")/common.sh"
command -v chromium >/dev/null || fail "chromium is not installed (make deps installs it)"
PROBE="$LS_SOURCE/tests/integration/http_probe.py"
# browse URL OUT — the page's DOM after its scripts ran (5 s of virtual time)
browse() { timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --virtual-time-budget=5000 --dump-dom "$1" 2>/dev/null >"$2"; }
shot() { timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --window-size=1400,1000 \
  --virtual-time-budget=5000 --screenshot="$2" "$1" >/dev/null 2>&1; }
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2 lockstep.epochs:1
ls_start_daemon daemon "${ONE_MINUTE_WINDOWS[@]}" --set checkpoint.interval_s=1
summary=$("$LS_BIN/lockstep-gen" --seed 5 --tweets 20000 --campaigns 3 --brokers "$BROKERS" --format protobuf 2>/dev/null)
ls_wait_drained "$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")" 120 || fail "the daemon did not drain the stream"
for _ in $(seq 1 30); do [ "$(rcli ZCARD lockstep:campaigns:active)" -ge 3 ] && break; sleep 0.5; done
mapfile -t ids < <(rcli ZREVRANGE lockstep:campaigns:active 0 -1)
echo "  ${#ids[@]} active campaigns in Redis: ${ids[*]}"
[ "${#ids[@]}" -ge 3 ] || fail "fewer than 3 campaigns reached Redis"

"$LS_BIN/lockstep-dash" --redis "127.0.0.1:$REDIS_PORT" --listen 127.0.0.1:0 2>"$LS_WORK/dash.log" &
DASH_PID=$!
LS_PIDS+=("$DASH_PID")
ls_wait_log "$LS_WORK/dash.log" "info dash: serving" 10 || fail "lockstep-dash did not start"
PORT=$(grep -oE "\(port [0-9]+\)" "$LS_WORK/dash.log" | grep -oE "[0-9]+")
URL=http://127.0.0.1:$PORT
echo "  dashboard at $URL"

browse "$URL/" "$LS_WORK/list.html" || fail "chromium could not load the page"
listed() { for id in "${ids[@]}"; do grep -q "data-id=\"$id\"" "$LS_WORK/list.html" || { echo "  missing $id"; return 1; }; done; }
check "the list shows every active campaign" listed
check "  ... ranked by score (the first is the highest)" bash -c "grep -o 'data-id=\"[^\"]*\"' '$LS_WORK/list.html' | head -1 | grep -q '${ids[0]}'"
top=${ids[0]}
browse "$URL/#c/$top" "$LS_WORK/campaign.html"
mapfile -t accounts < <(rcli SMEMBERS "lockstep:campaign:$top:accounts")
shows_accounts() { for a in "${accounts[@]}"; do grep -q ">$a<" "$LS_WORK/campaign.html" || { echo "  missing account $a"; return 1; }; done; }
check "a campaign's page shows all its ${#accounts[@]} accounts" shows_accounts
text=$(rcli HGET "lockstep:campaign:$top" representative_text)
check "  ... its representative text" grep -qF "${text:0:40}" "$LS_WORK/campaign.html"
copied=""
for id in "${ids[@]}"; do rcli HGET "lockstep:campaign:$id" evidence | grep -q '"other_texts":\["' && copied=$id && break; done
if [ -n "$copied" ]; then
  browse "$URL/#c/$copied" "$LS_WORK/texts.html"
  check "  ... other texts of its accounts, the words they share marked ($copied)" grep -q 'Texts of its accounts.*<mark class="shared">' "$LS_WORK/texts.html"
else
  fail "no campaign has other texts in its evidence"
fi
check "  ... why it was flagged, in words" grep -q "Why it was flagged.*synchrony.*s apart on average" "$LS_WORK/campaign.html"
check "  ... a graph of its strongest ties" grep -q "<svg.*aria-label=\"strongest ties\".*<line" "$LS_WORK/campaign.html"
check "  ... its operation" grep -q "href=\"#o/o" "$LS_WORK/campaign.html"
shot "$URL/#c/$top" "$LS_WORK/dashboard.png"
check "a screenshot was taken" [ -s "$LS_WORK/dashboard.png" ]

echo "-- bad input"
rcli HSET lockstep:campaign:cxss campaign_id cxss version 1 state open score 0.99 accounts_count 1 tweet_count 1 \
  representative_text '<img src=x onerror="document.title=1">hello <b>bold</b>' signals '{"co-tweet":"<script>"}' evidence 'not json' >/dev/null
rcli SADD lockstep:campaign:cxss:accounts '<i>acct</i>' >/dev/null
rcli ZADD lockstep:campaigns:active 0.99 cxss >/dev/null
browse "$URL/#c/cxss" "$LS_WORK/xss.html"
check "HTML in a campaign's text is shown as text" grep -qF '&lt;img src=x onerror=' "$LS_WORK/xss.html"
check "  ... and never becomes an element" bash -c "! grep -qE '<img|<b>bold|<i>acct' '$LS_WORK/xss.html'"
check "  ... a broken evidence field does not stop the page" grep -q "Why it was flagged" "$LS_WORK/xss.html"
status_of() { python3 "$PROBE" raw "$PORT" "$1" | awk '{print $2}'; }
check "an id that leaves the prefix gets 400" [ "$(status_of 'GET /api/campaign/..%2F..%2Fstats HTTP/1.1\r\nHost: x\r\n\r\n')" = 400 ]
check "an id with markup gets 400" [ "$(status_of 'GET /api/campaign/%3Cscript%3E HTTP/1.1\r\nHost: x\r\n\r\n')" = 400 ]
check "an unknown API gets 404" [ "$(status_of 'GET /api/keys HTTP/1.1\r\nHost: x\r\n\r\n')" = 404 ]
check "POST gets 405" [ "$(status_of 'POST /api/campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')" = 405 ]
check "a 1 MB URL gets 414" bash -c "python3 '$PROBE' long-url $PORT 1048576 | grep -q ' 414 '"

python3 -c 'import sys; sys.stdout.writelines("SADD lockstep:campaign:cbig:accounts %d\r\n" % (10**11 + i) for i in range(100000))' | rcli --pipe >/dev/null
rcli HSET lockstep:campaign:cbig campaign_id cbig version 1 state open score 0.5 accounts_count 100000 tweet_count 200000 representative_text big >/dev/null
rcli ZADD lockstep:campaigns:active 0.5 cbig >/dev/null
python3 "$PROBE" get "$PORT" /api/campaign/cbig >"$LS_WORK/big.json" 2>/dev/null || fail "GET /api/campaign/cbig"
check "a campaign of 100,000 accounts: 1,000 of 100,000 in one bounded answer ($(wc -c <"$LS_WORK/big.json") bytes)" \
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (len(d["accounts"]) == 1000 and d["total"] == 100000))' "$LS_WORK/big.json"
browse "$URL/#c/cbig" "$LS_WORK/big.html"
check "  ... and the page says so" grep -q "1000 of 100000 shown" "$LS_WORK/big.html"

rss() { awk '/VmRSS/ {print $2}' "/proc/$DASH_PID/status"; }
before=$(rss)
read -r opened _ < <(python3 "$PROBE" flood "$PORT" 10000 3)
check "10,000 connections at once: the dashboard survives" kill -0 "$DASH_PID"
check "  ... with its memory bounded ($before kB before, $(rss) kB after)" [ $(($(rss) - before)) -lt 32768 ]
answers_soon() { for _ in $(seq 1 30); do python3 "$PROBE" get "$PORT" "$1" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
check "  ... and answers once they go" answers_soon /api/campaigns

ls_stop "$DAEMON_PID" || true
kill -TERM "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
check "Redis gone: the API answers 503 naming it" bash -c "python3 '$PROBE' get $PORT /api/campaigns 2>&1 | grep -q 'redis'"
browse "$URL/" "$LS_WORK/down.html"
check "  ... and the page shows a banner naming Redis" grep -qE "Cannot read the campaigns: [^<]*[Rr]edis" "$LS_WORK/down.html"
check "  ... the dashboard survives" kill -0 "$DASH_PID"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$LS_WORK" --logfile "$LS_WORK/redis2.log" &
LS_PIDS+=("$!")
check "Redis back: the API answers again" answers_soon /api/campaigns
check "SIGTERM: clean exit" ls_stop "$DASH_PID"
