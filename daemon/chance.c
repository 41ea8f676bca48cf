/* chance.c — the co-action weight of the chance model (see chance.h). The popularity budget is
 * inverse in n because the expected number of chance co-actions on an object within a gap grows
 * with the number of accounts acting on it; the activity term uses the geometric mean of the two
 * accounts' activity, so one hyperactive account discounts its own pairs, not its partner's. */
#include "lockstep/chance.h"

#include <math.h>

double ls_chance_weight(const struct ls_chance *c, enum ls_signal s, int64_t gap_ms, double act_a, double act_b) {
  double scale = c->time_scale_ms[s] > 0 ? c->time_scale_ms[s] : 1;
  double w = exp(-fabs((double)gap_ms) / scale);
  double act = sqrt((act_a > 1 ? act_a : 1) * (act_b > 1 ? act_b : 1));
  if (act > c->active_actions) w *= c->active_actions / act;
  return w >= c->min_weight ? w : 0;
}

double ls_chance_budget(const struct ls_chance *c, uint32_t n) {
  return n > c->organic_accounts ? c->organic_accounts / n : 1;
}

uint32_t ls_chance_max_accounts(const struct ls_chance *c) {
  double n = c->min_weight > 0 ? c->organic_accounts / c->min_weight : 1e9;
  return n < 4e9 ? (uint32_t)n : UINT32_MAX;
}
