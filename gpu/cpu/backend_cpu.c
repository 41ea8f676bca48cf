/* backend_cpu.c — the CPU backend: buffers in host memory, GEMM through OpenBLAS, and the
 * similarity-threshold op as OpenBLAS tiles followed by a scan that keeps pairs ≥ tau. It is the
 * reference every CUDA kernel is checked against. The encoder ops are in encoder_cpu.c, the
 * window-index ops in vecindex_cpu.c. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu_ops.h"

#define TILE_Q 256u
#define TILE_W 2048u

struct cpu_ctx {
  float *tile; /* TILE_Q × TILE_W scratch per thread: the only similarity matrices ever held */
  int threads;
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

#define HUGE_PAGE ((size_t)2 << 20)

/* Buffers are cache-line aligned; large ones (the vector window's rows, sketches and lists, read
 * at random) are backed by transparent huge pages where the kernel allows it on request
 * (Debian's default "madvise" mode): with 4 KiB pages nearly every random read of a window of
 * gigabytes also missed the TLB. */
static void *cpu_alloc(struct ls_backend *be, size_t bytes, struct ls_err *err) {
  (void)be;
  void *p = NULL;
  bool huge = bytes >= 2 * HUGE_PAGE;
  size_t size = huge ? (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : bytes ? bytes : 64;
  if (posix_memalign(&p, huge ? HUGE_PAGE : 64, size) != 0) {
    ls_err_set(err, LS_ENOMEM, "cpu backend: cannot allocate %zu bytes", bytes);
    return NULL;
  }
#ifdef MADV_HUGEPAGE
  if (huge) madvise(p, size, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
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

/* Rows split over the OpenMP threads, each a single-threaded OpenBLAS SGEMM: one thread pool
 * for the whole backend (OpenBLAS's own pool would spin against OpenMP's). */
static int cpu_gemm_nt(struct ls_backend *be, uint32_t m, uint32_t n, uint32_t k, float alpha, const void *a,
                       const void *b, float beta, void *c, struct ls_err *err) {
  (void)be; (void)err;
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), id = omp_get_thread_num();
    uint32_t per = (m + (uint32_t)nt - 1) / (uint32_t)nt, r0 = per * (uint32_t)id, r1 = r0 + per > m ? m : r0 + per;
    if (r0 < r1)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), (int)n, (int)k, alpha,
                  (const float *)a + (size_t)r0 * k, (int)k, b, (int)k, beta, (float *)c + (size_t)r0 * n, (int)n);
  }
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

/* Query tiles are shared out over the OpenMP threads; each multiplies its tile against the
 * window tile by tile (single-threaded SGEMM into its own scratch) and keeps pairs ≥ tau. */
static int cpu_sim_threshold(struct ls_backend *be, const void *q, uint32_t nq, const void *w, uint32_t w0,
                             uint32_t nw, uint32_t d, float tau, struct ls_pair *out, uint32_t cap,
                             uint32_t *n_found, struct ls_err *err) {
  (void)err;
  struct cpu_ctx *c = be->ctx;
  const float *qf = q, *wf = (const float *)w + (size_t)w0 * d;
  uint32_t found = 0, tiles = (nq + TILE_Q - 1) / TILE_Q;
#pragma omp parallel for schedule(dynamic, 1) num_threads(c->threads)
  for (uint32_t ti = 0; ti < tiles; ti++) {
    float *tile = c->tile + (size_t)omp_get_thread_num() * TILE_Q * TILE_W;
    uint32_t i0 = ti * TILE_Q, mi = nq - i0 < TILE_Q ? nq - i0 : TILE_Q;
    for (uint32_t j0 = 0; j0 < nw; j0 += TILE_W) {
      uint32_t mj = nw - j0 < TILE_W ? nw - j0 : TILE_W;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mi, (int)mj, (int)d, 1.0f, qf + (size_t)i0 * d, (int)d,
                  wf + (size_t)j0 * d, (int)d, 0.0f, tile, (int)mj);
      for (uint32_t i = 0; i < mi; i++) {
        const float *row = tile + (size_t)i * mj;
        for (uint32_t j = 0; j < mj; j++) {
          if (row[j] < tau) continue;
          uint32_t slot;
#pragma omp atomic capture
          slot = found++;
          if (slot < cap) out[slot] = (struct ls_pair){i0 + i, w0 + j0 + j, row[j]};
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
    .store_f16 = cpu_store_f16,
    .load_f16 = cpu_load_f16,
    .sign_pack = cpu_sign_pack,
    .top_k = cpu_top_k,
    .ivf_insert = cpu_ivf_insert,
    .ivf_probe = cpu_ivf_probe,
    .components = cpu_components,
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
  int threads = omp_get_max_threads();
  float *tile = malloc((size_t)threads * TILE_Q * TILE_W * sizeof(float));
  if (!be || !c || !tile) {
    free(be); free(c); free(tile);
    return ls_err_set(err, LS_ENOMEM, "cpu backend: out of memory");
  }
  c->tile = tile;
  c->threads = threads;
  be->i = &CPU_I;
  be->ctx = c;
  openblas_set_num_threads(1); /* threads come from OpenMP: see cpu_gemm_nt */
  snprintf(be->device, sizeof be->device, "CPU (OpenBLAS, %d OpenMP threads)", omp_get_max_threads());
  *out = be;
  return LS_OK;
}
