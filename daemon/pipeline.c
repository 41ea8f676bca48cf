/* pipeline.c — batcher and worker (see pipeline.h). One thread runs this loop; sources fill
 * their rings from their own threads and get back only offset acknowledgements. It composes the
 * stages (stage.h) in one process, handing each stage's records to the next:
 *
 *   rings → dedup → activity → signals.c (actions) → pairs.c (exact pair sets) ─┐
 *                            → embedder → similar.c (co-similar-text pair sets) ─┴→ cluster.c → sinks
 *
 * Exact-signal actions are paired as each tweet is read; the batch's originals are then embedded
 * and searched together. Clustering runs when cluster.c says it is due; its events go to the
 * sinks. With --export-edges, every action and match is also recorded for the network export.
 * With pipeline.role, one daemon runs one stage: ingest sends its actions to the actions topic
 * (stage_out.h) instead of pairing them; pair reads actions (the consumers unpack them into the
 * ring slots) and sends pair sets; cluster reads pair sets and spends them. Records sent again
 * upstream are dropped by the dedup table (action_id). A stage producer also sends watermarks
 * (ls_stage_out_progress: the event time this stage has reached, or idle when it holds nothing),
 * by which the next stage's consumers merge its records with the other producers' in event time.
 * Read marks (read_marks.h): records may then be taken out of offset order, so each partition's
 * readable position is the lowest offset not yet taken.
 * Offsets (offsets.h): a partition's offset is acknowledged to its source only when every sink
 * (and the next stage's topic) reports that all it was given is acknowledged, and never past the oldest tweet still inside the
 * longest signal window and detect.lateness_s behind it (what a late action still meets). */
#include "lockstep/pipeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/activity.h"
#include "lockstep/checkpoint.h"
#include "lockstep/chance.h"
#include "lockstep/clock.h"
#include "lockstep/cluster.h"
#include "lockstep/dedup.h"
#include "lockstep/embedder.h"
#include "lockstep/encode.h"
#include "lockstep/graph.h"
#include "lockstep/hash.h"
#include "lockstep/offsets.h"
#include "lockstep/read_marks.h"
#include "lockstep/pairs.h"
#include "lockstep/signals.h"
#include "lockstep/similar.h"
#include "lockstep/text_shards.h"
#include "lockstep/text_windows.h"
#include "lockstep/stage_out.h"
#include "lockstep/textnorm.h"
#include "lockstep/utf8.h"

#define OFFSET_CHECKPOINTS 4096 /* batches per partition within one window before hold-back shortens */
#define MIN_SIMILAR_TOKENS 4 /* co-similar-text: shorter texts match too easily */
#define ACTIVITY_HALF_LIFE_MS 2495328 /* activity counts halve in 41.6 min: a mean life of one hour */
#define CHECKPOINT_FORMAT 6 /* 2: the cluster stage's part in one section; 3: with its tweets' budgets; 4: offsets read ahead; 5: activity before the read marks; 6: each set's share (revisions) */
#define EVIDENCE_BYTES (LS_TEXT_MAX + 512) /* a packed tweet with a text prefix, username and author */

struct item {
  struct ls_tweet *t; /* a stage record's: its tweet (a pair set's evidence) */
  const struct ls_stage_rec *rec; /* pair and cluster roles: the record read */
  uint64_t text_key; /* co-tweet key of the canonical text (0: none) */
  char *norm; /* normalised text */
  uint32_t norm_len, tokens;
  bool coordinated;
  bool replayed; /* read again after a restore: the checkpoint holds its co-actions with other replayed tweets */
};

struct ls_pipeline {
  struct ls_config cfg;
  enum ls_role role;
  struct ls_stage_out *out; /* ingest, pair: the next stage's topic */
  struct ls_stage_buf rec_buf;
  uint8_t evidence[EVIDENCE_BYTES]; /* ingest: the tweet being read, packed for the cluster stage */
  const struct ls_log *log;
  struct ls_backend *be;
  struct ls_sink *const *sinks;
  int n_sinks;
  struct ls_pipeline_source src[LS_MAX_SOURCES];
  int n_src;
  size_t taken[LS_MAX_SOURCES]; /* slots of each ring in the current batch */

  struct ls_dedup dedup;
  struct ls_activity *activity;
  struct ls_chance chance;
  struct ls_signals *signals;   /* ingest: actions */
  struct ls_pairs *pairs;       /* pair: exact signals */
  struct ls_pair_sets sets[LS_MAX_ACTIONS]; /* pair: one tweet's exact sets (a stage record's: sets[0]) */
  struct ls_text_windows *texts; /* pair: co-similar-text windows (NULL when off) */
  struct ls_text_shards *shards; /* ingest with pipeline.text_shards: where each vector goes */
  struct ls_cluster *cluster;   /* cluster: graph, tracker */
  struct ls_embedder *embedder; /* NULL when co-similar-text is off */
  uint32_t dim;
  float tau; /* similarity threshold: configured, or the embedder's default */

  struct item *items;
  char *norm_mem;
  size_t norm_stride;
  float *vectors;
  const char **embed_texts;
  uint32_t *embed_lens, *embed_items;
  struct ls_similar_query *queries;
  int32_t *query_part; /* pair: the actions partition each query was read from */

  struct ls_export *export; /* NULL unless --export-edges */
  struct ls_offsets *offsets;
  struct ls_checkpoint *ck; /* NULL: no checkpoints, offsets acknowledged as the sinks acknowledge */
  double ck_interval_s, last_ck_wall;
  uint64_t epoch; /* the sinks' open epoch: the next checkpoint's number */
  struct ls_read_marks *read; /* what was read before (a restore's tail, a partition given back) */
  int64_t hold_ms; /* the longest enabled signal window and the lateness allowed: how far acknowledgements hold back */
  int64_t first_new_ms; /* when the oldest tweet taken since the last clustering entered its ring (0: none) */
  struct ls_pipeline_stats st;
};

/* Adds the time since `since` to a stage; returns now. */
static double lap(struct ls_pipeline *p, enum ls_stage stage, double since) {
  double now = ls_clock_s();
  p->st.stage_seconds[stage] += now - since;
  return now;
}

static double mib(size_t b) { return b / 1048576.0; }

static int open_embedder(struct ls_pipeline *p, struct ls_err *err) {
  const struct ls_config *c = &p->cfg;
  p->dim = 1;
  if (!c->signal[LS_SIG_SIMILAR].enabled) return LS_OK;
  struct ls_embedder_opts o = {.model = c->embed.model, .hash_dim = (uint32_t)c->embed.dim,
                               .max_batch_tokens = (uint32_t)c->embed.max_batch_tokens, .unit = true};
  int rc = ls_embedder_open(&p->embedder, &o, p->be, p->log, err);
  if (rc != LS_OK) return rc;
  p->dim = ls_embedder_dim(p->embedder);
  p->tau = (float)(c->embed.similarity_threshold > 0 ? c->embed.similarity_threshold : ls_embedder_default_threshold(p->embedder));
  return LS_OK;
}

static struct ls_chance chance_of(const struct ls_config *c) {
  struct ls_chance ch = {.organic_accounts = (double)c->detect.organic_accounts, .active_actions = (double)c->detect.active_actions,
                         .min_weight = c->detect.min_action_weight};
  for (int s = 0; s < LS_SIG_COUNT; s++) ch.time_scale_ms[s] = (double)c->signal[s].time_scale_s * 1000;
  return ch;
}

void ls_pipeline_reconfigure(struct ls_pipeline *p, const struct ls_config *cfg) {
  p->cfg = *cfg;
  p->chance = chance_of(cfg);
  if (p->cluster) ls_cluster_reconfigure(p->cluster, &p->cfg);
  for (int i = 0; i < p->n_sinks; i++)
    if (p->sinks[i]->i->reconfigure) p->sinks[i]->i->reconfigure(p->sinks[i], cfg);
}

/* The stages a role runs (README: stages): ingest reads tweets into actions, pair holds the
 * windows, cluster the graph; all runs every one. */
static bool reads_tweets(enum ls_role r) { return r == LS_ROLE_ALL || r == LS_ROLE_INGEST; }
static bool pairs_actions(enum ls_role r) { return r == LS_ROLE_ALL || r == LS_ROLE_PAIR; }
static bool clusters(enum ls_role r) { return r == LS_ROLE_ALL || r == LS_ROLE_CLUSTER; }

/* The stages of the role, each sized from the configuration once (what it does not run, it
 * does not allocate). */
static int create_stages(struct ls_pipeline *p, struct ls_err *err) {
  const struct ls_config *c = &p->cfg;
  p->chance = chance_of(c);
  int rc = p->role == LS_ROLE_CLUSTER ? LS_OK : open_embedder(p, err);
  if (rc == LS_OK) rc = ls_dedup_init(&p->dedup, (uint32_t)c->detect.dedup_capacity, err);
  if (rc == LS_OK && reads_tweets(p->role)) rc = ls_activity_create(&p->activity, (uint32_t)c->detect.max_accounts, ACTIVITY_HALF_LIFE_MS, err);
  if (rc == LS_OK && reads_tweets(p->role)) rc = ls_signals_create(&p->signals, c, err);
  if (rc == LS_OK && pairs_actions(p->role)) rc = ls_pairs_create(&p->pairs, c, &p->chance, err);
  if (rc == LS_OK && p->embedder && pairs_actions(p->role))
    rc = ls_text_windows_create(&p->texts, c, p->be, p->dim, p->tau, p->role == LS_ROLE_ALL, &p->chance, p->log, err);
  if (rc == LS_OK && p->embedder && p->role == LS_ROLE_INGEST && c->pipeline.text_shards[0])
    rc = ls_text_shards_open(&p->shards, c->pipeline.text_shards, p->dim, (uint32_t)c->pipeline.text_shard_spill, err);
  if (rc == LS_OK && clusters(p->role)) rc = ls_cluster_create(&p->cluster, c, &p->chance, err);
  if (rc == LS_OK) rc = ls_offsets_create(&p->offsets, LS_MAX_SOURCES * LS_MAX_PARTITIONS, OFFSET_CHECKPOINTS, err);
  if (rc == LS_OK) rc = ls_read_marks_create(&p->read, LS_MAX_PARTITIONS, err);
  return rc;
}

static int create_state(struct ls_pipeline *p, struct ls_err *err) {
  const struct ls_config *c = &p->cfg;
  uint32_t nb = (uint32_t)c->batch.max_tweets;
  int rc = create_stages(p, err);
  if (rc != LS_OK) return rc;
  p->epoch = 1;
  p->norm_stride = (size_t)c->input.max_text_bytes + 1;
  p->items = calloc(nb, sizeof *p->items);
  p->norm_mem = malloc(nb * p->norm_stride);
  p->vectors = malloc((size_t)nb * p->dim * sizeof(float));
  p->embed_texts = malloc(nb * sizeof *p->embed_texts);
  p->embed_lens = malloc(nb * sizeof *p->embed_lens);
  p->embed_items = malloc(nb * sizeof *p->embed_items);
  p->queries = malloc(nb * sizeof *p->queries);
  p->query_part = malloc(nb * sizeof *p->query_part);
  if (!p->items || !p->norm_mem || !p->vectors || !p->embed_texts || !p->embed_lens || !p->embed_items || !p->queries || !p->query_part)
    return ls_err_set(err, LS_ENOMEM, "pipeline: out of memory for batch buffers");
  for (int s = 0; s < LS_SIG_COUNT && pairs_actions(p->role); s++) /* the roles with windows */
    if (c->signal[s].enabled && c->signal[s].window_s * 1000 > p->hold_ms) p->hold_ms = c->signal[s].window_s * 1000;
  if (p->hold_ms) p->hold_ms += c->detect.lateness_s * 1000; /* a late action still meets its window that far back */
  return LS_OK;
}

static size_t batch_bytes(const struct ls_pipeline *p) { return (size_t)p->cfg.batch.max_tweets * (p->norm_stride + p->dim * sizeof(float)); }

/* Histograms' first buckets, and the sizes of what was allocated at start. */
static void init_metrics(struct ls_pipeline *p) {
  struct ls_pipeline_stats *st = &p->st;
  ls_hist_init(&st->batch_tweets, 1);
  ls_hist_init(&st->batch_seconds, 0.0005);
  ls_hist_init(&st->cluster_seconds, 0.0005);
  ls_hist_init(&st->checkpoint_seconds, 0.001);
  ls_hist_init(&st->event_latency_seconds, 0.01);
  st->memory_bytes[LS_MEM_DEDUP] = ls_dedup_bytes(&p->dedup);
  st->memory_bytes[LS_MEM_OBJECTS] = ls_pairs_bytes(p->pairs);
  st->memory_bytes[LS_MEM_ACTIVITY] = ls_activity_bytes(p->activity);
  st->memory_bytes[LS_MEM_GRAPH] = ls_cluster_bytes(p->cluster);
  st->memory_bytes[LS_MEM_BATCH] = batch_bytes(p);
  if (p->texts) st->memory_bytes[LS_MEM_WINDOW] = ls_text_windows_bytes(p->texts);
}

static void log_sizes(struct ls_pipeline *p) {
  ls_logf(p->log, LS_LOG_INFO, "pipeline",
          "memory dedup=%.1fMiB objects=%.1fMiB activity=%.1fMiB graph=%.1fMiB batch=%.1fMiB backend=%s device=\"%s\"",
          mib(ls_dedup_bytes(&p->dedup)), mib(ls_pairs_bytes(p->pairs)), mib(ls_activity_bytes(p->activity)), mib(ls_cluster_bytes(p->cluster)),
          mib(batch_bytes(p)), p->be->i->name, p->be->device);
}

int ls_pipeline_create(struct ls_pipeline **out, const struct ls_config *cfg, struct ls_backend *be,
                       struct ls_sink *const *sinks, int n_sinks, const struct ls_log *log, struct ls_err *err) {
  struct ls_pipeline *p = calloc(1, sizeof *p);
  if (!p) return ls_err_set(err, LS_ENOMEM, "pipeline: out of memory");
  p->cfg = *cfg;
  p->role = ls_config_role(cfg);
  p->log = log;
  p->be = be;
  p->sinks = sinks;
  p->n_sinks = n_sinks;
  int rc = create_state(p, err);
  if (rc != LS_OK) {
    ls_pipeline_destroy(p);
    return rc;
  }
  init_metrics(p);
  log_sizes(p);
  *out = p;
  return LS_OK;
}

void ls_pipeline_destroy(struct ls_pipeline *p) {
  if (!p) return;
  ls_dedup_free(&p->dedup);
  free(p->rec_buf.buf);
  ls_activity_destroy(p->activity);
  ls_signals_destroy(p->signals);
  ls_pairs_destroy(p->pairs);
  ls_text_windows_destroy(p->texts);
  ls_text_shards_close(p->shards);
  ls_cluster_destroy(p->cluster);
  ls_embedder_close(p->embedder);
  free(p->items);
  free(p->norm_mem);
  free(p->vectors);
  free(p->embed_texts);
  free(p->embed_lens);
  free(p->embed_items);
  free(p->queries);
  free(p->query_part);
  ls_read_marks_destroy(p->read);
  ls_offsets_destroy(p->offsets);
  free(p);
}

void ls_pipeline_set_stage_out(struct ls_pipeline *p, struct ls_stage_out *out) { p->out = out; }

void ls_pipeline_record_limits(const struct ls_pipeline *p, uint32_t *dim, uint32_t *max_partners) {
  uint32_t most = ls_chance_max_accounts(&p->chance);
  *dim = p->dim;
  *max_partners = most > LS_OBJECT_RECENT ? most : LS_OBJECT_RECENT;
}

void ls_pipeline_set_export(struct ls_pipeline *p, struct ls_export *x) {
  p->export = x;
  if (p->texts) ls_text_windows_set_export(p->texts, x);
}

int ls_pipeline_add_source(struct ls_pipeline *p, const struct ls_pipeline_source *src, struct ls_err *err) {
  if (p->n_src == LS_MAX_SOURCES) return ls_err_set(err, LS_EINVAL, "pipeline: at most %d sources", LS_MAX_SOURCES);
  p->src[p->n_src++] = *src;
  return LS_OK;
}

/* --- events and sinks ------------------------------------------------------------------------ */

/* The stream's event time now: a paced source's clock, else the newest event time seen. */
static int64_t stream_now(const struct ls_pipeline *p) {
  for (int s = 0; s < p->n_src; s++) {
    int64_t t = p->src[s].clock_ms ? p->src[s].clock_ms(p->src[s].ud) : -1;
    if (t > 0) return t;
  }
  return p->st.watermark_ms;
}

static void on_event(void *ud, const struct ls_campaign_event *ev) {
  struct ls_pipeline *p = ud;
  struct ls_campaign_event stamped = *ev;
  stamped.as_of_ms = stream_now(p);
  const struct ls_campaign_event *e = &stamped;
  uint64_t *count = e->state == LS_CAMPAIGN_OPEN ? &p->st.events_open
                    : e->state == LS_CAMPAIGN_UPDATED ? &p->st.events_updated : &p->st.events_closed;
  (*count)++;
  if (p->first_new_ms) ls_hist_observe(&p->st.event_latency_seconds, ls_clock_s() - (double)p->first_new_ms / 1000);
  ls_logf(p->log, LS_LOG_INFO, "campaign", "%s id=%s version=%u accounts=%u tweets=%" PRIu64 " score=%.3f",
          ls_campaign_state_name(e->state), e->id, e->version, e->n_accounts, e->tweet_count, e->score);
  for (int i = 0; i < p->n_sinks; i++) p->sinks[i]->i->write(p->sinks[i], e);
}

/* True when every sink has acknowledged everything it was given. */
static bool flush_sinks(struct ls_pipeline *p, int timeout_ms) {
  double t0 = ls_clock_s();
  bool clean = true;
  uint64_t failures = 0, retries = 0, held = 0;
  for (int i = 0; i < p->n_sinks; i++) {
    struct ls_sink *s = p->sinks[i];
    clean &= s->i->flush(s, timeout_ms) == LS_OK;
    failures += s->failed;
    retries += s->deferred;
    size_t n = s->i->held ? s->i->held(s) : 0;
    if (n > held) held = n;
  }
  if (p->out) clean &= ls_stage_out_settled(p->out, timeout_ms > 1000 ? timeout_ms : 1000);
  p->st.sink_failures = failures;
  p->st.sink_retries = retries;
  p->st.sink_pending = held;
  lap(p, LS_STAGE_SINKS, t0);
  return clean;
}

static void on_safe_offset(void *ud, int source, int32_t partition, int64_t next_offset) {
  struct ls_pipeline *p = ud;
  p->src[source].ack(p->src[source].ud, partition, next_offset);
}

/* Refreshes the counters the cluster stage keeps (scan: also the graph's, a scan of its edges). */
static void cluster_counters(struct ls_pipeline *p, bool scan) {
  struct ls_cluster_stats cs = {.edges_live = p->st.edges_live, .evictions = p->st.evictions};
  if (p->cluster) ls_cluster_stats(p->cluster, p->st.watermark_ms, scan, &cs);
  else cs.evictions = 0; /* a role without the graph evicts from its windows only */
  p->st.campaigns_active = cs.campaigns_active;
  p->st.campaigns_opened = cs.campaigns_opened;
  p->st.operations = cs.operations;
  p->st.edges_live = cs.edges_live;
  if (scan) p->st.evictions = cs.evictions + ls_pairs_evictions(p->pairs);
}

/* --- checkpoints ------------------------------------------------------------------------------ */

static uint64_t version_fingerprint(void) {
  return ls_hash_combine(ls_hash64(LS_VERSION, sizeof LS_VERSION - 1, sizeof(struct ls_pipeline_stats)), CHECKPOINT_FORMAT);
}

/* The whole state that the windows do not rebuild (README: checkpoints), and the sinks' epoch. */
static void save_state(struct ls_pipeline *p, struct ls_snap *w) {
  ls_snap_section(w, "LSCK", version_fingerprint());
  ls_snap_u64(w, p->epoch);
  ls_snap_put(w, &p->st, sizeof p->st);
  if (p->activity) ls_activity_save(p->activity, w);
  ls_read_marks_save(p->read, w);
  if (p->cluster) ls_cluster_save(p->cluster, w);
  for (int i = 0; i < p->n_sinks; i++) {
    if (!p->sinks[i]->i->pending) continue;
    ls_snap_section(w, p->sinks[i]->i->name, 0);
    p->sinks[i]->i->pending(p->sinks[i], w);
  }
}

/* A checkpoint's header (this build's), its epoch and counters; false when the reader failed. */
static bool read_header(struct ls_snap_reader *r, uint64_t *epoch, struct ls_pipeline_stats *st) {
  if (!ls_snap_expect(r, "LSCK", version_fingerprint())) return false;
  *epoch = ls_snap_get_u64(r);
  return ls_snap_get(r, st, sizeof *st);
}

static int load_state(struct ls_pipeline *p, struct ls_snap_reader *r, struct ls_err *err) {
  if (!read_header(r, &p->epoch, &p->st)) return ls_snap_status(r, err);
  int rc = p->activity ? ls_activity_load(p->activity, r, err) : LS_OK;
  if (rc == LS_OK) rc = ls_read_marks_load(p->read, r, NULL, err);
  if (rc == LS_OK && p->cluster) rc = ls_cluster_load(p->cluster, r, err);
  return rc;
}

/* Another daemon's checkpoint merged into ours for the partitions handed over from it: its
 * activity counts (ls_activity_merge; a role that reads tweets) and its read marks of those
 * partitions (ls_read_marks_load). */
static int merge_handed_over(struct ls_pipeline *p, const struct ls_handover *h, size_t *bytes, struct ls_err *err) {
  uint8_t *buf;
  int rc = ls_checkpoint_load_other(p->ck, h->key, &buf, bytes, err);
  if (rc == LS_OK && !buf) rc = ls_err_set(err, LS_EINVAL, "none is stored");
  if (rc != LS_OK) return rc;
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, buf, *bytes);
  uint64_t epoch;
  struct ls_pipeline_stats theirs;
  rc = !read_header(&r, &epoch, &theirs) ? ls_snap_status(&r, err) : p->activity ? ls_activity_merge(p->activity, &r, err) : LS_OK;
  if (rc == LS_OK) rc = ls_read_marks_load(p->read, &r, h->partitions, err);
  free(buf);
  return rc;
}

/* Partitions of the input handed over from another daemon (kafka.h: checkpoint_key), before any
 * of their records is read here:
 *  - an ingest daemon merges its activity counts: without them a busy account's co-actions
 *    would weigh as a quiet one's;
 *  - its read marks of those partitions are merged: what it read is then read again here as
 *    replayed, rebuilding the windows only. Without them, a pair of actions it had paired would
 *    be paired again if read in the other order (each action's set is then new: the pair counted
 *    twice), and an ingest daemon would count its tweets' authors again.
 * A failure is counted and logged, not fatal: the partitions are then read as new. The cluster
 * stage takes nothing: its state is its graph, of which no other daemon holds a share (its sets
 * are spent against this daemon's budgets). */
static void hand_over(struct ls_pipeline *p, const struct ls_handover *h) {
  if (!p->ck || p->role == LS_ROLE_CLUSTER) return; /* the consumer announces other daemons only */
  struct ls_err err;
  size_t bytes = 0;
  double t0 = ls_clock_s();
  int rc = merge_handed_over(p, h, &bytes, &err);
  if (rc == LS_OK) {
    p->st.handovers++;
    ls_logf(p->log, LS_LOG_INFO, "checkpoint", "partitions handed over from %s: merged its %s (%zu bytes in %.0f ms)", h->key,
            p->activity ? "activity counts and read marks" : "read marks", bytes, (ls_clock_s() - t0) * 1000);
  } else {
    p->st.handover_failures++;
    ls_logf(p->log, LS_LOG_WARN, "checkpoint", "partitions handed over from %s: its %s not merged, the partitions are read as new: %s", h->key,
            p->activity ? "activity counts and read marks" : "read marks", err.msg);
  }
}

/* Stores a checkpoint, then lets the sinks commit its epoch, then acknowledges the offsets it
 * covers: a crash between any two steps leaves a checkpoint that the committed offsets cover
 * (they only ever lag behind it) and an epoch that recovery finishes. */
static void checkpoint(struct ls_pipeline *p) {
  struct ls_snap w = {0};
  struct ls_err err;
  double t0 = ls_clock_s();
  p->last_ck_wall = t0;
  save_state(p, &w);
  int rc = ls_snap_done(&w, &err);
  if (rc == LS_OK) rc = ls_checkpoint_save(p->ck, w.buf, w.len, &err);
  double stored = ls_clock_s();
  for (int i = 0; rc == LS_OK && i < p->n_sinks; i++)
    if (p->sinks[i]->i->commit) rc = p->sinks[i]->i->commit(p->sinks[i], p->epoch, &err);
  if (rc == LS_OK) {
    p->st.checkpoints++;
    p->st.checkpoint_bytes = w.len;
    p->epoch++;
    ls_offsets_advance(p->offsets, p->st.watermark_ms - p->hold_ms, on_safe_offset, p);
    ls_logf(p->log, LS_LOG_DEBUG, "checkpoint", "epoch %" PRIu64 " stored: %zu bytes in %.0f ms, committed in %.0f ms",
            p->epoch - 1, w.len, (stored - t0) * 1000, (ls_clock_s() - stored) * 1000);
  } else {
    p->st.checkpoint_failures++;
    if (ls_log_sampled(p->st.checkpoint_failures))
      ls_logf(p->log, rc == LS_EUNAVAIL ? LS_LOG_WARN : LS_LOG_ERROR, "checkpoint", "%s (offsets wait for the next checkpoint; failures=%" PRIu64 ")", err.msg,
              p->st.checkpoint_failures);
  }
  ls_snap_free(&w);
  ls_hist_observe(&p->st.checkpoint_seconds, lap(p, LS_STAGE_CHECKPOINT, t0) - t0);
}

void ls_pipeline_set_checkpoint(struct ls_pipeline *p, struct ls_checkpoint *ck, double interval_s) {
  p->ck = ck;
  p->ck_interval_s = interval_s;
}

int ls_pipeline_restore(struct ls_pipeline *p, struct ls_err *err) {
  uint8_t *buf;
  size_t len;
  int rc = ls_checkpoint_load(p->ck, &buf, &len, err);
  if (rc != LS_OK) return rc;
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, buf, len);
  if (!buf) {
    ls_logf(p->log, LS_LOG_INFO, "checkpoint", "none at %s: starting empty", ls_checkpoint_key(p->ck));
  } else if ((rc = load_state(p, &r, err)) == LS_OK) {
    for (int i = 0; rc == LS_OK && i < p->n_sinks; i++) {
      if (!p->sinks[i]->i->recover) continue;
      if (ls_snap_expect(&r, p->sinks[i]->i->name, 0)) rc = p->sinks[i]->i->recover(p->sinks[i], p->epoch, &r, err);
      else rc = ls_err_set(err, LS_EINVAL, "checkpoint: written without the %s sink's events (was a sink turned on?)", p->sinks[i]->i->name);
    }
    if (rc == LS_OK) p->epoch++;
  }
  if (rc == LS_OK && buf) {
    cluster_counters(p, false);
    ls_logf(p->log, LS_LOG_INFO, "checkpoint", "restored epoch %" PRIu64 " from %s (%zu bytes): %" PRIu64 " tweets, %u active campaigns, watermark %" PRId64,
            p->epoch - 1, ls_checkpoint_key(p->ck), len, p->st.tweets, p->st.campaigns_active, p->st.watermark_ms);
  }
  free(buf);
  return rc;
}

const int64_t *ls_pipeline_positions(const struct ls_pipeline *p) { return ls_read_marks_positions(p->read); }

/* Without checkpoints, offsets follow the sinks' acknowledgements; with them, only checkpoints
 * acknowledge: every checkpoint.interval_s when the sinks are clean, or now (the last one of a
 * drain) when forced. */
static void acknowledge(struct ls_pipeline *p, bool sinks_clean, bool force) {
  p->st.offsets_held = !sinks_clean;
  if (!sinks_clean) return;
  if (!p->ck) ls_offsets_advance(p->offsets, p->st.watermark_ms - p->hold_ms, on_safe_offset, p);
  else if (force || ls_clock_s() - p->last_ck_wall >= p->ck_interval_s) checkpoint(p);
}

static void cluster(struct ls_pipeline *p) {
  struct ls_err err;
  double t0 = ls_clock_s();
  p->st.cluster_runs++;
  if (ls_cluster_run(p->cluster, p->be, p->st.watermark_ms, on_event, p, &err) != LS_OK)
    ls_logf(p->log, LS_LOG_ERROR, "pipeline", "clustering failed: %s", err.msg);
  cluster_counters(p, false);
  p->first_new_ms = 0;
  ls_hist_observe(&p->st.cluster_seconds, lap(p, LS_STAGE_CLUSTER, t0) - t0);
}

static void maybe_cluster(struct ls_pipeline *p, bool idle) {
  if (p->cluster && ls_cluster_due(p->cluster, p->st.watermark_ms, idle)) cluster(p);
}

/* --- stages ----------------------------------------------------------------------------------- */

/* --- the topics between stages (roles ingest and pair) ---------------------------------------- */

/* The partition of the next stage's topic for key. */
static int32_t partition_of(const struct ls_pipeline *p, uint64_t key) {
  return (int32_t)(ls_mix64(key) % (uint64_t)ls_stage_out_partitions(p->out));
}

static void send(struct ls_pipeline *p, enum ls_stage_kind kind, const struct ls_stage_rec *r, int32_t partition, uint64_t key) {
  struct ls_err err;
  if (ls_stage_pack(kind, r, p->dim, &p->rec_buf, &err) == LS_OK) ls_stage_out_send(p->out, partition, key, &p->rec_buf, r->set.act.t_ms);
  else ls_logf(p->log, LS_LOG_ERROR, "stage", "%s not sent: %s", ls_stage_kind_name(kind), err.msg);
}

/* Ingest: the tweet's evidence for the cluster stage, packed into p->evidence (its length). */
static uint32_t pack_evidence(struct ls_pipeline *p, const struct ls_tweet *t) {
  struct ls_tweet e = {.id = t->id, .author_id = t->author_id, .created_at_ms = t->created_at_ms, .text = t->text,
                       .text_len = (uint32_t)ls_utf8_prefix(t->text, t->text_len, LS_TEXT_MAX), .username = t->username, .author = t->author};
  return (uint32_t)ls_encode_protobuf(&e, p->evidence, sizeof p->evidence);
}

/* Ingest: one action to the pair stage, by object key; co-similar-text to each partition of
 * its shards (text_shards.h), or without shards to partition 0, where the one text window is. */
static void send_action(struct ls_pipeline *p, const struct ls_action_rec *a, uint64_t text_key, const float *vector, uint32_t evidence_len) {
  struct ls_stage_rec r = {.set.act = *a, .text_key = text_key, .vector = vector, .evidence = p->evidence, .evidence_len = evidence_len};
  if (a->signal != LS_SIG_SIMILAR) {
    send(p, LS_STAGE_ACTION, &r, partition_of(p, a->key), a->key);
    return;
  }
  int32_t partitions = ls_stage_out_partitions(p->out); /* a record names partitions below LS_MAX_PARTITIONS */
  if (p->shards) r.n_parts = ls_text_shards_route(p->shards, vector, (uint32_t)(partitions < LS_MAX_PARTITIONS ? partitions : LS_MAX_PARTITIONS), r.parts);
  for (uint32_t i = 0; i < (r.n_parts ? r.n_parts : 1); i++) send(p, LS_STAGE_ACTION, &r, r.n_parts ? r.parts[i] : 0, a->tweet);
  p->st.text_copies += r.n_parts ? r.n_parts : 1;
}

/* Counts a pair set with partners: its co-actions (a revision adds one), and revisions apart. */
static void count_set(struct ls_pipeline *p, const struct ls_pairset *set) {
  p->st.pairs[set->act.signal] += set->revision ? 1 : set->n;
  p->st.pair_sets++;
  p->st.pair_revisions += set->revision > 0;
}

/* Pair: a pair set with partners to the cluster stage, by tweet, with the evidence of the action
 * read (a revision's: the late action's, whose tweet it ties). */
static void send_pairset(struct ls_pipeline *p, const struct ls_pairset *set, const struct ls_stage_rec *from) {
  struct ls_stage_rec r = {.set = *set, .evidence = from->evidence, .evidence_len = from->evidence_len};
  count_set(p, set);
  send(p, LS_STAGE_PAIRSET, &r, partition_of(p, set->act.tweet), set->act.tweet);
}

/* A pair set into the cluster stage; true when it tied the tweet read (the set's, or a
 * revision's late partner) to another account. */
static bool spend(struct ls_pipeline *p, const struct ls_pairset *set) {
  if (set->n) count_set(p, set);
  return ls_cluster_add(p->cluster, set);
}

/* An exact action into the pair stage: its sets in *out (README: stages, order-free pairs). */
static void pair_exact(struct ls_pipeline *p, const struct ls_action_rec *a, struct ls_pair_sets *out) {
  if (ls_pairs_observe(p->pairs, a, out) < 0) p->st.suppressed++;
  p->st.light_pairs += out->set[0].light;
}

/* The exact signals of one tweet: its actions, their pair sets from the object windows, and
 * those spent in signal order; *t is the clock of the stages' times. */
static void exact_signals(struct ls_pipeline *p, struct item *it, double *t) {
  struct ls_action_rec acts[LS_MAX_ACTIONS];
  struct ls_signals_out so;
  uint32_t n = ls_signals_actions(p->signals, it->t, it->norm, it->norm_len, it->tokens, ls_activity_count(p->activity, it->t->author_id),
                                  it->replayed, acts, &so);
  it->text_key = so.text_key;
  p->st.links_rejected += so.links_rejected;
  p->st.actions += n;
  for (uint32_t k = 0; p->export && k < n; k++)
    ls_export_action(p->export, acts[k].signal, acts[k].key, acts[k].account, acts[k].tweet, acts[k].t_ms);
  *t = lap(p, LS_STAGE_SIGNALS, *t);
  if (p->role == LS_ROLE_INGEST) {
    uint32_t ev = n ? pack_evidence(p, it->t) : 0;
    for (uint32_t k = 0; k < n; k++) send_action(p, &acts[k], 0, NULL, ev);
    *t = lap(p, LS_STAGE_SINKS, *t);
    return;
  }
  for (uint32_t k = 0; k < n; k++) pair_exact(p, &acts[k], &p->sets[k]);
  *t = lap(p, LS_STAGE_PAIRS, *t);
  for (uint32_t k = 0; k < n; k++)
    for (uint32_t j = 0; j < p->sets[k].n; j++) it->coordinated |= spend(p, &p->sets[k].set[j]);
  *t = lap(p, LS_STAGE_EVIDENCE, *t);
}

static bool similar_candidate(const struct item *it) {
  return it->t && !it->t->retweet_of && it->tokens >= MIN_SIMILAR_TOKENS;
}

/* The batch's originals, embedded and searched together; their pair sets are spent in order. *t
 * is the clock of the stages' times. */
static void similar_text(struct ls_pipeline *p, uint32_t n_items, double *t) {
  if (!p->embedder) return;
  uint32_t n = 0;
  for (uint32_t i = 0; i < n_items; i++) {
    const struct item *it = &p->items[i];
    if (!similar_candidate(it)) continue;
    p->embed_texts[n] = it->norm;
    p->embed_lens[n] = it->norm_len;
    p->queries[n] = (struct ls_similar_query){.act = {.tweet = it->t->id, .account = it->t->author_id, .t_ms = it->t->created_at_ms,
                                                      .activity = ls_activity_count(p->activity, it->t->author_id),
                                                      .signal = LS_SIG_SIMILAR, .replayed = it->replayed},
                                              .text_key = it->text_key};
    p->embed_items[n++] = i;
  }
  struct ls_similar_out out;
  struct ls_err err;
  *t = lap(p, LS_STAGE_SIGNALS, *t);
  int rc = n ? ls_embedder_embed(p->embedder, p->embed_texts, p->embed_lens, n, p->vectors, &err) : LS_OK;
  *t = lap(p, LS_STAGE_EMBED, *t);
  if (rc == LS_OK && p->role == LS_ROLE_INGEST) {
    for (uint32_t k = 0; k < n; k++)
      send_action(p, &p->queries[k].act, p->queries[k].text_key, p->vectors + (size_t)k * p->dim, pack_evidence(p, p->items[p->embed_items[k]].t));
    p->st.actions += n;
    *t = lap(p, LS_STAGE_SINKS, *t);
    return;
  }
  if (rc == LS_OK) rc = ls_text_windows_batch(p->texts, p->queries, NULL, p->vectors, n, p->st.watermark_ms, &out, &err);
  *t = lap(p, LS_STAGE_SIMILAR, *t);
  if (rc != LS_OK) {
    ls_logf(p->log, LS_LOG_ERROR, "pipeline", "co-similar-text skipped for a batch of %u: %s", n, err.msg);
    return;
  }
  p->st.actions += n;
  p->st.suppressed += out.suppressed;
  p->st.light_pairs += out.light;
  for (uint32_t k = 0; k < out.n_sets; k++)
    if (spend(p, &out.sets[k])) p->items[p->embed_items[out.query[k]]].coordinated = true;
  *t = lap(p, LS_STAGE_EVIDENCE, *t);
}

/* --- batches ---------------------------------------------------------------------------------- */

/* Notes the record's offset; true when it was read before (before a restore, or before a
 * rebalance gave its partition back): its co-actions with other such records are known. */
static bool note_offset(struct ls_pipeline *p, int s, const struct ls_tweet *t) {
  if (!p->src[s].ack || t->partition < 0 || t->partition >= LS_MAX_PARTITIONS) return false;
  int64_t next = t->offset + 1 - t->behind;
  ls_offsets_note(p->offsets, s, t->partition, t->offset, next, t->id ? t->created_at_ms : 0);
  return ls_read_marks_note(p->read, t->partition, t->offset, next);
}

/* Fills p->items from the rings (at most max_tweets); returns the count. */
static uint32_t take(struct ls_pipeline *p, uint32_t n, uint64_t *tokens) {
  uint32_t max = (uint32_t)p->cfg.batch.max_tweets;
  for (int s = 0; s < p->n_src && n < max; s++) {
    size_t avail = ls_ring_readable(p->src[s].ring);
    while (p->taken[s] < avail && n < max && *tokens < (uint64_t)p->cfg.embed.max_batch_tokens) {
      struct ls_ring_slot *slot = ls_ring_peek(p->src[s].ring, p->taken[s]++);
      struct ls_tweet *t = &slot->tweet;
      if (slot->handover) hand_over(p, slot->handover); /* before the tweets of its partitions, which follow it */
      bool replayed = note_offset(p, s, t);
      if (t->id && !replayed && t->arrived_ms > 0 && (!p->first_new_ms || t->arrived_ms < p->first_new_ms)) p->first_new_ms = t->arrived_ms;
      *tokens += t->text_len / 4 + 1;
      p->items[n++] = (struct item){.t = t->id ? t : NULL, .rec = &slot->rec, .replayed = replayed};
    }
  }
  return n;
}

static uint32_t gather(struct ls_pipeline *p) {
  uint64_t tokens = 0;
  uint32_t n = take(p, 0, &tokens);
  if (n == 0) return 0;
  double deadline = ls_clock_s() + p->cfg.batch.max_latency_ms / 1000.0;
  while (n < (uint32_t)p->cfg.batch.max_tweets && tokens < (uint64_t)p->cfg.embed.max_batch_tokens && ls_clock_s() < deadline) {
    nanosleep(&(struct timespec){0, 200000}, NULL);
    n = take(p, n, &tokens);
  }
  return n;
}

/* Normalised text of an original tweet; retweets carry someone else's text and get none. */
static void prepare_item(struct ls_pipeline *p, struct item *it, uint32_t i) {
  it->norm = p->norm_mem + i * p->norm_stride;
  it->text_key = 0;
  it->norm_len = (uint32_t)ls_signals_text(p->signals, it->t, it->norm, p->norm_stride, &it->tokens);
}

/* A record's name in the dedup table of the pair and cluster roles (a record sent again after a
 * restart upstream is dropped): its action's, and a pair set's revision. */
static uint64_t action_id(const struct ls_pairset *s, int32_t partition) {
  const struct ls_action_rec *a = &s->act;
  uint64_t object = a->signal == LS_SIG_SIMILAR ? (uint64_t)(partition + 1) << 16 | a->window : a->key; /* a vector is sent to each of its shards' partitions */
  uint64_t id = ls_hash_combine(a->tweet, object + (uint64_t)a->signal);
  return s->revision ? ls_hash_combine(id, s->revision) : id;
}

/* Pair and cluster roles: the record's action, unless it was read before; advances the clock. */
static const struct ls_action_rec *fresh_action(struct ls_pipeline *p, struct item *it) {
  const struct ls_action_rec *a = &it->rec->set.act;
  if (ls_dedup_seen(&p->dedup, action_id(&it->rec->set, p->role == LS_ROLE_PAIR ? it->t->partition : -1))) {
    p->st.duplicates += !it->replayed;
    it->t = NULL;
    return NULL;
  }
  if (it->replayed) p->st.replayed++;
  else if (a->t_ms > p->st.watermark_ms) p->st.watermark_ms = a->t_ms;
  return a;
}

/* Pair role: each exact action paired as it is read; the batch's co-similar-text actions then
 * searched together. Pair sets with partners go to the cluster stage. */
static void pair_actions(struct ls_pipeline *p, uint32_t n) {
  double t = ls_clock_s();
  uint32_t nq = 0;
  for (uint32_t i = 0; i < n; i++) {
    struct item *it = &p->items[i];
    const struct ls_action_rec *fresh = it->t ? fresh_action(p, it) : NULL;
    if (!fresh) continue;
    struct ls_action_rec a = *fresh;
    a.replayed = it->replayed; /* this daemon's own reading decides: the ingest's says nothing of what this window held */
    p->st.actions++;
    if (a.signal == LS_SIG_SIMILAR) {
      if (!p->texts) continue;
      p->query_part[nq] = it->t->partition;
      p->queries[nq] = (struct ls_similar_query){.act = a, .text_key = it->rec->text_key, .parts = it->rec->parts, .n_parts = it->rec->n_parts};
      memcpy(p->vectors + (size_t)nq * p->dim, it->rec->vector, p->dim * sizeof *p->vectors);
      p->embed_items[nq++] = i;
      continue;
    }
    pair_exact(p, &a, &p->sets[0]);
    t = lap(p, LS_STAGE_PAIRS, t);
    for (uint32_t j = 0; j < p->sets[0].n; j++)
      if (p->sets[0].set[j].n) send_pairset(p, &p->sets[0].set[j], it->rec);
    t = lap(p, LS_STAGE_SINKS, t);
  }
  if (!p->texts) return;
  struct ls_similar_out out;
  struct ls_err err;
  int rc = ls_text_windows_batch(p->texts, p->queries, p->query_part, p->vectors, nq, p->st.watermark_ms, &out, &err);
  t = lap(p, LS_STAGE_SIMILAR, t);
  if (rc != LS_OK) ls_logf(p->log, LS_LOG_ERROR, "pipeline", "co-similar-text skipped for a window's share of a batch of %u: %s", nq, err.msg);
  p->st.suppressed += out.suppressed;
  p->st.light_pairs += out.light;
  for (uint32_t k = 0; k < out.n_sets; k++) send_pairset(p, &out.sets[k], p->items[p->embed_items[out.query[k]]].rec);
  lap(p, LS_STAGE_SINKS, t);
}

/* Cluster role: each pair set spent as it is read; a tweet it ties is recorded once, from the
 * evidence the set carries. */
static void cluster_sets(struct ls_pipeline *p, uint32_t n) {
  double t = ls_clock_s();
  for (uint32_t i = 0; i < n; i++) {
    struct item *it = &p->items[i];
    if (!it->t || !fresh_action(p, it)) continue;
    p->st.light_pairs += it->rec->set.light;
    bool evidence = !it->rec->set.revision || it->rec->evidence_len; /* a revision's: the late tweet's, when it came with it */
    if (spend(p, &it->rec->set) && !it->replayed && evidence) ls_cluster_touch(p->cluster, it->t);
  }
  lap(p, LS_STAGE_EVIDENCE, t);
}

/* Roles all and ingest: tweets. */
static void read_tweets(struct ls_pipeline *p, uint32_t n) {
  double t = ls_clock_s();
  for (uint32_t i = 0; i < n; i++) {
    struct item *it = &p->items[i];
    if (!it->t) continue; /* position marker */
    if (ls_dedup_seen(&p->dedup, it->t->id)) {
      p->st.duplicates += !it->replayed;
      it->t = NULL;
      continue;
    }
    if (it->replayed) { /* rebuilds the windows only: counts, clock and activity are restored */
      p->st.replayed++;
    } else {
      p->st.tweets++;
      if (it->t->created_at_ms > p->st.watermark_ms) p->st.watermark_ms = it->t->created_at_ms;
      ls_activity_add(p->activity, it->t->author_id, it->t->created_at_ms);
    }
    prepare_item(p, it, i);
    if (p->export) ls_export_node(p->export, it->t->author_id, it->t->username, it->t->text, it->t->text_len);
    exact_signals(p, it, &t);
    it->norm_len = (uint32_t)ls_text_drop_hashtags(it->norm, it->norm_len, &it->tokens); /* prose for co-similar-text */
  }
  t = lap(p, LS_STAGE_SIGNALS, t);
  similar_text(p, n, &t);
  for (uint32_t i = 0; i < n; i++) {
    const struct item *it = &p->items[i];
    if (it->t && it->coordinated && !it->replayed)
      ls_cluster_touch(p->cluster, it->t);
  }
  lap(p, LS_STAGE_EVIDENCE, t);
}

static void process(struct ls_pipeline *p, uint32_t n) {
  if (p->role == LS_ROLE_PAIR) pair_actions(p, n);
  else if (p->role == LS_ROLE_CLUSTER) cluster_sets(p, n);
  else read_tweets(p, n);
  p->st.batches++;
}

static void release(struct ls_pipeline *p) {
  for (int s = 0; s < p->n_src; s++) {
    if (p->taken[s]) ls_ring_release(p->src[s].ring, p->taken[s]);
    p->taken[s] = 0;
  }
}

/* While a sink is backlogged nothing is read: its events are flushed (and, when they wait for
 * their epoch, a checkpoint is taken early, at most once a second), and the rings fill up, which
 * pauses the consumers. Logs when reading stops and starts again. */
static bool wait_for_sinks(struct ls_pipeline *p) {
  bool was = p->st.sinks_backlogged;
  p->st.sinks_backlogged = p->st.sink_pending >= (uint64_t)p->cfg.output.max_pending / 2 + 1;
  if (p->st.sinks_backlogged != was)
    ls_logf(p->log, p->st.sinks_backlogged ? LS_LOG_WARN : LS_LOG_INFO, "pipeline",
            p->st.sinks_backlogged ? "a sink holds half of output.max_pending events: reading stops until they leave"
                                   : "the sinks' queues have drained: reading again");
  if (!p->st.sinks_backlogged) return false;
  acknowledge(p, flush_sinks(p, 100), ls_clock_s() - p->last_ck_wall >= 1.0);
  return true;
}

/* One batch if any: returns the number of ring slots consumed. */
static uint32_t step(struct ls_pipeline *p) {
  if (wait_for_sinks(p)) return 0;
  double t0 = ls_clock_s();
  uint32_t n = gather(p);
  if (n == 0) return 0;
  double t1 = lap(p, LS_STAGE_GATHER, t0);
  process(p, n);
  ls_hist_observe(&p->st.batch_tweets, n);
  ls_hist_observe(&p->st.batch_seconds, ls_clock_s() - t1);
  release(p);
  ls_offsets_seal(p->offsets);
  maybe_cluster(p, false);
  acknowledge(p, flush_sinks(p, 0), false);
  return n;
}

static bool all_finished(struct ls_pipeline *p) {
  for (int s = 0; s < p->n_src; s++)
    if (!p->src[s].finished || !p->src[s].finished(p->src[s].ud) || ls_ring_readable(p->src[s].ring)) return false;
  return true;
}

void ls_pipeline_progress(struct ls_pipeline *p, struct ls_pipeline_stats *st) {
  p->st.received = p->st.rejected = p->st.dead_lettered = p->st.dlq_errors = p->st.order_gave_up = p->st.backlog = p->st.waiting = p->st.paused = 0;
  p->st.longest_message_s = p->st.decode_seconds = 0;
  double now_ms = ls_clock_s() * 1000;
  for (int s = 0; s < p->n_src; s++) {
    int64_t since = atomic_load(&p->src[s].stats->busy_since_ms);
    if (since > 0 && (now_ms - (double)since) / 1000 > p->st.longest_message_s) p->st.longest_message_s = (now_ms - (double)since) / 1000;
    p->st.backlog += ls_ring_readable(p->src[s].ring);
    p->st.waiting += atomic_load(&p->src[s].stats->waiting);
    p->st.paused += (uint64_t)atomic_load(&p->src[s].stats->paused);
    p->st.received += atomic_load(&p->src[s].stats->messages);
    p->st.rejected += atomic_load(&p->src[s].stats->rejected);
    p->st.dead_lettered += atomic_load(&p->src[s].stats->dead_lettered);
    p->st.dlq_errors += atomic_load(&p->src[s].stats->dlq_errors);
    p->st.order_gave_up += atomic_load(&p->src[s].stats->order_gave_up);
    p->st.decode_seconds += (double)atomic_load(&p->src[s].stats->busy_ns) / 1e9;
  }
  *st = p->st;
}

void ls_pipeline_stats(struct ls_pipeline *p, struct ls_pipeline_stats *st) {
  cluster_counters(p, true);
  if (p->texts) {
    p->st.window_rows = ls_text_windows_rows(p->texts);
    p->st.memory_bytes[LS_MEM_WINDOW] = ls_text_windows_bytes(p->texts); /* partitions' windows come with rebalances */
  }
  ls_pipeline_progress(p, st);
}

static void tick(struct ls_pipeline *p, ls_tick_fn fn, void *ud, double *last) {
  double now = ls_clock_s();
  if (!fn || now - *last < 1.0) return;
  *last = now;
  fn(ud, p);
}

/* Whether a source holds input not read yet: in its ring, or waiting in its consumer's merge. */
static bool holds_input(struct ls_pipeline *p) {
  for (int s = 0; s < p->n_src; s++)
    if (ls_ring_readable(p->src[s].ring) || atomic_load(&p->src[s].stats->waiting)) return true;
  return false;
}

int ls_pipeline_run(struct ls_pipeline *p, atomic_bool *stop, ls_tick_fn fn, void *ud) {
  double last_tick = ls_clock_s();
  while (!atomic_load(stop)) {
    uint32_t n = step(p);
    if (p->out) ls_stage_out_progress(p->out, p->st.watermark_ms, n > 0 || holds_input(p));
    if (n == 0) {
      if (all_finished(p)) break;
      maybe_cluster(p, true);
      acknowledge(p, flush_sinks(p, 0), false);
      nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    tick(p, fn, ud, &last_tick);
  }
  return LS_OK;
}

int ls_pipeline_drain(struct ls_pipeline *p, bool close_campaigns, int timeout_ms) {
  while (step(p) > 0) {}
  if (p->cluster) cluster(p);
  if (p->cluster && close_campaigns) ls_cluster_close_all(p->cluster, on_event, p);
  cluster_counters(p, false);
  bool clean = flush_sinks(p, timeout_ms);
  acknowledge(p, clean, true);
  if (p->ck) clean = flush_sinks(p, timeout_ms) && clean; /* what the last commit released */
  if (!clean) ls_logf(p->log, LS_LOG_ERROR, "pipeline", "sinks did not acknowledge every event: offsets of the last batches are not stored");
  return clean ? LS_OK : LS_EUNAVAIL;
}
