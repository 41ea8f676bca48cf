#!/usr/bin/env bash
# Integration: SIGHUP re-reads the configuration file. A daemon reading a stream with campaigns
# is told detect.min_score = 1.0 (no group can reach it) together with a new kafka.brokers: the
# score takes effect at once (a second stream of the same campaigns brings no campaign event) and
# the brokers are named once as needing a restart and kept; the windows and campaigns are kept
# (the same campaigns stay active). Told 0.3 again, a third stream brings events again. A file
# that does not parse is refused with the line and key, and the running configuration stays.
. "$(dirname "$0")/common.sh"

ls_start_redis
ls_start_broker tweets:4 tweets.dlq:1 campaigns:2 lockstep.epochs:1
CONF=$LS_WORK/lockstep.conf
write_conf() { printf '[detect]\nmin_score = %s\n[kafka]\nbrokers = %s\n[log]\nlevel = info\n' "$1" "$2" >"$CONF"; }
write_conf 0.3 "$BROKERS"
# the brokers come from the file, so that a change there is seen (ls_start_daemon's --set would win)
"$LS_BIN/lockstepd" --config "$CONF" --set "redis.port=$REDIS_PORT" --set metrics.interval_s=1 --set http.listen=127.0.0.1:0 \
  --set kafka.session_timeout_ms=6000 "${ONE_MINUTE_WINDOWS[@]}" 2>"$LS_WORK/reload.log" &
DAEMON_PID=$!
LS_PIDS+=("$DAEMON_PID")
sent=0
# stream SEED START — 20,000 tweets with 3 planted campaigns; waits until the daemon has drained them
stream() {
  local summary
  summary=$("$LS_BIN/lockstep-gen" --seed "$1" --tweets 20000 --campaigns 3 --start "$2" --brokers "$BROKERS" --format protobuf 2>/dev/null)
  sent=$((sent + $(sed -E 's/.*"messages": ([0-9]+).*/\1/' <<<"$summary")))
  ls_wait_drained "$sent" 120 >/dev/null
}
# the streams follow each other in event time, ten minutes apart
check "a first stream is processed" stream 7 2024-03-01T12:00:00Z
sleep 3 # the idle clustering round and the next stats tick
opened=$(ls_stat campaigns_opened)
active=$(ls_stat campaigns_active)
events=$(ls_stat events)
echo "  $opened campaigns opened, $active active, $events events"
[ "$opened" -gt 0 ] || fail "no campaign in the first stream"

write_conf 1.0 127.0.0.1:1
kill -HUP "$DAEMON_PID"
check "the new score is in effect" ls_wait_log "$LS_WORK/reload.log" "info reload: in effect: detect.min_score" 10
check "the new brokers are named as needing a restart, and kept" \
  grep -q "warn reload: changed but only a restart applies them, kept as they were: kafka.brokers" "$LS_WORK/reload.log"
check "a second stream is processed (the old brokers kept)" stream 8 2024-03-01T12:10:00Z
sleep 3 # the idle clustering round and the next stats tick
check "  ... and brings no campaign event at min_score 1.0" [ "$(ls_stat events)" = "$events" ]
check "the campaigns were kept through the reload" [ "$(ls_stat campaigns_active)" -ge "$active" ]

printf '[detect]\nmin_score = high\n' >"$CONF"
kill -HUP "$DAEMON_PID"
check "a broken file is refused with its line and key" \
  ls_wait_log "$LS_WORK/reload.log" "error reload: .*lockstep.conf:2: detect.min_score: \"high\" is not a number: the running configuration is kept" 10

write_conf 0.3 "$BROKERS"
kill -HUP "$DAEMON_PID"
# the first reload logged the same line: wait for the second, or the third stream may be read
# before this reload is applied (at the daemon's next tick)
in_effect() { for _ in $(seq 1 100); do [ "$(grep -c 'info reload: in effect: detect.min_score$' "$LS_WORK/reload.log")" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
check "back to 0.3" in_effect 2
check "a third stream is processed" stream 9 2024-03-01T12:20:00Z
# more_events — within 15 s (the idle clustering round, then the next stats tick), events > before
more_events() { for _ in $(seq 1 15); do [ "$(ls_stat events)" -gt "$events" ] && return 0; sleep 1; done; return 1; }
check "  ... and brings campaign events again" more_events
check "SIGTERM: clean exit" ls_stop "$DAEMON_PID"
