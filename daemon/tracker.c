/* tracker.c — campaign life cycle (see tracker.h). Matching: each group, largest first, votes
 * for the campaigns holding its accounts; it claims the one with most votes when they share at
 * least half of the smaller one and no larger group claimed it first. A group that finds its
 * best campaign already claimed is a split (split_from); other campaigns that the claiming group
 * holds most of are merged into it (merged_into) and closed. Each matched or opened campaign
 * then joins the operation its group connects to (operation.h); campaigns keep a pointer to
 * their operation and resolve it, so one merged away this round is followed to the one that took
 * it in, and a campaign whose operation id changed is updated at the end of the round. Campaigns
 * are few (one per coordinated group), so a plain array serves. */
#include "lockstep/tracker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"

struct campaign {
  char id[LS_CAMPAIGN_ID_MAX];
  uint32_t version;
  int64_t first_ms, last_ms, qualified_ms;
  double score;
  uint64_t *accounts;
  char (*usernames)[LS_USERNAME_MAX];
  uint32_t n_accounts;
  uint64_t tweet_count;
  uint64_t signals[LS_SIG_COUNT];
  uint64_t samples[LS_SAMPLES];
  uint32_t n_samples;
  char text[LS_TEXT_MAX + 1];
  char variants[LS_TEXT_VARIANTS][LS_TEXT_MAX + 1];
  uint32_t n_variants;
  struct ls_score_parts parts;
  struct ls_evidence ev;
  char merged_into[LS_CAMPAIGN_ID_MAX], split_from[LS_CAMPAIGN_ID_MAX];
  uint64_t emitted_actions;
  bool claimed;
  struct ls_op *op;                     /* resolve before use (operation.h) */
  char op_emitted[LS_CAMPAIGN_ID_MAX]; /* the operation its latest event named */
};

struct closed { /* a campaign closed within the operation memory: its id may come back */
  char id[LS_CAMPAIGN_ID_MAX];
  uint32_t version;
  int64_t closed_ms;
};

struct ls_tracker {
  struct ls_tracker_conf conf;
  struct ls_ops *ops;
  struct campaign *c;
  uint32_t n, cap;
  struct closed *closed;
  uint32_t n_closed, cap_closed;
  uint64_t opened;
};

void ls_tracker_set_conf(struct ls_tracker *t, const struct ls_tracker_conf *conf) {
  struct ls_ops_conf ops = t->conf.ops; /* the operations' keep theirs: they size their memory */
  t->conf = *conf;
  t->conf.ops = ops;
}

int ls_tracker_create(struct ls_tracker **out, const struct ls_tracker_conf *conf, struct ls_err *err) {
  struct ls_tracker *t = calloc(1, sizeof *t);
  if (!t) return ls_err_set(err, LS_ENOMEM, "tracker: out of memory");
  t->conf = *conf;
  int rc = ls_ops_create(&t->ops, &conf->ops, err);
  if (rc != LS_OK) {
    free(t);
    return rc;
  }
  *out = t;
  return LS_OK;
}

static void forget(struct campaign *c) {
  free(c->accounts);
  free(c->usernames);
}

void ls_tracker_destroy(struct ls_tracker *t) {
  if (!t) return;
  for (uint32_t i = 0; i < t->n; i++) forget(&t->c[i]);
  free(t->c);
  free(t->closed);
  ls_ops_destroy(t->ops);
  free(t);
}

/* README: scoring. Weights sum to 1; account features weigh least and never form a group. */
double ls_group_score(const struct ls_group *g, struct ls_score_parts *parts) {
  struct ls_score_parts p = {
      .size = 1 - exp(-(double)g->n_accounts / 10),
      .synchrony = g->strong_edges ? exp(-g->ev.mean_gap_s / 120) : 0,
      .content = g->ev.content_share,
      .diversity = 1 - exp(-g->ev.mean_edge_weight / 5),
      .accounts = g->ev.account_suspicion,
  };
  if (parts) *parts = p;
  return 0.25 * p.size + 0.25 * p.synchrony + 0.15 * p.content + 0.25 * p.diversity + 0.10 * p.accounts;
}

static uint64_t total_actions(const uint64_t *signals) {
  uint64_t s = 0;
  for (int i = 0; i < LS_SIG_COUNT; i++) s += signals[i];
  return s;
}

static void emit(struct campaign *c, enum ls_campaign_state state, ls_event_fn fn, void *ud) {
  struct ls_campaign_event e = {.version = c->version, .state = state, .first_seen_ms = c->first_ms,
                                .last_seen_ms = c->last_ms, .qualified_ms = c->qualified_ms, .score = c->score, .accounts = c->accounts,
                                .usernames = (const char(*)[LS_USERNAME_MAX])c->usernames,
                                .n_accounts = c->n_accounts, .tweet_count = c->tweet_count,
                                .n_samples = c->n_samples, .text = c->text,
                                .variants = (const char(*)[LS_TEXT_MAX + 1])c->variants, .n_variants = c->n_variants,
                                .parts = c->parts, .ev = &c->ev};
  memcpy(e.id, c->id, sizeof e.id);
  memcpy(e.merged_into, c->merged_into, sizeof e.merged_into);
  memcpy(e.split_from, c->split_from, sizeof e.split_from);
  memcpy(e.signals, c->signals, sizeof e.signals);
  memcpy(e.samples, c->samples, sizeof e.samples);
  c->op = ls_ops_resolve(c->op);
  ls_ops_ref(c->op, &e.operation);
  memcpy(c->op_emitted, e.operation.id, sizeof c->op_emitted);
  fn(ud, &e);
}

static bool operation_changed(const struct campaign *c) {
  return c->op && strcmp(ls_ops_id(ls_ops_resolve(c->op)), c->op_emitted) != 0;
}

/* Copies the group into c and tells whether its accounts changed; LS_OK or LS_ENOMEM. */
static int absorb(struct campaign *c, const struct ls_group *g, bool *accounts_changed) {
  *accounts_changed = c->n_accounts != g->n_accounts ||
                      memcmp(c->accounts, g->accounts, g->n_accounts * sizeof(uint64_t)) != 0;
  if (*accounts_changed) {
    uint64_t *a = realloc(c->accounts, (g->n_accounts + 1) * sizeof(uint64_t));
    if (a) c->accounts = a;
    char(*u)[LS_USERNAME_MAX] = realloc(c->usernames, (g->n_accounts + 1) * sizeof *u);
    if (u) c->usernames = u;
    if (!a || !u) return LS_ENOMEM;
    memcpy(a, g->accounts, g->n_accounts * sizeof(uint64_t));
    c->n_accounts = g->n_accounts;
  }
  for (uint32_t i = 0; i < g->n_accounts; i++) /* names may become known later */
    memcpy(c->usernames[i], g->usernames ? g->usernames[i] : "", g->usernames ? LS_USERNAME_MAX : 1);
  if (g->first_ms < c->first_ms || c->first_ms == 0) c->first_ms = g->first_ms;
  if (c->qualified_ms == 0) c->qualified_ms = g->qualified_ms; /* the moment it first qualified */
  if (g->last_ms > c->last_ms) c->last_ms = g->last_ms;
  c->score = ls_group_score(g, &c->parts);
  c->ev = g->ev;
  c->tweet_count = g->tweet_count;
  memcpy(c->signals, g->signal_actions, sizeof c->signals);
  memcpy(c->samples, g->samples, sizeof c->samples);
  c->n_samples = g->n_samples;
  memcpy(c->text, g->text, sizeof c->text);
  memcpy(c->variants, g->variants, sizeof c->variants);
  c->n_variants = g->n_variants;
  return LS_OK;
}

static bool live_id(const struct ls_tracker *t, const char *id) {
  for (uint32_t i = 0; i < t->n; i++)
    if (strcmp(t->c[i].id, id) == 0) return true;
  return false;
}

/* The version a campaign closed under this id reached (and forgets it), or 0. */
static uint32_t take_closed(struct ls_tracker *t, const char *id) {
  for (uint32_t i = 0; i < t->n_closed; i++) {
    if (strcmp(t->closed[i].id, id) != 0) continue;
    uint32_t v = t->closed[i].version;
    t->closed[i] = t->closed[--t->n_closed];
    return v;
  }
  return 0;
}

/* Names c after its group's earliest strong edge and the time of its first co-action, which do
 * not depend on the order in which tweets arrived (tracker.h); a name already in use by an open
 * campaign (a split that took the edge) is rehashed. A group that comes back under the id of a
 * campaign closed within the operation memory continues that campaign's versions. */
static void name_campaign(struct ls_tracker *t, struct campaign *c, const struct ls_group *g) {
  uint64_t h = ls_hash_combine(ls_hash_combine(ls_mix64(g->seed_a), g->seed_b), (uint64_t)g->first_ms);
  do {
    snprintf(c->id, sizeof c->id, "c%016llx", (unsigned long long)h);
    h = ls_mix64(h + 1);
  } while (live_id(t, c->id));
  c->version = take_closed(t, c->id) + 1;
}

static struct campaign *open_campaign(struct ls_tracker *t, const struct ls_group *g) {
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? 2 * t->cap : 64;
    struct campaign *c = realloc(t->c, cap * sizeof *c);
    if (!c) return NULL;
    t->c = c;
    t->cap = cap;
  }
  struct campaign *c = &t->c[t->n];
  memset(c, 0, sizeof *c);
  bool changed;
  if (absorb(c, g, &changed) != LS_OK) return NULL;
  name_campaign(t, c, g);
  c->claimed = true;
  t->n++;
  t->opened++;
  return c;
}

struct index { /* account → campaign number, rebuilt each round */
  uint64_t *ids;
  uint32_t *camp;
  uint32_t mask;
};

static int index_build(struct index *x, const struct ls_tracker *t, struct ls_err *err) {
  uint32_t total = 0, cap = 16;
  for (uint32_t i = 0; i < t->n; i++) total += t->c[i].n_accounts;
  while (cap < 2 * total + 2) cap <<= 1;
  x->ids = calloc(cap, sizeof *x->ids);
  x->camp = calloc(cap, sizeof *x->camp);
  x->mask = cap - 1;
  if (!x->ids || !x->camp) return ls_err_set(err, LS_ENOMEM, "tracker: out of memory");
  for (uint32_t i = 0; i < t->n; i++)
    for (uint32_t k = 0; k < t->c[i].n_accounts; k++) {
      uint64_t id = t->c[i].accounts[k];
      uint32_t j = (uint32_t)ls_mix64(id) & x->mask;
      while (x->ids[j] && x->ids[j] != id) j = (j + 1) & x->mask;
      x->ids[j] = id;
      x->camp[j] = i;
    }
  return LS_OK;
}

static int index_get(const struct index *x, uint64_t id) {
  uint32_t j = (uint32_t)ls_mix64(id) & x->mask;
  while (x->ids[j]) {
    if (x->ids[j] == id) return (int)x->camp[j];
    j = (j + 1) & x->mask;
  }
  return -1;
}

/* Counts the group's accounts per campaign into votes (zeroed before); returns the campaign with
 * most votes, or -1. */
static int tally(const struct index *x, const struct ls_group *g, uint32_t *votes) {
  int best = -1;
  for (uint32_t k = 0; k < g->n_accounts; k++) {
    int c = index_get(x, g->accounts[k]);
    if (c < 0) continue;
    votes[c]++;
    if (best < 0 || votes[c] > votes[best]) best = c;
  }
  return best;
}

static void untally(const struct index *x, const struct ls_group *g, uint32_t *votes) {
  for (uint32_t k = 0; k < g->n_accounts; k++) {
    int c = index_get(x, g->accounts[k]);
    if (c >= 0) votes[c] = 0;
  }
}

/* The group and campaign c share at least half of the smaller of the two. */
static bool same_campaign(const struct campaign *c, const struct ls_group *g, uint32_t shared) {
  uint32_t smaller = g->n_accounts < c->n_accounts ? g->n_accounts : c->n_accounts;
  return 2 * shared >= smaller;
}

static int by_size_desc(const void *a, const void *b) {
  const struct ls_group *x = *(const struct ls_group *const *)a, *y = *(const struct ls_group *const *)b;
  return x->n_accounts < y->n_accounts ? 1 : x->n_accounts > y->n_accounts ? -1 : 0;
}

static void continue_campaign(struct campaign *c, const struct ls_group *g, ls_event_fn fn, void *ud) {
  bool accounts_changed;
  c->claimed = true;
  if (absorb(c, g, &accounts_changed) != LS_OK) return;
  uint64_t actions = total_actions(c->signals);
  if (accounts_changed || actions * 10 >= c->emitted_actions * 11 || operation_changed(c)) {
    c->version++;
    c->emitted_actions = actions;
    emit(c, LS_CAMPAIGN_UPDATED, fn, ud);
  }
}

/* Campaigns (other than the continued one) whose accounts the group holds most of are merged
 * into the continued campaign; they close at the end of the round. */
static void merge_others(struct ls_tracker *t, uint32_t known, int into, const uint32_t *votes) {
  for (uint32_t i = 0; i < known; i++) {
    struct campaign *c = &t->c[i];
    if ((int)i == into || c->claimed || c->merged_into[0] || 2 * votes[i] < c->n_accounts || votes[i] == 0) continue;
    memcpy(c->merged_into, t->c[into].id, sizeof c->merged_into);
    c->claimed = true;
  }
}

/* Remembers a closed campaign's id and version for the operation memory (name_campaign); one
 * that cannot be remembered (out of memory) would restart at version 1, which readers that keep
 * the highest version ignore. */
static void remember_closed(struct ls_tracker *t, const struct campaign *c, int64_t now) {
  if (t->n_closed == t->cap_closed) {
    uint32_t cap = t->cap_closed ? 2 * t->cap_closed : 64;
    struct closed *m = realloc(t->closed, cap * sizeof *m);
    if (!m) return;
    t->closed = m;
    t->cap_closed = cap;
  }
  struct closed *k = &t->closed[t->n_closed++];
  memcpy(k->id, c->id, sizeof k->id);
  k->version = c->version;
  k->closed_ms = now;
}

static void close_campaign(struct ls_tracker *t, struct campaign *c, int64_t now, ls_event_fn fn, void *ud) {
  if (c->op) ls_ops_campaign_closed(ls_ops_resolve(c->op));
  c->version++;
  emit(c, LS_CAMPAIGN_CLOSED, fn, ud);
  remember_closed(t, c, now);
  forget(c);
}

/* Closes the campaigns merged into others this round and those idle for close_after, and forgets
 * the closed ids older than the operation memory. */
static void close_idle(struct ls_tracker *t, int64_t now, ls_event_fn fn, void *ud) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    struct campaign *c = &t->c[i];
    if (c->merged_into[0] || (!c->claimed && c->last_ms < now - t->conf.close_after_ms)) close_campaign(t, c, now, fn, ud);
    else t->c[kept++] = *c;
  }
  t->n = kept;
  kept = 0;
  for (uint32_t i = 0; i < t->n_closed; i++)
    if (t->closed[i].closed_ms >= now - t->conf.ops.memory_ms) t->closed[kept++] = t->closed[i];
  t->n_closed = kept;
}

/* Puts the campaign in the operation its group connects to (links, from ls_ops_connect). */
static int join_operation(struct ls_tracker *t, struct campaign *c, const struct ls_group *g, double score,
                          struct ls_op *const *links, uint32_t n_links, struct ls_err *err) {
  struct ls_op *op = ls_ops_join(t->ops, c->op, links, n_links, c->id);
  if (!op) return ls_err_set(err, LS_ENOMEM, "tracker: out of memory for operations");
  if (!c->op) ls_ops_campaign_opened(op);
  c->op = op;
  if (ls_ops_add(t->ops, op, g, score) != LS_OK) return ls_err_set(err, LS_ENOMEM, "tracker: out of memory for operations");
  return LS_OK;
}

/* Matches one group with the campaigns (continued, split or new) and its operation. */
static int track_group(struct ls_tracker *t, const struct ls_group *g, double score, struct index *x, uint32_t known, uint32_t *votes,
                       ls_event_fn fn, void *ud, struct ls_err *err) {
  struct ls_op *links[LS_OP_CONNECT_MAX];
  uint32_t n_links = ls_ops_connect(t->ops, g, links);
  bool repeats = t->conf.small_group_actions && g->least_member_actions >= t->conf.small_group_actions;
  if (g->n_accounts < t->conf.min_accounts && n_links == 0 && !repeats) return LS_OK; /* a small group alone */
  int m = tally(x, g, votes);
  bool related = m >= 0 && (uint32_t)m < known && same_campaign(&t->c[m], g, votes[m]);
  bool continues = related && !t->c[m].claimed; /* else a new campaign, split off m if related */
  if (continues) merge_others(t, known, m, votes);
  untally(x, g, votes);
  if (continues) {
    struct campaign *c = &t->c[m];
    int rc = join_operation(t, c, g, score, links, n_links, err);
    if (rc == LS_OK) continue_campaign(c, g, fn, ud);
    return rc;
  }
  struct campaign *c = open_campaign(t, g);
  if (!c) return ls_err_set(err, LS_ENOMEM, "tracker: out of memory");
  if (related) memcpy(c->split_from, t->c[m].id, sizeof c->split_from);
  c->emitted_actions = total_actions(c->signals);
  int rc = join_operation(t, c, g, score, links, n_links, err);
  if (rc == LS_OK) emit(c, LS_CAMPAIGN_OPEN, fn, ud);
  return rc;
}

/* Campaigns whose operation was merged into another this round say so. */
static void relabel(struct ls_tracker *t, ls_event_fn fn, void *ud) {
  for (uint32_t i = 0; i < t->n; i++) {
    if (!operation_changed(&t->c[i])) continue;
    t->c[i].version++;
    emit(&t->c[i], LS_CAMPAIGN_UPDATED, fn, ud);
  }
}

int ls_tracker_update(struct ls_tracker *t, const struct ls_groups *gs, int64_t now, ls_event_fn fn, void *ud,
                      struct ls_err *err) {
  struct index x = {0};
  const struct ls_group **order = malloc((gs->n + 1) * sizeof *order);
  uint32_t *votes = calloc(t->n + 1, sizeof *votes);
  int rc = (order && votes) ? index_build(&x, t, err) : ls_err_set(err, LS_ENOMEM, "tracker: out of memory");
  if (rc == LS_OK) rc = ls_ops_begin(t->ops, err);
  uint32_t known = t->n; /* campaigns opened this round are not candidates for matching */
  for (uint32_t i = 0; rc == LS_OK && i < known; i++) t->c[i].claimed = false;
  for (uint32_t i = 0; rc == LS_OK && i < gs->n; i++) order[i] = &gs->g[i];
  if (rc == LS_OK) qsort(order, gs->n, sizeof *order, by_size_desc);
  for (uint32_t i = 0; rc == LS_OK && i < gs->n; i++) {
    const struct ls_group *g = order[i];
    double score = ls_group_score(g, NULL);
    if (score >= t->conf.min_score && g->last_ms >= now - t->conf.close_after_ms)
      rc = track_group(t, g, score, &x, known, votes, fn, ud, err);
  }
  if (rc == LS_OK) {
    close_idle(t, now, fn, ud);
    relabel(t, fn, ud);
  }
  for (uint32_t i = 0; i < t->n; i++) t->c[i].op = ls_ops_resolve(t->c[i].op); /* none may point at a freed one */
  ls_ops_end(t->ops, now);
  free(x.ids);
  free(x.camp);
  free(order);
  free(votes);
  return rc;
}

void ls_tracker_close_all(struct ls_tracker *t, ls_event_fn fn, void *ud) {
  for (uint32_t i = 0; i < t->n; i++) close_campaign(t, &t->c[i], t->c[i].last_ms, fn, ud);
  t->n = 0;
}

uint32_t ls_tracker_active(const struct ls_tracker *t) { return t->n; }
uint32_t ls_tracker_operations(const struct ls_tracker *t) { return ls_ops_count(t->ops); }
uint64_t ls_tracker_opened(const struct ls_tracker *t) { return t->opened; }

/* --- checkpoints ------------------------------------------------------------------------------ */

void ls_tracker_save(const struct ls_tracker *t, struct ls_snap *w) {
  ls_ops_save(t->ops, w);
  ls_snap_section(w, "TRAK", ls_hash_combine(sizeof(struct campaign), sizeof(struct closed)));
  ls_snap_u64(w, t->opened);
  ls_snap_u64(w, t->n);
  for (uint32_t i = 0; i < t->n; i++) {
    const struct campaign *c = &t->c[i];
    char op[LS_CAMPAIGN_ID_MAX] = "";
    if (c->op) snprintf(op, sizeof op, "%s", ls_ops_id(ls_ops_resolve(c->op)));
    struct campaign rec = *c; /* without its pointers: the same state gives the same bytes */
    rec.accounts = NULL;
    rec.usernames = NULL;
    rec.op = NULL;
    ls_snap_put(w, &rec, sizeof rec);
    ls_snap_put(w, c->accounts, c->n_accounts * sizeof *c->accounts);
    ls_snap_put(w, c->usernames, c->n_accounts * sizeof *c->usernames);
    ls_snap_put(w, op, sizeof op);
  }
  ls_snap_u64(w, t->n_closed);
  ls_snap_put(w, t->closed, t->n_closed * sizeof *t->closed);
}

static void drop_campaigns(struct ls_tracker *t) {
  for (uint32_t i = 0; i < t->n; i++) forget(&t->c[i]);
  t->n = t->n_closed = 0;
}

/* Campaign i as saved, its operation found again by id; false when it cannot be. */
static bool load_campaign(struct ls_tracker *t, struct campaign *c, struct ls_snap_reader *r, bool *oom) {
  char op[LS_CAMPAIGN_ID_MAX];
  ls_snap_get(r, c, sizeof *c);
  c->accounts = NULL;
  c->usernames = NULL;
  c->claimed = false;
  if ((uint64_t)c->n_accounts * (sizeof *c->accounts + sizeof *c->usernames) > r->left || c->n_samples > LS_SAMPLES)
    ls_snap_fail(r, "a campaign out of range");
  if (r->bad) return false;
  c->accounts = malloc(((size_t)c->n_accounts + 1) * sizeof *c->accounts);
  c->usernames = malloc(((size_t)c->n_accounts + 1) * sizeof *c->usernames);
  if (!c->accounts || !c->usernames) {
    *oom = true;
    return false;
  }
  ls_snap_get(r, c->accounts, c->n_accounts * sizeof *c->accounts);
  ls_snap_get(r, c->usernames, c->n_accounts * sizeof *c->usernames);
  ls_snap_get(r, op, sizeof op);
  op[sizeof op - 1] = '\0';
  c->id[sizeof c->id - 1] = c->merged_into[sizeof c->merged_into - 1] = c->split_from[sizeof c->split_from - 1] = '\0';
  c->op_emitted[sizeof c->op_emitted - 1] = c->text[sizeof c->text - 1] = '\0';
  for (uint32_t k = 0; k < c->n_accounts; k++) c->usernames[k][LS_USERNAME_MAX - 1] = '\0';
  if (c->ev.n_top > LS_TOP_EDGES || c->ev.n_hist > LS_HIST_MINUTES) ls_snap_fail(r, "a campaign's evidence out of range");
  c->op = op[0] ? ls_ops_find(t->ops, op) : NULL;
  if (op[0] && !c->op) ls_snap_fail(r, "a campaign of an operation the checkpoint lacks");
  return !r->bad;
}

int ls_tracker_load(struct ls_tracker *t, struct ls_snap_reader *r, struct ls_err *err) {
  drop_campaigns(t);
  int rc = ls_ops_load(t->ops, r, err);
  if (rc != LS_OK) return rc;
  if (!ls_snap_expect(r, "TRAK", ls_hash_combine(sizeof(struct campaign), sizeof(struct closed)))) return ls_snap_status(r, err);
  t->opened = ls_snap_get_u64(r);
  uint64_t n = ls_snap_get_count(r, sizeof(struct campaign));
  struct campaign *c = n > t->cap ? realloc(t->c, n * sizeof *c) : t->c;
  if (n && !c) return ls_err_set(err, LS_ENOMEM, "checkpoint: cannot hold %llu campaigns", (unsigned long long)n);
  if (n > t->cap) t->c = c, t->cap = (uint32_t)n;
  bool oom = false;
  while (t->n < n && !r->bad) {
    bool ok = load_campaign(t, &t->c[t->n], r, &oom);
    t->n++; /* forget() frees what a failed load allocated */
    if (!ok) break;
  }
  uint64_t nc = ls_snap_get_count(r, sizeof(struct closed));
  struct closed *cl = nc > t->cap_closed ? realloc(t->closed, nc * sizeof *cl) : t->closed;
  if (nc && !cl) oom = true;
  else if (nc > t->cap_closed) t->closed = cl, t->cap_closed = (uint32_t)nc;
  if (!oom && ls_snap_get(r, t->closed, nc * sizeof *t->closed)) t->n_closed = (uint32_t)nc;
  for (uint32_t k = 0; k < t->n_closed; k++) t->closed[k].id[LS_CAMPAIGN_ID_MAX - 1] = '\0';
  if (oom) rc = ls_err_set(err, LS_ENOMEM, "checkpoint: out of memory for campaigns");
  else rc = ls_snap_status(r, err);
  if (rc != LS_OK) drop_campaigns(t);
  return rc;
}
