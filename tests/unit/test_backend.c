/* Unit tests: the CPU backend (the reference for CUDA) — GEMM against a naive product, the
 * similarity-threshold op against brute force across tile boundaries and with a full output
 * buffer, normalisation, and the backend choice. The window index is test_vecwin.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/backend.h"

static struct ls_backend *be;
static uint64_t rng = 12345;

static float frand(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((rng >> 40) / 16777216.0 - 0.5);
}

static int setup(void **state) {
  (void)state;
  struct ls_err e;
  return ls_backend_open(&be, "cpu", NULL, &e);
}

static int teardown(void **state) {
  (void)state;
  ls_backend_close(be);
  return 0;
}

static float *random_unit(uint32_t n, uint32_t d) {
  float *x = malloc((size_t)n * d * sizeof *x);
  for (size_t i = 0; i < (size_t)n * d; i++) x[i] = frand();
  struct ls_err e;
  be->i->l2_normalize(be, x, n, d, &e);
  return x;
}

static void test_gemm(void **state) {
  (void)state;
  uint32_t m = 37, n = 53, k = 29;
  float *a = random_unit(m, k), *b = random_unit(n, k), *c = calloc((size_t)m * n, sizeof *c);
  struct ls_err e;
  assert_int_equal(be->i->gemm_nt(be, m, n, k, 2.0f, a, b, 0.0f, c, &e), LS_OK);
  for (uint32_t i = 0; i < m; i++)
    for (uint32_t j = 0; j < n; j++) {
      double s = 0;
      for (uint32_t t = 0; t < k; t++) s += (double)a[i * k + t] * b[j * k + t];
      assert_true(fabs(c[i * n + j] - 2 * s) < 1e-4);
    }
  free(a); free(b); free(c);
}

static void test_l2_normalize(void **state) {
  (void)state;
  float x[6] = {3, 4, 0, 0, 0, 0};
  struct ls_err e;
  be->i->l2_normalize(be, x, 2, 3, &e);
  assert_true(fabsf(x[0] - 0.6f) < 1e-6 && fabsf(x[1] - 0.8f) < 1e-6);
  assert_true(x[3] == 0 && x[4] == 0 && x[5] == 0); /* zero rows stay zero */
}

static void test_sim_threshold_matches_brute_force(void **state) {
  (void)state;
  uint32_t nq = 300, nw = 5000, d = 16; /* crosses the CPU tiles in both directions */
  float *q = random_unit(nq, d), *w = random_unit(nw, d);
  memcpy(w + 4321 * d, q + 7 * d, d * sizeof *w); /* an exact copy must be found */
  float tau = 0.75f;
  uint32_t expect = 0;
  for (uint32_t i = 0; i < nq; i++)
    for (uint32_t j = 100; j < nw; j++) {
      double s = 0;
      for (uint32_t t = 0; t < d; t++) s += (double)q[i * d + t] * w[j * d + t];
      expect += s >= tau;
    }
  struct ls_pair *out = malloc(200000 * sizeof *out);
  uint32_t found;
  struct ls_err e;
  assert_int_equal(be->i->sim_threshold(be, q, nq, w, 100, nw - 100, d, tau, out, 200000, &found, &e), LS_OK);
  assert_true(expect > 100);
  /* float vs double rounding may move pairs sitting exactly at tau */
  assert_true(found + 2 >= expect && found <= expect + 2);
  bool copy = false;
  for (uint32_t k = 0; k < found && k < 200000; k++) {
    assert_true(out[k].sim >= tau && out[k].w >= 100 && out[k].w < nw);
    copy |= out[k].q == 7 && out[k].w == 4321 && out[k].sim > 0.9999f;
  }
  assert_true(copy);
  uint32_t small;
  assert_int_equal(be->i->sim_threshold(be, q, nq, w, 100, nw - 100, d, tau, out, 10, &small, &e), LS_OK);
  assert_int_equal(small, found); /* the count is exact even when the buffer is full */
  free(q); free(w); free(out);
}

static void test_backend_choice(void **state) {
  (void)state;
  struct ls_backend *b;
  struct ls_err e;
  assert_int_equal(ls_backend_open(&b, "tpu", NULL, &e), LS_EINVAL);
  assert_int_equal(ls_backend_open(&b, "auto", NULL, &e), LS_OK); /* CUDA where usable, else CPU */
  assert_true(!strcmp(b->i->name, "cpu") || !strcmp(b->i->name, "cuda"));
  ls_backend_close(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_gemm), cmocka_unit_test(test_l2_normalize),
                                     cmocka_unit_test(test_sim_threshold_matches_brute_force),
                                     cmocka_unit_test(test_backend_choice)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
