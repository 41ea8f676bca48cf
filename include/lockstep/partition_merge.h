/* partition_merge.h — the order in which one consumer hands its partitions' messages on: by
 * event time (the Kafka message timestamp), merged across partitions, so that the pipeline sees
 * the same sequence whatever the interleaving of fetches, and a restarted daemon the same as an
 * uninterrupted one (campaign ids depend on that order: tracker.h).
 *
 * Each assigned partition has a FIFO of received messages (opaque pointers, kept in offset
 * order). The next message is the head with the smallest (timestamp, partition). It is released
 * only when every other assigned partition that could still deliver an earlier one has shown
 * that it will not: its FIFO is not empty, or its last message was later, or it is at its end
 * (partition EOF), held (the replay gate), or idle: its FIFO has been empty for wait_ms of wall
 * time (the bounded lateness of a live stream) and the broker has nothing more for it (a
 * partition still behind, as at start or after a pause, is waited for up to 10 x wait_ms).
 * Messages without a timestamp take their
 * partition's last one. Bytes held are counted so that the consumer can pause partitions above
 * its bound. Not thread-safe: one consumer thread owns it. Free of librdkafka, so it is tested
 * alone. */
#ifndef LOCKSTEP_PARTITION_MERGE_H
#define LOCKSTEP_PARTITION_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_merge;

/* Called for each message the merge drops (revoked partition, destroy). */
typedef void (*ls_merge_drop_fn)(void *msg, void *ud);

/* Whether the broker holds messages of partition that have not been received yet. */
typedef bool (*ls_merge_behind_fn)(int32_t partition, void *ud);

/* wait_ms: how long an empty partition is waited for (0: never; messages then leave in the
 * order of the heads present). behind (may be NULL: never) is asked only about a partition
 * empty for wait_ms.
 * @returns LS_OK, or LS_ENOMEM. */
int ls_merge_create(struct ls_merge **out, int wait_ms, ls_merge_behind_fn behind, void *ud, struct ls_err *err);
/* Drops every message still held. */
void ls_merge_destroy(struct ls_merge *m, ls_merge_drop_fn drop, void *ud);

/* The partitions now assigned (partition numbers >= 0); the messages of any other are dropped.
 * A newly assigned partition starts empty and is waited for from now_ms.
 * @returns LS_OK, LS_EINVAL (a negative partition), or LS_ENOMEM. */
int ls_merge_assign(struct ls_merge *m, const int32_t *parts, int n, int64_t now_ms, ls_merge_drop_fn drop, void *ud);
/* Appends a message received on partition (assigned) with its timestamp (< 0: none) and size.
 * @returns LS_OK, LS_EINVAL (partition not assigned: the caller drops it), or LS_ENOMEM. */
int ls_merge_push(struct ls_merge *m, void *msg, int32_t partition, int64_t timestamp_ms, size_t bytes);
/* The partition reached its end: not waited for until its next message. */
void ls_merge_eof(struct ls_merge *m, int32_t partition);
/* A held partition is not waited for (the replay gate paused it); what it queued still leaves. */
void ls_merge_hold(struct ls_merge *m, int32_t partition, bool held);
/* The next message in order, or NULL when there is none or one is still waited for. */
void *ls_merge_pop(struct ls_merge *m, int64_t now_ms);
/* Bytes of the messages held, and their number. */
size_t ls_merge_bytes(const struct ls_merge *m);
size_t ls_merge_messages(const struct ls_merge *m);
/* How many times a partition still behind was given up after 10 x wait_ms. */
uint64_t ls_merge_gave_up(const struct ls_merge *m);
/* Whether partition's FIFO holds a message. */
bool ls_merge_queued(const struct ls_merge *m, int32_t partition);

#endif
