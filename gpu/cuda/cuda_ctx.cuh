/* cuda_ctx.cuh — the CUDA backend's state, shared by backend_cuda.cu (buffers, GEMM, similarity)
 * and encoder_cuda.cu (the transformer-encoder ops). Private to gpu/cuda/. */
#ifndef LOCKSTEP_GPU_CUDA_CTX_CUH
#define LOCKSTEP_GPU_CUDA_CTX_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "lockstep/backend.h"
}

constexpr int LS_CUDA_SLOTS = 2;       // batches in flight: inputs copied while the previous one computes
constexpr int LS_CUDA_MAX_GRAPHS = 64; // captured batch shapes kept

struct cuda_graph_entry {
  uint64_t key;
  cudaGraphExec_t exec;
};

struct cuda_slot {
  int32_t *ids_host;       // pinned
  uint32_t *offsets_host;  // pinned
  int32_t *ids;            // device
  uint32_t *offsets;       // device
  float *out_host;         // pinned staging of the pooled vectors
  void *out_dest;          // where sync copies them
  size_t out_bytes;
  uint32_t cap_tokens, cap_seqs, out_cap;
  cudaEvent_t inputs_copied, inputs_used, out_ready;
};

struct cuda_ctx {
  int device;
  cublasHandle_t blas;
  cudaStream_t stream;    // compute
  cudaStream_t copy;      // host-to-device copies of the next batch
  float *tile;            // TILE_Q × TILE_W
  ls_pair *pairs;         // device pair buffer
  uint32_t pairs_cap;
  unsigned int *counter;  // device pair counter
  void *blas_workspace;   // fixed, so GEMMs can be captured into graphs
  cuda_slot slots[LS_CUDA_SLOTS];
  int slot;               // of the current batch
  uint32_t n_seqs, n_tokens; // current batch, real sizes
  ls_seq_shape shape;        // current batch, padded sizes
  cuda_graph_entry graphs[LS_CUDA_MAX_GRAPHS];
  int n_graphs;
  int max_smem;           // opt-in shared memory per block
};

int cuda_fail(ls_err *err, const char *what, cudaError_t e);
int blas_fail(ls_err *err, const char *what, cublasStatus_t s);
cuda_ctx *ctx_of(ls_backend *be);

/* The device pair buffer holds at least cap pairs. */
int cuda_ensure_pairs(cuda_ctx *c, uint32_t cap, ls_err *err);
/* Copies the pair counter and up to cap pairs to the host (synchronising the stream). */
int cuda_fetch_pairs(cuda_ctx *c, ls_pair *out, uint32_t cap, uint32_t *n_found, ls_err *err);
void cuda_vecindex_ops(ls_backend_i *i);

int cuda_encoder_init(cuda_ctx *c, ls_err *err);
void cuda_encoder_release(cuda_ctx *c);
void cuda_encoder_ops(ls_backend_i *i);

#endif
