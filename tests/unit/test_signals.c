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
  struct ls_object_sets sets; /* all of them: [0] the action's own, then revisions */
};

/* One action; its own set's partners land in p. */
static int act(struct ls_objects *o, uint64_t key, struct ls_action a, int64_t window, int64_t repeat, struct pairs *p) {
  int n = ls_objects_observe(o, key, &a, window, repeat, &p->sets);
  p->n = n > 0 ? n : 0;
  for (int k = 0; k < p->n; k++) p->other[k] = p->sets.set[0].partners[k].account, p->replayed[k] = p->sets.set[0].partners[k].replayed;
  return n;
}

static struct ls_action action(uint64_t account, int64_t t, bool replayed) {
  return (struct ls_action){.account = account, .tweet = account * 1000000 + (uint64_t)t, .t_ms = t, .activity = 1, .replayed = replayed};
}

/* An object window of 1024 entries, viral_cap accounts per window, 60 s of lateness. */
static struct ls_objects *objects(uint32_t viral_cap) {
  struct ls_objects *o = NULL;
  struct ls_err e;
  assert_int_equal(ls_objects_create(&o, 1024, viral_cap, 60000, &e), LS_OK);
  return o;
}

static int observe(struct ls_objects *o, uint64_t key, uint64_t account, int64_t t, struct pairs *p) {
  return act(o, key, action(account, t, false), 60000, 60000, p);
}

/* The revision of the set of `account`'s action among p's sets, or NULL. */
static const struct ls_object_set *revision_of(const struct pairs *p, uint64_t account) {
  for (int k = 1; k < p->sets.n; k++)
    if (p->sets.set[k].act.account == account) return &p->sets.set[k];
  return NULL;
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
  assert_int_equal(observe(o, 77, 5, 15000, &p), 1);   /* late (clock skew): 1, 2 and 3 are all within 60 s, but only 1 is earlier */
  assert_true(p.other[0] == 1);
  assert_int_equal(p.sets.n, 3); /* 2's and 3's sets again, with 5 as their late partner */
  for (uint64_t later = 2; later <= 3; later++) {
    const struct ls_object_set *r = revision_of(&p, later);
    assert_non_null(r);
    assert_int_equal(r->revision, 1);
    assert_true(r->late >= 0 && r->partners[r->late].account == 5);
  }
  assert_int_equal(revision_of(&p, 3)->n, 2); /* 3's set: 2 (1 is 69 s earlier) and now 5 */
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
  assert_int_equal(observe(o, 79, 6, 230000, &p), 0);  /* 70 s late: 5 is inside it, and later */
  assert_int_equal(p.sets.n, 2);
  assert_int_equal(revision_of(&p, 5)->n, 1); /* the pair is in 5's set */
  ls_objects_destroy(o);
}

static void test_repeats_after_the_time_scale(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p;
  p.n = 0;
  assert_int_equal(act(o, 9, action(1, 0, false), 600000, 120000, &p), 0);
  assert_int_equal(act(o, 9, action(2, 10000, false), 600000, 120000, &p), 1);      /* 2 with 1 */
  assert_int_equal(act(o, 9, action(1, 60000, false), 600000, 120000, &p), 0);      /* within 120 s: nothing */
  assert_int_equal(act(o, 9, action(1, 200000, false), 600000, 120000, &p), 1);     /* a new burst: with 2's action after 1's last */
  p.n = 0;
  assert_int_equal(act(o, 9, action(2, 210000, false), 600000, 120000, &p), 1);     /* 2's next: with 1's new action only */
  assert_true(p.other[0] == 1);
  p.n = 0;
  assert_int_equal(act(o, 9, action(2, 400000, false), 600000, 120000, &p), 0);     /* nothing new since 2's last */
  p.n = 0;
  assert_int_equal(act(o, 9, action(3, 220000, false), 600000, 120000, &p), 2);     /* 3 pairs once with 1 and once with 2 */
  assert_true((p.other[0] == 1 && p.other[1] == 2) || (p.other[0] == 2 && p.other[1] == 1));
  assert_non_null(revision_of(&p, 2)); /* and 2's burst at 400 s, read before it, pairs with it */
  ls_objects_destroy(o);
}

/* After a restore, an action read again says so to its partners: the pipeline skips pairs of
 * two such actions (the checkpoint holds them) and keeps those with a new one. */
static void test_replayed_actions_say_so(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p = {0};
  for (int i = 0; i < LS_OBJECT_RECENT + 3; i++) /* the ring turns over: each entry's flag is its own */
    act(o, 7, action(100 + (uint64_t)i, 1000 * i, i % 2 == 0), 600000, 1000, &p);
  p.n = 0;
  assert_int_equal(act(o, 7, action(1, 30000, false), 600000, 1000, &p), LS_OBJECT_RECENT);
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
  struct pairs p;
  for (uint64_t a = 1; a <= 4; a++) { /* 4 accounts: the count's epoch starts at 0 */
    act(o, 3, action(a, 40000 + (int64_t)a * 5000, false), 60000, 60000, &p);
    assert_int_equal(p.sets.set[0].accounts, a);
  }
  /* 61 s after the epoch began at 1's action (so a new epoch): 2, 3 and 4 acted 46–56 s ago */
  assert_int_equal(act(o, 3, action(9, 106000, false), 60000, 60000, &p), 3);
  assert_int_equal(p.sets.set[0].accounts, 4);
  ls_objects_destroy(o);
}

/* The virality count (and the accounts it reports) does not depend on where reading began: a
 * pair daemon handed the object's partition reads it again from one window and the lateness
 * back (pipeline.h), and from there on counts what a daemon that read it all counts. */
static void test_virality_count_independent_of_the_start(void **state) {
  (void)state;
  struct ls_objects *all = objects(12), *late = objects(12);
  struct pairs p;
  int64_t reread_from = 100000, caught_up = reread_from + 60000 + 60000;
  int compared = 0;
  for (uint64_t a = 1; a <= 80; a++) {
    struct ls_action x = action(a, (int64_t)a * 4700, false);
    int r_all = act(all, 9, x, 60000, 60000, &p);
    uint32_t n_all = p.sets.set[0].accounts;
    if (x.t_ms < reread_from) continue;
    int r_late = act(late, 9, x, 60000, 60000, &p);
    if (x.t_ms < caught_up) continue;
    assert_int_equal(r_late, r_all);
    assert_int_equal(p.sets.set[0].accounts, n_all);
    compared++;
  }
  assert_true(compared > 20);
  ls_objects_destroy(late);
  ls_objects_destroy(all);
}

/* A late action of an account already in a later set (by an earlier action) would only take that
 * action's place there: no revision, the account pairs once. */
static void test_late_action_of_a_partner_revises_nothing(void **state) {
  (void)state;
  struct ls_objects *o = objects(100);
  struct pairs p;
  assert_int_equal(act(o, 4, action(1, 0, false), 60000, 5000, &p), 0);
  assert_int_equal(act(o, 4, action(2, 30000, false), 60000, 5000, &p), 1); /* 2 with 1 */
  assert_int_equal(act(o, 4, action(1, 20000, false), 60000, 5000, &p), 0); /* 1 again, read late */
  assert_int_equal(p.sets.n, 1);
  assert_int_equal(act(o, 4, action(3, 10000, false), 60000, 5000, &p), 1); /* 3, late: with 1's first, and new to the later sets */
  assert_int_equal(p.sets.n, 3);
  assert_int_equal(revision_of(&p, 2)->n, 2); /* 2 with 1's latest before it, and 3 */
  assert_int_equal(revision_of(&p, 1)->n, 1); /* 1's burst at 20 s with what came after its first: 3 */
  ls_objects_destroy(o);
}

/* Each action's set, as its latest revision has it: its partners' accounts, by tweet. */
struct final_sets {
  uint64_t tweet[64];
  uint64_t partners[64]; /* a bit per partner account (1–63) */
  uint32_t revision[64];
  int n;
};

static void note_sets(struct final_sets *f, const struct ls_object_sets *s) {
  for (int k = 0; k < s->n; k++) {
    const struct ls_object_set *x = &s->set[k];
    int i = 0;
    while (i < f->n && f->tweet[i] != x->act.tweet) i++;
    if (i == f->n) f->tweet[f->n++] = x->act.tweet;
    else if (x->revision < f->revision[i]) continue;
    f->revision[i] = x->revision;
    f->partners[i] = 0;
    for (int j = 0; j < x->n; j++) f->partners[i] |= 1ull << x->partners[j].account;
  }
}

static uint64_t partners_of(const struct final_sets *f, uint64_t tweet) {
  for (int i = 0; i < f->n; i++)
    if (f->tweet[i] == tweet) return f->partners[i];
  return 0;
}

/* Whatever order the actions of one object are read in (within the lateness), each action ends
 * with the set it has when they are read in event order: a pair is in its later action's set. */
static void test_sets_do_not_depend_on_the_reading_order(void **state) {
  (void)state;
  /* 8 accounts, account 3 twice (a later burst), over 50 s; one window of 60 s */
  struct ls_action acts[9];
  for (int k = 0; k < 8; k++) acts[k] = action((uint64_t)k + 1, 10000 + k * 6000, false);
  acts[8] = action(3, 10000 + 8 * 6000, false);
  const int orders[4][9] = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1, 0}, {3, 0, 8, 5, 1, 7, 2, 6, 4}, {1, 0, 3, 2, 5, 4, 7, 6, 8}};
  struct final_sets want = {0};
  for (int r = 0; r < 4; r++) {
    struct ls_objects *o = objects(100);
    struct final_sets got = {0};
    struct pairs p;
    for (int k = 0; k < 9; k++) {
      act(o, 5, acts[orders[r][k]], 60000, 5000, &p);
      note_sets(&got, &p.sets);
    }
    if (r == 0) want = got;
    for (int k = 0; k < 8; k++) assert_true(partners_of(&got, acts[k].tweet) == partners_of(&want, acts[k].tweet));
    ls_objects_destroy(o);
  }
  assert_true(partners_of(&want, acts[0].tweet) == 0);                      /* the first pairs with nobody earlier */
  assert_true(partners_of(&want, acts[7].tweet) == 0xfeull);                /* 8 with 1–7, once each */
  /* 3's burst pairs with what came after its first action; read before that first action, it
   * keeps the earlier partners it met (a set only grows: README, limitations) */
  assert_true(partners_of(&want, acts[8].tweet) == (1ull << 4 | 1ull << 5 | 1ull << 6 | 1ull << 7 | 1ull << 8));
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
                                     cmocka_unit_test(test_sets_do_not_depend_on_the_reading_order),
                                     cmocka_unit_test(test_late_action_of_a_partner_revises_nothing),
                                     cmocka_unit_test(test_dedup)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
