/* vecindex_cuda.cu — the CUDA window-index ops (backend.h), twins of gpu/cpu/vecindex_cpu.c:
 * FP16 row stores and loads, sign packing of the SimHash projections, top-k list choice (one
 * thread per row), inverted-file inserts (list heads advanced with atomicAdd), the fused probe
 * (one warp per query and list: lanes test 32 entries' coarse sketches at once, then the whole
 * sketches of those that pass; the warp computes the exact dot product of each survivor
 * cooperatively and appends pairs ≥ tau through the pair counter; no similarity matrix is written) and connected components by min-label propagation. */
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda_ctx.cuh"

namespace {

constexpr int WARP = 32;
constexpr int PROBE_WARPS = 8; // per block

int launched(ls_err *err, const char *what) {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? LS_OK : cuda_fail(err, what, e);
}

__global__ void store_f16_kernel(const float *x, uint32_t n, uint32_t d, __half *rows, uint32_t first, uint32_t cap) {
  size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (size_t)n * d) return;
  uint32_t i = (uint32_t)(k / d), j = (uint32_t)(k % d);
  rows[(size_t)((first + i) % cap) * d + j] = __float2half_rn(x[k]);
}

__global__ void load_f16_kernel(const __half *rows, size_t count, float *x) {
  size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k < count) x[k] = __half2float(rows[k]);
}

__global__ void sign_pack_kernel(const float *proj, uint32_t n, unsigned long long *bits) {
  uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n * LS_SKETCH_WORDS) return;
  const float *p = proj + (size_t)k * 64; // row k / WORDS, word k % WORDS: contiguous 64 floats
  unsigned long long w = 0;
  for (int j = 0; j < 64; j++) w |= (unsigned long long)(p[j] >= 0.0f) << j;
  bits[k] = w;
}

__global__ void top_k_kernel(const float *s, const float *bias, uint32_t n, uint32_t m, uint32_t k, uint32_t *out) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float val[64];
  uint32_t *col = out + (size_t)i * k, have = 0;
  for (uint32_t j = 0; j < m; j++) {
    float v = s[(size_t)i * m + j] + (bias ? bias[j] : 0.0f);
    if (have == k && v <= val[k - 1]) continue;
    uint32_t p = have < k ? have++ : k - 1;
    while (p > 0 && val[p - 1] < v) {
      val[p] = val[p - 1];
      col[p] = col[p - 1];
      p--;
    }
    val[p] = v;
    col[p] = j;
  }
}

__global__ void ivf_insert_kernel(ls_ivf ix, const unsigned long long *bits, const uint32_t *list_of,
                                  uint32_t list_stride, uint32_t n, uint32_t first, uint32_t seq0,
                                  unsigned int *displaced) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  uint32_t slot = (first + i) % ix.capacity, seq = seq0 + i;
  uint32_t live_after = ix.live + n < ix.capacity ? ix.live + n : ix.capacity;
  auto *sketch = static_cast<unsigned long long *>(ix.sketch);
  for (int w = 0; w < LS_SKETCH_WORDS; w++) sketch[(size_t)slot * LS_SKETCH_WORDS + w] = bits[(size_t)i * LS_SKETCH_WORDS + w];
  for (uint32_t k = 0; list_of && k < ix.spill; k++) {
    uint32_t list = list_of[(size_t)i * list_stride + k];
    uint32_t h = atomicAdd(static_cast<unsigned int *>(ix.heads) + list, 1u);
    ls_ivf_entry *e = static_cast<ls_ivf_entry *>(ix.entries) + (size_t)list * ix.list_cap + h % ix.list_cap;
    if (h >= ix.list_cap && ls_ivf_live(seq0 + n, live_after, e->seq)) atomicAdd(displaced, 1u);
    e->slot = slot;
    e->seq = seq;
    for (int w = 0; w < LS_COARSE_WORDS; w++) e->sketch[w] = bits[(size_t)i * LS_SKETCH_WORDS + w];
  }
}

// Differing bits of the first `words` words of two sketches.
__device__ uint32_t hamming(const uint64_t *a, const unsigned long long *b, int from, int to) {
  uint32_t h = 0;
  for (int w = from; w < to; w++) h += __popcll((unsigned long long)a[w] ^ b[w]);
  return h;
}

// The warp's exact dot product of the query (shared memory) with one FP16 row; every lane gets it.
__device__ float warp_dot(const float *q, const __half *row, uint32_t d, int lane) {
  float s = 0.f;
  for (uint32_t j = lane; j < d; j += WARP) s += q[j] * __half2float(row[j]);
  for (int off = WARP / 2; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off);
  return s;
}

struct probe_args {
  ls_ivf ix;
  const float *q;
  const unsigned long long *qbits;
  uint32_t n, nprobe, cap;
  ls_hamming_bound bound;
  const uint32_t *probe; // null: every filled slot
  float tau;
  ls_pair *out;
  unsigned int *counter;
};

// Lane k of a warp's chunk of list positions, newest first: the entry's slot, its coarse sketch
// distance, and whether it is live.
__device__ bool list_entry(const probe_args &a, const ls_ivf_entry *entries, uint32_t heads, uint32_t k,
                           const unsigned long long *qb, uint32_t *slot, uint32_t *coarse_h) {
  const ls_ivf_entry &e = entries[(heads - 1u - k) % a.ix.list_cap];
  *slot = e.slot;
  *coarse_h = hamming(e.sketch, qb, 0, LS_COARSE_WORDS);
  return ls_ivf_live(a.ix.seq_end, a.ix.live, e.seq);
}

// One warp per (query, list) — or, without lists, per (query, chunk of 32·PROBE_WARPS rows).
// Positions k count from the newest; a list's live entries are its newest, so the warp stops at
// the first chunk of 32 with none live (the entries of one batch may sit in any order within a
// list, so the cut between live and stale is exact only to within a chunk).
__global__ void ivf_probe_kernel(probe_args a) {
  extern __shared__ float qs[];
  uint32_t qi = blockIdx.y, lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, d = a.ix.dim;
  for (uint32_t j = threadIdx.x; j < d; j += blockDim.x) qs[j] = a.q[(size_t)qi * d + j];
  __syncthreads();
  const unsigned long long *qb = a.qbits + (size_t)qi * LS_SKETCH_WORDS;
  const auto *rows = static_cast<const __half *>(a.ix.rows);
  uint32_t begin, end, list = 0, heads = 0;
  if (a.probe) {
    uint32_t p = blockIdx.x * PROBE_WARPS + warp;
    if (p >= a.nprobe) return;
    list = a.probe[(size_t)qi * a.nprobe + p];
    if (list == LS_NO_LIST) return;
    heads = static_cast<const uint32_t *>(a.ix.heads)[list];
    begin = 0;
    end = heads < a.ix.list_cap ? heads : a.ix.list_cap;
  } else {
    begin = (blockIdx.x * PROBE_WARPS + warp) * WARP * 32;
    end = begin + WARP * 32 < a.ix.live ? begin + WARP * 32 : a.ix.live;
  }
  const ls_ivf_entry *entries = static_cast<const ls_ivf_entry *>(a.ix.entries) + (size_t)list * a.ix.list_cap;
  const auto *sketch = static_cast<const uint64_t *>(a.ix.sketch);
  for (uint32_t base = begin; base < end; base += WARP) {
    uint32_t k = base + lane, slot = 0, h = 0;
    bool live = false;
    if (k < end && a.probe) {
      live = list_entry(a, entries, heads, k, qb, &slot, &h);
    } else if (k < end) {
      slot = ls_ivf_newest(&a.ix, k);
      live = true;
      h = hamming(sketch + (size_t)slot * LS_SKETCH_WORDS, qb, 0, LS_COARSE_WORDS);
    }
    if (__ballot_sync(0xffffffffu, live) == 0) break;
    // list entries pass the coarse filter first; then the rest of the whole sketch, whose first
    // words are the coarse ones
    bool pass = live && (!a.probe || h <= a.bound.coarse) &&
                h + hamming(sketch + (size_t)slot * LS_SKETCH_WORDS, qb, LS_COARSE_WORDS, LS_SKETCH_WORDS) <= a.bound.fine;
    unsigned int ballot = __ballot_sync(0xffffffffu, pass);
    while (ballot) {
      int src = __ffs(ballot) - 1;
      ballot &= ballot - 1;
      uint32_t s = __shfl_sync(0xffffffffu, slot, src);
      float sim = warp_dot(qs, rows + (size_t)s * d, d, (int)lane);
      if (lane == 0 && sim >= a.tau) {
        unsigned int at = atomicAdd(a.counter, 1u);
        if (at < a.cap) a.out[at] = ls_pair{qi, s, sim};
      }
    }
  }
}

__global__ void components_kernel(const uint32_t *edges, uint32_t n_e, uint32_t *labels, int *changed) {
  uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n_e) return;
  uint32_t u = edges[2 * k], v = edges[2 * k + 1];
  uint32_t lu = labels[u], lv = labels[v];
  if (lu == lv) return;
  uint32_t m = lu < lv ? lu : lv;
  atomicMin(&labels[u], m);
  atomicMin(&labels[v], m);
  *changed = 1;
}

__global__ void iota_kernel(uint32_t *x, uint32_t n) {
  uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < n) x[k] = k;
}

uint32_t blocks(size_t n, uint32_t per) { return (uint32_t)((n + per - 1) / per); }

int cuda_store_f16(ls_backend *be, const ls_ivf *ix, const void *x, uint32_t n, uint32_t first, ls_err *err) {
  if (n == 0) return LS_OK;
  store_f16_kernel<<<blocks((size_t)n * ix->dim, 256), 256, 0, ctx_of(be)->stream>>>(
      static_cast<const float *>(x), n, ix->dim, static_cast<__half *>(ix->rows), first, ix->capacity);
  return launched(err, "store_f16");
}

int cuda_load_f16(ls_backend *be, const ls_ivf *ix, uint32_t first, uint32_t n, void *x, ls_err *err) {
  size_t count = (size_t)n * ix->dim;
  if (count == 0) return LS_OK;
  load_f16_kernel<<<blocks(count, 256), 256, 0, ctx_of(be)->stream>>>(
      static_cast<const __half *>(ix->rows) + (size_t)first * ix->dim, count, static_cast<float *>(x));
  return launched(err, "load_f16");
}

int cuda_sign_pack(ls_backend *be, const void *proj, uint32_t n, void *bits, ls_err *err) {
  if (n == 0) return LS_OK;
  sign_pack_kernel<<<blocks((size_t)n * LS_SKETCH_WORDS, 128), 128, 0, ctx_of(be)->stream>>>(
      static_cast<const float *>(proj), n, static_cast<unsigned long long *>(bits));
  return launched(err, "sign_pack");
}

int cuda_top_k(ls_backend *be, const void *s, const void *bias, uint32_t n, uint32_t m, uint32_t k, void *out, ls_err *err) {
  if (k == 0 || k > 64 || k > m) return ls_err_set(err, LS_EINVAL, "top_k: k=%u must be in [1, min(64, %u)]", k, m);
  if (n == 0) return LS_OK;
  top_k_kernel<<<blocks(n, 128), 128, 0, ctx_of(be)->stream>>>(static_cast<const float *>(s),
                                                                  static_cast<const float *>(bias), n, m, k,
                                                                  static_cast<uint32_t *>(out));
  return launched(err, "top_k");
}

int cuda_ivf_insert(ls_backend *be, const ls_ivf *ix, const void *bits, const void *list_of, uint32_t list_stride,
                    uint32_t n, uint32_t first, uint32_t seq0, uint32_t *displaced, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  if (displaced) *displaced = 0;
  if (n == 0) return LS_OK;
  cudaError_t e = cudaMemsetAsync(c->counter, 0, sizeof(unsigned int), c->stream);
  if (e != cudaSuccess) return cuda_fail(err, "memset", e);
  ivf_insert_kernel<<<blocks(n, 128), 128, 0, c->stream>>>(*ix, static_cast<const unsigned long long *>(bits),
                                                           static_cast<const uint32_t *>(list_of), list_stride, n,
                                                           first, seq0, c->counter);
  int rc = launched(err, "ivf_insert");
  unsigned int lost = 0;
  if (rc == LS_OK && (e = cudaMemcpyAsync(&lost, c->counter, sizeof lost, cudaMemcpyDeviceToHost, c->stream)) == cudaSuccess)
    e = cudaStreamSynchronize(c->stream);
  if (rc == LS_OK && e != cudaSuccess) rc = cuda_fail(err, "ivf_insert count", e);
  if (displaced) *displaced = lost;
  return rc;
}

int cuda_ivf_probe(ls_backend *be, const ls_ivf *ix, const void *q, const void *qbits, uint32_t n, const void *probe,
                   uint32_t nprobe, float tau, ls_hamming_bound bound, ls_pair *out, uint32_t cap,
                   uint32_t *n_found, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  *n_found = 0;
  int rc = cuda_ensure_pairs(c, cap ? cap : 1, err);
  if (rc != LS_OK || n == 0) return rc;
  cudaError_t e = cudaMemsetAsync(c->counter, 0, sizeof(unsigned int), c->stream);
  if (e != cudaSuccess) return cuda_fail(err, "memset", e);
  probe_args a{*ix, static_cast<const float *>(q), static_cast<const unsigned long long *>(qbits), n, nprobe, cap,
               bound, static_cast<const uint32_t *>(probe), tau, c->pairs, c->counter};
  uint32_t units = probe ? nprobe : blocks(ix->live, WARP * 32);
  if (units == 0) return LS_OK;
  dim3 grid(blocks(units, PROBE_WARPS), n);
  ivf_probe_kernel<<<grid, PROBE_WARPS * WARP, ix->dim * sizeof(float), c->stream>>>(a);
  if ((rc = launched(err, "ivf_probe")) != LS_OK) return rc;
  return cuda_fetch_pairs(c, out, cap, n_found, err);
}

int cuda_components(ls_backend *be, const uint32_t *edges, uint32_t n_e, uint32_t n_v, uint32_t *labels, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  for (uint32_t v = 0; v < n_v && n_e == 0; v++) labels[v] = v;
  if (n_e == 0 || n_v == 0) return LS_OK;
  uint32_t *d_edges = nullptr, *d_labels = nullptr;
  int *d_changed = nullptr;
  cudaError_t e = cudaMallocAsync(&d_edges, (size_t)n_e * 2 * sizeof(uint32_t), c->stream);
  if (e == cudaSuccess) e = cudaMallocAsync(&d_labels, (size_t)n_v * sizeof(uint32_t), c->stream);
  if (e == cudaSuccess) e = cudaMallocAsync(&d_changed, sizeof(int), c->stream);
  if (e == cudaSuccess)
    e = cudaMemcpyAsync(d_edges, edges, (size_t)n_e * 2 * sizeof(uint32_t), cudaMemcpyHostToDevice, c->stream);
  int rc = e == cudaSuccess ? LS_OK : cuda_fail(err, "components buffers", e);
  if (rc == LS_OK) {
    iota_kernel<<<blocks(n_v, 256), 256, 0, c->stream>>>(d_labels, n_v);
    rc = launched(err, "components init");
  }
  for (int changed = 1; rc == LS_OK && changed;) {
    changed = 0;
    e = cudaMemsetAsync(d_changed, 0, sizeof(int), c->stream);
    if (e == cudaSuccess) components_kernel<<<blocks(n_e, 256), 256, 0, c->stream>>>(d_edges, n_e, d_labels, d_changed);
    if (e == cudaSuccess) e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaMemcpyAsync(&changed, d_changed, sizeof(int), cudaMemcpyDeviceToHost, c->stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
    if (e != cudaSuccess) rc = cuda_fail(err, "components", e);
  }
  if (rc == LS_OK && (e = cudaMemcpyAsync(labels, d_labels, (size_t)n_v * sizeof(uint32_t), cudaMemcpyDeviceToHost,
                                          c->stream)) == cudaSuccess)
    e = cudaStreamSynchronize(c->stream);
  if (rc == LS_OK && e != cudaSuccess) rc = cuda_fail(err, "components labels", e);
  cudaFreeAsync(d_edges, c->stream);
  cudaFreeAsync(d_labels, c->stream);
  cudaFreeAsync(d_changed, c->stream);
  return rc;
}

}  // namespace

void cuda_vecindex_ops(ls_backend_i *i) {
  i->store_f16 = cuda_store_f16;
  i->load_f16 = cuda_load_f16;
  i->sign_pack = cuda_sign_pack;
  i->top_k = cuda_top_k;
  i->ivf_insert = cuda_ivf_insert;
  i->ivf_probe = cuda_ivf_probe;
  i->components = cuda_components;
}
