#!/usr/bin/env bash
# Integration: replay mode on the same tweets as QUT-toolkit CSV, Twitter v2 JSON lines and
# length-delimited protobuf gives identical campaign events, and the same campaigns (account sets)
# as the Kafka path. Replay needs neither Kafka nor Redis.
. "$(dirname "$0")/common.sh"

gen() { "$LS_BIN/lockstep-gen" --seed 3 --tweets 30000 --campaigns 5 --truth "$LS_WORK/truth.json" "$@" >/dev/null 2>>"$LS_WORK/gen.log"; }
gen --format csv --out "$LS_WORK/tweets.csv"
gen --format jsonl --out "$LS_WORK/tweets.jsonl"
gen --format protobuf --out "$LS_WORK/tweets.pb"
for f in csv jsonl pb; do
  "$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.$f" --out "$LS_WORK/replay-$f.jsonl" 2>"$LS_WORK/replay-$f.log" ||
    fail "replay of $f failed"
  grep -q "format=$( [ $f = pb ] && echo protobuf || { [ $f = jsonl ] && echo json || echo csv; } )" "$LS_WORK/replay-$f.log" ||
    fail "replay of $f did not detect its format"
done
check "CSV and JSON replays give identical events" cmp "$LS_WORK/replay-csv.jsonl" "$LS_WORK/replay-jsonl.jsonl"
check "protobuf and JSON replays give identical events" cmp "$LS_WORK/replay-pb.jsonl" "$LS_WORK/replay-jsonl.jsonl"
check "replay finds every planted campaign" \
  "$LS_BIN/lockstep-eval" --events "$LS_WORK/replay-jsonl.jsonl" --truth "$LS_WORK/truth.json" --min-f1 0.9 --require-all
check "replay closes its campaigns at the end of input" grep -q '"state":"closed"' "$LS_WORK/replay-jsonl.jsonl"

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2
ls_start_daemon kafka --out "$LS_WORK/kafka.jsonl"
gen --brokers "$BROKERS" --format protobuf
ls_wait_drained 30000 300
ls_stop "$DAEMON_PID"
check "the Kafka path finds the same campaigns (same account sets)" \
  "$LS_BIN/lockstep-eval" --events "$LS_WORK/kafka.jsonl" --against "$LS_WORK/replay-jsonl.jsonl"
