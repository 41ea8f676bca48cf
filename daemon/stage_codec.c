/* stage_codec.c — stage records to and from protobuf (see stage_codec.h). The scalar fields of
 * an action are one table (ACTION_FIELDS), read and written by the same names in stage.h and
 * stage.proto. */
#include "lockstep/stage_codec.h"

#include <math.h>
#include <stdlib.h>

#include "stage.pb-c.h"

#define ACTION_FIELDS(X) X(key) X(tweet) X(account) X(t_ms) X(activity) X(replayed)

static int reserve(struct ls_stage_buf *out, size_t n, struct ls_err *err) {
  if (n > out->cap) {
    uint8_t *b = realloc(out->buf, n);
    if (!b) return ls_err_set(err, LS_ENOMEM, "stage record: out of memory for %zu bytes", n);
    out->buf = b;
    out->cap = n;
  }
  out->len = n;
  return LS_OK;
}

static Lockstep__Action action_msg(const struct ls_action_rec *a, uint64_t text_key, const float *vector, uint32_t dim) {
  Lockstep__Action m = LOCKSTEP__ACTION__INIT;
  m.version = LS_STAGE_VERSION;
#define PUT(f) m.f = a->f;
  ACTION_FIELDS(PUT)
#undef PUT
  m.signal = (uint32_t)a->signal;
  m.text_key = text_key;
  m.n_vector = vector ? dim : 0;
  m.vector = (float *)vector;
  return m;
}

int ls_stage_pack_action(const struct ls_action_rec *a, uint64_t text_key, const float *vector, uint32_t dim, struct ls_stage_buf *out,
                         struct ls_err *err) {
  Lockstep__Action m = action_msg(a, text_key, vector, dim);
  int rc = reserve(out, lockstep__action__get_packed_size(&m), err);
  if (rc == LS_OK) lockstep__action__pack(&m, out->buf);
  return rc;
}

/* The checks an action passes whatever its stage. */
static int action_of(const Lockstep__Action *m, struct ls_action_rec *a, struct ls_err *err) {
  if (m->version != LS_STAGE_VERSION)
    return ls_err_set(err, LS_EINVAL, "stage record: action version %u, this build reads %d", m->version, LS_STAGE_VERSION);
  if (m->signal >= LS_SIG_COUNT) return ls_err_set(err, LS_EINVAL, "stage record: unknown signal %u", m->signal);
  if ((m->signal == LS_SIG_SIMILAR) != (m->key == 0))
    return ls_err_set(err, LS_EINVAL, "stage record: a %s action %s an object key", ls_signal_name((int)m->signal),
                      m->key ? "with" : "without");
  if (m->account == 0 || m->tweet == 0) return ls_err_set(err, LS_EINVAL, "stage record: an action without %s", m->account ? "tweet" : "account");
  if (!isfinite(m->activity) || m->activity < 0) return ls_err_set(err, LS_EINVAL, "stage record: activity %g", m->activity);
#define GET(f) a->f = m->f;
  ACTION_FIELDS(GET)
#undef GET
  a->activity += 0.0; /* -0 is written as 0 (proto3 leaves zeros out): read it so */
  a->signal = (enum ls_signal)m->signal;
  return LS_OK;
}

int ls_stage_unpack_action(const void *data, size_t len, struct ls_action_rec *a, uint64_t *text_key, float *vector, uint32_t want_dim,
                           struct ls_err *err) {
  Lockstep__Action *m = lockstep__action__unpack(NULL, len, data);
  if (!m) return ls_err_set(err, LS_EINVAL, "stage record: not a lockstep.Action (%zu bytes)", len);
  int rc = action_of(m, a, err);
  uint32_t dim = m->signal == LS_SIG_SIMILAR ? want_dim : 0;
  if (rc == LS_OK && m->n_vector != dim)
    rc = ls_err_set(err, LS_EINVAL, "stage record: a %s action with %zu vector values, %u expected", ls_signal_name(a->signal), m->n_vector, dim);
  for (size_t i = 0; rc == LS_OK && i < m->n_vector; i++) {
    if (!isfinite(m->vector[i])) rc = ls_err_set(err, LS_EINVAL, "stage record: vector value %zu is not finite", i);
    else vector[i] = m->vector[i];
  }
  *text_key = m->text_key;
  lockstep__action__free_unpacked(m, NULL);
  return rc;
}

int ls_stage_pack_pairset(const struct ls_pairset *s, struct ls_stage_buf *out, struct ls_err *err) {
  Lockstep__Action act = action_msg(&s->act, 0, NULL, 0);
  Lockstep__PairSet m = LOCKSTEP__PAIR_SET__INIT;
  m.version = LS_STAGE_VERSION;
  m.action = &act;
  m.object_accounts = s->object_accounts;
  m.light = s->light;
  Lockstep__Coaction *cs = calloc(s->n ? s->n : 1, sizeof *cs);
  Lockstep__Coaction **ps = calloc(s->n ? s->n : 1, sizeof *ps);
  int rc = cs && ps ? LS_OK : ls_err_set(err, LS_ENOMEM, "stage record: out of memory for %u partners", s->n);
  for (uint32_t k = 0; rc == LS_OK && k < s->n; k++) {
    lockstep__coaction__init(&cs[k]);
    cs[k].account = s->partners[k].account;
    cs[k].gap_ms = s->partners[k].gap_ms;
    cs[k].weight = s->partners[k].w;
    ps[k] = &cs[k];
  }
  m.n_partners = s->n;
  m.partners = ps;
  if (rc == LS_OK) rc = reserve(out, lockstep__pair_set__get_packed_size(&m), err);
  if (rc == LS_OK) lockstep__pair_set__pack(&m, out->buf);
  free(cs);
  free(ps);
  return rc;
}

/* A pair set's checks, its action's first. */
static int pairset_of(const Lockstep__PairSet *m, struct ls_pairset *s, struct ls_coaction *partners, uint32_t cap, struct ls_err *err) {
  if (m->version != LS_STAGE_VERSION)
    return ls_err_set(err, LS_EINVAL, "stage record: pair set version %u, this build reads %d", m->version, LS_STAGE_VERSION);
  if (!m->action) return ls_err_set(err, LS_EINVAL, "stage record: a pair set without its action");
  if (m->action->n_vector) return ls_err_set(err, LS_EINVAL, "stage record: a pair set's action with a vector");
  int rc = action_of(m->action, &s->act, err);
  if (rc != LS_OK) return rc;
  if (m->n_partners && m->object_accounts < 2)
    return ls_err_set(err, LS_EINVAL, "stage record: %zu partners on an object of %u accounts", m->n_partners, m->object_accounts);
  if (m->n_partners > cap) return ls_err_set(err, LS_EINVAL, "stage record: %zu partners, at most %u", m->n_partners, cap);
  for (size_t k = 0; k < m->n_partners; k++) {
    const Lockstep__Coaction *c = m->partners[k];
    if (c->account == 0) return ls_err_set(err, LS_EINVAL, "stage record: partner %zu without account", k);
    if (!isfinite(c->weight) || c->weight < 0) return ls_err_set(err, LS_EINVAL, "stage record: partner %zu weighs %g", k, c->weight);
    partners[k] = (struct ls_coaction){c->account, c->gap_ms, c->weight + 0.0}; /* -0 as 0, as it is written */
  }
  s->object_accounts = m->object_accounts;
  s->light = m->light;
  s->n = (uint32_t)m->n_partners;
  s->partners = partners;
  return LS_OK;
}

int ls_stage_unpack_pairset(const void *data, size_t len, struct ls_pairset *s, struct ls_coaction *partners, uint32_t cap,
                            struct ls_err *err) {
  Lockstep__PairSet *m = lockstep__pair_set__unpack(NULL, len, data);
  if (!m) return ls_err_set(err, LS_EINVAL, "stage record: not a lockstep.PairSet (%zu bytes)", len);
  int rc = pairset_of(m, s, partners, cap, err);
  lockstep__pair_set__free_unpacked(m, NULL);
  return rc;
}
