/* pairs.h — the pair stage of the exact signals: each action (stage.h) meets the object window
 * (objects.h) and leaves as its pair set, with the sets again of the later actions it joins when
 * it came late (revisions: a pair is in its later action's set, whatever the reading order),
 * every co-action weighed by the chance model (chance.h) from the gap and both authors' activity
 * as their records carry it. The weighing is shared with co-similar-text (similar.h), whose
 * objects are the vector window's neighbourhoods instead. */
#ifndef LOCKSTEP_PAIRS_H
#define LOCKSTEP_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/chance.h"
#include "lockstep/config.h"
#include "lockstep/err.h"
#include "lockstep/objects.h"
#include "lockstep/stage.h"

/* Co-actions being collected for one pair set. */
struct ls_coactions {
  struct ls_coaction *v;
  uint32_t n, cap;
  uint32_t light;
};

/* Weighs the co-action of a with other (other->activity: its author's activity count) and keeps
 * it, or counts it light: under the chance model's least weight, or no room left. A pair of two
 * replayed actions is skipped: the checkpoint's graph holds it. */
void ls_coactions_weigh(struct ls_coactions *c, const struct ls_chance *ch, const struct ls_action_rec *a, const struct ls_action *other);

/* The pair sets one action makes or changes: set[0] its own (n 0 when it pairs with nothing),
 * then the revisions of later actions' sets it joined (each with partners, late_account set).
 * The partners live in this struct, until its next use. */
struct ls_pair_sets {
  uint32_t n;
  struct ls_pairset set[LS_OBJECT_RECENT + 1];
  struct ls_coaction partners[LS_OBJECT_RECENT + 1][LS_OBJECT_RECENT];
};

struct ls_pairs;

/* cfg (its signal windows) and chance belong to the caller, must outlive the stage and may change
 * between calls (a reload). The window holds detect.max_objects objects. @returns LS_OK or
 * LS_ENOMEM. */
int ls_pairs_create(struct ls_pairs **out, const struct ls_config *cfg, const struct ls_chance *chance, struct ls_err *err);
void ls_pairs_destroy(struct ls_pairs *p);

/* The pair sets of one exact-signal action (a->key not 0; its signal enabled) into *out.
 * @returns the partners of its own set (0: none), or -1 when the object is viral (suppressed:
 * out->set[0] is empty and out->n 1). */
int ls_pairs_observe(struct ls_pairs *p, const struct ls_action_rec *a, struct ls_pair_sets *out);

/* Objects evicted while inside their window, and the bytes of the object table (0 for NULL: a
 * role without the pair stage). */
uint64_t ls_pairs_evictions(const struct ls_pairs *p);
size_t ls_pairs_bytes(const struct ls_pairs *p);

#endif
