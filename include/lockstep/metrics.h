/* metrics.h — the daemon's counters in the two forms it publishes them: the Redis `stats` hash
 * (field names kept from earlier releases) and the Prometheus text exposition format served at
 * GET /metrics (README: metrics). One table in metrics.c lists every scalar with both names, its
 * type and its help text; histograms, stages, memory and per-partition lag are labelled families.
 * Histograms have LS_HIST_BUCKETS exponential buckets: bucket i counts observations <= base * 2^i. */
#ifndef LOCKSTEP_METRICS_H
#define LOCKSTEP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lockstep/kafka.h"

#define LS_HIST_BUCKETS 16

struct ls_histogram {
  double base; /* the first bucket's upper bound */
  uint64_t le[LS_HIST_BUCKETS]; /* not cumulative; +Inf is count */
  uint64_t count;
  double sum;
};

void ls_hist_init(struct ls_histogram *h, double base);
void ls_hist_observe(struct ls_histogram *h, double v);

/* Where the pipeline's thread spends its time (lockstep_stage_seconds_total{stage=...}). */
#define LS_STAGES(X) \
  X(GATHER, "gather")         /* waiting for a batch to fill (max_latency_ms) */ \
  X(SIGNALS, "signals")       /* ingest: duplicates, activity, canonical text and the actions (signals.h) */ \
  X(EMBED, "embed")           /* ingest: the embedder */ \
  X(PAIRS, "pairs")           /* pair: the exact signals' object windows (pairs.h) */ \
  X(SIMILAR, "similar")       /* pair: the similar-text window and its index (similar.h) */ \
  X(EVIDENCE, "evidence")     /* cluster: pair sets spent into the graph (cluster.h) */ \
  X(CLUSTER, "cluster")       /* cluster: the graph's clustering and the tracker */ \
  X(SINKS, "sinks")           /* handing events to the sinks' threads and waiting for them */ \
  X(CHECKPOINT, "checkpoint") /* storing checkpoints and committing their epochs */
#define LS_STAGE_ENUM(e, name) LS_STAGE_##e,
enum ls_stage { LS_STAGES(LS_STAGE_ENUM) LS_STAGE_COUNT };
extern const char *const ls_stage_names[LS_STAGE_COUNT];

/* Bytes of each structure allocated at start (lockstep_memory_bytes{structure=...}). */
#define LS_STRUCTURES(X) X(DEDUP, "dedup") X(OBJECTS, "objects") X(ACTIVITY, "activity") X(GRAPH, "graph") \
  X(BATCH, "batch") X(WINDOW, "similar_window") X(RINGS, "rings")
#define LS_STRUCTURE_ENUM(e, name) LS_MEM_##e,
enum ls_structure { LS_STRUCTURES(LS_STRUCTURE_ENUM) LS_MEM_COUNT };

struct ls_pipeline_stats;

/* What the daemon knows besides the pipeline's counters. */
struct ls_metrics_context {
  const char *version, *backend, *device, *mode;
  double uptime_s;
  int n_rings;
  const size_t *ring_used; /* per ring */
  size_t ring_capacity;
  const struct ls_partition_lag *lag;
  int n_lag;
  bool ready;
};

/* The Redis `stats` hash: up to max fields with their values. @returns the number written. */
int ls_metrics_stats_fields(const struct ls_pipeline_stats *st, const char **fields, uint64_t *values, int max);
/* Every metric in the Prometheus text exposition format (version 0.0.4). */
void ls_metrics_render(const struct ls_pipeline_stats *st, const struct ls_metrics_context *ctx, FILE *out);

#endif
