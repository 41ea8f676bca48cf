/* metrics.c — one table of the daemon's scalar counters and gauges, written two ways: the Redis
 * `stats` hash (its historical field names) and the Prometheus text exposition format (names
 * after Prometheus' conventions: lockstep_ prefix, _total for counters, base units, labels not
 * in names). The labelled families (per signal, state, stage, structure, ring, partition) and the
 * histograms are written by the functions below the table. */
#include "lockstep/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include "lockstep/campaign.h"
#include "lockstep/pipeline.h"
#include "lockstep/signal.h"

#define LS_STAGE_NAME(e, name) name,
const char *const ls_stage_names[LS_STAGE_COUNT] = {LS_STAGES(LS_STAGE_NAME)};
#define LS_STRUCTURE_NAME(e, name) name,
static const char *const STRUCTURE_NAMES[LS_MEM_COUNT] = {LS_STRUCTURES(LS_STRUCTURE_NAME)};

void ls_hist_init(struct ls_histogram *h, double base) { *h = (struct ls_histogram){.base = base}; }

void ls_hist_observe(struct ls_histogram *h, double v) {
  double bound = h->base;
  for (int i = 0; i < LS_HIST_BUCKETS; i++, bound *= 2)
    if (v <= bound) {
      h->le[i]++;
      break;
    }
  h->count++;
  h->sum += v;
}

static uint64_t total_pairs(const struct ls_pipeline_stats *st) {
  uint64_t n = 0;
  for (int s = 0; s < LS_SIG_COUNT; s++) n += st->pairs[s];
  return n;
}

/* X(redis field or NULL, Prometheus name or NULL, type, scale, help, value over st) */
#define SCALARS(X)                                                                                                                  \
  X("messages_received", "messages_received_total", "counter", 1, "Kafka messages (or replay records) read.", st->received)        \
  X("tweets_processed", "tweets_processed_total", "counter", 1, "Tweets processed (not duplicates, not replayed).", st->tweets)     \
  X("duplicates", "duplicates_total", "counter", 1, "Tweets dropped as already seen (same id).", st->duplicates)                  \
  X("rejected", "rejected_total", "counter", 1, "Messages or tweets that failed decoding or validation.", st->rejected)            \
  X("dead_lettered", "dead_lettered_total", "counter", 1, "Rejected records written to the dead-letter topic or file.", st->dead_lettered) \
  X("dlq_errors", "dead_letter_errors_total", "counter", 1, "Dead letters that could not be written.", st->dlq_errors)             \
  X("order_gave_up", "order_gave_up_total", "counter", 1, "Times the event-time merge stopped waiting for a partition still behind, or for a stage producer gone silent (each logged).", st->order_gave_up) \
  X("backlog", "backlog_tweets", "gauge", 1, "Tweets waiting in the rings.", st->backlog)                                          \
  X("waiting", "waiting_messages", "gauge", 1, "Messages fetched and not yet decoded (the consumers' event-time merge).", st->waiting) \
  X("paused", "partitions_paused", "gauge", 1, "Input partitions paused by back-pressure: the event-time merge holds more than kafka.queued_max_kbytes.", st->paused) \
  X("campaigns_active", "campaigns_active", "gauge", 1, "Open campaigns.", st->campaigns_active)                                   \
  X("campaigns_opened", "campaigns_opened_total", "counter", 1, "Campaigns opened.", st->campaigns_opened)                         \
  X("operations", "operations", "gauge", 1, "Operations remembered, active or dormant.", st->operations)                           \
  X("events", NULL, "counter", 1, "", st->events_open + st->events_updated + st->events_closed)                                    \
  X("sink_failures", "sink_failures_total", "counter", 1, "Campaign events a sink dropped (a final error reply, or out of memory).", st->sink_failures) \
  X("sink_retries", "sink_retries_total", "counter", 1, "Flushes a sink put off because its service answered \"not now\".", st->sink_retries) \
  X("actions", "actions_total", "counter", 1, "Actions the ingest stage handed the pair stage (README: stages).", st->actions)  \
  X("text_copies", "text_action_copies_total", "counter", 1, "Co-similar-text action records the ingest stage sent: one per actions partition of each vector's text shards.", st->text_copies) \
  X("pair_sets", "pair_sets_total", "counter", 1, "Pair sets the pair stage handed the cluster stage (actions with co-actions, and revisions).", st->pair_sets) \
  X("pair_revisions", "pair_revisions_total", "counter", 1, "Of the pair sets, revisions: a set again with a late action's pair (it was read after the later one).", st->pair_revisions) \
  X("coordinated_actions", NULL, "counter", 1, "", total_pairs(st))                                                                          \
  X("suppressed", "suppressed_actions_total", "counter", 1, "Actions on objects past the popularity limit (organic).", st->suppressed) \
  X("light_pairs", "light_pairs_total", "counter", 1, "Co-actions under detect.min_action_weight (no evidence).", st->light_pairs)  \
  X("links_rejected", "links_rejected_total", "counter", 1, "URLs without a canonical key.", st->links_rejected)                   \
  X("edges_live", "edges", "gauge", 1, "Live edges of the coordination graph (updated every metrics.interval_s).", st->edges_live) \
  X("evictions", "evictions_total", "counter", 1, "Live entries pushed out of a full window or table (raise detect.max_*).", st->evictions) \
  X("watermark_ms", "watermark_seconds", "gauge", 0.001, "The newest event time processed (Unix seconds).", st->watermark_ms)      \
  X("offsets_held", "offsets_held", "gauge", 1, "1 while a sink has not acknowledged and offsets wait.", st->offsets_held)          \
  X("sinks_backlogged", "sinks_backlogged", "gauge", 1, "1 while a sink holds half of output.max_pending and no tweet is read.", st->sinks_backlogged) \
  X("sink_pending", "sink_pending_events", "gauge", 1, "The most campaign events one sink holds not yet acknowledged.", st->sink_pending) \
  X("replayed", "replayed_total", "counter", 1, "Records read again after a restore or a rebalance (windows only).", st->replayed)  \
  X("handovers", "handovers_total", "counter", 1, "Input partitions' last owners whose activity counts and read marks were merged from their checkpoints (README: stages).", st->handovers) \
  X("handover_failures", "handover_failures_total", "counter", 1, "Last owners' checkpoints that could not be read: their partitions are read as new.", st->handover_failures) \
  X("checkpoints", "checkpoints_total", "counter", 1, "Checkpoints stored and committed.", st->checkpoints)                         \
  X("checkpoint_failures", "checkpoint_failures_total", "counter", 1, "Checkpoints that could not be stored or committed.", st->checkpoint_failures) \
  X("checkpoint_bytes", "checkpoint_bytes", "gauge", 1, "Size of the latest checkpoint.", st->checkpoint_bytes)                    \
  X(NULL, "batches_total", "counter", 1, "Micro-batches processed.", st->batches)                                                  \
  X(NULL, "cluster_runs_total", "counter", 1, "Clustering runs.", st->cluster_runs)                                                \
  X(NULL, "similar_window_rows", "gauge", 1, "Vectors in the similar-text window (updated every metrics.interval_s).", st->window_rows)


int ls_metrics_stats_fields(const struct ls_pipeline_stats *st, const char **fields, uint64_t *values, int max) {
  int n = 0;
#define FIELD(redis, prom, type, scale, help, value) \
  if ((redis) && n < max) {                          \
    fields[n] = (redis);                             \
    values[n++] = (uint64_t)(value);                 \
  }
  SCALARS(FIELD)
#undef FIELD
  return n;
}

/* A label value with \, " and newlines escaped (the exposition format's rules). */
static void label_value(FILE *out, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"') fputc('\\', out);
    if (*v == '\n') fputs("\\n", out);
    else fputc(*v, out);
  }
}

static void family(FILE *out, const char *name, const char *type, const char *help) {
  fprintf(out, "# HELP lockstep_%s %s\n# TYPE lockstep_%s %s\n", name, help, name, type);
}

static void scalars(const struct ls_pipeline_stats *st, FILE *out) {
#define PROM(redis, prom, type, scale, help, value)                                 \
  if (prom) {                                                                       \
    family(out, (const char *)(prom), (type), (help));                              \
    fprintf(out, "lockstep_%s %.17g\n", (const char *)(prom), (double)(value) * (scale)); \
  }
  SCALARS(PROM)
#undef PROM
}

/* Cumulative buckets, as the format wants them. */
static void histogram(FILE *out, const char *name, const char *help, const struct ls_histogram *h) {
  family(out, name, "histogram", help);
  uint64_t cum = 0;
  double bound = h->base;
  for (int i = 0; i < LS_HIST_BUCKETS; i++, bound *= 2) {
    cum += h->le[i];
    fprintf(out, "lockstep_%s_bucket{le=\"%g\"} %llu\n", name, bound, (unsigned long long)cum);
  }
  fprintf(out, "lockstep_%s_bucket{le=\"+Inf\"} %llu\nlockstep_%s_sum %.17g\nlockstep_%s_count %llu\n", name,
          (unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

static void labelled(const struct ls_pipeline_stats *st, FILE *out) {
  family(out, "coordinated_actions_total", "counter", "Coordinated actions (co-actions of two accounts), per signal.");
  for (int s = 0; s < LS_SIG_COUNT; s++)
    fprintf(out, "lockstep_coordinated_actions_total{signal=\"%s\"} %llu\n", ls_signal_name(s), (unsigned long long)st->pairs[s]);
  family(out, "campaign_events_total", "counter", "Campaign events emitted, per state.");
  const uint64_t events[] = {st->events_open, st->events_updated, st->events_closed};
  for (int k = 0; k < 3; k++)
    fprintf(out, "lockstep_campaign_events_total{state=\"%s\"} %llu\n", ls_campaign_state_name((enum ls_campaign_state)k),
            (unsigned long long)events[k]);
  family(out, "stage_seconds_total", "counter", "Time spent per stage (decode: the consumers' threads; the rest: the pipeline's).");
  fprintf(out, "lockstep_stage_seconds_total{stage=\"decode\"} %.9g\n", st->decode_seconds);
  for (int k = 0; k < LS_STAGE_COUNT; k++)
    fprintf(out, "lockstep_stage_seconds_total{stage=\"%s\"} %.9g\n", ls_stage_names[k], st->stage_seconds[k]);
  family(out, "memory_bytes", "gauge", "Bytes of each structure, allocated at start.");
  for (int k = 0; k < LS_MEM_COUNT; k++)
    fprintf(out, "lockstep_memory_bytes{structure=\"%s\"} %llu\n", STRUCTURE_NAMES[k], (unsigned long long)st->memory_bytes[k]);
  histogram(out, "batch_tweets", "Tweets per micro-batch.", &st->batch_tweets);
  histogram(out, "batch_seconds", "Processing time of a micro-batch (signals and similar text).", &st->batch_seconds);
  histogram(out, "cluster_seconds", "Time of a clustering run (graph, tracker, events).", &st->cluster_seconds);
  histogram(out, "checkpoint_seconds", "Time to store a checkpoint and commit its epoch.", &st->checkpoint_seconds);
  histogram(out, "event_latency_seconds",
            "End-to-end latency of a campaign event: from when the oldest tweet its clustering run was the first to see entered a ring.",
            &st->event_latency_seconds);
}

static void context(const struct ls_metrics_context *c, FILE *out) {
  family(out, "build_info", "gauge", "The running build (value 1).");
  fprintf(out, "lockstep_build_info{version=\"");
  label_value(out, c->version);
  fprintf(out, "\",mode=\"%s\"} 1\n", c->mode);
  family(out, "backend_info", "gauge", "The compute backend in use (value 1).");
  fprintf(out, "lockstep_backend_info{backend=\"");
  label_value(out, c->backend);
  fputs("\",device=\"", out);
  label_value(out, c->device);
  fputs("\"} 1\n", out);
  family(out, "ready", "gauge", "1 when /readyz answers 200.");
  fprintf(out, "lockstep_ready %d\n", c->ready);
  family(out, "uptime_seconds", "gauge", "Seconds since the daemon started.");
  fprintf(out, "lockstep_uptime_seconds %.3f\n", c->uptime_s);
  family(out, "ring_used_slots", "gauge", "Tweets waiting in each consumer's ring.");
  for (int r = 0; r < c->n_rings; r++) fprintf(out, "lockstep_ring_used_slots{ring=\"%d\"} %zu\n", r, c->ring_used[r]);
  family(out, "ring_capacity_slots", "gauge", "Slots of each ring (input.ring_capacity).");
  for (int r = 0; r < c->n_rings; r++) fprintf(out, "lockstep_ring_capacity_slots{ring=\"%d\"} %zu\n", r, c->ring_capacity);
  family(out, "kafka_consumer_lag_messages", "gauge", "Messages between a partition's consumer position and its end (librdkafka's cached high watermark).");
  for (int k = 0; k < c->n_lag; k++)
    fprintf(out, "lockstep_kafka_consumer_lag_messages{partition=\"%d\"} %lld\n", c->lag[k].partition, (long long)c->lag[k].lag);
}

/* The process collector's two standard metrics. */
static void process_metrics(FILE *out) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  fprintf(out, "# HELP process_cpu_seconds_total User and system CPU time.\n# TYPE process_cpu_seconds_total counter\n"
               "process_cpu_seconds_total %.6f\n", cpu);
  long pages = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f && fscanf(f, "%*s %ld", &pages) != 1) pages = 0;
  if (f) fclose(f);
  fprintf(out, "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n"
               "process_resident_memory_bytes %lld\n", (long long)pages * sysconf(_SC_PAGESIZE));
}

void ls_metrics_render(const struct ls_pipeline_stats *st, const struct ls_metrics_context *ctx, FILE *out) {
  scalars(st, out);
  labelled(st, out);
  context(ctx, out);
  process_metrics(out);
}
