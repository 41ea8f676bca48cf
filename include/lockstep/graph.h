/* graph.h — the coordination graph: weighted edges between distinct accounts, per signal, and
 * the table of accounts that took part in coordinated actions (username, author metadata, recent
 * coordinated texts, times and tweet ids). An action adds its organic-suppression weight (1 for
 * an object few accounts touched, less for a viral one) to its edge, so an edge's weight is the
 * sum of its co-actions' chance weights (chance.h). ls_graph_cluster() takes the edges whose
 * weights over all signals reach min_edge_weight, peels away accounts whose ties sum to less than
 * min_account_evidence (a weighted k-core: one chance co-action is not coordination, but a member
 * of a rotating group who co-acts repeatedly with different partners stays), finds the connected
 * groups of what remains (components) and gathers each group's evidence: signal counts, synchrony, strongest edges, per-minute
 * activity, account features, samples, the most common text and the objects its accounts share.
 * Fixed capacities sized at creation; entries not reinforced within edge_ttl are reused. */
#ifndef LOCKSTEP_GRAPH_H
#define LOCKSTEP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/err.h"
#include "lockstep/signal.h"
#include "lockstep/snapshot.h"
#include "lockstep/tweet.h"

#define LS_TEXT_MAX 280  /* bytes of representative text kept */
#define LS_TEXT_VARIANTS 3 /* other texts of a group's accounts, besides the representative one */
#define LS_SAMPLES 5     /* sample tweet ids per campaign */
#define LS_USERNAME_MAX 16 /* Twitter handles have at most 15 characters */
#define LS_TOP_EDGES 5     /* strongest edges reported per campaign */
#define LS_HIST_MINUTES 60 /* per-minute activity kept per campaign (the latest hour) */
#define LS_ACCOUNT_TIMES 16 /* coordinated tweet times remembered per account */
#define LS_ACCOUNT_OBJECTS 8 /* objects of its latest coordinated actions remembered per account */
#define LS_GROUP_OBJECTS 16  /* objects a group's accounts coordinated on, reported per group */

struct ls_graph_conf {
  uint32_t max_edges, max_accounts;
  uint32_t min_accounts; /* a campaign's least size: a group's qualified_ms is when it reached it */
  int64_t edge_ttl_ms;
  double min_edge_weight;      /* an edge ties its accounts when its weights sum to this */
  double min_account_evidence; /* a group member's ties to the group sum to at least this */
};

struct ls_group_edge {
  uint64_t a, b;
  double weight;             /* sum over signals */
  float w[LS_SIG_COUNT];     /* per signal */
};

/* What a reviewer sees besides the accounts (README: campaign events). */
struct ls_evidence {
  struct ls_group_edge top[LS_TOP_EDGES]; /* strongest first */
  uint32_t n_top;
  int64_t hist_start_ms; /* minute of hist[0] */
  uint32_t hist[LS_HIST_MINUTES]; /* coordinated tweets per minute */
  uint32_t n_hist;
  double mean_gap_s;       /* mean time between the two actions of a coordinated pair */
  double content_share;    /* share of coordinated actions on the same or near-same content */
  double mean_edge_weight; /* distinct objects per strong edge (discounted) */
  double account_suspicion; /* mean over accounts with metadata (README: account features) */
  uint32_t accounts_with_metadata;
};

struct ls_group {
  uint32_t n_accounts;
  uint64_t *accounts; /* sorted ascending */
  char (*usernames)[LS_USERNAME_MAX]; /* parallel to accounts; "" when unknown */
  uint64_t signal_actions[LS_SIG_COUNT]; /* coordinated actions on the strong edges */
  uint32_t strong_edges;
  struct ls_evidence ev;
  int64_t first_ms, last_ms;
  uint64_t seed_a, seed_b; /* its earliest strong edge (first_ms, then the pair): an order-free name */
  int64_t qualified_ms; /* when the min_accounts-th account got its first strong edge */
  uint64_t tweet_count;
  uint64_t samples[LS_SAMPLES];
  uint32_t n_samples;
  char text[LS_TEXT_MAX + 1];
  char variants[LS_TEXT_VARIANTS][LS_TEXT_MAX + 1]; /* other recent texts of its accounts, each distinct */
  uint32_t n_variants;
  uint64_t objects[LS_GROUP_OBJECTS]; /* objects at least two of its accounts coordinated on, most shared first */
  uint32_t n_objects;
  uint32_t least_member_actions; /* the fewest co-actions of one member on the group's strong edges */
};

struct ls_groups {
  struct ls_group *g;
  uint32_t n;
  uint64_t *account_mem;
  char (*username_mem)[LS_USERNAME_MAX];
};

struct ls_graph;

int ls_graph_create(struct ls_graph **out, const struct ls_graph_conf *conf, struct ls_err *err);
void ls_graph_destroy(struct ls_graph *g);
/* detect.min_accounts changed (SIGHUP): the next groups' qualified_ms counts to n. */
void ls_graph_set_min_accounts(struct ls_graph *g, uint32_t n);

/* One coordinated action of a with b (a != b) on signal s at time t (the later of the two actions,
 * so that the edge's times do not depend on the order the actions arrived in): weight in (0, 1] (its chance
 * weight), gap_ms the time between the two accounts' actions. True when it may have made a new
 * group member (worth clustering soon): an account's co-actions first sum to min_account_evidence
 * on a tie with an account whose co-actions do too, or a new tie alone weighs that much. */
bool ls_graph_add(struct ls_graph *g, uint64_t a, uint64_t b, enum ls_signal s, int64_t t_ms, float weight,
                  int64_t gap_ms);
/* A co-action's weight on signal s changed by delta (a pair set weighed again: cluster.h), in the
 * edge's weight and both accounts' evidence, neither below 0; its count and times stay. An edge
 * no longer held is left alone. */
void ls_graph_reweigh(struct ls_graph *g, uint64_t a, uint64_t b, enum ls_signal s, float delta);
/* Remembers that the account coordinated on the object (a signal's object key, not 0): among its
 * latest LS_ACCOUNT_OBJECTS distinct ones, which its group reports as its content. */
void ls_graph_object(struct ls_graph *g, uint64_t account, uint64_t object);
/* Records a tweet of an account that took part in at least one coordinated action. */
void ls_graph_touch(struct ls_graph *g, const struct ls_tweet *t);

/* Suspicion in [0, 1] from author metadata at time t (README: account features); -1 without. */
double ls_account_suspicion(const struct ls_author *a, int64_t t_ms);

/* Groups of at least min_group accounts over the edges alive at now_ms, their connected components
 * found by the backend (be). Caller frees with ls_groups_free. */
int ls_graph_cluster(struct ls_graph *g, struct ls_backend *be, uint32_t min_group, int64_t now_ms,
                     struct ls_groups *out, struct ls_err *err);
void ls_groups_free(struct ls_groups *gs);

struct ls_graph_stats {
  uint64_t edges_live, edge_evictions, account_evictions;
};
/* Counts the live edges: a scan of the edge table. */
void ls_graph_stats(const struct ls_graph *g, int64_t now_ms, struct ls_graph_stats *st);
/* Checkpoints (snapshot.h): every occupied slot of both tables at its index (stale entries too:
 * they steer probing and eviction as before), the strong list and the counters. Loading replaces
 * the graph's state. @returns LS_OK, or LS_EINVAL (written by another build or with other
 * capacities: the reason). */
void ls_graph_save(const struct ls_graph *g, struct ls_snap *w);
int ls_graph_load(struct ls_graph *g, struct ls_snap_reader *r, struct ls_err *err);

/* Memory of the edge and account tables. */
size_t ls_graph_bytes(const struct ls_graph *g);

#endif
