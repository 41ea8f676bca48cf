/* cluster.c — the cluster stage (see cluster.h). Each tweet's remaining budget lives in a small
 * open-addressed table keyed by tweet id, so sets of one tweet may come at different times; a
 * full probe run reuses the entry made longest ago (by arrival, not event time: a late tweet's
 * entry outlives older ones). The table holds 16 batches of entries, so the tweets of the current
 * batch keep theirs. Each entry also names the sets its tweet spent, with the share of their
 * weights they were spent at, so a set sent again (by a pair node after a restart or a
 * rebalance) is spent once and a revision (stage.h) spends the set's budget again over all its
 * partners, taking back what the earlier ones had; and whether the tweet was recorded as
 * evidence. The table is in the checkpoint, so this holds across a restart of the cluster stage
 * too. */
#include "lockstep/cluster.h"

#include <stdlib.h>

#include "lockstep/clock.h"
#include "lockstep/graph.h"
#include "lockstep/hash.h"
#include "lockstep/signals.h"
#include "lockstep/text_shards.h"

#define BUDGET_PROBE 16
#define MIN_BUDGETS 65536
#define SPENT_MAX (LS_MAX_ACTIONS + LS_TEXT_SHARDS_SPILL_MAX) /* sets remembered per tweet: one per action, and per window of its vector */

struct spent { /* a set of the tweet spent: one sent again is not spent twice */
  uint32_t id;      /* set_id */
  uint32_t applied; /* its last revision spent, + 1 */
  float scale;      /* the share of its partners' weights spent */
};

struct budget {
  uint64_t tweet; /* 0: free */
  uint64_t made;  /* when it was made: the table's count of entries made so far */
  float left;
  bool touched; /* recorded as a coordinated tweet (ls_cluster_touch) */
  uint32_t n_spent;
  struct spent spent[SPENT_MAX];
};

struct ls_cluster {
  const struct ls_config *cfg;
  const struct ls_chance *chance;
  struct ls_graph *graph;
  struct ls_tracker *tracker;
  struct budget *budgets;
  uint32_t budget_mask;
  uint64_t budgets_made;
  int64_t last_event_ms; /* watermark of the last clustering */
  double last_wall;
  bool dirty;      /* edges since the last clustering */
  bool strong_new; /* a new group member may have appeared since (ls_graph_add) */
};

static struct ls_tracker_conf tracker_conf_of(const struct ls_config *c) {
  return (struct ls_tracker_conf){.min_accounts = (uint32_t)c->detect.min_accounts,
                                  .small_group_actions = (uint32_t)c->detect.small_group_actions, .min_score = c->detect.min_score,
                                  .close_after_ms = c->detect.close_after_s * 1000,
                                  .ops = {.memory_ms = c->detect.operation_memory_s * 1000,
                                          .min_shared_objects = (uint32_t)c->detect.operation_shared_objects}};
}

int ls_cluster_create(struct ls_cluster **out, const struct ls_config *cfg, const struct ls_chance *chance, struct ls_err *err) {
  struct ls_cluster *c = calloc(1, sizeof *c);
  if (!c) return ls_err_set(err, LS_ENOMEM, "cluster stage: out of memory");
  c->cfg = cfg;
  c->chance = chance;
  c->last_wall = ls_clock_s();
  uint32_t n = MIN_BUDGETS;
  while (n < 16u * (uint32_t)cfg->batch.max_tweets) n <<= 1;
  c->budget_mask = n - 1;
  c->budgets = calloc(n, sizeof *c->budgets);
  struct ls_graph_conf gc = {.max_edges = (uint32_t)cfg->detect.max_edges, .max_accounts = (uint32_t)cfg->detect.max_accounts,
                             .min_accounts = (uint32_t)cfg->detect.min_accounts,
                             .edge_ttl_ms = cfg->detect.edge_ttl_s * 1000, .min_edge_weight = cfg->detect.min_edge_weight,
                             .min_account_evidence = cfg->detect.min_account_evidence};
  struct ls_tracker_conf tc = tracker_conf_of(cfg);
  int rc = c->budgets ? ls_graph_create(&c->graph, &gc, err) : ls_err_set(err, LS_ENOMEM, "cluster stage: out of memory for %u budgets", n);
  if (rc == LS_OK) rc = ls_tracker_create(&c->tracker, &tc, err);
  if (rc != LS_OK) {
    ls_cluster_destroy(c);
    return rc;
  }
  *out = c;
  return LS_OK;
}

void ls_cluster_destroy(struct ls_cluster *c) {
  if (!c) return;
  ls_graph_destroy(c->graph);
  ls_tracker_destroy(c->tracker);
  free(c->budgets);
  free(c);
}

void ls_cluster_reconfigure(struct ls_cluster *c, const struct ls_config *cfg) {
  c->cfg = cfg;
  ls_graph_set_min_accounts(c->graph, (uint32_t)cfg->detect.min_accounts);
  struct ls_tracker_conf tc = tracker_conf_of(cfg);
  ls_tracker_set_conf(c->tracker, &tc);
}

/* The slot where a tweet's entry is or would go first: its probe run's start. */
static uint32_t home(const struct ls_cluster *c, uint64_t tweet) { return (uint32_t)ls_mix64(tweet ? tweet : 1) & c->budget_mask; }

/* The tweet's budget entry, or NULL when it has none (not seen, or forgotten). */
static const struct budget *budget_found(const struct ls_cluster *c, uint64_t tweet) {
  tweet = tweet ? tweet : 1;
  uint32_t i = home(c, tweet);
  for (int k = 0; k < BUDGET_PROBE && c->budgets[i].tweet; k++, i = (i + 1) & c->budget_mask)
    if (c->budgets[i].tweet == tweet) return &c->budgets[i];
  return NULL;
}

uint32_t ls_cluster_sets_spent(const struct ls_cluster *c, uint64_t tweet) {
  const struct budget *b = budget_found(c, tweet);
  return b ? b->n_spent : 0;
}

double ls_cluster_budget_left(const struct ls_cluster *c, uint64_t tweet) {
  const struct budget *b = budget_found(c, tweet);
  return b ? b->left : 1;
}

/* The tweet's budget entry: found, or a fresh one (a whole unit) in a free slot or in the one of
 * its probe run made longest ago. */
static struct budget *budget_of(struct ls_cluster *c, uint64_t tweet) {
  tweet = tweet ? tweet : 1;
  uint32_t i = home(c, tweet);
  struct budget *oldest = NULL;
  for (int k = 0; k < BUDGET_PROBE; k++, i = (i + 1) & c->budget_mask) {
    struct budget *b = &c->budgets[i];
    if (b->tweet == tweet) return b;
    if (b->tweet == 0) {
      oldest = b;
      break;
    }
    if (!oldest || b->made < oldest->made) oldest = b;
  }
  *oldest = (struct budget){.tweet = tweet, .made = ++c->budgets_made, .left = 1};
  return oldest;
}

/* A set's name within its tweet: its object, signal and, for a vector on sharded windows, the
 * window that found it (each window sends the matches it owns) (never 0). */
static uint32_t set_id(const struct ls_action_rec *a) {
  return (uint32_t)ls_hash_combine(ls_hash_combine(a->key, (uint64_t)a->signal), a->window) | 1;
}

/* The record of the tweet's set id: found, or a new one (NULL when the tweet has spent
 * SPENT_MAX sets: spent without a record). */
static struct spent *spent_of(struct budget *b, uint32_t id) {
  for (uint32_t k = 0; k < b->n_spent; k++)
    if (b->spent[k].id == id) return &b->spent[k];
  if (b->n_spent == SPENT_MAX) return NULL;
  b->spent[b->n_spent] = (struct spent){.id = id};
  return &b->spent[b->n_spent++];
}

/* How a co-action of the set is spent: added (a first set's, a revision's late partner), its
 * weight shared out again (a revision's earlier partner, when the set was spent before), or
 * skipped (a revision's earlier partner when it was not: an entry forgotten, a first set empty or
 * all replayed; spending them now could count their pairs twice). */
enum share { ADD, RESHARE, SKIP };

static enum share share_of(const struct ls_pairset *set, const struct spent *sp, const struct ls_coaction *x) {
  if (set->revision == 0 || x->account == set->late_account) return ADD;
  return sp && sp->applied > 0 ? RESHARE : SKIP;
}

/* A revision shares the set's budget again over the partners it carries: those spent before
 * give back their share (before) and take the new one. A partner it no longer carries (pushed
 * out of the object's window) keeps what it had. */
bool ls_cluster_add(struct ls_cluster *c, const struct ls_pairset *set) {
  if (set->n == 0) return false;
  const struct ls_action_rec *a = &set->act;
  struct budget *left = budget_of(c, a->tweet);
  struct spent *sp = spent_of(left, set_id(a));
  if (sp && sp->applied > set->revision) return false; /* spent before */
  double sum = 0, before = 0;
  for (uint32_t k = 0; k < set->n; k++) {
    enum share how = share_of(set, sp, &set->partners[k]);
    sum += how == SKIP ? 0 : set->partners[k].w;
    before += how == RESHARE ? set->partners[k].w * sp->scale : 0;
  }
  double budget = ls_chance_budget(c->chance, set->object_accounts);
  if (budget > left->left + before) budget = left->left + before;
  double scale = sum > budget ? budget / sum : 1;
  left->left -= (float)(sum * scale - before);
  bool content = false; /* a co-action heavy enough to name the object as the author's content */
  for (uint32_t k = 0; k < set->n; k++) {
    const struct ls_coaction *x = &set->partners[k];
    enum share how = share_of(set, sp, x);
    if (how == RESHARE) ls_graph_reweigh(c->graph, a->account, x->account, a->signal, (float)(x->w * (scale - sp->scale)));
    if (how != ADD) continue;
    int64_t at = x->gap_ms < 0 ? a->t_ms - x->gap_ms : a->t_ms; /* the later action */
    if (ls_graph_add(c->graph, a->account, x->account, a->signal, at, (float)(x->w * scale), x->gap_ms)) c->strong_new = true;
    if (a->key && x->w * scale >= c->chance->min_weight) {
      ls_graph_object(c->graph, x->account, a->key);
      content = true;
    }
  }
  if (content) ls_graph_object(c->graph, a->account, a->key);
  if (sp) *sp = (struct spent){.id = sp->id, .applied = set->revision + 1, .scale = (float)scale};
  c->dirty = true;
  return true;
}

void ls_cluster_touch(struct ls_cluster *c, const struct ls_tweet *t) {
  struct budget *b = budget_of(c, t->id);
  if (b->touched) return;
  b->touched = true;
  ls_graph_touch(c->graph, t);
}

bool ls_cluster_due(const struct ls_cluster *c, int64_t watermark_ms, bool idle) {
  int64_t since = watermark_ms - c->last_event_ms;
  bool event_due = since >= c->cfg->detect.cluster_interval_ms || (c->strong_new && since >= LS_STRONG_GAP_MS);
  return event_due || (idle && c->dirty && ls_clock_s() - c->last_wall >= 1.0);
}

int ls_cluster_run(struct ls_cluster *c, struct ls_backend *be, int64_t watermark_ms, ls_event_fn fn, void *ud, struct ls_err *err) {
  c->last_event_ms = watermark_ms;
  c->last_wall = ls_clock_s();
  c->dirty = c->strong_new = false;
  struct ls_groups groups;
  int rc = ls_graph_cluster(c->graph, be, 2, watermark_ms, &groups, err); /* small ones may join operations */
  if (rc == LS_OK) rc = ls_tracker_update(c->tracker, &groups, watermark_ms, fn, ud, err);
  ls_groups_free(&groups);
  return rc;
}

void ls_cluster_close_all(struct ls_cluster *c, ls_event_fn fn, void *ud) { ls_tracker_close_all(c->tracker, fn, ud); }

void ls_cluster_stats(const struct ls_cluster *c, int64_t watermark_ms, bool scan, struct ls_cluster_stats *st) {
  st->campaigns_active = ls_tracker_active(c->tracker);
  st->campaigns_opened = ls_tracker_opened(c->tracker);
  st->operations = ls_tracker_operations(c->tracker);
  if (!scan) return;
  struct ls_graph_stats gs;
  ls_graph_stats(c->graph, watermark_ms, &gs);
  st->edges_live = gs.edges_live;
  st->evictions = gs.edge_evictions + gs.account_evictions;
}

size_t ls_cluster_bytes(const struct ls_cluster *c) { return c ? ls_graph_bytes(c->graph) : 0; }

static bool budget_used(const void *b) { return ((const struct budget *)b)->tweet != 0; }

static bool budget_valid(void *p) { return ((struct budget *)p)->n_spent <= SPENT_MAX; }

void ls_cluster_save(const struct ls_cluster *c, struct ls_snap *w) {
  ls_snap_u64(w, (uint64_t)c->last_event_ms);
  ls_snap_u64(w, (uint64_t)c->dirty | (uint64_t)c->strong_new << 1);
  ls_snap_section(w, "BUDG", ls_hash_combine(sizeof(struct budget), c->budget_mask));
  ls_snap_u64(w, c->budgets_made);
  ls_snap_put_sparse(w, c->budgets, sizeof *c->budgets, c->budget_mask + 1, budget_used);
  ls_graph_save(c->graph, w);
  ls_tracker_save(c->tracker, w);
}

int ls_cluster_load(struct ls_cluster *c, struct ls_snap_reader *r, struct ls_err *err) {
  c->last_event_ms = (int64_t)ls_snap_get_u64(r);
  uint64_t flags = ls_snap_get_u64(r);
  c->dirty = flags & 1;
  c->strong_new = flags >> 1 & 1;
  c->last_wall = ls_clock_s(); /* an idle clustering of what was restored waits its second, as after a run */
  if (ls_snap_expect(r, "BUDG", ls_hash_combine(sizeof(struct budget), c->budget_mask))) {
    c->budgets_made = ls_snap_get_u64(r);
    ls_snap_get_sparse(r, c->budgets, sizeof *c->budgets, c->budget_mask + 1, budget_valid);
  }
  int rc = ls_snap_status(r, err);
  if (rc == LS_OK) rc = ls_graph_load(c->graph, r, err);
  if (rc == LS_OK) rc = ls_tracker_load(c->tracker, r, err);
  return rc;
}
