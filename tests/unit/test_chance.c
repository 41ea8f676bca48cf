/* Unit tests: the chance model's co-action weight (time gap, account activity, the floor), the
 * popularity budget and the activity sketch it reads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lockstep/activity.h"
#include "lockstep/chance.h"

static struct ls_chance model(void) {
  struct ls_chance c = {.organic_accounts = 30, .active_actions = 30, .min_weight = 0.05};
  for (int s = 0; s < LS_SIG_COUNT; s++) c.time_scale_ms[s] = 180000;
  return c;
}

static void test_gap(void **state) {
  (void)state;
  struct ls_chance c = model();
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, 0, 1, 1), 1.0, 1e-12); /* same minute, quiet accounts */
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, 180000, 1, 1), exp(-1), 1e-12);
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, -180000, 1, 1), exp(-1), 1e-12); /* order does not matter */
  for (int64_t g = 60000; g <= 480000; g += 60000) /* a farm's 1-5 minute gaps weigh less and less, never nothing at once */
    assert_true(ls_chance_weight(&c, LS_SIG_RETWEET, g, 1, 1) < ls_chance_weight(&c, LS_SIG_RETWEET, g - 60000, 1, 1));
  assert_true(ls_chance_weight(&c, LS_SIG_RETWEET, 300000, 1, 1) > 0.15);
  assert_true(ls_chance_weight(&c, LS_SIG_RETWEET, 900000, 1, 1) == 0); /* exp(-5) is under the floor */
  c.time_scale_ms[LS_SIG_TWEET] = 600000; /* each signal has its own scale */
  assert_true(ls_chance_weight(&c, LS_SIG_TWEET, 900000, 1, 1) > 0.2);
}

static void test_popularity_and_activity(void **state) {
  (void)state;
  struct ls_chance c = model();
  assert_float_equal(ls_chance_budget(&c, 2), 1.0, 1e-12);
  assert_float_equal(ls_chance_budget(&c, 30), 1.0, 1e-12);
  assert_float_equal(ls_chance_budget(&c, 300), 0.1, 1e-12); /* a popular object */
  assert_int_equal(ls_chance_max_accounts(&c), 600);          /* viral beyond: budget under the floor */
  assert_true(ls_chance_budget(&c, 601) < c.min_weight);
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, 0, 30, 30), 1.0, 1e-12);
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, 0, 120, 120), 0.25, 1e-12); /* two busy accounts */
  assert_float_equal(ls_chance_weight(&c, LS_SIG_RETWEET, 0, 900, 1), 1.0, 1e-12);    /* one busy, one quiet: sqrt(900) = 30 */
  assert_true(ls_chance_weight(&c, LS_SIG_RETWEET, 0, 1e6, 1e6) == 0);
  for (uint32_t n = 31; n < 600; n += 37) /* never more evidence for more accounts */
    assert_true(ls_chance_budget(&c, n) < ls_chance_budget(&c, n - 1));
}

static void test_activity(void **state) {
  (void)state;
  struct ls_activity *a;
  struct ls_err e;
  int64_t hour = 3600000, t0 = 1700000000000LL;
  assert_int_equal(ls_activity_create(&a, 4096, hour, &e), LS_OK);
  assert_true(ls_activity_count(a, 42) == 0);
  for (int k = 0; k < 100; k++) ls_activity_add(a, 7, t0 + k * 1000); /* 100 actions in 100 s */
  ls_activity_add(a, 8, t0 + 100000);
  assert_float_equal(ls_activity_count(a, 7), 100, 2);
  assert_float_equal(ls_activity_count(a, 8), 1, 1e-3);
  for (uint64_t x = 1000; x < 3000; x++) ls_activity_add(a, x, t0 + 100000); /* other accounts never lower a count */
  assert_true(ls_activity_count(a, 7) >= 98);
  ls_activity_add(a, 9, t0 + 100000 + hour); /* an hour later the count has halved */
  assert_float_equal(ls_activity_count(a, 7), 50, 2);
  ls_activity_add(a, 9, t0); /* a late action is counted at the newest time */
  assert_float_equal(ls_activity_count(a, 9), 2, 1e-3);
  assert_true(ls_activity_bytes(a) >= 4096 * 4 * 8);
  ls_activity_destroy(a);
}

/* A saved sketch into another daemon's (README: stages, activity handed over): the other
 * daemon's accounts arrive decayed to the later clock, its own stay, and merging twice or
 * merging the counts one already holds changes nothing. */
static void test_activity_merge(void **state) {
  (void)state;
  struct ls_activity *old, *new, *small;
  struct ls_err e;
  int64_t hour = 3600000, t0 = 1700000000000LL;
  assert_int_equal(ls_activity_create(&old, 4096, hour, &e), LS_OK);
  assert_int_equal(ls_activity_create(&new, 4096, hour, &e), LS_OK);
  assert_int_equal(ls_activity_create(&small, 1024, hour, &e), LS_OK);
  for (int k = 0; k < 100; k++) ls_activity_add(old, 7, t0 + k * 1000); /* the last owner counted account 7 */
  for (int k = 0; k < 10; k++) ls_activity_add(new, 8, t0 + hour + k);   /* the new owner, an hour on */
  ls_activity_add(new, 7, t0 + hour);
  struct ls_snap w = {0};
  ls_activity_save(old, &w);
  assert_int_equal(ls_snap_done(&w, &e), LS_OK);
  for (int pass = 0; pass < 2; pass++) {
    struct ls_snap_reader r;
    ls_snap_reader_init(&r, w.buf, w.len);
    assert_int_equal(ls_activity_merge(new, &r, &e), LS_OK);
    assert_float_equal(ls_activity_count(new, 7), 50, 2); /* 100, an hour later: the larger of 50 and 1 */
    assert_float_equal(ls_activity_count(new, 8), 10, 1e-2);
    assert_true(ls_activity_count(new, 9) == 0);
  }
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_activity_merge(small, &r, &e), LS_EINVAL); /* another size: refused, said */
  assert_true(ls_activity_count(small, 7) == 0);
  struct ls_activity *fresh;
  assert_int_equal(ls_activity_create(&fresh, 4096, hour, &e), LS_OK);
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_activity_merge(fresh, &r, &e), LS_OK); /* a daemon that counted nothing takes the clock too */
  assert_float_equal(ls_activity_count(fresh, 7), 100, 2);
  ls_snap_free(&w);
  ls_activity_destroy(fresh);
  ls_activity_destroy(small);
  ls_activity_destroy(new);
  ls_activity_destroy(old);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_gap), cmocka_unit_test(test_popularity_and_activity),
                                     cmocka_unit_test(test_activity), cmocka_unit_test(test_activity_merge)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
