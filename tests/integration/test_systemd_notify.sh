#!/usr/bin/env bash
# Integration: the Type=notify protocol of deploy/lockstepd.service — lockstepd tells the service
# manager READY=1 once running, STATUS= with its rate, WATCHDOG=1 pings, and STOPPING=1 on the
# way out. A helper binds the notification socket in place of systemd.
. "$(dirname "$0")/common.sh"
"$LS_BIN/lockstep-gen" --tweets 60000 --campaigns 2 --out "$LS_WORK/tweets.jsonl" >/dev/null 2>&1
"$LS_TEST_BIN/notify-listen" "$LS_WORK/notify.sock" 120 >"$LS_WORK/notify.txt" &
LS_PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$LS_WORK/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$LS_WORK/notify.sock" "$LS_BIN/lockstepd" --replay "$LS_WORK/tweets.jsonl" --out /dev/null \
  --set metrics.interval_s=1 --set detect.window_capacity=65536 2>"$LS_WORK/daemon.log"
sleep 0.5
check "READY=1 sent" grep -qx "READY=1" "$LS_WORK/notify.txt"
check "STATUS= with the rate" grep -q "^STATUS=[0-9]* tweets, [0-9]*/s" "$LS_WORK/notify.txt"
check "watchdog pinged" grep -qx "WATCHDOG=1" "$LS_WORK/notify.txt"
check "STOPPING=1 last" [ "$(tail -n1 "$LS_WORK/notify.txt")" = "STOPPING=1" ]
check "READY came before STOPPING" [ "$(grep -nx READY=1 "$LS_WORK/notify.txt" | cut -d: -f1)" -lt "$(grep -nx STOPPING=1 "$LS_WORK/notify.txt" | cut -d: -f1)" ]

# Waiting for Redis to restore the checkpoint: not ready, and says why while extending the start
# timeout (TimeoutStartSec would otherwise kill a daemon that only waits); a stop then is clean.
"$LS_TEST_BIN/notify-listen" "$LS_WORK/wait.sock" 120 >"$LS_WORK/wait.txt" &
LS_PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$LS_WORK/wait.sock" ] && break; sleep 0.1; done
REDIS_PORT=$(ls_free_port)
BROKERS=127.0.0.1:$(ls_free_port)
NOTIFY_SOCKET="$LS_WORK/wait.sock" ls_start_daemon waiting
check "STATUS= says it waits for Redis" ls_wait_log "$LS_WORK/wait.txt" "^STATUS=waiting for Redis to restore the checkpoint" 20
check "the start timeout is extended" grep -q "^EXTEND_TIMEOUT_USEC=[0-9]*$" "$LS_WORK/wait.txt"
check "not READY while it waits" bash -c "! grep -qx READY=1 '$LS_WORK/wait.txt'"
check "SIGTERM while it waits: exit 0" ls_stop "$DAEMON_PID"
check "... saying nothing was read" grep -q "stopped before the checkpoint was restored: no tweet was read" "$LS_WORK/waiting.log"
