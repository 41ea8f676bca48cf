#!/usr/bin/env bash
# ira-eval.sh — the detector on real coordinated behaviour: each day of the Internet Research
# Agency archive (ira-*.csv) mixed into a synthetic organic background of the same span
# (lockstep-gen --mix), replayed through lockstepd, and scored by lockstep-eval against the
# generator's truth (troll accounts, and those that co-acted with another troll on at least two
# objects within five minutes). One row per day.
#
# Usage: tools/ira-eval.sh BUILD_DIR [DAYS_DIR] [ORGANIC_TWEETS]
#   BUILD_DIR       where lockstep-gen, lockstepd and lockstep-eval were built
#   DAYS_DIR        the ira-*.csv files (default: $IRA_DAYS, else ../shared/data/ira-dev beside the
#                   repository)
#   ORGANIC_TWEETS  the generated background per day (default 1000000)
# Environment: IRA_OUT=FILE also writes one JSON object per day (lockstep-eval --json, with
# "file" added) to FILE; LOCKSTEPD_ARGS adds arguments to lockstepd (e.g. --set k=v).
# Prints a markdown table on standard output, progress on standard error.
set -euo pipefail
usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; }
case "${1:-}" in -h | --help) usage; exit 0 ;; "") usage >&2; exit 2 ;; esac
BIN=$(cd "$1" && pwd) || { echo "ira-eval: no build directory $1" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DAYS=${2:-${IRA_DAYS:-$ROOT/../shared/data/ira-dev}}
N=${3:-1000000}
for p in lockstep-gen lockstepd lockstep-eval; do
  [ -x "$BIN/$p" ] || { echo "ira-eval: $BIN/$p is missing (build it first)" >&2; exit 2; }
done
shopt -s nullglob
files=("$DAYS"/ira-*.csv)
[ ${#files[@]} -gt 0 ] || { echo "ira-eval: no ira-*.csv in $DAYS (give DAYS_DIR or set IRA_DAYS)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/lockstep-ira.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -z "${IRA_OUT:-}" ] || : >"$IRA_OUT"

# The first value of "key" in a flat JSON text (numbers and strings).
field() { grep -oE "\"$1\": (\"[^\"]*\"|-?[0-9.]+)" <<<"$2" | head -n1 | sed -E 's/^[^:]*: "?//; s/"$//'; }
pct() { awk -v x="$1" 'BEGIN { printf "%.1f%%", 100 * x }'; }

echo "| day | troll tweets | trolls | co-acting | co-acting flagged | recall | other trolls flagged | organic flagged | mostly-organic campaigns | campaigns | operations | co-acting in largest |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in "${files[@]}"; do
  name=$(basename "$f" .csv)
  echo "ira-eval: $name: generating ($N organic tweets)" >&2
  "$BIN/lockstep-gen" --mix "$f" --tweets "$N" --out "$WORK/tweets.jsonl" --truth "$WORK/truth.json" >/dev/null 2>"$WORK/gen.log" ||
    { cat "$WORK/gen.log" >&2; exit 1; }
  echo "ira-eval: $name: replaying" >&2
  # shellcheck disable=SC2086 # LOCKSTEPD_ARGS is split on purpose
  "$BIN/lockstepd" --replay "$WORK/tweets.jsonl" --out "$WORK/events.jsonl" --set redis.enabled=false \
    --set kafka.output_enabled=false ${LOCKSTEPD_ARGS:-} 2>"$WORK/replay.log" || { tail -n 20 "$WORK/replay.log" >&2; exit 1; }
  grep "done tweets" "$WORK/replay.log" | sed "s/^/ira-eval: $name: /" >&2 || true
  score=$("$BIN/lockstep-eval" --events "$WORK/events.jsonl" --truth "$WORK/truth.json" --json)
  troll_tweets=$(grep -oE '"troll_tweets": *[0-9]+' "$WORK/truth.json" | grep -oE '[0-9]+$')
  ira=$(grep -oE '"ira": \{.*\}' <<<"$score")
  [ -n "$ira" ] || { echo "ira-eval: $name: lockstep-eval gave no archive scores" >&2; exit 1; }
  echo "| $(field day "$ira") | $troll_tweets | $(field troll_accounts "$ira") | $(field coacting_trolls "$ira") |" \
    "$(field coacting_flagged "$ira") | $(pct "$(field coacting_recall "$ira")") | $(field other_trolls_flagged "$ira") |" \
    "$(field organic_flagged "$ira") | $(field organic_campaigns "$ira") | $(field campaigns_reported "$ira") |" \
    "$(field operations_reported "$ira") | $(field coacting_in_largest "$ira") ($(pct "$(field coacting_in_largest_share "$ira")")) |"
  [ -z "${IRA_OUT:-}" ] || printf '{"file": "%s", "troll_tweets": %s, %s\n' "$name" "$troll_tweets" "${score#\{}" >>"$IRA_OUT"
done
