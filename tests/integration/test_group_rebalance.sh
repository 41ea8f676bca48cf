#!/usr/bin/env bash
# Integration: a daemon held back by its merge bound keeps reading through its group's
# rebalances. One daemon reads with the smallest kafka.queued_max_kbytes. Partition 3 starts
# with a block of tweets a day later than the live streams on partitions 0-2 (messages stamped
# with their tweets' times: lockstep-gen --timestamps event): the event-time merge holds the
# block behind them, its queue stays above the bound, and partition 3 stays paused by
# back-pressure until they run dry. Each round waits for the first daemon to report it paused
# (lockstep_partitions_paused), so each revocation finds it paused. (Left to a slow pipeline,
# the bound is crossed by chance: under the sanitizers, 0 of 12 revocations met a pause,
# 2026-12-07/08.) A second daemon joins the group and leaves it again, twice, while the first
# is behind. Every rebalance revokes the first daemon's
# partitions and assigns them again: each must be fetched to its end (no lag left), not stay
# paused from before the rebalance (librdkafka keeps an application's pause across it). The
# second daemon reads for a moment only, so its windows hold back every offset it read: it
# commits the offset it started from (the first daemon's commit) again, with its own checkpoint
# key, and the first daemon, given those partitions back, merges the second's activity counts
# and read marks (README: stages, hand-over).
. "$(dirname "$0")/common.sh"

# Partition 3 first gets the later block; then partitions 0-2 a live stream each (three seeds,
# paced: the embedded broker keeps only a partition's newest ~5 MiB, so a backlog produced in
# advance would be short), behind which the block waits, paused, until the streams end.
PER_PARTITION=25000
ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2
"$LS_BIN/lockstep-gen" --seed 4 --tweets 500 --campaigns 0 --no-hard-organic --start 2024-03-02T12:00:00Z --brokers "$BROKERS" \
  --partition 3 --timestamps event >"$LS_WORK/later.json" 2>"$LS_WORK/later.log" || fail "the later block on partition 3 (see later.log)"
first_on_3=$(kcat -C -b "$BROKERS" -t tweets -p 3 -o beginning -c 1 -q -f '%o')
GEN_PIDS=()
for q in 0 1 2; do
  "$LS_BIN/lockstep-gen" --seed $((q + 3)) --tweets "$PER_PARTITION" --campaigns 1 --brokers "$BROKERS" --partition "$q" --timestamps event \
    --pace 1500 >"$LS_WORK/gen-$q.json" 2>"$LS_WORK/gen-$q.log" &
  GEN_PIDS+=($!)
  LS_PIDS+=($!)
done
check "partition 3 starts with the later block (offset ${first_on_3:-none} kept)" [ "$first_on_3" = 0 ]

# NAME: a daemon of the group, with its own Redis prefix and checkpoint. Its merge waits up to
# 10 s for an empty partition: fetching stops while the group rebalances, and after the default
# 500 ms the merge would stop waiting for partitions 0-2 and hand the block on before the
# revocation came.
member() {
  ls_start_daemon "$1" "${ONE_MINUTE_WINDOWS[@]}" --set kafka.output_enabled=false --set kafka.queued_max_kbytes=64 \
    --set kafka.order_wait_ms=10000 --set redis.prefix="$1:" --set checkpoint.name="$1"
}
stat_of() { LS_PREFIX="$1:" ls_stat "$2"; } # NAME FIELD: a field of daemon NAME's stats hash
received() { stat_of "$1" messages_received; }
assignments() { grep -c "consumer=0 assigned ${2:-}" "$LS_WORK/$1.log" || true; } # NAME [COUNT]: its assignments (of COUNT partitions)

# the first daemon's revocations that found partitions paused (its log says how many it resumed)
paused_revocations() { grep -c "consumer=0 revoked .* resumed [0-9]* paused" "$LS_WORK/first.log" || true; }
handed_back() { # ROUND: the first daemon merged the second's checkpoint at least once a round
  local n
  for _ in $(seq 1 100); do
    n=$(grep -c "partitions handed over from [^ ]*second: merged its activity counts and read marks" "$LS_WORK/first.log" || true)
    [ "$n" -ge "$1" ] && return 0
    sleep 0.2
  done
  grep -h "handed over\|last committed" "$LS_WORK/first.log" | sed 's/^/  first: /' >&2
  return 1
}

member first
FIRST=$DAEMON_PID
paused_now() { # the first daemon reports a partition paused by back-pressure (lockstep_partitions_paused)
  for _ in $(seq 1 150); do [ "$(ls_metric first partitions_paused)" -ge 1 ] 2>/dev/null && return 0; sleep 0.2; done
  return 1
}
for round in 1 2; do
  until [ "${received_first:-0}" -gt $((round * 5000)) ]; do received_first=$(received first); sleep 0.2; done
  check "round $round: the first daemon has partition 3 paused by back-pressure" paused_now
  before=$(assignments first) before_all=$(assignments first "4 ")
  member second
  SECOND=$DAEMON_PID
  ls_wait_log "$LS_WORK/second.log" "consumer=0 assigned [1-9]" 60 || fail "round $round: the second daemon was assigned nothing"
  for _ in $(seq 1 300); do [ "$(assignments first)" -gt "$before" ] && break; sleep 0.2; done
  for _ in $(seq 1 150); do [ "$(received second)" -gt 0 ] 2>/dev/null && break; sleep 0.2; done
  check "round $round: the second daemon joined and read ($(received second) messages)" [ "$(received second)" -gt 0 ]
  check "round $round: the second daemon left: SIGTERM, exit status 0" ls_stop "$SECOND"
  for _ in $(seq 1 300); do [ "$(assignments first "4 ")" -gt "$before_all" ] && break; sleep 0.2; done
  check "round $round: the first daemon got every partition back" [ "$(assignments first "4 ")" -gt "$before_all" ]
  check "round $round: given back what the second daemon read, the first merged its activity counts and read marks" handed_back "$round"
  echo "  round $round: first daemon at $(received first) messages received"
done
lag_of_first() { # its lag over its partitions, once it reports one (not while an assignment is new)
  local lag
  for _ in $(seq 1 50); do lag=$(ls_metric first kafka_consumer_lag_messages); [ -n "$lag" ] && break; sleep 0.2; done
  echo "$lag"
}
lag=$(lag_of_first)
check "the first daemon was still behind its backlog after the rounds (lag ${lag:-unknown})" [ "${lag:-0}" -gt 0 ]
check "each round's revocation met partition 3 paused by back-pressure ($(paused_revocations) of 2)" [ "$(paused_revocations)" -ge 2 ]

drained() { # no lag on the first daemon's partitions, nothing in its merge, no offset held back
  local lag
  for _ in $(seq 1 600); do
    lag=$(lag_of_first)
    [ "$lag" = 0 ] && [ "$(stat_of first waiting)" = 0 ] && [ "$(stat_of first offsets_held)" = 0 ] && return 0
    sleep 0.2
  done
  echo "  lag left: ${lag:-?} messages" >&2
  return 1
}
check "the streams on partitions 0-2 were produced" wait "${GEN_PIDS[@]}"
check "every partition was read to its end after the rebalances" drained
grep -h "consumer=0 \(assigned\|revoked\)" "$LS_WORK/first.log" | sed 's/^/  first: /'
check "first daemon: SIGTERM, exit status 0" ls_stop "$FIRST"
