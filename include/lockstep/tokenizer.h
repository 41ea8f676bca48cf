/* tokenizer.h — Hugging Face's BERT tokenizer (BasicTokenizer + WordPiece), exactly:
 * added/special tokens are matched in the raw text first; the rest is cleaned (NUL, U+FFFD and
 * control characters dropped, whitespace to space), CJK ideographs spaced, split on whitespace,
 * lower-cased and accent-stripped (NFD, marks dropped) when configured, split on punctuation
 * (ASCII symbols and Unicode P*), and cut into the longest vocabulary pieces from the left
 * ("##" continuations; [UNK] for a word over max_input_chars_per_word or with no match).
 * Output is [CLS] pieces… [SEP], truncated to max_len. Read from tokenizer.json when present
 * (WordPiece model, BertNormalizer), else vocab.txt with tokenizer_config.json. */
#ifndef LOCKSTEP_TOKENIZER_H
#define LOCKSTEP_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_tokenizer;

/* max_len: tokens per text including [CLS] and [SEP] (≥ 2). */
int ls_tokenizer_load(struct ls_tokenizer **out, const char *dir, uint32_t max_len, struct ls_err *err);
void ls_tokenizer_free(struct ls_tokenizer *t);
/* Token ids of text (len bytes, need not be NUL-terminated; invalid UTF-8 bytes are dropped).
 * Writes at most max_len ids and returns how many. Thread-safe: the tokenizer is read-only. */
uint32_t ls_tokenize(const struct ls_tokenizer *t, const char *text, size_t len, int32_t *ids);
uint32_t ls_tokenizer_vocab_size(const struct ls_tokenizer *t);
uint32_t ls_tokenizer_max_len(const struct ls_tokenizer *t);
/* The token string of id, or NULL. */
const char *ls_tokenizer_token(const struct ls_tokenizer *t, int32_t id);

#endif
