/* sink.h — where campaign events go: Redis (hiredis, pipelined, idempotent by campaign id +
 * version), the Kafka output topic (idempotent producer, protobuf or JSON, key = campaign id) and
 * a JSON-lines file. write() queues an event; flush() pushes what is queued and returns LS_OK only
 * when everything written so far is acknowledged — the pipeline stores input offsets only then.
 * A sink that cannot reach its service, or is told "not now" (Redis LOADING, BUSY, …), keeps
 * events for retry and reports LS_EUNAVAIL; flush(timeout_ms) retries with backoff until then.
 * @returns of flush: LS_OK when nothing is left queued, LS_EUNAVAIL otherwise. */
#ifndef LOCKSTEP_SINK_H
#define LOCKSTEP_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/campaign.h"
#include "lockstep/log.h"
#include "lockstep/redis_conn.h"
#include "lockstep/snapshot.h"

struct ls_sink;

struct ls_sink_i {
  const char *name;
  int (*write)(struct ls_sink *s, const struct ls_campaign_event *e);
  int (*flush)(struct ls_sink *s, int timeout_ms);
  /* True while it holds so many events waiting that the pipeline should stop reading until they
   * leave (the back-pressure of a slow or absent service); NULL: never. */
  bool (*backlogged)(struct ls_sink *s);
  /* Publishes daemon counters (Redis: the `stats` hash); may be NULL. */
  void (*publish_stats)(struct ls_sink *s, const char *const *fields, const uint64_t *values, int n);
  /* Exactly-once over checkpoints (README: checkpoints); NULL for a sink whose service already
   * keeps one copy per (id, version), as Redis does. What was written since the last commit is
   * an epoch: pending() adds it to the checkpoint being taken; commit(epoch), once that
   * checkpoint is stored, makes it visible to readers at once (Kafka: commits the transaction);
   * recover(epoch, pending), at start with the checkpoint restored, makes visible what that
   * checkpoint's epoch wrote unless its commit already did. @returns LS_OK, or LS_EUNAVAIL
   * (commit: the epoch stays open and its writes are kept; the next checkpoint tries again). */
  void (*pending)(struct ls_sink *s, struct ls_snap *w);
  int (*commit)(struct ls_sink *s, uint64_t epoch, struct ls_err *err);
  int (*recover)(struct ls_sink *s, uint64_t epoch, struct ls_snap_reader *pending, struct ls_err *err);
  void (*destroy)(struct ls_sink *s);
};

struct ls_sink {
  const struct ls_sink_i *i;
  void *ctx;
  const struct ls_log *log;
  uint64_t written; /* events acknowledged */
  uint64_t failed;  /* events that could not be written and were dropped */
  uint64_t deferred; /* flushes put off because the service answered "not now" (kept, retried) */
};

struct ls_redis_conf {
  struct ls_redis_addr addr;
  const char *prefix;
  int64_t closed_ttl_s, stream_maxlen, max_pending;
  bool epochs; /* checkpoints: events are written once their epoch's checkpoint is stored */
};
/* Connects at once; when Redis is unreachable, logs one line and keeps retrying (LS_OK). */
int ls_sink_redis_create(struct ls_sink **out, const struct ls_redis_conf *conf, const struct ls_log *log,
                         struct ls_err *err);

struct ls_kafka_sink_conf {
  const char *brokers, *topic;
  bool json; /* false: protobuf lockstep.Campaign */
  /* Non-NULL: transactional producer with this transactional.id (one epoch per transaction),
   * each commit marked on epoch_topic (key transactional_id, value the epoch) in the same
   * transaction, so recover() can tell whether an epoch's commit happened. */
  const char *transactional_id, *epoch_topic;
  const char *const *props;
  int n_props;
};
int ls_sink_kafka_create(struct ls_sink **out, const struct ls_kafka_sink_conf *conf, const struct ls_log *log,
                         struct ls_err *err);

int ls_sink_file_create(struct ls_sink **out, const char *path, const struct ls_log *log, struct ls_err *err);

void ls_sink_destroy(struct ls_sink *s);

#endif
