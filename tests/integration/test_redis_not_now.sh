#!/usr/bin/env bash
# Integration: Redis answers "not now" and lockstepd waits instead of dropping. A real Redis
# restarted with a dataset that takes seconds to load answers -LOADING; a real Redis running a
# Lua script that runs until the daemon has met it answers -BUSY. A daemon consuming a stream from the broker meanwhile must
# deliver every campaign event once the server answers again (the events stream holds as many
# entries as the daemon's events file has lines), count the retries, drop nothing, and hold its
# offsets until then. And a Redis restarted mid-stream under a daemon that checkpoints every
# second: about 10 s of LOADING, then every campaign event is there.
. "$(dirname "$0")/common.sh"

ls_start_broker tweets:4 tweets.mid:16 tweets.hang:4 tweets.dlq:1 campaigns:4
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

# restart_loading — Redis saves its dataset (the 40,000 keys and the daemon's) and stops, then
# comes back on its port reading it for about 10 s, answering -LOADING meanwhile.
restart_loading() {
  redis-cli -p "$REDIS_PORT" SHUTDOWN SAVE >/dev/null 2>&1 || true
  wait "$REDIS_PID" 2>/dev/null || true
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$LS_WORK" --dbfilename dump.rdb \
    --logfile "$LS_WORK/redis.log" --daemonize no --key-load-delay 250 --loading-process-events-interval-bytes 1024 &
  REDIS_PID=$!
  LS_PIDS+=("$REDIS_PID")
  for _ in $(seq 1 50); do answers LOADING SET probe 1 && return 0; sleep 0.1; done
  return 1
}

echo "-- LOADING for about 10 s mid-stream, with checkpoints every second"
summary=$("$LS_BIN/lockstep-gen" --seed 3 --tweets 100000 --brokers "$BROKERS" --topic tweets.mid --format protobuf 2>"$LS_WORK/gen-mid.log")
mid_messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")
ls_start_daemon mid "${ONE_MINUTE_WINDOWS[@]}" --set kafka.group_id=mid --set redis.prefix=mid: --set kafka.input_topic=tweets.mid \
  --set kafka.output_enabled=false --set checkpoint.interval_s=1 --set checkpoint.name=mid --out "$LS_WORK/mid.jsonl"
until [ "$(LS_PREFIX=mid: ls_stat tweets_processed)" -ge 20000 ] 2>/dev/null; do
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "mid: lockstepd exited early"
  sleep 0.1
done
loading_from=$SECONDS
check "Redis restarted under the daemon answers LOADING" restart_loading
until redis-cli -p "$REDIS_PORT" PING 2>/dev/null | grep -q PONG; do sleep 0.2; done
echo "  Redis answered LOADING for about $((SECONDS - loading_from)) s"
drain_mid() { LS_PREFIX=mid: ls_wait_drained "$mid_messages" 180; }
check "the daemon drains the stream" drain_mid
check "SIGTERM: exit status 0" ls_stop "$DAEMON_PID"
mid_events=$(wc -l <"$LS_WORK/mid.jsonl")
mid_stream=$(redis-cli -p "$REDIS_PORT" --raw XRANGE mid:events - + |
  awk '$0 == "campaign_id" {getline id} $0 == "version" {getline v; print id, v}' | sort -u | wc -l) # distinct (id, version)
mid_refused=$(LS_PREFIX=mid: ls_stat checkpoint_failures)
mid_retries=$(LS_PREFIX=mid: ls_stat sink_retries)
echo "  mid: $mid_events events, $mid_stream distinct in the stream, checkpoint_failures=$mid_refused sink_retries=$mid_retries sink_failures=$(LS_PREFIX=mid: ls_stat sink_failures)"
# A checkpoint is tried only when the sinks hold nothing: while the Redis sink waits on LOADING
# with events, none is tried (the offsets wait), otherwise Redis refuses it. Which of the two
# the 10 s saw depends on whether a campaign changed meanwhile.
check "the loading was counted: checkpoints refused, or put off while the sink retried" [ $((mid_refused + mid_retries)) -gt 0 ]
check "there were campaign events" [ "$mid_events" -gt 0 ]
check "every campaign event reached Redis, none twice (0 lost)" [ "$mid_stream" = "$mid_events" ]
check "no (id, version) twice in the stream" [ "$(redis-cli -p "$REDIS_PORT" XLEN mid:events)" = "$mid_stream" ]
check "no sink failure" [ "$(LS_PREFIX=mid: ls_stat sink_failures)" = 0 ]

echo "-- A Redis that hangs (SIGSTOP, connections open, no answers): detection goes on"
# The sinks run on their own threads: a service that does not answer holds its events (and the
# offsets), never the pipeline. redis.timeout_ms is a minute, so the sink waits on one reply
# the whole time; before the sinks had threads, the pipeline waited with it and read nothing.
ls_start_daemon hang "${ONE_MINUTE_WINDOWS[@]}" --set kafka.group_id=hang --set redis.prefix=hang: --set kafka.input_topic=tweets.hang \
  --set kafka.output_enabled=false --set checkpoint.interval_s=0 --set redis.timeout_ms=60000 --set metrics.interval_s=1 \
  --out "$LS_WORK/hang.jsonl"
check "the daemon is connected and assigned" ls_wait_log "$LS_WORK/hang.log" "info kafka: .*assigned" 60
kill -STOP "$REDIS_PID"
summary=$("$LS_BIN/lockstep-gen" --seed 4 --tweets 20000 --campaigns 3 --brokers "$BROKERS" --topic tweets.hang --format protobuf 2>"$LS_WORK/gen-hang.log")
hang_messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")
# read_all — the daemon's log says it processed every tweet and has none waiting
read_all() { grep -E "info stats: tweets=[0-9]+ .*backlog=0 " "$LS_WORK/hang.log" | tail -1 | grep -qE "tweets=(19[5-9][0-9][0-9]|2[0-9]{4}) "; }
waited=0
until read_all || [ $waited -ge 45 ]; do sleep 1; waited=$((waited + 1)); done
echo "  $(grep 'info stats:' "$LS_WORK/hang.log" | tail -1 | sed -E 's/.*(tweets=[0-9]+).*(backlog=[0-9]+).*/\1 \2/') after ${waited} s of a hung Redis"
check "every tweet was processed while Redis hung" read_all
check "campaigns were opened while Redis hung" grep -q "campaign: open" "$LS_WORK/hang.log"
check "Redis was still hung meanwhile" bash -c "! timeout 1 redis-cli -p $REDIS_PORT PING >/dev/null 2>&1"
kill -CONT "$REDIS_PID"
drain_hang() { LS_PREFIX=hang: ls_wait_drained "$hang_messages" 180; }
check "once Redis answers, the daemon drains" drain_hang
check "SIGTERM: exit status 0" ls_stop "$DAEMON_PID"
hang_events=$(wc -l <"$LS_WORK/hang.jsonl")
echo "  hang: $hang_events events, $(redis-cli -p "$REDIS_PORT" XLEN hang:events) in the stream, sink_failures=$(LS_PREFIX=hang: ls_stat sink_failures)"
check "every campaign event reached Redis once it answered" [ "$(redis-cli -p "$REDIS_PORT" XLEN hang:events)" = "$hang_events" ]
check "no sink failure" [ "$(LS_PREFIX=hang: ls_stat sink_failures)" = 0 ]
