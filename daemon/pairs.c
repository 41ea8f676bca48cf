/* pairs.c — the exact signals' pair stage (see pairs.h): the object window's partners of an
 * action, weighed one by one. */
#include "lockstep/pairs.h"

#include <stdlib.h>

struct ls_pairs {
  const struct ls_config *cfg;
  const struct ls_chance *chance;
  const struct ls_activity *activity;
  struct ls_objects *objects;
};

void ls_coactions_weigh(struct ls_coactions *c, const struct ls_chance *ch, const struct ls_action_rec *a, const struct ls_action *other,
                        double other_activity) {
  if (a->replayed && other->replayed) return;
  int64_t gap = a->t_ms - other->t_ms;
  double w = ls_chance_weight(ch, a->signal, gap, a->activity, other_activity);
  if (w <= 0 || c->n == c->cap) {
    c->light++;
    return;
  }
  c->v[c->n++] = (struct ls_coaction){other->account, gap, w};
}

int ls_pairs_create(struct ls_pairs **out, const struct ls_config *cfg, const struct ls_chance *chance, const struct ls_activity *activity,
                    struct ls_err *err) {
  struct ls_pairs *p = calloc(1, sizeof *p);
  if (!p) return ls_err_set(err, LS_ENOMEM, "pair stage: out of memory");
  *p = (struct ls_pairs){.cfg = cfg, .chance = chance, .activity = activity};
  int rc = ls_objects_create(&p->objects, (uint32_t)cfg->detect.max_objects, ls_chance_max_accounts(chance),
                             (int64_t)cfg->detect.lateness_s * 1000, err);
  if (rc != LS_OK) {
    free(p);
    return rc;
  }
  *out = p;
  return LS_OK;
}

void ls_pairs_destroy(struct ls_pairs *p) {
  if (!p) return;
  ls_objects_destroy(p->objects);
  free(p);
}

/* A repeat by one account of an action on one object is new evidence after a quarter of the
 * signal's time scale (or window, when shorter): a campaign's next burst on the same hashtags. */
static int64_t repeat_ms(const struct ls_signal_conf *s) {
  return (s->time_scale_s < s->window_s ? s->time_scale_s : s->window_s) * 250;
}

int ls_pairs_observe(struct ls_pairs *p, const struct ls_action_rec *a, struct ls_coaction partners[LS_OBJECT_RECENT],
                     struct ls_pairset *out) {
  const struct ls_signal_conf *sc = &p->cfg->signal[a->signal];
  struct ls_action others[LS_OBJECT_RECENT];
  uint32_t accounts;
  int found = ls_objects_observe(p->objects, a->key, &(struct ls_action){a->account, a->t_ms, a->replayed}, sc->window_s * 1000,
                                 repeat_ms(sc), others, &accounts);
  struct ls_coactions c = {.v = partners, .cap = LS_OBJECT_RECENT};
  for (int k = 0; k < found; k++) ls_coactions_weigh(&c, p->chance, a, &others[k], ls_activity_count(p->activity, others[k].account));
  *out = (struct ls_pairset){.act = *a, .object_accounts = accounts, .n = c.n, .light = c.light, .partners = partners};
  return found < 0 ? -1 : (int)c.n;
}

uint64_t ls_pairs_evictions(const struct ls_pairs *p) { return p ? ls_objects_evictions(p->objects) : 0; }
size_t ls_pairs_bytes(const struct ls_pairs *p) { return p ? ls_objects_bytes(p->objects) : 0; }
