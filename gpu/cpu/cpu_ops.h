/* cpu_ops.h — the CPU backend's transformer-encoder ops (encoder_cpu.c) and window-index ops
 * (vecindex_cpu.c), for backend_cpu.c's function table. Private to gpu/cpu/. */
#ifndef LOCKSTEP_GPU_CPU_OPS_H
#define LOCKSTEP_GPU_CPU_OPS_H

#include "lockstep/backend.h"

/* Hot loops are built for AVX-512, AVX2 (with F16C and FMA) and baseline x86-64, chosen at load
 * time (not under ASan, whose instrumentation does not mix with target clones). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

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


int cpu_store_f16(struct ls_backend *be, const struct ls_ivf *ix, const void *x, uint32_t n, uint32_t first,
                  struct ls_err *err);
int cpu_load_f16(struct ls_backend *be, const struct ls_ivf *ix, uint32_t first, uint32_t n, void *x, struct ls_err *err);
int cpu_sign_pack(struct ls_backend *be, const void *proj, uint32_t n, void *bits, struct ls_err *err);
int cpu_top_k(struct ls_backend *be, const void *s, const void *bias, uint32_t n, uint32_t m, uint32_t k, void *out, struct ls_err *err);
int cpu_ivf_insert(struct ls_backend *be, const struct ls_ivf *ix, const void *bits, const void *list_of,
                   uint32_t list_stride, uint32_t n, uint32_t first, uint32_t seq0, uint32_t *displaced,
                   struct ls_err *err);
int cpu_ivf_probe(struct ls_backend *be, const struct ls_ivf *ix, const void *q, const void *qbits, uint32_t n,
                  const void *probe, uint32_t nprobe, float tau, struct ls_hamming_bound bound, struct ls_pair *out,
                  uint32_t cap, uint32_t *n_found, struct ls_err *err);
int cpu_components(struct ls_backend *be, const uint32_t *edges, uint32_t n_e, uint32_t n_v, uint32_t *labels,
                   struct ls_err *err);

#endif
