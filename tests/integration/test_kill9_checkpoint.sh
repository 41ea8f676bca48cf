#!/usr/bin/env bash
# Integration: kill -9 at random points of a stream, each time restarted at once with the same
# group and name; the restarted daemon restores its checkpoint and continues. A reader of the
# campaigns topic (read committed) and of Redis sees what an uninterrupted run gives: its
# campaigns under the same ids with the same accounts and states (compare_runs.py), no
# (id, version) twice, none missing, no campaign left open in
# Redis that the topic does not show live; and every tweet was processed (the restored count
# ends at the stream's). KILLS (default 3), TWEETS (default 60000) and SEED size it; `make bench`
# runs it with 20 kills of a 200k-tweet stream.
. "$(dirname "$0")/common.sh"

KILLS=${KILLS:-3}
TWEETS=${TWEETS:-60000}
SEED=${SEED:-7}
ls_start_redis
ls_start_broker tweets:16 tweets.dlq:1 campaigns.ref:4 campaigns.run:4 lockstep.epochs:1
gen=$("$LS_BIN/lockstep-gen" --seed "$SEED" --tweets "$TWEETS" --format protobuf --brokers "$BROKERS" 2>"$LS_WORK/gen.log")
tweets=$(echo "$gen" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tweets"])')
echo "stream: $gen"

# run NAME [--set ...]: a daemon of group NAME writing to campaigns.NAME and Redis prefix NAME:
run() {
  local name=$1
  shift
  LS_PREFIX=$name: ls_start_daemon "$name" --set kafka.group_id="$name" --set checkpoint.name="$name" \
    --set kafka.output_topic="campaigns.$name" --set kafka.output_format=json --set redis.prefix="$name:" \
    --set checkpoint.interval_s=1 "$@"
}
wait_processed() { # until tweets_processed reaches the stream's tweets and the offsets are committed
  local name=$1 limit=$2 start=$SECONDS
  until [ "$(LS_PREFIX=$name: ls_stat tweets_processed)" = "$tweets" ] && [ "$(LS_PREFIX=$name: ls_stat backlog)" = 0 ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "$name: lockstepd exited early"
    [ $((SECONDS - start)) -lt "$limit" ] || fail "$name: $(LS_PREFIX=$name: ls_stat tweets_processed) of $tweets tweets processed after ${limit}s"
    sleep 0.3
  done
}

run ref
wait_processed ref 300
check "reference run: SIGTERM, exit status 0" ls_stop "$DAEMON_PID"

kills=()
# KILLS points spread at random over the stream: each daemon is killed once the stream's count of
# processed tweets (restored, then advanced) has passed the next one, after a random fraction of a
# second (mid-batch, mid-checkpoint or mid-commit alike)
points=$(python3 -c "import random; random.seed($SEED); print(' '.join(str(p) for p in sorted(random.sample(range($tweets // 20, $tweets * 19 // 20), $KILLS))))")
run run
for point in $points; do
  until [ "$(LS_PREFIX=run: ls_stat tweets_processed)" -ge "$point" ] 2>/dev/null; do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "run: lockstepd exited early"
    sleep 0.1
  done
  sleep "$(python3 -c "import random; random.seed($point); print(round(random.uniform(0, 1), 2))")"
  kills+=("$(LS_PREFIX=run: ls_stat tweets_processed)")
  kill -9 "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  mv "$LS_WORK/run.log" "$LS_WORK/run-${#kills[@]}.log"
  redis-cli -p "$REDIS_PORT" DEL run:stats >/dev/null # the next count is the next daemon's
  run run
done
echo "killed with -9 at ${kills[*]} tweets processed (of $tweets)"
wait_processed run 600
check "every tweet processed once: the restored count ends at the stream's ($tweets)" [ "$(LS_PREFIX=run: ls_stat tweets_processed)" = "$tweets" ]
grep -h "restored epoch" "$LS_WORK"/run*.log | sed 's/^/  /' || true
[ "$KILLS" = 0 ] || check "each restart restored a checkpoint" [ "$(grep -l "restored epoch" "$LS_WORK"/run-*.log "$LS_WORK"/run.log | wc -l)" = "$KILLS" ]
check "last daemon: SIGTERM, exit status 0" ls_stop "$DAEMON_PID"

for name in ref run; do ls_readers "$name"; done
check "the killed run's readers see the uninterrupted run's campaigns" \
  python3 "$LS_SOURCE/tests/integration/compare_runs.py" --resent-epochs "$(ls_resent_epochs "$LS_WORK"/run*.log)" "$LS_WORK/ref.topic" "$LS_WORK/ref.redis" "$LS_WORK/run.topic" "$LS_WORK/run.redis"
for name in ref run; do
  redis-cli -p "$REDIS_PORT" ZRANGE "$name:campaigns:active" 0 -1 | sort >"$LS_WORK/$name.active"
  python3 -c 'import json, sys
last = {}
for line in open(sys.argv[1]):
    e = json.loads(line.partition("\t")[2])
    if e["campaign_id"] not in last or e["version"] > last[e["campaign_id"]]["version"]: last[e["campaign_id"]] = e
print("\n".join(sorted(i for i, e in last.items() if e["state"] != "closed")))' "$LS_WORK/$name.topic" | sed '/^$/d' >"$LS_WORK/$name.live"
done
check "campaigns:active in Redis is what the topic shows live" cmp -s "$LS_WORK/run.active" "$LS_WORK/run.live"
check "as many campaigns active as the uninterrupted run ($(wc -l <"$LS_WORK/ref.active"))" \
  [ "$(wc -l <"$LS_WORK/run.active")" = "$(wc -l <"$LS_WORK/ref.active")" ]
