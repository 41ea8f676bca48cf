/* Unit tests: the exact-signal object window (pairs within the window only, once per account
 * and object, late actions back to the horizon, virality cap) and the duplicate filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lockstep/dedup.h"
#include "lockstep/objects.h"

struct pairs {
  uint64_t other[LS_OBJECT_RECENT];
  bool replayed[LS_OBJECT_RECENT];
  int n;
};

/* One action; its partners land in p. */
static int act(struct ls_objects *o, uint64_t key, struct ls_action a, int64_t window, int64_t repeat, struct pairs *p) {
  struct ls_action others[LS_OBJECT_RECENT];
  uint32_t accounts;
  int n = ls_objects_observe(o, key, &a, window, repeat, others, &accounts);
  p->n = n > 0 ? n : 0;
  for (int k = 0; k < p->n; k++) p->other[k] = others[k].account, p->replayed[k] = others[k].replayed;
  return n;
}

/* An object window of 1024 entries, viral_cap accounts per window, 60 s of lateness. */
static struct ls_objects *objects(uint32_t viral_cap) {
  struct ls_objects *o = NULL;
  struct ls_err e;
  assert_int_equal(ls_objects_create(&o, 1024, viral_cap, 60000, &e), LS_OK);
  return o;
}

static int observe(struct ls_objects *o, uint64_t key, uint64_t account, int64_t t, struct pairs *p) {
  return act(o, key, (struct ls_action){account, t, false}, 60000, 60000, p);
}

static void test_window_and_repeats(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p;
  assert_int_equal(observe(o, 77, 1, 1000, &p), 0);
  assert_int_equal(observe(o, 77, 2, 20000, &p), 1);
  assert_true(p.other[0] == 1);
  assert_int_equal(observe(o, 77, 1, 25000, &p), 0);   /* account 1 again: nothing new */
  assert_int_equal(observe(o, 77, 3, 70000, &p), 1);   /* account 1 is 69 s earlier: out of the window */
  assert_true(p.other[0] == 2);
  assert_int_equal(observe(o, 78, 4, 70000, &p), 0);   /* another object */
  assert_int_equal(observe(o, 77, 5, 15000, &p), 3);   /* late arrival (clock skew): 1, 2 and 3 are all within 60 s */
  assert_int_equal(observe(o, 77, 6, 200000, &p), 0);  /* nobody within 60 s */
  ls_objects_destroy(o);
}

/* A late action meets the partners of its window only back to the horizon (the window and the
 * lateness behind the newest action): what a daemon taking the object's partition over rebuilds. */
static void test_late_actions_stop_at_the_horizon(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p;
  assert_int_equal(observe(o, 77, 1, 100000, &p), 0);
  assert_int_equal(observe(o, 77, 2, 110000, &p), 1);
  assert_int_equal(observe(o, 79, 5, 250000, &p), 0);
  assert_int_equal(observe(o, 78, 3, 300000, &p), 0);  /* the newest action: the horizon is 180 s */
  assert_int_equal(observe(o, 77, 4, 120000, &p), 0);  /* 3 min late: 1 and 2 are behind the horizon */
  assert_int_equal(observe(o, 79, 6, 230000, &p), 1);  /* 70 s late: 5 is inside it */
  assert_true(p.other[0] == 5);
  ls_objects_destroy(o);
}

static void test_repeats_after_the_time_scale(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p;
  p.n = 0;
  assert_int_equal(act(o, 9, (struct ls_action){1, 0, false}, 600000, 120000, &p), 0);
  assert_int_equal(act(o, 9, (struct ls_action){2, 10000, false}, 600000, 120000, &p), 1);      /* 2 with 1 */
  assert_int_equal(act(o, 9, (struct ls_action){1, 60000, false}, 600000, 120000, &p), 0);      /* within 120 s: nothing */
  assert_int_equal(act(o, 9, (struct ls_action){1, 200000, false}, 600000, 120000, &p), 1);     /* a new burst: with 2's action after 1's last */
  p.n = 0;
  assert_int_equal(act(o, 9, (struct ls_action){2, 210000, false}, 600000, 120000, &p), 1);     /* 2's next: with 1's new action only */
  assert_true(p.other[0] == 1);
  p.n = 0;
  assert_int_equal(act(o, 9, (struct ls_action){2, 400000, false}, 600000, 120000, &p), 0);     /* nothing new since 2's last */
  p.n = 0;
  assert_int_equal(act(o, 9, (struct ls_action){3, 220000, false}, 600000, 120000, &p), 2);     /* 3 pairs once with 1 and once with 2 */
  assert_true((p.other[0] == 1 && p.other[1] == 2) || (p.other[0] == 2 && p.other[1] == 1));
  ls_objects_destroy(o);
}

/* After a restore, an action read again says so to its partners: the pipeline skips pairs of
 * two such actions (the checkpoint holds them) and keeps those with a new one. */
static void test_replayed_actions_say_so(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p = {0};
  for (int i = 0; i < LS_OBJECT_RECENT + 3; i++) /* the ring turns over: each entry's flag is its own */
    act(o, 7, (struct ls_action){100 + (uint64_t)i, 1000 * i, i % 2 == 0}, 600000, 1000, &p);
  p.n = 0;
  assert_int_equal(act(o, 7, (struct ls_action){1, 30000, false}, 600000, 1000, &p), LS_OBJECT_RECENT);
  for (int k = 0; k < p.n; k++) assert_int_equal(p.replayed[k], (p.other[k] - 100) % 2 == 0);
  ls_objects_destroy(o);
}

static void test_virality_cap(void **state) {
  (void)state;
  struct ls_objects *o = objects(10);
  struct pairs p;
  int suppressed = 0;
  for (uint64_t a = 1; a <= 50; a++) suppressed += observe(o, 5, a, (int64_t)a * 100, &p) < 0;
  assert_int_equal(suppressed, 40); /* the 11th account onwards forms no pairs */
  assert_int_equal(observe(o, 5, 99, 500000, &p), 0);  /* a new window: counting restarts, not suppressed */
  assert_int_equal(observe(o, 5, 98, 500100, &p), 1);
  for (int k = 0; k < 100; k++) assert_true(observe(o, 6, 7, 501000 + k, &p) == 0); /* one account, 100 times */
  assert_int_equal(observe(o, 6, 8, 502000, &p), 1); /* is not virality: the next account still pairs */
  ls_objects_destroy(o);
}

/* The accounts on the object (the chance model's popularity term, and what a pair set carries to
 * the cluster stage) count at least the action's own account and each partner, also when the
 * count's epoch began with this very action while earlier ones are still inside the window. */
static void test_object_accounts_cover_the_partners(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct ls_action others[LS_OBJECT_RECENT];
  uint32_t accounts = 0;
  for (uint64_t a = 1; a <= 4; a++) { /* 4 accounts: the count's epoch starts at 0 */
    ls_objects_observe(o, 3, &(struct ls_action){a, 40000 + (int64_t)a * 5000, false}, 60000, 60000, others, &accounts);
    assert_int_equal(accounts, a);
  }
  /* 61 s after the epoch began at 1's action (so a new epoch): 2, 3 and 4 acted 46–56 s ago */
  assert_int_equal(ls_objects_observe(o, 3, &(struct ls_action){9, 106000, false}, 60000, 60000, others, &accounts), 3);
  assert_int_equal(accounts, 4);
  ls_objects_destroy(o);
}

/* The virality count (and the accounts it reports) does not depend on where reading began: a
 * pair daemon handed the object's partition reads it again from one window and the lateness
 * back (pipeline.h), and from there on counts what a daemon that read it all counts. */
static void test_virality_count_independent_of_the_start(void **state) {
  (void)state;
  struct ls_objects *all = objects(12), *late = objects(12);
  struct ls_action others[LS_OBJECT_RECENT];
  int64_t reread_from = 100000, caught_up = reread_from + 60000 + 60000;
  int compared = 0;
  for (uint64_t a = 1; a <= 80; a++) {
    struct ls_action x = {a, (int64_t)a * 4700, false};
    uint32_t n_all, n_late;
    int r_all = ls_objects_observe(all, 9, &x, 60000, 60000, others, &n_all);
    if (x.t_ms < reread_from) continue;
    int r_late = ls_objects_observe(late, 9, &x, 60000, 60000, others, &n_late);
    if (x.t_ms < caught_up) continue;
    assert_int_equal(r_late, r_all);
    assert_int_equal(n_late, n_all);
    compared++;
  }
  assert_true(compared > 20);
  ls_objects_destroy(late);
  ls_objects_destroy(all);
}

static void test_dedup(void **state) {
  (void)state;
  struct ls_dedup d;
  struct ls_err e;
  assert_int_equal(ls_dedup_init(&d, 1024, &e), LS_OK);
  assert_false(ls_dedup_seen(&d, 42));
  assert_true(ls_dedup_seen(&d, 42));
  for (uint64_t i = 1000; i < 1600; i++) ls_dedup_seen(&d, i); /* rotates one generation */
  assert_true(ls_dedup_seen(&d, 1599));
  for (uint64_t i = 1000; i < 1512; i++) assert_true(ls_dedup_seen(&d, i)); /* the last capacity/2 are kept */
  ls_dedup_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_window_and_repeats), cmocka_unit_test(test_repeats_after_the_time_scale),
                                     cmocka_unit_test(test_late_actions_stop_at_the_horizon), cmocka_unit_test(test_virality_cap),
                                     cmocka_unit_test(test_virality_count_independent_of_the_start),
                                     cmocka_unit_test(test_replayed_actions_say_so), cmocka_unit_test(test_object_accounts_cover_the_partners),
                                     cmocka_unit_test(test_dedup)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
