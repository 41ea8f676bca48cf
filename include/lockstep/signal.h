/* signal.h — the coordination signals (DESIGN.md §1), in the order of every per-signal array. */
#ifndef LOCKSTEP_SIGNAL_H
#define LOCKSTEP_SIGNAL_H

enum ls_signal { LS_SIG_RETWEET, LS_SIG_REPLY, LS_SIG_TWEET, LS_SIG_SIMILAR, LS_SIG_LINK, LS_SIG_HASHTAG, LS_SIG_COUNT };

/* "co-retweet", "co-reply", "co-tweet", "co-similar-text", "co-link", "co-hashtag". */
static inline const char *ls_signal_name(int s) {
  static const char *const names[LS_SIG_COUNT] = {"co-retweet", "co-reply", "co-tweet", "co-similar-text", "co-link", "co-hashtag"};
  return (unsigned)s < LS_SIG_COUNT ? names[s] : "?";
}

#endif
