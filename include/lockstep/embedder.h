/* embedder.h — texts to vectors, whichever embedder is configured: `hash` (feature hashing, see
 * embed.h) or a sentence-transformers model directory (tokenizer + BERT encoder on a backend).
 * Model texts are tokenized on OpenMP threads, packed into batches of at most max_batch_tokens
 * real tokens (no padding) and queued to the encoder, so a backend that can overlap copies with
 * compute gets several batches at once. */
#ifndef LOCKSTEP_EMBEDDER_H
#define LOCKSTEP_EMBEDDER_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/err.h"
#include "lockstep/log.h"

struct ls_embedder_opts {
  const char *model;         /* "hash" or a model directory */
  uint32_t hash_dim;         /* hash only */
  uint32_t max_batch_tokens; /* model only: tokens per encoder batch */
  bool unit;                 /* always L2-normalise (the detector); else as the model's modules say */
};

struct ls_embedder;

int ls_embedder_open(struct ls_embedder **out, const struct ls_embedder_opts *o, struct ls_backend *be,
                     const struct ls_log *log, struct ls_err *err);
void ls_embedder_close(struct ls_embedder *e);
uint32_t ls_embedder_dim(const struct ls_embedder *e);
/* The cosine at which two texts count as similar when embed.similarity_threshold is 0 (auto). */
double ls_embedder_default_threshold(const struct ls_embedder *e);
/* One line for logs: "hash dim=256" or "DIR (bert 6 layers, 384 hidden, mean pooling, …)". */
const char *ls_embedder_describe(const struct ls_embedder *e);
/* Embeds n texts into out[n × dim]. */
int ls_embedder_embed(struct ls_embedder *e, const char *const *texts, const uint32_t *lens, uint32_t n, float *out,
                      struct ls_err *err);
/* Model embedders: token ids of one text (at most ls_embedder_max_len); -1 for hash. */
int ls_embedder_tokenize(const struct ls_embedder *e, const char *text, uint32_t len, int32_t *ids);
uint32_t ls_embedder_max_len(const struct ls_embedder *e);
/* Tokens embedded so far (model embedders), for rates. */
uint64_t ls_embedder_tokens(const struct ls_embedder *e);
/* Floating-point operations of encoding one text of len tokens (0 for hash), for GFLOP/s. */
double ls_embedder_flops(const struct ls_embedder *e, uint32_t len);

#endif
