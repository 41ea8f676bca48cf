/* Unit tests: the hashed n-gram embedder — unit length, determinism, copies and light edits
 * close, unrelated texts far, repeated words do not dominate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "lockstep/embed.h"

#define DIM 256
static const struct ls_hash_embedder E = {DIM, 0x15c0ffee};

static float cosine(const char *a, const char *b) {
  const char *t[2] = {a, b};
  uint32_t l[2] = {(uint32_t)strlen(a), (uint32_t)strlen(b)};
  float v[2 * DIM];
  ls_hash_embed(&E, t, l, 2, v);
  float s = 0;
  for (int i = 0; i < DIM; i++) s += v[i] * v[DIM + i];
  return s;
}

static void test_unit_and_deterministic(void **state) {
  (void)state;
  const char *t[3] = {"the same words in the same order", "the same words in the same order", ""};
  uint32_t l[3] = {31, 31, 0};
  float v[3 * DIM];
  ls_hash_embed(&E, t, l, 3, v);
  double n = 0;
  for (int i = 0; i < DIM; i++) n += (double)v[i] * v[i];
  assert_true(fabs(n - 1) < 1e-5);
  assert_memory_equal(v, v + DIM, DIM * sizeof(float));
  for (int i = 0; i < DIM; i++) assert_true(v[2 * DIM + i] == 0.0f); /* no features: zero vector */
}

static void test_similarity_ordering(void **state) {
  (void)state;
  const char *base = "everyone must vote for candidate three now because she is honest think of our future";
  assert_true(cosine(base, base) > 0.9999f);
  float edit = cosine(base, "everyone must vote for candidate three today because she is honest think of our future");
  float unrelated = cosine(base, "great match last night the keeper saved two penalties and the crowd went wild");
  assert_true(edit >= 0.7f);
  assert_true(unrelated < 0.4f);
  /* a repeated frequent word counts once */
  assert_true(cosine("ka ka ka ka ka lovo", "ka mizede ruvo ta an") < 0.5f);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_unit_and_deterministic), cmocka_unit_test(test_similarity_ordering)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
