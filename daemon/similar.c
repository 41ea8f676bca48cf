/* similar.c — the co-similar-text pair stage (see similar.h). Rows carry their author, tweet,
 * time, text key and activity count beside the window; pairs come back from the backend in
 * (query, row) order, so a replay gives the same sets. A window of one actions partition among
 * sharded ones (text_shards.h) counts every match it finds (the query's popularity, as far as it
 * sees) but weighs only the pairs it owns, so no pair is reported by two partitions. */
#include "lockstep/similar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/clock.h"
#include "lockstep/pairs.h"
#include "lockstep/text_shards.h"
#include "lockstep/vecwin.h"

#define MAX_SIMILAR_PAIRS_PER_TWEET 64 /* initial pair buffer per batch tweet */
#define MAX_PAIRS (1u << 24)          /* largest pair buffer (192 MiB): beyond, pairs are dropped */

struct row { /* what a window row stands for */
  uint64_t account, tweet;
  int64_t t;
  uint64_t text_key; /* the co-tweet key of its canonical text: identical copies are co-tweet's */
  float activity;    /* its author's activity count with it (the chance model's) */
  bool replayed;
};

struct route { /* sharded windows: the partitions a row's vector was sent to */
  uint8_t n;
  uint16_t parts[LS_TEXT_SHARDS_SPILL_MAX];
};

struct ls_similar {
  const struct ls_config *cfg;
  const struct ls_chance *chance;
  const struct ls_log *log;
  struct ls_export *export;
  struct ls_vecwin *vecwin;
  struct row *rows;
  struct route *routes; /* per slot, sharded windows only (partition ≥ 0) */
  uint32_t cap; /* rows */
  struct ls_pair *pairs;
  struct ls_coaction *partners; /* as many as pairs */
  uint32_t pairs_cap;
  uint32_t *matches; /* per query: matches by other accounts inside the window */
  struct ls_coactions *slices; /* per query: its partners, room for all its matches */
  struct ls_pairset *sets;
  uint32_t *set_query;
  int64_t watermark;
  double last_span_warning;
  int32_t partition; /* the actions partition this window serves among sharded ones; -1: the one window */
};

static double mib(size_t b) { return b / 1048576.0; }

static void log_sizes(const struct ls_similar *s, uint32_t dim, float tau) {
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(s->vecwin, &vs);
  char of[48] = "";
  if (s->partition >= 0) snprintf(of, sizeof of, " of actions partition %d", (int)s->partition);
  ls_logf(s->log, LS_LOG_INFO, "pipeline",
          "similar-text window%s capacity=%u vectors (FP16) dim=%u memory=%.1fMiB (%zu bytes per tweet) threshold=%.3f "
          "index lists=%u probes=%u list_capacity=%u sketch_bounds=%u/%u,%u/%u",
          of, vs.capacity, (unsigned)dim, mib(ls_similar_bytes(s)), vs.bytes_per_row + sizeof(struct row) + (s->routes ? sizeof(struct route) : 0), tau, vs.lists, vs.probes,
          vs.list_cap, vs.hamming.coarse, 64 * LS_COARSE_WORDS, vs.hamming.fine, 64 * LS_SKETCH_WORDS);
}

int ls_similar_create(struct ls_similar **out, const struct ls_config *cfg, struct ls_backend *be, uint32_t dim, float tau,
                      int32_t partition, const struct ls_chance *chance, const struct ls_log *log, struct ls_err *err) {
  struct ls_similar *s = calloc(1, sizeof *s);
  if (!s) return ls_err_set(err, LS_ENOMEM, "co-similar-text: out of memory");
  uint32_t nb = (uint32_t)cfg->batch.max_tweets;
  *s = (struct ls_similar){.cfg = cfg, .chance = chance, .log = log, .cap = (uint32_t)cfg->detect.window_capacity,
                           .pairs_cap = nb * MAX_SIMILAR_PAIRS_PER_TWEET, .partition = partition};
  struct ls_vecwin_conf vc = {.capacity = s->cap, .dim = dim, .max_batch = nb, .tau = tau,
                              .lists = (uint32_t)cfg->detect.index_lists, .probes = (uint32_t)cfg->detect.index_probes};
  int rc = ls_vecwin_create(&s->vecwin, be, &vc, err);
  s->rows = calloc(s->cap, sizeof *s->rows);
  s->routes = partition >= 0 ? calloc(s->cap, sizeof *s->routes) : NULL;
  s->pairs = malloc((size_t)s->pairs_cap * sizeof *s->pairs);
  s->partners = malloc((size_t)s->pairs_cap * sizeof *s->partners);
  s->matches = malloc(nb * sizeof *s->matches);
  s->slices = malloc(nb * sizeof *s->slices);
  s->sets = malloc(nb * sizeof *s->sets);
  s->set_query = malloc(nb * sizeof *s->set_query);
  if (rc == LS_OK && (!s->rows || (partition >= 0 && !s->routes) || !s->pairs || !s->partners || !s->matches || !s->slices || !s->sets || !s->set_query))
    rc = ls_err_set(err, LS_ENOMEM, "co-similar-text: out of memory for %u rows", s->cap);
  if (rc != LS_OK) {
    ls_similar_destroy(s);
    return rc;
  }
  log_sizes(s, dim, tau);
  *out = s;
  return LS_OK;
}

void ls_similar_destroy(struct ls_similar *s) {
  if (!s) return;
  ls_vecwin_destroy(s->vecwin);
  free(s->rows);
  free(s->routes);
  free(s->pairs);
  free(s->partners);
  free(s->matches);
  free(s->slices);
  free(s->sets);
  free(s->set_query);
  free(s);
}

void ls_similar_set_export(struct ls_similar *s, struct ls_export *x) { s->export = x; }

/* Whether a window row is older than the co-similar-text window (and the lateness allowed). */
static bool row_expired(void *ud, uint32_t slot) {
  const struct ls_similar *s = ud;
  int64_t keep_ms = (s->cfg->signal[LS_SIG_SIMILAR].window_s + s->cfg->detect.lateness_s) * 1000;
  return s->rows[slot].t < s->watermark - keep_ms;
}

/* A full window must still reach back one co-similar-text window in event time, or pairs are
 * missed: say so (at most once a minute) with the fix. */
static void check_window_span(struct ls_similar *s, uint32_t oldest_slot) {
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(s->vecwin, &vs);
  if (vs.live < vs.capacity) return;
  int64_t span = s->watermark - s->rows[oldest_slot].t;
  int64_t want = s->cfg->signal[LS_SIG_SIMILAR].window_s * 1000;
  double now = ls_clock_s();
  if (span >= want || now - s->last_span_warning < 60) return;
  s->last_span_warning = now;
  ls_logf(s->log, LS_LOG_WARN, "pipeline",
          "co-similar-text window holds %.1f s of tweets, less than co_similar_text.window_s=%lld: similar pairs are "
          "missed; raise detect.window_capacity (now %u) to at least %.0f",
          span / 1000.0, (long long)s->cfg->signal[LS_SIG_SIMILAR].window_s, vs.capacity,
          span > 0 ? (double)vs.capacity * want / span : 0.0);
}

/* Every pair of the batch, in (query, row) order: the buffer grows (up to MAX_PAIRS) when a batch
 * finds more than it holds, and the query runs again. When even that overflows, found exceeds the
 * buffer and the pairs kept are an arbitrary subset. */
static int query_all(struct ls_similar *s, uint32_t *found, struct ls_err *err) {
  int rc = ls_vecwin_query(s->vecwin, s->pairs, s->pairs_cap, found, err);
  if (rc == LS_OK && *found > s->pairs_cap && s->pairs_cap < MAX_PAIRS) {
    uint32_t cap = *found < MAX_PAIRS ? *found : MAX_PAIRS;
    struct ls_pair *bigger = realloc(s->pairs, (size_t)cap * sizeof *bigger);
    if (bigger) s->pairs = bigger;
    struct ls_coaction *more = bigger ? realloc(s->partners, (size_t)cap * sizeof *more) : NULL;
    if (!more) return ls_err_set(err, LS_ENOMEM, "co-similar-text: cannot hold %u pairs", cap);
    s->partners = more;
    s->pairs_cap = cap;
    rc = ls_vecwin_query(s->vecwin, s->pairs, s->pairs_cap, found, err);
  }
  if (rc == LS_OK && *found > s->pairs_cap) {
    ls_logf(s->log, LS_LOG_WARN, "pipeline", "co-similar-text: %u pairs found, %u kept (lower batch.max_tweets or raise the threshold)",
            *found, s->pairs_cap);
    *found = s->pairs_cap;
  }
  return rc;
}

/* The row of pair pr when it is a match of its query: another account's, inside the window, an
 * earlier row (the query's own row and later ones of its batch are not), not an exact copy. */
static const struct row *match_of(const struct ls_similar *s, const struct ls_similar_query *q, const struct ls_pair *pr,
                                  uint32_t n, uint32_t first_slot) {
  uint32_t rel = (pr->w + s->cap - first_slot) % s->cap; /* position relative to this batch's first row */
  if (rel < n && rel >= pr->q) return NULL;
  const struct row *m = &s->rows[pr->w];
  const struct ls_action_rec *a = &q[pr->q].act;
  if (m->account == a->account || llabs(m->t - a->t_ms) > s->cfg->signal[LS_SIG_SIMILAR].window_s * 1000) return NULL;
  if (q[pr->q].text_key && m->text_key == q[pr->q].text_key && s->cfg->signal[LS_SIG_TWEET].enabled) return NULL;
  return m;
}

/* Whether this window reports the pair of query q and row m: the lowest partition both were
 * sent to is its own (always, for the one window). */
static bool owns(const struct ls_similar *s, const struct ls_similar_query *q, const struct row *m) {
  if (s->partition < 0 || !q->n_parts) return true;
  const struct route *r = &s->routes[m - s->rows];
  return !r->n || ls_text_shards_owner(q->parts, q->n_parts, r->parts, r->n) == s->partition;
}

/* Counts each query's matches (and exports those it owns). */
static void count_matches(struct ls_similar *s, const struct ls_similar_query *q, uint32_t n, uint32_t first_slot, uint32_t found) {
  memset(s->matches, 0, n * sizeof *s->matches);
  for (uint32_t k = 0; k < found; k++) {
    const struct row *m = match_of(s, q, &s->pairs[k], n, first_slot);
    if (!m) continue;
    s->matches[s->pairs[k].q]++;
    if (!s->export || !owns(s, &q[s->pairs[k].q], m)) continue;
    const struct ls_action_rec *a = &q[s->pairs[k].q].act;
    ls_export_match(s->export, LS_SIG_SIMILAR, a->account, a->tweet, m->account);
    ls_export_match(s->export, LS_SIG_SIMILAR, m->account, m->tweet, a->account);
  }
}

/* Weighs the matches of each query under the limit into its own slice of partners (room for all
 * its matches, whatever order the pairs come in), then writes one pair set per query that kept
 * any, in query order. */
static void pair_sets(struct ls_similar *s, const struct ls_similar_query *q, uint32_t n, uint32_t first_slot, uint32_t found,
                      struct ls_similar_out *out) {
  uint32_t max_accounts = ls_chance_max_accounts(s->chance);
  count_matches(s, q, n, first_slot, found);
  struct ls_coactions *c = s->slices;
  for (uint32_t i = 0, at = 0; i < n; at += s->matches[i++]) c[i] = (struct ls_coactions){.v = s->partners + at, .cap = s->matches[i]};
  for (uint32_t k = 0; k < found; k++) {
    uint32_t qi = s->pairs[k].q;
    const struct row *m = s->matches[qi] + 1 > max_accounts ? NULL : match_of(s, q, &s->pairs[k], n, first_slot);
    if (m && owns(s, &q[qi], m))
      ls_coactions_weigh(&c[qi], s->chance, &q[qi].act,
                         &(struct ls_action){.account = m->account, .t_ms = m->t, .activity = m->activity, .replayed = m->replayed});
  }
  for (uint32_t i = 0; i < n; i++) {
    out->light += c[i].light;
    out->suppressed += s->matches[i] + 1 > max_accounts;
    if (c[i].n == 0) continue;
    s->set_query[out->n_sets] = i;
    struct ls_action_rec act = q[i].act;
    act.window = s->partition >= 0 && q[i].n_parts ? (uint32_t)s->partition + 1 : 0;
    s->sets[out->n_sets++] = (struct ls_pairset){.act = act, .object_accounts = s->matches[i] + 1, .n = c[i].n, .light = c[i].light,
                                                 .partners = c[i].v};
  }
}

int ls_similar_batch(struct ls_similar *s, const struct ls_similar_query *q, const float *vectors, uint32_t n, int64_t watermark_ms,
                     struct ls_similar_out *out, struct ls_err *err) {
  *out = (struct ls_similar_out){.sets = s->sets, .query = s->set_query};
  s->watermark = watermark_ms;
  ls_vecwin_retire(s->vecwin, row_expired, s);
  if (n == 0) return LS_OK;
  uint32_t first_slot = 0, found = 0;
  int rc = ls_vecwin_add(s->vecwin, vectors, n, &first_slot, err);
  for (uint32_t i = 0; rc == LS_OK && i < n; i++) {
    const struct ls_action_rec *a = &q[i].act;
    uint32_t slot = (first_slot + i) % s->cap;
    s->rows[slot] = (struct row){a->account, a->tweet, a->t_ms, q[i].text_key, (float)a->activity, a->replayed};
    if (s->routes) {
      s->routes[slot].n = (uint8_t)q[i].n_parts;
      if (q[i].n_parts) memcpy(s->routes[slot].parts, q[i].parts, q[i].n_parts * sizeof *q[i].parts);
    }
  }
  if (rc == LS_OK) rc = query_all(s, &found, err);
  if (rc != LS_OK) return rc;
  pair_sets(s, q, n, first_slot, found, out);
  check_window_span(s, (first_slot + n) % s->cap);
  return LS_OK;
}

uint32_t ls_similar_rows(const struct ls_similar *s) {
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(s->vecwin, &vs);
  return vs.live;
}

size_t ls_similar_bytes(const struct ls_similar *s) {
  struct ls_vecwin_stats vs;
  ls_vecwin_stats(s->vecwin, &vs);
  return vs.bytes + (size_t)vs.capacity * (sizeof(struct row) + (s->routes ? sizeof(struct route) : 0));
}
