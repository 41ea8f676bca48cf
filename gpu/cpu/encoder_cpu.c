/* encoder_cpu.c — the CPU twins of the transformer-encoder ops: OpenBLAS SGEMM for every
 * linear layer, then one fused pass per row block (bias + GELU; bias + residual + LayerNorm),
 * attention per (sequence, head) over packed sequences so no work is spent on padding, and
 * pooling with optional normalisation. Row loops run on OpenMP threads; GELU uses a
 * vectorisable erf (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7) so it does not dominate. The
 * hot loops are compiled for AVX-512, AVX2+FMA and baseline x86-64, chosen at load time. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"


void *cpu_weight(struct ls_backend *be, const float *host, size_t n, int matrix, struct ls_err *err) {
  (void)matrix;
  float *w = be->i->alloc(be, n * sizeof *w, err);
  if (w) memcpy(w, host, n * sizeof *w);
  return w;
}

void *cpu_act_alloc(struct ls_backend *be, size_t n, struct ls_err *err) { return be->i->alloc(be, n * sizeof(float), err); }

void cpu_batch_free(struct cpu_batch *b) {
  free(b->ids);
  free(b->offsets);
}

static int reserve(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return 0;
  void *q = realloc(*p, (size_t)need * elem);
  if (!q) return -1;
  *p = q;
  *cap = need;
  return 0;
}

int cpu_seqs_load(struct ls_backend *be, const struct ls_seqs *s, struct ls_seq_shape *shape, struct ls_err *err) {
  struct cpu_batch *b = cpu_batch_of(be);
  if (reserve((void **)&b->ids, &b->ids_cap, s->n_tokens, sizeof *b->ids) ||
      reserve((void **)&b->offsets, &b->seqs_cap, s->n_seqs + 1, sizeof *b->offsets))
    return ls_err_set(err, LS_ENOMEM, "cpu backend: out of memory for a batch of %u tokens", s->n_tokens);
  memcpy(b->ids, s->ids, s->n_tokens * sizeof *b->ids);
  memcpy(b->offsets, s->offsets, (s->n_seqs + 1) * sizeof *b->offsets);
  b->n_seqs = s->n_seqs;
  b->n_tokens = s->n_tokens;
  b->max_len = s->max_len;
  *shape = (struct ls_seq_shape){s->n_tokens, s->n_seqs, s->max_len};
  return LS_OK;
}

/* y = LayerNorm(y) · g + b for one row, in place. */
static void layernorm_row(float *y, const float *g, const float *b, uint32_t d, float eps) {
  float mean = 0, var = 0;
#pragma omp simd reduction(+ : mean)
  for (uint32_t j = 0; j < d; j++) mean += y[j];
  mean /= (float)d;
#pragma omp simd reduction(+ : var)
  for (uint32_t j = 0; j < d; j++) var += (y[j] - mean) * (y[j] - mean);
  float inv = 1.0f / sqrtf(var / (float)d + eps);
#pragma omp simd
  for (uint32_t j = 0; j < d; j++) y[j] = (y[j] - mean) * inv * g[j] + b[j];
}

int cpu_embed(struct ls_backend *be, const void *word, const void *pos, const void *type, const void *g, const void *b,
              uint32_t d, float eps, void *out, struct ls_err *err) {
  (void)err;
  const struct cpu_batch *bt = cpu_batch_of(be);
  const float *W = word, *P = pos, *T = type;
#pragma omp parallel for schedule(static)
  for (uint32_t s = 0; s < bt->n_seqs; s++) {
    for (uint32_t t = bt->offsets[s]; t < bt->offsets[s + 1]; t++) {
      float *y = (float *)out + (size_t)t * d;
      const float *w = W + (size_t)bt->ids[t] * d, *p = P + (size_t)(t - bt->offsets[s]) * d;
#pragma omp simd
      for (uint32_t j = 0; j < d; j++) y[j] = w[j] + p[j] + T[j];
      layernorm_row(y, g, b, d, eps);
    }
  }
  return LS_OK;
}

/* e^x for x ≤ 0: 2^k · e^r with a degree-6 polynomial. Branch- and compare-free so that it
 * vectorises on every target: an exponent below the normal range is masked to zero (the result
 * flushes to 0) instead of being clamped. Valid for x > −1.4e9. */
static inline float exp_neg(float x) {
  float k = (float)(int32_t)(x * 1.44269504f - 0.5f); /* round to nearest for x ≤ 0 */
  float r = x - k * 0.693145752f - k * 1.42860677e-6f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666679f + r * (0.00833333377f + r * 0.00138888892f)))));
  int32_t e = (int32_t)k + 127;
  e &= ~(e >> 31); /* max(e, 0) */
  int32_t bits = e << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  return p * scale;
}

static inline float gelu(float x) {
  float z = fabsf(x) * 0.70710678f;
  float t = 1.0f / (1.0f + 0.3275911f * z);
  float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  float erf_abs = 1.0f - poly * exp_neg(-z * z);
  return 0.5f * x * (1.0f + copysignf(erf_abs, x));
}

/* The epilogue of a linear layer over rows [r0, r1): + bias, then GELU. */
HOT static void bias_act_rows(float *y, const float *bias, uint32_t r0, uint32_t r1, uint32_t n, enum ls_act act) {
  for (uint32_t r = r0; r < r1; r++) {
    float *restrict row = y + (size_t)r * n;
    if (bias) {
#pragma omp simd
      for (uint32_t j = 0; j < n; j++) row[j] += bias[j];
    }
    if (act == LS_ACT_GELU) {
#pragma omp simd
      for (uint32_t j = 0; j < n; j++) row[j] = gelu(row[j]);
    }
  }
}

int cpu_linear(struct ls_backend *be, const void *x, const void *w, const void *bias, uint32_t t, uint32_t n, uint32_t k,
               enum ls_act act, void *y, struct ls_err *err) {
  (void)be; (void)err;
  /* One pool of threads for everything: each takes a block of rows, runs a single-threaded
   * SGEMM on it and the epilogue while the block is still in cache. */
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), id = omp_get_thread_num();
    uint32_t per = (t + (uint32_t)nt - 1) / (uint32_t)nt, r0 = per * (uint32_t)id, r1 = r0 + per > t ? t : r0 + per;
    if (r0 < r1) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), (int)n, (int)k, 1.0f, (const float *)x + (size_t)r0 * k,
                  (int)k, w, (int)k, 0.0f, (float *)y + (size_t)r0 * n, (int)n);
      if (bias || act != LS_ACT_NONE) bias_act_rows(y, bias, r0, r1, n, act);
    }
  }
  return LS_OK;
}

int cpu_add_layernorm(struct ls_backend *be, void *x, const void *bias, const void *res, const void *g, const void *b,
                      uint32_t t, uint32_t d, float eps, struct ls_err *err) {
  (void)be; (void)err;
  const float *bv = bias;
#pragma omp parallel for schedule(static)
  for (uint32_t r = 0; r < t; r++) {
    float *row = (float *)x + (size_t)r * d;
    const float *rr = (const float *)res + (size_t)r * d;
#pragma omp simd
    for (uint32_t j = 0; j < d; j++) row[j] += rr[j] + (bv ? bv[j] : 0.0f);
    layernorm_row(row, g, b, d, eps);
  }
  return LS_OK;
}

/* One (sequence, head). K is copied transposed (kt[hd × len]) and V contiguous (v[len × hd]) so
 * that the score loop runs along keys and the output loop along the head dimension, both
 * contiguous and vectorised. */
HOT static void attend(const float *qkv, uint32_t start, uint32_t len, uint32_t h, uint32_t hd, uint32_t width, float *out,
                       float *scratch) {
  uint32_t stride = 3 * width;
  float *kt = scratch, *v = kt + (size_t)hd * len, *s = v + (size_t)hd * len;
  for (uint32_t j = 0; j < len; j++) {
    const float *row = qkv + (size_t)(start + j) * stride + h * hd;
    for (uint32_t e = 0; e < hd; e++) kt[(size_t)e * len + j] = row[width + e];
    memcpy(v + (size_t)j * hd, row + 2 * width, hd * sizeof *v);
  }
  float scale = 1.0f / sqrtf((float)hd);
  for (uint32_t i = 0; i < len; i++) {
    const float *q = qkv + (size_t)(start + i) * stride + h * hd;
    for (uint32_t j = 0; j < len; j++) s[j] = 0;
    for (uint32_t e = 0; e < hd; e++) {
      const float qe = q[e] * scale, *ke = kt + (size_t)e * len;
#pragma omp simd
      for (uint32_t j = 0; j < len; j++) s[j] += qe * ke[j];
    }
    float mx = s[0], sum = 0;
    for (uint32_t j = 1; j < len; j++) mx = s[j] > mx ? s[j] : mx;
    for (uint32_t j = 0; j < len; j++) sum += s[j] = exp_neg(s[j] - mx);
    float *o = out + (size_t)(start + i) * width + h * hd, inv = 1.0f / sum;
    for (uint32_t e = 0; e < hd; e++) o[e] = 0;
    for (uint32_t j = 0; j < len; j++) {
      const float p = s[j] * inv, *vj = v + (size_t)j * hd;
#pragma omp simd
      for (uint32_t e = 0; e < hd; e++) o[e] += p * vj[e];
    }
  }
}

int cpu_attention(struct ls_backend *be, const void *qkv, uint32_t heads, uint32_t head_dim, void *out, struct ls_err *err) {
  const struct cpu_batch *b = cpu_batch_of(be);
  uint32_t width = heads * head_dim, jobs = b->n_seqs * heads;
  size_t scratch_n = (size_t)(b->max_len ? b->max_len : 1) * (2 * head_dim + 1);
  int rc = LS_OK;
#pragma omp parallel
  {
    float *scratch = malloc(scratch_n * sizeof *scratch);
    if (!scratch) {
#pragma omp atomic write
      rc = LS_ENOMEM;
    }
#pragma omp for schedule(dynamic, 4)
    for (uint32_t job = 0; job < jobs; job++) {
      uint32_t s = job / heads, h = job % heads;
      if (scratch) attend(qkv, b->offsets[s], b->offsets[s + 1] - b->offsets[s], h, head_dim, width, out, scratch);
    }
    free(scratch);
  }
  return rc ? ls_err_set(err, rc, "cpu backend: out of memory in attention") : LS_OK;
}

static void pool_one(const float *x, uint32_t start, uint32_t len, uint32_t d, enum ls_pooling mode, float *o) {
  const float *first = x + (size_t)start * d;
  memcpy(o, first, d * sizeof *o);
  if (mode == LS_POOL_CLS) return;
  for (uint32_t t = 1; t < len; t++) {
    const float *row = first + (size_t)t * d;
    if (mode == LS_POOL_MAX) {
      for (uint32_t j = 0; j < d; j++) o[j] = row[j] > o[j] ? row[j] : o[j];
    } else {
#pragma omp simd
      for (uint32_t j = 0; j < d; j++) o[j] += row[j];
    }
  }
  if (mode == LS_POOL_MEAN)
    for (uint32_t j = 0; j < d; j++) o[j] /= (float)len;
}

int cpu_pool(struct ls_backend *be, const void *x, uint32_t d, enum ls_pooling mode, int normalize, void *out,
             struct ls_err *err) {
  const struct cpu_batch *b = cpu_batch_of(be);
#pragma omp parallel for schedule(static)
  for (uint32_t s = 0; s < b->n_seqs; s++)
    pool_one(x, b->offsets[s], b->offsets[s + 1] - b->offsets[s], d, mode, (float *)out + (size_t)s * d);
  return normalize ? be->i->l2_normalize(be, out, b->n_seqs, d, err) : LS_OK;
}

int cpu_run_graph(struct ls_backend *be, uint64_t key, int (*fn)(void *ctx, struct ls_err *err), void *ctx,
                  struct ls_err *err) {
  (void)be; (void)key;
  return fn(ctx, err);
}

int cpu_fetch(struct ls_backend *be, void *host, const void *src, size_t n, struct ls_err *err) {
  (void)be; (void)err;
  memcpy(host, src, n);
  return LS_OK;
}

int cpu_sync(struct ls_backend *be, struct ls_err *err) { (void)be; (void)err; return LS_OK; }
