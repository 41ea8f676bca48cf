#!/usr/bin/env bash
# Integration: messages built to stall a consumer, and a broker that freezes. On one partition of
# a live topic: a valid 1 MiB page of 11,000+ tweets (with their users), 500 KB of garbage and a
# deeply nested JSON array, between ordinary tweets. The daemon decodes the page, dead-letters the
# other two with their reasons and keeps reading every partition. Then the broker is frozen with
# SIGSTOP for 10 s mid-stream and thawed: the daemon survives it, reads the rest and stops cleanly.
. "$(dirname "$0")/common.sh"

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:4
ls_start_daemon lockstepd "${ONE_MINUTE_WINDOWS[@]}" --set kafka.output_enabled=false

first=$("$LS_BIN/lockstep-gen" --seed 5 --tweets 10000 --campaigns 2 --no-hard-organic --brokers "$BROKERS" --format protobuf 2>"$LS_WORK/gen1.log")
page_tweets=$(python3 - "$LS_WORK" <<'PY'
import json, sys
work = sys.argv[1]
tweets, users, size = [], [], 0
while size < (1 << 20) - 4096:  # a twarc2-style page just under input.max_message_bytes
    i = len(tweets) + 1
    t = {"id": str(9000000000 + i), "author_id": str(8000000000 + i), "created_at": "2024-01-01T00:00:00.000Z", "text": "page tweet %d" % i}
    u = {"id": str(8000000000 + i), "username": "pageuser%d" % i, "created_at": "2020-01-01T00:00:00.000Z"}
    tweets.append(t); users.append(u)
    size += len(json.dumps(t)) + len(json.dumps(u)) + 4
open(work + "/page.json", "w").write(json.dumps({"data": tweets, "includes": {"users": users}}))
open(work + "/garbage.bin", "wb").write(bytes((i * 7919) % 251 for i in range(500000)))
open(work + "/nested.json", "w").write("[" * 200000 + "]" * 200000)
print(len(tweets))
PY
)
for f in page.json garbage.bin nested.json; do
  kcat -P -b "$BROKERS" -t tweets -p 0 -X message.max.bytes=2000000 "$LS_WORK/$f" || fail "kcat could not produce $f"
done
echo "  poison: a page of $page_tweets tweets ($(stat -c %s "$LS_WORK/page.json") bytes), 500000 bytes of garbage, 400000 bytes of nesting"
second=$("$LS_BIN/lockstep-gen" --seed 6 --tweets 10000 --campaigns 2 --no-hard-organic --brokers "$BROKERS" --format protobuf 2>"$LS_WORK/gen2.log")
messages=$(( $(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$first") + 3 + $(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$second") ))
ls_wait_drained "$messages" 120
check "the page's $page_tweets tweets and the 20000 others processed" [ $(( $(ls_stat tweets_processed) + $(ls_stat duplicates) )) = $((20000 + page_tweets)) ]
check "garbage and nesting rejected" [ "$(ls_stat rejected)" = 2 ]
for _ in $(seq 1 100); do [ "$(ls_stat dead_lettered)" = 2 ] && break; sleep 0.1; done # counted on delivery
check "both dead-lettered (dlq_errors=$(ls_stat dlq_errors))" [ "$(ls_stat dead_lettered)" = 2 ]
kcat -C -b "$BROKERS" -t tweets.dlq -e -o beginning -q -f '%h\n' >"$LS_WORK/dlq.headers"
check "the dead letters say why" grep -q "nesting too deep" "$LS_WORK/dlq.headers"

echo "-- the broker frozen (SIGSTOP) for 10 s mid-stream"
"$LS_BIN/lockstep-gen" --seed 7 --tweets 20000 --campaigns 2 --no-hard-organic --brokers "$BROKERS" --format protobuf >/dev/null 2>"$LS_WORK/gen3.log"
until [ "$(ls_stat tweets_processed)" -gt $((20000 + page_tweets + 2000)) ] 2>/dev/null; do sleep 0.1; done
kill -STOP "$BROKER_PID"
sleep 10
check "the daemon survives a frozen broker" kill -0 "$DAEMON_PID"
kill -CONT "$BROKER_PID"
ls_wait_drained $((messages + 20000)) 180
# a rebalance during the freeze has the partitions read again from their committed offsets, and
# those messages count as received again: the tweets themselves say when the rest is read
counted() { echo $(($(ls_stat tweets_processed) + $(ls_stat duplicates))); }
for _ in $(seq 1 300); do [ "$(counted)" -ge $((40000 + page_tweets)) ] && break; sleep 0.2; done
check "every tweet after the thaw processed, once" [ "$(counted)" = $((40000 + page_tweets)) ]
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
