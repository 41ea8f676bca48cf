#!/usr/bin/env bash
# Integration: SIGTERM in the middle of a live stream exits cleanly with committed offsets, and a
# restarted daemon resumes from them — exactly there: not from the beginning, and re-reading the
# tail still inside the last signal window — and drains the rest. The stream runs 300 s of event
# time (200 tweets/s); the daemon is stopped past its middle, 150 s in, beyond what its one-minute
# windows and the 60 s of lateness hold back (120 s): stopped at 100 s (20,500 tweets read),
# nothing could be committed yet (2026-12-08).
. "$(dirname "$0")/common.sh"

TWEETS=60000

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2
"$LS_BIN/lockstep-gen" --seed 5 --tweets "$TWEETS" --campaigns 3 --brokers "$BROKERS" --pace 4000 \
  >"$LS_WORK/gen.json" 2>"$LS_WORK/gen.log" &
GEN_PID=$!
LS_PIDS+=("$GEN_PID")

ls_start_daemon first "${ONE_MINUTE_WINDOWS[@]}" --out "$LS_WORK/first.jsonl"
for _ in $(seq 1 150); do [ "$(ls_stat messages_received)" -gt $((TWEETS / 2)) ] 2>/dev/null && break; sleep 0.2; done
check "the first daemon is consuming mid-stream" [ "$(ls_stat messages_received)" -gt $((TWEETS / 2)) ]
check "SIGTERM mid-stream: exit status 0" ls_stop "$DAEMON_PID"
read -r committed end < <("$LS_TEST_BIN/kafka-offsets" "$BROKERS" lockstep tweets | sed -E 's/committed=([0-9]+) end=([0-9]+).*/\1 \2/')
echo "after SIGTERM: committed=$committed of end=$end"
check "offsets were committed" [ "$committed" -gt 0 ]
check "the stream was still flowing" [ "$committed" -lt "$TWEETS" ]
processed=$(ls_stat messages_received)
check "the last window's tail was held back ($processed processed, $committed committed)" [ "$committed" -lt "$processed" ]

wait "$GEN_PID"
ls_start_daemon second "${ONE_MINUTE_WINDOWS[@]}" --out "$LS_WORK/second.jsonl"
ls_wait_drained $((TWEETS - committed)) 120
check "it resumed exactly at the committed offsets" [ "$(ls_stat messages_received)" = $((TWEETS - committed)) ]
check "second SIGTERM: exit status 0" ls_stop "$DAEMON_PID"
