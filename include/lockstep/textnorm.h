/* textnorm.h — the normalisations that decide when two objects are "the same" for the exact
 * signals (DESIGN.md §1). Pure functions over caller buffers; no allocation. */
#ifndef LOCKSTEP_TEXTNORM_H
#define LOCKSTEP_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

/* co-tweet text: lower case (Unicode), @mentions, URLs and a leading "RT" removed, whitespace
 * folded to single spaces and trimmed. Writes at most cap-1 bytes plus NUL; returns the length
 * and the number of space-separated tokens in *tokens. */
size_t ls_text_normalize(const char *in, size_t n, char *out, size_t cap, uint32_t *tokens);

/* co-similar-text input: drops the #hashtag tokens of a normalised text in place (hashtags are
 * co-hashtag's evidence; texts that share only them are not similar prose). Returns the new
 * length and the remaining token count in *tokens. */
size_t ls_text_drop_hashtags(char *s, size_t n, uint32_t *tokens);

/* co-link URL: scheme and host lower case, default port removed, fragment and tracking
 * parameters (utm_*, fbclid, gclid, ...) removed, trailing slash folded. Returns the length, or 0
 * when the input is not an absolute http(s) URL or does not fit. */
size_t ls_url_normalize(const char *in, char *out, size_t cap);

#endif
