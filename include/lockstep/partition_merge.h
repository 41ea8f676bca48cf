/* partition_merge.h — the order in which one consumer hands its partitions' messages on: by
 * event time (the Kafka message timestamp), merged across partitions and across the producers
 * of each partition, so that the pipeline sees the same sequence whatever the interleaving of
 * fetches, and a restarted daemon the same as an uninterrupted one (campaign ids depend on that
 * order: tracker.h).
 *
 * Each assigned partition has lanes: FIFOs of received messages (opaque pointers, in offset
 * order), one for messages without a source (lane 0: the firehose) and one per stage producer
 * that stamps its records with a source id (stage_out.h: several ingest daemons write every
 * actions partition, each in its own event-time order, so one partition's log interleaves them
 * out of order). The next message is the head with the smallest (timestamp, partition, source).
 * It is released only when every other lane that could still deliver an earlier one has shown
 * that it will not:
 *  - its FIFO is not empty, or its last message (or watermark) was later;
 *  - it is held (the replay gate), or the merge holds more than max_bytes while its partition
 *    queues messages (the consumer then pauses that partition, so the lane cannot be filled:
 *    order yields to memory there) or while it is a source's lane;
 *  - lane 0: its partition is at its end (partition EOF), or idle: empty for wait_ms of wall
 *    time while the broker has nothing more for it (a partition still behind, as at start or
 *    after a pause, is waited for up to 10 x wait_ms);
 *  - a source's lane: its source said it is idle, or has not been heard from (a record or a
 *    watermark) for wait_ms: it stopped or was killed; unless it was heard on another partition
 *    meanwhile (it is alive: its records here are late in transit), nothing at all was heard for
 *    wait_ms (the reader or the broker stalled, not the source), or the broker holds messages of
 *    its partition not received yet (they may be its own: a busy reader, a slow broker), then
 *    waited for up to 10 x wait_ms (a dead source's partition stalls that long, not longer: a
 *    broker keeps only so much). A live source is waited for even at the partition's end, since
 *    its watermarks say how far it has come. A source given up on one partition is one process
 *    gone: none of its lanes is waited for again, on any partition (its records still merge
 *    when queued), until a watermark of it arrives where its partition is not behind (fresh,
 *    not re-read: alive after all); the latest LS_MERGE_SOURCES sources given up are kept.
 * Messages without a timestamp take their lane's last one. Each pop also gives the partition's
 * position: the offset below which every message has left the merge (the lowest offset still
 * queued, else the one after the last received), which is what may be acknowledged once the
 * popped message is handled. Bytes held are counted so that the consumer can pause partitions
 * above its bound. Cost: a pop scans every lane of the assigned partitions. Not thread-safe:
 * one consumer thread owns it. Free of librdkafka, so it is tested alone. */
#ifndef LOCKSTEP_PARTITION_MERGE_H
#define LOCKSTEP_PARTITION_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

#define LS_MERGE_SOURCES 64 /* lanes of one partition; beyond, an empty lane not waited for is reused */

struct ls_merge;

/* Called for each message the merge drops (revoked partition, destroy). */
typedef void (*ls_merge_drop_fn)(void *msg, void *ud);

/* Whether the broker holds messages of partition that have not been received yet. */
typedef bool (*ls_merge_behind_fn)(int32_t partition, void *ud);

/* wait_ms: how long an empty lane is waited for (0: never; messages then leave in the order of
 * the heads present). max_bytes: above it no source's lane, and no lane of a partition that queues messages, is waited for (0: no bound). behind (may be
 * NULL: never) is asked only about a partition whose lane has waited wait_ms.
 * @returns LS_OK, or LS_ENOMEM. */
int ls_merge_create(struct ls_merge **out, int wait_ms, size_t max_bytes, ls_merge_behind_fn behind, void *ud, struct ls_err *err);
/* Drops every message still held. */
void ls_merge_destroy(struct ls_merge *m, ls_merge_drop_fn drop, void *ud);

/* The partitions now assigned (partition numbers >= 0); the messages of any other are dropped.
 * A newly assigned partition starts empty and is waited for from now_ms.
 * @returns LS_OK, LS_EINVAL (a negative partition), or LS_ENOMEM. */
int ls_merge_assign(struct ls_merge *m, const int32_t *parts, int n, int64_t now_ms, ls_merge_drop_fn drop, void *ud);
/* Appends a message received at now_ms on partition (assigned) from source (0: none) at offset,
 * with its timestamp (< 0: none) and size.
 * @returns LS_OK, LS_EINVAL (partition not assigned: the caller drops it), or LS_ENOMEM. */
int ls_merge_push(struct ls_merge *m, void *msg, int32_t partition, uint64_t source, int64_t offset, int64_t timestamp_ms, size_t bytes,
                  int64_t now_ms);
/* A watermark received at now_ms on partition from source (> 0) at offset: the source will send
 * nothing earlier than timestamp_ms to it, or, idle, nothing at all until its next record.
 * @returns LS_OK, LS_EINVAL (partition not assigned, or source 0), or LS_ENOMEM. */
int ls_merge_mark(struct ls_merge *m, int32_t partition, uint64_t source, int64_t offset, int64_t timestamp_ms, bool idle, int64_t now_ms);
/* The partition reached its end: its lane 0 is not waited for until its next message. */
void ls_merge_eof(struct ls_merge *m, int32_t partition);
/* A held partition is not waited for (the replay gate paused it); what it queued still leaves. */
void ls_merge_hold(struct ls_merge *m, int32_t partition, bool held);
/* The next message in order, or NULL when there is none or one is still waited for; *position
 * (may be NULL) gets its partition's position after it. */
void *ls_merge_pop(struct ls_merge *m, int64_t now_ms, int64_t *position);
/* Bytes of the messages held, and their number. */
size_t ls_merge_bytes(const struct ls_merge *m);
size_t ls_merge_messages(const struct ls_merge *m);
/* A lane given up: what was waited for, and what the merge held then. */
struct ls_merge_give_up {
  int32_t partition;
  uint64_t source;  /* 0: the partition's messages without a source */
  int64_t quiet_ms; /* wall time since it was last heard from */
  int64_t last_key; /* its last timestamp or watermark (INT64_MIN: none) */
  size_t messages, bytes;
};
/* @returns how many times a lane still behind was given up after 10 x wait_ms, or a source's lane
 * after its source fell silent; *last (may be NULL) gets the latest (zeroed before the first). */
uint64_t ls_merge_gave_up(const struct ls_merge *m, struct ls_merge_give_up *last);
/* Whether one of partition's FIFOs holds a message. */
bool ls_merge_queued(const struct ls_merge *m, int32_t partition);

#endif
