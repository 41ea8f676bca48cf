/* tracker.h — campaign life cycle. Each clustering round's groups are matched with the known
 * campaigns by shared accounts; a group that claims no campaign opens a new one. Ids are derived
 * from the group's earliest strong edge (its two accounts and the time of their first co-action,
 * the later of the two actions), not from the order tweets arrived in, so the same input gives
 * the same ids however partitions interleave (within the windows' lateness); a group that comes
 * back under the id of a campaign closed within the operation memory continues its versions. A campaign whose accounts changed or whose coordinated actions grew by 10%
 * emits `updated` (version + 1); one idle for close_after emits `closed` and is forgotten.
 * Lineage: when one group takes in most of the accounts of two campaigns, the larger continues
 * and the other closes with merged_into; when a campaign's accounts fall into several groups,
 * the largest keeps the id and the others open new campaigns with split_from.
 * Operations (operation.h): every campaign belongs to one, which its events name. A group of
 * fewer than min_accounts accounts (a strongly tied pair or triple) is a campaign only when it
 * connects to an operation or each of its members co-acted small_group_actions times (0: never);
 * a campaign whose operation was merged into another emits `updated`. */
#ifndef LOCKSTEP_TRACKER_H
#define LOCKSTEP_TRACKER_H

#include <stdint.h>

#include "lockstep/campaign.h"
#include "lockstep/graph.h"
#include "lockstep/operation.h"

struct ls_tracker_conf {
  uint32_t min_accounts;
  uint32_t small_group_actions;
  double min_score;
  int64_t close_after_ms;
  struct ls_ops_conf ops;
};

typedef void (*ls_event_fn)(void *ud, const struct ls_campaign_event *e);

struct ls_tracker;
int ls_tracker_create(struct ls_tracker **out, const struct ls_tracker_conf *conf, struct ls_err *err);
void ls_tracker_destroy(struct ls_tracker *t);
/* New thresholds (SIGHUP) for the next rounds; conf->ops is ignored (fixed at create). */
void ls_tracker_set_conf(struct ls_tracker *t, const struct ls_tracker_conf *conf);

/* One clustering round at event time now_ms over groups of at least 2 accounts. Emits events
 * through fn. @returns LS_OK, or LS_ENOMEM (the round is cut short; the next one catches up). */
int ls_tracker_update(struct ls_tracker *t, const struct ls_groups *groups, int64_t now_ms, ls_event_fn fn, void *ud,
                      struct ls_err *err);
/* Closes every campaign (end of a replay). */
void ls_tracker_close_all(struct ls_tracker *t, ls_event_fn fn, void *ud);
uint32_t ls_tracker_active(const struct ls_tracker *t);
uint32_t ls_tracker_operations(const struct ls_tracker *t); /* operations remembered (active or dormant) */
uint64_t ls_tracker_opened(const struct ls_tracker *t);

/* Checkpoints (snapshot.h), between rounds: campaigns (ids, versions, accounts, lineage), the
 * closed ids remembered and the operations. Loading replaces the tracker's state. @returns
 * LS_OK, LS_EINVAL (another build, or a corrupt checkpoint: the reason) or LS_ENOMEM. */
void ls_tracker_save(const struct ls_tracker *t, struct ls_snap *w);
int ls_tracker_load(struct ls_tracker *t, struct ls_snap_reader *r, struct ls_err *err);
/* The documented score in [0, 1] of a group and its parts (README: scoring); parts may be NULL. */
double ls_group_score(const struct ls_group *g, struct ls_score_parts *parts);

#endif
