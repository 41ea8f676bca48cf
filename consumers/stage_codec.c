/* stage_codec.c — stage records to and from protobuf (see stage_codec.h). The scalar fields of
 * an action are one table (ACTION_FIELDS), read and written by the same names in stage.h and
 * stage.proto; what a record points at (vector, partners, evidence) is copied into the caller's
 * arena, so the record lives as long as the slot that holds it. */
#include "lockstep/stage_codec.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/half.h"
#include "lockstep/source.h"
#include "stage.pb-c.h"

#define ACTION_FIELDS(X) X(key) X(tweet) X(account) X(t_ms) X(activity) X(replayed) X(window)

const char *ls_stage_kind_name(enum ls_stage_kind kind) { return kind == LS_STAGE_ACTION ? "action" : "pair set"; }

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

static Lockstep__Action action_msg(const struct ls_stage_rec *r, ls_half *halves, uint32_t dim) {
  Lockstep__Action m = LOCKSTEP__ACTION__INIT;
  m.version = LS_STAGE_VERSION;
#define PUT(f) m.f = r->set.act.f;
  ACTION_FIELDS(PUT)
#undef PUT
  m.signal = (uint32_t)r->set.act.signal;
  m.text_key = r->text_key;
  for (uint32_t i = 0; r->vector && i < dim; i++) halves[i] = (ls_half)r->vector[i]; /* little-endian hosts only (x86-64, arm64) */
  m.vector = (ProtobufCBinaryData){r->vector ? dim * sizeof *halves : 0, (uint8_t *)halves};
  m.evidence = (ProtobufCBinaryData){r->evidence_len, (uint8_t *)r->evidence};
  return m;
}

/* The shard partitions of an action into m (parts: room for them as uint32). */
static void put_parts(Lockstep__Action *m, const struct ls_stage_rec *r, uint32_t *parts) {
  for (uint32_t i = 0; i < r->n_parts; i++) parts[i] = r->parts[i];
  m->n_partitions = r->n_parts;
  m->partitions = parts;
}

static int pack_action(const struct ls_stage_rec *r, uint32_t dim, struct ls_stage_buf *out, struct ls_err *err) {
  ls_half *halves = r->vector ? malloc(dim * sizeof *halves) : NULL;
  if (r->vector && !halves) return ls_err_set(err, LS_ENOMEM, "stage record: out of memory for a vector of %u", dim);
  Lockstep__Action m = action_msg(r, halves, dim);
  uint32_t parts[LS_TEXT_SHARDS_SPILL_MAX];
  put_parts(&m, r, parts);
  int rc = reserve(out, lockstep__action__get_packed_size(&m), err);
  if (rc == LS_OK) lockstep__action__pack(&m, out->buf);
  free(halves);
  return rc;
}

static int pack_pairset(const struct ls_stage_rec *r, struct ls_stage_buf *out, struct ls_err *err) {
  const struct ls_pairset *s = &r->set;
  Lockstep__Action act = action_msg(r, NULL, 0);
  act.text_key = 0;
  Lockstep__PairSet m = LOCKSTEP__PAIR_SET__INIT;
  m.version = LS_PAIRSET_VERSION;
  m.action = &act;
  m.object_accounts = s->object_accounts;
  m.light = s->light;
  m.revision = s->revision;
  m.late_account = s->late_account;
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

int ls_stage_pack(enum ls_stage_kind kind, const struct ls_stage_rec *r, uint32_t dim, struct ls_stage_buf *out, struct ls_err *err) {
  return kind == LS_STAGE_ACTION ? pack_action(r, dim, out, err) : pack_pairset(r, out, err);
}

/* n bytes of the arena, or the reason the record does not fit. */
static void *room(struct ls_arena *a, size_t n, int *rc, struct ls_err *err) {
  void *p = n ? ls_arena_alloc(a, n) : NULL;
  if (n && !p) *rc = ls_err_set(err, LS_EINVAL, "stage record: does not fit in a ring slot (%zu bytes more; raise input.max_text_bytes)", n);
  return p;
}

/* The checks an action passes whatever its stage; its evidence into the arena. */
static int action_of(const Lockstep__Action *m, struct ls_arena *ar, struct ls_stage_rec *r, struct ls_err *err) {
  struct ls_action_rec *a = &r->set.act;
  if (m->version != LS_STAGE_VERSION)
    return ls_err_set(err, LS_EINVAL, "stage record: action version %u, this build reads %d", m->version, LS_STAGE_VERSION);
  if (m->signal >= LS_SIG_COUNT) return ls_err_set(err, LS_EINVAL, "stage record: unknown signal %u", m->signal);
  if ((m->signal == LS_SIG_SIMILAR) != (m->key == 0))
    return ls_err_set(err, LS_EINVAL, "stage record: a %s action %s an object key", ls_signal_name((int)m->signal),
                      m->key ? "with" : "without");
  if (m->account == 0 || m->tweet == 0) return ls_err_set(err, LS_EINVAL, "stage record: an action without %s", m->account ? "tweet" : "account");
  if (!isfinite(m->activity) || m->activity < 0) return ls_err_set(err, LS_EINVAL, "stage record: activity %g", m->activity);
  if (m->window && (m->signal != LS_SIG_SIMILAR || m->window > LS_MAX_PARTITIONS))
    return ls_err_set(err, LS_EINVAL, "stage record: window %u on a %s action", m->window, ls_signal_name((int)m->signal));
#define GET(f) a->f = m->f;
  ACTION_FIELDS(GET)
#undef GET
  a->activity += 0.0; /* -0 is written as 0 (proto3 leaves zeros out): read it so */
  a->signal = (enum ls_signal)m->signal;
  r->text_key = m->text_key;
  int rc = LS_OK;
  uint8_t *ev = room(ar, m->evidence.len, &rc, err);
  if (ev) memcpy(ev, m->evidence.data, m->evidence.len);
  r->evidence = ev;
  r->evidence_len = (uint32_t)m->evidence.len;
  return rc;
}

static int vector_of(const Lockstep__Action *m, uint32_t want_dim, struct ls_arena *ar, struct ls_stage_rec *r, struct ls_err *err) {
  uint32_t dim = m->signal == LS_SIG_SIMILAR ? want_dim : 0;
  if (m->vector.len != dim * sizeof(ls_half))
    return ls_err_set(err, LS_EINVAL, "stage record: a %s action with %zu bytes of vector, %zu expected (%u half floats)",
                      ls_signal_name(r->set.act.signal), m->vector.len, dim * sizeof(ls_half), dim);
  int rc = LS_OK;
  float *v = room(ar, dim * sizeof *v, &rc, err);
  for (size_t i = 0; rc == LS_OK && i < dim; i++) {
    ls_half h;
    memcpy(&h, m->vector.data + i * sizeof h, sizeof h);
    if (!isfinite((float)h)) rc = ls_err_set(err, LS_EINVAL, "stage record: vector value %zu is not finite", i);
    else v[i] = (float)h;
  }
  r->vector = v;
  return rc;
}

static int parts_of(const Lockstep__Action *m, struct ls_stage_rec *r, struct ls_err *err) {
  if (m->n_partitions && m->signal != LS_SIG_SIMILAR)
    return ls_err_set(err, LS_EINVAL, "stage record: a %s action with shard partitions", ls_signal_name((int)m->signal));
  if (m->n_partitions > LS_TEXT_SHARDS_SPILL_MAX)
    return ls_err_set(err, LS_EINVAL, "stage record: %zu shard partitions, at most %d", m->n_partitions, LS_TEXT_SHARDS_SPILL_MAX);
  for (size_t i = 0; i < m->n_partitions; i++) {
    if (m->partitions[i] >= LS_MAX_PARTITIONS || (i && m->partitions[i] <= m->partitions[i - 1]))
      return ls_err_set(err, LS_EINVAL, "stage record: shard partition %u (they must ascend, below %d)", m->partitions[i], LS_MAX_PARTITIONS);
    r->parts[i] = (uint16_t)m->partitions[i];
  }
  r->n_parts = (uint32_t)m->n_partitions;
  return LS_OK;
}

static int unpack_action(const void *data, size_t len, uint32_t want_dim, struct ls_arena *ar, struct ls_stage_rec *r, struct ls_err *err) {
  Lockstep__Action *m = lockstep__action__unpack(NULL, len, data);
  if (!m) return ls_err_set(err, LS_EINVAL, "stage record: not a lockstep.Action (%zu bytes)", len);
  int rc = action_of(m, ar, r, err);
  if (rc == LS_OK) rc = vector_of(m, want_dim, ar, r, err);
  if (rc == LS_OK) rc = parts_of(m, r, err);
  lockstep__action__free_unpacked(m, NULL);
  return rc;
}

static int partners_of(const Lockstep__PairSet *m, uint32_t max_partners, struct ls_arena *ar, struct ls_pairset *s, struct ls_err *err) {
  if (m->n_partners && m->object_accounts < 2)
    return ls_err_set(err, LS_EINVAL, "stage record: %zu partners on an object of %u accounts", m->n_partners, m->object_accounts);
  if (m->n_partners > max_partners) return ls_err_set(err, LS_EINVAL, "stage record: %zu partners, at most %u", m->n_partners, max_partners);
  int rc = LS_OK;
  struct ls_coaction *p = room(ar, m->n_partners * sizeof *p, &rc, err);
  for (size_t k = 0; rc == LS_OK && k < m->n_partners; k++) {
    const Lockstep__Coaction *c = m->partners[k];
    if (c->account == 0) return ls_err_set(err, LS_EINVAL, "stage record: partner %zu without account", k);
    if (!isfinite(c->weight) || c->weight < 0) return ls_err_set(err, LS_EINVAL, "stage record: partner %zu weighs %g", k, c->weight);
    p[k] = (struct ls_coaction){c->account, c->gap_ms, c->weight + 0.0}; /* -0 as 0, as it is written */
  }
  s->object_accounts = m->object_accounts;
  s->light = m->light;
  s->n = (uint32_t)m->n_partners;
  s->partners = p;
  return rc;
}

/* A revision names one of its partners as the late one; a first set names none. */
static int revision_of(const Lockstep__PairSet *m, struct ls_pairset *s, struct ls_err *err) {
  if ((m->revision == 0) != (m->late_account == 0))
    return ls_err_set(err, LS_EINVAL, "stage record: pair set revision %u with late account %" PRIu64, m->revision, m->late_account);
  bool named = m->revision == 0;
  for (uint32_t k = 0; !named && k < s->n; k++) named = s->partners[k].account == m->late_account;
  if (!named) return ls_err_set(err, LS_EINVAL, "stage record: revision %u's late account %" PRIu64 " is not a partner", m->revision, m->late_account);
  s->revision = m->revision;
  s->late_account = m->late_account;
  return LS_OK;
}

/* A pair set's checks, its action's first. */
static int pairset_of(const Lockstep__PairSet *m, uint32_t max_partners, struct ls_arena *ar, struct ls_stage_rec *r, struct ls_err *err) {
  if (m->version != LS_PAIRSET_VERSION)
    return ls_err_set(err, LS_EINVAL, "stage record: pair set version %u, this build reads %d", m->version, LS_PAIRSET_VERSION);
  if (!m->action) return ls_err_set(err, LS_EINVAL, "stage record: a pair set without its action");
  if (m->action->vector.len) return ls_err_set(err, LS_EINVAL, "stage record: a pair set's action with a vector");
  int rc = action_of(m->action, ar, r, err);
  if (rc == LS_OK) rc = partners_of(m, max_partners, ar, &r->set, err);
  return rc == LS_OK ? revision_of(m, &r->set, err) : rc;
}

static int unpack_pairset(const void *data, size_t len, uint32_t max_partners, struct ls_arena *ar, struct ls_stage_rec *r,
                          struct ls_err *err) {
  Lockstep__PairSet *m = lockstep__pair_set__unpack(NULL, len, data);
  if (!m) return ls_err_set(err, LS_EINVAL, "stage record: not a lockstep.PairSet (%zu bytes)", len);
  int rc = pairset_of(m, max_partners, ar, r, err);
  lockstep__pair_set__free_unpacked(m, NULL);
  return rc;
}

int ls_stage_unpack(enum ls_stage_kind kind, const void *data, size_t len, uint32_t want_dim, uint32_t max_partners, struct ls_arena *a,
                    struct ls_stage_rec *r, struct ls_err *err) {
  *r = (struct ls_stage_rec){0};
  return kind == LS_STAGE_ACTION ? unpack_action(data, len, want_dim, a, r, err) : unpack_pairset(data, len, max_partners, a, r, err);
}
