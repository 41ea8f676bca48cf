/* pipeline.c — batcher and worker (see pipeline.h). One thread runs this loop; sources fill
 * their rings from their own threads and get back only offset acknowledgements.
 *
 * Per batch: dedup → activity counts → canonical text and links → exact signals (object
 * window) → co-similar-text (embed the canonical text, append to the vector window and index,
 * query them on the backend) → graph edges (each co-action weighted by chance, each tweet
 * spending at most one unit of evidence: chance.h) → account touches. Clustering runs when a
 * new group member may have appeared (at most every STRONG_GAP_MS of event time), when event time has advanced
 * cluster_interval_ms since the last run, or after a second of idle processing time; its groups
 * go through the tracker to the sinks. With --export-edges, every action and match is also
 * recorded for the network export. Offsets (offsets.h): a partition's offset is acknowledged to
 * its source only when every sink reports that all it was given is acknowledged, and never past
 * the oldest tweet still inside the longest signal window. */
#include "lockstep/pipeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/activity.h"
#include "lockstep/canon_url.h"
#include "lockstep/checkpoint.h"
#include "lockstep/chance.h"
#include "lockstep/dedup.h"
#include "lockstep/embedder.h"
#include "lockstep/graph.h"
#include "lockstep/hash.h"
#include "lockstep/objects.h"
#include "lockstep/offsets.h"
#include "lockstep/textnorm.h"
#include "lockstep/tracker.h"
#include "lockstep/vecwin.h"

#define MAX_SIMILAR_PAIRS_PER_TWEET 64 /* initial pair buffer per batch tweet */
#define MAX_PAIRS (1u << 24)          /* largest pair buffer (192 MiB): beyond, pairs are dropped */
#define OFFSET_CHECKPOINTS 4096 /* batches per partition within one window before hold-back shortens */
#define MAX_PARTNERS 65536 /* co-similar-text partners of one action kept (more are counted light) */
#define STRONG_GAP_MS 200  /* least event time between clusterings triggered by new strong edges */
#define MIN_TWEET_TOKENS 5   /* co-tweet: DESIGN.md §1 */
#define MIN_SIMILAR_TOKENS 4 /* co-similar-text: shorter texts match too easily */
#define ACTIVITY_HALF_LIFE_MS 2495328 /* activity counts halve in 41.6 min: a mean life of one hour */

struct slot_meta { /* what a vector-window row stands for */
  uint64_t account, tweet;
  int64_t t;
  uint64_t text_key; /* the co-tweet key of its canonical text: identical copies are co-tweet's */
  bool replayed;
};

struct partner { /* another account's action paired with the current one */
  uint64_t account;
  int64_t gap_ms;
  double w; /* chance weight */
};

struct item {
  struct ls_tweet *t;
  uint64_t text_key; /* co-tweet key of the canonical text (0: none) */
  float budget;      /* evidence the tweet may still give its co-actions (spend_action) */
  char *norm; /* normalised text */
  uint32_t norm_len, tokens;
  bool coordinated;
  bool replayed; /* read again after a restore: the checkpoint holds its co-actions with other replayed tweets */
};

struct ls_pipeline {
  struct ls_config cfg;
  const struct ls_log *log;
  struct ls_backend *be;
  struct ls_sink *const *sinks;
  int n_sinks;
  struct ls_pipeline_source src[LS_MAX_SOURCES];
  int n_src;
  size_t taken[LS_MAX_SOURCES]; /* slots of each ring in the current batch */

  struct ls_dedup dedup;
  struct ls_objects *objects;
  struct ls_textcanon *textcanon;
  struct ls_urlcanon *urlcanon;
  struct ls_activity *activity;
  struct ls_chance chance;
  struct ls_graph *graph;
  struct ls_tracker *tracker;
  struct ls_vecwin *vecwin;
  struct ls_embedder *embedder; /* NULL when co-similar-text is off */
  uint32_t dim;
  float tau; /* similarity threshold: configured, or the embedder's default */
  struct slot_meta *meta;

  struct item *items;
  char *norm_mem;
  size_t norm_stride;
  float *vectors;
  const char **embed_texts;
  uint32_t *embed_lens, *embed_items;
  uint32_t *matches; /* per query: similar texts of other accounts inside the window */
  struct ls_pair *pairs;
  uint32_t pairs_cap;

  struct ls_export *export; /* NULL unless --export-edges */
  struct ls_offsets *offsets;
  struct ls_checkpoint *ck; /* NULL: no checkpoints, offsets acknowledged as the sinks acknowledge */
  double ck_interval_s, last_ck_wall;
  uint64_t epoch; /* the sinks' open epoch: the next checkpoint's number */
  int64_t *positions; /* per partition: the offset after the last one read (or restored), -1: none */
  int64_t *reading;   /* per partition: the message this run read last (its later tweets are not replayed), -1: none */
  int64_t max_window_ms; /* the longest enabled signal window: how far acknowledgements hold back */
  int64_t last_cluster_event_ms;
  double last_cluster_wall;
  double last_span_warning;
  bool graph_dirty;
  bool strong_new; /* a new group member may have appeared since the last clustering (ls_graph_add) */
  int64_t first_new_ms; /* when the oldest tweet taken since the last clustering entered its ring (0: none) */
  struct ls_pipeline_stats st;

  /* pair callback context: the action being observed and its partners so far */
  enum ls_signal cur_sig;
  struct item *cur_item;
  struct partner *partners;
  uint32_t n_partners, partners_cap;
  uint32_t object_accounts; /* accounts on the object of the current action */
};

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Adds the time since `since` to a stage; returns now. */
static double lap(struct ls_pipeline *p, enum ls_stage stage, double since) {
  double now = wall_s();
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

static struct ls_tracker_conf tracker_conf_of(const struct ls_config *c) {
  return (struct ls_tracker_conf){.min_accounts = (uint32_t)c->detect.min_accounts,
                                  .small_group_actions = (uint32_t)c->detect.small_group_actions, .min_score = c->detect.min_score,
                                  .close_after_ms = c->detect.close_after_s * 1000,
                                  .ops = {.memory_ms = c->detect.operation_memory_s * 1000,
                                          .min_shared_objects = (uint32_t)c->detect.operation_shared_objects}};
}

void ls_pipeline_reconfigure(struct ls_pipeline *p, const struct ls_config *cfg) {
  p->cfg = *cfg;
  p->chance = chance_of(cfg);
  ls_graph_set_min_accounts(p->graph, (uint32_t)cfg->detect.min_accounts);
  struct ls_tracker_conf tc = tracker_conf_of(cfg);
  ls_tracker_set_conf(p->tracker, &tc);
  for (int i = 0; i < p->n_sinks; i++)
    if (p->sinks[i]->i->reconfigure) p->sinks[i]->i->reconfigure(p->sinks[i], cfg);
}

static int create_state(struct ls_pipeline *p, struct ls_err *err) {
  const struct ls_config *c = &p->cfg;
  uint32_t nb = (uint32_t)c->batch.max_tweets;
  int rc = open_embedder(p, err);
  uint32_t dim = p->dim;
  if (rc == LS_OK) rc = ls_textcanon_create(&p->textcanon, (size_t)c->input.max_text_bytes, err);
  if (rc == LS_OK) rc = ls_urlcanon_create(&p->urlcanon, c->link.drop_params, err);
  if (rc == LS_OK) rc = ls_dedup_init(&p->dedup, (uint32_t)c->detect.dedup_capacity, err);
  p->chance = chance_of(c);
  if (rc == LS_OK) rc = ls_objects_create(&p->objects, (uint32_t)c->detect.max_objects, ls_chance_max_accounts(&p->chance), err);
  if (rc == LS_OK) rc = ls_activity_create(&p->activity, (uint32_t)c->detect.max_accounts, ACTIVITY_HALF_LIFE_MS, err);
  struct ls_graph_conf gc = {.max_edges = (uint32_t)c->detect.max_edges, .max_accounts = (uint32_t)c->detect.max_accounts,
                             .min_accounts = (uint32_t)c->detect.min_accounts,
                             .edge_ttl_ms = c->detect.edge_ttl_s * 1000, .min_edge_weight = c->detect.min_edge_weight,
                             .min_account_evidence = c->detect.min_account_evidence};
  if (rc == LS_OK) rc = ls_graph_create(&p->graph, &gc, err);
  struct ls_tracker_conf tc = tracker_conf_of(c);
  if (rc == LS_OK) rc = ls_tracker_create(&p->tracker, &tc, err);
  uint32_t wcap = (uint32_t)c->detect.window_capacity;
  struct ls_vecwin_conf vc = {.capacity = wcap, .dim = dim, .max_batch = nb, .tau = p->tau,
                              .lists = (uint32_t)c->detect.index_lists, .probes = (uint32_t)c->detect.index_probes};
  if (rc == LS_OK && c->signal[LS_SIG_SIMILAR].enabled) rc = ls_vecwin_create(&p->vecwin, p->be, &vc, err);
  if (rc == LS_OK) rc = ls_offsets_create(&p->offsets, LS_MAX_SOURCES * LS_MAX_PARTITIONS, OFFSET_CHECKPOINTS, err);
  if (rc != LS_OK) return rc;
  p->epoch = 1;
  p->positions = malloc(LS_MAX_PARTITIONS * sizeof *p->positions);
  p->reading = malloc(LS_MAX_PARTITIONS * sizeof *p->reading);
  for (int i = 0; p->positions && p->reading && i < LS_MAX_PARTITIONS; i++) p->positions[i] = p->reading[i] = -1;
  p->norm_stride = (size_t)c->input.max_text_bytes + 1;
  p->pairs_cap = nb * MAX_SIMILAR_PAIRS_PER_TWEET;
  p->meta = calloc(wcap, sizeof *p->meta);
  p->items = calloc(nb, sizeof *p->items);
  p->norm_mem = malloc(nb * p->norm_stride);
  p->vectors = malloc((size_t)nb * dim * sizeof(float));
  p->embed_texts = malloc(nb * sizeof *p->embed_texts);
  p->embed_lens = malloc(nb * sizeof *p->embed_lens);
  p->embed_items = malloc(nb * sizeof *p->embed_items);
  p->matches = malloc(nb * sizeof *p->matches);
  p->pairs = malloc((size_t)p->pairs_cap * sizeof *p->pairs);
  uint32_t most = ls_chance_max_accounts(&p->chance);
  p->partners_cap = (most < MAX_PARTNERS ? most : MAX_PARTNERS) + LS_OBJECT_RECENT;
  p->partners = malloc((size_t)p->partners_cap * sizeof *p->partners);
  if (!p->meta || !p->items || !p->norm_mem || !p->vectors || !p->embed_texts || !p->embed_lens || !p->embed_items || !p->matches ||
      !p->pairs || !p->partners || !p->positions || !p->reading)
    return ls_err_set(err, LS_ENOMEM, "pipeline: out of memory for batch buffers");
  for (int s = 0; s < LS_SIG_COUNT; s++)
    if (c->signal[s].enabled && c->signal[s].window_s * 1000 > p->max_window_ms) p->max_window_ms = c->signal[s].window_s * 1000;
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
  st->memory_bytes[LS_MEM_OBJECTS] = ls_objects_bytes(p->objects);
  st->memory_bytes[LS_MEM_ACTIVITY] = ls_activity_bytes(p->activity);
  st->memory_bytes[LS_MEM_GRAPH] = ls_graph_bytes(p->graph);
  st->memory_bytes[LS_MEM_BATCH] = batch_bytes(p);
  if (!p->vecwin) return;
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(p->vecwin, &vs);
  st->memory_bytes[LS_MEM_WINDOW] = vs.bytes + (size_t)vs.capacity * sizeof(struct slot_meta);
}

static void log_sizes(struct ls_pipeline *p) {
  ls_logf(p->log, LS_LOG_INFO, "pipeline",
          "memory dedup=%.1fMiB objects=%.1fMiB activity=%.1fMiB graph=%.1fMiB batch=%.1fMiB backend=%s device=\"%s\"",
          mib(ls_dedup_bytes(&p->dedup)), mib(ls_objects_bytes(p->objects)), mib(ls_activity_bytes(p->activity)), mib(ls_graph_bytes(p->graph)),
          mib(batch_bytes(p)), p->be->i->name, p->be->device);
  if (!p->vecwin) return;
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(p->vecwin, &vs);
  ls_logf(p->log, LS_LOG_INFO, "pipeline",
          "similar-text window capacity=%u vectors (FP16) dim=%u memory=%.1fMiB (%zu bytes per tweet) threshold=%.3f "
          "index lists=%u probes=%u list_capacity=%u sketch_bounds=%u/%u,%u/%u",
          vs.capacity, (unsigned)p->dim, mib(vs.bytes + (size_t)vs.capacity * sizeof(struct slot_meta)),
          vs.bytes_per_row + sizeof(struct slot_meta), p->tau, vs.lists, vs.probes, vs.list_cap, vs.hamming.coarse, 64 * LS_COARSE_WORDS, vs.hamming.fine,
          64 * LS_SKETCH_WORDS);
}

int ls_pipeline_create(struct ls_pipeline **out, const struct ls_config *cfg, struct ls_backend *be,
                       struct ls_sink *const *sinks, int n_sinks, const struct ls_log *log, struct ls_err *err) {
  struct ls_pipeline *p = calloc(1, sizeof *p);
  if (!p) return ls_err_set(err, LS_ENOMEM, "pipeline: out of memory");
  p->cfg = *cfg;
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
  ls_objects_destroy(p->objects);
  ls_textcanon_destroy(p->textcanon);
  ls_urlcanon_destroy(p->urlcanon);
  ls_activity_destroy(p->activity);
  ls_graph_destroy(p->graph);
  ls_tracker_destroy(p->tracker);
  ls_vecwin_destroy(p->vecwin);
  ls_embedder_close(p->embedder);
  free(p->meta);
  free(p->items);
  free(p->norm_mem);
  free(p->vectors);
  free(p->embed_texts);
  free(p->embed_lens);
  free(p->embed_items);
  free(p->matches);
  free(p->pairs);
  free(p->partners);
  free(p->positions);
  free(p->reading);
  ls_offsets_destroy(p->offsets);
  free(p);
}

void ls_pipeline_set_export(struct ls_pipeline *p, struct ls_export *x) { p->export = x; }

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
  if (p->first_new_ms) ls_hist_observe(&p->st.event_latency_seconds, wall_s() - (double)p->first_new_ms / 1000);
  ls_logf(p->log, LS_LOG_INFO, "campaign", "%s id=%s version=%u accounts=%u tweets=%" PRIu64 " score=%.3f",
          ls_campaign_state_name(e->state), e->id, e->version, e->n_accounts, e->tweet_count, e->score);
  for (int i = 0; i < p->n_sinks; i++) p->sinks[i]->i->write(p->sinks[i], e);
}

/* True when every sink has acknowledged everything it was given. */
static bool flush_sinks(struct ls_pipeline *p, int timeout_ms) {
  double t0 = wall_s();
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

/* --- checkpoints ------------------------------------------------------------------------------ */

static uint64_t version_fingerprint(void) { return ls_hash64(LS_VERSION, sizeof LS_VERSION - 1, sizeof(struct ls_pipeline_stats)); }

/* The whole state that the windows do not rebuild (README: checkpoints), and the sinks' epoch. */
static void save_state(struct ls_pipeline *p, struct ls_snap *w) {
  ls_snap_section(w, "LSCK", version_fingerprint());
  ls_snap_u64(w, p->epoch);
  ls_snap_u64(w, (uint64_t)p->last_cluster_event_ms);
  ls_snap_u64(w, (uint64_t)p->graph_dirty | (uint64_t)p->strong_new << 1);
  ls_snap_put(w, &p->st, sizeof p->st);
  uint64_t n = 0;
  for (int q = 0; q < LS_MAX_PARTITIONS; q++) n += p->positions[q] >= 0;
  ls_snap_u64(w, n);
  for (int32_t q = 0; q < LS_MAX_PARTITIONS; q++) {
    if (p->positions[q] < 0) continue;
    ls_snap_put(w, &q, sizeof q);
    ls_snap_put(w, &p->positions[q], sizeof p->positions[q]);
  }
  ls_graph_save(p->graph, w);
  ls_activity_save(p->activity, w);
  ls_tracker_save(p->tracker, w);
  for (int i = 0; i < p->n_sinks; i++) {
    if (!p->sinks[i]->i->pending) continue;
    ls_snap_section(w, p->sinks[i]->i->name, 0);
    p->sinks[i]->i->pending(p->sinks[i], w);
  }
}

static int load_state(struct ls_pipeline *p, struct ls_snap_reader *r, struct ls_err *err) {
  if (!ls_snap_expect(r, "LSCK", version_fingerprint())) return ls_snap_status(r, err);
  p->epoch = ls_snap_get_u64(r);
  p->last_cluster_event_ms = (int64_t)ls_snap_get_u64(r);
  uint64_t flags = ls_snap_get_u64(r);
  p->graph_dirty = flags & 1;
  p->strong_new = flags >> 1 & 1;
  ls_snap_get(r, &p->st, sizeof p->st);
  uint64_t n = ls_snap_get_count(r, sizeof(int32_t) + sizeof(int64_t));
  for (uint64_t k = 0; k < n && !r->bad; k++) {
    int32_t q;
    int64_t pos;
    ls_snap_get(r, &q, sizeof q);
    ls_snap_get(r, &pos, sizeof pos);
    if (q < 0 || q >= LS_MAX_PARTITIONS) ls_snap_fail(r, "a partition out of range");
    else p->positions[q] = pos;
  }
  int rc = ls_snap_status(r, err);
  if (rc == LS_OK) rc = ls_graph_load(p->graph, r, err);
  if (rc == LS_OK) rc = ls_activity_load(p->activity, r, err);
  if (rc == LS_OK) rc = ls_tracker_load(p->tracker, r, err);
  return rc;
}

/* Stores a checkpoint, then lets the sinks commit its epoch, then acknowledges the offsets it
 * covers: a crash between any two steps leaves a checkpoint that the committed offsets cover
 * (they only ever lag behind it) and an epoch that recovery finishes. */
static void checkpoint(struct ls_pipeline *p) {
  struct ls_snap w = {0};
  struct ls_err err;
  double t0 = wall_s();
  p->last_ck_wall = t0;
  save_state(p, &w);
  int rc = ls_snap_done(&w, &err);
  if (rc == LS_OK) rc = ls_checkpoint_save(p->ck, w.buf, w.len, &err);
  double stored = wall_s();
  for (int i = 0; rc == LS_OK && i < p->n_sinks; i++)
    if (p->sinks[i]->i->commit) rc = p->sinks[i]->i->commit(p->sinks[i], p->epoch, &err);
  if (rc == LS_OK) {
    p->st.checkpoints++;
    p->st.checkpoint_bytes = w.len;
    p->epoch++;
    ls_offsets_advance(p->offsets, p->st.watermark_ms - p->max_window_ms, on_safe_offset, p);
    ls_logf(p->log, LS_LOG_DEBUG, "checkpoint", "epoch %" PRIu64 " stored: %zu bytes in %.0f ms, committed in %.0f ms",
            p->epoch - 1, w.len, (stored - t0) * 1000, (wall_s() - stored) * 1000);
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
    p->st.campaigns_active = ls_tracker_active(p->tracker);
    ls_logf(p->log, LS_LOG_INFO, "checkpoint", "restored epoch %" PRIu64 " from %s (%zu bytes): %" PRIu64 " tweets, %u active campaigns, watermark %" PRId64,
            p->epoch - 1, ls_checkpoint_key(p->ck), len, p->st.tweets, p->st.campaigns_active, p->st.watermark_ms);
  }
  free(buf);
  return rc;
}

const int64_t *ls_pipeline_positions(const struct ls_pipeline *p) { return p->positions; }

/* Without checkpoints, offsets follow the sinks' acknowledgements; with them, only checkpoints
 * acknowledge: every checkpoint.interval_s when the sinks are clean, or now (the last one of a
 * drain) when forced. */
static void acknowledge(struct ls_pipeline *p, bool sinks_clean, bool force) {
  p->st.offsets_held = !sinks_clean;
  if (!sinks_clean) return;
  if (!p->ck) ls_offsets_advance(p->offsets, p->st.watermark_ms - p->max_window_ms, on_safe_offset, p);
  else if (force || wall_s() - p->last_ck_wall >= p->ck_interval_s) checkpoint(p);
}

static void cluster(struct ls_pipeline *p) {
  struct ls_groups groups;
  struct ls_err err;
  double t0 = wall_s();
  p->last_cluster_event_ms = p->st.watermark_ms;
  p->last_cluster_wall = t0;
  p->graph_dirty = p->strong_new = false;
  p->st.cluster_runs++;
  if (ls_graph_cluster(p->graph, p->be, 2, p->st.watermark_ms, &groups, &err) != LS_OK || /* small ones may join operations */
      ls_tracker_update(p->tracker, &groups, p->st.watermark_ms, on_event, p, &err) != LS_OK)
    ls_logf(p->log, LS_LOG_ERROR, "pipeline", "clustering failed: %s", err.msg);
  ls_groups_free(&groups);
  p->st.campaigns_active = ls_tracker_active(p->tracker);
  p->st.campaigns_opened = ls_tracker_opened(p->tracker);
  p->st.operations = ls_tracker_operations(p->tracker);
  p->first_new_ms = 0;
  ls_hist_observe(&p->st.cluster_seconds, lap(p, LS_STAGE_CLUSTER, t0) - t0);
}

/* Clustering runs on a new strong edge (at most every STRONG_GAP_MS of event time: what bounds
 * detection latency), every cluster_interval_ms of event time, and after a second idle. */
static void maybe_cluster(struct ls_pipeline *p, bool idle) {
  int64_t since = p->st.watermark_ms - p->last_cluster_event_ms;
  bool event_due = since >= p->cfg.detect.cluster_interval_ms || (p->strong_new && since >= STRONG_GAP_MS);
  bool idle_due = idle && p->graph_dirty && wall_s() - p->last_cluster_wall >= 1.0;
  if (event_due || idle_due) cluster(p);
}

/* --- signals ---------------------------------------------------------------------------------- */

/* A partner of the current action, with the chance weight of their co-action (chance.h). */
static void on_pair(void *ud, const struct ls_action *other_action, uint32_t object_accounts) {
  struct ls_pipeline *p = ud;
  if (p->cur_item->replayed && other_action->replayed) return; /* the checkpoint's graph has it */
  const struct ls_tweet *t = p->cur_item->t;
  uint64_t other = other_action->account;
  int64_t gap = t->created_at_ms - other_action->t_ms;
  double w = ls_chance_weight(&p->chance, p->cur_sig, gap, ls_activity_count(p->activity, t->author_id),
                              ls_activity_count(p->activity, other));
  if (object_accounts > p->object_accounts) p->object_accounts = object_accounts;
  if (w <= 0 || p->n_partners == p->partners_cap) {
    p->st.light_pairs++;
    return;
  }
  p->partners[p->n_partners++] = (struct partner){other, gap, w};
}

/* One tweet is at most one unit of evidence over all its signals, and its co-actions on one
 * object at most the object's budget (chance.h): their weights, when they sum to more, are
 * shared out in proportion, so one object acted on by many accounts (a headline, a viral tweet)
 * ties each of them weakly, a copy that shares its text, link and hashtags is still one action,
 * and accounts stand out by co-acting on many objects. Signals spend in their order,
 * co-similar-text last. The object (0 for co-similar-text, which has none) is remembered for
 * both accounts of each co-action that keeps at least the chance model's least weight: the
 * content by which operations link campaigns (operation.h). */
static void spend_action(struct ls_pipeline *p, uint64_t object) {
  if (p->n_partners == 0) return;
  double sum = 0;
  for (uint32_t k = 0; k < p->n_partners; k++) sum += p->partners[k].w;
  struct item *it = p->cur_item;
  double budget = ls_chance_budget(&p->chance, p->object_accounts);
  if (budget > it->budget) budget = it->budget;
  double scale = sum > budget ? budget / sum : 1;
  it->budget -= (float)(sum * scale);
  const struct ls_tweet *t = p->cur_item->t;
  bool content = false; /* a co-action heavy enough to name the object as the author's content */
  for (uint32_t k = 0; k < p->n_partners; k++) {
    const struct partner *x = &p->partners[k];
    int64_t at = x->gap_ms < 0 ? t->created_at_ms - x->gap_ms : t->created_at_ms; /* the later action */
    if (ls_graph_add(p->graph, t->author_id, x->account, p->cur_sig, at, (float)(x->w * scale), x->gap_ms))
      p->strong_new = true;
    if (object && x->w * scale >= p->chance.min_weight) {
      ls_graph_object(p->graph, x->account, object);
      content = true;
    }
  }
  if (content) ls_graph_object(p->graph, t->author_id, object);
  p->cur_item->coordinated = p->graph_dirty = true;
  p->st.pairs[p->cur_sig] += p->n_partners;
  p->n_partners = p->object_accounts = 0;
}

/* A repeat by one account of an action on one object is new evidence after a quarter of the
 * signal's time scale (or window, when shorter): a campaign's next burst on the same hashtags. */
static int64_t repeat_ms(const struct ls_signal_conf *s) {
  return (s->time_scale_s < s->window_s ? s->time_scale_s : s->window_s) * 250;
}

static void observe(struct ls_pipeline *p, struct item *it, enum ls_signal sig, uint64_t object) {
  if (!p->cfg.signal[sig].enabled || object == 0) return;
  p->cur_sig = sig;
  p->cur_item = it;
  uint64_t key = ls_hash_combine((uint64_t)sig + 1, object);
  if (p->export) ls_export_action(p->export, sig, key, it->t->author_id, it->t->id, it->t->created_at_ms);
  struct ls_action a = {it->t->author_id, it->t->created_at_ms, it->replayed};
  if (ls_objects_observe(p->objects, key, &a, p->cfg.signal[sig].window_s * 1000,
                         repeat_ms(&p->cfg.signal[sig]),
                         on_pair, p) < 0)
    p->st.suppressed++;
  spend_action(p, key);
}

/* The ordered sequence of hashtags, each canonical as co-tweet texts are. */
static uint64_t hashtag_key(struct ls_pipeline *p, const struct ls_tweet *t) {
  if (t->n_hashtags < 2) return 0;
  uint64_t h = 0;
  char folded[140];
  uint32_t tokens;
  for (unsigned i = 0; i < t->n_hashtags; i++) {
    size_t n = ls_text_canon(p->textcanon, t->hashtags[i], strlen(t->hashtags[i]), folded, sizeof folded, &tokens);
    h = ls_hash_combine(h, ls_hash64(folded, n, 0));
  }
  return h;
}

static void exact_signals(struct ls_pipeline *p, struct item *it) {
  const struct ls_tweet *t = it->t;
  if (t->retweet_of) {
    observe(p, it, LS_SIG_RETWEET, t->retweet_of);
    return; /* retweets carry someone else's text, links and hashtags */
  }
  observe(p, it, LS_SIG_REPLY, t->reply_to);
  if (it->tokens >= MIN_TWEET_TOKENS) observe(p, it, LS_SIG_TWEET, it->text_key = ls_hash64(it->norm, it->norm_len, 0x7e7));
  char url[LS_URL_MAX_BYTES + 1];
  for (unsigned i = 0; p->cfg.signal[LS_SIG_LINK].enabled && i < t->n_urls; i++) {
    int n = ls_url_canon(p->urlcanon, t->urls[i], url, sizeof url);
    if (n > 0) observe(p, it, LS_SIG_LINK, ls_hash64(url, (size_t)n, 0x11));
    else p->st.links_rejected++;
  }
  observe(p, it, LS_SIG_HASHTAG, hashtag_key(p, t));
}

static bool similar_candidate(const struct item *it) {
  return it->t && !it->t->retweet_of && it->tokens >= MIN_SIMILAR_TOKENS;
}

/* Both directions of a co-similar-text match, for the network export. */
static void export_match(struct ls_pipeline *p, const struct ls_tweet *t, const struct slot_meta *m) {
  if (!p->export) return;
  ls_export_match(p->export, LS_SIG_SIMILAR, t->author_id, t->id, m->account);
  ls_export_match(p->export, LS_SIG_SIMILAR, m->account, m->tweet, t->author_id);
}

/* Counts each query's matches from other accounts inside the window (copies with the same
 * canonical text are co-tweet's evidence, not counted twice); a query with more matches than the
 * chance model's limit is organic (many independent near-identical posts) and forms no edges. */
static void similar_pairs(struct ls_pipeline *p, uint32_t n, uint32_t first_slot, uint32_t found) {
  int64_t window = p->cfg.signal[LS_SIG_SIMILAR].window_s * 1000;
  uint32_t cap = (uint32_t)p->cfg.detect.window_capacity;
  uint32_t *matches = p->matches, max_accounts = ls_chance_max_accounts(&p->chance);
  memset(matches, 0, n * sizeof *matches);
  if (found > p->pairs_cap) found = p->pairs_cap;
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t k = 0; k < found; k++) {
      const struct ls_pair *pr = &p->pairs[k];
      uint32_t rel = (pr->w + cap - first_slot) % cap; /* position relative to this batch's first row */
      if (rel < n && rel >= pr->q) continue;          /* self, or a later tweet of this batch */
      struct item *it = &p->items[p->embed_items[pr->q]];
      const struct slot_meta *m = &p->meta[pr->w];
      if (m->account == it->t->author_id || llabs(m->t - it->t->created_at_ms) > window) continue;
      if (it->text_key && m->text_key == it->text_key && p->cfg.signal[LS_SIG_TWEET].enabled) continue;
      if (pass == 0) {
        matches[pr->q]++;
        export_match(p, it->t, m);
        continue;
      }
      if (matches[pr->q] + 1 > max_accounts) continue;
      if (p->cur_item != it) spend_action(p, 0);
      p->cur_sig = LS_SIG_SIMILAR;
      p->cur_item = it;
      on_pair(p, &(struct ls_action){m->account, m->t, m->replayed}, matches[pr->q] + 1);
    }
  }
  spend_action(p, 0);
  for (uint32_t q = 0; q < n; q++) p->st.suppressed += matches[q] + 1 > max_accounts;
}

/* Every pair of the batch, in (query, slot) order so that a replay is deterministic: the buffer
 * grows (up to MAX_PAIRS) when a batch finds more than it holds, and the query runs again. When
 * even that overflows, found exceeds the buffer and the pairs kept are an arbitrary subset. */
static int query_all(struct ls_pipeline *p, uint32_t *found, struct ls_err *err) {
  int rc = ls_vecwin_query(p->vecwin, p->pairs, p->pairs_cap, found, err);
  if (rc == LS_OK && *found > p->pairs_cap && p->pairs_cap < MAX_PAIRS) {
    uint32_t cap = *found < MAX_PAIRS ? *found : MAX_PAIRS;
    struct ls_pair *bigger = realloc(p->pairs, (size_t)cap * sizeof *bigger);
    if (!bigger) return ls_err_set(err, LS_ENOMEM, "co-similar-text: cannot hold %u pairs", cap);
    p->pairs = bigger;
    p->pairs_cap = cap;
    rc = ls_vecwin_query(p->vecwin, p->pairs, p->pairs_cap, found, err);
  }
  return rc;
}

/* A full vector window must still reach back one co-similar-text window in event time, or pairs
 * are missed: say so (at most once a minute) with the fix. */
static void check_window_span(struct ls_pipeline *p, uint32_t oldest_slot) {
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(p->vecwin, &vs);
  if (vs.live < vs.capacity) return;
  int64_t span = p->st.watermark_ms - p->meta[oldest_slot].t;
  int64_t want = p->cfg.signal[LS_SIG_SIMILAR].window_s * 1000;
  double now = wall_s();
  if (span >= want || now - p->last_span_warning < 60) return;
  p->last_span_warning = now;
  ls_logf(p->log, LS_LOG_WARN, "pipeline",
          "co-similar-text window holds %.1f s of tweets, less than co_similar_text.window_s=%lld: similar pairs are "
          "missed; raise detect.window_capacity (now %u) to at least %.0f",
          span / 1000.0, (long long)p->cfg.signal[LS_SIG_SIMILAR].window_s, vs.capacity,
          span > 0 ? (double)vs.capacity * want / span : 0.0);
}

/* Whether a window row is older than the co-similar-text window (and the lateness allowed). */
static bool row_expired(void *ud, uint32_t slot) {
  struct ls_pipeline *p = ud;
  int64_t keep_ms = (p->cfg.signal[LS_SIG_SIMILAR].window_s + p->cfg.detect.lateness_s) * 1000;
  return p->meta[slot].t < p->st.watermark_ms - keep_ms;
}

static void similar_text(struct ls_pipeline *p, uint32_t n_items) {
  if (!p->vecwin) return;
  ls_vecwin_retire(p->vecwin, row_expired, p);
  uint32_t n = 0;
  for (uint32_t i = 0; i < n_items; i++) {
    if (!similar_candidate(&p->items[i])) continue;
    p->embed_texts[n] = p->items[i].norm;
    p->embed_lens[n] = p->items[i].norm_len;
    p->embed_items[n++] = i;
  }
  if (n == 0) return;
  uint32_t first_slot = 0, found = 0, cap = (uint32_t)p->cfg.detect.window_capacity;
  struct ls_err err;
  int rc = ls_embedder_embed(p->embedder, p->embed_texts, p->embed_lens, n, p->vectors, &err);
  if (rc == LS_OK) rc = ls_vecwin_add(p->vecwin, p->vectors, n, &first_slot, &err);
  for (uint32_t q = 0; rc == LS_OK && q < n; q++) {
    const struct ls_tweet *t = p->items[p->embed_items[q]].t;
    const struct item *it = &p->items[p->embed_items[q]];
    p->meta[(first_slot + q) % cap] = (struct slot_meta){t->author_id, t->id, t->created_at_ms, it->text_key, it->replayed};
  }
  if (rc == LS_OK) rc = query_all(p, &found, &err);
  if (rc != LS_OK) {
    ls_logf(p->log, LS_LOG_ERROR, "pipeline", "co-similar-text skipped for a batch of %u: %s", n, err.msg);
    return;
  }
  if (found > p->pairs_cap)
    ls_logf(p->log, LS_LOG_WARN, "pipeline", "co-similar-text: %u pairs found, %u kept (lower batch.max_tweets or raise the threshold)",
            found, p->pairs_cap);
  similar_pairs(p, n, first_slot, found);
  check_window_span(p, (first_slot + n) % cap);
}

/* --- batches ---------------------------------------------------------------------------------- */

/* Notes the record's offset; true when it was read before (before a restore, or before a
 * rebalance gave its partition back): its co-actions with other such records are known. The
 * later tweets of a message this run is reading (a page of many) are not read before. */
static bool note_offset(struct ls_pipeline *p, int s, const struct ls_tweet *t) {
  if (!p->src[s].ack || t->partition < 0 || t->partition >= LS_MAX_PARTITIONS) return false;
  ls_offsets_note(p->offsets, s, t->partition, t->offset, t->id ? t->created_at_ms : 0);
  int64_t *pos = &p->positions[t->partition];
  if (t->offset < *pos) return t->offset != p->reading[t->partition];
  *pos = t->offset + 1;
  p->reading[t->partition] = t->offset;
  return false;
}

/* Fills p->items from the rings (at most max_tweets); returns the count. */
static uint32_t take(struct ls_pipeline *p, uint32_t n, uint64_t *tokens) {
  uint32_t max = (uint32_t)p->cfg.batch.max_tweets;
  for (int s = 0; s < p->n_src && n < max; s++) {
    size_t avail = ls_ring_readable(p->src[s].ring);
    while (p->taken[s] < avail && n < max && *tokens < (uint64_t)p->cfg.embed.max_batch_tokens) {
      struct ls_tweet *t = &ls_ring_peek(p->src[s].ring, p->taken[s]++)->tweet;
      bool replayed = note_offset(p, s, t);
      if (t->id && !replayed && t->arrived_ms > 0 && (!p->first_new_ms || t->arrived_ms < p->first_new_ms)) p->first_new_ms = t->arrived_ms;
      *tokens += t->text_len / 4 + 1;
      p->items[n++] = (struct item){.t = t->id ? t : NULL, .replayed = replayed};
    }
  }
  return n;
}

static uint32_t gather(struct ls_pipeline *p) {
  uint64_t tokens = 0;
  uint32_t n = take(p, 0, &tokens);
  if (n == 0) return 0;
  double deadline = wall_s() + p->cfg.batch.max_latency_ms / 1000.0;
  while (n < (uint32_t)p->cfg.batch.max_tweets && tokens < (uint64_t)p->cfg.embed.max_batch_tokens && wall_s() < deadline) {
    nanosleep(&(struct timespec){0, 200000}, NULL);
    n = take(p, n, &tokens);
  }
  return n;
}

/* Normalised text of an original tweet; retweets carry someone else's text and get none. */
static void prepare_item(struct ls_pipeline *p, struct item *it, uint32_t i) {
  const struct ls_tweet *t = it->t;
  it->norm = p->norm_mem + i * p->norm_stride;
  it->norm[0] = '\0';
  it->norm_len = it->tokens = 0;
  it->text_key = 0;
  it->budget = 1;
  if (!t->retweet_of) it->norm_len = (uint32_t)ls_text_canon(p->textcanon, t->text, t->text_len, it->norm, p->norm_stride, &it->tokens);
}

static void process(struct ls_pipeline *p, uint32_t n) {
  double t = wall_s();
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
    exact_signals(p, it);
    it->norm_len = (uint32_t)ls_text_drop_hashtags(it->norm, it->norm_len, &it->tokens); /* prose for co-similar-text */
  }
  t = lap(p, LS_STAGE_SIGNALS, t);
  similar_text(p, n);
  t = lap(p, LS_STAGE_SIMILAR, t);
  for (uint32_t i = 0; i < n; i++) {
    const struct item *it = &p->items[i];
    if (it->t && it->coordinated && !it->replayed)
      ls_graph_touch(p->graph, it->t);
  }
  lap(p, LS_STAGE_SIGNALS, t);
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
  acknowledge(p, flush_sinks(p, 100), wall_s() - p->last_ck_wall >= 1.0);
  return true;
}

/* One batch if any: returns the number of ring slots consumed. */
static uint32_t step(struct ls_pipeline *p) {
  if (wait_for_sinks(p)) return 0;
  double t0 = wall_s();
  uint32_t n = gather(p);
  if (n == 0) return 0;
  double t1 = lap(p, LS_STAGE_GATHER, t0);
  process(p, n);
  ls_hist_observe(&p->st.batch_tweets, n);
  ls_hist_observe(&p->st.batch_seconds, wall_s() - t1);
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
  p->st.received = p->st.rejected = p->st.dead_lettered = p->st.dlq_errors = p->st.order_gave_up = p->st.backlog = p->st.waiting = 0;
  p->st.longest_message_s = p->st.decode_seconds = 0;
  double now_ms = wall_s() * 1000;
  for (int s = 0; s < p->n_src; s++) {
    int64_t since = atomic_load(&p->src[s].stats->busy_since_ms);
    if (since > 0 && (now_ms - (double)since) / 1000 > p->st.longest_message_s) p->st.longest_message_s = (now_ms - (double)since) / 1000;
    p->st.backlog += ls_ring_readable(p->src[s].ring);
    p->st.waiting += atomic_load(&p->src[s].stats->waiting);
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
  struct ls_graph_stats gs;
  ls_graph_stats(p->graph, p->st.watermark_ms, &gs);
  p->st.edges_live = gs.edges_live;
  p->st.evictions = gs.edge_evictions + gs.account_evictions + ls_objects_evictions(p->objects);
  if (p->vecwin) {
    struct ls_vecwin_stats vs;
    ls_vecwin_stats(p->vecwin, &vs);
    p->st.window_rows = vs.live;
  }
  ls_pipeline_progress(p, st);
}

static void tick(struct ls_pipeline *p, ls_tick_fn fn, void *ud, double *last) {
  double now = wall_s();
  if (!fn || now - *last < 1.0) return;
  *last = now;
  fn(ud, p);
}

int ls_pipeline_run(struct ls_pipeline *p, atomic_bool *stop, ls_tick_fn fn, void *ud) {
  double last_tick = wall_s();
  p->last_cluster_wall = last_tick;
  while (!atomic_load(stop)) {
    if (step(p) == 0) {
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
  cluster(p);
  if (close_campaigns) ls_tracker_close_all(p->tracker, on_event, p);
  p->st.campaigns_active = ls_tracker_active(p->tracker);
  bool clean = flush_sinks(p, timeout_ms);
  acknowledge(p, clean, true);
  if (p->ck) clean = flush_sinks(p, timeout_ms) && clean; /* what the last commit released */
  if (!clean) ls_logf(p->log, LS_LOG_ERROR, "pipeline", "sinks did not acknowledge every event: offsets of the last batches are not stored");
  return clean ? LS_OK : LS_EUNAVAIL;
}
