/* encode.c — tweet records → the input formats (protobuf, v2 JSON, QUT CSV). The inverse of the
 * decoders; lockstep-gen writes its streams with these, so every format is exercised end to end. */
#include "lockstep/encode.h"

#include <inttypes.h>
#include <string.h>

#include "tweet.pb-c.h"

size_t ls_encode_protobuf(const struct ls_tweet *t, uint8_t *buf, size_t cap) {
  Lockstep__Tweet m = LOCKSTEP__TWEET__INIT;
  Lockstep__Author a = LOCKSTEP__AUTHOR__INIT;
  m.id = t->id;
  m.author_id = t->author_id;
  m.created_at_ms = t->created_at_ms;
  m.text = (char *)(t->text ? t->text : "");
  m.lang = (char *)(t->lang ? t->lang : "");
  m.author_username = (char *)(t->username ? t->username : "");
  m.retweet_of = t->retweet_of;
  m.reply_to = t->reply_to;
  m.quote_of = t->quote_of;
  m.n_urls = t->n_urls;
  m.urls = (char **)t->urls;
  m.n_hashtags = t->n_hashtags;
  m.hashtags = (char **)t->hashtags;
  m.n_mentions = t->n_mentions;
  m.mentions = (uint64_t *)t->mentions;
  if (t->author.present) {
    a.created_at_ms = t->author.created_at_ms;
    a.followers = t->author.followers;
    a.following = t->author.following;
    a.statuses = t->author.statuses;
    a.verified = t->author.verified;
    a.default_profile_image = t->author.default_profile_image;
    m.author = &a;
  }
  size_t n = lockstep__tweet__get_packed_size(&m);
  if (n > cap) return 0;
  return lockstep__tweet__pack(&m, buf);
}

static void ref(struct ls_jw *w, const char *type, uint64_t id) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "type");
  ls_jw_str(w, type);
  ls_jw_key(w, "id");
  ls_jw_u64_str(w, id);
  ls_jw_obj_end(w);
}

static void entities(const struct ls_tweet *t, struct ls_jw *w) {
  ls_jw_key(w, "entities");
  ls_jw_obj_begin(w);
  ls_jw_key(w, "urls");
  ls_jw_arr_begin(w);
  for (unsigned i = 0; i < t->n_urls; i++) {
    ls_jw_obj_begin(w);
    ls_jw_key(w, "expanded_url");
    ls_jw_str(w, t->urls[i]);
    ls_jw_obj_end(w);
  }
  ls_jw_arr_end(w);
  ls_jw_key(w, "hashtags");
  ls_jw_arr_begin(w);
  for (unsigned i = 0; i < t->n_hashtags; i++) {
    ls_jw_obj_begin(w);
    ls_jw_key(w, "tag");
    ls_jw_str(w, t->hashtags[i]);
    ls_jw_obj_end(w);
  }
  ls_jw_arr_end(w);
  ls_jw_key(w, "mentions");
  ls_jw_arr_begin(w);
  for (unsigned i = 0; i < t->n_mentions; i++) {
    ls_jw_obj_begin(w);
    ls_jw_key(w, "id");
    ls_jw_u64_str(w, t->mentions[i]);
    ls_jw_obj_end(w);
  }
  ls_jw_arr_end(w);
  ls_jw_obj_end(w);
}

static void author(const struct ls_tweet *t, struct ls_jw *w) {
  ls_jw_key(w, "includes");
  ls_jw_obj_begin(w);
  ls_jw_key(w, "users");
  ls_jw_arr_begin(w);
  ls_jw_obj_begin(w);
  ls_jw_key(w, "id");
  ls_jw_u64_str(w, t->author_id);
  if (t->username) {
    ls_jw_key(w, "username");
    ls_jw_str(w, t->username);
  }
  if (t->author.present) {
    ls_jw_key(w, "created_at");
    ls_jw_time(w, t->author.created_at_ms);
    ls_jw_key(w, "verified");
    ls_jw_bool(w, t->author.verified);
    if (t->author.default_profile_image) { /* the API's tell: the default image's URL */
      ls_jw_key(w, "profile_image_url");
      ls_jw_str(w, "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png");
    }
    ls_jw_key(w, "public_metrics");
    ls_jw_obj_begin(w);
    ls_jw_key(w, "followers_count");
    ls_jw_u64(w, t->author.followers);
    ls_jw_key(w, "following_count");
    ls_jw_u64(w, t->author.following);
    ls_jw_key(w, "tweet_count");
    ls_jw_u64(w, t->author.statuses);
    ls_jw_obj_end(w);
  }
  ls_jw_obj_end(w);
  ls_jw_arr_end(w);
  ls_jw_obj_end(w);
}

void ls_encode_json(const struct ls_tweet *t, struct ls_jw *w) {
  ls_jw_obj_begin(w);
  ls_jw_key(w, "data");
  ls_jw_obj_begin(w);
  ls_jw_key(w, "id");
  ls_jw_u64_str(w, t->id);
  ls_jw_key(w, "author_id");
  ls_jw_u64_str(w, t->author_id);
  ls_jw_key(w, "created_at");
  ls_jw_time(w, t->created_at_ms);
  ls_jw_key(w, "text");
  ls_jw_strn(w, t->text ? t->text : "", t->text ? t->text_len : 0);
  if (t->lang) {
    ls_jw_key(w, "lang");
    ls_jw_str(w, t->lang);
  }
  if (t->retweet_of || t->reply_to || t->quote_of) {
    ls_jw_key(w, "referenced_tweets");
    ls_jw_arr_begin(w);
    if (t->retweet_of) ref(w, "retweeted", t->retweet_of);
    if (t->reply_to) ref(w, "replied_to", t->reply_to);
    if (t->quote_of) ref(w, "quoted", t->quote_of);
    ls_jw_arr_end(w);
  }
  entities(t, w);
  ls_jw_obj_end(w);
  author(t, w);
  ls_jw_obj_end(w);
}

void ls_encode_csv_header(FILE *f) { fputs("message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n", f); }

/* s inside a quoted field: quotes doubled. */
static void csv_chars(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') fputc('"', f);
    fputc(s[i], f);
  }
}

static void csv_quoted(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  csv_chars(f, s, n);
  fputc('"', f);
}

static void csv_id(FILE *f, uint64_t id) {
  if (id) fprintf(f, "%" PRIu64, id);
  fputc(',', f);
}

void ls_encode_csv(const struct ls_tweet *t, FILE *f) {
  csv_id(f, t->id);
  csv_id(f, t->author_id);
  csv_quoted(f, t->username ? t->username : "", t->username ? strlen(t->username) : 0);
  fputc(',', f);
  csv_id(f, t->retweet_of);
  csv_id(f, t->reply_to);
  csv_quoted(f, t->text ? t->text : "", t->text ? t->text_len : 0);
  fprintf(f, ",%" PRId64 ".%03d,\"", t->created_at_ms / 1000, (int)(t->created_at_ms % 1000));
  for (unsigned i = 0; i < t->n_urls; i++) {
    if (i) fputc(' ', f);
    csv_chars(f, t->urls[i], strlen(t->urls[i])); /* a '"' in a url too */
  }
  fputs("\"\n", f);
}

int ls_write_delimited(FILE *f, const uint8_t *buf, size_t len) {
  uint8_t v[10];
  int n = 0;
  size_t x = len;
  do {
    v[n++] = (uint8_t)((x & 0x7F) | (x > 0x7F ? 0x80 : 0));
    x >>= 7;
  } while (x);
  if (fwrite(v, 1, (size_t)n, f) != (size_t)n || fwrite(buf, 1, len, f) != len) return LS_EIO;
  return LS_OK;
}
