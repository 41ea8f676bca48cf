/* stage_codec.h — the stage records (stage.h) in their wire form, proto/stage.proto's Action and
 * PairSet, for the topics between stages on different nodes. Unpacking checks what a stage relies
 * on, so a malformed record is refused with its reason (the stage dead-letters and counts it). */
#ifndef LOCKSTEP_STAGE_CODEC_H
#define LOCKSTEP_STAGE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/stage.h"

#define LS_STAGE_VERSION 1 /* the records' version field: a reader refuses any other */

/* A packed record: bytes in buf, grown as needed (free() it when done). */
struct ls_stage_buf {
  uint8_t *buf;
  size_t len, cap;
};

/* An action; vector (dim floats) and text_key for a co-similar-text action, else NULL, 0, 0.
 * @returns LS_OK or LS_ENOMEM. */
int ls_stage_pack_action(const struct ls_action_rec *a, uint64_t text_key, const float *vector, uint32_t dim, struct ls_stage_buf *out,
                         struct ls_err *err);
/* The action in data; its vector (co-similar-text: exactly want_dim finite floats, else none)
 * into vector. @returns LS_OK, or LS_EINVAL (not an Action, an unknown version or signal, a key
 * that does not fit its signal, no account or tweet, an activity that is not a finite
 * non-negative number, a vector of the wrong size: the reason). */
int ls_stage_unpack_action(const void *data, size_t len, struct ls_action_rec *a, uint64_t *text_key, float *vector, uint32_t want_dim,
                           struct ls_err *err);

/* A pair set (its action without vector). @returns LS_OK or LS_ENOMEM. */
int ls_stage_pack_pairset(const struct ls_pairset *s, struct ls_stage_buf *out, struct ls_err *err);
/* The pair set in data; its partners (at most cap) into partners, which s->partners then points
 * at. @returns LS_OK, or LS_EINVAL (not a PairSet, no action or one that is not valid, an action
 * with a vector, an unknown version, partners on an object of fewer than 2 accounts, more
 * partners than cap, a partner without account or with a weight that is not a finite
 * non-negative number: the reason). */
int ls_stage_unpack_pairset(const void *data, size_t len, struct ls_pairset *s, struct ls_coaction *partners, uint32_t cap,
                            struct ls_err *err);

#endif
