/* Unit tests: every CUDA backend op against its CPU twin on fresh random inputs (GEMM,
 * L2 normalisation, similarity threshold across tiles; the window index — FP16 rows, sketches,
 * top-k, inserts and the fused probe — through the same stream on both; connected components). Skipped, and says so, where no CUDA
 * device is usable; tools/gpu-check.sh runs it on a GPU machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/backend.h"
#include "lockstep/vecwin.h"

static struct ls_backend *cpu, *gpu;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static float frand(void) {
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return (float)((rng >> 40) / 16777216.0 - 0.5);
}

static int setup(void **state) {
  (void)state;
  struct ls_err e;
  if (ls_backend_cpu_create(&cpu, &e) != LS_OK) return -1;
  if (ls_backend_cuda_create(&gpu, &e) != LS_OK) {
    printf("note: CUDA backend not checked: %s\n", e.msg);
    gpu = NULL;
  } else {
    printf("checking %s against the CPU backend\n", gpu->device);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ls_backend_close(cpu);
  ls_backend_close(gpu);
  return 0;
}

static float *random_matrix(size_t n) {
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = frand();
  return x;
}

static void *to_device(const float *h, size_t n) {
  struct ls_err e;
  void *d = gpu->i->alloc(gpu, n * sizeof(float), &e);
  assert_non_null(d);
  assert_int_equal(gpu->i->upload(gpu, d, 0, h, n * sizeof(float), &e), LS_OK);
  return d;
}

static void from_device(float *h, const void *d, size_t n) {
  struct ls_err e;
  assert_int_equal(gpu->i->download(gpu, h, d, 0, n * sizeof(float), &e), LS_OK);
}

static void test_gemm(void **state) {
  (void)state;
  if (!gpu) skip();
  uint32_t m = 333, n = 1027, k = 384;
  float *a = random_matrix((size_t)m * k), *b = random_matrix((size_t)n * k);
  float *c_cpu = calloc((size_t)m * n, sizeof(float)), *c_gpu = malloc((size_t)m * n * sizeof(float));
  struct ls_err e;
  cpu->i->gemm_nt(cpu, m, n, k, 1.0f, a, b, 0.0f, c_cpu, &e);
  void *da = to_device(a, (size_t)m * k), *db = to_device(b, (size_t)n * k), *dc = to_device(c_cpu, (size_t)m * n);
  assert_int_equal(gpu->i->gemm_nt(gpu, m, n, k, 1.0f, da, db, 0.0f, dc, &e), LS_OK);
  from_device(c_gpu, dc, (size_t)m * n);
  for (size_t i = 0; i < (size_t)m * n; i++) assert_true(fabsf(c_cpu[i] - c_gpu[i]) < 1e-3f);
  gpu->i->free(gpu, da); gpu->i->free(gpu, db); gpu->i->free(gpu, dc);
  free(a); free(b); free(c_cpu); free(c_gpu);
}

static void test_l2_normalize(void **state) {
  (void)state;
  if (!gpu) skip();
  uint32_t n = 999, d = 384;
  float *x = random_matrix((size_t)n * d), *y = malloc((size_t)n * d * sizeof(float));
  memset(x + 5 * d, 0, d * sizeof(float)); /* a zero row stays zero */
  void *dx = to_device(x, (size_t)n * d);
  struct ls_err e;
  cpu->i->l2_normalize(cpu, x, n, d, &e);
  assert_int_equal(gpu->i->l2_normalize(gpu, dx, n, d, &e), LS_OK);
  from_device(y, dx, (size_t)n * d);
  for (size_t i = 0; i < (size_t)n * d; i++) assert_true(fabsf(x[i] - y[i]) < 1e-5f);
  gpu->i->free(gpu, dx);
  free(x); free(y);
}

static int by_pair(const void *x, const void *y) {
  const struct ls_pair *a = x, *b = y;
  if (a->q != b->q) return a->q < b->q ? -1 : 1;
  return a->w < b->w ? -1 : a->w > b->w;
}

/* Pair sets of the two backends agree, sims within tol, except for at most max_differ pairs
 * within float rounding (2·tol) of tau. */
static void same_pairs(struct ls_pair *pc, uint32_t nc, struct ls_pair *pg, uint32_t ng, float tau, float tol,
                       uint32_t max_differ) {
  qsort(pc, nc, sizeof *pc, by_pair);
  qsort(pg, ng, sizeof *pg, by_pair);
  uint32_t i = 0, j = 0, differ = 0;
  while (i < nc || j < ng) {
    int c = i < nc && j < ng ? by_pair(&pc[i], &pg[j]) : (i < nc ? -1 : 1);
    if (c == 0) { assert_true(fabsf(pc[i].sim - pg[j].sim) < tol); i++; j++; continue; }
    const struct ls_pair *only = c < 0 ? &pc[i++] : &pg[j++];
    assert_true(fabsf(only->sim - tau) < 2 * tol);
    differ++;
  }
  assert_true(differ <= max_differ);
}

static void test_sim_threshold(void **state) {
  (void)state;
  if (!gpu) skip();
  uint32_t nq = 1500, nw = 20000, d = 64, cap = 1u << 20;
  float *q = random_matrix((size_t)nq * d), *w = random_matrix((size_t)nw * d);
  struct ls_err e;
  cpu->i->l2_normalize(cpu, q, nq, d, &e);
  cpu->i->l2_normalize(cpu, w, nw, d, &e);
  for (uint32_t i = 0; i < 50; i++) memcpy(w + (size_t)(i * 311 + 17) * d, q + (size_t)i * 29 * d, d * sizeof(float));
  struct ls_pair *pc = malloc(cap * sizeof *pc), *pg = malloc(cap * sizeof *pg);
  uint32_t nc, ng;
  cpu->i->sim_threshold(cpu, q, nq, w, 10, nw - 10, d, 0.6f, pc, cap, &nc, &e);
  void *dq = to_device(q, (size_t)nq * d), *dw = to_device(w, (size_t)nw * d);
  assert_int_equal(gpu->i->sim_threshold(gpu, dq, nq, dw, 10, nw - 10, d, 0.6f, pg, cap, &ng, &e), LS_OK);
  assert_true(nc >= 50);
  same_pairs(pc, nc, pg, ng, 0.6f, 1e-4f, 2); /* pairs within float rounding of tau may differ */
  uint32_t small;
  assert_int_equal(gpu->i->sim_threshold(gpu, dq, nq, dw, 10, nw - 10, d, 0.6f, pg, 7, &small, &e), LS_OK);
  assert_int_equal(small, ng); /* exact count with a full buffer */
  gpu->i->free(gpu, dq); gpu->i->free(gpu, dw);
  free(q); free(w); free(pc); free(pg);
}

static void test_window_index(void **state) {
  (void)state;
  if (!gpu) skip();
  const uint32_t d = 64, batch = 512, cap = 16384, rounds = 40;
  struct ls_vecwin_conf c = {.capacity = cap, .dim = d, .max_batch = batch, .tau = 0.7f, .probes = 8};
  struct ls_vecwin *wc, *wg;
  struct ls_err e;
  assert_int_equal(ls_vecwin_create(&wc, cpu, &c, &e), LS_OK);
  assert_int_equal(ls_vecwin_create(&wg, gpu, &c, &e), LS_OK);
  float *topics = random_matrix(64 * (size_t)d), *x = malloc((size_t)batch * d * sizeof *x);
  cpu->i->l2_normalize(cpu, topics, 64, d, &e);
  uint32_t pcap = 1u << 22;
  struct ls_pair *pc = malloc(pcap * sizeof *pc), *pg = malloc(pcap * sizeof *pg);
  for (uint32_t r = 0; r < rounds; r++) {
    for (uint32_t i = 0; i < batch; i++)
      for (uint32_t j = 0; j < d; j++) x[(size_t)i * d + j] = topics[(size_t)(i % 64) * d + j] + 0.12f * frand();
    cpu->i->l2_normalize(cpu, x, batch, d, &e);
    uint32_t fc, fg, nc, ng;
    assert_int_equal(ls_vecwin_add(wc, x, batch, &fc, &e), LS_OK);
    assert_int_equal(ls_vecwin_add(wg, x, batch, &fg, &e), LS_OK);
    assert_int_equal(fc, fg);
    assert_int_equal(ls_vecwin_query(wc, pc, pcap, &nc, &e), LS_OK);
    assert_int_equal(ls_vecwin_query(wg, pg, pcap, &ng, &e), LS_OK);
    if (r == 2 || r == rounds - 1) /* before training, and trained and wrapped */
      same_pairs(pc, nc, pg, ng, c.tau, 1e-3f, 1 + nc / 1000);
  }
  struct ls_vecwin_stats sc, sg;
  ls_vecwin_stats(wc, &sc);
  ls_vecwin_stats(wg, &sg);
  assert_true(sc.trained && sg.trained);
  ls_vecwin_destroy(wc);
  ls_vecwin_destroy(wg);
  free(topics); free(x); free(pc); free(pg);
}

static void test_components(void **state) {
  (void)state;
  if (!gpu) skip();
  uint32_t nv = 100000, ne = 60000;
  uint32_t *edges = malloc(2 * (size_t)ne * sizeof *edges), *lc = malloc(nv * sizeof *lc), *lg = malloc(nv * sizeof *lg);
  for (uint32_t k = 0; k < 2 * ne; k++) edges[k] = (uint32_t)((frand() + 0.5f) * (nv - 1));
  struct ls_err e;
  assert_int_equal(cpu->i->components(cpu, edges, ne, nv, lc, &e), LS_OK);
  assert_int_equal(gpu->i->components(gpu, edges, ne, nv, lg, &e), LS_OK);
  assert_memory_equal(lc, lg, nv * sizeof *lc);
  free(edges); free(lc); free(lg);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_gemm), cmocka_unit_test(test_l2_normalize),
                                     cmocka_unit_test(test_sim_threshold), cmocka_unit_test(test_window_index),
                                     cmocka_unit_test(test_components)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
