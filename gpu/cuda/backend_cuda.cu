/* backend_cuda.cu — the CUDA backend: device buffers, cuBLAS SGEMM, an L2-normalise kernel and
 * the similarity-threshold op (cuBLAS GEMM over tiles of the window, then a threshold kernel that
 * appends only the pairs ≥ tau through an atomic counter). Same contract as backend_cpu.c, which
 * tools/gpu-check.sh compares it with. The encoder ops are in encoder_cuda.cu, the window-index
 * ops in vecindex_cuda.cu. */
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>

#include "cuda_ctx.cuh"

int cuda_fail(ls_err *err, const char *what, cudaError_t e) {
  return ls_err_set(err, LS_EIO, "cuda: %s: %s", what, cudaGetErrorString(e));
}

int blas_fail(ls_err *err, const char *what, cublasStatus_t s) {
  return ls_err_set(err, LS_EIO, "cublas: %s failed (status %d)", what, (int)s);
}

cuda_ctx *ctx_of(ls_backend *be) { return static_cast<cuda_ctx *>(be->ctx); }

namespace {

constexpr uint32_t TILE_Q = 1024;
constexpr uint32_t TILE_W = 8192;




__global__ void threshold_kernel(const float *tile, uint32_t mi, uint32_t mj, uint32_t q0, uint32_t w0,
                                 float tau, ls_pair *out, uint32_t cap, unsigned int *counter) {
  uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
  uint32_t i = blockIdx.y;
  if (i >= mi || j >= mj) return;
  float s = tile[(size_t)i * mj + j];
  if (s < tau) return;
  unsigned int slot = atomicAdd(counter, 1u);
  if (slot < cap) out[slot] = ls_pair{q0 + i, w0 + j, s};
}

__global__ void l2_normalize_kernel(float *x, uint32_t d) {
  float *v = x + (size_t)blockIdx.x * d;
  __shared__ float partial[256];
  float s = 0.f;
  for (uint32_t j = threadIdx.x; j < d; j += blockDim.x) s += v[j] * v[j];
  partial[threadIdx.x] = s;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  float norm = partial[0];
  if (norm <= 0.f) return;
  float inv = rsqrtf(norm);
  for (uint32_t j = threadIdx.x; j < d; j += blockDim.x) v[j] *= inv;
}

void cuda_destroy(ls_backend *be) {
  cuda_ctx *c = ctx_of(be);
  cuda_encoder_release(c);
  cudaFree(c->tile);
  cudaFree(c->pairs);
  cudaFree(c->counter);
  cublasDestroy(c->blas);
  cudaStreamDestroy(c->stream);
  free(c);
  free(be);
}

void *cuda_alloc(ls_backend *, size_t bytes, ls_err *err) {
  void *p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes ? bytes : 64);
  if (e != cudaSuccess) {
    cuda_fail(err, "cudaMalloc", e);
    return nullptr;
  }
  return p;
}

void cuda_free(ls_backend *, void *buf) { cudaFree(buf); }

int cuda_upload(ls_backend *be, void *dst, size_t off, const void *src, size_t n, ls_err *err) {
  cudaError_t e = cudaMemcpyAsync(static_cast<char *>(dst) + off, src, n, cudaMemcpyHostToDevice, ctx_of(be)->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(ctx_of(be)->stream);
  return e == cudaSuccess ? LS_OK : cuda_fail(err, "upload", e);
}

int cuda_download(ls_backend *be, void *dst, const void *src, size_t off, size_t n, ls_err *err) {
  cudaError_t e = cudaMemcpyAsync(dst, static_cast<const char *>(src) + off, n, cudaMemcpyDeviceToHost, ctx_of(be)->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(ctx_of(be)->stream);
  return e == cudaSuccess ? LS_OK : cuda_fail(err, "download", e);
}

// Row-major C[m×n] = A[m×k]·B[n×k]ᵀ is column-major Cᵀ = op(B)·A with op = transpose.
int cuda_gemm_nt(ls_backend *be, uint32_t m, uint32_t n, uint32_t k, float alpha, const void *a, const void *b,
                 float beta, void *c, ls_err *err) {
  cublasStatus_t s = cublasSgemm(ctx_of(be)->blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)n, (int)m, (int)k, &alpha,
                                 static_cast<const float *>(b), (int)k, static_cast<const float *>(a), (int)k,
                                 &beta, static_cast<float *>(c), (int)n);
  return s == CUBLAS_STATUS_SUCCESS ? LS_OK : blas_fail(err, "sgemm", s);
}

int cuda_l2_normalize(ls_backend *be, void *x, uint32_t n, uint32_t d, ls_err *err) {
  if (n == 0) return LS_OK;
  l2_normalize_kernel<<<n, 256, 0, ctx_of(be)->stream>>>(static_cast<float *>(x), d);
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? LS_OK : cuda_fail(err, "l2_normalize", e);
}

}  // namespace

int cuda_ensure_pairs(cuda_ctx *c, uint32_t cap, ls_err *err) {
  if (cap <= c->pairs_cap) return LS_OK;
  cudaFree(c->pairs);
  c->pairs = nullptr;
  c->pairs_cap = 0;
  cudaError_t e = cudaMalloc(&c->pairs, (size_t)cap * sizeof(ls_pair));
  if (e != cudaSuccess) return cuda_fail(err, "cudaMalloc pairs", e);
  c->pairs_cap = cap;
  return LS_OK;
}

int cuda_fetch_pairs(cuda_ctx *c, ls_pair *out, uint32_t cap, uint32_t *n_found, ls_err *err) {
  unsigned int found = 0;
  cudaError_t e = cudaMemcpyAsync(&found, c->counter, sizeof found, cudaMemcpyDeviceToHost, c->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
  if (e != cudaSuccess) return cuda_fail(err, "pair count", e);
  uint32_t keep = found < cap ? found : cap;
  if (keep) {
    e = cudaMemcpyAsync(out, c->pairs, (size_t)keep * sizeof(ls_pair), cudaMemcpyDeviceToHost, c->stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
    if (e != cudaSuccess) return cuda_fail(err, "pair copy", e);
  }
  *n_found = found;
  return LS_OK;
}

namespace {

int cuda_sim_threshold(ls_backend *be, const void *q, uint32_t nq, const void *w, uint32_t w0, uint32_t nw,
                       uint32_t d, float tau, ls_pair *out, uint32_t cap, uint32_t *n_found, ls_err *err) {
  cuda_ctx *c = ctx_of(be);
  int rc = cuda_ensure_pairs(c, cap ? cap : 1, err);
  if (rc != LS_OK) return rc;
  cudaError_t e = cudaMemsetAsync(c->counter, 0, sizeof(unsigned int), c->stream);
  if (e != cudaSuccess) return cuda_fail(err, "memset", e);
  const float *qf = static_cast<const float *>(q);
  const float *wf = static_cast<const float *>(w) + (size_t)w0 * d;
  for (uint32_t i0 = 0; i0 < nq; i0 += TILE_Q) {
    uint32_t mi = nq - i0 < TILE_Q ? nq - i0 : TILE_Q;
    for (uint32_t j0 = 0; j0 < nw; j0 += TILE_W) {
      uint32_t mj = nw - j0 < TILE_W ? nw - j0 : TILE_W;
      rc = cuda_gemm_nt(be, mi, mj, d, 1.0f, qf + (size_t)i0 * d, wf + (size_t)j0 * d, 0.0f, c->tile, err);
      if (rc != LS_OK) return rc;
      dim3 grid((mj + 255) / 256, mi);
      threshold_kernel<<<grid, 256, 0, c->stream>>>(c->tile, mi, mj, i0, w0 + j0, tau, c->pairs, cap, c->counter);
      if ((e = cudaGetLastError()) != cudaSuccess) return cuda_fail(err, "threshold kernel", e);
    }
  }
  return cuda_fetch_pairs(c, out, cap, n_found, err);
}

ls_backend_i make_interface() {
  ls_backend_i i{};
  i.name = "cuda";
  i.destroy = cuda_destroy;
  i.alloc = cuda_alloc;
  i.free = cuda_free;
  i.upload = cuda_upload;
  i.download = cuda_download;
  i.gemm_nt = cuda_gemm_nt;
  i.l2_normalize = cuda_l2_normalize;
  i.sim_threshold = cuda_sim_threshold;
  cuda_encoder_ops(&i);
  cuda_vecindex_ops(&i);
  return i;
}

const ls_backend_i CUDA_I = make_interface();

}  // namespace

extern "C" int ls_backend_cuda_create(ls_backend **out, ls_err *err) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) return ls_err_set(err, LS_EUNAVAIL, "no CUDA device: %s", cudaGetErrorString(e));
  if (n == 0) return ls_err_set(err, LS_EUNAVAIL, "no CUDA device");
  cudaDeviceProp prop;
  if ((e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess) return cuda_fail(err, "device properties", e);
  auto *c = static_cast<cuda_ctx *>(calloc(1, sizeof(cuda_ctx)));
  auto *be = static_cast<ls_backend *>(calloc(1, sizeof(ls_backend)));
  if (!c || !be) {
    free(c);
    free(be);
    return ls_err_set(err, LS_ENOMEM, "cuda backend: out of memory");
  }
  be->i = &CUDA_I;
  be->ctx = c;
  int rc = LS_OK;
  if ((e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) != cudaSuccess) rc = cuda_fail(err, "stream", e);
  cublasStatus_t s = rc == LS_OK ? cublasCreate(&c->blas) : CUBLAS_STATUS_SUCCESS;
  if (rc == LS_OK && s != CUBLAS_STATUS_SUCCESS) rc = blas_fail(err, "create", s);
  if (rc == LS_OK) cublasSetStream(c->blas, c->stream);
  if (rc == LS_OK && (e = cudaMalloc(&c->tile, (size_t)TILE_Q * TILE_W * sizeof(float))) != cudaSuccess)
    rc = cuda_fail(err, "tile", e);
  if (rc == LS_OK && (e = cudaMalloc(&c->counter, sizeof(unsigned int))) != cudaSuccess) rc = cuda_fail(err, "counter", e);
  if (rc == LS_OK) rc = cuda_encoder_init(c, err);
  if (rc != LS_OK) {
    cuda_destroy(be);
    return rc;
  }
  snprintf(be->device, sizeof be->device, "CUDA %.80s (sm_%d%d, %.0f GiB)", prop.name, prop.major, prop.minor,
           prop.totalGlobalMem / 1073741824.0);
  *out = be;
  return LS_OK;
}
