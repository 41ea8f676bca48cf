#!/usr/bin/env bash
# bench.sh — `make bench`: the pipeline's throughput beside baselines measured in the same run.
#   1. replay mode: tweets/s and peak memory (JSON lines and protobuf input)
#   2. Kafka → lockstepd → Redis + Kafka: tweets/s, beside a bare librdkafka poll loop reading the
#      same topic (the ingestion ceiling), and peak memory
#   3. the similarity-threshold op beside plain GEMM on the same backend
#   4. a MiniLM-L6-shaped BERT encoder (random weights) on tweet-length texts beside the SGEMM peak
#   5. detection quality over every generator scenario (default settings), per scenario
#   6. an organic-only stream of a million tweets (hard organic cases included): false campaigns
#   7. detection latency, replaying at real speed (--replay-speed 1)
#   5b. detection quality over all 17 scenarios, the adversarial ones included
#   8. a 10-minute co-similar-text window at 6,000 tweets/s (12 minutes of stream): replay rate
#      against real time, memory per windowed tweet; and the window index's recall and queries/s
#      beside brute force over the same window
#   8b. the distributed co-similar-text index (pipeline.text_shards): 64 shards trained on another
#      seed's originals, 12 partitions, spill 4, beside brute force on the step-5 stream
#   9. detection on real operations: each IRA day (IRA_DAYS, default ../shared/data/ira-dev) mixed
#      into an organic background, per day (tools/ira-eval.sh)
#  10. kill -9 at 20 random points of a 200k-tweet stream, each time restarted: what its readers
#      see against an uninterrupted run (tests/integration/test_kill9_checkpoint.sh, larger)
#  11. one 1 MiB message of every shape the decoders walk, beside the JSON tokeniser alone
#  12. the metrics endpoint's cost: replay with /metrics scraped 10 times a second (a Prometheus
#      scrapes every 15 s) beside replay with the endpoint off, 3 alternated runs each
#  13. work per stage: costs per tweet and nodes per stage for 150,000 tweets/s, on paper
#  14. the stages on 7 daemons (3 ingest, 3 pair, 1 cluster) on one embedded broker, the stream
#      paced at 2,500 messages/s: work and CPU of each node beside one daemon on the same stream,
#      and whether they found its campaigns (tests/integration/test_stage_nodes.sh, no kills)
# Writes bench/out/results.md (and bench/out/scenarios.md) and prints them.
# Usage: tools/bench.sh BUILD_DIR [TWEETS]
set -euo pipefail
LS_BIN=$(cd "${1:-build}" && pwd)
N=${2:-200000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
LS_WORK=$(mktemp -d /tmp/lockstep-bench.XXXXXX)
. "$ROOT/tools/services.sh"
trap 'ls_stop_all; rm -rf "$LS_WORK"' EXIT

now() { date +%s.%N; }
field() { sed -nE "s/.*$1=([0-9.]+).*/\1/p" "$2" | tail -n1; }
json() { grep -oE "\"$1\": -?[0-9.]+" <<<"$2" | head -n1 | sed -E 's/.*: //'; } # the first (overall) value
stage_us() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])["stage_us_per_tweet"][sys.argv[2]])' "$stages" "$1"; }
nodes() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]][sys.argv[3]])' "$stages" "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

cpu=$(lscpu | sed -nE 's/^Model name: *//p' | head -n1)
machine="$(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "== lockstep bench, $N tweets, $(date -u +%Y-%m-%d) on $machine"

echo "-- 1. replay mode"
"$LS_BIN/lockstep-gen" --seed 1 --tweets "$N" --out "$LS_WORK/tweets.jsonl" >/dev/null 2>&1
"$LS_BIN/lockstep-gen" --seed 1 --tweets "$N" --format protobuf --out "$LS_WORK/tweets.pb" >/dev/null 2>&1
for f in jsonl pb; do
  "$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.$f" --out "$LS_WORK/replay-$f.jsonl" 2>"$LS_WORK/replay-$f.log"
  grep "done tweets" "$LS_WORK/replay-$f.log" | sed 's/^/   /'
done
replay_json=$(field rate "$LS_WORK/replay-jsonl.log"); replay_pb=$(field rate "$LS_WORK/replay-pb.log")
replay_rss=$(field peak_rss_mib "$LS_WORK/replay-jsonl.log")

echo "-- 2. Kafka → lockstepd → Redis + Kafka, and a bare poll loop on the same topic"
ls_start_redis
ls_start_broker tweets:32 tweets.dlq:1 campaigns:4
"$LS_BIN/lockstep-gen" --seed 1 --tweets "$N" --brokers "$BROKERS" --format protobuf >/dev/null 2>"$LS_WORK/gen.log"
poll=$("$LS_BIN/lockstep-bench" poll --brokers "$BROKERS" --topic tweets --messages "$N")
echo "   bare poll loop: $poll"
poll_rate=$(json rate "$poll")
ls_start_daemon lockstepd --out "$LS_WORK/kafka.jsonl"
t0=""
while :; do
  got=$(ls_stat messages_received)
  [ -z "$t0" ] && [ "${got:-0}" -gt 0 ] && t0=$(now) && first=$got
  [ "$(ls_stat tweets_processed)" = "$N" ] && [ "$(ls_stat backlog)" = 0 ] && break
  kill -0 "$DAEMON_PID" || { echo "lockstepd died" >&2; exit 1; }
  sleep 0.2
done
t1=$(now)
ls_stop "$DAEMON_PID"
kafka_rate=$(awk -v n="$N" -v f="$first" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (n - f) / (b - a) }')
kafka_rss=$(field peak_rss_mib "$LS_WORK/lockstepd.log")
echo "   lockstepd: $kafka_rate tweets/s (first stats sample to drained), peak RSS $kafka_rss MiB"

echo "-- 3. similarity-threshold op vs GEMM (CPU backend)"
sim=$("$LS_BIN/lockstep-bench" similarity --backend cpu --window 16384 --batch 1024 --dim 256 --reps 5)
echo "   $sim"

echo "-- 4. MiniLM-L6-shaped encoder (384 hidden, 6 layers, 12 heads, 1536 FFN), CPU backend"
"$ROOT/tests/tools/bert_model.py" write "$LS_WORK/minilm" --shape=minilm
enc=$("$LS_BIN/lockstep-bench" encoder --model "$LS_WORK/minilm" --backend cpu --texts 2048 --reps 2)
echo "   $enc"

echo "-- 5. detection quality, every scenario, default settings"
"$LS_BIN/lockstep-gen" --seed 1 --tweets "$N" --out "$LS_WORK/q.jsonl" --truth "$LS_WORK/q.truth.json" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$LS_WORK/q.jsonl" --out "$LS_WORK/q.events.jsonl" 2>"$LS_WORK/q.log"
"$LS_BIN/lockstep-eval" --events "$LS_WORK/q.events.jsonl" --truth "$LS_WORK/q.truth.json" | tee "$LS_WORK/q.eval.txt" | tail -n 18
quality=$("$LS_BIN/lockstep-eval" --json --events "$LS_WORK/q.events.jsonl" --truth "$LS_WORK/q.truth.json")

echo "-- 5b. every scenario, the adversarial ones too (minute-scale, rotation, disguised text and links, multilingual)"
"$LS_BIN/lockstep-gen" --seed 3 --kinds all --tweets 300000 --rate 60 --out "$LS_WORK/k.jsonl" --truth "$LS_WORK/k.truth.json" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$LS_WORK/k.jsonl" --out "$LS_WORK/k.events.jsonl" 2>"$LS_WORK/k.log"
"$LS_BIN/lockstep-eval" --events "$LS_WORK/k.events.jsonl" --truth "$LS_WORK/k.truth.json" >"$LS_WORK/k.eval.txt"
tail -n 1 "$LS_WORK/k.eval.txt" | sed 's/^/   /'
kinds=$("$LS_BIN/lockstep-eval" --json --events "$LS_WORK/k.events.jsonl" --truth "$LS_WORK/k.truth.json")
rm -f "$LS_WORK/k.jsonl"
echo "-- 6. organic only: one million tweets with viral cascades, breaking news, a fan storm, scheduled posts"
"$LS_BIN/lockstep-gen" --seed 5 --tweets 1000000 --campaigns 0 --out "$LS_WORK/o.jsonl" --truth "$LS_WORK/o.truth.json" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$LS_WORK/o.jsonl" --out "$LS_WORK/o.events.jsonl" 2>"$LS_WORK/o.log"
organic=$("$LS_BIN/lockstep-eval" --json --events "$LS_WORK/o.events.jsonl" --truth "$LS_WORK/o.truth.json" || true)
echo "   $organic"
rm -f "$LS_WORK/o.jsonl"

echo "-- 7. detection latency at real speed (60 s of stream at 1,000 tweets/s, the five short-burst scenarios, --replay-speed 1)"
"$LS_BIN/lockstep-gen" --seed 4 --tweets 60000 --rate 1000 --campaigns 5 --bursts 4 --no-hard-organic --out "$LS_WORK/l.jsonl" \
  --truth "$LS_WORK/l.truth.json" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$LS_WORK/l.jsonl" --replay-speed 1 --out "$LS_WORK/l.events.jsonl" 2>"$LS_WORK/l.log"
latency=$("$LS_BIN/lockstep-eval" --json --events "$LS_WORK/l.events.jsonl" --truth "$LS_WORK/l.truth.json")
lat_max=$(grep -oE '"detection_latency_max_s": [0-9.-]+' <<<"$latency" | awk '{ if ($2 > m) m = $2 } END { printf "%.3f", m }')
lat_all=$(grep -oE '"detection_latency_mean_s": [0-9.-]+' <<<"$latency" | awk '$2 >= 0 { s += $2; n++ } END { printf "%.3f", n ? s / n : 0 }')
echo "   detection latency: mean $lat_all s over the campaigns found, max $lat_max s"

echo "-- 8. a 10-minute co-similar-text window at 6,000 tweets/s (4.32 M tweets, 12 minutes of event time)"
W=4320000
"$LS_BIN/lockstep-gen" --seed 2 --tweets "$W" --rate 6000 --out "$LS_WORK/w.jsonl" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$LS_WORK/w.jsonl" --out "$LS_WORK/w.events.jsonl" --set detect.window_capacity=4194304 \
  --set detect.max_edges=16777216 --set detect.max_accounts=2097152 --set detect.max_objects=4194304 \
  --set metrics.interval_s=30 2>"$LS_WORK/w.log"
grep -E "similar-text window|done tweets" "$LS_WORK/w.log" | sed 's/^/   /'
w_rate=$(field rate "$LS_WORK/w.log"); w_rss=$(field peak_rss_mib "$LS_WORK/w.log")
w_steady=$(grep "info stats" "$LS_WORK/w.log" | tail -n1 | sed -nE 's/.* rate=([0-9]+).*/\1/p') # last 30 s: window full
w_bytes=$(sed -nE 's/.*\(([0-9]+) bytes per tweet\).*/\1/p' "$LS_WORK/w.log" | head -n1)
window=$("$LS_BIN/lockstep-bench" window --input "$LS_WORK/w.jsonl" --window 4194304 --check-every 128 --check-queries 128 \
  2>"$LS_WORK/window.log")
echo "   $window"
rm -f "$LS_WORK/w.jsonl"
echo "-- 8b. the distributed co-similar-text index: 64 text shards over 12 partitions, beside brute force"
"$LS_BIN/lockstep-gen" --seed 2 --tweets 60000 --out "$LS_WORK/sample.jsonl" >/dev/null 2>&1
python3 -c 'import json, sys
for line in sys.stdin:
    t = json.loads(line)["data"]
    if not any(r.get("type") == "retweeted" for r in t.get("referenced_tweets", [])): print(t["text"].replace("\n", " "))' \
  <"$LS_WORK/sample.jsonl" >"$LS_WORK/sample.txt"
"$LS_BIN/lockstep-embed" --backend cpu --train-shards 64 --out "$LS_WORK/shards.st" <"$LS_WORK/sample.txt" 2>"$LS_WORK/shards.log"
shards=$("$LS_BIN/lockstep-bench" window --backend cpu --input "$LS_WORK/q.jsonl" --window 65536 --check-every 8 --check-queries 128 \
  --shards "$LS_WORK/shards.st" --partitions 12 --spill 4 2>"$LS_WORK/shards-bench.log")
echo "   $shards"
echo "-- 9. real operations: each day of the IRA archive in an organic background (tools/ira-eval.sh)"
IRA_DAYS=${IRA_DAYS:-$ROOT/../shared/data/ira-dev}
if ls "$IRA_DAYS"/ira-*.csv >/dev/null 2>&1; then
  bash "$ROOT/tools/ira-eval.sh" "$LS_BIN" "$IRA_DAYS" >"$OUT/ira.md" 2>"$LS_WORK/ira.log"
else
  echo "no IRA days in $IRA_DAYS (set IRA_DAYS): skipped" >"$OUT/ira.md"
fi
sed 's/^/   /' "$OUT/ira.md"

echo "-- 10. kill -9 at 20 random points of a 200k-tweet stream (16 partitions), against an uninterrupted run"
LS_BIN=$LS_BIN LS_SOURCE=$ROOT KILLS=20 TWEETS=200000 bash "$ROOT/tests/integration/test_kill9_checkpoint.sh" >"$LS_WORK/kill9.log" 2>&1 ||
  echo "   the kill -9 run differs (see below)"
grep -E "^(ok|FAIL)|killed with|campaigns found again|restored epoch" "$LS_WORK/kill9.log" | tail -n 8 | sed 's/^/   /'
kill9=$(grep -m1 "campaigns found again" "$LS_WORK/kill9.log" || echo "did not finish")

echo "-- 11. a 1 MiB message of every shape (lockstep-bench decode)"
dec=$("$LS_BIN/lockstep-bench" decode --reps 5)
echo "$dec" | sed 's/^/   /'
dec_slowest=$(python3 -c 'import json, sys; s = max(json.loads(sys.argv[1])["shapes"], key=lambda x: x["decode_ms"]); print("%s: %.1f ms (%.1f x the tokeniser)" % (s["shape"], s["decode_ms"], s["ratio"]))' "$dec")
echo "-- 12. replay with /metrics scraped 10 times a second, beside the endpoint off"
# scrape PORT — GET /metrics every 0.1 s until the port closes; prints the number of scrapes
scrape() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
n, url, up = 0, "http://127.0.0.1:%s/metrics" % sys.argv[1], False
for _ in range(100000):
    try:
        urllib.request.urlopen(url, timeout=5).read(); n += 1; up = True
    except OSError:
        if up: break
    time.sleep(0.1)
print(n)
PY
}
scraped_rates=() plain_rates=() scrapes=0
for run in 1 2 3; do
  port=$(ls_free_port)
  "$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.jsonl" --set "http.listen=127.0.0.1:$port" >/dev/null 2>"$LS_WORK/scraped.log" &
  pid=$!
  scrapes=$((scrapes + $(scrape "$port")))
  wait "$pid"
  scraped_rates+=("$(field rate "$LS_WORK/scraped.log")")
  "$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.jsonl" --set http.listen= >/dev/null 2>"$LS_WORK/plain.log"
  plain_rates+=("$(field rate "$LS_WORK/plain.log")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
scraped=$(median "${scraped_rates[@]}"); plain=$(median "${plain_rates[@]}")
echo "   scraped: ${scraped_rates[*]} tweets/s ($scrapes scrapes); endpoint off: ${plain_rates[*]} tweets/s"
echo "-- 13. work per stage (README: stages): costs per tweet, nodes per stage at 150,000 tweets/s"
port=$(ls_free_port)
"$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.jsonl" --set "http.listen=127.0.0.1:$port" >/dev/null 2>"$LS_WORK/stages.log" &
pid=$!
stages=$(python3 "$ROOT/tools/stage-costs.py" "$port") # the default embed.dim, 256
wait "$pid"
echo "   $stages"
echo "-- 14. three ingest, three pair and one cluster daemon beside one daemon (same stream, paced)"
TWEETS=$N KILLS=no LS_BIN=$LS_BIN LS_SOURCE=$ROOT bash "$ROOT/tests/integration/test_stage_nodes.sh" >"$LS_WORK/nodes.txt" 2>&1 ||
  echo "   (the stage nodes did not give one daemon's campaigns: see below)"
grep -E '^  (six-|ref )|campaigns found again' "$LS_WORK/nodes.txt" | sed 's/^ */   /'
node_col() { awk -v n="$1" -v f="$2" '$1 ~ "^" n && / cpu / { for (i = 2; i < NF; i++) if ($i == f) v = v (v ? " / " : "") $(i + 1) } END { print v }' "$LS_WORK/nodes.txt"; }
node_cpu() { awk -v n="$1" '$1 ~ "^" n && / cpu / { s += $(NF - 1) } END { printf "%.1f", s }' "$LS_WORK/nodes.txt"; }
nodes_found=$(grep -E 'campaigns found again' "$LS_WORK/nodes.txt" | tail -n1 | sed -E 's/^ *//; s/;.*//')
six_parts=$(sed -nE 's/.*six\.actions: .*\(([0-9]+) partitions\).*/\1/p' "$LS_WORK/nodes.txt")
ck_bytes=$(grep -h "restored epoch" "$LS_WORK/kill9.log" | sed -nE 's/.*\(([0-9]+) bytes\).*/\1/p' | sort -n | tail -n1)

cat >"$OUT/results.md" <<MD
Measured $(date -u +%Y-%m-%d) by \`make bench\` ($N generated tweets, hashed embedder, CPU backend) on $machine.

| what | figure | baseline in the same run | ratio |
|---|---|---|---|
| replay, Twitter v2 JSON lines | $replay_json tweets/s | — | — |
| replay, length-delimited protobuf | $replay_pb tweets/s | — | — |
| Kafka → lockstepd → Redis + Kafka (protobuf in) | $kafka_rate tweets/s | bare librdkafka poll loop: $poll_rate msg/s | $(ratio "$kafka_rate" "$poll_rate") |
| similarity-threshold op, 1024 × 16384 × 256 | $(json sim_gflops "$sim") GFLOP/s | OpenBLAS SGEMM same shapes: $(json gemm_gflops "$sim") GFLOP/s | $(json ratio "$sim") |
| MiniLM-L6-shaped encoder, $(json mean_tokens "$enc") tokens per text | $(json texts_per_s "$enc") texts/s, $(json tokens_per_s "$enc") tokens/s, $(json gflops "$enc") GFLOP/s | OpenBLAS SGEMM 2048³: $(json gemm_peak_gflops "$enc") GFLOP/s | $(json ratio "$enc") |
| peak memory, replay | $replay_rss MiB RSS | — | — |
| peak memory, Kafka mode | $kafka_rss MiB RSS | — | — |
| detection, all 8 campaign scenarios + 4 hard organic cases ($N tweets) | account F1 $(json f1 "$quality"), campaign recall $(json campaign_recall "$quality"), $(json false_campaigns "$quality") false campaigns | — | — |
| detection, all 17 scenarios (8 classic + 9 adversarial) + 4 hard organic cases (300000 tweets, 60/s) | account F1 $(json f1 "$kinds"), campaign recall $(json campaign_recall "$kinds"), $(json false_campaigns "$kinds") false campaigns | — | — |
| organic only, 1,000,000 tweets (viral, breaking news, fan storm, scheduled posts) | $(json false_campaigns "$organic") false campaigns ($(json false_campaigns_per_million "$organic") per million tweets) | — | — |
| detection latency at real speed (as_of − qualified_at) | mean $lat_all s, max $lat_max s | target 2 s | — |
| 10-minute window at 6,000 tweets/s, replay (hashed embedder, 4.32 M tweets = 12 min) | $w_rate tweets/s over the run, $w_steady tweets/s in its last 30 s (window full); $w_bytes bytes per windowed tweet, $w_rss MiB RSS | real time: 6000 tweets/s | $(ratio "$w_rate" 6000) (last 30 s: $(ratio "$w_steady" 6000)) |
| slowest 1 MiB message of 8 shapes (page of tweets, includes.users, referenced_tweets, entities.*, 1 MB text, deep nesting) | $dec_slowest; target 50 ms | the JSON tokeniser alone over the same bytes | — |
| replay, /metrics scraped 10 times a second (JSON lines, median of 3) | $scraped tweets/s | the endpoint off: $plain tweets/s | $(ratio "$scraped" "$plain") |
| kill -9 at 20 random points, 200k tweets, 16 partitions, checkpoints every 1 s | $kill9; largest checkpoint $(awk -v b="${ck_bytes:-0}" 'BEGIN { printf "%.1f", b / 1048576 }') MiB | an uninterrupted run of the same stream | — |
| work per stage, one core each ($(json actions_per_tweet "$stages") actions and $(json pair_sets_per_tweet "$stages") pair sets per tweet) | µs per tweet: ingest $(stage_us ingest), pair $(stage_us pair), cluster $(stage_us cluster) ($(json cluster_us_per_pair_set "$stages") per pair set) | — | — |
| nodes for 150,000 tweets/s at 70 % load (on paper, from the line above) | hash embedder: ingest $(nodes nodes_hash ingest), pair $(nodes nodes_hash pair); MiniLM on one GPU per ingest node: ingest $(nodes nodes_minilm_gpu ingest), pair $(nodes nodes_minilm_gpu pair); cluster: one node, up to $(json cluster_limit_tweets_per_s "$stages") tweets/s | — | — |
| 3 ingest + 3 pair + 1 cluster daemons, $N tweets paced at 2,500/s, 8 tweet, ${six_parts:-?} action and 4 pair-set partitions, 16 text shards, zstd | tweets per ingest node $(node_col six-ingest tweets); actions per pair node $(node_col six-pair actions); pair sets into the cluster node $(node_col six-cluster sets); CPU $(node_cpu six-) s in all; $nodes_found | one daemon on the same stream: CPU $(node_cpu ref) s | $(ratio "$(node_cpu six-)" "$(node_cpu ref)") |
| distributed co-similar-text index, 64 text shards (trained on another stream), 12 partitions, spill 4, $(json window_rows "$shards") rows | recall $(json distributed_recall "$shards") of $(json pairs_brute_force "$shards") pairs ≥ τ, $(json partitions_per_vector "$shards") partitions per vector, fullest partition $(json partition_rows_max_over_mean "$shards") × the mean | brute force over one window; the one window's index: recall $(json recall "$shards") | — |
| co-similar-text index, $(json window_rows "$window") rows, $(json probes "$window") of $(json lists "$window") lists | recall $(json recall "$window") of $(json pairs_brute_force "$window") pairs ≥ τ ($(json recall_tau_plus_0_1 "$window") of those ≥ τ + 0.1), $(json index_queries_per_s "$window") queries/s | brute force, same window: $(json brute_force_queries_per_s "$window") queries/s | $(json speedup "$window") |
MD
{ echo "Per scenario ($N tweets, seed 1, default settings), from \`lockstep-eval\`:"; echo; echo '```';
  sed -n '/^scenario/,$p' "$LS_WORK/q.eval.txt"; echo '```'; echo; echo "Every scenario (300000 tweets at 60/s, seed 3, --kinds all):"; echo;
  echo '```'; sed -n '/^scenario/,$p' "$LS_WORK/k.eval.txt"; echo '```'; echo; echo "Real operations (tools/ira-eval.sh):"; echo;
  cat "$OUT/ira.md"; } >"$OUT/scenarios.md"
echo
cat "$OUT/results.md" "$OUT/scenarios.md"
