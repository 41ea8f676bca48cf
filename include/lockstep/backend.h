/* backend.h — the compute backend interface: a table of function pointers (in the manner of
 * ggml's ggml_backend_i) implemented once for the CPU (OpenBLAS) and once for CUDA (cuBLAS and
 * kernels). Everything that computes on vectors calls only this interface, so both backends
 * compute the same function and each CUDA kernel has a CPU twin to be checked against.
 * Buffers are opaque device pointers (host memory on the CPU backend). Matrices are row-major
 * float32. */
#ifndef LOCKSTEP_BACKEND_H
#define LOCKSTEP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/log.h"

/* One similar pair: query row q, window row w, similarity (dot product of unit vectors). */
struct ls_pair {
  uint32_t q;
  uint32_t w;
  float sim;
};

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
