#!/usr/bin/env bash
# Integration: lockstep-gen → Kafka (lockstep-broker) → lockstepd → Redis + Kafka `campaigns` +
# JSON lines, over real servers. Checks what a user would: every planted campaign found with
# account-level F1 >= 0.9, the Redis key schema filled, the output topic readable by a real
# consumer (kcat), bad messages in the dead-letter topic with their headers, duplicates dropped,
# and a clean SIGTERM that commits offsets up to the last signal window (a restart re-reads that
# tail to rebuild the windows).
. "$(dirname "$0")/common.sh"

ls_start_redis
ls_start_broker tweets:8 tweets.dlq:1 campaigns:4
ls_start_daemon lockstepd "${ONE_MINUTE_WINDOWS[@]}" --out "$LS_WORK/events.jsonl"

summary=$("$LS_BIN/lockstep-gen" --seed 11 --tweets 40000 --campaigns 5 --no-hard-organic --bursts 8 --brokers "$BROKERS" \
  --format mixed --bad 14 --duplicates 50 --truth "$LS_WORK/truth.json" 2>"$LS_WORK/gen.log")
echo "generator: $summary"
messages=$(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")
ls_wait_drained "$messages" 300

check "every planted campaign found, account F1 >= 0.9" \
  "$LS_BIN/lockstep-eval" --events "$LS_WORK/events.jsonl" --truth "$LS_WORK/truth.json" --min-f1 0.9 --require-all
check "40000 tweets processed" [ "$(ls_stat tweets_processed)" = 40000 ]
check "50 duplicates dropped" [ "$(ls_stat duplicates)" = 50 ]
check "14 bad messages rejected and dead-lettered" [ "$(ls_stat rejected)" = 14 -a "$(ls_stat dead_lettered)" = 14 ]

# Stop first: the final drain flushes every sink, so the outputs below are complete and comparable
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
check "shutdown is logged" grep -q "draining, flushing sinks, committing offsets" "$LS_WORK/lockstepd.log"

# Redis key schema (DESIGN.md §3)
R="redis-cli -p $REDIS_PORT"
events=$(grep -c . "$LS_WORK/events.jsonl")
active=$($R ZCARD lockstep:campaigns:active)
check "campaigns:active holds the open campaigns ($active)" [ "$active" -ge 5 ]
check "events stream has one entry per event ($events)" [ "$($R XLEN lockstep:events)" = "$events" ]
for id in $($R ZRANGE lockstep:campaigns:active 0 -1); do
  n=$($R HGET "lockstep:campaign:$id" accounts_count)
  [ "$($R SCARD "lockstep:campaign:$id:accounts")" = "$n" ] || fail "campaign $id: accounts set size != accounts_count"
  [ "$($R HGET "lockstep:campaign:$id" campaign_id)" = "$id" ] || fail "campaign $id: hash lacks campaign_id"
  member=$($R SRANDMEMBER "lockstep:campaign:$id:accounts")
  [ "$($R SISMEMBER "lockstep:account:$member:campaigns" "$id")" = 1 ] || fail "account $member does not list $id"
done
echo "ok - campaign hashes, account sets and account → campaign sets agree"

# Operations: every active campaign names one, whose hash, campaign set and account set hold it
ops=$($R ZCARD lockstep:operations:active)
check "operations:active holds the operations of the open campaigns ($ops)" [ "$ops" -ge 1 -a "$ops" -le "$active" ]
for id in $($R ZRANGE lockstep:campaigns:active 0 -1); do
  op=$($R HGET "lockstep:campaign:$id" operation_id)
  [[ "$op" =~ ^o[0-9a-f]{16}$ ]] || fail "campaign $id: operation_id '$op'"
  [ "$($R HGET "lockstep:operation:$op" state)" = active ] || fail "operation $op of open campaign $id is not active"
  [ "$($R SISMEMBER "lockstep:operation:$op:campaigns" "$id")" = 1 ] || fail "operation $op does not list $id"
  member=$($R SRANDMEMBER "lockstep:campaign:$id:accounts")
  [ "$($R SISMEMBER "lockstep:operation:$op:accounts" "$member")" = 1 ] || fail "operation $op lacks account $member"
  [ "$($R ZSCORE lockstep:operations:active "$op")" != "" ] || fail "operation $op not in operations:active"
done
echo "ok - operation hashes, campaign and account sets agree with the campaigns"

# The output topic, read back with a real Kafka consumer
kcat -C -b "$BROKERS" -t campaigns -e -o beginning -q -f '%k\n' >"$LS_WORK/keys.txt"
check "campaigns topic holds one message per event" [ "$(grep -c . "$LS_WORK/keys.txt")" = "$events" ]
check "message keys are campaign ids" [ -z "$(grep -vE '^c[0-9a-f]{16}$' "$LS_WORK/keys.txt")" ]

# Dead letters: original bytes and headers
kcat -C -b "$BROKERS" -t tweets.dlq -e -o beginning -q -f '%h\n' >"$LS_WORK/dlq.txt"
check "14 dead letters" [ "$(grep -c . "$LS_WORK/dlq.txt")" = 14 ]
check "dead letters carry error, source_topic, source_partition, source_offset" \
  [ "$(grep -c 'error=.*source_topic=tweets,source_partition=[0-9]*,source_offset=[0-9]*' "$LS_WORK/dlq.txt")" = 14 ]
check "the 100 KB text is named in its dead letter" grep -q 'over input.max_text_bytes' "$LS_WORK/dlq.txt"

offsets=$("$LS_TEST_BIN/kafka-offsets" "$BROKERS" lockstep tweets)
echo "offsets: $offsets"
committed=$(sed -E 's/committed=([0-9]+).*/\1/' <<<"$offsets")
end=$(sed -E 's/.*end=([0-9]+).*/\1/' <<<"$offsets")
# 40000 tweets over 200 s of event time: the last 60-second window and the 60 s of lateness behind
# it (detect.lateness_s) hold about 24000 of them
held=$((end - committed))
check "offsets committed up to the last window and its lateness ($committed of $end, $held held back)" [ "$held" -ge 20000 -a "$held" -le 28000 ]
