#!/usr/bin/env bash
# Integration: what a user gets when things are wrong — a config with an unknown key or a bad
# value, a missing replay file, a replay file with bad records, Redis and the brokers unreachable
# at start-up (the daemon logs one line each and keeps running), and Redis going away mid-stream
# (events are kept and written once it is back: nothing is lost).
. "$(dirname "$0")/common.sh"
D="$LS_BIN/lockstepd"

expect_exit() { # CODE NEEDLE -- command...
  local code=$1 needle=$2 rc=0
  shift 3
  "$@" >"$LS_WORK/out.txt" 2>&1 || rc=$?
  [ "$rc" = "$code" ] || fail "\"$*\" exited $rc, expected $code: $(cat "$LS_WORK/out.txt")"
  grep -q -- "$needle" "$LS_WORK/out.txt" || fail "\"$*\" did not say \"$needle\": $(cat "$LS_WORK/out.txt")"
  echo "ok - $* → exit $code, \"$needle\""
}

expect_exit 2 "unknown key bogus.key" -- "$D" --set bogus.key=1
expect_exit 2 "detect.min_accounts: \"five\" is not an integer" -- "$D" --set detect.min_accounts=five
printf '[kafka]\nbrokers = localhost:9092\n[redis]\nport = 99999\n' >"$LS_WORK/bad.conf"
expect_exit 2 "bad.conf:4: redis.port: 99999 is outside" -- "$D" --config "$LS_WORK/bad.conf"
expect_exit 2 "config /nonexistent.conf" -- "$D" --config /nonexistent.conf
expect_exit 1 "cannot open /nonexistent.jsonl" -- "$D" --replay /nonexistent.jsonl
expect_exit 2 "unexpected argument" -- "$D" stray
# "\;" keeps a ';' inside a value: the error names the next property, not a broken "b"
expect_exit 1 'No such configuration property: "bogus.prop"' -- "$D" --set 'kafka.properties=client.rack=a\;b;bogus.prop=1' \
  --set redis.enabled=false --set kafka.brokers=127.0.0.1:1 --set http.listen=
expect_exit 0 "usage: lockstepd" -- "$D" --help
expect_exit 1 "http.listen: \"nonsense\" is not host:port" -- "$D" --set http.listen=nonsense --set redis.enabled=false
busy=$(ls_free_port)
python3 -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', $busy)); s.listen(); time.sleep(60)" &
holder=$!
LS_PIDS+=("$holder")
sleep 0.5
expect_exit 1 "http.listen: cannot serve on 127.0.0.1:$busy (in use" -- "$D" --set "http.listen=127.0.0.1:$busy" --set redis.enabled=false
kill "$holder"

# A replay file with bad records: counted, dead-lettered with the reason, the rest processed
"$LS_BIN/lockstep-gen" --tweets 2000 --campaigns 1 --no-hard-organic --bad 7 --out "$LS_WORK/mixed.jsonl" >/dev/null 2>&1
"$D" --replay "$LS_WORK/mixed.jsonl" --out "$LS_WORK/ev.jsonl" --dead-letter "$LS_WORK/dead.jsonl" 2>"$LS_WORK/replay.log" ||
  fail "replay with bad records failed"
check "7 records dead-lettered" [ "$(grep -c . "$LS_WORK/dead.jsonl")" = 7 ]
check "dead letters name the reason and the record" grep -q '"error":"tweet .*: created_at 2099.*is in the future","source":".*","record":[0-9]' "$LS_WORK/dead.jsonl"
check "all 2000 good tweets processed" grep -q "done tweets=2000 .*rejected=7" "$LS_WORK/replay.log"

# Redis and brokers unreachable at start-up: one error line each, and the daemon keeps running
# (without checkpoints: with them, it first waits for Redis to restore its checkpoint, below)
REDIS_PORT=$(ls_free_port)
BROKERS=127.0.0.1:$(ls_free_port)
ls_start_daemon unreachable --set checkpoint.interval_s=0
sleep 4
check "the daemon keeps running" kill -0 "$DAEMON_PID"
check "Redis unreachable is one error line naming it" [ "$(grep -c "error redis: cannot connect to 127.0.0.1:$REDIS_PORT" "$LS_WORK/unreachable.log")" = 1 ]
check "brokers unreachable is an error line naming them" grep -q "error kafka: .*brokers=$BROKERS" "$LS_WORK/unreachable.log"
check "SIGTERM still exits cleanly" ls_stop "$DAEMON_PID"

# Redis goes away mid-stream and comes back: pending events are written, none lost; with a queue
# of 8 the daemon stops reading at 5 events waiting (back-pressure) instead of dropping any
ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2
ls_start_daemon flaky --out "$LS_WORK/flaky.jsonl" --set output.max_pending=8
# mid-stream: after the daemon has restored (here: found no checkpoint) and reads tweets
check "the daemon restores before Redis goes away" ls_wait_log "$LS_WORK/flaky.log" "info checkpoint: (none at|restored)" 60
kill -TERM "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
"$LS_BIN/lockstep-gen" --seed 9 --tweets 20000 --campaigns 3 --brokers "$BROKERS" >/dev/null 2>&1
check "campaigns were detected while Redis was down" ls_wait_log "$LS_WORK/flaky.log" "campaign: open" 20
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$LS_WORK" --logfile "$LS_WORK/redis2.log" &
LS_PIDS+=("$!")
ls_wait_drained 20000 120
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
events=$(grep -c . "$LS_WORK/flaky.jsonl")
check "every event reached Redis after it came back ($events)" [ "$(redis-cli -p "$REDIS_PORT" XLEN lockstep:events)" = "$events" ]
check "the lost connection was logged" grep -q "error redis: .*events kept for retry\|error redis: cannot connect" "$LS_WORK/flaky.log"
check "a full queue stopped the reading, and it started again" grep -q "reading stops until they leave" "$LS_WORK/flaky.log"
check "  ... and started again" grep -q "the sinks' queues have drained: reading again" "$LS_WORK/flaky.log"
check "no event dropped" bash -c "! grep -q 'dropped the oldest' '$LS_WORK/flaky.log'"
ls_stop "$DAEMON_PID" || true
REDIS_PORT=$(ls_free_port)
ls_start_daemon restore
sleep 3
check "with checkpoints, it waits for Redis before reading tweets, and says so" \
  grep -q "warn checkpoint: checkpoint: cannot connect to 127.0.0.1:$REDIS_PORT.*waiting to restore before reading tweets" "$LS_WORK/restore.log"
check "no tweet is read while it waits" bash -c "! grep -q 'assigned' '$LS_WORK/restore.log'"
check "SIGTERM while it waits: clean exit" ls_stop "$DAEMON_PID"

# A refusal no retry mends is final: with checkpoints, a wrong password stops the start, naming the key
ls_start_redis --requirepass s3cret
expect_exit 1 "AUTH refused by 127.0.0.1:$REDIS_PORT: WRONGPASS.*(check redis.password)" -- \
  timeout 60 "$D" --set "kafka.brokers=$BROKERS" --set "redis.port=$REDIS_PORT" --set redis.password=wrong --set http.listen=
