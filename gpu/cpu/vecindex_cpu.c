/* vecindex_cpu.c — the CPU twins of the window-index ops (backend.h): FP16 rows, sign-packed
 * sketches, top-k list choice, inverted-file inserts, the fused probe (sketch filter, then the
 * exact dot product against the FP16 row, pairs ≥ tau appended through an atomic counter) and
 * connected components by union-find. The reference the CUDA kernels are checked against. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_ops.h"

typedef _Float16 half;

int cpu_store_f16(struct ls_backend *be, const struct ls_ivf *ix, const void *x, uint32_t n, uint32_t first,
                  struct ls_err *err) {
  (void)be; (void)err;
  const float *src = x;
  half *rows = ix->rows;
  for (uint32_t i = 0; i < n; i++) {
    half *dst = rows + (size_t)((first + i) % ix->capacity) * ix->dim;
    for (uint32_t j = 0; j < ix->dim; j++) dst[j] = (half)src[(size_t)i * ix->dim + j];
  }
  return LS_OK;
}

int cpu_load_f16(struct ls_backend *be, const struct ls_ivf *ix, uint32_t first, uint32_t n, void *x, struct ls_err *err) {
  (void)be; (void)err;
  const half *src = (const half *)ix->rows + (size_t)first * ix->dim;
  float *dst = x;
  for (size_t i = 0; i < (size_t)n * ix->dim; i++) dst[i] = (float)src[i];
  return LS_OK;
}

int cpu_sign_pack(struct ls_backend *be, const void *proj, uint32_t n, void *bits, struct ls_err *err) {
  (void)be; (void)err;
  const float *p = proj;
  uint64_t *b = bits;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t w = 0; w < LS_SKETCH_WORDS; w++) {
      uint64_t word = 0;
      for (uint32_t j = 0; j < 64; j++) word |= (uint64_t)(p[(size_t)i * 64 * LS_SKETCH_WORDS + w * 64 + j] >= 0.0f) << j;
      b[(size_t)i * LS_SKETCH_WORDS + w] = word;
    }
  return LS_OK;
}

/* Insertion into a best-first list of k (value, column) pairs. */
static void keep_best(float *val, uint32_t *col, uint32_t *have, uint32_t k, float v, uint32_t c) {
  if (*have == k && v <= val[k - 1]) return;
  uint32_t i = *have < k ? (*have)++ : k - 1;
  while (i > 0 && val[i - 1] < v) {
    val[i] = val[i - 1];
    col[i] = col[i - 1];
    i--;
  }
  val[i] = v;
  col[i] = c;
}

int cpu_top_k(struct ls_backend *be, const void *s, const void *bias, uint32_t n, uint32_t m, uint32_t k, void *out,
              struct ls_err *err) {
  (void)be;
  if (k == 0 || k > 64 || k > m) return ls_err_set(err, LS_EINVAL, "top_k: k=%u must be in [1, min(64, %u)]", k, m);
  const float *sv = s, *b = bias;
#pragma omp parallel for schedule(static)
  for (uint32_t i = 0; i < n; i++) {
    float val[64];
    uint32_t have = 0;
    for (uint32_t j = 0; j < m; j++)
      keep_best(val, (uint32_t *)out + (size_t)i * k, &have, k, sv[(size_t)i * m + j] + (b ? b[j] : 0.0f), j);
  }
  return LS_OK;
}

int cpu_ivf_insert(struct ls_backend *be, const struct ls_ivf *ix, const void *bits, const void *list_of, uint32_t n,
                   uint32_t first, uint32_t seq0, uint32_t *displaced, struct ls_err *err) {
  (void)be; (void)err;
  uint32_t *heads = ix->heads, lost = 0;
  uint64_t *sketch = ix->sketch;
  const uint64_t *b = bits;
  struct ls_ivf_entry *entries = ix->entries;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t slot = (first + i) % ix->capacity;
    memcpy(sketch + (size_t)slot * LS_SKETCH_WORDS, b + (size_t)i * LS_SKETCH_WORDS, LS_SKETCH_WORDS * sizeof(uint64_t));
    for (uint32_t k = 0; list_of && k < ix->spill; k++) {
      uint32_t list = ((const uint32_t *)list_of)[(size_t)i * ix->spill + k];
      struct ls_ivf_entry *e = entries + (size_t)list * ix->list_cap + heads[list]++ % ix->list_cap;
      lost += heads[list] > ix->list_cap && ls_ivf_live(seq0 + n, ix->capacity, e->seq);
      e->slot = slot;
      e->seq = seq0 + i;
      memcpy(e->sketch, b + (size_t)i * LS_SKETCH_WORDS, sizeof e->sketch);
    }
  }
  if (displaced) *displaced = lost;
  return LS_OK;
}

static inline uint32_t hamming(const uint64_t *a, const uint64_t *b) {
  uint32_t h = 0;
  for (int w = 0; w < LS_SKETCH_WORDS; w++) h += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
  return h;
}

static float dot_f16_scalar(const float *q, const half *r, uint32_t d) {
  float s = 0;
  for (uint32_t j = 0; j < d; j++) s += q[j] * (float)r[j];
  return s;
}

#if defined(__x86_64__)
/* Sixteen lanes at a time: F16C widens the row, FMA accumulates in two registers. */
__attribute__((target("avx2,fma,f16c"))) static float dot_f16_avx2(const float *q, const half *r, uint32_t d) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  uint32_t j = 0;
  for (; j + 16 <= d; j += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j))), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j + 8))), a1);
  }
  __m256 a = _mm256_add_ps(a0, a1);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h) + dot_f16_scalar(q + j, r + j, d - j);
}
#endif

/* q · r for a float32 query and an FP16 row. */
static inline float dot_f16(const float *q, const half *r, uint32_t d) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
    return dot_f16_avx2(q, r, d);
#endif
  return dot_f16_scalar(q, r, d);
}

struct probe_out {
  struct ls_pair *pairs;
  uint32_t cap, found;
};

/* The exact test on one row that passed the sketch filter. */
static inline void candidate(const struct ls_ivf *ix, const float *q, uint32_t qi, uint32_t slot, float tau,
                             struct probe_out *o) {
  float s = dot_f16(q, (const half *)ix->rows + (size_t)slot * ix->dim, ix->dim);
  if (s < tau) return;
  uint32_t k;
#pragma omp atomic capture
  k = o->found++;
  if (k < o->cap) o->pairs[k] = (struct ls_pair){qi, slot, s};
}

static inline void prefetch_row(const struct ls_ivf *ix, uint32_t slot) {
  const char *r = (const char *)((const half *)ix->rows + (size_t)slot * ix->dim);
  for (size_t b = 0; b < ix->dim * sizeof(half); b += 64) __builtin_prefetch(r + b);
}

#define AHEAD 16 /* candidates whose rows are being fetched while the scan goes on (a power of 2) */

/* The rows of candidates are scattered over the window: each is prefetched when the scan finds
 * it and tested AHEAD candidates later. The scans are cloned per instruction set (hamming
 * inlines into each clone: POPCNT where the CPU has it); the dot product picks its AVX2/F16C/FMA
 * form at run time. */
HOT static void probe_list(const struct ls_ivf *ix, const float *q, const uint64_t *qb, uint32_t qi, uint32_t list,
                       float tau, uint32_t max_h, struct probe_out *o) {
  const struct ls_ivf_entry *e = (const struct ls_ivf_entry *)ix->entries + (size_t)list * ix->list_cap;
  uint32_t heads = ((const uint32_t *)ix->heads)[list], n = heads < ix->list_cap ? heads : ix->list_cap;
  uint32_t ring[AHEAD], m = 0;
  for (uint32_t k = 0; k < n; k++) {
    if (hamming(e[k].sketch, qb) > max_h || !ls_ivf_live(ix->seq_end, ix->filled, e[k].seq)) continue;
    uint32_t at = m++ % AHEAD;
    if (m > AHEAD) candidate(ix, q, qi, ring[at], tau, o);
    prefetch_row(ix, e[k].slot);
    ring[at] = e[k].slot;
  }
  for (uint32_t c = m > AHEAD ? m - AHEAD : 0; c < m; c++) candidate(ix, q, qi, ring[c % AHEAD], tau, o);
}

HOT static void probe_flat(const struct ls_ivf *ix, const float *q, const uint64_t *qb, uint32_t qi, float tau,
                       uint32_t max_h, struct probe_out *o) {
  const uint64_t *sk = ix->sketch;
  for (uint32_t slot = 0; slot < ix->filled; slot++)
    if (hamming(sk + (size_t)slot * LS_SKETCH_WORDS, qb) <= max_h) candidate(ix, q, qi, slot, tau, o);
}

int cpu_ivf_probe(struct ls_backend *be, const struct ls_ivf *ix, const void *q, const void *qbits, uint32_t n,
                  const void *probe, uint32_t nprobe, float tau, uint32_t max_hamming, struct ls_pair *out, uint32_t cap,
                  uint32_t *n_found, struct ls_err *err) {
  (void)be; (void)err;
  struct probe_out o = {out, cap, 0};
#pragma omp parallel for schedule(dynamic, 4)
  for (uint32_t i = 0; i < n; i++) {
    const float *qi = (const float *)q + (size_t)i * ix->dim;
    const uint64_t *qb = (const uint64_t *)qbits + (size_t)i * LS_SKETCH_WORDS;
    if (!probe) {
      probe_flat(ix, qi, qb, i, tau, max_hamming, &o);
      continue;
    }
    for (uint32_t p = 0; p < nprobe; p++) {
      uint32_t list = ((const uint32_t *)probe)[(size_t)i * nprobe + p];
      if (list != LS_NO_LIST) probe_list(ix, qi, qb, i, list, tau, max_hamming, &o);
    }
  }
  *n_found = o.found;
  return LS_OK;
}

static uint32_t find(uint32_t *parent, uint32_t v) {
  while (parent[v] != v) v = parent[v] = parent[parent[v]];
  return v;
}

/* Union by smaller index, so every root is its component's smallest vertex. */
int cpu_components(struct ls_backend *be, const uint32_t *edges, uint32_t n_e, uint32_t n_v, uint32_t *labels,
                   struct ls_err *err) {
  (void)be; (void)err;
  for (uint32_t v = 0; v < n_v; v++) labels[v] = v;
  for (uint32_t k = 0; k < n_e; k++) {
    uint32_t a = find(labels, edges[2 * k]), b = find(labels, edges[2 * k + 1]);
    if (a < b) labels[b] = a;
    else labels[a] = b;
  }
  for (uint32_t v = 0; v < n_v; v++) labels[v] = find(labels, v);
  return LS_OK;
}
