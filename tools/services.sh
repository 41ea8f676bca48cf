# services.sh — shared by the demo, the benchmarks and the integration tests: starts a real
# redis-server and lockstep-broker on free loopback ports inside a work directory, waits for the
# daemon to drain a stream, and stops everything it started (trap ls_stop_all EXIT).
# Source it; requires LS_BIN (the build's binary directory) and LS_WORK (a scratch directory).

LS_PIDS=()

ls_free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

ls_start_redis() {
  command -v redis-server >/dev/null || { echo "redis-server is not installed (make deps)" >&2; return 1; }
  for _ in 1 2 3; do
    REDIS_PORT=$(ls_free_port) || return 1
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$LS_WORK" \
      --logfile "$LS_WORK/redis.log" --daemonize no "$@" &
    REDIS_PID=$!
    LS_PIDS+=("$REDIS_PID")
    for _ in $(seq 1 50); do
      case $(redis-cli -p "$REDIS_PORT" ping 2>&1) in PONG | LOADING* | NOAUTH*) return 0 ;; esac # up: reading its dataset, or wants AUTH
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
  done
  echo "redis-server did not start (see $LS_WORK/redis.log)" >&2
  return 1
}

# ls_start_broker TOPIC[:PARTITIONS]... — sets BROKERS
ls_start_broker() {
  local args=()
  for t in "$@"; do args+=(--topic "$t"); done
  "$LS_BIN/lockstep-broker" "${args[@]}" >"$LS_WORK/broker.out" 2>"$LS_WORK/broker.log" &
  BROKER_PID=$!
  LS_PIDS+=("$BROKER_PID")
  for _ in $(seq 1 100); do
    BROKERS=$(head -n1 "$LS_WORK/broker.out" 2>/dev/null)
    [ -n "$BROKERS" ] && return 0
    sleep 0.1
  done
  echo "lockstep-broker did not start (see $LS_WORK/broker.log)" >&2
  return 1
}

# ls_start_daemon NAME [lockstepd args...] — sets DAEMON_PID; log in $LS_WORK/NAME.log
ls_start_daemon() {
  local name=$1
  shift
  "$LS_BIN/lockstepd" --set "kafka.brokers=$BROKERS" --set "redis.port=$REDIS_PORT" --set metrics.interval_s=1 --set http.listen=127.0.0.1:0 \
    --set kafka.session_timeout_ms=6000 "$@" 2>"$LS_WORK/$name.log" &
  DAEMON_PID=$!
  LS_PIDS+=("$DAEMON_PID")
}

# ls_stat FIELD — a counter of the daemon's stats hash; empty while Redis cannot answer (LOADING).
ls_stat() { redis-cli -p "$REDIS_PORT" HGET "${LS_PREFIX:-lockstep:}stats" "$1" 2>/dev/null | grep -E '^-?[0-9]+$' || true; }

# ls_wait_drained MESSAGES TIMEOUT_S — until the daemon has received MESSAGES, has an empty
# backlog, no message waiting in its event-time merge, and holds no offsets; prints progress.
# Fails on timeout or if the daemon died.
ls_wait_drained() {
  local want=$1 limit=$2 start=$SECONDS got backlog waiting held last=-1
  while :; do
    got=$(ls_stat messages_received); backlog=$(ls_stat backlog); waiting=$(ls_stat waiting); held=$(ls_stat offsets_held)
    if [ "${got:-0}" -ge "$want" ] && [ "${backlog:-1}" = 0 ] && [ "${waiting:-1}" = 0 ] && [ "${held:-1}" = 0 ]; then
      echo "  drained: ${got} messages received, $(ls_stat tweets_processed) tweets processed"
      return 0
    fi
    kill -0 "$DAEMON_PID" 2>/dev/null || { echo "lockstepd exited early" >&2; return 1; }
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "timed out after ${limit}s: received=${got:-0}/$want backlog=${backlog:-?} offsets_held=${held:-?}" >&2
      return 1
    fi
    if [ "${got:-0}" != "$last" ]; then
      echo "  ... ${got:-0}/$want messages received, $(ls_stat campaigns_active) active campaigns"
      last=${got:-0}
    fi
    sleep 1
  done
}

# ls_stop PID — SIGTERM, wait up to 120 s (then -9: a failure), return the exit status.
ls_stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  ls_reap 120 "$pid" || { wait "$pid" 2>/dev/null; return 1; }
  wait "$pid"
}

# ls_reap SECONDS PID... — waits up to SECONDS for the PIDs to exit; those still running then are
# named on stderr and killed with -9 (a stop that hangs is a failure to report, not to wait out).
# @returns 0 when all had exited, 1 otherwise.
ls_reap() {
  local end=$((SECONDS + $1)) pid left
  shift
  while :; do
    left=()
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && return 0
    [ $SECONDS -lt $end ] || break
    sleep 0.1
  done
  for pid in "${left[@]}"; do
    echo "process $pid ($(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-120)) did not stop after SIGTERM: killed with -9" >&2
    kill -KILL "$pid" 2>/dev/null || true
  done
  return 1
}

# ls_stop_all — SIGTERM to every process started here: the daemons and tools first, then Redis and
# the broker they drain into (a daemon whose broker went first waits on what it cannot deliver).
ls_stop_all() {
  local pid users=() services=()
  for pid in "${LS_PIDS[@]}"; do
    if [ "$pid" = "${REDIS_PID:-}" ] || [ "$pid" = "${BROKER_PID:-}" ]; then services+=("$pid"); else users+=("$pid"); fi
  done
  ls_stop_group 120 "${users[@]}"
  ls_stop_group 30 "${services[@]}"
  LS_PIDS=()
}

# ls_stop_group SECONDS PID... — SIGTERM to each, reaped within SECONDS (ls_reap).
ls_stop_group() {
  local limit=$1 pid
  shift
  [ $# -gt 0 ] || return 0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  ls_reap "$limit" "$@" || true
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# ls_http_port NAME — the port the daemon NAME's HTTP endpoint bound (http.listen=...:0), from its log.
ls_http_port() {
  local port
  for _ in $(seq 1 100); do
    port=$(grep -oE "info http: serving .* \(port [0-9]+\)" "$LS_WORK/$1.log" 2>/dev/null | grep -oE "[0-9]+\)$" | tr -d ')')
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  return 1
}
