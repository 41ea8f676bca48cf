/* tokenizer.c — the BERT tokenizer algorithm (see tokenizer.h), streaming over the text one code
 * point at a time with a bounded word buffer, so it allocates nothing and stops as soon as
 * max_len tokens are out. Unicode properties come from utf8proc. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenizer_internal.h"

#define WORD_BYTES 1024 /* > 4 bytes × (max_input_chars_per_word + 1) for the default 100 */

struct run {
  const struct ls_tokenizer *t;
  int32_t *ids;
  uint32_t n, cap; /* cap: room for pieces, leaving one for [SEP] */
  char word[WORD_BYTES];
  uint32_t wlen, wchars;
};

static bool is_control(int32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CN ||
         c == UTF8PROC_CATEGORY_CO || c == UTF8PROC_CATEGORY_CS;
}

static bool is_whitespace(int32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

static bool is_punct(int32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  utf8proc_category_t c = utf8proc_category(cp);
  return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

static bool is_cjk(int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

static bool full(const struct run *r) { return r->n >= r->cap; }

static void emit(struct run *r, int32_t id) {
  if (!full(r)) r->ids[r->n++] = id;
}

/* Greedy longest-match-first WordPiece over the word buffer; the whole word is [UNK] if any
 * position has no match. Piece boundaries fall on UTF-8 character boundaries. */
static void wordpiece(struct run *r) {
  const struct ls_tokenizer *t = r->t;
  int32_t pieces[WORD_BYTES];
  uint32_t np = 0, start = 0;
  while (start < r->wlen) {
    int32_t id = -1;
    uint32_t end = r->wlen;
    for (; end > start; end--) {
      if (end < r->wlen && ((unsigned char)r->word[end] & 0xC0) == 0x80) continue;
      id = start ? ls_vocab_find2(&t->vocab, t->prefix, t->prefix_len, r->word + start, end - start)
                 : ls_vocab_find(&t->vocab, r->word, end);
      if (id >= 0) break;
    }
    if (id < 0) {
      emit(r, t->unk_id);
      return;
    }
    pieces[np++] = id;
    start = end;
  }
  for (uint32_t i = 0; i < np; i++) emit(r, pieces[i]);
}

static void flush(struct run *r) {
  if (!r->wchars) return;
  if (r->wchars > r->t->max_chars || r->wlen + 4 > WORD_BYTES) emit(r, r->t->unk_id);
  else wordpiece(r);
  r->wlen = r->wchars = 0;
}

/* A code point after lower-casing and accent stripping: punctuation stands alone. */
static void append(struct run *r, int32_t cp) {
  bool punct = is_punct(cp);
  if (punct) flush(r);
  if (r->wlen + 4 <= WORD_BYTES) r->wlen += (uint32_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)r->word + r->wlen);
  r->wchars++;
  if (punct) flush(r);
}

static void append_stripped(struct run *r, int32_t cp) {
  if (!r->t->strip_accents) {
    append(r, cp);
    return;
  }
  utf8proc_int32_t d[16];
  int last = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, d, 16, UTF8PROC_DECOMPOSE, &last);
  if (n < 0 || n > 16) {
    append(r, cp);
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; i++)
    if (utf8proc_category(d[i]) != UTF8PROC_CATEGORY_MN) append(r, d[i]);
}

static void take(struct run *r, int32_t cp) {
  const struct ls_tokenizer *t = r->t;
  if (t->clean_text && (cp == 0 || cp == 0xFFFD || is_control(cp))) return;
  if (is_whitespace(cp)) {
    flush(r);
    return;
  }
  bool alone = t->cjk && is_cjk(cp);
  if (alone) flush(r);
  if (t->lowercase && cp == 0x130) { /* İ lower-cases to two code points */
    append_stripped(r, 'i');
    append_stripped(r, 0x307);
  } else {
    append_stripped(r, t->lowercase ? utf8proc_tolower(cp) : cp);
  }
  if (alone) flush(r);
}

static const struct ls_added_token *added_at(const struct ls_tokenizer *t, const char *s, size_t n) {
  for (uint32_t i = 0; i < t->n_added; i++)
    if (t->added[i].len <= n && !memcmp(s, t->added[i].s, t->added[i].len)) return &t->added[i];
  return NULL;
}

uint32_t ls_tokenize(const struct ls_tokenizer *t, const char *text, size_t len, int32_t *ids) {
  struct run run = {.t = t, .ids = ids, .cap = t->max_len - 1}, *r = &run;
  emit(r, t->cls_id);
  for (size_t i = 0; i < len && !full(r);) {
    const struct ls_added_token *a = added_at(t, text + i, len - i);
    if (a) {
      flush(r);
      emit(r, a->id);
      i += a->len;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
    if (k <= 0) {
      i++;
      continue;
    }
    take(r, cp);
    i += (size_t)k;
  }
  flush(r);
  ids[r->n++] = t->sep_id;
  return r->n;
}

uint32_t ls_tokenizer_vocab_size(const struct ls_tokenizer *t) { return t->vocab.n; }
uint32_t ls_tokenizer_max_len(const struct ls_tokenizer *t) { return t->max_len; }

const char *ls_tokenizer_token(const struct ls_tokenizer *t, int32_t id) {
  if (id < 0 || (uint32_t)id >= t->vocab.n || t->vocab.off[id] == UINT32_MAX) return NULL;
  return t->vocab.blob + t->vocab.off[id];
}

int ls_tokenizer_load(struct ls_tokenizer **out, const char *dir, uint32_t max_len, struct ls_err *err) {
  if (max_len < 2) return ls_err_set(err, LS_EINVAL, "tokenizer: max_len %u leaves no room for [CLS] and [SEP]", max_len);
  struct ls_tokenizer *t = calloc(1, sizeof *t);
  if (!t) return ls_err_set(err, LS_ENOMEM, "tokenizer: out of memory");
  t->max_len = max_len;
  int rc = ls_tokenizer_read_files(t, dir, err);
  if (rc != LS_OK) {
    ls_tokenizer_free(t);
    return rc;
  }
  *out = t;
  return LS_OK;
}

void ls_tokenizer_free(struct ls_tokenizer *t) {
  if (!t) return;
  for (uint32_t i = 0; i < t->n_added; i++) free(t->added[i].s);
  free(t->added);
  ls_vocab_free(&t->vocab);
  free(t);
}
