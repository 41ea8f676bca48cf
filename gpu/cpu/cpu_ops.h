/* cpu_ops.h — the CPU backend's transformer-encoder ops (encoder_cpu.c), for backend_cpu.c's
 * function table. Private to gpu/cpu/. */
#ifndef LOCKSTEP_GPU_CPU_OPS_H
#define LOCKSTEP_GPU_CPU_OPS_H

#include "lockstep/backend.h"

/* The current batch, as seqs_load left it. */
struct cpu_batch {
  int32_t *ids;
  uint32_t *offsets;
  uint32_t n_seqs, n_tokens, max_len;
  uint32_t ids_cap, seqs_cap;
};

struct cpu_batch *cpu_batch_of(struct ls_backend *be);
void cpu_batch_free(struct cpu_batch *b);

void *cpu_weight(struct ls_backend *be, const float *host, size_t n, int matrix, struct ls_err *err);
void *cpu_act_alloc(struct ls_backend *be, size_t n, struct ls_err *err);
int cpu_seqs_load(struct ls_backend *be, const struct ls_seqs *s, struct ls_seq_shape *shape, struct ls_err *err);
int cpu_embed(struct ls_backend *be, const void *word, const void *pos, const void *type, const void *g, const void *b,
              uint32_t d, float eps, void *out, struct ls_err *err);
int cpu_linear(struct ls_backend *be, const void *x, const void *w, const void *bias, uint32_t t, uint32_t n, uint32_t k,
               enum ls_act act, void *y, struct ls_err *err);
int cpu_add_layernorm(struct ls_backend *be, void *x, const void *bias, const void *res, const void *g, const void *b,
                      uint32_t t, uint32_t d, float eps, struct ls_err *err);
int cpu_attention(struct ls_backend *be, const void *qkv, uint32_t heads, uint32_t head_dim, void *out, struct ls_err *err);
int cpu_pool(struct ls_backend *be, const void *x, uint32_t d, enum ls_pooling mode, int normalize, void *out,
             struct ls_err *err);
int cpu_run_graph(struct ls_backend *be, uint64_t key, int (*fn)(void *ctx, struct ls_err *err), void *ctx,
                  struct ls_err *err);
int cpu_fetch(struct ls_backend *be, void *host, const void *src, size_t n, struct ls_err *err);
int cpu_sync(struct ls_backend *be, struct ls_err *err);

#endif
