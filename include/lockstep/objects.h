/* objects.h — the event-time window of the exact signals: for each object (a retweeted tweet, a
 * normalised text, a URL, a hashtag sequence), the latest actions on it. A pair belongs to the
 * set of its later action (event time, then tweet id), whatever the order they are read in:
 * observing an action gives its own set (the earlier actions it pairs with) and, when it came
 * late, the set again of each later action it now pairs with (a revision), so the sets are those
 * of a reading in event order. A set holds each other account once (its latest action before
 * the set's); a repeat by the same account within repeat_ms adds nothing, a later one pairs only
 * with actions newer than its previous one (a campaign's next burst on the same hashtags or link
 * is new evidence; the time scale discounts a pair of one old and one new action). Objects acted
 * on by more accounts than the virality cap within one window (an epoch: a multiple of the
 * window in event time, the same on every daemon; chance.h's limit, past which no co-action can
 * weigh enough) are organic and report nothing more. Fixed capacity, sized at creation; stale
 * entries are reused. */
#ifndef LOCKSTEP_OBJECTS_H
#define LOCKSTEP_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

#define LS_OBJECT_RECENT 16 /* actions remembered per object: the latest in event time */

struct ls_objects;

/* One account's action on an object. activity: its author's activity count with it (the chance
 * model's, from its record). replayed: read again after a restore from a checkpoint, which
 * already holds its co-actions with other replayed actions (pipeline.h). */
struct ls_action {
  uint64_t account;
  uint64_t tweet;
  int64_t t_ms;
  double activity;
  bool replayed;
};

/* One action's pair set as the window now has it: the earlier actions of other accounts it pairs
 * with. accounts: the accounts on the object in the action's epoch up to it, this one and each
 * partner included (what the chance model's popularity term discounts by). revision: 0 for the
 * action's first set, k when a late action joined it for the k-th time (then partners[late]);
 * a set revised 65,535 times is revised no more. */
struct ls_object_set {
  struct ls_action act;
  uint32_t accounts;
  uint32_t revision;
  int late; /* the partner a revision adds; -1 in a first set */
  int n;
  struct ls_action partners[LS_OBJECT_RECENT];
};

/* What one observation changes: set[0] is the action's own set, set[1..n-1] the revisions. */
struct ls_object_sets {
  int n;
  struct ls_object_set set[LS_OBJECT_RECENT + 1];
};

/* lateness_ms: how far behind the newest action seen an action still meets every partner of its
 * window (detect.lateness_s); older partners are not paired, in one process as on a pair daemon
 * that took the object's partition over (it rebuilds only that far back: pipeline.h).
 * @returns LS_OK or LS_ENOMEM. */
int ls_objects_create(struct ls_objects **out, uint32_t capacity, uint32_t viral_cap, int64_t lateness_ms, struct ls_err *err);
void ls_objects_destroy(struct ls_objects *o);

/* key identifies signal and object. Writes the sets the action makes or changes into *out (each
 * set's partners at most LS_OBJECT_RECENT). @returns the partners of the action's own set, 0
 * when it adds nothing (out->n 0: a repeat within repeat_ms), or -1 when the object is viral
 * (suppressed: out->n 0). */
int ls_objects_observe(struct ls_objects *o, uint64_t key, const struct ls_action *a, int64_t window_ms, int64_t repeat_ms,
                       struct ls_object_sets *out);

uint64_t ls_objects_evictions(const struct ls_objects *o);
size_t ls_objects_bytes(const struct ls_objects *o);

#endif
