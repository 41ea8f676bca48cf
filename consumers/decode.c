/* decode.c — decoder life cycle, format detection, validation and UTF-8 checking.
 * The per-format parsers live in decode_protobuf.c, decode_json.c and decode_csv.c; all of them
 * hand their tweets to ls_decoder_deliver(), so every format is validated the same way. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decoder_impl.h"

#define TWITTER_LAUNCH_MS 1142899200000LL /* 2006-03-21 */

void ls_decode_limits_default(struct ls_decode_limits *l) {
  l->max_message_bytes = 1u << 20;
  l->max_text_bytes = 4096;
  l->min_time_ms = TWITTER_LAUNCH_MS;
  l->max_future_ms = 24LL * 3600 * 1000;
  l->now_ms = 0;
}

static void *pb_alloc(void *ud, size_t size) { return ls_arena_alloc((struct ls_arena *)ud, size); }
static void pb_free(void *ud, void *p) { (void)ud; (void)p; }

int ls_decoder_create(struct ls_decoder **out, const struct ls_decode_limits *limits, struct ls_err *err) {
  struct ls_decoder *d = calloc(1, sizeof *d);
  if (!d) return ls_err_set(err, LS_ENOMEM, "decoder: out of memory");
  d->limits = *limits;
  /* A JSON value needs at least 2 bytes per token; scratch holds one tweet's strings. */
  d->tok_cap = (uint32_t)(limits->max_message_bytes / 2 + 16);
  size_t tok_bytes = (size_t)d->tok_cap * sizeof(struct ls_json_tok);
  size_t scratch = limits->max_message_bytes + 65536;
  size_t msg = 2 * limits->max_message_bytes + 65536;
  d->mem = malloc(tok_bytes + scratch + msg);
  if (!d->mem) {
    free(d);
    return ls_err_set(err, LS_ENOMEM, "decoder: cannot allocate %zu bytes of scratch", tok_bytes + scratch + msg);
  }
  d->toks = (struct ls_json_tok *)d->mem;
  ls_arena_init(&d->scratch, d->mem + tok_bytes, scratch);
  ls_arena_init(&d->msg, d->mem + tok_bytes + scratch, msg);
  d->pb_alloc = (ProtobufCAllocator){.alloc = pb_alloc, .free = pb_free, .allocator_data = &d->msg};
  *out = d;
  return LS_OK;
}

void ls_decoder_destroy(struct ls_decoder *d) {
  if (!d) return;
  free(d->mem);
  free(d);
}

enum ls_format ls_format_sniff(const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') continue;
    return (p[i] == '{' || p[i] == '[') ? LS_FMT_JSON : LS_FMT_PROTOBUF;
  }
  return LS_FMT_PROTOBUF;
}

const char *ls_format_name(enum ls_format f) {
  switch (f) {
    case LS_FMT_PROTOBUF: return "protobuf";
    case LS_FMT_JSON: return "json";
    case LS_FMT_CSV: return "csv";
    default: return "auto";
  }
}

void ls_decoder_reject(const struct ls_decode_sink *sink, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* Reasons quote input (an id, a time cut at 40 bytes) and go into JSON dead letters: each byte
   * that starts no valid UTF-8 sequence becomes '?' (fuzz_replay). */
  for (size_t i = 0, n = strlen(msg); (i += ls_utf8_error_at(msg + i, n - i)) < n; i++) msg[i] = '?';
  sink->reject(sink->ud, msg);
}

int ls_decode(struct ls_decoder *d, enum ls_format fmt, const void *data, size_t len,
              const struct ls_decode_sink *sink) {
  if (len == 0) {
    ls_decoder_reject(sink, "empty message");
    return 0;
  }
  if (len > d->limits.max_message_bytes) {
    ls_decoder_reject(sink, "message is %zu bytes, over input.max_message_bytes=%zu", len,
                      d->limits.max_message_bytes);
    return 0;
  }
  if (fmt == LS_FMT_AUTO) fmt = ls_format_sniff(data, len);
  switch (fmt) {
    case LS_FMT_JSON: return ls_decode_json(d, data, len, sink);
    case LS_FMT_CSV: return ls_decode_csv(d, data, len, sink);
    default: return ls_decode_protobuf(d, data, len, sink);
  }
}

int ls_decoder_deliver(struct ls_decoder *d, const struct ls_tweet *t, const char *where,
                       const struct ls_decode_sink *sink) {
  struct ls_err e;
  if (ls_tweet_validate(t, &d->limits, &e) != LS_OK) {
    ls_decoder_reject(sink, "%s%s", where, e.msg);
    return 0;
  }
  return sink->emit(sink->ud, t) ? -1 : 1;
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static int check_string(const char *what, const char *s, struct ls_err *err) {
  if (s && !ls_utf8_valid(s, strlen(s))) return ls_err_set(err, LS_EINVAL, "%s is not valid UTF-8", what);
  return LS_OK;
}

int ls_tweet_validate(const struct ls_tweet *t, const struct ls_decode_limits *l, struct ls_err *err) {
  if (t->id == 0) return ls_err_set(err, LS_EINVAL, "missing tweet id");
  if (t->author_id == 0) return ls_err_set(err, LS_EINVAL, "tweet %llu: missing author id", (unsigned long long)t->id);
  char when[40];
  ls_iso8601(t->created_at_ms, when, sizeof when);
  if (t->created_at_ms == 0)
    return ls_err_set(err, LS_EINVAL, "tweet %llu: missing created_at", (unsigned long long)t->id);
  if (t->created_at_ms < l->min_time_ms)
    return ls_err_set(err, LS_EINVAL, "tweet %llu: created_at %s is too far in the past", (unsigned long long)t->id, when);
  int64_t now = l->now_ms ? l->now_ms : wall_ms();
  if (t->created_at_ms > now + l->max_future_ms)
    return ls_err_set(err, LS_EINVAL, "tweet %llu: created_at %s is in the future", (unsigned long long)t->id, when);
  if (!t->text || (t->text_len == 0 && !t->retweet_of))
    return ls_err_set(err, LS_EINVAL, "tweet %llu: empty text", (unsigned long long)t->id);
  if (t->text_len > l->max_text_bytes)
    return ls_err_set(err, LS_EINVAL, "tweet %llu: text is %u bytes, over input.max_text_bytes=%zu",
                      (unsigned long long)t->id, t->text_len, l->max_text_bytes);
  size_t bad = ls_utf8_error_at(t->text, t->text_len);
  if (bad != t->text_len)
    return ls_err_set(err, LS_EINVAL, "tweet %llu: text is not valid UTF-8 at byte %zu", (unsigned long long)t->id, bad);
  int rc = check_string("username", t->username, err);
  if (rc == LS_OK) rc = check_string("lang", t->lang, err);
  for (unsigned i = 0; rc == LS_OK && i < t->n_urls; i++) rc = check_string("url", t->urls[i], err);
  for (unsigned i = 0; rc == LS_OK && i < t->n_hashtags; i++) rc = check_string("hashtag", t->hashtags[i], err);
  return rc;
}
