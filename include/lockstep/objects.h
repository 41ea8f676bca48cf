/* objects.h — the event-time window of the exact signals: for each object (a retweeted tweet, a
 * normalised text, a URL, a hashtag sequence), the most recent accounts that acted on it.
 * Observing an action reports every other account that acted on the same object within the
 * signal's window, once per other account (its latest action); a repeat by the same account
 * within repeat_ms adds nothing, a later one pairs only with actions newer than its previous one
 * (a campaign's next burst on the same hashtags or link is new evidence; the time scale
 * discounts a pair of one old and one new action). Objects
 * acted on by more accounts than the virality cap within one window (an epoch: a multiple of the
 * window in event time, the same on every daemon; chance.h's limit, past which no co-action can
 * weigh enough) are organic and report nothing more. Fixed capacity, sized at creation; stale entries are reused. */
#ifndef LOCKSTEP_OBJECTS_H
#define LOCKSTEP_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

#define LS_OBJECT_RECENT 16 /* accounts remembered per object */

struct ls_objects;

/* One account's action on an object. replayed: read again after a restore from a checkpoint,
 * which already holds its co-actions with other replayed actions (pipeline.h). */
struct ls_action {
  uint64_t account;
  int64_t t_ms;
  bool replayed;
};

/* lateness_ms: how far behind the newest action seen an action still meets every partner of its
 * window (detect.lateness_s); older partners are not paired, in one process as on a pair daemon
 * that took the object's partition over (it rebuilds only that far back: pipeline.h). */
int ls_objects_create(struct ls_objects **out, uint32_t capacity, uint32_t viral_cap, int64_t lateness_ms, struct ls_err *err);
void ls_objects_destroy(struct ls_objects *o);

/* key identifies signal and object. Writes the other accounts' actions the action pairs with
 * into others (at most LS_OBJECT_RECENT) and, in *object_accounts, the accounts that acted on the
 * object in its current window, this one included (what the chance model's popularity term
 * discounts by). @returns the number of partners written, or -1 when the object is viral
 * (suppressed: nothing written). */
int ls_objects_observe(struct ls_objects *o, uint64_t key, const struct ls_action *a, int64_t window_ms, int64_t repeat_ms,
                       struct ls_action others[LS_OBJECT_RECENT], uint32_t *object_accounts);

uint64_t ls_objects_evictions(const struct ls_objects *o);
size_t ls_objects_bytes(const struct ls_objects *o);

#endif
