/* Unit tests: the co-similar-text window and the window-index ops of the CPU backend (the
 * reference for CUDA) — ring wrap-around and overwritten rows, the index's recall against brute
 * force (≥ 0.99 of the pairs above tau, and nothing below it) on clustered vectors whose pair
 * similarities straddle tau, also when the topics change after the centroids were learnt, and
 * many times round the ring with rows retired by age; top-k, sign packing and connected
 * components. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/vecwin.h"

#include "cpu_backend_fixture.h"

static uint64_t rng = 777;

static double urand(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void) { return sqrt(-2 * log(urand() + 1e-300)) * cos(2 * M_PI * urand()); }

static void unit(float *v, uint32_t d) {
  double s = 0;
  for (uint32_t j = 0; j < d; j++) s += (double)v[j] * v[j];
  for (uint32_t j = 0; j < d; j++) v[j] = (float)(v[j] / sqrt(s));
}

static int add_query(struct ls_vecwin *w, const float *v, uint32_t n, struct ls_pair *out, uint32_t cap,
                     uint32_t *found, uint32_t *first, struct ls_err *e) {
  int rc = ls_vecwin_add(w, v, n, first, e);
  return rc == LS_OK ? ls_vecwin_query(w, out, cap, found, e) : rc;
}

static void test_wraps(void **state) {
  (void)state;
  struct ls_vecwin *w;
  struct ls_err e;
  uint32_t d = 8;
  struct ls_vecwin_conf c = {.capacity = 10, .dim = d, .max_batch = 5, .tau = 0.999f, .probes = 1};
  assert_int_equal(ls_vecwin_create(&w, be, &c, &e), LS_OK);
  float v[13 * 8];
  for (int i = 0; i < 13 * 8; i++) v[i] = (float)gauss();
  for (int i = 0; i < 13; i++) unit(v + i * d, d);
  struct ls_pair out[16];
  uint32_t first, found;
  for (uint32_t k = 0; k < 2; k++) assert_int_equal(add_query(w, v + k * 4 * d, 4, out, 16, &found, &first, &e), LS_OK);
  assert_int_equal(found, 4); /* each finds itself */
  assert_int_equal(add_query(w, v + 8 * d, 4, out, 16, &found, &first, &e), LS_OK);
  assert_int_equal(first, 8); /* rows 8, 9, 0, 1 */
  assert_int_equal(ls_vecwin_exact(w, v + 10 * d, 1, out, 16, &found, &e), LS_OK);
  assert_int_equal(found, 1);
  assert_int_equal(out[0].w, 0); /* vector 10 wrapped to row 0 */
  assert_int_equal(ls_vecwin_exact(w, v, 1, out, 16, &found, &e), LS_OK);
  assert_int_equal(found, 0); /* vector 0 was overwritten */
  assert_int_equal(add_query(w, v, 6, out, 16, &found, &first, &e), LS_EINVAL);
  c.max_batch = 6;
  struct ls_vecwin *bad;
  assert_int_equal(ls_vecwin_create(&bad, be, &c, &e), LS_EINVAL); /* capacity < 2 × batch */
  ls_vecwin_destroy(w);
}

/* Topic centres, and vectors at a random distance from theirs: pairs of one topic have cosines
 * from about 0.4 to 0.98, so many lie near tau. */
static void clustered(float *x, uint32_t n, uint32_t d, const float *centres, uint32_t topics) {
  for (uint32_t i = 0; i < n; i++) {
    const float *c = centres + (size_t)(urand() * topics) * d;
    double noise = (0.25 + urand() * 0.9) / sqrt(d);
    for (uint32_t j = 0; j < d; j++) x[(size_t)i * d + j] = (float)(c[j] + noise * gauss());
    unit(x + (size_t)i * d, d);
  }
}

static int by_pair(const void *a, const void *b) {
  const struct ls_pair *x = a, *y = b;
  if (x->q != y->q) return x->q < y->q ? -1 : 1;
  return x->w < y->w ? -1 : x->w > y->w;
}

static bool has(const struct ls_pair *v, uint32_t n, struct ls_pair p) { return bsearch(&p, v, n, sizeof p, by_pair) != NULL; }

/* A run of index_recall: vectors sent through a ring of `cap`; with late_topics, the vectors
 * after the centroids were learnt come from topics the training never saw (news breaking after
 * start-up); with keep, only the newest `keep` rows stay searchable (the daemon retires rows older
 * than its time window). */
struct run {
  uint32_t cap, total, keep;
  bool late_topics;
};

struct ages {
  uint32_t *seq_of; /* per slot: the number of the vector it holds */
  uint32_t sent, keep;
};

static bool too_old(void *ud, uint32_t slot) {
  const struct ages *a = ud;
  return a->sent - a->seq_of[slot] > a->keep;
}

/* Recall over the last batches of a wrapped window. */
static void index_recall(struct run r) {
  const uint32_t d = 64, topics = 400, batch = 512;
  float *centres = malloc((size_t)topics * d * sizeof *centres), *x = malloc((size_t)batch * d * sizeof *x);
  for (uint32_t i = 0; i < topics * d; i++) centres[i] = (float)gauss();
  for (uint32_t t = 0; t < topics; t++) unit(centres + (size_t)t * d, d);
  struct ls_vecwin *w;
  struct ls_err e;
  struct ls_vecwin_conf c = {.capacity = r.cap, .dim = d, .max_batch = batch, .tau = 0.7f, .probes = 8};
  assert_int_equal(ls_vecwin_create(&w, be, &c, &e), LS_OK);
  uint32_t pcap = 1u << 22;
  struct ls_pair *got = malloc(pcap * sizeof *got), *want = malloc(pcap * sizeof *want);
  struct ages ages = {calloc(r.cap, sizeof(uint32_t)), 0, r.keep};
  uint64_t total_want = 0, total_hit = 0;
  for (; ages.sent < r.total; ages.sent += batch) {
    struct ls_vecwin_stats now;
    ls_vecwin_stats(w, &now);
    uint32_t half = r.late_topics ? topics / 2 : 0;
    clustered(x, batch, d, centres + (size_t)(now.trained ? half : 0) * d, r.late_topics ? half : topics);
    if (r.keep) assert_int_equal(ls_vecwin_retire(w, too_old, &ages) + r.keep, now.live > r.keep ? now.live : r.keep);
    uint32_t n_got, n_want, first;
    assert_int_equal(add_query(w, x, batch, got, pcap, &n_got, &first, &e), LS_OK);
    assert_true(n_got <= pcap);
    for (uint32_t i = 0; i < batch; i++) ages.seq_of[(first + i) % r.cap] = ages.sent + i;
    if (ages.sent < r.total - 4 * batch) continue; /* measured over the last batches: trained, wrapped */
    assert_int_equal(ls_vecwin_exact(w, x, batch, want, pcap, &n_want, &e), LS_OK);
    qsort(want, n_want, sizeof *want, by_pair);
    for (uint32_t k = 0; k < n_got; k++) {
      assert_true(got[k].sim >= 0.7f);          /* nothing below tau */
      assert_true(has(want, n_want, got[k]));   /* and nothing brute force does not find */
      assert_true(!r.keep || ages.sent + batch - ages.seq_of[got[k].w] <= r.keep + batch); /* nor a retired row */
    }
    total_want += n_want;
    total_hit += n_got;
  }
  struct ls_vecwin_stats st;
  ls_vecwin_stats(w, &st);
  assert_true(st.trained);
  assert_int_equal(st.filled, r.cap);
  assert_int_equal(st.live, r.keep ? r.keep + batch : r.cap);
  double recall = (double)total_hit / (double)total_want;
  print_message("index recall %.4f%s over %llu pairs (lists %u, probes %u, sketch bounds %u/%u, displaced %llu)\n", recall,
                r.late_topics ? " (topics after training)" : "", (unsigned long long)total_want, st.lists, st.probes,
                st.hamming.coarse, st.hamming.fine, (unsigned long long)st.displaced);
  assert_true(total_want > 10000);
  assert_true(recall >= 0.99);
  ls_vecwin_destroy(w);
  free(centres); free(x); free(got); free(want); free(ages.seq_of);
}

static void test_index_recall(void **state) {
  (void)state;
  index_recall((struct run){.cap = 32768, .total = 40960});
}

static void test_index_recall_after_drift(void **state) {
  (void)state;
  index_recall((struct run){.cap = 32768, .total = 40960, .late_topics = true});
}

/* Six times round the ring, so that every list has wrapped (a scan must stop at its first stale
 * entry, not read the room the list has), with rows retired by age: the index finds the pairs
 * among the newest rows and never a retired one. */
static void test_index_long_run_retired(void **state) {
  (void)state;
  index_recall((struct run){.cap = 8192, .total = 6 * 8192, .keep = 4096});
}

static void test_top_k_and_sign_pack(void **state) {
  (void)state;
  struct ls_err e;
  float s[2 * 5] = {0.1f, 0.9f, -1, 0.5f, 0.7f, 3, 2, 1, 0, -1};
  uint32_t out[6];
  assert_int_equal(be->i->top_k(be, s, NULL, 2, 5, 3, out, &e), LS_OK);
  uint32_t want[6] = {1, 4, 3, 0, 1, 2};
  assert_memory_equal(out, want, sizeof want);
  float bias[5] = {0, -1, 0, 0, 0}; /* column 1 falls behind */
  assert_int_equal(be->i->top_k(be, s, bias, 2, 5, 3, out, &e), LS_OK);
  uint32_t want_b[6] = {4, 3, 0, 0, 1, 2};
  assert_memory_equal(out, want_b, sizeof want_b);
  assert_int_equal(be->i->top_k(be, s, NULL, 2, 5, 6, out, &e), LS_EINVAL);
  float proj[64 * LS_SKETCH_WORDS];
  for (int j = 0; j < 64 * LS_SKETCH_WORDS; j++) proj[j] = j % 3 == 0 ? 1.0f : -1.0f;
  uint64_t bits[LS_SKETCH_WORDS];
  assert_int_equal(be->i->sign_pack(be, proj, 1, bits, &e), LS_OK);
  for (int j = 0; j < 64 * LS_SKETCH_WORDS; j++) assert_int_equal((bits[j / 64] >> (j % 64)) & 1, j % 3 == 0);
}

static void test_components(void **state) {
  (void)state;
  struct ls_err e;
  /* {0, 3, 5}, {1, 4}, {2}, {6, 7, 8} (a chain given backwards) */
  uint32_t edges[] = {5, 3, 3, 0, 4, 1, 8, 7, 7, 6};
  uint32_t labels[9], want[9] = {0, 1, 2, 0, 1, 0, 6, 6, 6};
  assert_int_equal(be->i->components(be, edges, 5, 9, labels, &e), LS_OK);
  assert_memory_equal(labels, want, sizeof want);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_wraps), cmocka_unit_test(test_index_recall),
                                     cmocka_unit_test(test_index_recall_after_drift),
                                     cmocka_unit_test(test_index_long_run_retired),
                                     cmocka_unit_test(test_top_k_and_sign_pack), cmocka_unit_test(test_components)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
