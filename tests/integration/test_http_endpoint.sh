#!/usr/bin/env bash
# Integration: lockstepd's HTTP endpoint as Prometheus, an orchestrator and a hostile client see
# it. A daemon reading a real stream from the broker into a real Redis: /healthz and /readyz
# answer, a live scrape of /metrics passes `promtool check metrics` and agrees with the Redis
# stats hash, every partition has a lag gauge, the latency histogram counts every campaign
# event, and every expression of the Grafana dashboard (deploy/grafana/lockstep.json) is valid
# PromQL (promtool check rules) that reads only metrics the scrape exports. Then bad input: a
# malformed request, another method, an unknown path, a 1 MB URL, 10,000 connections at once —
# clear answers, bounded memory, the stream still processed, the endpoint answering afterwards.
# And a daemon whose brokers cannot be reached is live but not ready, and says why.
. "$(dirname "$0")/common.sh"
command -v promtool >/dev/null || fail "promtool is not installed (make deps installs the prometheus package)"
PROBE="$LS_SOURCE/tests/integration/http_probe.py"

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2 lockstep.epochs:1
ls_start_daemon http "${ONE_MINUTE_WINDOWS[@]}" --out "$LS_WORK/http.jsonl"
PORT=$(ls_http_port http) || fail "no 'info http: serving' line in the log"
echo "  endpoint on port $PORT"
check "/healthz answers 200" python3 "$PROBE" get "$PORT" /healthz
summary=$("$LS_BIN/lockstep-gen" --seed 5 --tweets 20000 --campaigns 3 --brokers "$BROKERS" --format protobuf 2>"$LS_WORK/gen.log")
messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")
ls_wait_drained "$messages" 120 || fail "the daemon did not drain the stream"
sleep 1.5 # the next tick publishes the drained state
check "/readyz answers 200 once partitions are assigned" python3 "$PROBE" get "$PORT" /readyz
python3 "$PROBE" get "$PORT" /metrics >"$LS_WORK/scrape.txt" 2>/dev/null || fail "GET /metrics"
check "promtool check metrics passes on a live scrape" promtool check metrics <"$LS_WORK/scrape.txt"
metric() { awk -v m="$1" '$1 == m {print $2}' "$LS_WORK/scrape.txt"; }
check "tweets_processed_total agrees with the stats hash ($(metric lockstep_tweets_processed_total))" \
  [ "$(metric lockstep_tweets_processed_total)" = "$(ls_stat tweets_processed)" ]
check "one lag gauge per partition, 0 once drained" [ "$(grep -c '^lockstep_kafka_consumer_lag_messages{partition="[0-3]"} 0$' "$LS_WORK/scrape.txt")" = 4 ]
events=$(wc -l <"$LS_WORK/http.jsonl")
check "the latency histogram counts every campaign event ($events)" [ "$(metric lockstep_event_latency_seconds_count)" = "$events" ]
check "every stage has a time" [ "$(grep -c '^lockstep_stage_seconds_total{stage=' "$LS_WORK/scrape.txt")" = 10 ]
check "the backend is named" grep -q '^lockstep_backend_info{backend="cpu",device=".*"} 1$' "$LS_WORK/scrape.txt"
# documented — every metric family of the scrape has its row in the README
documented() {
  local m missing=0
  for m in $(awk '$1 == "#" && $2 == "TYPE" {print $3}' "$LS_WORK/scrape.txt"); do
    grep -qF "| \`$m\` |" "$LS_SOURCE/README.md" || { echo "  not in the README: $m"; missing=1; }
  done
  return $missing
}
check "every exported metric is documented in the README" documented
check "every dashboard expression reads exported metrics" \
  python3 "$PROBE" dashboard "$LS_SOURCE/deploy/grafana/lockstep.json" "$LS_WORK/scrape.txt" "$LS_WORK/rules.yml"
check "every dashboard expression is valid PromQL" promtool check rules "$LS_WORK/rules.yml"

echo "-- bad input"
check "a malformed header gets 400" bash -c "python3 '$PROBE' raw $PORT 'GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n' | grep -q ' 400 '"
check "an unknown HTTP version gets 505" bash -c "python3 '$PROBE' raw $PORT 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n' | grep -q ' 505 '"
check "binary garbage: the connection is closed (at once, or after http.timeout_s)" bash -c "python3 '$PROBE' raw $PORT '\x00\x01\x02 / HTTP/1.1\r\n\r\n' | grep -q 'closed'"
check "  ... and the endpoint answers the next request" python3 "$PROBE" get "$PORT" /healthz
check "POST gets 405" bash -c "python3 '$PROBE' raw $PORT 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' | grep -q ' 405 '"
check "an unknown path gets 404" bash -c "python3 '$PROBE' raw $PORT 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' | grep -q ' 404 '"
check "a 1 MB URL gets 414" bash -c "python3 '$PROBE' long-url $PORT 1048576 | grep -q ' 414 '"
rss() { awk '/VmRSS/ {print $2}' "/proc/$DAEMON_PID/status"; }
rss_before=$(rss)
read -r opened _ < <(python3 "$PROBE" flood "$PORT" 10000 3)
rss_flood=$(rss)
echo "  $opened connections attempted at once (http.max_connections served, as many queued, the kernel dropped the rest); resident memory ${rss_before} kB before, ${rss_flood} kB after"
check "10,000 connections were attempted at once" [ "$opened" -ge 9900 ]
check "  ... the daemon survived" kill -0 "$DAEMON_PID"
if [[ $(ldd "$LS_BIN/lockstepd") == *libasan* ]]; then # its quarantine keeps freed memory resident by design (no grep -q: pipefail)
  echo "  (ASan build: the memory bound is checked by the plain build)"
else
  check "  ... its memory stayed bounded (under 32 MiB more)" [ $((rss_flood - rss_before)) -lt 32768 ]
fi
"$LS_BIN/lockstep-gen" --seed 6 --tweets 20000 --campaigns 2 --brokers "$BROKERS" --format protobuf >"$LS_WORK/gen2.json" 2>/dev/null
python3 "$PROBE" flood "$PORT" 10000 3 >/dev/null &
flood=$!
messages2=$((messages + $(sed -E 's/.*"messages": ([0-9]+).*/\1/' "$LS_WORK/gen2.json")))
check "a stream is processed during a second flood" ls_wait_drained "$messages2" 120
wait "$flood"
# answers_soon PATH — 200 within 30 s (the flood's last accepted connections close as it ends)
answers_soon() { for _ in $(seq 1 30); do python3 "$PROBE" get "$PORT" "$1" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
check "/metrics answers again after the flood" answers_soon /metrics
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
check "the requests were counted at exit" grep -qE "info http: answered [1-9][0-9]* requests" "$LS_WORK/http.log"

echo "-- not ready"
BROKERS=127.0.0.1:$(ls_free_port)
ls_start_daemon unready --set checkpoint.interval_s=0
PORT=$(ls_http_port unready) || fail "no 'info http: serving' line in the log"
sleep 3
check "with no broker, /healthz is 200" python3 "$PROBE" get "$PORT" /healthz
check "  ... and /readyz is 503, saying why" bash -c "python3 '$PROBE' get $PORT /readyz 2>&1 | grep -q 'not ready: consumer 0 has no partitions assigned'"
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
