/* kafka.h — the Kafka side of the consumers: a consumer-group member that reads the input
 * topic in its own thread, decodes and validates each message, pushes tweets into its ring,
 * and sends undecodable messages to the dead-letter topic (original bytes; headers `error`,
 * `source_topic`, `source_partition`, `source_offset`).
 * Offsets are stored only when the pipeline acknowledges them (enable.auto.offset.store=false):
 * ls_kafka_consumer_ack() is thread-safe and is the only thing that travels back. The same
 * consumer reads the topics between stages on different nodes ([pipeline] role). */
#ifndef LOCKSTEP_KAFKA_H
#define LOCKSTEP_KAFKA_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/decode.h"
#include "lockstep/log.h"
#include "lockstep/ring.h"
#include "lockstep/source.h"

#define LS_KAFKA_MAX_PROPS 32

struct ls_kafka_conf {
  const char *brokers;
  const char *group_id;
  const char *instance_id;    /* group.instance.id prefix ("" or NULL: dynamic membership); %h: host */
  const char *topic;
  const char *dlq_topic;
  int index;                  /* consumer number, for logs and tweet.source */
  int session_timeout_ms;
  int fetch_wait_max_ms;
  int queued_max_kbytes;      /* librdkafka prefetch bound, and the merge's */
  int order_wait_ms;          /* partition_merge.h: how long an empty partition is waited for */
  const char *offset_reset;   /* earliest | latest */
  /* extra librdkafka properties, "key=value" (e.g. security.protocol=ssl) */
  const char *props[LS_KAFKA_MAX_PROPS];
  int n_props;
  struct ls_ring *ring;
  /* What the topic holds: 0, tweets (decode.h); or stage records of that kind
   * (stage_codec.h), read into the slot's rec (the vector of a co-similar-text action: dim
   * floats; a pair set: at most max_partners partners, its tweet's evidence into the slot's
   * tweet). A record that cannot be read is dead-lettered with its reason, like a tweet. */
  enum ls_stage_kind records;
  uint32_t dim, max_partners;
  struct ls_decode_limits limits;
  const struct ls_log *log;
  /* After a restore (pipeline.h): per partition 0..n_resume-1, the offset a checkpoint had
   * read up to (-1: none). The records below it are read again first: a partition that reaches
   * its offset (or its end) is paused until every assigned one has, so new tweets never meet
   * windows half rebuilt. NULL: no restore, no pause. */
  const int64_t *resume;
  int n_resume;
  /* With checkpoints: this daemon's checkpoint key, committed with each offset. The partitions
   * assigned here whose offsets another daemon committed are announced in the ring
   * (ls_ring_slot.handover: one slot per such daemon, naming its partitions) before any of
   * their messages. NULL: neither (offsets are auto-committed). */
  const char *checkpoint_key;
};

struct ls_kafka_consumer;
int ls_kafka_consumer_create(struct ls_kafka_consumer **out, const struct ls_kafka_conf *conf,
                             struct ls_err *err);
int ls_kafka_consumer_start(struct ls_kafka_consumer *c, struct ls_err *err);
/* Asks the thread to stop after the message it is handling: every tweet of that message still
 * goes into the ring (waiting for room as usual, so the pipeline must keep draining). */
void ls_kafka_consumer_request_stop(struct ls_kafka_consumer *c);
/* True once the thread has exited (or was never started). */
bool ls_kafka_consumer_finished(struct ls_kafka_consumer *c);
/* Stops at once, even mid-message (its offset is then never acknowledged), and joins. */
void ls_kafka_consumer_stop(struct ls_kafka_consumer *c);
/* Records that everything before next_offset on partition is processed and acknowledged: it is
 * committed within a second (with checkpoint_key, by the consumer thread, with the key).
 * @returns LS_OK, or LS_EINVAL for a partition out of range (without checkpoint_key, also one
 * not assigned here). */
int ls_kafka_consumer_ack(struct ls_kafka_consumer *c, int32_t partition, int64_t next_offset);
struct ls_partition_lag {
  int32_t partition;
  int64_t lag; /* messages between the consumer's position and the partition's end; a partition
                  that gave nothing since assigned counts from where it was last read to its end,
                  else from its start */
};
/* The lag of each assigned partition, from librdkafka's cached high watermarks (no request to
 * the broker); callable from any thread. @returns how many were written (at most max). */
int ls_kafka_consumer_lag(struct ls_kafka_consumer *c, struct ls_partition_lag *out, int max);
/* Synchronously commits the acknowledged offsets. */
int ls_kafka_consumer_commit(struct ls_kafka_consumer *c, struct ls_err *err);
/* Commits, leaves the group and frees. */
void ls_kafka_consumer_destroy(struct ls_kafka_consumer *c);
struct ls_source_stats *ls_kafka_consumer_stats(struct ls_kafka_consumer *c);

/* Builds a librdkafka configuration from "key=value" pairs; used by producers too. */
struct rd_kafka_conf_s;
/* pattern with %h replaced by the host name (kafka.instance_id). */
void ls_kafka_instance_name(const char *pattern, char *out, size_t cap);
int ls_kafka_conf_apply(struct rd_kafka_conf_s *kc, const char *const *props, int n,
                        struct ls_err *err);

#endif
