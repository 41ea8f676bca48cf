#!/usr/bin/env bash
# Integration: the operation keys in a real Redis, written by lockstepd's Redis sink — hashes,
# campaign and account sets, operations:active, a merge (merged_into, sets taken over, the
# relabelled campaign) and a dormant operation's expiry (tests/integration/redis_operations.c).
. "$(dirname "$0")/common.sh"

ls_start_redis
"$LS_TEST_BIN/redis-operations" "$REDIS_PORT"
