/* stage_codec.h — the stage records (stage.h) in their wire form, proto/stage.proto's Action and
 * PairSet, on the topics between stages on different nodes ([pipeline] role). Unpacking checks
 * what a stage relies on, so a malformed record is refused with its reason (the consumer
 * dead-letters and counts it), and lays the record out in the caller's arena (a ring slot's). */
#ifndef LOCKSTEP_STAGE_CODEC_H
#define LOCKSTEP_STAGE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/arena.h"
#include "lockstep/err.h"
#include "lockstep/stage.h"
#include "lockstep/text_shards.h"

#define LS_STAGE_VERSION 1   /* an action's version field: a reader refuses any other */
#define LS_PAIRSET_VERSION 2 /* a pair set's (2: with revisions); likewise */

/* Kafka headers of the stage topics (stage_out.h): every record's and watermark's producer, and
 * a watermark's value (an empty message with this header is not a record). */
#define LS_STAGE_SOURCE_HEADER "lockstep-source"  /* 16 hex digits, random per process */
#define LS_STAGE_MARK_HEADER "lockstep-watermark" /* "<ms>": nothing earlier follows; or "idle" */

enum ls_stage_kind { LS_STAGE_ACTION = 1, LS_STAGE_PAIRSET };

/* One record off the wire: an action (set.act, no partners) or a pair set. */
struct ls_stage_rec {
  struct ls_pairset set;
  uint64_t text_key;       /* co-similar-text action: the co-tweet key of its text (0: none) */
  const float *vector;     /* co-similar-text action: dim unit floats; else NULL */
  uint16_t parts[LS_TEXT_SHARDS_SPILL_MAX]; /* co-similar-text action on sharded windows: every actions
                                               partition it was sent to, ascending (text_shards.h) */
  uint32_t n_parts;                         /* 0: not sharded (one window, partition 0) */
  const uint8_t *evidence; /* the acting tweet as a packed lockstep.Tweet (author, time, username,
                              text prefix, author metadata: the cluster stage's record of a
                              coordinated tweet), or NULL */
  uint32_t evidence_len;
};

/* A packed record: bytes in buf, grown as needed (free() it when done). */
struct ls_stage_buf {
  uint8_t *buf;
  size_t len, cap;
};

/* An action (r->set.act, r->text_key, r->vector of dim floats when not NULL, r->evidence), or a
 * pair set (r->set with its partners, r->evidence; no vector). @returns LS_OK or LS_ENOMEM. */
int ls_stage_pack(enum ls_stage_kind kind, const struct ls_stage_rec *r, uint32_t dim, struct ls_stage_buf *out, struct ls_err *err);

/* The record of kind in data into *r, its vector, partners and evidence copied into arena a.
 * want_dim: a co-similar-text action's vector size; max_partners: the most partners a pair set
 * may carry. @returns LS_OK, or LS_EINVAL with the reason: not a record of that kind, an unknown
 * version or signal, a key that does not fit its signal, no account or tweet, an activity that
 * is not a finite non-negative number, a vector of the wrong size or not finite, a pair set's
 * action with a vector, partners on an object of fewer than 2 accounts, more than max_partners,
 * a partner without account or with a weight that is not a finite non-negative number, shard
 * partitions on an exact action, more than LS_TEXT_SHARDS_SPILL_MAX of them, not ascending or
 * past LS_MAX_PARTITIONS, or a record larger than the arena. */
int ls_stage_unpack(enum ls_stage_kind kind, const void *data, size_t len, uint32_t want_dim, uint32_t max_partners, struct ls_arena *a,
                    struct ls_stage_rec *r, struct ls_err *err);

const char *ls_stage_kind_name(enum ls_stage_kind kind); /* "action", "pair set" */

#endif
