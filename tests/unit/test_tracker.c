/* Unit tests: campaign life cycle — open, stable id and version on update, no event without
 * change, split keeps the id with the larger part, closed after idle time, ids from content. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
  g.weight_sum = (double)actions;
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
  ls_tracker_close_all(t1, on_event, &ev);
  assert_int_equal(ls_tracker_active(t1), 0);
  ls_tracker_destroy(t1);
  ls_tracker_destroy(t2);
}

static void test_score(void **state) {
  (void)state;
  uint64_t a[10] = {0};
  struct ls_group dense = group(a, 10, 450, 0), sparse = group(a, 10, 18, 0);
  sparse.strong_edges = 9;
  double d = ls_group_score(&dense), s = ls_group_score(&sparse);
  assert_true(d > s);
  assert_true(d <= 1.0 && s >= 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_life_cycle), cmocka_unit_test(test_split_and_content_ids),
                                     cmocka_unit_test(test_score)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
