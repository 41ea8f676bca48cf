/* tweet.c — copying tweet records between arenas, and snowflake time. */
#include "lockstep/tweet.h"

#include "lockstep/err.h"

static const char *copy_str(struct ls_arena *a, const char *s, int *failed) {
  if (!s) return NULL;
  char *d = ls_arena_strndup(a, s, strlen(s));
  if (!d) *failed = 1;
  return d;
}

int ls_tweet_copy(struct ls_tweet *dst, struct ls_arena *a, const struct ls_tweet *src) {
  int failed = 0;
  *dst = *src;
  if (src->text) {
    char *t = ls_arena_strndup(a, src->text, src->text_len);
    if (!t) return LS_ENOMEM;
    dst->text = t;
  }
  dst->lang = copy_str(a, src->lang, &failed);
  dst->username = copy_str(a, src->username, &failed);
  for (unsigned i = 0; i < src->n_urls; i++) dst->urls[i] = copy_str(a, src->urls[i], &failed);
  for (unsigned i = 0; i < src->n_hashtags; i++)
    dst->hashtags[i] = copy_str(a, src->hashtags[i], &failed);
  return failed ? LS_ENOMEM : LS_OK;
}

int64_t ls_snowflake_time_ms(uint64_t id) {
  if (id < (1ULL << 32)) return 0; /* pre-snowflake ids (before Nov 2010) */
  return (int64_t)(id >> 22) + LS_SNOWFLAKE_EPOCH_MS;
}
