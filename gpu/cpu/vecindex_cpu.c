/* vecindex_cpu.c — the CPU twins of the window-index ops (backend.h): FP16 rows, sign-packed
 * sketches, top-k list choice, inverted-file inserts, the fused probe (coarse sketch filter over
 * the list, whole-sketch filter, then the exact dot product against the FP16 row, pairs ≥ tau
 * appended through an atomic counter) and connected components by union-find. The reference the
 * CUDA kernels are checked against. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_ops.h"

#include "lockstep/half.h"

typedef ls_half half;
#if defined(__clang__) && __clang_major__ < 15
#define HAS_F16C() 1 /* clang 14 has no "f16c" to ask for: every AVX2+FMA CPU has it */
#else
#define HAS_F16C() __builtin_cpu_supports("f16c")
#endif

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
static inline void keep_best(float *val, uint32_t *col, uint32_t *have, uint32_t k, float v, uint32_t c) {
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

#define TOPK_BLOCK 16

/* The k best columns of one row, best first. Once k are held, a block of columns whose largest
 * value cannot enter is skipped whole: the block maxima vectorise, and most blocks are skipped. */
HOT static void top_k_row(const float *s, const float *bias, uint32_t m, uint32_t k, uint32_t *col) {
  float val[64], v[TOPK_BLOCK];
  uint32_t have = 0;
  for (uint32_t j0 = 0; j0 < m; j0 += TOPK_BLOCK) {
    uint32_t len = m - j0 < TOPK_BLOCK ? m - j0 : TOPK_BLOCK;
    float top = -INFINITY;
    for (uint32_t j = 0; j < len; j++) {
      v[j] = s[j0 + j] + (bias ? bias[j0 + j] : 0.0f);
      top = v[j] > top ? v[j] : top;
    }
    if (have == k && top <= val[k - 1]) continue;
    for (uint32_t j = 0; j < len; j++) keep_best(val, col, &have, k, v[j], j0 + j);
  }
}

int cpu_top_k(struct ls_backend *be, const void *s, const void *bias, uint32_t n, uint32_t m, uint32_t k, void *out,
              struct ls_err *err) {
  (void)be;
  if (k == 0 || k > 64 || k > m) return ls_err_set(err, LS_EINVAL, "top_k: k=%u must be in [1, min(64, %u)]", k, m);
#pragma omp parallel for schedule(static)
  for (uint32_t i = 0; i < n; i++) top_k_row((const float *)s + (size_t)i * m, bias, m, k, (uint32_t *)out + (size_t)i * k);
  return LS_OK;
}

int cpu_ivf_insert(struct ls_backend *be, const struct ls_ivf *ix, const void *bits, const void *list_of,
                   uint32_t list_stride, uint32_t n, uint32_t first, uint32_t seq0, uint32_t *displaced,
                   struct ls_err *err) {
  (void)be; (void)err;
  uint32_t *heads = ix->heads, lost = 0, live_after = ix->live + n < ix->capacity ? ix->live + n : ix->capacity;
  uint64_t *sketch = ix->sketch;
  const uint64_t *b = bits;
  struct ls_ivf_entry *entries = ix->entries;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t slot = (first + i) % ix->capacity;
    memcpy(sketch + (size_t)slot * LS_SKETCH_WORDS, b + (size_t)i * LS_SKETCH_WORDS, LS_SKETCH_WORDS * sizeof(uint64_t));
    for (uint32_t k = 0; list_of && k < ix->spill; k++) {
      uint32_t list = ((const uint32_t *)list_of)[(size_t)i * list_stride + k];
      struct ls_ivf_entry *e = entries + (size_t)list * ix->list_cap + heads[list]++ % ix->list_cap;
      lost += heads[list] > ix->list_cap && ls_ivf_live(seq0 + n, live_after, e->seq);
      e->slot = slot;
      e->seq = seq0 + i;
      memcpy(e->sketch, b + (size_t)i * LS_SKETCH_WORDS, sizeof e->sketch); /* the coarse words */
    }
  }
  if (displaced) *displaced = lost;
  return LS_OK;
}

/* Differing bits of words [from, to) of two sketches. */
static inline uint32_t hamming(const uint64_t *a, const uint64_t *b, int from, int to) {
  uint32_t h = 0;
  for (int w = from; w < to; w++) h += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
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
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && HAS_F16C())
    return dot_f16_avx2(q, r, d);
#endif
  return dot_f16_scalar(q, r, d);
}

/* One query's probe: its vector and sketch, the filter, and where pairs go. */
struct probe_q {
  const struct ls_ivf *ix;
  const float *q;
  const uint64_t *qb;
  uint32_t qi;
  float tau;
  struct ls_hamming_bound bound;
  struct ls_pair *pairs;
  uint32_t cap, *found;
};

/* The exact test on one row that passed both sketch filters. */
static inline void candidate(const struct probe_q *p, uint32_t slot) {
  float s = dot_f16(p->q, (const half *)p->ix->rows + (size_t)slot * p->ix->dim, p->ix->dim);
  if (s < p->tau) return;
  uint32_t k;
#pragma omp atomic capture
  k = (*p->found)++;
  if (k < p->cap) p->pairs[k] = (struct ls_pair){p->qi, slot, s};
}

static inline const uint64_t *sketch_of(const struct ls_ivf *ix, uint32_t slot) {
  return (const uint64_t *)ix->sketch + (size_t)slot * LS_SKETCH_WORDS;
}

static inline void prefetch_row(const struct ls_ivf *ix, uint32_t slot) {
  const char *r = (const char *)((const half *)ix->rows + (size_t)slot * ix->dim);
  for (size_t b = 0; b < ix->dim * sizeof(half); b += 64) __builtin_prefetch(r + b);
}

#define AHEAD 16 /* candidates in flight at each stage (a power of 2) */

/* The two stages after the coarse filter, each a ring of AHEAD slots whose memory is being
 * fetched while the scan goes on: `sk` waits for its whole sketch (one cache line; the coarse
 * distance already counted rides along), `row` for its FP16 row. */
struct stages {
  uint32_t sk[AHEAD], sk_h[AHEAD], row[AHEAD];
  uint32_t n_sk, n_row;
};

/* coarse_h: the distance over the coarse words, so only the rest of the sketch is compared. */
static inline void to_row_stage(const struct probe_q *p, struct stages *st, uint32_t slot, uint32_t coarse_h) {
  if (coarse_h + hamming(sketch_of(p->ix, slot), p->qb, LS_COARSE_WORDS, LS_SKETCH_WORDS) > p->bound.fine) return;
  uint32_t at = st->n_row++ % AHEAD;
  if (st->n_row > AHEAD) candidate(p, st->row[at]);
  prefetch_row(p->ix, slot);
  st->row[at] = slot;
}

static inline void to_sketch_stage(const struct probe_q *p, struct stages *st, uint32_t slot, uint32_t coarse_h) {
  uint32_t at = st->n_sk++ % AHEAD;
  if (st->n_sk > AHEAD) to_row_stage(p, st, st->sk[at], st->sk_h[at]);
  __builtin_prefetch(sketch_of(p->ix, slot));
  st->sk[at] = slot;
  st->sk_h[at] = coarse_h;
}

static inline void drain(const struct probe_q *p, struct stages *st) {
  for (uint32_t c = st->n_sk > AHEAD ? st->n_sk - AHEAD : 0; c < st->n_sk; c++)
    to_row_stage(p, st, st->sk[c % AHEAD], st->sk_h[c % AHEAD]);
  for (uint32_t c = st->n_row > AHEAD ? st->n_row - AHEAD : 0; c < st->n_row; c++) candidate(p, st->row[c % AHEAD]);
}

/* Of a run of len positions from lo in a ring of cap, how many come before the wrap: the run is
 * [lo, lo + that) then [0, len − that). */
static inline uint32_t before_wrap(uint32_t lo, uint32_t len, uint32_t cap) { return len < cap - lo ? len : cap - lo; }

/* Where the oldest entry of a list with `heads` appends sits in its ring. */
static inline uint32_t list_start(const struct ls_ivf *ix, uint32_t heads) {
  return heads > ix->list_cap ? heads % ix->list_cap : 0;
}

/* How many of a list's entries, oldest first, are stale. Entries are appended in row order (one
 * thread inserts), so the stale ones come first and a binary search finds where the live begin. */
static uint32_t list_stale(const struct ls_ivf *ix, const struct ls_ivf_entry *e, uint32_t heads) {
  uint32_t start = list_start(ix, heads), lo = 0, hi = heads < ix->list_cap ? heads : ix->list_cap;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (ls_ivf_live(ix->seq_end, ix->live, e[(start + mid) % ix->list_cap].seq)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* Entries [lo, hi) of a list, in order. */
static inline void scan_entries(const struct probe_q *p, struct stages *st, const struct ls_ivf_entry *e, uint32_t lo,
                                uint32_t hi) {
  for (uint32_t k = lo; k < hi; k++) {
    uint32_t h = hamming(e[k].sketch, p->qb, 0, LS_COARSE_WORDS);
    if (h <= p->bound.coarse) to_sketch_stage(p, st, e[k].slot, h);
  }
}

/* A list is a ring of entries in row order; its live entries are its newest, found by binary
 * search (list_stale), so the scan reads exactly them, forwards (which the hardware prefetches):
 * its cost follows the live rows, not the list's room. Candidates' sketches and rows are
 * scattered over the window: each is prefetched when an earlier stage passes it and tested AHEAD
 * candidates later. The scans are cloned per instruction set (hamming inlines into each clone:
 * POPCNT where the CPU has it); the dot product picks its AVX2/F16C/FMA form at run time. */
HOT static void probe_list(const struct probe_q *p, uint32_t list) {
  const struct ls_ivf *ix = p->ix;
  const struct ls_ivf_entry *e = (const struct ls_ivf_entry *)ix->entries + (size_t)list * ix->list_cap;
  uint32_t heads = ((const uint32_t *)ix->heads)[list], start = list_start(ix, heads);
  uint32_t n = heads < ix->list_cap ? heads : ix->list_cap, from = list_stale(ix, e, heads);
  uint32_t lo = (start + from) % ix->list_cap, len = n - from; /* the live run: len entries from lo */
  uint32_t first = before_wrap(lo, len, ix->list_cap);
  struct stages st = {.n_sk = 0, .n_row = 0};
  scan_entries(p, &st, e, lo, lo + first);
  scan_entries(p, &st, e, 0, len - first);
  drain(p, &st);
}

/* Slots [lo, hi) in order: sequential reads, which the hardware prefetches. */
static inline void scan_slots(const struct probe_q *p, uint32_t lo, uint32_t hi) {
  for (uint32_t slot = lo; slot < hi; slot++)
    if (hamming(sketch_of(p->ix, slot), p->qb, 0, LS_SKETCH_WORDS) <= p->bound.fine) candidate(p, slot);
}

/* Every live row: the `live` slots before head, in one or (wrapped) two runs. */
HOT static void probe_flat(const struct probe_q *p) {
  const struct ls_ivf *ix = p->ix;
  uint32_t lo = (ix->head + ix->capacity - ix->live) % ix->capacity, first = before_wrap(lo, ix->live, ix->capacity);
  scan_slots(p, lo, lo + first);
  scan_slots(p, 0, ix->live - first);
}

int cpu_ivf_probe(struct ls_backend *be, const struct ls_ivf *ix, const void *q, const void *qbits, uint32_t n,
                  const void *probe, uint32_t nprobe, float tau, struct ls_hamming_bound bound, struct ls_pair *out,
                  uint32_t cap, uint32_t *n_found, struct ls_err *err) {
  (void)be; (void)err;
  uint32_t found = 0;
#pragma omp parallel for schedule(dynamic, 4)
  for (uint32_t i = 0; i < n; i++) {
    struct probe_q p = {ix, (const float *)q + (size_t)i * ix->dim, (const uint64_t *)qbits + (size_t)i * LS_SKETCH_WORDS,
                        i, tau, bound, out, cap, &found};
    if (!probe) {
      probe_flat(&p);
      continue;
    }
    for (uint32_t k = 0; k < nprobe; k++) {
      uint32_t list = ((const uint32_t *)probe)[(size_t)i * nprobe + k];
      if (list != LS_NO_LIST) probe_list(&p, list);
    }
  }
  *n_found = found;
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
