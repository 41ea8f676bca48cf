/* fuzz_stage.c — libFuzzer target for the stage records' readers (stage_codec.h): each input is
 * read as an Action (vector of 8) and as a PairSet (at most 16 partners), as a stage reads its
 * input topic. Checks, besides no crash and no sanitizer report:
 *   - each read returns LS_OK, or LS_EINVAL with a "stage record:" reason;
 *   - what was accepted holds what the stages rely on (a known signal, an account, finite
 *     non-negative weights, no more partners than room);
 *   - a vector only on a co-similar-text action;
 *   - writing what was read and reading that again gives the same record. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/stage_codec.h"

#include "fuzz_check.h"

#define DIM 8
#define CAP 16

static char mem[2][65536];

static int read_rec(enum ls_stage_kind kind, const uint8_t *data, size_t size, int which, struct ls_stage_rec *r, struct ls_err *e) {
  struct ls_arena a;
  ls_arena_init(&a, mem[which], sizeof mem[which]);
  return ls_stage_unpack(kind, data, size, DIM, CAP, &a, r, e);
}

static void action(const uint8_t *data, size_t size) {
  struct ls_stage_rec r, t;
  struct ls_err e;
  int rc = read_rec(LS_STAGE_ACTION, data, size, 0, &r, &e);
  CHECK(rc == LS_OK || (rc == LS_EINVAL && !strncmp(e.msg, "stage record:", 13)), "action: rc %d: %s", rc, e.msg);
  if (rc != LS_OK) return;
  const struct ls_action_rec *a = &r.set.act, *b = &t.set.act;
  CHECK(a->signal < LS_SIG_COUNT && a->account && a->tweet && (a->signal == LS_SIG_SIMILAR) == (a->key == 0), "action accepted: signal %d", a->signal);
  bool similar = a->signal == LS_SIG_SIMILAR;
  CHECK(similar == (r.vector != NULL), "a vector on a %s action", ls_signal_name(a->signal));
  struct ls_stage_buf buf = {0};
  CHECK(ls_stage_pack(LS_STAGE_ACTION, &r, DIM, &buf, &e) == LS_OK, "pack: %s", e.msg);
  CHECK(read_rec(LS_STAGE_ACTION, buf.buf, buf.len, 1, &t, &e) == LS_OK, "read again: %s", e.msg);
  CHECK(b->key == a->key && b->tweet == a->tweet && b->account == a->account && b->t_ms == a->t_ms && b->activity == a->activity &&
            b->signal == a->signal && b->replayed == a->replayed && t.text_key == r.text_key &&
            (!similar || !memcmp(r.vector, t.vector, DIM * sizeof(float))) && t.evidence_len == r.evidence_len &&
            (!r.evidence_len || !memcmp(t.evidence, r.evidence, r.evidence_len)),
        "action changed on a round trip");
  free(buf.buf);
}

static void pairset(const uint8_t *data, size_t size) {
  struct ls_stage_rec r, t;
  struct ls_err e;
  int rc = read_rec(LS_STAGE_PAIRSET, data, size, 0, &r, &e);
  CHECK(rc == LS_OK || (rc == LS_EINVAL && !strncmp(e.msg, "stage record:", 13)), "pair set: rc %d: %s", rc, e.msg);
  if (rc != LS_OK) return;
  const struct ls_pairset *s = &r.set;
  CHECK(s->n <= CAP, "%u partners", s->n);
  for (uint32_t k = 0; k < s->n; k++) CHECK(s->partners[k].account && isfinite(s->partners[k].w) && s->partners[k].w >= 0, "partner %u", k);
  struct ls_stage_buf buf = {0};
  CHECK(ls_stage_pack(LS_STAGE_PAIRSET, &r, 0, &buf, &e) == LS_OK, "pack: %s", e.msg);
  CHECK(read_rec(LS_STAGE_PAIRSET, buf.buf, buf.len, 1, &t, &e) == LS_OK, "read again: %s", e.msg);
  CHECK(t.set.n == s->n && t.set.light == s->light && t.set.object_accounts == s->object_accounts && t.set.act.account == s->act.account &&
            t.set.act.key == s->act.key && (!s->n || !memcmp(s->partners, t.set.partners, s->n * sizeof *s->partners)) &&
            t.evidence_len == r.evidence_len,
        "pair set changed on a round trip");
  free(buf.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  action(data, size);
  pairset(data, size);
  return 0;
}
