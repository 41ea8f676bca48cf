/* pairs.c — the exact signals' pair stage (see pairs.h): the object window's sets of an action,
 * its own and the revisions it makes, each partner weighed one by one. */
#include "lockstep/pairs.h"

#include <stdlib.h>

struct ls_pairs {
  const struct ls_config *cfg;
  const struct ls_chance *chance;
  struct ls_objects *objects;
  struct ls_object_sets found; /* the window's sets of the action being observed */
};

void ls_coactions_weigh(struct ls_coactions *c, const struct ls_chance *ch, const struct ls_action_rec *a, const struct ls_action *other) {
  if (a->replayed && other->replayed) return;
  int64_t gap = a->t_ms - other->t_ms;
  double w = ls_chance_weight(ch, a->signal, gap, a->activity, other->activity);
  if (w <= 0 || c->n == c->cap) {
    c->light++;
    return;
  }
  c->v[c->n++] = (struct ls_coaction){other->account, gap, w};
}

int ls_pairs_create(struct ls_pairs **out, const struct ls_config *cfg, const struct ls_chance *chance, struct ls_err *err) {
  struct ls_pairs *p = calloc(1, sizeof *p);
  if (!p) return ls_err_set(err, LS_ENOMEM, "pair stage: out of memory");
  *p = (struct ls_pairs){.cfg = cfg, .chance = chance};
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

/* One set of the window as a pair set of a's object and signal. A revision weighs each partner
 * (the checkpoint's graph holds its earlier partners at the set's first spending, which it takes
 * back); it is kept only when its late partner weighs something and is not a replay as well. */
static bool pairset_of(const struct ls_pairs *p, const struct ls_action_rec *a, const struct ls_object_set *f, struct ls_coaction *partners,
                       struct ls_pairset *out) {
  struct ls_action_rec act = *a;
  bool revision = f->late >= 0;
  if (revision) {
    act.tweet = f->act.tweet;
    act.account = f->act.account;
    act.t_ms = f->act.t_ms;
    act.activity = f->act.activity;
    act.replayed = false;
  }
  struct ls_coactions c = {.v = partners, .cap = LS_OBJECT_RECENT};
  bool late_weighs = false;
  for (int k = 0; k < f->n; k++) {
    uint32_t had = c.n;
    ls_coactions_weigh(&c, p->chance, &act, &f->partners[k]);
    late_weighs |= k == f->late && c.n > had;
  }
  act.replayed = f->act.replayed;
  *out = (struct ls_pairset){.act = act, .object_accounts = f->accounts, .revision = f->revision, .n = c.n, .light = revision ? 0 : c.light,
                             .partners = partners};
  if (!revision) return true;
  out->late_account = f->partners[f->late].account;
  return late_weighs && !(f->act.replayed && f->partners[f->late].replayed);
}

int ls_pairs_observe(struct ls_pairs *p, const struct ls_action_rec *a, struct ls_pair_sets *out) {
  const struct ls_signal_conf *sc = &p->cfg->signal[a->signal];
  struct ls_action me = {.account = a->account, .tweet = a->tweet, .t_ms = a->t_ms, .activity = a->activity, .replayed = a->replayed};
  int found = ls_objects_observe(p->objects, a->key, &me, sc->window_s * 1000, repeat_ms(sc), &p->found);
  out->set[0] = (struct ls_pairset){.act = *a, .partners = out->partners[0]};
  out->n = 1;
  for (int k = 0; k < p->found.n; k++) { /* found.set[0] is the action's own: it stays set[0] */
    uint32_t i = k == 0 ? 0 : out->n;
    if (pairset_of(p, a, &p->found.set[k], out->partners[i], &out->set[i]) && k > 0) out->n++;
  }
  return found < 0 ? -1 : (int)out->set[0].n;
}

uint64_t ls_pairs_evictions(const struct ls_pairs *p) { return p ? ls_objects_evictions(p->objects) : 0; }
size_t ls_pairs_bytes(const struct ls_pairs *p) { return p ? ls_objects_bytes(p->objects) : 0; }
