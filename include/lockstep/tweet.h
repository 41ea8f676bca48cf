/* tweet.h — the in-memory tweet record that decoders produce and the pipeline consumes.
 * Strings point into an arena owned by whoever holds the record (a ring slot, a decoder's
 * scratch); lists are bounded, and what does not fit is dropped and flagged. */
#ifndef LOCKSTEP_TWEET_H
#define LOCKSTEP_TWEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/arena.h"

#define LS_MAX_URLS 8
#define LS_MAX_HASHTAGS 16
#define LS_MAX_MENTIONS 16

/* Twitter snowflake ids hold their creation time: (id >> 22) + epoch. */
#define LS_SNOWFLAKE_EPOCH_MS 1288834974657LL

struct ls_author {
  int64_t created_at_ms;
  uint64_t followers, following, statuses;
  bool verified, default_profile_image, present;
};

struct ls_tweet {
  uint64_t id;
  uint64_t author_id;
  int64_t created_at_ms; /* event time */
  uint64_t retweet_of, reply_to, quote_of;
  const char *text;
  uint32_t text_len;
  const char *lang;
  const char *username;
  uint8_t n_urls, n_hashtags, n_mentions;
  const char *urls[LS_MAX_URLS];
  const char *hashtags[LS_MAX_HASHTAGS];
  uint64_t mentions[LS_MAX_MENTIONS];
  struct ls_author author;
  /* where it came from: consumer index (-1 for replay), partition and offset */
  int32_t source;
  int32_t partition;
  int64_t offset;
  int64_t behind;     /* once it is handled, every offset below offset + 1 - behind has been handed on
                         (> 0: a lower one still waits in the consumer's event-time merge; 0: in order) */
  int64_t arrived_ms; /* monotonic ms when it entered its ring (end-to-end latency), 0: unknown */
};

/* A record with id 0 carries only a source position (a message that yielded no tweet):
 * the pipeline acknowledges it in order and does nothing else with it. */

/* Copies src into dst with every string copied into arena a. LS_OK or LS_ENOMEM. */
int ls_tweet_copy(struct ls_tweet *dst, struct ls_arena *a, const struct ls_tweet *src);

/* Creation time in ms encoded in a snowflake id, or 0 when id is not a snowflake. */
int64_t ls_snowflake_time_ms(uint64_t id);

#endif
