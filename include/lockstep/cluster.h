/* cluster.h — the cluster stage: pair sets (stage.h) become the coordination graph's edges
 * (graph.h), clustering runs on event time, and the tracker (tracker.h) turns its groups into
 * campaign and operation events.
 *
 * Evidence is spent within two budgets (chance.h): one tweet gives at most one unit over all its
 * signals, and its co-actions on one object at most the object's budget; when their weights sum
 * to more, they are shared out in proportion, so one object acted on by many accounts (a
 * headline, a viral tweet) ties each of them weakly, a copy that shares its text, link and
 * hashtags is still one action, and accounts stand out by co-acting on many objects. Sets of one
 * tweet spend in the order they arrive (in one process: signal order, co-similar-text last); a
 * revision of a set (stage.h: a late partner joined it) shares the set's budget again among all
 * its partners, the earlier ones' edges giving back what they had over it. The
 * object of each co-action that keeps at least the chance model's least weight is remembered for
 * both accounts: the content by which operations link campaigns (operation.h).
 *
 * Clustering is due on a new strong edge (at most every LS_STRONG_GAP_MS of event time: what
 * bounds detection latency), every detect.cluster_interval_ms of event time, and after a second
 * of idle processing with new edges. */
#ifndef LOCKSTEP_CLUSTER_H
#define LOCKSTEP_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/chance.h"
#include "lockstep/config.h"
#include "lockstep/err.h"
#include "lockstep/snapshot.h"
#include "lockstep/stage.h"
#include "lockstep/tracker.h"
#include "lockstep/tweet.h"

#define LS_STRONG_GAP_MS 200 /* least event time between clusterings triggered by new strong edges */

struct ls_cluster;

struct ls_cluster_stats {
  uint32_t campaigns_active, operations;
  uint64_t campaigns_opened, edges_live, evictions; /* edges_live, evictions: a scan of the graph */
};

/* chance belongs to the caller, must outlive the stage and may change between calls (a reload).
 * Tables are sized from cfg once: detect.max_edges, detect.max_accounts, and budgets for 16
 * batches' tweets (at least 65,536), of which the most recently made are kept. @returns LS_OK or
 * LS_ENOMEM. */
int ls_cluster_create(struct ls_cluster **out, const struct ls_config *cfg, const struct ls_chance *chance, struct ls_err *err);
void ls_cluster_destroy(struct ls_cluster *c);
/* The live keys: detect.min_accounts and the tracker's. */
void ls_cluster_reconfigure(struct ls_cluster *c, const struct ls_config *cfg);

/* Spends one pair set into the graph, unless its tweet spent the set of that object and signal,
 * at this revision or a later one, before (a set sent again). @returns true (the set had
 * partners: its tweet is coordinated), false for an empty set or one spent before. */
bool ls_cluster_add(struct ls_cluster *c, const struct ls_pairset *set);
/* The evidence a tweet may still give (1 for one not seen, or forgotten). */
double ls_cluster_budget_left(const struct ls_cluster *c, uint64_t tweet);
/* The pair sets of a tweet spent so far, each once whatever its revisions (0 for one not seen,
 * or forgotten). */
uint32_t ls_cluster_sets_spent(const struct ls_cluster *c, uint64_t tweet);
/* Records a coordinated tweet of its author (username, text, times: the campaign's evidence),
 * once: a tweet whose sets (or whose late pairs, in other tweets' revisions) come apart is
 * recorded by the first. */
void ls_cluster_touch(struct ls_cluster *c, const struct ls_tweet *t);

/* Whether a clustering is due at the stream's watermark (idle: no tweet came this round). */
bool ls_cluster_due(const struct ls_cluster *c, int64_t watermark_ms, bool idle);
/* Clusters at watermark_ms and hands each campaign event to fn. @returns LS_OK, or the graph's or
 * tracker's error (the run is lost, the next one sees the same edges). */
int ls_cluster_run(struct ls_cluster *c, struct ls_backend *be, int64_t watermark_ms, ls_event_fn fn, void *ud, struct ls_err *err);
/* End of input: closes every campaign. */
void ls_cluster_close_all(struct ls_cluster *c, ls_event_fn fn, void *ud);

void ls_cluster_stats(const struct ls_cluster *c, int64_t watermark_ms, bool scan, struct ls_cluster_stats *st);
/* The graph's bytes (0 for NULL: a role without the cluster stage). */
size_t ls_cluster_bytes(const struct ls_cluster *c);

/* Checkpoints (snapshot.h): the schedule, the tweets' budgets, the graph and the tracker. @returns LS_OK, or LS_EINVAL
 * (another build, other capacities, or corrupt: the reason). */
void ls_cluster_save(const struct ls_cluster *c, struct ls_snap *w);
int ls_cluster_load(struct ls_cluster *c, struct ls_snap_reader *r, struct ls_err *err);

#endif
