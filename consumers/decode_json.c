/* decode_json.c — Twitter API v2 JSON → tweet records. Accepts a tweet object, {"data": tweet,
 * "includes": …} and a page {"data": [tweets], "includes": {"users": […]}} (twarc2's output).
 * Ids are decimal strings (numbers are accepted too). Author username and metadata come from
 * includes.users when present, sorted by id once per message so that each tweet of a page finds
 * its author by binary search. Every array is walked once: decoding is O(n log n) in the message
 * (a page of n tweets and users), never quadratic. Unknown fields are ignored, as the API adds
 * fields over time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder_impl.h"

struct user_ref {
  uint64_t id;
  int tok; /* the user object */
};

struct jctx {
  struct ls_decoder *d;
  const struct ls_json_doc *doc;
  struct user_ref *users; /* includes.users by id, then position */
  uint32_t n_users;
};

/* Decoded copy of a string token into the scratch arena, or NULL. Unescaping never makes a
 * string longer (\uXXXX is at most 3 bytes of UTF-8, a surrogate pair 4), so the raw length
 * plus a little slack is enough. */
static const char *jstr(struct jctx *c, int tok, uint32_t *len_out) {
  if (tok < 0 || c->doc->toks[tok].type != LS_JSON_STRING) return NULL;
  size_t cap = (size_t)c->doc->toks[tok].len + 8;
  char *buf = ls_arena_alloc(&c->d->scratch, cap);
  if (!buf) return NULL;
  int n = ls_json_string(c->doc, tok, buf, cap);
  if (n < 0) return NULL;
  if (len_out) *len_out = (uint32_t)n;
  return buf;
}

static uint64_t jid(struct jctx *c, int obj, const char *key) {
  uint64_t v = 0;
  ls_json_u64(c->doc, ls_json_get(c->doc, obj, key), &v);
  return v;
}

/* The array at path below tok, or -1 when it is absent or not an array. */
static int array_at(const struct ls_json_doc *doc, int tok, const char *path) {
  int a = ls_json_path(doc, tok, path);
  return a >= 0 && doc->toks[a].type == LS_JSON_ARRAY ? a : -1;
}

static void read_refs(struct jctx *c, int tw, struct ls_tweet *t) {
  int refs = array_at(c->doc, tw, "referenced_tweets");
  for (int r = ls_json_first(c->doc, refs); r >= 0; r = ls_json_next(c->doc, refs, r)) {
    int type = ls_json_get(c->doc, r, "type");
    uint64_t id = jid(c, r, "id");
    if (ls_json_streq(c->doc, type, "retweeted")) t->retweet_of = id;
    else if (ls_json_streq(c->doc, type, "replied_to")) t->reply_to = id;
    else if (ls_json_streq(c->doc, type, "quoted")) t->quote_of = id;
  }
}

static void read_entities(struct jctx *c, int tw, struct ls_tweet *t) {
  const struct ls_json_doc *doc = c->doc;
  int urls = array_at(doc, tw, "entities.urls");
  for (int u = ls_json_first(doc, urls); u >= 0 && t->n_urls < LS_MAX_URLS; u = ls_json_next(doc, urls, u)) {
    int s = ls_json_get(doc, u, "unwound_url");
    if (s < 0) s = ls_json_get(doc, u, "expanded_url");
    if (s < 0) s = ls_json_get(doc, u, "url");
    const char *url = jstr(c, s, NULL);
    if (url) t->urls[t->n_urls++] = url;
  }
  int tags = array_at(doc, tw, "entities.hashtags");
  for (int h = ls_json_first(doc, tags); h >= 0 && t->n_hashtags < LS_MAX_HASHTAGS; h = ls_json_next(doc, tags, h)) {
    const char *tag = jstr(c, ls_json_get(doc, h, "tag"), NULL);
    if (tag) t->hashtags[t->n_hashtags++] = tag;
  }
  int ments = array_at(doc, tw, "entities.mentions");
  for (int m = ls_json_first(doc, ments); m >= 0 && t->n_mentions < LS_MAX_MENTIONS; m = ls_json_next(doc, ments, m)) {
    uint64_t id = jid(c, m, "id");
    if (id) t->mentions[t->n_mentions++] = id;
  }
}

static int by_id_then_tok(const void *x, const void *y) {
  const struct user_ref *a = x, *b = y;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return (a->tok > b->tok) - (a->tok < b->tok);
}

/* Sorts includes.users by id into the message arena. Returns false (nothing indexed) when the
 * arena cannot hold them; users without an id are left out. */
static bool index_users(struct jctx *c, int users) {
  const struct ls_json_doc *doc = c->doc;
  if (users < 0) return true;
  c->users = ls_arena_alloc(&c->d->msg, (size_t)doc->toks[users].count * sizeof *c->users);
  if (!c->users) return false;
  for (int u = ls_json_first(doc, users); u >= 0; u = ls_json_next(doc, users, u)) {
    uint64_t id = jid(c, u, "id");
    if (id) c->users[c->n_users++] = (struct user_ref){id, u};
  }
  qsort(c->users, c->n_users, sizeof *c->users, by_id_then_tok);
  return true;
}

/* The first user object of includes.users with this id, or -1. */
static int find_user(const struct jctx *c, uint64_t id) {
  uint32_t lo = 0, hi = c->n_users;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->users[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->n_users && c->users[lo].id == id ? c->users[lo].tok : -1;
}

static void read_author(struct jctx *c, struct ls_tweet *t) {
  const struct ls_json_doc *doc = c->doc;
  int u = find_user(c, t->author_id);
  if (u < 0) return;
  t->username = jstr(c, ls_json_get(doc, u, "username"), NULL);
  const char *created = jstr(c, ls_json_get(doc, u, "created_at"), NULL);
  if (created) ls_parse_iso8601(created, &t->author.created_at_ms);
  int pm = ls_json_get(doc, u, "public_metrics");
  ls_json_u64(doc, ls_json_get(doc, pm, "followers_count"), &t->author.followers);
  ls_json_u64(doc, ls_json_get(doc, pm, "following_count"), &t->author.following);
  ls_json_u64(doc, ls_json_get(doc, pm, "tweet_count"), &t->author.statuses);
  ls_json_bool(doc, ls_json_get(doc, u, "verified"), &t->author.verified);
  const char *img = jstr(c, ls_json_get(doc, u, "profile_image_url"), NULL);
  t->author.default_profile_image = img && strstr(img, "default_profile") != NULL;
  t->author.present = true;
}

/* One tweet object; `where` prefixes reasons ("data[3]: "). */
static int decode_tweet(struct jctx *c, int tw, const char *where, const struct ls_decode_sink *sink) {
  const struct ls_json_doc *doc = c->doc;
  ls_arena_reset(&c->d->scratch);
  if (tw < 0 || doc->toks[tw].type != LS_JSON_OBJECT) {
    ls_decoder_reject(sink, "%snot a JSON object", where);
    return 0;
  }
  struct ls_tweet t = {0};
  t.id = jid(c, tw, "id");
  t.author_id = jid(c, tw, "author_id");
  const char *created = jstr(c, ls_json_get(doc, tw, "created_at"), NULL);
  if (created && !ls_parse_iso8601(created, &t.created_at_ms)) {
    ls_decoder_reject(sink, "%stweet %llu: created_at \"%.40s\" is not an ISO 8601 time", where,
                      (unsigned long long)t.id, created);
    return 0;
  }
  if (!created) t.created_at_ms = ls_snowflake_time_ms(t.id);
  t.text = jstr(c, ls_json_get(doc, tw, "text"), &t.text_len);
  t.lang = jstr(c, ls_json_get(doc, tw, "lang"), NULL);
  read_refs(c, tw, &t);
  read_entities(c, tw, &t);
  if (c->n_users) read_author(c, &t);
  if (!t.username) t.username = jstr(c, ls_json_get(doc, tw, "author_username"), NULL);
  int rc = ls_decoder_deliver(c->d, &t, where, sink);
  return rc;
}

int ls_decode_json(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink) {
  struct ls_json_doc doc = {.toks = d->toks, .cap = d->tok_cap};
  struct ls_err e;
  if (ls_json_parse(&doc, data, len, &e) != LS_OK) {
    ls_decoder_reject(sink, "%s", e.msg);
    return 0;
  }
  ls_arena_reset(&d->msg);
  struct jctx c = {.d = d, .doc = &doc};
  int users = array_at(&doc, 0, "includes.users");
  if (!index_users(&c, users)) {
    ls_decoder_reject(sink, "includes.users: %u users do not fit the decoder's scratch (input.max_message_bytes)",
                      doc.toks[users].count);
    return 0;
  }
  int data_tok = ls_json_get(&doc, 0, "data");
  if (data_tok < 0) {
    int rc = decode_tweet(&c, 0, "", sink);
    return rc < 0 ? 0 : rc;
  }
  if (doc.toks[data_tok].type == LS_JSON_OBJECT) {
    int rc = decode_tweet(&c, data_tok, "data: ", sink);
    return rc < 0 ? 0 : rc;
  }
  if (doc.toks[data_tok].type != LS_JSON_ARRAY) {
    ls_decoder_reject(sink, "\"data\" is neither a tweet object nor an array of tweets");
    return 0;
  }
  int emitted = 0;
  uint32_t i = 0;
  for (int tw = ls_json_first(&doc, data_tok); tw >= 0; tw = ls_json_next(&doc, data_tok, tw), i++) {
    char where[32];
    snprintf(where, sizeof where, "data[%u]: ", i);
    int rc = decode_tweet(&c, tw, where, sink);
    if (rc < 0) break;
    emitted += rc;
  }
  return emitted;
}
