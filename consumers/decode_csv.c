/* decode_csv.c — one record of the QUT coordination-network-toolkit CSV → tweet record.
 * Columns: message_id,user_id,username,repost_id,reply_id,message,timestamp,urls
 * (RFC 4180 quoting; timestamp as Unix seconds, fractional allowed, or ISO 8601; urls separated
 * by spaces; hashtags are read from the message text). Record framing (quoted newlines) is done by
 * the replay reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decoder_impl.h"

#define CSV_FIELDS 8
enum { F_ID, F_USER, F_NAME, F_REPOST, F_REPLY, F_MSG, F_TIME, F_URLS };
static const char *const FIELD_NAMES[CSV_FIELDS] = {"message_id", "user_id", "username", "repost_id",
                                                    "reply_id", "message", "timestamp", "urls"};

/* Splits one record into unquoted, NUL-terminated fields, copied one after the other into a
 * single arena block (unquoting never grows a field, so len + one NUL per field is enough). */
static int split_fields(struct ls_arena *a, const char *s, size_t len, char **f, int *nf) {
  size_t i = 0;
  char *out = ls_arena_alloc(a, len + CSV_FIELDS + 2);
  if (!out) return -1;
  *nf = 0;
  while (*nf < CSV_FIELDS + 1) {
    size_t o = 0;
    if (i < len && s[i] == '"') {
      for (i++;; i++) {
        if (i >= len) return -2; /* unterminated quote */
        if (s[i] == '"') {
          if (i + 1 < len && s[i + 1] == '"') { out[o++] = '"'; i++; continue; }
          i++;
          break;
        }
        out[o++] = s[i];
      }
      if (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') return -3;
    } else {
      while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') out[o++] = s[i++];
    }
    out[o] = '\0';
    f[(*nf)++] = out;
    out += o + 1;
    if (i >= len || s[i] != ',') break;
    i++;
  }
  return 0;
}

static bool parse_id(const char *s, uint64_t *v) {
  if (!*s) { *v = 0; return true; }
  if (*s < '0' || *s > '9') return false;
  char *end;
  errno = 0;
  *v = strtoull(s, &end, 10);
  return !errno && !*end;
}

/* |seconds| below this have milliseconds that int64_t holds (2^63 ms is 9.22e15 s). */
#define MAX_UNIX_SECS 9.2e15

/* 0 and *ms; -1: neither Unix seconds nor ISO 8601; -2: seconds out of range (NaN, inf, 1e17),
 * which no int64_t holds in milliseconds (the conversion would be undefined). */
static int parse_time(const char *s, int64_t *ms) {
  if (ls_parse_iso8601(s, ms)) return 0;
  char *end;
  double secs = strtod(s, &end);
  if (end == s || *end) return -1;
  if (!(secs > -MAX_UNIX_SECS && secs < MAX_UNIX_SECS)) return -2;
  *ms = (int64_t)(secs * 1000.0 + (secs >= 0 ? 0.5 : -0.5));
  return 0;
}

static bool hashtag_byte(unsigned char c) { return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* The QUT format has no hashtag column: hashtags are read from the text, as Twitter does
 * (#word after a non-word character; at least one letter or digit). */
static void extract_hashtags(struct ls_arena *a, struct ls_tweet *t) {
  const unsigned char *s = (const unsigned char *)t->text;
  for (uint32_t i = 0; i < t->text_len && t->n_hashtags < LS_MAX_HASHTAGS; i++) {
    if (s[i] != '#' || (i > 0 && hashtag_byte(s[i - 1]))) continue;
    uint32_t j = i + 1;
    while (j < t->text_len && hashtag_byte(s[j])) j++;
    if (j == i + 1) continue;
    const char *tag = ls_arena_strndup(a, t->text + i + 1, j - i - 1);
    if (tag) t->hashtags[t->n_hashtags++] = tag;
    i = j - 1;
  }
}

static void split_urls(char *s, struct ls_tweet *t) {
  char *save = NULL;
  for (char *u = strtok_r(s, " ", &save); u && t->n_urls < LS_MAX_URLS; u = strtok_r(NULL, " ", &save))
    t->urls[t->n_urls++] = u;
}

int ls_decode_csv(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink) {
  ls_arena_reset(&d->scratch);
  char *f[CSV_FIELDS + 1];
  int nf = 0;
  int rc = split_fields(&d->scratch, data, len, f, &nf);
  if (rc == -2 || rc == -3) {
    ls_decoder_reject(sink, "CSV: %s", rc == -2 ? "unterminated quoted field" : "text after a closing quote");
    return 0;
  }
  if (rc < 0 || nf != CSV_FIELDS) {
    ls_decoder_reject(sink, "CSV: expected %d columns (message_id,...,urls), found %d", CSV_FIELDS, nf);
    return 0;
  }
  struct ls_tweet t = {0};
  uint64_t *ids[] = {&t.id, &t.author_id, &t.retweet_of, &t.reply_to};
  int cols[] = {F_ID, F_USER, F_REPOST, F_REPLY};
  for (int k = 0; k < 4; k++) {
    if (!parse_id(f[cols[k]], ids[k])) {
      ls_decoder_reject(sink, "CSV: %s \"%.40s\" is not a decimal id", FIELD_NAMES[cols[k]], f[cols[k]]);
      return 0;
    }
  }
  rc = parse_time(f[F_TIME], &t.created_at_ms);
  if (rc < 0) {
    ls_decoder_reject(sink, "CSV: timestamp \"%.40s\" is %s", f[F_TIME],
                      rc == -1 ? "neither Unix seconds nor ISO 8601" : "out of range");
    return 0;
  }
  t.username = f[F_NAME][0] ? f[F_NAME] : NULL;
  t.text = f[F_MSG];
  t.text_len = (uint32_t)strlen(f[F_MSG]);
  split_urls(f[F_URLS], &t);
  extract_hashtags(&d->scratch, &t);
  rc = ls_decoder_deliver(d, &t, "CSV: ", sink);
  return rc < 0 ? 0 : rc;
}
