/* tokenizer_internal.h — the tokenizer's settings and vocabulary, shared by the file loader
 * (tokenizer_files.c) and the algorithm (tokenizer.c). Private to gpu/model/. */
#ifndef LOCKSTEP_GPU_TOKENIZER_INTERNAL_H
#define LOCKSTEP_GPU_TOKENIZER_INTERNAL_H

#include <stdbool.h>

#include "lockstep/tokenizer.h"
#include "vocab.h"

#define LS_TOK_MAX_ADDED 1024

struct ls_added_token {
  char *s;
  uint32_t len;
  int32_t id;
};

struct ls_tokenizer {
  struct ls_vocab vocab;
  bool lowercase, strip_accents, clean_text, cjk;
  uint32_t max_chars; /* max_input_chars_per_word */
  char prefix[16];    /* continuing_subword_prefix, "##" */
  uint32_t prefix_len;
  char cls[32], sep[32], unk[32]; /* special token strings */
  int32_t cls_id, sep_id, unk_id;
  uint32_t max_len;
  struct ls_added_token *added; /* longest first */
  uint32_t n_added;
};

/* Fills t from tokenizer.json, or from vocab.txt and tokenizer_config.json. */
int ls_tokenizer_read_files(struct ls_tokenizer *t, const char *dir, struct ls_err *err);

#endif
