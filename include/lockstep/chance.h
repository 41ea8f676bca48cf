/* chance.h — the weight of one co-action: how unlikely it is that two independent accounts did
 * it by chance (README: evidence weighted by chance). One model replaces hard windows, fixed
 * per-signal minimum weights and organic suppression. A co-action of a with b weighs
 *   w = exp(-gap / time_scale[signal])          less as the gap between the actions grows
 *     · min(1, active_actions / sqrt(A_a A_b))  less the more active the two accounts are (A:
 *                                               actions in about the last hour, activity.h)
 * and one below min_action_weight is no evidence at all. The tweet that makes co-actions with
 * several earlier ones spends at most
 *   B = min(1, organic_accounts / n)            less the more accounts acted on the object (n)
 * over all of them (the pipeline shares B out in proportion to the w), so an object acted on
 * by many accounts ties each of them weakly, however many partners each has; an object with
 * more than organic_accounts / min_action_weight accounts forms no edges. Pure functions. */
#ifndef LOCKSTEP_CHANCE_H
#define LOCKSTEP_CHANCE_H

#include <stdint.h>

#include "lockstep/signal.h"

struct ls_chance {
  double time_scale_ms[LS_SIG_COUNT];
  double organic_accounts; /* n0: objects acted on by at most this many accounts weigh fully */
  double active_actions;   /* A0: accounts with at most this many recent actions weigh fully */
  double min_weight;       /* the floor: lighter co-actions are dropped */
};

/* The weight in [min_weight, 1] of a co-action on signal s, or 0 when it falls below the floor.
 * gap_ms: time between the two actions; act_a, act_b: the two accounts' activity counts. */
double ls_chance_weight(const struct ls_chance *c, enum ls_signal s, int64_t gap_ms, double act_a, double act_b);

/* B, the evidence in (0, 1] that one action on an object that n accounts acted on within its
 * window (this one included) may give all its co-actions together. */
double ls_chance_budget(const struct ls_chance *c, uint32_t n);

/* The most accounts an object can have before even a simultaneous co-action of two quiet accounts
 * falls below the floor: beyond it the object is organic and is not searched for pairs. */
uint32_t ls_chance_max_accounts(const struct ls_chance *c);

#endif
