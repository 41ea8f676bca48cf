/* decode.h — turns one input message (Kafka value or replay record) into validated tweets.
 * Formats: protobuf lockstep.Tweet, Twitter API v2 JSON (a tweet, {"data": tweet}, or a page
 * {"data": [tweets], "includes": {"users": [...]}}), and one QUT-toolkit CSV record.
 * The format is auto-detected per message. Each valid tweet goes to `emit`; each invalid one
 * to `reject` with a one-line reason (the caller dead-letters and counts it). The decoder owns
 * its scratch memory, sized at creation: decoding allocates nothing. */
#ifndef LOCKSTEP_DECODE_H
#define LOCKSTEP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/utf8.h"
#include "lockstep/tweet.h"

enum ls_format { LS_FMT_AUTO = 0, LS_FMT_PROTOBUF, LS_FMT_JSON, LS_FMT_CSV };

struct ls_decode_limits {
  size_t max_message_bytes; /* larger messages are rejected before parsing */
  size_t max_text_bytes;    /* tweet text longer than this is rejected */
  int64_t min_time_ms;      /* created_at before this is rejected (default: 2006-03-21) */
  int64_t max_future_ms;    /* created_at more than this past `now` is rejected */
  int64_t now_ms;           /* 0: the wall clock at decode time */
};
void ls_decode_limits_default(struct ls_decode_limits *l);

struct ls_decode_sink {
  /* A decoded, validated tweet (valid until emit returns). Non-zero return stops decoding. */
  int (*emit)(void *ud, const struct ls_tweet *t);
  /* A message or one tweet of it could not be used. */
  void (*reject)(void *ud, const char *reason);
  void *ud;
};

struct ls_decoder;
int ls_decoder_create(struct ls_decoder **out, const struct ls_decode_limits *limits,
                      struct ls_err *err);
void ls_decoder_destroy(struct ls_decoder *d);

/* Decodes one message. Returns the number of tweets emitted (>= 0); rejected parts are
 * reported through sink->reject. fmt may be LS_FMT_AUTO. */
int ls_decode(struct ls_decoder *d, enum ls_format fmt, const void *data, size_t len,
              const struct ls_decode_sink *sink);

/* Guess of a message's format from its first bytes. */
enum ls_format ls_format_sniff(const void *data, size_t len);
const char *ls_format_name(enum ls_format f);

/* Checks a tweet against the limits; LS_OK or LS_EINVAL with the reason. */
int ls_tweet_validate(const struct ls_tweet *t, const struct ls_decode_limits *l, struct ls_err *err);


#endif
