/* stage_out.h — the records a stage sends to the next stage's topic when the stages run on
 * different nodes ([pipeline] role; README: stages): an idempotent producer (no duplicates from
 * retries, order kept per partition) that retries without limit while the cluster is
 * unreachable, so nothing sent is lost. The caller picks each record's partition (actions by
 * object key, pair sets by tweet) and gives its event time, the message timestamp by which the
 * next stage's consumer merges its partitions.
 * Several producers write each partition, each in its own event-time order; so that the reader
 * can merge them (partition_merge.h), every record carries its producer's source id in the
 * LS_STAGE_SOURCE_HEADER header, and every 50 ms the producer sends each partition a watermark:
 * an empty message whose LS_STAGE_MARK_HEADER header holds how far the stage has read in event
 * time (ms; nothing earlier follows), or "idle" once it has read nothing for a second (then
 * repeated once a second only), and again when it is destroyed (the reader need not wait for it). While the stage's thread is busy
 * in one long step (a batch that trains the co-similar-text index), a thread of its own repeats
 * the last watermark, so that readers (which stop waiting for a producer silent for
 * kafka.order_wait_ms) keep the stage's order: only a stopped or killed stage falls silent. */
#ifndef LOCKSTEP_STAGE_OUT_H
#define LOCKSTEP_STAGE_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/log.h"
#include "lockstep/stage_codec.h"

struct ls_stage_out_conf {
  const char *brokers, *topic;
  const char *compression; /* librdkafka compression.codec (pipeline.compression) */
  const char *const *props; /* extra librdkafka properties, "key=value" */
  int n_props;
};

struct ls_stage_out_stats {
  uint64_t sent, delivered, failed; /* failed: given up by librdkafka (a fatal producer error) */
};

struct ls_stage_out;

/* Connects and reads the topic's partition count (waiting up to 10 s for the cluster).
 * @returns LS_OK, LS_EINVAL (a property refused, or a codec this librdkafka lacks: the reason
 * names pipeline.compression), LS_EUNAVAIL (the topic does not exist or the
 * cluster does not answer: the reason names the topic), or LS_ENOMEM. */
int ls_stage_out_create(struct ls_stage_out **out, const struct ls_stage_out_conf *conf, const struct ls_log *log, struct ls_err *err);
void ls_stage_out_destroy(struct ls_stage_out *o); /* waits up to 10 s for what is in flight */
int32_t ls_stage_out_partitions(const struct ls_stage_out *o);

/* Queues one record (copied) for partition, keyed by key, stamped t_ms; while librdkafka's queue
 * is full, waits for deliveries. */
void ls_stage_out_send(struct ls_stage_out *o, int32_t partition, uint64_t key, const struct ls_stage_buf *rec, int64_t t_ms);
/* The stage's event-time progress (the newest event time it has read) and whether it read or
 * holds input now; sends the watermarks when they are due. */
void ls_stage_out_progress(struct ls_stage_out *o, int64_t watermark_ms, bool busy);
/* True when every record sent is delivered. Serves delivery reports; when records are in
 * flight and the last settled state is more than half a second old, waits up to timeout_ms for
 * them (so that offsets advance under a steady stream). */
bool ls_stage_out_settled(struct ls_stage_out *o, int timeout_ms);
void ls_stage_out_stats(const struct ls_stage_out *o, struct ls_stage_out_stats *st);

#endif
