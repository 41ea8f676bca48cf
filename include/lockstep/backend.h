/* backend.h — the compute backend interface: a table of function pointers (in the manner of
 * ggml's ggml_backend_i) implemented once for the CPU (OpenBLAS) and once for CUDA (cuBLAS and
 * kernels). Everything that computes on vectors calls only this interface, so both backends
 * compute the same function and each CUDA kernel has a CPU twin to be checked against.
 * Buffers are opaque device pointers (host memory on the CPU backend). Matrices are row-major;
 * similarity vectors are float32. The transformer-encoder ops work on weights and activations in
 * the backend's own precision (CPU: float32; CUDA: FP16 storage with FP32 accumulation). */
#ifndef LOCKSTEP_BACKEND_H
#define LOCKSTEP_BACKEND_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/log.h"

/* One similar pair: query row q, window row w, similarity (dot product of unit vectors). */
struct ls_pair {
  uint32_t q;
  uint32_t w;
  float sim;
};

/* A batch of token sequences packed back to back, with no padding. */
struct ls_seqs {
  const int32_t *ids;      /* n_tokens token ids */
  const uint32_t *offsets; /* n_seqs + 1: sequence s is tokens [offsets[s], offsets[s+1]) */
  uint32_t n_seqs, n_tokens, max_len;
  uint32_t cap_tokens, cap_seqs; /* what the caller's activation buffers hold */
};

/* The sizes the encoder ops run on for the current batch. A backend may round them up (CUDA
 * does, so that one captured graph serves many batches); rows past n_tokens belong to no
 * sequence and are never read by attention or pooling. */
struct ls_seq_shape {
  uint32_t tokens, seqs, len;
};

/* The co-similar-text window index (gpu/vecwin.c), held in device buffers: a ring of FP16 unit
 * vectors, a 512-bit SimHash sketch per row, and an inverted file of nlist lists, each a ring of
 * list_cap entries carrying the first 256 bits of their row's sketch (the coarse sketch). A probe
 * filters twice before the exact dot product: on the coarse sketch while it scans a list, then on
 * the whole sketch (one cache line per candidate instead of the row's 2·dim bytes). Rows are
 * numbered in the order they were written; the searched ones are the newest `live` (older rows
 * have been overwritten or have left the time window), so an entry is stale once `live` rows
 * have been written after it (ls_ivf_live). A list's entries are in row order, so its live ones
 * are its newest, and a probe reads only them. */
#define LS_SKETCH_WORDS 8 /* 512-bit sketches, one per row */
#define LS_COARSE_WORDS 4 /* the first 256 bits, in each list entry */
#define LS_NO_LIST UINT32_MAX /* a probe matrix entry that names no list */

struct ls_ivf_entry {
  uint32_t slot, seq;
  uint64_t sketch[LS_COARSE_WORDS];
};

/* The most differing sketch bits a candidate may have: of the coarse sketch, of the whole one. */
struct ls_hamming_bound {
  uint32_t coarse, fine;
};

struct ls_ivf {
  uint32_t capacity, dim, nlist, list_cap;
  uint32_t spill;  /* lists each row enters (its nearest `spill` centroids) */
  uint32_t filled; /* rows [0, filled) have been written */
  uint32_t live;   /* the newest `live` rows (≤ filled) are searched */
  uint32_t head;   /* the slot the next row is written to */
  void *rows;      /* capacity × dim FP16 */
  void *sketch;    /* capacity × LS_SKETCH_WORDS uint64 */
  uint32_t seq_end; /* the sequence number the next row written will get */
  void *entries;   /* nlist × list_cap struct ls_ivf_entry */
  void *heads;     /* nlist uint32: entries ever appended to each list */
};

#ifdef __CUDACC__
#define LS_HOST_DEVICE __host__ __device__
#else
#define LS_HOST_DEVICE
#endif

/* Whether the row numbered seq is among the `live` last written before seq_end (wrap-safe). */
static inline LS_HOST_DEVICE bool ls_ivf_live(uint32_t seq_end, uint32_t live, uint32_t seq) {
  return (uint32_t)(seq_end - 1u - seq) < live;
}

/* The slot of the k-th newest row (k < live). */
static inline LS_HOST_DEVICE uint32_t ls_ivf_newest(const struct ls_ivf *ix, uint32_t k) {
  return (ix->head + ix->capacity - 1u - k) % ix->capacity;
}

enum ls_act { LS_ACT_NONE, LS_ACT_GELU };
enum ls_pooling { LS_POOL_MEAN, LS_POOL_CLS, LS_POOL_MAX };

struct ls_backend;

struct ls_backend_i {
  const char *name; /* "cpu" | "cuda" */
  void (*destroy)(struct ls_backend *be);
  void *(*alloc)(struct ls_backend *be, size_t bytes, struct ls_err *err);
  void (*free)(struct ls_backend *be, void *buf);
  int (*upload)(struct ls_backend *be, void *dst, size_t dst_off, const void *src, size_t n,
                struct ls_err *err);
  int (*download)(struct ls_backend *be, void *dst, const void *src, size_t src_off, size_t n,
                  struct ls_err *err);
  /* C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C (all device buffers). */
  int (*gemm_nt)(struct ls_backend *be, uint32_t m, uint32_t n, uint32_t k, float alpha,
                 const void *a, const void *b, float beta, void *c, struct ls_err *err);
  /* Rows of x[n×d] scaled to unit L2 norm (zero rows stay zero). */
  int (*l2_normalize)(struct ls_backend *be, void *x, uint32_t n, uint32_t d, struct ls_err *err);
  /* Every (i, j) with dot(q_i, w_j) ≥ tau for q[nq×d] against rows [w0, w0+nw) of w, computed
   * tile by tile so that no nq×nw matrix is ever held. Writes up to cap pairs (w is the row index
   * in w) and sets *n_found to the number found (may exceed cap: then pairs were dropped).
   * The order of pairs is unspecified. */
  int (*sim_threshold)(struct ls_backend *be, const void *q, uint32_t nq, const void *w,
                       uint32_t w0, uint32_t nw, uint32_t d, float tau, struct ls_pair *out,
                       uint32_t cap, uint32_t *n_found, struct ls_err *err);

  /* --- window index ops: gpu/vecwin.c is written once over these ---------------------------- */
  /* Rows x[n×d] (float32) stored as FP16 into rows [first, first+n) of ix->rows, wrapping at
   * ix->capacity. */
  int (*store_f16)(struct ls_backend *be, const struct ls_ivf *ix, const void *x, uint32_t n, uint32_t first,
                   struct ls_err *err);
  /* FP16 rows [first, first+n) of ix->rows (no wrap) into x[n×d] float32. */
  int (*load_f16)(struct ls_backend *be, const struct ls_ivf *ix, uint32_t first, uint32_t n, void *x,
                  struct ls_err *err);
  /* bits[n × LS_SKETCH_WORDS]: bit j of row i is proj[i][j] ≥ 0, for proj[n × 64·LS_SKETCH_WORDS]. */
  int (*sign_pack)(struct ls_backend *be, const void *proj, uint32_t n, void *bits, struct ls_err *err);
  /* out[n×k] (device): the columns of the k largest values of each row of s[n×m] + bias[m]
   * (bias a device vector, or NULL), best first. */
  int (*top_k)(struct ls_backend *be, const void *s, const void *bias, uint32_t n, uint32_t m, uint32_t k, void *out,
               struct ls_err *err);
  /* Rows first+i (mod capacity), i < n, numbered seq0+i, get sketch bits[i] (LS_SKETCH_WORDS
   * words); with list_of (device, n rows of list_stride ≥ ix->spill) each also gets an entry,
   * with the coarse sketch, at the head of the lists named by the first ix->spill of its row.
   * *displaced counts entries of rows that stay live after the batch that full lists overwrote. */
  int (*ivf_insert)(struct ls_backend *be, const struct ls_ivf *ix, const void *bits, const void *list_of,
                    uint32_t list_stride, uint32_t n, uint32_t first, uint32_t seq0, uint32_t *displaced,
                    struct ls_err *err);
  /* Every (i, slot) with dot(q_i, row) ≥ tau for queries q[n×d] (float32) with sketches qbits
   * (n × LS_SKETCH_WORDS), over the live entries of lists probe[i×nprobe ...] (device;
   * LS_NO_LIST entries are skipped), or over every live row when probe is NULL. A row in
   * several probed lists (spill) may be reported more than once. Rows whose coarse sketch differs
   * from the query's in more than bound.coarse bits, or whose whole sketch differs in more than
   * bound.fine bits, are skipped before the exact dot product (a filter tuned for recall at tau,
   * gpu/vecwin.c). Fused: no similarity matrix is written. Pairs as sim_threshold (w is the slot). */
  int (*ivf_probe)(struct ls_backend *be, const struct ls_ivf *ix, const void *q, const void *qbits, uint32_t n,
                   const void *probe, uint32_t nprobe, float tau, struct ls_hamming_bound bound, struct ls_pair *out,
                   uint32_t cap, uint32_t *n_found, struct ls_err *err);
  /* Connected components of n_v vertices and n_e edges (host array of vertex pairs): labels[v]
   * (host) is the smallest vertex of v's component. */
  int (*components)(struct ls_backend *be, const uint32_t *edges, uint32_t n_e, uint32_t n_v, uint32_t *labels,
                    struct ls_err *err);

  /* --- transformer encoder ops: gpu/encoder.c is the graph, written once over these --------- */
  /* A weight tensor of n values from host float32; matrices may be stored at lower precision. */
  void *(*weight)(struct ls_backend *be, const float *host, size_t n, int matrix, struct ls_err *err);
  /* An activation buffer of n values. */
  void *(*act_alloc)(struct ls_backend *be, size_t n, struct ls_err *err);
  /* Makes s the current batch (ids and offsets to the device) and says what shape to run on.
   * s's arrays are copied before it returns, so the caller may reuse them at once. */
  int (*seqs_load)(struct ls_backend *be, const struct ls_seqs *s, struct ls_seq_shape *shape, struct ls_err *err);
  /* out[t] = LayerNorm(word[id_t] + pos[t − start of its sequence] + type[0]) · g + b, rows of d. */
  int (*embed)(struct ls_backend *be, const void *word, const void *pos, const void *type, const void *g, const void *b,
               uint32_t d, float eps, void *out, struct ls_err *err);
  /* y[t×n] = act(x[t×k] · w[n×k]ᵀ + bias); bias may be NULL. */
  int (*linear)(struct ls_backend *be, const void *x, const void *w, const void *bias, uint32_t t, uint32_t n, uint32_t k,
                enum ls_act act, void *y, struct ls_err *err);
  /* x = LayerNorm(x + bias + res) · g + b over rows of d (bias may be NULL). */
  int (*add_layernorm)(struct ls_backend *be, void *x, const void *bias, const void *res, const void *g, const void *b,
                       uint32_t t, uint32_t d, float eps, struct ls_err *err);
  /* Self-attention within each sequence of the current batch: qkv rows hold Q, K, V (each
   * heads × head_dim); out[t × heads·head_dim] = softmax(Q Kᵀ / √head_dim) V per head. */
  int (*attention)(struct ls_backend *be, const void *qkv, uint32_t heads, uint32_t head_dim, void *out,
                   struct ls_err *err);
  /* One float32 vector per sequence into out[seqs × d] (a device buffer): mean, [CLS] or max of
   * its token rows, then L2-normalised when normalize is set. */
  int (*pool)(struct ls_backend *be, const void *x, uint32_t d, enum ls_pooling mode, int normalize, void *out,
              struct ls_err *err);
  /* Runs fn, a fixed sequence of the ops above; CUDA captures it once per key into a graph and
   * replays that graph afterwards. */
  int (*run_graph)(struct ls_backend *be, uint64_t key, int (*fn)(void *ctx, struct ls_err *err), void *ctx,
                   struct ls_err *err);
  /* Starts copying n bytes of a device buffer to host memory; complete after sync. */
  int (*fetch)(struct ls_backend *be, void *host, const void *src, size_t n, struct ls_err *err);
  int (*sync)(struct ls_backend *be, struct ls_err *err);
};

struct ls_backend {
  const struct ls_backend_i *i;
  void *ctx;
  char device[128]; /* human description, for the start-up log */
};

/* which: "auto" (CUDA if a device is present, else CPU, logged), "cpu" or "cuda". */
int ls_backend_open(struct ls_backend **out, const char *which, const struct ls_log *log,
                    struct ls_err *err);
void ls_backend_close(struct ls_backend *be);

int ls_backend_cpu_create(struct ls_backend **out, struct ls_err *err);
/* LS_EUNAVAIL when built without CUDA or when no device can be used. */
int ls_backend_cuda_create(struct ls_backend **out, struct ls_err *err);

#endif
