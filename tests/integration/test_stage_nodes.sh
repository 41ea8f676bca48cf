#!/usr/bin/env bash
# Integration: the stages on separate daemons (pipeline.role; README: stages) give the campaigns
# of one daemon on the same stream. One embedded broker carries the stream (the same seeded stream
# on one topic per run) and each run's actions and pair sets topics. Each run reads its topic while
# it is produced, paced (the embedded broker keeps only a partition's newest 5 MiB, and the
# co-similar-text actions share one partition, so a stage that fell far behind would lose them):
#   1. "one": one daemon per role (ingest, pair, cluster);
#   2. "six": up to three ingest and three pair daemons sharing their stages' partitions, and one
#      cluster daemon, the co-similar-text index sharded (pipeline.text_shards, trained on a
#      sample of another seed's stream: each pair daemon holds the windows of its partitions), with a malformed action and a malformed pair set put on the topics between
#      them (each dead-lettered and counted, the stage going on); two ingest and two pair daemons
#      start, a third of each joins at 1/8 of the stream, one daemon of each role is killed with
#      -9 and started again (at 1/4, 1/2, 3/4), and one pair and one ingest daemon are stopped
#      for good (at 5/8, 7/8): every change rebalances its group's partitions;
# then a reference daemon (role all) reads the whole stream alone.
# The stream is keyed by author (lockstep-gen --key author), as the README asks of a deployment
# with several ingest daemons: each then counts all tweets of its authors, and the activity
# weights are one daemon's; both topics hold the same partitions.
# Each run's campaigns must be the reference's: every reference campaign found with Jaccard at
# least 0.95 on its accounts (under its id or another), none reported twice, none the reference
# lacks (compare_runs.py). Several ingest daemons write each actions partition, each at its own
# pace: the stage records carry their producer's source id and the producers send watermarks, so
# the pair stage still reads them in event time (README: event-time order), and the one run must
# keep that order throughout (no stage's reader stops waiting for another). The six run, with
# kills or without, must give the reference's campaigns at 0.95, none twice and none the
# reference lacks (README: limitations, kill runs). An epoch the killed cluster daemon sends again
# shows twice on the embedded broker, which does not abort the dead daemon's transaction; its
# copies count once, told by their lockstep-epoch header (compare_runs.py --resent-epochs).
# Prints the work and CPU time of each node. TWEETS (default 60000), PACE (messages/s, default
# 2500) and SEED size it; KILLS=no leaves the six run's daemons alone (make bench: work per node);
# AT_BY=stream places the kill run's events by the stream's position (README: limitations).
. "$(dirname "$0")/common.sh"

TWEETS=${TWEETS:-60000}
PACE=${PACE:-2500}
SEED=${SEED:-7}
KILLS=${KILLS:-yes}
tweets=$TWEETS
# The embedded broker keeps only a partition's newest ~5 MiB (tools/broker.c). The six run's
# actions (the co-similar-text ones carry their vectors to each shard's partition) are spread
# over more partitions than one run needs, and the stages compress with zstd (the default, lz4,
# packs less): uncompressed, the kill run's re-sends overflowed some (2026-12-07: 97,000–122,000
# of ~300,000 action records dropped at 53 partitions), with lz4 fewer (21,780 at seed 19), with
# zstd none. A daemon handed a partition late reads it again from where the windows start
# (README: stages) and would miss what was dropped. The run prints how many records each stage
# topic lost.
SIX_ACTIONS=$(((TWEETS * 3 + 3999) / 4000 + 8))
# A stage reader's event-time merge holds what one producer's lag keeps back (README: stages).
# The stream runs its 16 minutes of event time in 24 s, so a hand-over's pause of a few seconds
# holds back minutes of it: with the default bound (16 MiB) a restarted pair daemon stopped
# waiting for live producers one partition after another, and what they had sent arrived later
# than detect.lateness_s (seed 15: one campaign at 0.882-0.944 in 5 of 8 runs; with 256 MiB,
# seeds 7, 15 and 19 found every campaign whole, 2026-12-07).
MERGE_KB=${MERGE_KB:-262144}
ls_start_redis
ls_start_broker tweets.one:8 tweets.six:8 tweets.dlq:1 lockstep.epochs:1 campaigns.ref:4 campaigns.one:4 campaigns.six:4 \
  one.actions:8 one.pairs:4 six.actions:$SIX_ACTIONS six.pairs:4

# The text shards of the six run, trained on another stream's original tweets (a sample the
# campaigns of this one are not in).
"$LS_BIN/lockstep-gen" --seed $((SEED + 1000)) --tweets 20000 --out "$LS_WORK/sample.jsonl" >/dev/null 2>&1
python3 -c 'import json, sys
for line in sys.stdin:
    t = json.loads(line)["data"]
    if not any(r.get("type") == "retweeted" for r in t.get("referenced_tweets", [])): print(t["text"].replace("\n", " "))' \
  <"$LS_WORK/sample.jsonl" >"$LS_WORK/sample.txt"
check "text shards trained on a sample" "$LS_BIN/lockstep-embed" --train-shards 16 --out "$LS_WORK/shards.st" <"$LS_WORK/sample.txt"

produce() { # RUN [GEN OPTION...]: the stream onto its topic, paced, in the background
  local run=$1
  shift
  "$LS_BIN/lockstep-gen" --seed "$SEED" --tweets "$TWEETS" --format protobuf --brokers "$BROKERS" --topic "tweets.$run" --pace "$PACE" "$@" \
    --truth "$LS_WORK/truth-$run.json" >"$LS_WORK/gen-$run.out" 2>"$LS_WORK/gen-$run.log" &
  GEN_PID=$!
}

# node RUN ROLE NAME [--set ...]: a daemon of run RUN (its group, topics and Redis prefix) in ROLE
# named NAME; its log is NAME.log and its pid is kept under NAME.
declare -A PID
node() {
  local run=$1 role=$2 name=$3
  shift 3
  ls_start_daemon "$name" --set kafka.group_id="$run" --set pipeline.role="$role" --set checkpoint.name="$name" \
    --set kafka.input_topic="tweets.${STREAM:-$run}" \
    --set pipeline.actions_topic="$run.actions" --set pipeline.pairs_topic="$run.pairs" \
    --set kafka.output_topic="campaigns.$run" --set kafka.output_format=json --set redis.prefix="$run:" \
    --set checkpoint.interval_s=1 --set kafka.dlq_topic=tweets.dlq --set kafka.queued_max_kbytes="$MERGE_KB" \
    --set pipeline.compression=zstd "$@"
  PID[$name]=$DAEMON_PID
}

# ready NAME...: until each daemon answers /readyz 200 (its consumers have partitions): the joins
# of its group are over. The six run starts its stream only then: without it the first
# rebalance (5 s and more) left a backlog read at 8,500 tweets/s, and the run's events, placed by
# tweets read, came all at once (seed 7: the first at 30,521 tweets instead of 7,500).
ready() {
  local name port end=$((SECONDS + 60))
  for name in "$@"; do
    port=$(ls_http_port "$name") || fail "$name: no HTTP endpoint"
    until python3 "$LS_SOURCE/tests/integration/http_probe.py" get "$port" /readyz >/dev/null 2>&1; do
      [ $SECONDS -lt $end ] || fail "$name: not ready after 60 s"
      sleep 0.2
    done
  done
}

sum() { local n=0 v name what=$1; shift; for name in "$@"; do v=$(ls_metric "$name" "$what"); n=$((n + ${v:-0})); done; echo $n; }

each_node() { # what each node lags behind and holds, and its partitions (when the run does not drain)
  local name
  for name in "$@"; do
    echo "  $name: lag $(ls_metric "$name" kafka_consumer_lag_messages), backlog $(ls_metric "$name" backlog_tweets), waiting $(ls_metric "$name" waiting_messages);" \
      "$(grep -h 'consumer=0 \(assigned\|revoked\|replayed\)' "$LS_WORK/$name.log" | tail -n 2 | tr '\n' ' ')" >&2
    ls_metric_nonzero "$name" kafka_consumer_lag_messages | sed 's/^/    /' >&2
  done
}

# drained LIMIT_S INGEST... -- PAIR... -- CLUSTER: every tweet was read, no node lags behind its
# topic or holds records in its ring or its event-time merge, and the pair sets sent stay the same for a second.
drained() {
  local limit=$1 start=$SECONDS nodes=() ingest=() pair=() before=-1
  shift
  while [ "$1" != -- ]; do ingest+=("$1"); shift; done
  shift
  while [ "$1" != -- ]; do pair+=("$1"); shift; done
  nodes=("${ingest[@]}" "${pair[@]}" "$2")
  while :; do
    local t s lag held
    t=$(($(sum tweets_processed_total "${ingest[@]}") + REMOVED_TWEETS)); s=$(sum pair_sets_total "${pair[@]}")
    lag=$(sum kafka_consumer_lag_messages "${nodes[@]}")
    held=$(($(sum backlog_tweets "${nodes[@]}") + $(sum waiting_messages "${nodes[@]}")))
    if [ "$t" -ge "$tweets" ] && [ "$lag" = 0 ] && [ "$held" = 0 ] && [ "$s" = "$before" ]; then
      sleep 2 # the last clustering after the last pair set
      echo "  drained: $t tweets read, $s pair sets sent"
      return 0
    fi
    before=$s
    [ $((SECONDS - start)) -lt "$limit" ] || { each_node "${nodes[@]}"; fail "not drained after ${limit}s: tweets $t/$tweets, lag $lag, backlog $held"; }
    sleep 1
  done
}

# The six run's live ingest and pair daemons (as they are added and removed), and the tweets
# read by those removed.
ingest=() pair=() REMOVED_TWEETS=0
# Where the run is (AT_BY): "read", the tweets its ingest daemons counted (with what a rebalance or
# a restart reads again, so the later events come early, often several at once), or "stream", the
# tweets produced so far (the daemons keep up with its pace, so they read about as far).
read_so_far() { echo $(($(sum tweets_processed_total "${ingest[@]}") + REMOVED_TWEETS)); }
run_at() {
  if [ "${AT_BY:-read}" = stream ]; then "$LS_TEST_BIN/kafka-offsets" "$BROKERS" six.ingest tweets.six | sed -E 's/.*end=([0-9]+).*/\1/'; else read_so_far; fi
}
at_tweet() { until [ "$(run_at)" -ge "$1" ]; do sleep 0.3; done; } # AT: waits until the run is at AT tweets
without() { local x out=() name=$1; shift; for x in "$@"; do [ "$x" = "$name" ] || out+=("$x"); done; echo "${out[@]}"; }

# kill_restart RUN ROLE NAME AT [--set ...]: once the run is at AT tweets, NAME is killed with -9
# and started again under the same name.
kill_restart() {
  local run=$1 role=$2 name=$3 at
  at_tweet "$4"
  shift 4
  at=$(run_at)
  kill -9 "${PID[$name]}"
  wait "${PID[$name]}" 2>/dev/null || true
  mv "$LS_WORK/$name.log" "$LS_WORK/$name-killed.log"
  echo "  $name killed with -9 at tweet $at (${AT_BY:-read})"
  node "$run" "$role" "$name" "$@"
}

# remove NAME AT: once the run is at AT tweets, NAME is stopped (SIGTERM) for good; its group's
# rebalance hands its partitions to the others.
remove() {
  local name=$1 had
  at_tweet "$2"
  had=$(ls_metric "$name" tweets_processed_total)
  check "$name removed: SIGTERM, exit status 0" ls_stop "${PID[$name]}"
  REMOVED_TWEETS=$((REMOVED_TWEETS + ${had:-0}))
  read -r -a ingest <<<"$(without "$name" "${ingest[@]}")"
  read -r -a pair <<<"$(without "$name" "${pair[@]}")"
  echo "  $name removed at tweet $(run_at) (${AT_BY:-read})"
}

cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; } # user + system seconds of a process

work() { # the work of each node and its CPU time (since its last start), for the README's figures
  local name
  for name in "$@"; do
    printf '  %-11s tweets %7s  actions %7s  text copies %6s  window rows %6s  pair sets %6s (revisions %s)  rejected %s  cpu %6s s\n' "$name" \
      "$(ls_metric "$name" tweets_processed_total)" "$(ls_metric "$name" actions_total)" "$(ls_metric "$name" text_action_copies_total)" \
      "$(ls_metric "$name" similar_window_rows)" "$(ls_metric "$name" pair_sets_total)" "$(ls_metric "$name" pair_revisions_total)" \
      "$(ls_metric "$name" rejected_total)" "$(cpu_s "${PID[$name]}")"
  done
}

stop() { local name; for name in "$@"; do check "$name: SIGTERM, exit status 0" ls_stop "${PID[$name]}"; done; }

# RUN MIN_JACCARD [OPTION...]: its campaigns are the reference's (compare_runs.py options); each
# reference campaign is named by the planted one it is, or as organic (the generator's truth)
same_campaigns() {
  local run=$1 min=$2
  shift 2
  ls_readers "$run"
  check "$run: the campaigns of one daemon (jaccard >= $min), none twice" python3 "$LS_SOURCE/tests/integration/compare_runs.py" \
    --min-jaccard "$min" --any-id --resent-epochs "$(ls_resent_epochs "$LS_WORK/$run"-cluster*.log)" \
    --truth "$LS_WORK/truth-one.json" "$@" "$LS_WORK/ref.topic" "$LS_WORK/ref.redis" "$LS_WORK/$run.topic" "$LS_WORK/$run.redis"
}

echo "# one daemon per role"
for role in cluster pair ingest; do node one "$role" "one-$role"; done
produce one --key author
check "the stream was produced at $PACE messages/s" wait "$GEN_PID"
echo "  stream: $(cat "$LS_WORK/gen-one.out")"
drained 300 one-ingest -- one-pair -- one-cluster
work one-ingest one-pair one-cluster
role_tables() { # each role allocates only its stages' tables (the start-up log's sizes)
  grep -q 'memory .* objects=0.0MiB .* graph=0.0MiB' "$LS_WORK/one-ingest.log" &&
    grep -q 'memory .* objects=[1-9][0-9.]*MiB .* graph=0.0MiB' "$LS_WORK/one-pair.log" &&
    grep -q 'memory .* objects=0.0MiB .* graph=[1-9][0-9.]*MiB' "$LS_WORK/one-cluster.log"
}
check "ingest holds no windows and no graph, pair no graph, cluster no windows" role_tables
kept_order() { # no stage stopped waiting for another (a busy stage repeats its watermark: stage_out.h)
  local name n=0
  for name in one-pair one-cluster; do n=$((n + $(ls_metric "$name" order_gave_up_total))); done
  grep -h 'stopped waiting for partition' "$LS_WORK"/one-*.log | sed 's/^/  /' >&2
  [ "$n" = 0 ]
}
check "the stages kept event-time order (order_gave_up_total 0 on pair and cluster)" kept_order
stop one-ingest one-pair one-cluster

if [ "$KILLS" = yes ]; then
  echo "# ingest and pair daemons added and removed mid-stream, one of each role killed; bad records"
else
  echo "# three ingest and three pair daemons, one cluster daemon; bad records"
fi
node six cluster six-cluster
at_start=3 # with kills, the third of each of ingest and pair joins mid-stream
[ "$KILLS" = yes ] && at_start=2
for i in $(seq "$at_start"); do node six pair "six-pair$i"; pair+=("six-pair$i"); done
SHARDS=(--set pipeline.text_shards="$LS_WORK/shards.st")
for i in $(seq "$at_start"); do node six ingest "six-ingest$i" "${SHARDS[@]}"; ingest+=("six-ingest$i"); done
printf 'not an action' | kcat -P -b "$BROKERS" -t six.actions -p 3
printf 'not a pair set' | kcat -P -b "$BROKERS" -t six.pairs -p 1
ready six-cluster "${pair[@]}" "${ingest[@]}"
produce six --key author
if [ "$KILLS" = yes ]; then
  at_tweet $((tweets / 8))
  node six pair six-pair3
  node six ingest six-ingest3 "${SHARDS[@]}"
  pair+=(six-pair3) ingest+=(six-ingest3)
  echo "  six-pair3 and six-ingest3 added at tweet $(run_at) (${AT_BY:-read})"
  kill_restart six ingest six-ingest2 $((tweets / 4)) "${SHARDS[@]}"
  kill_restart six pair six-pair3 $((tweets / 2))
  remove six-pair1 $((tweets * 5 / 8))
  kill_restart six cluster six-cluster $((tweets * 3 / 4))
  remove six-ingest1 $((tweets * 7 / 8))
fi
check "the stream was produced" wait "$GEN_PID"
drained 400 "${ingest[@]}" -- "${pair[@]}" -- six-cluster
work "${ingest[@]}" "${pair[@]}" six-cluster
for topic in six.actions:six.pair six.pairs:six.cluster; do # what a re-read after a hand-over could not find again
  echo "  ${topic%%:*}: $("$LS_TEST_BIN/kafka-offsets" "$BROKERS" "${topic#*:}" "${topic%%:*}" | sed -E 's/.*end=([0-9]+) partitions=([0-9]+) dropped=([0-9]+)/\3 of \1 records dropped by the broker (\2 partitions)/')"
done
# each read of them is dead-lettered and counted (rejected_total on the log line): a partition
# read again after a rebalance or a restart reads them again, and the stage goes on
check "the malformed action was dead-lettered and counted" grep -q 'rejected topic=six.actions .*not a lockstep.Action.*rejected_total=' "$LS_WORK"/six-pair*.log
check "the malformed pair set was dead-lettered and counted" grep -q 'rejected topic=six.pairs .*not a lockstep.PairSet.*rejected_total=' "$LS_WORK"/six-cluster*.log
grep -h "rejected topic=six" "$LS_WORK"/six-*.log | sed 's/^/  /'
only_planted_rejected() { ! grep -h "rejected topic=" "$LS_WORK"/one-*.log "$LS_WORK"/six-*.log | grep -vq 'not a lockstep.Action\|not a lockstep.PairSet'; }
check "no stage record but the malformed ones was rejected (revisions carry their late partner's tweet)" only_planted_rejected
dlq=$(kcat -C -b "$BROKERS" -t tweets.dlq -e -o beginning -q -f '%h\n')
check "the dead-letter topic holds both, with their reasons" \
  [ "$(echo "$dlq" | grep -c 'error=stage record: not a lockstep.Action')" -ge 1 ] && [ "$(echo "$dlq" | grep -c 'error=stage record: not a lockstep.PairSet')" -ge 1 ]
shard_windows() { # the pair daemons' windows: one per actions partition the sharded vectors reached, spread over them
  local windows holders
  windows=$(grep -ho 'similar-text window of actions partition [0-9]*' "$LS_WORK"/six-pair*.log | sort -u | wc -l)
  holders=$(grep -l 'similar-text window of actions partition' "$LS_WORK"/six-pair*.log | wc -l)
  echo "  $windows actions partitions have a co-similar-text window, over $holders pair daemon logs"
  [ "$windows" -ge 6 ] && [ "$holders" -ge 2 ] && ! grep -q 'similar-text window capacity' "$LS_WORK"/six-pair*.log
}
check "the six run's co-similar-text index is sharded over the pair daemons" shard_windows
if [ "$KILLS" = yes ]; then
  check "the restarted cluster daemon restored its checkpoint" grep -q "restored epoch" "$LS_WORK/six-cluster.log"
  handed_over() { # each ingest daemon given partitions merged their last owner's activity counts and read marks first, each pair daemon its read marks, every time
    grep -h "partitions handed over from" "$LS_WORK"/six-ingest*.log "$LS_WORK"/six-pair*.log | sed 's/^.*checkpoint: /  /' | sort | uniq -c
    grep -q "merged its activity counts and read marks" "$LS_WORK"/six-ingest*.log || return 1
    grep -q "merged its read marks" "$LS_WORK"/six-pair*.log || return 1
    ! grep -q "not merged" "$LS_WORK"/six-*.log
  }
  check "ingest and pair daemons handed partitions merged their last owners' activity counts (ingest) and read marks" handed_over
fi
stop "${ingest[@]}" "${pair[@]}" six-cluster

echo "# the reference: one daemon"
STREAM=one node ref all ref
until [ "$(LS_PREFIX=ref: ls_stat tweets_processed)" = "$tweets" ] && [ "$(LS_PREFIX=ref: ls_stat backlog)" = 0 ]; do
  kill -0 "${PID[ref]}" 2>/dev/null || fail "ref: lockstepd exited early"
  sleep 0.3
done
sleep 2
work ref
stop ref
ls_readers ref
same_campaigns one 0.95
same_campaigns six 0.95
