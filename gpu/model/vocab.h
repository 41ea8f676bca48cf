/* vocab.h — the WordPiece vocabulary: token strings by id, and an open-addressing hash table
 * from string to id (the later of two equal strings wins, as Hugging Face's loaders do).
 * Private to gpu/model/. */
#ifndef LOCKSTEP_GPU_VOCAB_H
#define LOCKSTEP_GPU_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_vocab {
  char *blob; /* NUL-separated token strings */
  size_t blob_len, blob_cap;
  uint32_t *off;  /* by id: offset into blob, UINT32_MAX for an unused id */
  uint32_t *len;  /* by id */
  uint32_t n;     /* ids in use are < n */
  uint32_t *table; /* ids + 1, 0 = empty */
  uint32_t mask;
};

int ls_vocab_add(struct ls_vocab *v, const char *s, size_t len, uint32_t id, struct ls_err *err);
/* Builds the lookup table; call once after the last add. */
int ls_vocab_index(struct ls_vocab *v, struct ls_err *err);
int32_t ls_vocab_find(const struct ls_vocab *v, const char *s, size_t len);
/* Looks up prefix followed by s without copying either. */
int32_t ls_vocab_find2(const struct ls_vocab *v, const char *prefix, size_t plen, const char *s, size_t len);
void ls_vocab_free(struct ls_vocab *v);

#endif
