/* Unit tests: campaign life cycle — open, stable id and version on update, no event without
 * change, split keeps the id with the larger part (the other records split_from), a merge closes
 * the absorbed campaign with merged_into, closed after idle time, ids from the earliest strong edge
 * (and a returning group continues its closed campaign's versions), score parts.
 * Operations: campaigns of shared accounts or shared objects over hours are one operation, a
 * small group joins the operation it connects to and is ignored alone unless each member repeated
 * detect.small_group_actions times, operations merge into the
 * oldest with lineage, a dormant operation is forgotten after its memory. */
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

/* A campaign is named after its group's earliest strong edge, so the group seen at another size
 * (tweets arrived in another order, clustering ran at another moment) gets the same id; and a
 * group that comes back after its campaign closed continues that campaign's versions. */
static void test_ids_from_earliest_edge(void **state) {
  (void)state;
  struct ls_tracker_conf c = {.min_accounts = 3, .min_score = 0.0, .close_after_ms = 60000, .ops = {.memory_ms = 86400000}};
  struct ls_tracker *t1, *t2;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t1, &c, &e), LS_OK);
  assert_int_equal(ls_tracker_create(&t2, &c, &e), LS_OK);
  uint64_t a[7] = {10, 11, 12, 13, 14, 15, 16};
  struct events ev;
  struct ls_group small = group(a, 4, 30, 5000), large = group(a, 7, 60, 9000);
  small.seed_a = large.seed_a = 10;
  small.seed_b = large.seed_b = 12;
  update(t1, &small, 1, 5000, &ev);
  char id[LS_CAMPAIGN_ID_MAX];
  strcpy(id, ev.e[0].id);
  update(t2, &large, 1, 9000, &ev);
  assert_string_equal(ev.e[0].id, id);
  struct ls_group other = large;
  other.seed_b = 13; /* another earliest edge: another campaign */
  struct ls_tracker *t3;
  assert_int_equal(ls_tracker_create(&t3, &c, &e), LS_OK);
  update(t3, &other, 1, 9000, &ev);
  assert_string_not_equal(ev.e[0].id, id);
  update(t1, NULL, 0, 5000 + 60001, &ev); /* idle: closed at version 2 */
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_CLOSED);
  assert_int_equal(ev.e[0].version, 2);
  small.last_ms = 200000;
  update(t1, &small, 1, 200000, &ev); /* the same group acts again */
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_OPEN);
  assert_string_equal(ev.e[0].id, id);
  assert_int_equal(ev.e[0].version, 3); /* newer than the closed one, so readers take it */
  ls_tracker_destroy(t1);
  ls_tracker_destroy(t2);
  ls_tracker_destroy(t3);
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

static const struct ls_tracker_conf OPS_CONF = {.min_accounts = 5, .min_score = 0.0, .close_after_ms = 3600000,
                                               .ops = {.memory_ms = 86400000, .min_shared_objects = 2}};

static struct ls_group with_objects(struct ls_group g, const uint64_t *objects, uint32_t n) {
  memcpy(g.objects, objects, n * sizeof *objects);
  g.n_objects = n;
  return g;
}

static void test_operation_by_accounts(void **state) {
  (void)state;
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &OPS_CONF, &e), LS_OK);
  uint64_t a[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  struct events ev;
  struct ls_group g = group(a, 5, 40, 5000);
  update(t, &g, 1, 5000, &ev);
  assert_int_equal(ev.n, 1);
  char op[LS_CAMPAIGN_ID_MAX];
  strcpy(op, ev.e[0].operation.id);
  assert_true(op[0] == 'o' && !strcmp(op + 1, ev.e[0].id + 1)); /* named after its first campaign */
  assert_true(ev.e[0].operation.active);
  assert_int_equal(ev.e[0].operation.campaigns, 1);
  assert_int_equal(ev.e[0].operation.accounts, 5);
  update(t, NULL, 0, 5000 + 3600001, &ev); /* the campaign closes; its operation is dormant */
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_CLOSED);
  assert_string_equal(ev.e[0].operation.id, op);
  assert_false(ev.e[0].operation.active);
  assert_int_equal(ls_tracker_operations(t), 1);
  /* hours later, another campaign with one of its accounts: the same operation */
  struct ls_group later = group(a + 4, 6, 50, 7200000);
  update(t, &later, 1, 7200000, &ev);
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_OPEN);
  assert_string_equal(ev.e[0].operation.id, op);
  assert_true(ev.e[0].operation.active);
  assert_int_equal(ev.e[0].operation.campaigns, 2);
  assert_int_equal(ev.e[0].operation.accounts, 10);
  assert_true(ev.e[0].operation.first_seen_ms == 1000);
  ls_tracker_destroy(t);
}

static void test_operation_small_groups(void **state) {
  (void)state;
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &OPS_CONF, &e), LS_OK);
  uint64_t a[6] = {1, 2, 3, 4, 5, 6}, pair[2] = {50, 51}, other[2] = {60, 61}, lone[2] = {70, 71};
  uint64_t objects[3] = {0xa1, 0xa2, 0xa3}, unrelated[2] = {0xb1, 0xb2};
  struct events ev;
  struct ls_group g = with_objects(group(a, 6, 60, 5000), objects, 3);
  update(t, &g, 1, 5000, &ev);
  char op[LS_CAMPAIGN_ID_MAX];
  strcpy(op, ev.e[0].operation.id);
  /* a strongly tied pair on two of its objects joins it; one sharing one object, or none, does not */
  struct ls_group small[3] = {with_objects(group(pair, 2, 6, 6000), objects + 1, 2),
                              with_objects(group(other, 2, 6, 6000), (uint64_t[]){0xa1, 0xb9}, 2),
                              with_objects(group(lone, 2, 6, 6000), unrelated, 2)};
  update(t, small, 3, 6000, &ev);
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.e[0].state, LS_CAMPAIGN_OPEN);
  assert_int_equal(ev.e[0].n_accounts, 2);
  assert_true(ev.e[0].accounts[0] == 50);
  assert_string_equal(ev.e[0].operation.id, op);
  assert_int_equal(ev.e[0].operation.campaigns, 2);
  assert_int_equal(ev.e[0].operation.accounts, 8);
  assert_int_equal(ls_tracker_active(t), 2);
  /* with operation_shared_objects = 0 only accounts link */
  struct ls_tracker_conf accounts_only = OPS_CONF;
  accounts_only.ops.min_shared_objects = 0;
  struct ls_tracker *t2;
  assert_int_equal(ls_tracker_create(&t2, &accounts_only, &e), LS_OK);
  update(t2, &g, 1, 5000, &ev);
  update(t2, small, 1, 6000, &ev);
  assert_int_equal(ev.n, 0);
  ls_tracker_destroy(t2);
  ls_tracker_destroy(t);
}

static void test_small_group_repeats(void **state) {
  (void)state;
  struct ls_tracker_conf c = OPS_CONF;
  c.small_group_actions = 3;
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &c, &e), LS_OK);
  uint64_t twice[2] = {1, 2}, thrice[2] = {3, 4};
  struct ls_group pairs[2] = {group(twice, 2, 2, 5000), group(thrice, 2, 3, 5000)};
  pairs[0].least_member_actions = 2; /* two co-actions: chance can do that */
  pairs[1].least_member_actions = 3;
  struct events ev;
  update(t, pairs, 2, 5000, &ev);
  assert_int_equal(ev.n, 1); /* only the pair that repeated three times, alone */
  assert_true(ev.e[0].accounts[0] == 3);
  assert_true(ev.e[0].operation.id[0] == 'o');
  ls_tracker_destroy(t);
}

static void test_operation_merge(void **state) {
  (void)state;
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &OPS_CONF, &e), LS_OK);
  uint64_t a[10] = {1, 2, 3, 4, 5}, b[10] = {11, 12, 13, 14, 15}, bridge[6] = {5, 15, 21, 22, 23, 24};
  struct events ev;
  struct ls_group first = group(a, 5, 40, 5000);
  update(t, &first, 1, 5000, &ev);
  char op_a[LS_CAMPAIGN_ID_MAX], camp_b[LS_CAMPAIGN_ID_MAX], op_b[LS_CAMPAIGN_ID_MAX];
  strcpy(op_a, ev.e[0].operation.id);
  struct ls_group second = group(b, 5, 40, 6000);
  second.first_ms = 2000; /* younger */
  update(t, &second, 1, 6000, &ev);
  strcpy(camp_b, ev.e[0].id);
  strcpy(op_b, ev.e[0].operation.id);
  assert_string_not_equal(op_a, op_b);
  /* a new campaign holding an account of each: the older operation takes the younger in */
  struct ls_group third = group(bridge, 6, 50, 7000);
  third.first_ms = 3000;
  struct ls_group round[3] = {third, first, second};
  update(t, round, 3, 7000, &ev);
  int opened = -1, relabelled = -1;
  for (int i = 0; i < ev.n; i++) {
    if (ev.e[i].state == LS_CAMPAIGN_OPEN) opened = i;
    if (!strcmp(ev.e[i].id, camp_b)) relabelled = i;
  }
  assert_true(opened >= 0 && relabelled >= 0);
  assert_string_equal(ev.e[opened].operation.id, op_a);
  assert_int_equal(ev.e[opened].operation.n_merged, 1);
  assert_string_equal(ev.e[opened].operation.merged_from[0], op_b);
  assert_int_equal(ev.e[opened].operation.campaigns, 3);
  assert_int_equal(ev.e[relabelled].state, LS_CAMPAIGN_UPDATED); /* its campaigns now name the survivor */
  assert_string_equal(ev.e[relabelled].operation.id, op_a);
  assert_int_equal(ls_tracker_operations(t), 1);
  /* next round: no lineage repeated, nothing to relabel */
  update(t, round, 3, 8000, &ev);
  for (int i = 0; i < ev.n; i++) assert_int_equal(ev.e[i].operation.n_merged, 0);
  ls_tracker_destroy(t);
}

static void test_operation_memory(void **state) {
  (void)state;
  struct ls_tracker *t;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &OPS_CONF, &e), LS_OK);
  uint64_t a[5] = {1, 2, 3, 4, 5};
  struct events ev;
  struct ls_group g = group(a, 5, 40, 5000);
  update(t, &g, 1, 5000, &ev);
  char op[LS_CAMPAIGN_ID_MAX];
  strcpy(op, ev.e[0].operation.id);
  update(t, NULL, 0, 5000 + 3600001, &ev); /* closed: dormant */
  update(t, NULL, 0, 5000 + 86400001, &ev); /* a day later: forgotten */
  assert_int_equal(ls_tracker_operations(t), 0);
  g = group(a, 5, 40, 90000000);
  g.first_ms = 90000000;
  update(t, &g, 1, 90000000, &ev);
  assert_int_equal(ev.n, 1);
  assert_string_not_equal(ev.e[0].operation.id, op); /* a new operation */
  assert_int_equal(ev.e[0].operation.campaigns, 1);
  ls_tracker_destroy(t);
}

/* A tracker saved between rounds and loaded into a fresh one (a restart) continues the same
 * campaigns: the same ids, versions and operations, and a corrupt checkpoint is refused. */
static void test_checkpoint_round_trip(void **state) {
  (void)state;
  struct ls_tracker *t, *u;
  struct ls_err e;
  assert_int_equal(ls_tracker_create(&t, &OPS_CONF, &e), LS_OK);
  assert_int_equal(ls_tracker_create(&u, &OPS_CONF, &e), LS_OK);
  uint64_t a[10] = {1, 2, 3, 4, 5}, b[10] = {11, 12, 13, 14, 15};
  struct events ev, ev2;
  struct ls_group round[2] = {group(a, 5, 40, 5000), group(b, 5, 40, 5000)};
  round[1].first_ms = 2000;
  update(t, round, 2, 5000, &ev);
  assert_int_equal(ev.n, 2);
  struct ls_snap w = {0};
  ls_tracker_save(t, &w);
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_tracker_load(u, &r, &e), LS_OK);
  assert_int_equal(ls_tracker_active(u), 2);
  assert_int_equal(ls_tracker_operations(u), 2);
  assert_true(ls_tracker_opened(u) == 2);
  uint64_t a2[10] = {1, 2, 3, 4, 5, 6}; /* the same next round on both: one more account */
  struct ls_group next[2] = {group(a2, 6, 60, 9000), group(b, 5, 40, 5000)};
  next[1].first_ms = 2000;
  update(t, next, 2, 9000, &ev);
  update(u, next, 2, 9000, &ev2);
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev2.n, 1);
  assert_string_equal(ev.e[0].id, ev2.e[0].id);
  assert_int_equal(ev2.e[0].version, 2);
  assert_string_equal(ev.e[0].operation.id, ev2.e[0].operation.id);
  for (size_t cut = 0; cut < w.len; cut += w.len / 5 + 1) {
    ls_snap_reader_init(&r, w.buf, cut);
    assert_int_not_equal(ls_tracker_load(u, &r, &e), LS_OK);
    assert_int_equal(ls_tracker_active(u), 0); /* nothing half loaded */
  }
  ls_snap_free(&w);
  ls_tracker_destroy(t);
  ls_tracker_destroy(u);
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
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_life_cycle), cmocka_unit_test(test_split_and_content_ids), cmocka_unit_test(test_ids_from_earliest_edge),
                                     cmocka_unit_test(test_merge),
                                     cmocka_unit_test(test_operation_by_accounts), cmocka_unit_test(test_operation_small_groups),
                                     cmocka_unit_test(test_small_group_repeats),
                                     cmocka_unit_test(test_operation_merge), cmocka_unit_test(test_operation_memory),
                                     cmocka_unit_test(test_checkpoint_round_trip), cmocka_unit_test(test_score)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
