#!/usr/bin/env bash
# Integration: Redis answers "not now" and lockstepd waits instead of dropping. A real Redis
# restarted with a dataset that takes seconds to load answers -LOADING; a real Redis running a
# Lua script that runs until the daemon has met it answers -BUSY. A daemon consuming a stream from the broker meanwhile must
# deliver every campaign event once the server answers again (the events stream holds as many
# entries as the daemon's events file has lines), count the retries, drop nothing, and hold its
# offsets until then.
. "$(dirname "$0")/common.sh"

ls_start_broker tweets:4 tweets.dlq:1 campaigns:4
summary=$("$LS_BIN/lockstep-gen" --seed 2 --tweets 20000 --brokers "$BROKERS" --format protobuf 2>"$LS_WORK/gen.log")
messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")

# answers WORD COMMAND... — Redis answers COMMAND with an error starting with WORD.
answers() { local word=$1; shift; redis-cli -p "$REDIS_PORT" "$@" 2>&1 | grep -q "^$word"; }

# consume NAME — a daemon of its own group and key prefix NAME: reads the whole topic, drains,
# and stops; its events also go to NAME.jsonl. Without checkpoints, so that the events meet Redis
# as they come (with checkpoints, the restore waits for Redis first: test_bad_input_daemon).
consume() {
  ls_start_daemon "$1" "${ONE_MINUTE_WINDOWS[@]}" --set kafka.group_id="$1" --set redis.prefix="$1:" \
    --set kafka.output_enabled=false --set checkpoint.interval_s=0 --out "$LS_WORK/$1.jsonl"
  LS_PREFIX="$1:" ls_wait_drained "$messages" 120
  ls_stop "$DAEMON_PID"
}

# delivered NAME — every event of NAME.jsonl reached Redis, none dropped, some retried.
delivered() {
  local events stream retries failures
  events=$(wc -l <"$LS_WORK/$1.jsonl")
  stream=$(redis-cli -p "$REDIS_PORT" XLEN "$1:events")
  retries=$(LS_PREFIX="$1:" ls_stat sink_retries)
  failures=$(LS_PREFIX="$1:" ls_stat sink_failures)
  echo "  $1: $events events, $stream in the stream, sink_retries=$retries sink_failures=$failures"
  [ "$events" -gt 0 ] && [ "$stream" = "$events" ] && [ "${retries:-0}" -gt 0 ] && [ "$failures" = 0 ]
}

echo "-- LOADING: a restart with 40,000 keys that load for several seconds"
ls_start_redis
python3 -c 'import sys; sys.stdout.writelines("SET key:%d %d\r\n" % (i, i) for i in range(40000))' |
  redis-cli -p "$REDIS_PORT" --pipe >/dev/null
redis-cli -p "$REDIS_PORT" SAVE >/dev/null
redis-cli -p "$REDIS_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
ls_start_redis --dbfilename dump.rdb --key-load-delay 100 --loading-process-events-interval-bytes 1024
check "Redis is loading when the daemon starts" answers LOADING SET probe 1
check "the daemon drains the stream and stops cleanly" consume loading
check "the sink was told LOADING and waited" grep -q 'answers "LOADING' "$LS_WORK/loading.log"
check "every event reached Redis after the load" delivered loading

echo "-- BUSY: a Lua script that runs until the daemon has been told BUSY (then SCRIPT KILL)"
redis-cli -p "$REDIS_PORT" CONFIG SET busy-reply-threshold 100 >/dev/null
redis-cli -p "$REDIS_PORT" EVAL "local t = redis.call('TIME')[1] + 120 while tonumber(redis.call('TIME')[1]) < t do end return 1" 0 \
  >"$LS_WORK/script.out" 2>&1 &
script=$!
sleep 0.5
check "Redis is busy when the daemon starts" answers BUSY PING
(for _ in $(seq 1 1200); do grep -qs 'answers "BUSY' "$LS_WORK/busy.log" && break; sleep 0.1; done
 redis-cli -p "$REDIS_PORT" SCRIPT KILL >/dev/null) &
killer=$!
check "the daemon drains the stream and stops cleanly" consume busy
check "the sink was told BUSY and waited" grep -q 'answers "BUSY' "$LS_WORK/busy.log"
check "every event reached Redis after the script" delivered busy
wait "$script" "$killer" || true
