/* signals.h — the ingest stage's actions: a tweet's canonical text (textnorm.h) and the objects
 * it acts on, in signal order — a retweet only its retweeted tweet (it carries someone else's text,
 * links and hashtags); an original its reply target, its canonical text (co-tweet, at least
 * MIN_TWEET_TOKENS words), each canonical link (canon_url.h) and its hashtag sequence (two or
 * more). Each object key is qualified by its signal, so one text and one link never collide. */
#ifndef LOCKSTEP_SIGNALS_H
#define LOCKSTEP_SIGNALS_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/config.h"
#include "lockstep/err.h"
#include "lockstep/stage.h"
#include "lockstep/tweet.h"

#define LS_MAX_ACTIONS (3 + LS_MAX_URLS) /* actions of one tweet */

struct ls_signals;

/* cfg (which signals are on) belongs to the caller and must outlive the stage. @returns LS_OK,
 * LS_ENOMEM, or LS_EUNAVAIL when libcurl's or ICU's handles cannot be made (canon_url.h). */
int ls_signals_create(struct ls_signals **out, const struct ls_config *cfg, struct ls_err *err);
void ls_signals_destroy(struct ls_signals *sg);

/* A tweet's canonical text into norm (cap bytes, NUL-terminated) with its word count; a retweet
 * has none. @returns its length. */
size_t ls_signals_text(struct ls_signals *sg, const struct ls_tweet *t, char *norm, size_t cap, uint32_t *tokens);

/* What ls_signals_actions found besides the actions. */
struct ls_signals_out {
  uint64_t text_key;       /* the co-tweet key of the canonical text (0: none) */
  uint32_t links_rejected; /* URLs with no canonical key */
};

/* The actions of a tweet of canonical text norm (ls_signals_text) into acts (LS_MAX_ACTIONS), in
 * signal order; activity and replayed are copied into each. @returns how many. */
uint32_t ls_signals_actions(struct ls_signals *sg, const struct ls_tweet *t, const char *norm, size_t norm_len, uint32_t tokens,
                            double activity, bool replayed, struct ls_action_rec *acts, struct ls_signals_out *out);

#endif
