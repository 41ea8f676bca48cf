/* Unit tests: the distributed co-similar-text index's shards (text_shards.h) — a trained file
 * read back, refused for another dimension or when it is no shards file; routing to distinct
 * ascending partitions and the owner of a pair; and the distributed index itself (one window per
 * partition, each pair kept by its owner, tools/bench_shards.c as lockstep-bench runs it) against
 * brute force over one whole window: ≥ 0.99 of the pairs above tau, none twice, on clustered
 * vectors straddling tau whose topics are half of them unseen by the training sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_shards.h"
#include "lockstep/text_shards.h"
#include "lockstep/vecwin.h"

#include "cpu_backend_fixture.h"

#define D 64
#define TOPICS 400

static char file[] = "/tmp/lockstep-shards-XXXXXX";
static uint64_t rng = 4242;

static double urand(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void) { return sqrt(-2 * log(urand() + 1e-300)) * cos(2 * M_PI * urand()); }

static void unit(float *v) {
  double s = 0;
  for (uint32_t j = 0; j < D; j++) s += (double)v[j] * v[j];
  for (uint32_t j = 0; j < D; j++) v[j] = (float)(v[j] / sqrt(s));
}

static float centres[TOPICS * D];

/* n vectors around topics [0, topics) (pairs of a topic from cosine 0.4 to 0.98, as test_vecwin). */
static void clustered(float *x, uint32_t n, uint32_t topics) {
  for (uint32_t i = 0; i < n; i++) {
    const float *c = centres + (size_t)(urand() * topics) * D;
    double noise = (0.25 + urand() * 0.9) / sqrt(D);
    for (uint32_t j = 0; j < D; j++) x[(size_t)i * D + j] = (float)(c[j] + noise * gauss());
    unit(x + (size_t)i * D);
  }
}

/* The backend, the topics, and 16 shards trained on 4096 vectors of the first half of the topics. */
static int train_setup(void **state) {
  if (setup(state)) return -1;
  int fd = mkstemp(file);
  if (fd < 0) return -1;
  close(fd);
  for (uint32_t i = 0; i < TOPICS * D; i++) centres[i] = (float)gauss();
  for (uint32_t t = 0; t < TOPICS; t++) unit(centres + (size_t)t * D);
  float *x = malloc(4096 * D * sizeof *x);
  clustered(x, 4096, TOPICS / 2);
  struct ls_err e;
  int rc = ls_text_shards_train(be, x, 4096, D, 16, file, &e);
  free(x);
  return rc;
}

static int train_teardown(void **state) {
  unlink(file);
  return teardown(state);
}

static void test_route_and_owner(void **state) {
  (void)state;
  struct ls_text_shards *ts;
  struct ls_err e;
  assert_int_equal(ls_text_shards_open(&ts, file, D, 4, &e), LS_OK);
  assert_int_equal(ls_text_shards_count(ts), 16);
  float x[D];
  uint16_t parts[LS_TEXT_SHARDS_SPILL_MAX];
  for (int i = 0; i < 200; i++) {
    clustered(x, 1, TOPICS);
    uint32_t n = ls_text_shards_route(ts, x, 12, parts);
    assert_true(n >= 1 && n <= 4);
    for (uint32_t k = 0; k < n; k++) assert_true(parts[k] < 12 && (k == 0 || parts[k] > parts[k - 1]));
    assert_int_equal(ls_text_shards_route(ts, x, 1, parts), 1); /* one partition holds every shard */
    assert_int_equal(parts[0], 0);
  }
  /* 16 shards over 53 partitions spread over the whole topic: a range assignor's three members
   * (0..17, 18..35, 36..52) each get some */
  uint32_t third[3] = {0};
  for (int i = 0; i < 200; i++) {
    clustered(x, 1, TOPICS);
    uint32_t n = ls_text_shards_route(ts, x, 53, parts);
    for (uint32_t k = 0; k < n; k++) third[parts[k] / 18]++;
  }
  for (int t = 0; t < 3; t++) assert_true(third[t] > 0);
  assert_int_equal(ls_text_shards_owner((uint16_t[]){1, 3, 5}, 3, (uint16_t[]){2, 3, 5}, 3), 3);
  assert_int_equal(ls_text_shards_owner((uint16_t[]){1}, 1, (uint16_t[]){2, 7}, 2), -1);
  ls_text_shards_close(ts);
}

static void test_refused(void **state) {
  (void)state;
  struct ls_text_shards *ts;
  struct ls_err e;
  assert_int_equal(ls_text_shards_open(&ts, file, 2 * D, 4, &e), LS_EINVAL); /* trained for another dimension */
  assert_non_null(strstr(e.msg, "pipeline.text_shards"));
  assert_int_equal(ls_text_shards_open(&ts, "/nonexistent/shards", D, 4, &e), LS_EIO);
  float x[15 * 16 * D];
  clustered(x, 15 * 16, TOPICS);
  assert_int_equal(ls_text_shards_train(be, x, 15 * 16, D, 16, "/tmp/unused", &e), LS_EINVAL); /* under 16 per shard */
  assert_non_null(strstr(e.msg, "at least 256"));
}

static int by_pair(const void *a, const void *b) {
  const struct ls_pair *x = a, *y = b;
  if (x->q != y->q) return x->q < y->q ? -1 : 1;
  return x->w < y->w ? -1 : x->w > y->w;
}

static void test_distributed_recall(void **state) {
  (void)state;
  const uint32_t batch = 512, total = 40960, cap = 32768, pcap = 1u << 20;
  struct ls_vecwin_conf c = {.capacity = cap, .dim = D, .max_batch = batch, .tau = 0.7f, .probes = 8};
  struct ls_vecwin *whole;
  struct shard_sim *sim;
  struct ls_err e;
  assert_int_equal(ls_vecwin_create(&whole, be, &c, &e), LS_OK);
  assert_int_equal(shard_sim_create(&sim, be, file, 12, 4, &c, &e), LS_OK);
  float *x = malloc((size_t)batch * D * sizeof *x);
  struct ls_pair *got = malloc(pcap * sizeof *got), *want = malloc(pcap * sizeof *want);
  uint64_t n_want_all = 0, hit = 0;
  for (uint32_t sent = 0; sent < total; sent += batch) {
    clustered(x, batch, TOPICS);
    uint32_t first, n_got, n_want;
    assert_int_equal(ls_vecwin_add(whole, x, batch, &first, &e), LS_OK);
    assert_int_equal(shard_sim_batch(sim, x, batch, sent, got, pcap, &n_got, &e), LS_OK);
    if (sent < cap) continue; /* measured once the whole window has wrapped */
    assert_int_equal(ls_vecwin_exact(whole, x, batch, want, pcap, &n_want, &e), LS_OK);
    qsort(want, n_want, sizeof *want, by_pair);
    qsort(got, n_got, sizeof *got, by_pair);
    for (uint32_t k = 0; k < n_got; k++) {
      assert_true(k == 0 || by_pair(&got[k - 1], &got[k]) != 0); /* no pair from two partitions */
      assert_non_null(bsearch(&got[k], want, n_want, sizeof *want, by_pair));
    }
    n_want_all += n_want;
    hit += n_got;
  }
  double recall = (double)hit / (double)n_want_all;
  print_message("distributed recall %.4f over %llu pairs\n", recall, (unsigned long long)n_want_all);
  shard_sim_report(sim, stderr);
  fputc('\n', stderr);
  assert_true(n_want_all > 10000);
  assert_true(recall >= 0.99);
  shard_sim_destroy(sim);
  ls_vecwin_destroy(whole);
  free(x); free(got); free(want);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_route_and_owner), cmocka_unit_test(test_refused),
                                     cmocka_unit_test(test_distributed_recall)};
  return cmocka_run_group_tests(tests, train_setup, train_teardown);
}
