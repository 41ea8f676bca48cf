/* fuzz_stage.c — libFuzzer target for the stage records' readers (stage_codec.h): each input is
 * read as an Action (vector of 8) and as a PairSet (at most 16 partners), as a stage reads its
 * input topic. Checks, besides no crash and no sanitizer report:
 *   - each read returns LS_OK, or LS_EINVAL with a "stage record:" reason;
 *   - what was accepted holds what the stages rely on (a known signal, an account, finite
 *     non-negative weights, no more partners than room);
 *   - writing what was read and reading that again gives the same record. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/stage_codec.h"

#include "fuzz_check.h"

#define DIM 8
#define CAP 16

static void action(const uint8_t *data, size_t size) {
  struct ls_action_rec a, b;
  uint64_t tk, tk2;
  float v[DIM], v2[DIM];
  struct ls_err e;
  int rc = ls_stage_unpack_action(data, size, &a, &tk, v, DIM, &e);
  CHECK(rc == LS_OK || (rc == LS_EINVAL && !strncmp(e.msg, "stage record:", 13)), "action: rc %d: %s", rc, e.msg);
  if (rc != LS_OK) return;
  CHECK(a.signal < LS_SIG_COUNT && a.account && a.tweet && (a.signal == LS_SIG_SIMILAR) == (a.key == 0), "action accepted: signal %d", a.signal);
  bool similar = a.signal == LS_SIG_SIMILAR;
  struct ls_stage_buf buf = {0};
  CHECK(ls_stage_pack_action(&a, tk, similar ? v : NULL, similar ? DIM : 0, &buf, &e) == LS_OK, "pack: %s", e.msg);
  CHECK(ls_stage_unpack_action(buf.buf, buf.len, &b, &tk2, v2, DIM, &e) == LS_OK, "read again: %s", e.msg);
  CHECK(b.key == a.key && b.tweet == a.tweet && b.account == a.account && b.t_ms == a.t_ms && b.activity == a.activity &&
            b.signal == a.signal && b.replayed == a.replayed && tk2 == tk && (!similar || !memcmp(v, v2, sizeof v)),
        "action changed on a round trip");
  free(buf.buf);
}

static void pairset(const uint8_t *data, size_t size) {
  struct ls_pairset s, t;
  struct ls_coaction c[CAP], c2[CAP];
  struct ls_err e;
  int rc = ls_stage_unpack_pairset(data, size, &s, c, CAP, &e);
  CHECK(rc == LS_OK || (rc == LS_EINVAL && !strncmp(e.msg, "stage record:", 13)), "pair set: rc %d: %s", rc, e.msg);
  if (rc != LS_OK) return;
  CHECK(s.n <= CAP, "%u partners", s.n);
  for (uint32_t k = 0; k < s.n; k++) CHECK(s.partners[k].account && isfinite(s.partners[k].w) && s.partners[k].w >= 0, "partner %u", k);
  struct ls_stage_buf buf = {0};
  CHECK(ls_stage_pack_pairset(&s, &buf, &e) == LS_OK, "pack: %s", e.msg);
  CHECK(ls_stage_unpack_pairset(buf.buf, buf.len, &t, c2, CAP, &e) == LS_OK, "read again: %s", e.msg);
  CHECK(t.n == s.n && t.light == s.light && t.object_accounts == s.object_accounts && t.act.account == s.act.account &&
            t.act.key == s.act.key && !memcmp(c, c2, s.n * sizeof *c),
        "pair set changed on a round trip");
  free(buf.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  action(data, size);
  pairset(data, size);
  return 0;
}
