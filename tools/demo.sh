#!/usr/bin/env bash
# demo.sh — `make demo`: a synthetic firehose with planted campaigns through the whole pipeline:
# lockstep-gen → Kafka (lockstep-broker) → lockstepd → Redis + Kafka topic `campaigns` + JSON
# lines, then lockstep-eval against the ground truth, then the campaign dashboard (lockstep-dash)
# over that Redis, with a screenshot in bench/out/dashboard.png. Everything runs on loopback in a
# temporary directory; from a terminal, Redis, the broker and the dashboard keep running until
# Ctrl-C (so that the printed commands work), and under CI they stop at once.
# Usage: tools/demo.sh BUILD_DIR [TWEETS]
set -euo pipefail
LS_BIN=$(cd "${1:-build}" && pwd)
TWEETS=${2:-200000}
LS_WORK=$(mktemp -d /tmp/lockstep-demo.XXXXXX)
. "$(dirname "$0")/services.sh"
trap 'ls_stop_all; echo "(work files kept in $LS_WORK)"' EXIT

echo "== lockstep demo: $TWEETS tweets, 8 planted campaigns (one per scenario) and 4 hard organic cases, work directory $LS_WORK"
ls_start_redis
ls_start_broker tweets:32 tweets.dlq:1 campaigns:4
echo "redis-server on 127.0.0.1:$REDIS_PORT, lockstep-broker at $BROKERS"

ls_start_daemon lockstepd --out "$LS_WORK/events.jsonl"
echo "lockstepd running (pid $DAEMON_PID, log $LS_WORK/lockstepd.log)"

echo "== streaming the firehose into topic tweets (protobuf and JSON mixed, with bad messages and duplicates)"
summary=$("$LS_BIN/lockstep-gen" --seed 7 --tweets "$TWEETS" --campaigns 8 --brokers "$BROKERS" --topic tweets \
  --format mixed --bad 21 --duplicates 100 --truth "$LS_WORK/truth.json" 2>"$LS_WORK/gen.log")
echo "  generator: $summary"
messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")
start=$SECONDS
ls_wait_drained "$messages" 900
elapsed=$((SECONDS - start))
ls_stop "$DAEMON_PID"
echo "  lockstepd stopped cleanly; stream drained ${elapsed}s after the generator finished"

echo
echo "== campaigns found, next to the ground truth"
"$LS_BIN/lockstep-eval" --events "$LS_WORK/events.jsonl" --truth "$LS_WORK/truth.json" || true
echo
echo "== counters (redis-cli -p $REDIS_PORT HGETALL lockstep:stats)"
redis-cli -p "$REDIS_PORT" HGETALL lockstep:stats | paste - - | awk '{ printf "  %-20s %s\n", $1, $2 }'
echo
echo "== dead letters: $(kcat -C -b "$BROKERS" -t tweets.dlq -e -o beginning -q -f '.\n' 2>/dev/null | wc -l) messages in tweets.dlq; the first three reasons:"
kcat -C -b "$BROKERS" -t tweets.dlq -e -o beginning -q -c 3 -f '  %h\n' 2>/dev/null | sed -E 's/,source_topic.*//'
echo
echo "== look at the outputs yourself:"
echo "  redis-cli -p $REDIS_PORT ZREVRANGE lockstep:campaigns:active 0 -1 WITHSCORES"
echo "  redis-cli -p $REDIS_PORT HGETALL lockstep:campaign:<id>"
echo "  redis-cli -p $REDIS_PORT XREVRANGE lockstep:events + - COUNT 1"
echo "  kcat -C -b $BROKERS -t campaigns -e -o beginning -f 'key=%k version %o: %S bytes\\n'"
echo "  kcat -C -b $BROKERS -t tweets.dlq -e -o beginning -f '%h\\n'"
echo
echo "  for example, the highest-scoring active campaigns:"
redis-cli -p "$REDIS_PORT" ZREVRANGE lockstep:campaigns:active 0 2 WITHSCORES | paste - - | sed 's/^/    /'
echo "  and the campaigns topic holds $(kcat -C -b "$BROKERS" -t campaigns -e -o beginning -q -f '.\n' 2>/dev/null | wc -l) events (protobuf lockstep.Campaign)"

echo
echo "== the campaign dashboard"
dash_port=8080
ls_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ls_port_free "$dash_port" || dash_port=$(ls_free_port)
"$LS_BIN/lockstep-dash" --redis "127.0.0.1:$REDIS_PORT" --listen "127.0.0.1:$dash_port" 2>"$LS_WORK/dash.log" &
dash_pid=$!
LS_PIDS+=("$dash_pid")
for _ in $(seq 1 50); do grep -q "info dash: serving" "$LS_WORK/dash.log" 2>/dev/null && break; sleep 0.1; done
top=$(redis-cli -p "$REDIS_PORT" ZREVRANGE lockstep:campaigns:active 0 0)
echo "  http://127.0.0.1:$dash_port/  (the highest-scoring campaign: http://127.0.0.1:$dash_port/#c/$top)"
if command -v chromium >/dev/null; then
  out="$(cd "$(dirname "$0")/.." && pwd)/bench/out"
  mkdir -p "$out"
  timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --window-size=1400,1000 \
    --virtual-time-budget=5000 --screenshot="$out/dashboard.png" "http://127.0.0.1:$dash_port/#c/$top" >/dev/null 2>&1 &&
    echo "  screenshot: $out/dashboard.png"
fi
if [ -t 0 ] && [ -z "${CI:-}" ]; then
  echo
  echo "redis-server, lockstep-broker and lockstep-dash keep running for the commands above: press Ctrl-C to stop them."
  wait "$dash_pid" || true # Ctrl-C reaches the whole foreground group; the EXIT trap stops what is left
fi
