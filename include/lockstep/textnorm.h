/* textnorm.h — canonical text: when two texts are "the same" for co-tweet, and what the embedder
 * reads for co-similar-text (DESIGN.md §1, §7 "Canonical forms").
 *
 * ls_text_canon() maps a tweet's text to one canonical byte string, so that the disguises that
 * keep a copy looking identical to a reader while changing its bytes all land on the same key:
 *
 *   1. Unicode NFKC with case folding (utf8proc): fullwidth and mathematical letters become
 *      ASCII, "ß" becomes "ss", case disappears. Default-ignorable code points (zero-width space,
 *      ZWJ/ZWNJ, word joiner, BOM, soft hyphen, bidi controls, variation selectors), control
 *      characters and NUL bytes are removed (the text goes on after a NUL); every remaining
 *      format (Cf) character and combining mark (Mn, Me: lone accents, "zalgo" noise) that did
 *      not compose with its base letter is removed too. Invalid UTF-8 bytes are dropped.
 *   2. Confusables: every non-ASCII code point is replaced by its Unicode TR39 skeleton as ICU
 *      computes it (uspoof_getSkeleton, one code point at a time, cached per context), case
 *      folded and recomposed again, leftover combining marks removed. Cyrillic "а е о р с х" and
 *      Greek "ο α ρ" become the Latin letters they imitate, so "pаypаl" with Cyrillic а equals
 *      "paypal". ASCII is left as it is, so English stays readable for the embedder; look-alikes
 *      inside ASCII ("0"/"O", "rn"/"m", "l"/"1") are NOT folded. The price of the skeleton: a
 *      whole word in another script that happens to look Latin becomes that Latin word
 *      (Cyrillic "рор" == "pop"), and letters of other scripts become their skeleton's
 *      characters, which need not be of their own script (Cyrillic "п" -> Greek "π", "и" ->
 *      U+1D0E, "т" -> U+1D1B; "й" loses its breve and equals "и"; "ё" -> Latin "ë"). Texts that
 *      differ stay different except where they differ only by such look-alikes. Accented Latin
 *      letters keep their accents ("ü", "é" recompose). Letters TR39 does not list stay apart
 *      (small capitals: "ʀᴇᴀʟ" is not "real"). CJK is touched too ("一" -> katakana "ー").
 *   3. @mentions (an ASCII handle, with a trailing ':') and http:// / https:// links (up to the
 *      next white space) are removed, and so is a first word "RT" when another word follows
 *      ("RT @user: text" -> "text"; "RTX cards" and a lone "RT" stay).
 *   4. Punctuation and symbols (General_Category P* and S*, emoji included, private-use and
 *      unassigned code points too) separate words like a space, except a '#' that begins a word
 *      (hashtags survive for ls_text_drop_hashtags), a '_' between two word characters (handles
 *      and hashtags such as #stop_the_steal stay one word), and an apostrophe (U+0027, U+2019,
 *      U+02BC) between two word characters, which is removed ("don't" == "don’t" == "dont";
 *      between two that would then compose, such as Hangul jamo, it separates words).
 *      So "3.14" becomes "3 14".
 *   5. White space folded to single spaces, trimmed.
 *
 * The result is NUL-terminated UTF-8 without combining marks (Mn/Me). The function is linear in
 * its input, allocates nothing (ICU may, the first time a code point's skeleton is computed),
 * and is idempotent: canonicalising a canonical text gives it back.
 *
 * A context holds the ICU spoof checker, a code point buffer and the skeleton cache; it is not
 * thread-safe: one context per thread. */
#ifndef LOCKSTEP_TEXTNORM_H
#define LOCKSTEP_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_textcanon;

/* Default for ls_textcanon_create's max_bytes. */
#define LS_TEXTCANON_MAX_BYTES_DEFAULT 4096

/* Creates a canonicaliser. max_bytes sizes the code point buffer so that a text up to that many
 * bytes is normalised in one piece (0: LS_TEXTCANON_MAX_BYTES_DEFAULT; at least 1024 are used);
 * longer texts still work, normalised in pieces cut before white space where there is some
 * nearby. Opens ICU's spoof checker (uspoof_open). About 300 KiB, most of it the skeleton cache.
 * @returns LS_OK and *out; LS_ENOMEM when memory is short; LS_EUNAVAIL when ICU's spoof checker
 *          (its confusables data) cannot be opened; err says which. *out is NULL on error. */
int ls_textcanon_create(struct ls_textcanon **out, size_t max_bytes, struct ls_err *err);

/* Frees the canonicaliser and closes the spoof checker; NULL is accepted. */
void ls_textcanon_destroy(struct ls_textcanon *c);

/* Canonicalises n bytes of in (see the top of this header) into out: at most cap-1 bytes plus a
 * NUL (when cap > 0); a result that does not fit is cut at a code point boundary. tokens, when
 * not NULL, receives the number of space-separated words written.
 * @returns the length of out (0: nothing is left, e.g. a text of only invisible characters,
 *          mentions and links, or cap is 0). */
size_t ls_text_canon(struct ls_textcanon *c, const char *in, size_t n, char *out, size_t cap, uint32_t *tokens);

/* co-similar-text input: drops the #hashtag tokens of a canonical text in place (hashtags are
 * co-hashtag's evidence; texts that share only them are not similar prose). A lone '#' is a word.
 * s must hold n bytes plus room for the NUL written at s[result].
 * @returns the new length; the remaining token count in *tokens. */
size_t ls_text_drop_hashtags(char *s, size_t n, uint32_t *tokens);

#endif
