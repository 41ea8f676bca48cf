/* campaign.c — campaign event encodings: JSON object and protobuf lockstep.Campaign. Account
 * and tweet ids are decimal strings in JSON (they overflow JavaScript numbers). */
#include "lockstep/campaign.h"

#include <stdlib.h>

#include "campaign.pb-c.h"

const char *ls_campaign_state_name(enum ls_campaign_state s) {
  switch (s) {
    case LS_CAMPAIGN_OPEN: return "open";
    case LS_CAMPAIGN_UPDATED: return "updated";
    default: return "closed";
  }
}

void ls_campaign_signals_json(const struct ls_campaign_event *e, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  for (int s = 0; s < LS_SIG_COUNT; s++) {
    if (!e->signals[s]) continue;
    ls_jw_key(w, ls_signal_name(s));
    ls_jw_u64(w, e->signals[s]);
  }
  ls_jw_obj_end(w);
}

void ls_campaign_samples_json(const struct ls_campaign_event *e, struct ls_jw *w) {
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; i < e->n_samples; i++) ls_jw_u64_str(w, e->samples[i]);
  ls_jw_arr_end(w);
}

static void parts_json(const struct ls_score_parts *p, struct ls_jw *w) {
  const char *names[] = {"size", "synchrony", "content", "diversity", "accounts"};
  const double v[] = {p->size, p->synchrony, p->content, p->diversity, p->accounts};
  ls_jw_obj_begin(w);
  for (int i = 0; i < 5; i++) {
    ls_jw_key(w, names[i]);
    ls_jw_f64(w, v[i]);
  }
  ls_jw_obj_end(w);
}

static void edges_json(const struct ls_evidence *ev, struct ls_jw *w) {
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; ev && i < ev->n_top; i++) {
    const struct ls_group_edge *x = &ev->top[i];
    ls_jw_obj_begin(w);
    ls_jw_key(w, "source");
    ls_jw_u64_str(w, x->a);
    ls_jw_key(w, "target");
    ls_jw_u64_str(w, x->b);
    ls_jw_key(w, "weight");
    ls_jw_f64(w, x->weight);
    ls_jw_key(w, "signals");
    ls_jw_obj_begin(w);
    for (int s = 0; s < LS_SIG_COUNT; s++) {
      if (x->w[s] <= 0) continue;
      ls_jw_key(w, ls_signal_name(s));
      ls_jw_f64(w, x->w[s]);
    }
    ls_jw_obj_end(w);
    ls_jw_obj_end(w);
  }
  ls_jw_arr_end(w);
}

static void activity_json(const struct ls_evidence *ev, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "start");
  ls_jw_time(w, ev ? ev->hist_start_ms : 0);
  ls_jw_key(w, "per_minute");
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; ev && i < ev->n_hist; i++) ls_jw_u64(w, ev->hist[i]);
  ls_jw_arr_end(w);
  ls_jw_obj_end(w);
}

static void optional_id(const char *key, const char *id, struct ls_jw *w) {
  if (!id[0]) return;
  ls_jw_key(w, key);
  ls_jw_str(w, id);
}

const char *ls_operation_state_name(const struct ls_operation_ref *op) { return op->active ? "active" : "dormant"; }

static void operation_json(const struct ls_operation_ref *op, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "state");
  ls_jw_str(w, ls_operation_state_name(op));
  ls_jw_key(w, "first_seen");
  ls_jw_time(w, op->first_seen_ms);
  ls_jw_key(w, "last_seen");
  ls_jw_time(w, op->last_seen_ms);
  ls_jw_key(w, "campaigns");
  ls_jw_u64(w, op->campaigns);
  ls_jw_key(w, "accounts");
  ls_jw_u64(w, op->accounts);
  ls_jw_key(w, "score");
  ls_jw_f64(w, op->score);
  ls_jw_key(w, "merged_from");
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; i < op->n_merged; i++) ls_jw_str(w, op->merged_from[i]);
  ls_jw_arr_end(w);
  ls_jw_obj_end(w);
}

/* The fields that say why a campaign was flagged: its score's parts, its pairs' mean gap, its
 * strongest ties (in the event and in its Redis evidence). */
static void score_fields(const struct ls_campaign_event *e, struct ls_jw *w) {
  ls_jw_key(w, "score_parts");
  parts_json(&e->parts, w);
  ls_jw_key(w, "mean_gap_s");
  ls_jw_f64(w, e->ev ? e->ev->mean_gap_s : 0);
  ls_jw_key(w, "strongest_edges");
  edges_json(e->ev, w);
}

/* The username of an account of e ("" when unknown); accounts are sorted ascending. */
static const char *username_of(const struct ls_campaign_event *e, uint64_t id) {
  uint32_t lo = 0, hi = e->n_accounts;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->accounts[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return e->usernames && lo < e->n_accounts && e->accounts[lo] == id ? e->usernames[lo] : "";
}

void ls_campaign_evidence_json(const struct ls_campaign_event *e, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "qualified_at");
  ls_jw_time(w, e->qualified_ms);
  score_fields(e, w);
  ls_jw_key(w, "usernames"); /* of the edges' accounts, each once */
  ls_jw_obj_begin(w);
  uint64_t named[2 * LS_TOP_EDGES];
  uint32_t n_named = 0;
  for (uint32_t i = 0; e->ev && i < e->ev->n_top; i++) {
    const uint64_t ends[2] = {e->ev->top[i].a, e->ev->top[i].b};
    for (int k = 0; k < 2; k++) {
      bool seen = false;
      for (uint32_t j = 0; j < n_named && !seen; j++) seen = named[j] == ends[k];
      if (seen) continue;
      named[n_named++] = ends[k];
      char id[24];
      snprintf(id, sizeof id, "%llu", (unsigned long long)ends[k]);
      ls_jw_key(w, id);
      ls_jw_str(w, username_of(e, ends[k]));
    }
  }
  ls_jw_obj_end(w);
  ls_jw_key(w, "activity");
  activity_json(e->ev, w);
  ls_jw_key(w, "other_texts");
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; e->variants && i < e->n_variants; i++) ls_jw_str(w, e->variants[i]);
  ls_jw_arr_end(w);
  optional_id("merged_into", e->merged_into, w);
  optional_id("split_from", e->split_from, w);
  ls_jw_obj_end(w);
}

void ls_campaign_to_json(const struct ls_campaign_event *e, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "campaign_id");
  ls_jw_str(w, e->id);
  ls_jw_key(w, "version");
  ls_jw_u64(w, e->version);
  ls_jw_key(w, "state");
  ls_jw_str(w, ls_campaign_state_name(e->state));
  ls_jw_key(w, "first_seen");
  ls_jw_time(w, e->first_seen_ms);
  ls_jw_key(w, "last_seen");
  ls_jw_time(w, e->last_seen_ms);
  ls_jw_key(w, "as_of");
  ls_jw_time(w, e->as_of_ms);
  ls_jw_key(w, "qualified_at");
  ls_jw_time(w, e->qualified_ms);
  ls_jw_key(w, "score");
  ls_jw_f64(w, e->score);
  ls_jw_key(w, "accounts");
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; i < e->n_accounts; i++) ls_jw_u64_str(w, e->accounts[i]);
  ls_jw_arr_end(w);
  ls_jw_key(w, "usernames");
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; i < e->n_accounts; i++) {
    if (e->usernames && e->usernames[i][0]) ls_jw_str(w, e->usernames[i]);
    else ls_jw_null(w);
  }
  ls_jw_arr_end(w);
  ls_jw_key(w, "tweet_count");
  ls_jw_u64(w, e->tweet_count);
  ls_jw_key(w, "signals");
  ls_campaign_signals_json(e, w);
  ls_jw_key(w, "sample_tweet_ids");
  ls_campaign_samples_json(e, w);
  ls_jw_key(w, "representative_text");
  ls_jw_str(w, e->text ? e->text : "");
  score_fields(e, w);
  ls_jw_key(w, "activity");
  activity_json(e->ev, w);
  optional_id("merged_into", e->merged_into, w);
  optional_id("split_from", e->split_from, w);
  if (e->operation.id[0]) {
    optional_id("operation_id", e->operation.id, w);
    ls_jw_key(w, "operation");
    operation_json(&e->operation, w);
  }
  ls_jw_obj_end(w);
}

static void edges_protobuf(const struct ls_evidence *ev, Lockstep__Edge *edges, Lockstep__Edge **edge_ptrs,
                           Lockstep__SignalWeight (*sw)[LS_SIG_COUNT], Lockstep__SignalWeight *(*sw_ptrs)[LS_SIG_COUNT]) {
  for (uint32_t i = 0; i < ev->n_top; i++) {
    const struct ls_group_edge *x = &ev->top[i];
    lockstep__edge__init(&edges[i]);
    edges[i].source = x->a;
    edges[i].target = x->b;
    edges[i].weight = x->weight;
    for (int s = 0; s < LS_SIG_COUNT; s++) {
      if (x->w[s] <= 0) continue;
      Lockstep__SignalWeight *y = &sw[i][edges[i].n_signals];
      lockstep__signal_weight__init(y);
      y->signal = (char *)ls_signal_name(s);
      y->weight = x->w[s];
      sw_ptrs[i][edges[i].n_signals++] = y;
    }
    edges[i].signals = sw_ptrs[i];
    edge_ptrs[i] = &edges[i];
  }
}

static void operation_protobuf(const struct ls_operation_ref *op, Lockstep__Operation *m, char **merged) {
  m->operation_id = (char *)op->id;
  m->state = (char *)ls_operation_state_name(op);
  m->first_seen_ms = op->first_seen_ms;
  m->last_seen_ms = op->last_seen_ms;
  m->campaigns = op->campaigns;
  m->accounts = op->accounts;
  m->score = op->score;
  for (uint32_t i = 0; i < op->n_merged; i++) merged[i] = (char *)op->merged_from[i];
  m->n_merged_from = op->n_merged;
  m->merged_from = merged;
}

size_t ls_campaign_to_protobuf(const struct ls_campaign_event *e, uint8_t **buf, size_t *cap) {
  Lockstep__Campaign m = LOCKSTEP__CAMPAIGN__INIT;
  Lockstep__SignalCount counts[LS_SIG_COUNT], *ptrs[LS_SIG_COUNT];
  char first[40], last[40];
  ls_iso8601(e->first_seen_ms, first, sizeof first);
  ls_iso8601(e->last_seen_ms, last, sizeof last);
  m.campaign_id = (char *)e->id;
  m.version = e->version;
  m.state = (char *)ls_campaign_state_name(e->state);
  m.first_seen_ms = e->first_seen_ms;
  m.last_seen_ms = e->last_seen_ms;
  m.first_seen = first;
  m.last_seen = last;
  m.score = e->score;
  m.n_accounts = e->n_accounts;
  m.accounts = (uint64_t *)e->accounts;
  m.tweet_count = e->tweet_count;
  m.n_sample_tweet_ids = e->n_samples;
  m.sample_tweet_ids = (uint64_t *)e->samples;
  m.representative_text = (char *)(e->text ? e->text : "");
  for (int s = 0; s < LS_SIG_COUNT; s++) {
    if (!e->signals[s]) continue;
    Lockstep__SignalCount *c = &counts[m.n_signals];
    lockstep__signal_count__init(c);
    c->signal = (char *)ls_signal_name(s);
    c->count = e->signals[s];
    ptrs[m.n_signals++] = c;
  }
  m.signals = ptrs;
  Lockstep__ScoreParts parts = LOCKSTEP__SCORE_PARTS__INIT;
  parts.size = e->parts.size;
  parts.synchrony = e->parts.synchrony;
  parts.content = e->parts.content;
  parts.diversity = e->parts.diversity;
  parts.accounts = e->parts.accounts;
  m.score_parts = &parts;
  m.merged_into = (char *)e->merged_into;
  m.as_of_ms = e->as_of_ms;
  m.qualified_at_ms = e->qualified_ms;
  m.split_from = (char *)e->split_from;
  Lockstep__Operation op = LOCKSTEP__OPERATION__INIT;
  char *merged[LS_OP_MERGED_MAX];
  if (e->operation.id[0]) {
    operation_protobuf(&e->operation, &op, merged);
    m.operation_id = (char *)e->operation.id;
    m.operation = &op;
  }
  Lockstep__Edge edges[LS_TOP_EDGES], *edge_ptrs[LS_TOP_EDGES];
  Lockstep__SignalWeight sw[LS_TOP_EDGES][LS_SIG_COUNT], *sw_ptrs[LS_TOP_EDGES][LS_SIG_COUNT];
  Lockstep__Activity act = LOCKSTEP__ACTIVITY__INIT;
  if (e->ev) {
    edges_protobuf(e->ev, edges, edge_ptrs, sw, sw_ptrs);
    m.n_strongest_edges = e->ev->n_top;
    m.strongest_edges = edge_ptrs;
    act.start_ms = e->ev->hist_start_ms;
    act.n_counts = e->ev->n_hist;
    act.counts = (uint32_t *)e->ev->hist;
    m.activity = &act;
    m.mean_gap_s = e->ev->mean_gap_s;
  }
  char **names = e->usernames ? malloc((e->n_accounts + 1) * sizeof *names) : NULL;
  if (names) {
    for (uint32_t i = 0; i < e->n_accounts; i++) names[i] = (char *)e->usernames[i];
    m.n_usernames = e->n_accounts;
    m.usernames = names;
  }
  size_t n = lockstep__campaign__get_packed_size(&m);
  if (n > *cap) {
    uint8_t *b = realloc(*buf, n);
    if (!b) {
      free(names);
      return 0;
    }
    *buf = b;
    *cap = n;
  }
  n = lockstep__campaign__pack(&m, *buf);
  free(names);
  return n;
}
