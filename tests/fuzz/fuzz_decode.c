/* fuzz_decode.c — libFuzzer target for the tweet decoders (decode.h): each input is decoded as
 * protobuf, as JSON and as one CSV record. Checks, besides no crash and no sanitizer report:
 *   - ls_decode returns the number of tweets emitted; a protobuf or CSV message gives exactly
 *     one tweet or one rejection (nothing is dropped without a count); every rejection has a
 *     reason, valid UTF-8 (reasons go into JSON dead letters);
 *   - every emitted tweet passes ls_tweet_validate again and has its lists within bounds;
 *   - round trips: an emitted tweet written by the encoders (encode.h) as protobuf, as v2 JSON
 *     and (text without NUL) as CSV decodes to one tweet with the same ids, time and text (and,
 *     protobuf and JSON, the same urls, hashtags and username). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/decode.h"
#include "lockstep/encode.h"

#include "fuzz_check.h"

#define NOW 1709294400000LL /* 2024-03-01T12:00:00Z: a fixed clock, so every run decides alike */

static struct ls_decoder *dec, *back; /* back decodes the round trips: dec's tweet stays valid */
static struct ls_decode_limits lim;

struct count {
  int emitted, rejected;
};

struct trip {
  const struct ls_tweet *orig;
  enum ls_format fmt;
  int got;
};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  ls_decode_limits_default(&lim);
  lim.now_ms = NOW;
  struct ls_err err;
  if (ls_decoder_create(&dec, &lim, &err) != LS_OK || ls_decoder_create(&back, &lim, &err) != LS_OK) {
    fprintf(stderr, "fuzz_decode: %s\n", err.msg);
    exit(1);
  }
  return 0;
}

static bool str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static int trip_emit(void *ud, const struct ls_tweet *t) {
  struct trip *r = ud;
  const struct ls_tweet *o = r->orig;
  const char *f = ls_format_name(r->fmt);
  r->got++;
  CHECK(t->id == o->id && t->author_id == o->author_id && t->retweet_of == o->retweet_of && t->reply_to == o->reply_to,
        "%s round trip: ids differ", f);
  CHECK(t->created_at_ms == o->created_at_ms, "%s round trip: created_at %lld != %lld", f, (long long)t->created_at_ms,
        (long long)o->created_at_ms);
  CHECK(t->text_len == o->text_len && !memcmp(t->text, o->text, o->text_len), "%s round trip: text differs", f);
  if (r->fmt == LS_FMT_CSV) return 0; /* CSV reads hashtags from the text and has no quote_of */
  CHECK(t->quote_of == o->quote_of, "%s round trip: quote_of differs", f);
  CHECK(str_eq(t->username, o->username) || (!o->username && t->username && !*t->username) ||
            (!t->username && o->username && !*o->username),
        "%s round trip: username differs", f);
  CHECK(t->n_urls == o->n_urls && t->n_hashtags == o->n_hashtags, "%s round trip: lists differ", f);
  for (unsigned i = 0; i < t->n_urls; i++) CHECK(str_eq(t->urls[i], o->urls[i]), "%s round trip: url %u", f, i);
  for (unsigned i = 0; i < t->n_hashtags; i++)
    CHECK(str_eq(t->hashtags[i], o->hashtags[i]), "%s round trip: tag %u", f, i);
  return 0;
}

static void trip_reject(void *ud, const char *reason) {
  struct trip *r = ud;
  CHECK(0, "%s round trip of a valid tweet rejected: %s", ls_format_name(r->fmt), reason);
}

static void round_trip(const struct ls_tweet *t, enum ls_format fmt, const void *msg, size_t len) {
  struct trip r = {t, fmt, 0};
  struct ls_decode_sink sink = {trip_emit, trip_reject, &r};
  int n = ls_decode(back, fmt, msg, len, &sink);
  CHECK(n == 1 && r.got == 1, "%s round trip: %d tweets", ls_format_name(fmt), r.got);
}

static void round_trips(const struct ls_tweet *t) {
  struct ls_jw w;
  ls_jw_init(&w);
  ls_encode_json(t, &w);
  CHECK(!w.oom, "JSON writer out of memory");
  if (w.len <= lim.max_message_bytes) round_trip(t, LS_FMT_JSON, w.buf, w.len);
  ls_jw_free(&w);
  if (memchr(t->text, '\0', t->text_len)) return; /* JSON's "\u0000": protobuf-c and CSV strings end there */
  static uint8_t pb[1 << 16];
  size_t n = ls_encode_protobuf(t, pb, sizeof pb);
  if (n) round_trip(t, LS_FMT_PROTOBUF, pb, n);
  for (unsigned i = 0; i < t->n_urls; i++)
    if (strchr(t->urls[i], ' ')) return; /* CSV separates urls by spaces */
  char *csv = NULL;
  size_t cl = 0;
  FILE *f = open_memstream(&csv, &cl);
  ls_encode_csv(t, f);
  fclose(f);
  if (cl > 0 && cl - 1 <= lim.max_message_bytes) round_trip(t, LS_FMT_CSV, csv, cl - 1); /* without its newline */
  free(csv);
}

static int on_emit(void *ud, const struct ls_tweet *t) {
  ((struct count *)ud)->emitted++;
  struct ls_err e;
  CHECK(ls_tweet_validate(t, &lim, &e) == LS_OK, "emitted an invalid tweet: %s", e.msg);
  CHECK(t->n_urls <= LS_MAX_URLS && t->n_hashtags <= LS_MAX_HASHTAGS && t->n_mentions <= LS_MAX_MENTIONS, "lists");
  for (unsigned i = 0; i < t->n_urls; i++) CHECK(t->urls[i], "url %u is NULL", i);
  for (unsigned i = 0; i < t->n_hashtags; i++) CHECK(t->hashtags[i], "hashtag %u is NULL", i);
  round_trips(t);
  return 0;
}

static void on_reject(void *ud, const char *reason) {
  ((struct count *)ud)->rejected++;
  CHECK(reason && *reason, "a rejection without a reason");
  CHECK(ls_utf8_valid(reason, strlen(reason)), "a reason that is not UTF-8: %s", reason);
}

static void decode_as(enum ls_format fmt, const uint8_t *data, size_t size) {
  struct count c = {0, 0};
  struct ls_decode_sink sink = {on_emit, on_reject, &c};
  int n = ls_decode(dec, fmt, data, size, &sink);
  CHECK(n == c.emitted, "%s: returned %d, emitted %d", ls_format_name(fmt), n, c.emitted);
  if (fmt != LS_FMT_JSON)
    CHECK(c.emitted + c.rejected == 1, "%s: %d emitted, %d rejected", ls_format_name(fmt), c.emitted, c.rejected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  decode_as(LS_FMT_PROTOBUF, data, size);
  decode_as(LS_FMT_JSON, data, size);
  decode_as(LS_FMT_CSV, data, size);
  return 0;
}
