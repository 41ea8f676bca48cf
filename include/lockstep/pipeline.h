/* pipeline.h — the daemon's processing loop: it takes tweets from the sources' rings in
 * micro-batches (closed at batch.max_tweets, embed.max_batch_tokens or batch.max_latency_ms),
 * drops duplicates and runs the stages in one process (stage.h): each tweet's actions
 * (signals.h) meet the exact signals' windows (pairs.h) and the co-similar-text window
 * (similar.h: embedder + backend), and their pair sets go to the cluster stage (cluster.h), which
 * clusters on event time and turns groups into campaign events for the sinks. Source offsets are
 * acknowledged once the sinks have acknowledged — never past the oldest tweet a live window still
 * needs (offsets.h). */
#ifndef LOCKSTEP_PIPELINE_H
#define LOCKSTEP_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/checkpoint.h"
#include "lockstep/config.h"
#include "lockstep/export.h"
#include "lockstep/log.h"
#include "lockstep/metrics.h"
#include "lockstep/ring.h"
#include "lockstep/sink.h"
#include "lockstep/source.h"

#define LS_MAX_SOURCES 16

struct ls_pipeline_source {
  struct ls_ring *ring;
  struct ls_source_stats *stats;
  void *ud;
  bool (*finished)(void *ud); /* no more tweets will come (replay: end of file; Kafka: stopped) */
  int (*ack)(void *ud, int32_t partition, int64_t next_offset); /* NULL: nothing to acknowledge */
  int64_t (*clock_ms)(void *ud); /* NULL, or the event time a paced source has reached (< 0: none) */
};

struct ls_pipeline_stats {
  uint64_t tweets, duplicates, batches, suppressed, cluster_runs;
  uint64_t light_pairs; /* co-actions under detect.min_action_weight: no evidence (chance.h) */
  uint64_t links_rejected; /* URLs that are not absolute http(s), are malformed or too long: no co-link key */
  uint64_t pairs[LS_SIG_COUNT];
  uint64_t actions, pair_sets; /* handed from ingest to the pair stage, and on to the cluster stage (stage.h) */
  uint64_t pair_revisions;     /* of the pair sets: revisions (a late action joined a later one's set) */
  uint64_t text_copies;        /* ingest: co-similar-text action records sent (one per partition of its shards) */
  uint64_t events_open, events_updated, events_closed, sink_failures;
  uint64_t sink_retries; /* flushes a sink put off: its service said "not now" (sink.h) */
  uint64_t received, rejected, dead_lettered, dlq_errors, order_gave_up; /* summed over the sources */
  uint32_t campaigns_active;
  uint64_t campaigns_opened;
  uint32_t operations; /* remembered, active or dormant */
  uint64_t edges_live;
  uint64_t evictions; /* live entries pushed out of a full object window, graph or account table */
  uint64_t backlog; /* tweets waiting in the rings */
  uint64_t waiting; /* messages fetched and not yet decoded (the consumers' event-time merge) */
  uint64_t paused;  /* input partitions paused by back-pressure (the merge above kafka.queued_max_kbytes) */
  double longest_message_s; /* how long a source has been decoding its current message (0: none) */
  int64_t watermark_ms;
  bool offsets_held; /* a sink has not acknowledged: offsets wait */
  bool sinks_backlogged; /* a sink holds too many events: no tweet is read until they leave */
  uint64_t sink_pending; /* the most events one sink holds not yet acknowledged (sink.h: held) */
  uint64_t replayed; /* tweets read again after a restore or a rebalance: windows only */
  uint64_t handovers;         /* other daemons' activity counts and read marks merged, for input partitions handed over */
  uint64_t handover_failures; /* those that could not be read (the partitions are read as new) */
  uint64_t checkpoints, checkpoint_failures, checkpoint_bytes; /* bytes: the latest checkpoint's */
  /* for the metrics endpoint (metrics.h) */
  struct ls_histogram batch_tweets, batch_seconds, cluster_seconds, checkpoint_seconds;
  struct ls_histogram event_latency_seconds; /* a campaign event: since its run's oldest new tweet entered a ring */
  double stage_seconds[LS_STAGE_COUNT];
  double decode_seconds; /* summed over the sources */
  uint64_t memory_bytes[LS_MEM_COUNT];
  uint64_t window_rows; /* vectors in the similar-text window */
};

struct ls_pipeline;

int ls_pipeline_create(struct ls_pipeline **out, const struct ls_config *cfg, struct ls_backend *be,
                       struct ls_sink *const *sinks, int n_sinks, const struct ls_log *log, struct ls_err *err);
void ls_pipeline_destroy(struct ls_pipeline *p);
/* The keys that change live (config.c: LIVE_*) take effect from the next batch and clustering
 * round: thresholds, weights, the sinks' settings; windows, graph and campaigns are kept. cfg
 * must equal the running configuration in every other key (ls_config_reload). */
void ls_pipeline_reconfigure(struct ls_pipeline *p, const struct ls_config *cfg);
int ls_pipeline_add_source(struct ls_pipeline *p, const struct ls_pipeline_source *src, struct ls_err *err);

/* Records every exact-signal action, co-similar-text match and node into x (--export-edges). */
void ls_pipeline_set_export(struct ls_pipeline *p, struct ls_export *x);
/* Roles ingest and pair (pipeline.role): where the stage's records go. Offsets advance only once
 * they are delivered. */
struct ls_stage_out;
void ls_pipeline_set_stage_out(struct ls_pipeline *p, struct ls_stage_out *out);
/* Roles pair and cluster: what a record read may hold: a co-similar-text vector of *dim floats,
 * at most *max_partners partners. */
void ls_pipeline_record_limits(const struct ls_pipeline *p, uint32_t *dim, uint32_t *max_partners);

typedef void (*ls_tick_fn)(void *ud, struct ls_pipeline *p);

/* Processes until *stop is set or every source has finished and its ring is empty. tick (may be
 * NULL) is called about once a second, from this thread (watchdog, status, progress): it may call
 * ls_pipeline_stats, which costs a scan of the graph, when it needs the counters. */
int ls_pipeline_run(struct ls_pipeline *p, atomic_bool *stop, ls_tick_fn tick, void *tick_ud);
/* After the sources stopped: processes what is left in the rings, clusters, flushes the sinks
 * (waiting up to timeout_ms) and acknowledges offsets. close_campaigns: end of input (replay). */
int ls_pipeline_drain(struct ls_pipeline *p, bool close_campaigns, int timeout_ms);
void ls_pipeline_stats(struct ls_pipeline *p, struct ls_pipeline_stats *st);
/* The counters without the graph's (edges_live, evictions keep their last values): cheap, for
 * every tick. */
void ls_pipeline_progress(struct ls_pipeline *p, struct ls_pipeline_stats *st);

/* Checkpoints (README: checkpoints): with a store, offsets are acknowledged only by a checkpoint,
 * taken every interval_s of processing when the sinks are clean and at the end of a drain. It
 * holds the graph, the activity sketch, the tracker with its operations, the counters, every
 * partition's position and the sinks' open epoch; the windows are not in it: the offsets it
 * acknowledges hold back to the oldest tweet they need, and a restored pipeline reads that tail
 * again into its windows (a record below its partition's position is "replayed": co-actions
 * between two replayed records are in the graph already and are skipped). */
void ls_pipeline_set_checkpoint(struct ls_pipeline *p, struct ls_checkpoint *ck, double interval_s);
/* Before the first tweet: restores the store's checkpoint, if there is one, and lets the sinks
 * finish its epoch (sink.h: recover). @returns LS_OK (also when there is none), LS_EUNAVAIL
 * (the store or a sink cannot answer now: try again), LS_EINVAL (written by another build or
 * with other capacities, or corrupt: the reason names it; delete the key to start empty) or
 * LS_ENOMEM. */
int ls_pipeline_restore(struct ls_pipeline *p, struct ls_err *err);
/* Per partition (LS_MAX_PARTITIONS of them), the offset after the last record read, -1 when
 * none: after a restore, where its replay ends. */
const int64_t *ls_pipeline_positions(const struct ls_pipeline *p);

#endif
