/* decode_protobuf.c — protobuf lockstep.Tweet → tweet record. protobuf-c unpacks into the
 * decoder's arena (no heap allocation); strings are referenced in place until the next message. */
#include "decoder_impl.h"
#include "tweet.pb-c.h"

int ls_decode_protobuf(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink) {
  ls_arena_reset(&d->msg);
  Lockstep__Tweet *m = lockstep__tweet__unpack(&d->pb_alloc, len, data);
  if (!m) {
    ls_decoder_reject(sink, "malformed protobuf lockstep.Tweet (%zu bytes)", len);
    return 0;
  }
  struct ls_tweet t = {0};
  t.id = m->id;
  t.author_id = m->author_id;
  t.created_at_ms = m->created_at_ms ? m->created_at_ms : ls_snowflake_time_ms(m->id);
  t.retweet_of = m->retweet_of;
  t.reply_to = m->reply_to;
  t.quote_of = m->quote_of;
  t.text = m->text;
  t.text_len = m->text ? (uint32_t)strlen(m->text) : 0;
  t.lang = m->lang;
  t.username = m->author_username;
  for (size_t i = 0; i < m->n_urls && t.n_urls < LS_MAX_URLS; i++) t.urls[t.n_urls++] = m->urls[i];
  for (size_t i = 0; i < m->n_hashtags && t.n_hashtags < LS_MAX_HASHTAGS; i++)
    t.hashtags[t.n_hashtags++] = m->hashtags[i];
  for (size_t i = 0; i < m->n_mentions && t.n_mentions < LS_MAX_MENTIONS; i++)
    t.mentions[t.n_mentions++] = m->mentions[i];
  if (m->author) {
    t.author = (struct ls_author){.created_at_ms = m->author->created_at_ms,
                                  .followers = m->author->followers,
                                  .following = m->author->following,
                                  .statuses = m->author->statuses,
                                  .verified = m->author->verified,
                                  .default_profile_image = m->author->default_profile_image,
                                  .present = true};
  }
  int rc = ls_decoder_deliver(d, &t, "", sink);
  return rc < 0 ? 0 : rc;
}
