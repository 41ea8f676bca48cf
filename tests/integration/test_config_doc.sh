#!/usr/bin/env bash
# Integration: deploy/lockstep.conf documents every key with its default (it is what
# `lockstepd --print-config` prints) and is itself a valid configuration.
. "$(dirname "$0")/common.sh"
"$LS_BIN/lockstepd" --print-config >"$LS_WORK/printed.conf"
check "deploy/lockstep.conf is the documented default configuration" diff -u "$LS_SOURCE/deploy/lockstep.conf" "$LS_WORK/printed.conf"
check "deploy/lockstep.conf loads" "$LS_BIN/lockstepd" --check-config --config "$LS_SOURCE/deploy/lockstep.conf"
missing=$("$LS_BIN/lockstepd" --print-config | awk '/^\[/ { s = substr($0, 2, length($0) - 2) } /^[a-z_]+ = / { print s "." $1 }' |
  while read -r key; do grep -q "\`$key\`" "$LS_SOURCE/README.md" || echo "$key"; done)
check "the README's configuration reference lists every key${missing:+ (missing: $missing)}" [ -z "$missing" ]
