/* Unit tests: campaign life cycle — open, stable id and version on update, no event without
 * change, split keeps the id with the larger part (the other records split_from), a merge closes
 * the absorbed campaign with merged_into, closed after idle time, ids from content, score parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "lockstep/tracker.h"

struct events {
  struct ls_campaign_event e[16];
  int n;
};

static void on_event(void *ud, const struct ls_campaign_event *e) {
  struct events *ev = ud;
  if (ev->n < 16) ev->e[ev->n] = *e;
  ev->n++;
}

static struct ls_group group(uint64_t *acc, uint32_t n, uint64_t actions, int64_t last) {
  struct ls_group g = {.n_accounts = n, .accounts = acc, .strong_edges = n * (n - 1) / 2, .first_ms = 1000, .last_ms = last};
  g.signal_actions[LS_SIG_TWEET] = actions;
  g.ev.mean_edge_weight = (double)actions / g.strong_edges;
  g.ev.mean_gap_s = 10;
  g.ev.content_share = 1;
  return g;
}

static void update(struct ls_tracker *t, struct ls_group *g, uint32_t n, int64_t now, struct events *ev) {
  struct ls_groups gs = {.g = g, .n = n};
  struct ls_err e;
  ev->n = 0;
  assert_int_equal(ls_tracker_update(t, &gs, now, on_event, ev, &e), LS_OK);
}

static void test_life_cycle(void **state) {
  (void)state;
  struct ls_tracker_conf c = {.min_accounts = 3, .min_score = 0.1, .close_after_ms = 60000};
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &c, &e), LS_OK);
  uint64_t a[6] = {1, 2, 3, 4, 5, 6};
  struct events ev;
  struct ls_group g = group(a, 4, 40, 5000);
  update(t, &g, 1, 5000, &ev);
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_OPEN);
  assert_int_equal(ev.e[0].version, 1);
  char id[LS_CAMPAIGN_ID_MAX];
  strcpy(id, ev.e[0].id);
  update(t, &g, 1, 6000, &ev);
  assert_int_equal(ev.n, 0); /* nothing changed */
  g = group(a, 5, 41, 7000);
  update(t, &g, 1, 7000, &ev);
  assert_int_equal(ev.n, 1);
  assert_string_equal(ev.e[0].id, id);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_UPDATED);
  assert_int_equal(ev.e[0].version, 2);
  assert_int_equal(ev.e[0].n_accounts, 5);
  update(t, NULL, 0, 7000 + 60001, &ev); /* idle past close_after */
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_CLOSED);
  assert_int_equal(ev.e[0].version, 3);
  assert_int_equal(ls_tracker_active(t), 0);
  ls_tracker_destroy(t);
}

static void test_split_and_content_ids(void **state) {
  (void)state;
  struct ls_tracker_conf c = {.min_accounts = 2, .min_score = 0.0, .close_after_ms = 600000};
  struct ls_tracker *t1, *t2;
  struct ls_err e;
  ls_tracker_create(&t1, &c, &e);
  ls_tracker_create(&t2, &c, &e);
  uint64_t a[7] = {10, 11, 12, 13, 14, 15, 16};
  struct events ev;
  struct ls_group g = group(a, 7, 50, 5000);
  update(t1, &g, 1, 5000, &ev);
  char id[LS_CAMPAIGN_ID_MAX];
  strcpy(id, ev.e[0].id);
  update(t2, &g, 1, 5000, &ev);
  assert_string_equal(ev.e[0].id, id); /* same content, same id: a replay gives the same ids */
  struct ls_group parts[2] = {group(a, 5, 40, 6000), group(a + 5, 2, 10, 6000)};
  update(t1, parts, 2, 6000, &ev);
  assert_int_equal(ev.n, 2);
  int upd = ev.e[0].state == LS_CAMPAIGN_UPDATED ? 0 : 1;
  assert_string_equal(ev.e[upd].id, id); /* the larger part keeps the id */
  assert_int_equal(ev.e[1 - upd].state, LS_CAMPAIGN_OPEN);
  assert_string_not_equal(ev.e[1 - upd].id, id);
  assert_string_equal(ev.e[1 - upd].split_from, id); /* lineage */
  assert_string_equal(ev.e[upd].split_from, "");
  ls_tracker_close_all(t1, on_event, &ev);
  assert_int_equal(ls_tracker_active(t1), 0);
  ls_tracker_destroy(t1);
  ls_tracker_destroy(t2);
}

static void test_merge(void **state) {
  (void)state;
  struct ls_tracker_conf c = {.min_accounts = 3, .min_score = 0.0, .close_after_ms = 600000};
  struct ls_tracker *t;
  struct ls_err e;
  ls_tracker_create(&t, &c, &e);
  uint64_t a[6] = {1, 2, 3, 4, 5, 6};
  struct ls_group two[2] = {group(a, 3, 30, 5000), group(a + 3, 3, 30, 5000)};
  struct events ev;
  update(t, two, 2, 5000, &ev);
  assert_int_equal(ev.n, 2);
  char id0[LS_CAMPAIGN_ID_MAX], id1[LS_CAMPAIGN_ID_MAX];
  strcpy(id0, ev.e[0].id);
  strcpy(id1, ev.e[1].id);
  struct ls_group all = group(a, 6, 90, 6000);
  update(t, &all, 1, 6000, &ev);
  assert_int_equal(ev.n, 2); /* one continues, the other closes into it */
  int upd = ev.e[0].state == LS_CAMPAIGN_UPDATED ? 0 : 1;
  assert_int_equal(ev.e[1 - upd].state, LS_CAMPAIGN_CLOSED);
  assert_string_equal(ev.e[1 - upd].merged_into, ev.e[upd].id);
  assert_true(!strcmp(ev.e[upd].id, id0) || !strcmp(ev.e[upd].id, id1));
  assert_int_equal(ev.e[upd].n_accounts, 6);
  assert_int_equal(ls_tracker_active(t), 1);
  ls_tracker_destroy(t);
}

static void test_score(void **state) {
  (void)state;
  uint64_t a[10] = {0};
  struct ls_group tight = group(a, 10, 450, 0), loose = group(a, 10, 90, 0);
  loose.ev.mean_gap_s = 400;
  loose.ev.content_share = 0.5;
  struct ls_score_parts pt, pl;
  double d = ls_group_score(&tight, &pt), s = ls_group_score(&loose, &pl);
  assert_true(d > s);
  assert_true(d <= 1.0 && s >= 0.0);
  assert_true(pt.synchrony > pl.synchrony && pt.diversity > pl.diversity && pt.content > pl.content);
  assert_float_equal(pt.size, pl.size, 1e-12);
  /* account features move the score by at most 0.1: never enough alone */
  struct ls_group bots = tight;
  bots.ev.account_suspicion = 1;
  assert_true(fabs(ls_group_score(&bots, NULL) - d - 0.1) < 1e-12);
  struct ls_group empty = {.n_accounts = 0};
  empty.ev.account_suspicion = 1;
  assert_true(ls_group_score(&empty, NULL) <= 0.1 + 1e-12);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_life_cycle), cmocka_unit_test(test_split_and_content_ids), cmocka_unit_test(test_merge),
                                     cmocka_unit_test(test_score)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
