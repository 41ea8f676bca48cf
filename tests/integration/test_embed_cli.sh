#!/usr/bin/env bash
# Integration: lockstep-embed — one vector per input line, the daemon's normalisation (a retweet
# prefix, a mention and a URL do not change the vector), a valid .npy file, and clear refusals.
. "$(dirname "$0")/common.sh"
E="$LS_BIN/lockstep-embed"
printf 'RT @someone: Vote NOW for the honest candidate https://t.co/abc\nvote now for the honest candidate\nthe match last night was great\n' \
  | "$E" >"$LS_WORK/v.json" 2>"$LS_WORK/embed.log"
check "one JSON array per input line" [ "$(grep -c '^\[.*\]$' "$LS_WORK/v.json")" = 3 ]
check "256 numbers per vector (embed.dim)" [ "$(head -n1 "$LS_WORK/v.json" | tr ',' '\n' | wc -l)" = 256 ]
check "normalised copies get the same vector" [ "$(sed -n 1p "$LS_WORK/v.json")" = "$(sed -n 2p "$LS_WORK/v.json")" ]
check "different texts get different vectors" [ "$(sed -n 1p "$LS_WORK/v.json")" != "$(sed -n 3p "$LS_WORK/v.json")" ]
check "model, backend and rate reported" grep -q "model=hash dim=256 backend=cpu texts=3 .*rate=" "$LS_WORK/embed.log"
printf 'one\ntwo\nthree\nfour\nfive\n' | "$E" --dim 64 --format npy --out "$LS_WORK/v.npy" 2>/dev/null
check ".npy magic and version" [ "$(head -c 8 "$LS_WORK/v.npy" | od -An -c | tr -d ' ')" = '223NUMPY001\0' ]
check ".npy shape in the header" grep -q "'shape': (5, 64)" "$LS_WORK/v.npy"
check ".npy size: 128-byte header + 5 x 64 float32" [ "$(stat -c %s "$LS_WORK/v.npy")" = $((128 + 5 * 64 * 4)) ]
rc=0; "$E" --tokenize </dev/null 2>"$LS_WORK/err.txt" || rc=$?
check "--tokenize without a vocabulary is refused" [ "$rc" = 2 ] && grep -q "needs a model with a vocabulary" "$LS_WORK/err.txt"
rc=0; "$E" --model /nonexistent/model </dev/null 2>"$LS_WORK/err.txt" || rc=$?
check "a missing model directory is refused by file name" [ "$rc" = 1 ] && grep -q "/nonexistent/model/config.json: cannot open" "$LS_WORK/err.txt"
