#!/usr/bin/env bash
# Integration: lockstep-gen's contract, not detection quality. A stream with every campaign kind
# (--kinds all) lists each kind in its truth, has minute-resolution times where the kind says so,
# and replays through lockstepd without a rejected record; too few --tweets is a clear error,
# never a negative count; --mix on a small hand-made IRA-style CSV (quoted fields with commas,
# doubled quotes and a line break; Cyrillic and German text) yields the expected "trolls" and
# "coacting" accounts, replays without rejects, and a malformed CSV is an error naming its line.
. "$(dirname "$0")/common.sh"

GEN="$LS_BIN/lockstep-gen"
FIXTURE="$LS_SOURCE/tests/fixtures/ira-mini.csv"
no_rejects() { # REPLAY_LOG DEAD_LETTERS
  grep -q "done tweets=.* rejected=0 " "$1" && [ ! -s "$2" ]
}
quiet() { "$@" >/dev/null 2>&1; }
no_negative() { ! grep -qE -- '(^| |\()-[0-9]' "$1"; }

# --- every kind ---------------------------------------------------------------------------------
"$GEN" --seed 4 --kinds all --tweets 30000 --rate 8 --out "$LS_WORK/all.jsonl" --truth "$LS_WORK/all.json" \
  >"$LS_WORK/all.out" 2>"$LS_WORK/all.log" || fail "lockstep-gen --kinds all failed"
for k in copy-paste rt-ring link-farm paraphrase hashtag jitter slow-drip mixed minute-ring minute-copy rotation \
  homoglyph invisible fonts noisy link-variants multilingual; do
  grep -q "\"kind\":\"$k\"" "$LS_WORK/all.json" || fail "the truth of --kinds all has no $k campaign"
done
echo "ok - the truth of --kinds all lists all 17 kinds"
check "the summary line has no negative count" no_negative "$LS_WORK/all.log"
check "the stream has as many messages as the summary says" \
  test "$(wc -l <"$LS_WORK/all.jsonl")" -eq "$(grep -oE '"messages": [0-9]+' "$LS_WORK/all.out" | grep -oE '[0-9]+$')"
minute_kinds=$(grep -c ':00.000Z' "$LS_WORK/all.jsonl")
check "minute-ring and minute-copy tweets carry minute-resolution times" test "$minute_kinds" -gt 100
check "--kinds takes a list and keeps its order" \
  quiet "$GEN" --kinds fonts,rotation --campaigns 3 --tweets 20000 --out "$LS_WORK/two.jsonl" --truth "$LS_WORK/two.json"
check "... (fonts, rotation, fonts)" grep -qE '"kind":"fonts".*"kind":"rotation".*"kind":"fonts"' "$LS_WORK/two.json"
if "$GEN" --kinds copy-paste,nonsense --out "$LS_WORK/x.jsonl" 2>"$LS_WORK/bad-kind.log"; then fail "an unknown kind was accepted"; fi
check "an unknown kind is named in the error" grep -q 'no kind "nonsense"' "$LS_WORK/bad-kind.log"
"$LS_BIN/lockstepd" --replay "$LS_WORK/all.jsonl" --out "$LS_WORK/all-events.jsonl" --dead-letter "$LS_WORK/all-dead.jsonl" \
  2>"$LS_WORK/all-replay.log" || fail "replay of --kinds all failed"
check "lockstepd replays the --kinds all stream without a reject" no_rejects "$LS_WORK/all-replay.log" "$LS_WORK/all-dead.jsonl"

# --- too few tweets -------------------------------------------------------------------------------
rc=0
"$GEN" --tweets 5000 --out "$LS_WORK/few.jsonl" >/dev/null 2>"$LS_WORK/few.log" || rc=$?
check "too few --tweets for the campaigns is a usage error (exit 2)" test "$rc" -eq 2
check "... that says what the campaigns need" grep -q "more than --tweets 5000" "$LS_WORK/few.log"
check "... with no negative count" no_negative "$LS_WORK/few.log"

# --- the IRA mix ------------------------------------------------------------------------------------
"$GEN" --mix "$FIXTURE" --tweets 2000 --no-hard-organic --out "$LS_WORK/mix.jsonl" --truth "$LS_WORK/mix.json" \
  >/dev/null 2>"$LS_WORK/mix.log" || fail "lockstep-gen --mix failed"
check "the mix's summary line has no negative count" no_negative "$LS_WORK/mix.log"
check "the mix holds the background and the 21 rows" test "$(wc -l <"$LS_WORK/mix.jsonl")" -eq 2021
# handle -> id, from the stream's users
grep -oE '"id":"[0-9]+","username":"[^"]*"' "$LS_WORK/mix.jsonl" | sed -E 's/"id":"([0-9]+)","username":"([^"]*)"/\2 \1/' |
  sort -u >"$LS_WORK/users.txt"
id_of() { awk -v u="$1" '$1 == u { print $2 }' "$LS_WORK/users.txt"; }
ids_in() { grep -oE "\"$1\":\[[^]]*\]" "$LS_WORK/mix.json" | grep -oE '[0-9]{6,}' | sort; }
expected=$(for u in alice_troll bob_troll carol_patriot dave_patriot; do id_of "$u"; done | sort)
check "the co-acting accounts are the two retweeting pairs and the two posting pairs" \
  test "$(ids_in coacting)" = "$expected" -a "$(wc -l <<<"$expected")" -eq 4
check "the trolls are the file's 10 accounts" test "$(ids_in trolls | wc -l)" -eq 10
check "troll ids are in their own range (1e12..)" test "$(id_of bob_troll | cut -c1-2)" = 10
check "a long handle is cut to 15 characters" grep -q '"username":"a_very_long_han"' "$LS_WORK/mix.jsonl"
check "a quoted field keeps its comma, doubled quotes and line break" \
  grep -q '"text":"Hello, world\\nthis post has a line break, and a comma"' "$LS_WORK/mix.jsonl"
check "... and doubled quotes" grep -q 'They said \\"never again\\" and' "$LS_WORK/mix.jsonl"
check "archive times keep minute resolution" grep -q '"created_at":"2016-03-01T10:02:00.000Z"' "$LS_WORK/mix.jsonl"
retweeted() { grep -F "$1" "$LS_WORK/mix.jsonl" | grep -oE '"retweeted","id":"[0-9]+"' | sort | uniq -c; }
check "the three retweets of one text retweet one tweet" test "$(retweeted 'They said \"never again' | awk '{ print $1 }')" = 3
check "... and the hashtags are taken from the text" grep -qF '"hashtags":[{"tag":"Scandal"},{"tag":"Vote2016"}]' "$LS_WORK/mix.jsonl"
check "... and links too" grep -qF '"urls":[{"expanded_url":"https://t.co/AbC123"}]' "$LS_WORK/mix.jsonl"
check "the truth names the day" grep -q '"day":"2016-03-01"' "$LS_WORK/mix.json"
"$LS_BIN/lockstepd" --replay "$LS_WORK/mix.jsonl" --out "$LS_WORK/mix-events.jsonl" --dead-letter "$LS_WORK/mix-dead.jsonl" \
  2>"$LS_WORK/mix-replay.log" || fail "replay of the mix failed"
check "lockstepd replays the mix without a reject" no_rejects "$LS_WORK/mix-replay.log" "$LS_WORK/mix-dead.jsonl"
check "lockstep-eval reads the mix's truth" \
  bash -c "'$LS_BIN/lockstep-eval' --events '$LS_WORK/mix-events.jsonl' --truth '$LS_WORK/mix.json' --json | grep -q '\"coacting_trolls\": 4'"

# CRLF records read as LF ones; a quote left open is an error naming where the field began
{ head -n 1 "$FIXTURE"; sed -n '2,3p' "$FIXTURE"; } | sed 's/$/\r/' >"$LS_WORK/crlf.csv"
check "CRLF line ends are read" quiet "$GEN" --mix "$LS_WORK/crlf.csv" --tweets 200 --no-hard-organic --out "$LS_WORK/crlf.jsonl"
check "... without a carriage return in the fields" grep -qF 'before they delete it","lang":"en"' "$LS_WORK/crlf.jsonl"
{ head -n 3 "$FIXTURE"; echo 'x,y,"never closed,English,2016-03-01 10:00:00,,0,1,1,1'; } >"$LS_WORK/open.csv"
rc=0
"$GEN" --mix "$LS_WORK/open.csv" --tweets 200 --no-hard-organic --out "$LS_WORK/open.jsonl" 2>"$LS_WORK/open.log" || rc=$?
check "an unclosed quote is an error (exit 2)" test "$rc" -eq 2
check "... naming line 4" grep -q "line 4: a quoted field is not closed" "$LS_WORK/open.log"
