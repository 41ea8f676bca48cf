# common.sh — sourced by the integration tests: a scratch directory, the shared service helpers,
# assertions, and cleanup of everything started (always, also on failure). The scratch directory
# and its logs are kept when a test fails, or always with LS_KEEP_WORK=1.
set -euo pipefail
: "${LS_BIN:?LS_BIN must point at the build directory}"
: "${LS_SOURCE:?LS_SOURCE must point at the source tree}"
LS_WORK=$(mktemp -d /tmp/lockstep-test.XXXXXX)
. "$LS_SOURCE/tools/services.sh"
ls_cleanup() {
  local rc=$?
  ls_stop_all
  if [ $rc -ne 0 ]; then
    echo "FAILED: logs kept in $LS_WORK" >&2
    tail -n 30 "$LS_WORK"/*.log >&2 || true
  elif [ -n "${LS_KEEP_WORK:-}" ]; then
    echo "logs kept in $LS_WORK" >&2
  else
    rm -rf "$LS_WORK"
  fi
}
trap ls_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; if "$@"; then echo "ok - $what"; else fail "$what"; fi; }
# ls_wait_log FILE REGEX TIMEOUT_S — until FILE has a line matching REGEX (grep -E); returns 1 on timeout.
ls_wait_log() {
  local end=$((SECONDS + $3))
  until grep -qsE "$2" "$1"; do [ $SECONDS -lt $end ] || return 1; sleep 0.1; done
}

# Every signal window at one minute (the defaults reach ten): offsets trail event time by the
# longest window and detect.lateness_s, and the tests' streams span a few minutes.
ONE_MINUTE_WINDOWS=(--set co_retweet.window_s=60 --set co_reply.window_s=60 --set co_tweet.window_s=60
                    --set co_similar_text.window_s=60 --set co_link.window_s=60 --set co_hashtag.window_s=60)

# ls_metric_series NAME SERIES — the series lockstep_SERIES of daemon NAME's /metrics, one per
# line with its labels and value (none until the endpoint answers).
ls_metric_series() {
  local port
  port=$(ls_http_port "$1") || return 0
  python3 "$LS_SOURCE/tests/integration/http_probe.py" get "$port" /metrics 2>/dev/null |
    awk -v m="lockstep_$2" '$1 == m || index($1, m "{") == 1 {print $1, $2}' || true
}

# ls_metric NAME SERIES — the sum of series lockstep_SERIES of daemon NAME's /metrics over its
# labels (empty until the endpoint answers).
ls_metric() { ls_metric_series "$1" "$2" | awk '{n += $2; seen = 1} END {if (seen) printf "%d", n}'; }

# ls_metric_nonzero NAME SERIES — those of its series that are not 0 (what a failure report
# names: which partition lags).
ls_metric_nonzero() { ls_metric_series "$1" "$2" | awk '$2 != 0'; }

# ls_readers NAME — what readers of run NAME see (compare_runs.py reads both): topic
# campaigns.NAME read committed, each event's Kafka headers, a tab and its value, in
# $LS_WORK/NAME.topic; the campaign_id and version of each entry of Redis's NAME:events stream in
# $LS_WORK/NAME.redis.
ls_readers() {
  kcat -C -b "$BROKERS" -t "campaigns.$1" -X isolation.level=read_committed -e -o beginning -q -f '%h\t%s\n' >"$LS_WORK/$1.topic"
  redis-cli -p "$REDIS_PORT" --raw XRANGE "$1:events" - + |
    awk '$0 == "campaign_id" {getline id} $0 == "version" {getline v; print id, v}' >"$LS_WORK/$1.redis"
}

# ls_resent_epochs LOG... — the epochs restarted daemons sent again because their commit had not
# happened, comma-separated (compare_runs.py --resent-epochs).
ls_resent_epochs() { { grep -hos 'epoch [0-9]* was stored but not committed' "$@" || true; } | awk '{print $2}' | sort -un | paste -sd, -; }
