/* decode_json.c — Twitter API v2 JSON → tweet records. Accepts a tweet object, {"data": tweet,
 * "includes": …} and a page {"data": [tweets], "includes": {"users": […]}} (twarc2's output).
 * Ids are decimal strings (numbers are accepted too). Author username and metadata come from
 * includes.users when present. Unknown fields are ignored, as the API adds fields over time. */
#include <stdio.h>
#include <string.h>

#include "decoder_impl.h"

struct jctx {
  struct ls_decoder *d;
  const struct ls_json_doc *doc;
  int users; /* includes.users array or -1 */
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

static void read_refs(struct jctx *c, int tw, struct ls_tweet *t) {
  int refs = ls_json_get(c->doc, tw, "referenced_tweets");
  if (refs < 0 || c->doc->toks[refs].type != LS_JSON_ARRAY) return;
  for (uint32_t i = 0; i < c->doc->toks[refs].count; i++) {
    int r = ls_json_index(c->doc, refs, i);
    int type = ls_json_get(c->doc, r, "type");
    uint64_t id = jid(c, r, "id");
    if (ls_json_streq(c->doc, type, "retweeted")) t->retweet_of = id;
    else if (ls_json_streq(c->doc, type, "replied_to")) t->reply_to = id;
    else if (ls_json_streq(c->doc, type, "quoted")) t->quote_of = id;
  }
}

static void read_entities(struct jctx *c, int tw, struct ls_tweet *t) {
  const struct ls_json_doc *doc = c->doc;
  int urls = ls_json_path(doc, tw, "entities.urls");
  for (int i = 0, u; (u = ls_json_index(doc, urls, (uint32_t)i)) >= 0 && t->n_urls < LS_MAX_URLS; i++) {
    int s = ls_json_get(doc, u, "unwound_url");
    if (s < 0) s = ls_json_get(doc, u, "expanded_url");
    if (s < 0) s = ls_json_get(doc, u, "url");
    const char *url = jstr(c, s, NULL);
    if (url) t->urls[t->n_urls++] = url;
  }
  int tags = ls_json_path(doc, tw, "entities.hashtags");
  for (int i = 0, h; (h = ls_json_index(doc, tags, (uint32_t)i)) >= 0 && t->n_hashtags < LS_MAX_HASHTAGS; i++) {
    const char *tag = jstr(c, ls_json_get(doc, h, "tag"), NULL);
    if (tag) t->hashtags[t->n_hashtags++] = tag;
  }
  int ments = ls_json_path(doc, tw, "entities.mentions");
  for (int i = 0, m; (m = ls_json_index(doc, ments, (uint32_t)i)) >= 0 && t->n_mentions < LS_MAX_MENTIONS; i++) {
    uint64_t id = jid(c, m, "id");
    if (id) t->mentions[t->n_mentions++] = id;
  }
}

static void read_author(struct jctx *c, struct ls_tweet *t) {
  const struct ls_json_doc *doc = c->doc;
  for (int i = 0, u; (u = ls_json_index(doc, c->users, (uint32_t)i)) >= 0; i++) {
    if (jid(c, u, "id") != t->author_id) continue;
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
    return;
  }
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
  if (c->users >= 0) read_author(c, &t);
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
  struct jctx c = {.d = d, .doc = &doc, .users = ls_json_path(&doc, 0, "includes.users")};
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
  uint32_t tok = (uint32_t)data_tok + 1;
  for (uint32_t i = 0; i < doc.toks[data_tok].count; i++, tok = doc.toks[tok].next) {
    char where[32];
    snprintf(where, sizeof where, "data[%u]: ", i);
    int rc = decode_tweet(&c, (int)tok, where, sink);
    if (rc < 0) break;
    emitted += rc;
  }
  return emitted;
}
