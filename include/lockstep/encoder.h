/* encoder.h — a BERT encoder on a compute backend: the model's weights uploaded once, and the
 * forward pass (embeddings + LayerNorm, N post-LN layers of fused-QKV self-attention and GELU
 * feed-forward, pooling, optional L2 normalisation) written once as a graph over the backend's
 * encoder ops. Batches are packed sequences of at most max_tokens tokens; a backend may keep
 * several batches in flight (CUDA overlaps copies with compute), so results are ready after
 * ls_encoder_wait. */
#ifndef LOCKSTEP_ENCODER_H
#define LOCKSTEP_ENCODER_H

#include <stdbool.h>

#include "lockstep/backend.h"
#include "lockstep/model.h"

struct ls_encoder;

/* unit: L2-normalise the pooled vectors even if the model has no Normalize module. */
int ls_encoder_create(struct ls_encoder **out, struct ls_backend *be, const struct ls_bert_model *m, uint32_t max_tokens,
                      bool unit, struct ls_err *err);
void ls_encoder_destroy(struct ls_encoder *e);
uint32_t ls_encoder_dim(const struct ls_encoder *e);
uint32_t ls_encoder_max_tokens(const struct ls_encoder *e);
/* Queues one batch (s->n_tokens ≤ max_tokens); out[n_seqs × dim] is written by ls_encoder_wait. */
int ls_encoder_submit(struct ls_encoder *e, const struct ls_seqs *s, float *out, struct ls_err *err);
int ls_encoder_wait(struct ls_encoder *e, struct ls_err *err);

#endif
