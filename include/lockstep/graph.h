/* graph.h — the coordination graph: weighted edges between distinct accounts, per signal, and
 * the table of accounts that took part in coordinated actions (username, a recent coordinated
 * text, sample tweet ids). ls_graph_cluster() finds the connected groups over the edges that
 * pass their signal's minimum weight (union-find) and summarises each group.
 * Fixed capacities sized at creation; entries not reinforced within edge_ttl are reused. */
#ifndef LOCKSTEP_GRAPH_H
#define LOCKSTEP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/signal.h"

#define LS_TEXT_MAX 280  /* bytes of representative text kept */
#define LS_SAMPLES 5     /* sample tweet ids per campaign */
#define LS_USERNAME_MAX 16 /* Twitter handles have at most 15 characters */

struct ls_graph_conf {
  uint32_t max_edges, max_accounts;
  int64_t edge_ttl_ms;
  uint32_t min_weight[LS_SIG_COUNT]; /* 0: signal disabled */
};

struct ls_group {
  uint32_t n_accounts;
  uint64_t *accounts; /* sorted ascending */
  char (*usernames)[LS_USERNAME_MAX]; /* parallel to accounts; "" when unknown */
  uint64_t signal_actions[LS_SIG_COUNT];
  uint32_t strong_edges;
  double weight_sum;
  int64_t first_ms, last_ms;
  uint64_t tweet_count;
  uint64_t samples[LS_SAMPLES];
  uint32_t n_samples;
  char text[LS_TEXT_MAX + 1];
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

/* One coordinated action of a with b (a != b) on signal s at time t. */
void ls_graph_add(struct ls_graph *g, uint64_t a, uint64_t b, enum ls_signal s, int64_t t_ms);
/* Records a tweet of account that took part in at least one coordinated action. */
void ls_graph_touch(struct ls_graph *g, uint64_t account, const char *username, uint64_t tweet_id, const char *text,
                    uint32_t text_len, int64_t t_ms);

/* Groups of at least min_accounts over the edges alive at now_ms. Caller frees with ls_groups_free. */
int ls_graph_cluster(struct ls_graph *g, uint32_t min_accounts, int64_t now_ms, struct ls_groups *out,
                     struct ls_err *err);
void ls_groups_free(struct ls_groups *gs);

struct ls_graph_stats {
  uint64_t edges_live, edge_evictions, account_evictions;
};
/* Counts the live edges: a scan of the edge table. */
void ls_graph_stats(const struct ls_graph *g, int64_t now_ms, struct ls_graph_stats *st);
/* Memory of the edge and account tables. */
size_t ls_graph_bytes(const struct ls_graph *g);

#endif
