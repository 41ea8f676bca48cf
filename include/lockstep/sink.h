/* sink.h — where campaign events go: Redis (hiredis, pipelined, idempotent by campaign id +
 * version), the Kafka output topic (idempotent producer, protobuf or JSON, key = campaign id) and
 * a JSON-lines file, each run on a thread of its own behind a queue (ls_sink_thread_create).
 * write() queues an event; flush() pushes what is queued and returns LS_OK only when everything
 * written so far is acknowledged — the pipeline stores input offsets only then.
 * A sink that cannot reach its service, or is told "not now" (Redis LOADING, BUSY, …), keeps
 * events for retry and reports LS_EUNAVAIL; flush(timeout_ms) retries with backoff until then.
 * @returns of flush: LS_OK when nothing is left queued, LS_EUNAVAIL otherwise. */
#ifndef LOCKSTEP_SINK_H
#define LOCKSTEP_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/campaign.h"
#include "lockstep/config.h"
#include "lockstep/log.h"
#include "lockstep/redis_conn.h"
#include "lockstep/snapshot.h"

struct ls_sink;

struct ls_sink_i {
  const char *name;
  int (*write)(struct ls_sink *s, const struct ls_campaign_event *e);
  int (*flush)(struct ls_sink *s, int timeout_ms);
  /* Events written and not yet acknowledged (queued, sent and unanswered, or waiting for their
   * epoch's commit); NULL: none ever wait. Past half of output.max_pending the pipeline stops
   * reading tweets until they leave (the back-pressure of a slow or absent service). */
  size_t (*held)(struct ls_sink *s);
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
  /* SIGHUP: the settings that change live (redis.closed_ttl_s, redis.stream_maxlen) for the
   * events written from now on; NULL: none. */
  void (*reconfigure)(struct ls_sink *s, const struct ls_config *c);
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
  int64_t closed_ttl_s, stream_maxlen;
  bool epochs; /* checkpoints: events are written once their epoch's checkpoint is stored */
};
/* Connects at once; when Redis is unreachable, logs one line and keeps retrying (LS_OK). */
int ls_sink_redis_create(struct ls_sink **out, const struct ls_redis_conf *conf, const struct ls_log *log,
                         struct ls_err *err);

#define LS_EPOCH_HEADER "lockstep-epoch"

struct ls_kafka_sink_conf {
  const char *brokers, *topic;
  bool json; /* false: protobuf lockstep.Campaign */
  /* Non-NULL: transactional producer with this transactional.id (one epoch per transaction),
   * each commit marked on epoch_topic (key transactional_id, value the epoch) in the same
   * transaction, so recover() can tell whether an epoch's commit happened. Each event then
   * carries its epoch (decimal) in the LS_EPOCH_HEADER header. */
  const char *transactional_id, *epoch_topic;
  const char *const *props;
  int n_props;
};
int ls_sink_kafka_create(struct ls_sink **out, const struct ls_kafka_sink_conf *conf, const struct ls_log *log,
                         struct ls_err *err);

int ls_sink_file_create(struct ls_sink **out, const char *path, const struct ls_log *log, struct ls_err *err);

/* Runs inner on a thread of its own: write() copies the event into a queue and returns at once;
 * the thread hands it on and flushes, so a slow service never stops the pipeline. The queue has
 * no hard bound (held() is the back-pressure) and drops nothing. flush(timeout_ms) waits up to
 * timeout_ms for the thread to be clean; pending, commit and recover run on the caller's thread,
 * after the queue is handed on. Takes inner (destroyed on failure too).
 * @returns LS_OK, LS_ENOMEM, or LS_EIO when no thread can be started. */
int ls_sink_thread_create(struct ls_sink **out, struct ls_sink *inner, struct ls_err *err);

void ls_sink_destroy(struct ls_sink *s);

#endif
