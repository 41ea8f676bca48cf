/* activity.h — how active each account is: its actions in about the last hour of event time,
 * for the chance model (README: evidence weighted by chance). Two accounts that act often co-act
 * by chance more often, so their co-actions weigh less. A count-min sketch of exponentially
 * decayed counts: fixed memory sized at creation, no per-account allocation, never under-counts
 * (collisions can only over-count, which weighs a quiet account's evidence slightly less). */
#ifndef LOCKSTEP_ACTIVITY_H
#define LOCKSTEP_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/snapshot.h"

struct ls_activity;

/* cells: counters per row (rounded up to a power of two; 4 rows); half_life_ms: a count halves
 * over this much event time.
 * @returns LS_OK, or LS_ENOMEM with err set. */
int ls_activity_create(struct ls_activity **out, uint32_t cells, int64_t half_life_ms, struct ls_err *err);
void ls_activity_destroy(struct ls_activity *a);

/* Counts one action of account at event time t_ms (out-of-order times are counted at the
 * newest time seen). */
void ls_activity_add(struct ls_activity *a, uint64_t account, int64_t t_ms);

/* The account's decayed action count at the newest time seen (>= 1 once it has acted). */
double ls_activity_count(const struct ls_activity *a, uint64_t account);

/* The sketch's bytes (0 for NULL: a role that reads no tweets). */
size_t ls_activity_bytes(const struct ls_activity *a);

/* Checkpoints (snapshot.h): the cells that ever counted, at their index, and the clock.
 * @returns of load: LS_OK, or LS_EINVAL (another build or size: the reason). */
void ls_activity_save(const struct ls_activity *a, struct ls_snap *w);
int ls_activity_load(struct ls_activity *a, struct ls_snap_reader *r, struct ls_err *err);
/* Merges the counts another daemon's checkpoint saved (ls_activity_save, same size) into a: each
 * cell becomes the larger of the two, both decayed to the later clock. What a new owner of an
 * input partition learns of its authors from their last owner (README: stages): the larger, not
 * the sum, so merging the same counts twice changes nothing and an account's estimate is never
 * below either daemon's (it may be above: the other daemon's accounts share cells with a's).
 * @returns LS_OK, or LS_EINVAL (another build or size, truncated: the reason) or LS_ENOMEM. */
int ls_activity_merge(struct ls_activity *a, struct ls_snap_reader *r, struct ls_err *err);

#endif
