/* encoder_cuda.cu — the CUDA transformer-encoder ops, twins of gpu/cpu/encoder_cpu.c.
 * Weights and activations are FP16 on the device with FP32 accumulation and FP32 LayerNorm,
 * softmax and pooling arithmetic. Linear layers are cuBLAS GemmEx (FP16 in/out, FP32 compute;
 * QKV is one GEMM because the model stacks the three matrices) followed by one fused
 * bias(+erf-GELU) pass: cuBLASLt's GELU epilogue is the tanh approximation, not BERT's erf.
 * Residual + bias + LayerNorm is one kernel; attention is one kernel per (sequence, head) with K
 * and V in shared memory, over packed sequences (no work on padding), for head sizes up to 64
 * and sequences up to 512 tokens; pooling and L2 normalisation are one kernel. Inputs of the
 * next batch are copied from pinned memory on a second stream while the current one computes,
 * and the whole forward pass is captured once per (padded) batch shape as a CUDA graph. */
#include <cuda_fp16.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_ctx.cuh"

namespace {

constexpr uint32_t MAX_LEN = 512, MAX_HEAD = 64, ATTN_WARPS = 4;
constexpr size_t WORKSPACE = 32u << 20;

__device__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over a block of up to 1024 threads; every thread gets the result.
__device__ float block_sum(float v, float *shared32) {
  v = warp_sum(v);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) shared32[warp] = v;
  __syncthreads();
  float t = threadIdx.x < (blockDim.x + 31) / 32 ? shared32[threadIdx.x] : 0.f;
  return warp_sum(t);
}

// Shared by embed and add_layernorm: row (FP32 in registers, strided by blockDim) → LayerNorm → FP16.
__device__ void layernorm_store(float *v, int per, uint32_t d, const float *g, const float *b, float eps, __half *out,
                                float *shared32) {
  float s = 0.f;
  for (int i = 0; i < per; i++) s += v[i];
  float mean = block_sum(s, shared32) / (float)d;
  float q = 0.f;
  for (int i = 0; i < per; i++) {
    uint32_t j = threadIdx.x + i * blockDim.x;
    if (j < d) q += (v[i] - mean) * (v[i] - mean);
  }
  float inv = rsqrtf(block_sum(q, shared32) / (float)d + eps);
  for (int i = 0; i < per; i++) {
    uint32_t j = threadIdx.x + i * blockDim.x;
    if (j < d) out[j] = __float2half((v[i] - mean) * inv * g[j] + b[j]);
  }
}

constexpr int MAX_PER = 8; // d ≤ 8 × 256 = 2048 hidden

// One block per sequence: word + position + type embeddings, then LayerNorm.
__global__ void embed_kernel(const int32_t *ids, const uint32_t *offsets, const __half *word, const __half *pos,
                             const float *type, const float *g, const float *b, uint32_t d, float eps, __half *out) {
  __shared__ float shared32[32];
  uint32_t s = blockIdx.x, start = offsets[s], end = offsets[s + 1];
  int per = (int)((d + blockDim.x - 1) / blockDim.x);
  for (uint32_t t = start; t < end; t++) {
    float v[MAX_PER];
    const __half *w = word + (size_t)ids[t] * d, *p = pos + (size_t)(t - start) * d;
    for (int i = 0; i < per; i++) {
      uint32_t j = threadIdx.x + i * blockDim.x;
      v[i] = j < d ? __half2float(w[j]) + __half2float(p[j]) + type[j] : 0.f;
    }
    layernorm_store(v, per, d, g, b, eps, out + (size_t)t * d, shared32);
  }
}

// One block per row: x = LayerNorm(x + bias + res).
__global__ void add_layernorm_kernel(__half *x, const float *bias, const __half *res, const float *g, const float *b,
                                     uint32_t d, float eps) {
  __shared__ float shared32[32];
  __half *row = x + (size_t)blockIdx.x * d;
  const __half *r = res + (size_t)blockIdx.x * d;
  int per = (int)((d + blockDim.x - 1) / blockDim.x);
  float v[MAX_PER];
  for (int i = 0; i < per; i++) {
    uint32_t j = threadIdx.x + i * blockDim.x;
    v[i] = j < d ? __half2float(row[j]) + __half2float(r[j]) + (bias ? bias[j] : 0.f) : 0.f;
  }
  layernorm_store(v, per, d, g, b, eps, row, shared32);
}

__device__ float gelu_erf(float x) { return 0.5f * x * (1.f + erff(x * 0.70710678f)); }

// y[t × n] += bias, then erf-GELU when gelu is set; FP32 arithmetic.
__global__ void bias_act_kernel(__half *y, const float *bias, uint32_t n, size_t total, int gelu) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    float v = __half2float(y[i]) + (bias ? bias[i % n] : 0.f);
    y[i] = __float2half(gelu ? gelu_erf(v) : v);
  }
}

// One block per (head, sequence), ATTN_WARPS warps; K and V of the sequence's head in shared
// memory (FP16), one query row per warp at a time: lanes share out the keys for the scores and
// the head dimensions for the output.
__global__ void attention_kernel(const __half *qkv, const uint32_t *offsets, uint32_t heads, uint32_t hd, __half *out) {
  extern __shared__ unsigned char smem[];
  uint32_t h = blockIdx.x, s = blockIdx.y, start = offsets[s], len = offsets[s + 1] - start;
  if (len == 0) return;
  uint32_t width = heads * hd, stride = 3 * width;
  __half *ks = reinterpret_cast<__half *>(smem), *vs = ks + (size_t)len * hd;
  float *scores = reinterpret_cast<float *>(vs + (size_t)len * hd) + (threadIdx.x >> 5) * len;
  float *qrow = reinterpret_cast<float *>(vs + (size_t)len * hd) + ATTN_WARPS * len + (threadIdx.x >> 5) * MAX_HEAD;
  for (uint32_t i = threadIdx.x; i < len * hd; i += blockDim.x) {
    uint32_t j = i / hd, e = i % hd;
    const __half *row = qkv + (size_t)(start + j) * stride + h * hd + e;
    ks[i] = row[width];
    vs[i] = row[2 * width];
  }
  __syncthreads();
  uint32_t lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float scale = rsqrtf((float)hd);
  for (uint32_t qi = warp; qi < len; qi += ATTN_WARPS) {
    const __half *q = qkv + (size_t)(start + qi) * stride + h * hd;
    for (uint32_t e = lane; e < hd; e += 32) qrow[e] = __half2float(q[e]) * scale;
    __syncwarp();
    float mx = -INFINITY;
    for (uint32_t j = lane; j < len; j += 32) {
      const __half *k = ks + (size_t)j * hd;
      float dot = 0.f;
      for (uint32_t e = 0; e < hd; e++) dot += qrow[e] * __half2float(k[e]);
      scores[j] = dot;
      mx = fmaxf(mx, dot);
    }
    mx = warp_max(mx);
    float sum = 0.f;
    for (uint32_t j = lane; j < len; j += 32) sum += scores[j] = __expf(scores[j] - mx);
    float inv = 1.f / warp_sum(sum);
    __syncwarp();
    for (uint32_t e = lane; e < hd; e += 32) {
      float o = 0.f;
      for (uint32_t j = 0; j < len; j++) o += scores[j] * __half2float(vs[(size_t)j * hd + e]);
      out[(size_t)(start + qi) * width + h * hd + e] = __float2half(o * inv);
    }
    __syncwarp();
  }
}

// One block per sequence: mean, [CLS] or max over its tokens, then optional L2 normalisation.
__global__ void pool_kernel(const __half *x, const uint32_t *offsets, uint32_t d, int mode, int normalize, float *out) {
  __shared__ float shared32[32];
  uint32_t s = blockIdx.x, start = offsets[s], len = offsets[s + 1] - start;
  float *o = out + (size_t)s * d;
  float sq = 0.f;
  for (uint32_t j = threadIdx.x; j < d; j += blockDim.x) {
    float acc = len ? __half2float(x[(size_t)start * d + j]) : 0.f;
    uint32_t n = mode == LS_POOL_CLS ? (len ? 1 : 0) : len;
    for (uint32_t t = 1; t < n; t++) {
      float v = __half2float(x[(size_t)(start + t) * d + j]);
      acc = mode == LS_POOL_MAX ? fmaxf(acc, v) : acc + v;
    }
    if (mode == LS_POOL_MEAN && len) acc /= (float)len;
    o[j] = acc;
    sq += acc * acc;
  }
  if (!normalize) return;
  float norm = block_sum(sq, shared32);
  if (norm <= 0.f) return;
  float inv = rsqrtf(norm);
  for (uint32_t j = threadIdx.x; j < d; j += blockDim.x) o[j] *= inv;
}

int check(ls_err *err, const char *what) {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? LS_OK : cuda_fail(err, what, e);
}

__global__ void to_half_kernel(const float *in, __half *out, size_t n) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    out[i] = __float2half(in[i]);
}

// Matrices in FP16 (converted on the device), vectors (biases, LayerNorm) in FP32.
void *cuda_weight(ls_backend *be, const float *host, size_t n, int matrix, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  float *staging = nullptr;
  void *dst = nullptr;
  cudaError_t e = cudaMalloc(&staging, n * sizeof(float));
  if (e == cudaSuccess) e = cudaMemcpyAsync(staging, host, n * sizeof(float), cudaMemcpyHostToDevice, c->stream);
  if (e == cudaSuccess && !matrix) {
    dst = staging;
    staging = nullptr;
  } else if (e == cudaSuccess && (e = cudaMalloc(&dst, n * sizeof(__half))) == cudaSuccess) {
    to_half_kernel<<<1024, 256, 0, c->stream>>>(staging, static_cast<__half *>(dst), n);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
  cudaFree(staging);
  if (e != cudaSuccess) {
    cudaFree(dst);
    cuda_fail(err, "weight upload", e);
    return nullptr;
  }
  return dst;
}

void *cuda_act_alloc(ls_backend *be, size_t n, ls_err *err) {
  void *p = nullptr;
  cudaError_t e = cudaMalloc(&p, n * sizeof(__half));
  if (e == cudaSuccess) e = cudaMemsetAsync(p, 0, n * sizeof(__half), ctx_of(be)->stream); // padding rows stay finite
  if (e != cudaSuccess) {
    cudaFree(p);
    cuda_fail(err, "activation buffer", e);
    return nullptr;
  }
  return p;
}

uint32_t round_up(uint32_t x, uint32_t m) { return (x + m - 1) / m * m; }

// Padded sizes: few distinct shapes, so few graphs; at most 1/8 more rows than needed.
ls_seq_shape bucket(const ls_seqs *s) {
  uint32_t t = s->n_tokens < 256 ? 256 : s->n_tokens, g = 256;
  while (g * 8 < t) g *= 2;
  ls_seq_shape b{round_up(t, g), round_up(s->n_seqs ? s->n_seqs : 1, 64), 32};
  while (b.len < s->max_len) b.len *= 2;
  if (b.tokens > s->cap_tokens) b.tokens = s->cap_tokens;
  if (b.seqs > s->cap_seqs) b.seqs = s->cap_seqs;
  return b;
}

int slot_reserve(cuda_slot *sl, uint32_t tokens, uint32_t seqs, ls_err *err) {
  if (tokens <= sl->cap_tokens && seqs <= sl->cap_seqs) return LS_OK;
  cudaFreeHost(sl->ids_host); cudaFreeHost(sl->offsets_host); cudaFree(sl->ids); cudaFree(sl->offsets);
  *sl = cuda_slot{nullptr, nullptr, nullptr, nullptr, sl->out_host, sl->out_dest, sl->out_bytes, 0, 0, sl->out_cap,
                  sl->inputs_copied, sl->inputs_used, sl->out_ready};
  cudaError_t e = cudaMallocHost(&sl->ids_host, tokens * sizeof(int32_t));
  if (e == cudaSuccess) e = cudaMallocHost(&sl->offsets_host, (seqs + 1) * sizeof(uint32_t));
  if (e == cudaSuccess) e = cudaMalloc(&sl->ids, tokens * sizeof(int32_t));
  if (e == cudaSuccess) e = cudaMalloc(&sl->offsets, (seqs + 1) * sizeof(uint32_t));
  if (e != cudaSuccess) return cuda_fail(err, "batch buffers", e);
  sl->cap_tokens = tokens;
  sl->cap_seqs = seqs;
  return LS_OK;
}

// Copies the pooled vectors of a finished batch from pinned staging to where fetch asked.
int slot_drain(cuda_slot *sl, ls_err *err) {
  if (!sl->out_dest) return LS_OK;
  cudaError_t e = cudaEventSynchronize(sl->out_ready);
  if (e != cudaSuccess) return cuda_fail(err, "batch output", e);
  memcpy(sl->out_dest, sl->out_host, sl->out_bytes);
  sl->out_dest = nullptr;
  return LS_OK;
}

// The slot's inputs go to pinned memory, then to the device on the copy stream; the compute
// stream waits for them. The slot is reused two batches later, after its compute has used it.
int cuda_seqs_load(ls_backend *be, const ls_seqs *s, ls_seq_shape *shape, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  c->slot = (c->slot + 1) % LS_CUDA_SLOTS;
  cuda_slot *sl = &c->slots[c->slot];
  if (s->max_len > MAX_LEN) return ls_err_set(err, LS_EINVAL, "cuda attention: sequences of %u tokens (at most %u)", s->max_len, MAX_LEN);
  ls_seq_shape b = bucket(s);
  int rc = slot_drain(sl, err);
  if (rc == LS_OK) rc = slot_reserve(sl, s->cap_tokens, s->cap_seqs, err);
  cudaError_t e = rc == LS_OK ? cudaEventSynchronize(sl->inputs_used) : cudaSuccess;
  if (rc != LS_OK || e != cudaSuccess) return rc != LS_OK ? rc : cuda_fail(err, "slot", e);
  memcpy(sl->ids_host, s->ids, s->n_tokens * sizeof(int32_t));
  memset(sl->ids_host + s->n_tokens, 0, (b.tokens - s->n_tokens) * sizeof(int32_t));
  memcpy(sl->offsets_host, s->offsets, (s->n_seqs + 1) * sizeof(uint32_t));
  for (uint32_t i = s->n_seqs + 1; i <= b.seqs; i++) sl->offsets_host[i] = s->n_tokens; // empty padding sequences
  e = cudaMemcpyAsync(sl->ids, sl->ids_host, b.tokens * sizeof(int32_t), cudaMemcpyHostToDevice, c->copy);
  if (e == cudaSuccess)
    e = cudaMemcpyAsync(sl->offsets, sl->offsets_host, (b.seqs + 1) * sizeof(uint32_t), cudaMemcpyHostToDevice, c->copy);
  if (e == cudaSuccess) e = cudaEventRecord(sl->inputs_copied, c->copy);
  if (e == cudaSuccess) e = cudaStreamWaitEvent(c->stream, sl->inputs_copied, 0);
  if (e != cudaSuccess) return cuda_fail(err, "batch upload", e);
  c->n_seqs = s->n_seqs;
  c->n_tokens = s->n_tokens;
  c->shape = *shape = b;
  return LS_OK;
}

int cuda_embed(ls_backend *be, const void *word, const void *pos, const void *type, const void *g, const void *b,
               uint32_t d, float eps, void *out, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  const cuda_slot *sl = &c->slots[c->slot];
  if (d > 256 * MAX_PER) return ls_err_set(err, LS_EINVAL, "cuda encoder: hidden size %u > %u", d, 256 * MAX_PER);
  embed_kernel<<<c->shape.seqs, 256, 0, c->stream>>>(sl->ids, sl->offsets, static_cast<const __half *>(word),
                                                      static_cast<const __half *>(pos), static_cast<const float *>(type),
                                                      static_cast<const float *>(g), static_cast<const float *>(b), d, eps,
                                                      static_cast<__half *>(out));
  return check(err, "embed kernel");
}

// Row-major y[t×n] = x[t×k]·w[n×k]ᵀ is column-major yᵀ = wᵀ·xᵀ: op(w) = T.
int cuda_linear(ls_backend *be, const void *x, const void *w, const void *bias, uint32_t t, uint32_t n, uint32_t k,
                ls_act act, void *y, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  const float one = 1.f, zero = 0.f;
  cublasStatus_t s = cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)n, (int)t, (int)k, &one, w, CUDA_R_16F, (int)k,
                                  x, CUDA_R_16F, (int)k, &zero, y, CUDA_R_16F, (int)n, CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT);
  if (s != CUBLAS_STATUS_SUCCESS) return blas_fail(err, "GemmEx", s);
  if (!bias && act == LS_ACT_NONE) return LS_OK;
  size_t total = (size_t)t * n;
  unsigned blocks = (unsigned)((total + 255) / 256 < 65535 ? (total + 255) / 256 : 65535);
  bias_act_kernel<<<blocks, 256, 0, c->stream>>>(static_cast<__half *>(y), static_cast<const float *>(bias), n, total,
                                                 act == LS_ACT_GELU);
  return check(err, "bias/GELU kernel");
}

int cuda_add_layernorm(ls_backend *be, void *x, const void *bias, const void *res, const void *g, const void *b, uint32_t t,
                       uint32_t d, float eps, ls_err *err) {
  if (d > 256 * MAX_PER) return ls_err_set(err, LS_EINVAL, "cuda encoder: hidden size %u > %u", d, 256 * MAX_PER);
  add_layernorm_kernel<<<t, 256, 0, ctx_of(be)->stream>>>(static_cast<__half *>(x), static_cast<const float *>(bias),
                                                          static_cast<const __half *>(res), static_cast<const float *>(g),
                                                          static_cast<const float *>(b), d, eps);
  return check(err, "add+LayerNorm kernel");
}

int cuda_attention(ls_backend *be, const void *qkv, uint32_t heads, uint32_t head_dim, void *out, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  if (head_dim > MAX_HEAD) return ls_err_set(err, LS_EINVAL, "cuda attention: head size %u (at most %u)", head_dim, MAX_HEAD);
  size_t smem = (size_t)c->shape.len * head_dim * 2 * sizeof(__half) + ATTN_WARPS * ((size_t)c->shape.len + MAX_HEAD) * sizeof(float);
  if (smem > (size_t)c->max_smem) return ls_err_set(err, LS_EINVAL, "cuda attention: %zu bytes of shared memory needed", smem);
  dim3 grid(heads, c->shape.seqs);
  attention_kernel<<<grid, ATTN_WARPS * 32, smem, c->stream>>>(static_cast<const __half *>(qkv), c->slots[c->slot].offsets,
                                                               heads, head_dim, static_cast<__half *>(out));
  return check(err, "attention kernel");
}

int cuda_pool(ls_backend *be, const void *x, uint32_t d, ls_pooling mode, int normalize, void *out, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  pool_kernel<<<c->shape.seqs, 256, 0, c->stream>>>(static_cast<const __half *>(x), c->slots[c->slot].offsets, d, (int)mode,
                                                    normalize, static_cast<float *>(out));
  return check(err, "pool kernel");
}

int cuda_run_graph(ls_backend *be, uint64_t key, int (*fn)(void *, ls_err *), void *ctx, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  key = key << 1 | (uint64_t)c->slot; // the slot's device buffers are baked into the graph
  for (int i = 0; i < c->n_graphs; i++)
    if (c->graphs[i].key == key) {
      cudaError_t e = cudaGraphLaunch(c->graphs[i].exec, c->stream);
      return e == cudaSuccess ? LS_OK : cuda_fail(err, "graph launch", e);
    }
  if (c->n_graphs == LS_CUDA_MAX_GRAPHS) return fn(ctx, err); // a rare shape: run it directly
  cudaGraph_t graph;
  cudaError_t e = cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeThreadLocal);
  if (e != cudaSuccess) return cuda_fail(err, "graph capture", e);
  int rc = fn(ctx, err);
  e = cudaStreamEndCapture(c->stream, &graph);
  if (rc != LS_OK) return rc;
  if (e != cudaSuccess) return cuda_fail(err, "graph capture", e);
  cudaGraphExec_t exec;
  e = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (e != cudaSuccess) return cuda_fail(err, "graph instantiate", e);
  c->graphs[c->n_graphs++] = cuda_graph_entry{key, exec};
  e = cudaGraphLaunch(exec, c->stream);
  return e == cudaSuccess ? LS_OK : cuda_fail(err, "graph launch", e);
}

// The pooled vectors go to the slot's pinned staging on the compute stream (so the next batch
// cannot overwrite them first); sync (or the slot's next use) copies them to host.
int cuda_fetch(ls_backend *be, void *host, const void *src, size_t n, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  cuda_slot *sl = &c->slots[c->slot];
  cudaError_t e = cudaEventRecord(sl->inputs_used, c->stream);
  if (e == cudaSuccess && n > sl->out_cap) {
    cudaFreeHost(sl->out_host);
    sl->out_cap = 0;
    if ((e = cudaMallocHost(&sl->out_host, n)) == cudaSuccess) sl->out_cap = (uint32_t)n;
  }
  if (e == cudaSuccess) e = cudaMemcpyAsync(sl->out_host, src, n, cudaMemcpyDeviceToHost, c->stream);
  if (e == cudaSuccess) e = cudaEventRecord(sl->out_ready, c->stream);
  if (e != cudaSuccess) return cuda_fail(err, "fetch", e);
  sl->out_dest = host;
  sl->out_bytes = n;
  return LS_OK;
}

int cuda_sync(ls_backend *be, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  int rc = LS_OK;
  for (int i = 0; i < LS_CUDA_SLOTS && rc == LS_OK; i++) rc = slot_drain(&c->slots[i], err);
  cudaError_t e = cudaStreamSynchronize(c->stream);
  return rc != LS_OK ? rc : e == cudaSuccess ? LS_OK : cuda_fail(err, "sync", e);
}

}  // namespace

int cuda_encoder_init(cuda_ctx *c, ls_err *err) {
  cudaError_t e = cudaStreamCreateWithFlags(&c->copy, cudaStreamNonBlocking);
  for (int i = 0; e == cudaSuccess && i < LS_CUDA_SLOTS; i++) {
    cuda_slot *sl = &c->slots[i];
    e = cudaEventCreateWithFlags(&sl->inputs_copied, cudaEventDisableTiming);
    if (e == cudaSuccess) e = cudaEventCreateWithFlags(&sl->inputs_used, cudaEventDisableTiming);
    if (e == cudaSuccess) e = cudaEventCreateWithFlags(&sl->out_ready, cudaEventDisableTiming);
  }
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&c->max_smem, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0);
  if (e == cudaSuccess) e = cudaFuncSetAttribute(attention_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, c->max_smem);
  if (e == cudaSuccess) e = cudaMalloc(&c->blas_workspace, WORKSPACE);
  if (e != cudaSuccess) return cuda_fail(err, "encoder setup", e);
  cublasStatus_t s = cublasSetWorkspace(c->blas, c->blas_workspace, WORKSPACE);
  if (s == CUBLAS_STATUS_SUCCESS) s = cublasSetMathMode(c->blas, CUBLAS_DEFAULT_MATH);
  return s == CUBLAS_STATUS_SUCCESS ? LS_OK : blas_fail(err, "workspace", s);
}

void cuda_encoder_release(cuda_ctx *c) {
  for (int i = 0; i < c->n_graphs; i++) cudaGraphExecDestroy(c->graphs[i].exec);
  for (int i = 0; i < LS_CUDA_SLOTS; i++) {
    cuda_slot *sl = &c->slots[i];
    cudaFreeHost(sl->ids_host); cudaFreeHost(sl->offsets_host); cudaFreeHost(sl->out_host);
    cudaFree(sl->ids); cudaFree(sl->offsets);
    if (sl->inputs_copied) cudaEventDestroy(sl->inputs_copied);
    if (sl->inputs_used) cudaEventDestroy(sl->inputs_used);
    if (sl->out_ready) cudaEventDestroy(sl->out_ready);
  }
  cudaFree(c->blas_workspace);
  if (c->copy) cudaStreamDestroy(c->copy);
}

void cuda_encoder_ops(ls_backend_i *i) {
  i->weight = cuda_weight;
  i->act_alloc = cuda_act_alloc;
  i->seqs_load = cuda_seqs_load;
  i->embed = cuda_embed;
  i->linear = cuda_linear;
  i->add_layernorm = cuda_add_layernorm;
  i->attention = cuda_attention;
  i->pool = cuda_pool;
  i->run_graph = cuda_run_graph;
  i->fetch = cuda_fetch;
  i->sync = cuda_sync;
}
