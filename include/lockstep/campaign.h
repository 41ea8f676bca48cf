/* campaign.h — a campaign event, the public output record (DESIGN.md §3), and its encodings:
 * JSON (file sink, Kafka with output_format=json) and protobuf lockstep.Campaign (Kafka default). */
#ifndef LOCKSTEP_CAMPAIGN_H
#define LOCKSTEP_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/graph.h"
#include "lockstep/json.h"
#include "lockstep/signal.h"

enum ls_campaign_state { LS_CAMPAIGN_OPEN, LS_CAMPAIGN_UPDATED, LS_CAMPAIGN_CLOSED };
const char *ls_campaign_state_name(enum ls_campaign_state s);

#define LS_CAMPAIGN_ID_MAX 24

#define LS_OP_MERGED_MAX 8 /* operations one operation takes in per clustering round (more wait a round) */

/* What a campaign event says of the operation it belongs to (README: operations). */
struct ls_operation_ref {
  char id[LS_CAMPAIGN_ID_MAX];
  bool active;                 /* it has an open campaign; else dormant (it may still be joined) */
  int64_t first_seen_ms, last_seen_ms;
  uint32_t campaigns;          /* campaigns it has held */
  uint32_t accounts;           /* distinct accounts over them */
  double score;                /* the highest score of its campaigns */
  uint32_t n_merged;           /* operations merged into it in the round of this event */
  char merged_from[LS_OP_MERGED_MAX][LS_CAMPAIGN_ID_MAX];
};

/* The parts of a campaign's score, each in [0, 1] (README: scoring). */
struct ls_score_parts {
  double size, synchrony, content, diversity, accounts;
};

struct ls_campaign_event {
  char id[LS_CAMPAIGN_ID_MAX];
  uint32_t version;
  enum ls_campaign_state state;
  int64_t first_seen_ms, last_seen_ms;
  int64_t as_of_ms; /* the stream's event time when the event was emitted */
  int64_t qualified_ms; /* when the campaign first had min_accounts accounts with strong edges */
  double score;
  const uint64_t *accounts;
  const char (*usernames)[LS_USERNAME_MAX]; /* parallel to accounts, "" when unknown; may be NULL */
  uint32_t n_accounts;
  uint64_t tweet_count;
  uint64_t signals[LS_SIG_COUNT]; /* coordinated actions per signal */
  uint64_t samples[LS_SAMPLES];
  uint32_t n_samples;
  const char *text; /* representative text */
  const char (*variants)[LS_TEXT_MAX + 1]; /* other texts of its accounts (may be NULL) */
  uint32_t n_variants;
  struct ls_score_parts parts;
  const struct ls_evidence *ev; /* strongest edges, per-minute activity */
  char merged_into[LS_CAMPAIGN_ID_MAX]; /* "" when none */
  char split_from[LS_CAMPAIGN_ID_MAX];
  struct ls_operation_ref operation; /* id "" when the campaign has none */
};

/* "active" or "dormant". */
const char *ls_operation_state_name(const struct ls_operation_ref *op);

void ls_campaign_to_json(const struct ls_campaign_event *e, struct ls_jw *w);
/* The event's `signals` object and `sample_tweet_ids` array alone (Redis keeps them as fields). */
void ls_campaign_signals_json(const struct ls_campaign_event *e, struct ls_jw *w);
void ls_campaign_samples_json(const struct ls_campaign_event *e, struct ls_jw *w);
/* Why it was flagged, bounded whatever its size (Redis `evidence` field, the dashboard): its
 * qualified_at, score_parts, mean_gap_s, strongest_edges, the usernames of their accounts,
 * activity, other_texts (of its accounts, besides the representative one), and merged_into /
 * split_from when set. */
void ls_campaign_evidence_json(const struct ls_campaign_event *e, struct ls_jw *w);

/* Packs e as protobuf into *buf (grown with realloc as needed); returns the length or 0. */
size_t ls_campaign_to_protobuf(const struct ls_campaign_event *e, uint8_t **buf, size_t *cap);

#endif
