/* backend_cpu.c — the CPU backend: buffers in host memory, GEMM through OpenBLAS, and the
 * similarity-threshold op as OpenBLAS tiles followed by a scan that keeps pairs ≥ tau. It is the
 * reference every CUDA kernel is checked against. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"

#define TILE_Q 256u
#define TILE_W 2048u

struct cpu_ctx {
  float *tile; /* TILE_Q × TILE_W scratch: the only similarity matrix ever held */
  struct cpu_batch batch;
};

struct cpu_batch *cpu_batch_of(struct ls_backend *be) { return &((struct cpu_ctx *)be->ctx)->batch; }

static void cpu_destroy(struct ls_backend *be) {
  struct cpu_ctx *c = be->ctx;
  free(c->tile);
  cpu_batch_free(&c->batch);
  free(c);
  free(be);
}

static void *cpu_alloc(struct ls_backend *be, size_t bytes, struct ls_err *err) {
  (void)be;
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) {
    ls_err_set(err, LS_ENOMEM, "cpu backend: cannot allocate %zu bytes", bytes);
    return NULL;
  }
  return p;
}

static void cpu_free(struct ls_backend *be, void *buf) { (void)be; free(buf); }

static int cpu_upload(struct ls_backend *be, void *dst, size_t off, const void *src, size_t n, struct ls_err *err) {
  (void)be; (void)err;
  memcpy((char *)dst + off, src, n);
  return LS_OK;
}

static int cpu_download(struct ls_backend *be, void *dst, const void *src, size_t off, size_t n, struct ls_err *err) {
  (void)be; (void)err;
  memcpy(dst, (const char *)src + off, n);
  return LS_OK;
}

static int cpu_gemm_nt(struct ls_backend *be, uint32_t m, uint32_t n, uint32_t k, float alpha, const void *a,
                       const void *b, float beta, void *c, struct ls_err *err) {
  (void)be; (void)err;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, alpha, a, (int)k, b, (int)k,
              beta, c, (int)n);
  return LS_OK;
}

static int cpu_l2_normalize(struct ls_backend *be, void *x, uint32_t n, uint32_t d, struct ls_err *err) {
  (void)be; (void)err;
  float *v = x;
  for (uint32_t i = 0; i < n; i++, v += d) {
    double s = 0;
    for (uint32_t j = 0; j < d; j++) s += (double)v[j] * v[j];
    if (s <= 0) continue;
    float inv = (float)(1.0 / sqrt(s));
    for (uint32_t j = 0; j < d; j++) v[j] *= inv;
  }
  return LS_OK;
}

static int cpu_sim_threshold(struct ls_backend *be, const void *q, uint32_t nq, const void *w, uint32_t w0,
                             uint32_t nw, uint32_t d, float tau, struct ls_pair *out, uint32_t cap,
                             uint32_t *n_found, struct ls_err *err) {
  struct cpu_ctx *c = be->ctx;
  const float *qf = q, *wf = (const float *)w + (size_t)w0 * d;
  uint32_t found = 0;
  for (uint32_t i0 = 0; i0 < nq; i0 += TILE_Q) {
    uint32_t mi = nq - i0 < TILE_Q ? nq - i0 : TILE_Q;
    for (uint32_t j0 = 0; j0 < nw; j0 += TILE_W) {
      uint32_t mj = nw - j0 < TILE_W ? nw - j0 : TILE_W;
      cpu_gemm_nt(be, mi, mj, d, 1.0f, qf + (size_t)i0 * d, wf + (size_t)j0 * d, 0.0f, c->tile, err);
      for (uint32_t i = 0; i < mi; i++) {
        const float *row = c->tile + (size_t)i * mj;
        for (uint32_t j = 0; j < mj; j++) {
          if (row[j] < tau) continue;
          if (found < cap) out[found] = (struct ls_pair){i0 + i, w0 + j0 + j, row[j]};
          found++;
        }
      }
    }
  }
  *n_found = found;
  return LS_OK;
}

static const struct ls_backend_i CPU_I = {
    .name = "cpu",
    .destroy = cpu_destroy,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_upload,
    .download = cpu_download,
    .gemm_nt = cpu_gemm_nt,
    .l2_normalize = cpu_l2_normalize,
    .sim_threshold = cpu_sim_threshold,
    .weight = cpu_weight,
    .act_alloc = cpu_act_alloc,
    .seqs_load = cpu_seqs_load,
    .embed = cpu_embed,
    .linear = cpu_linear,
    .add_layernorm = cpu_add_layernorm,
    .attention = cpu_attention,
    .pool = cpu_pool,
    .run_graph = cpu_run_graph,
    .fetch = cpu_fetch,
    .sync = cpu_sync,
};

int ls_backend_cpu_create(struct ls_backend **out, struct ls_err *err) {
  struct ls_backend *be = calloc(1, sizeof *be);
  struct cpu_ctx *c = calloc(1, sizeof *c);
  float *tile = malloc((size_t)TILE_Q * TILE_W * sizeof(float));
  if (!be || !c || !tile) {
    free(be); free(c); free(tile);
    return ls_err_set(err, LS_ENOMEM, "cpu backend: out of memory");
  }
  c->tile = tile;
  be->i = &CPU_I;
  be->ctx = c;
  snprintf(be->device, sizeof be->device, "CPU (OpenBLAS %d threads)", openblas_get_num_threads());
  *out = be;
  return LS_OK;
}
