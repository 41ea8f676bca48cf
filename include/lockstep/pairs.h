/* pairs.h — the pair stage of the exact signals: each action (stage.h) meets the object window
 * (objects.h) and leaves as its pair set, every co-action weighed by the chance model (chance.h)
 * from the gap and both authors' activity. The weighing is shared with co-similar-text
 * (similar.h), whose objects are the vector window's neighbourhoods instead. */
#ifndef LOCKSTEP_PAIRS_H
#define LOCKSTEP_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/activity.h"
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

/* Weighs the co-action of a with other (whose author's activity count is other_activity) and keeps
 * it, or counts it light: under the chance model's least weight, or no room left. A pair of two
 * replayed actions is skipped: the checkpoint's graph holds it. */
void ls_coactions_weigh(struct ls_coactions *c, const struct ls_chance *ch, const struct ls_action_rec *a, const struct ls_action *other,
                        double other_activity);

struct ls_pairs;

/* cfg (its signal windows), chance and activity (the authors' counts) belong to the caller, must
 * outlive the stage and may change between calls (a reload). The window holds
 * detect.max_objects objects. @returns LS_OK or LS_ENOMEM. */
int ls_pairs_create(struct ls_pairs **out, const struct ls_config *cfg, const struct ls_chance *chance, const struct ls_activity *activity,
                    struct ls_err *err);
void ls_pairs_destroy(struct ls_pairs *p);

/* The pair set of one exact-signal action (a->key not 0; its signal enabled), its partners
 * written into the caller's partners, which out->partners then points at. @returns the partners
 * kept (0: none), or -1 when the object is viral (suppressed: out is empty). */
int ls_pairs_observe(struct ls_pairs *p, const struct ls_action_rec *a, struct ls_coaction partners[LS_OBJECT_RECENT],
                     struct ls_pairset *out);

/* Objects evicted while inside their window, and the bytes of the object table (0 for NULL: a
 * role without the pair stage). */
uint64_t ls_pairs_evictions(const struct ls_pairs *p);
size_t ls_pairs_bytes(const struct ls_pairs *p);

#endif
