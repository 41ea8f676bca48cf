/* fuzz_textnorm.c — libFuzzer target for the text canonicaliser (textnorm.h) on arbitrary bytes:
 * invalid UTF-8, NULs, lone marks, invisible-only and long texts. Checks, besides no crash and no
 * sanitizer report (the buffers are exactly cap bytes, so ASan sees any write past them):
 *   - the result is NUL-terminated at its returned length, shorter than cap; cap 0 writes nothing;
 *   - it is valid UTF-8 without controls, combining marks (Mn/Me), or leading, trailing or
 *     double spaces, and *tokens counts its space-separated words;
 *   - a smaller cap gives a prefix of the full result, cut at a code point;
 *   - idempotence: canonicalising the result gives it back (the same tokens too);
 *   - pieces: a context with 1 KiB pieces gives the same result as one with 64 KiB pieces when
 *     no run of the input between ASCII white space reaches 64 bytes (textnorm.c cuts pieces only
 *     before white space then);
 *   - ls_text_drop_hashtags: shorter or equal, no "#word" left, tokens counted, idempotent.
 * Linear time: run with -timeout (make fuzz does). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lockstep/textnorm.h"
#include "lockstep/utf8.h"

#include "fuzz_check.h"

#define EXPAND 24 /* output bytes per input byte that cap allows: NFKC and skeletons expand */

static struct ls_textcanon *big, *small;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  struct ls_err err;
  if (ls_textcanon_create(&big, 65536, &err) != LS_OK || ls_textcanon_create(&small, 1024, &err) != LS_OK) {
    fprintf(stderr, "fuzz_textnorm: %s\n", err.msg);
    exit(1);
  }
  return 0;
}

/* The documented shape of a canonical text of len bytes with tok words. */
static void check_shape(const char *s, size_t len, uint32_t tok) {
  CHECK(strlen(s) == len, "NUL at %zu, length %zu", strlen(s), len);
  CHECK(ls_utf8_valid(s, len), "invalid UTF-8 at byte %zu", ls_utf8_error_at(s, len));
  CHECK(len == 0 || (s[0] != ' ' && s[len - 1] != ' '), "leading or trailing space");
  uint32_t words = len > 0;
  for (size_t i = 0; i < len;) {
    utf8proc_int32_t u;
    utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &u);
    CHECK(l > 0, "undecodable at %zu", i);
    utf8proc_category_t k = utf8proc_category(u);
    CHECK(k != UTF8PROC_CATEGORY_MN && k != UTF8PROC_CATEGORY_ME && k != UTF8PROC_CATEGORY_CC,
          "U+%04X (category %d) at byte %zu", (unsigned)u, (int)k, i);
    if (u == ' ') {
      CHECK(s[i + 1] != ' ', "double space at %zu", i);
      words++;
    }
    i += (size_t)l;
  }
  CHECK(words == tok, "%u words, tokens says %u", words, tok);
}

/* Canonicalises into a buffer of exactly cap bytes; returns it (free it) with *len and *tok. */
static char *canon(struct ls_textcanon *c, const char *in, size_t n, size_t cap, size_t *len, uint32_t *tok) {
  char *out = malloc(cap ? cap : 1);
  *len = ls_text_canon(c, in, n, cap ? out : NULL, cap, tok);
  if (cap == 0)
    CHECK(*len == 0 && *tok == 0, "cap 0 gave %zu bytes", *len);
  else
    CHECK(*len < cap && out[*len] == '\0', "length %zu, cap %zu", *len, cap);
  return out;
}

static size_t max_run(const uint8_t *s, size_t n) {
  size_t best = 0, run = 0;
  for (size_t i = 0; i < n; i++) {
    run = (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) ? 0 : run + 1;
    if (run > best) best = run;
  }
  return best;
}

static void check_hashtags(const char *s, size_t len, uint32_t tok) {
  char *d = malloc(len + 1);
  memcpy(d, s, len + 1);
  uint32_t t2;
  size_t l2 = ls_text_drop_hashtags(d, len, &t2);
  CHECK(l2 <= len && d[l2] == '\0' && strlen(d) == l2 && t2 <= tok, "drop_hashtags: %zu of %zu bytes", l2, len);
  check_shape(d, l2, t2);
  for (size_t i = 0; i < l2; i++)
    CHECK(!(d[i] == '#' && (i == 0 || d[i - 1] == ' ') && d[i + 1] && d[i + 1] != ' '), "a hashtag is left at %zu", i);
  uint32_t t3;
  size_t l3 = ls_text_drop_hashtags(d, l2, &t3);
  CHECK(l3 == l2 && t3 == t2, "drop_hashtags is not idempotent");
  free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  size_t cap = size * EXPAND + 64, len, l2;
  uint32_t tok, t2;
  char *full = canon(big, in, size, cap, &len, &tok);
  CHECK(len + 64 <= cap, "the full result (%zu bytes) nearly filled cap %zu", len, cap);
  check_shape(full, len, tok);

  char *again = canon(big, full, len, len + 1, &l2, &t2); /* idempotence, in exactly its own room */
  CHECK(l2 == len && t2 == tok && !memcmp(again, full, len), "not idempotent:\n  once:  \"%s\"\n  twice: \"%s\"", full,
        again);
  free(again);

  char *pieces = canon(small, in, size, cap, &l2, &t2);
  if (max_run(data, size) < 64)
    CHECK(l2 == len && t2 == tok && !memcmp(pieces, full, len),
          "1 KiB pieces differ:\n  one:    \"%s\"\n  pieces: \"%s\"", full, pieces);
  free(pieces);

  size_t cut = len ? (size_t)data[0] % (len + 1) : 0; /* a smaller cap: a prefix, whole code points */
  char *part = canon(big, in, size, cut, &l2, &t2);
  if (cut) {
    CHECK(l2 <= len && !memcmp(part, full, l2), "cap %zu: not a prefix", cut);
    CHECK(ls_utf8_valid(part, l2), "cap %zu: a code point is cut", cut);
  }
  free(part);

  check_hashtags(full, len, tok);
  free(full);
  return 0;
}
