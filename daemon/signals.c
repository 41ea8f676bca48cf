/* signals.c — the ingest stage's actions of one tweet (see signals.h). */
#include "lockstep/signals.h"

#include <stdlib.h>
#include <string.h>

#include "lockstep/canon_url.h"
#include "lockstep/hash.h"
#include "lockstep/textnorm.h"

#define MIN_TWEET_TOKENS 5 /* co-tweet: DESIGN.md §1 */

struct ls_signals {
  const struct ls_config *cfg;
  struct ls_textcanon *textcanon;
  struct ls_urlcanon *urlcanon;
};

int ls_signals_create(struct ls_signals **out, const struct ls_config *cfg, struct ls_err *err) {
  struct ls_signals *sg = calloc(1, sizeof *sg);
  if (!sg) return ls_err_set(err, LS_ENOMEM, "signals: out of memory");
  sg->cfg = cfg;
  int rc = ls_textcanon_create(&sg->textcanon, (size_t)cfg->input.max_text_bytes, err);
  if (rc == LS_OK) rc = ls_urlcanon_create(&sg->urlcanon, cfg->link.drop_params, err);
  if (rc != LS_OK) {
    ls_signals_destroy(sg);
    return rc;
  }
  *out = sg;
  return LS_OK;
}

void ls_signals_destroy(struct ls_signals *sg) {
  if (!sg) return;
  ls_textcanon_destroy(sg->textcanon);
  ls_urlcanon_destroy(sg->urlcanon);
  free(sg);
}

size_t ls_signals_text(struct ls_signals *sg, const struct ls_tweet *t, char *norm, size_t cap, uint32_t *tokens) {
  *tokens = 0;
  norm[0] = '\0';
  return t->retweet_of ? 0 : ls_text_canon(sg->textcanon, t->text, t->text_len, norm, cap, tokens);
}

/* The ordered sequence of hashtags, each canonical as co-tweet texts are. */
static uint64_t hashtag_key(struct ls_signals *sg, const struct ls_tweet *t) {
  if (t->n_hashtags < 2) return 0;
  uint64_t h = 0;
  char folded[140];
  uint32_t tokens;
  for (unsigned i = 0; i < t->n_hashtags; i++) {
    size_t n = ls_text_canon(sg->textcanon, t->hashtags[i], strlen(t->hashtags[i]), folded, sizeof folded, &tokens);
    h = ls_hash_combine(h, ls_hash64(folded, n, 0));
  }
  return h;
}

/* Appends the action on object (0: none) when its signal is on. */
static uint32_t add(const struct ls_signals *sg, struct ls_action_rec *acts, uint32_t n, const struct ls_action_rec *proto, enum ls_signal sig,
                    uint64_t object) {
  if (!sg->cfg->signal[sig].enabled || object == 0) return n;
  acts[n] = *proto;
  acts[n].signal = sig;
  acts[n].key = ls_hash_combine((uint64_t)sig + 1, object);
  return n + 1;
}

uint32_t ls_signals_actions(struct ls_signals *sg, const struct ls_tweet *t, const char *norm, size_t norm_len, uint32_t tokens,
                            double activity, bool replayed, struct ls_action_rec *acts, struct ls_signals_out *out) {
  struct ls_action_rec proto = {.tweet = t->id, .account = t->author_id, .t_ms = t->created_at_ms, .activity = activity, .replayed = replayed};
  *out = (struct ls_signals_out){0};
  if (t->retweet_of) return add(sg, acts, 0, &proto, LS_SIG_RETWEET, t->retweet_of);
  uint32_t n = add(sg, acts, 0, &proto, LS_SIG_REPLY, t->reply_to);
  if (tokens >= MIN_TWEET_TOKENS) n = add(sg, acts, n, &proto, LS_SIG_TWEET, out->text_key = ls_hash64(norm, norm_len, 0x7e7));
  char url[LS_URL_MAX_BYTES + 1];
  for (unsigned i = 0; sg->cfg->signal[LS_SIG_LINK].enabled && i < t->n_urls; i++) {
    int len = ls_url_canon(sg->urlcanon, t->urls[i], url, sizeof url);
    if (len > 0) n = add(sg, acts, n, &proto, LS_SIG_LINK, ls_hash64(url, (size_t)len, 0x11));
    else out->links_rejected++;
  }
  return add(sg, acts, n, &proto, LS_SIG_HASHTAG, hashtag_key(sg, t));
}
