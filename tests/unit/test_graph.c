/* Unit tests: union-find, and clustering of the coordination graph — only edges that pass
 * their signal's minimum weight join accounts; groups under min_accounts are not reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockstep/graph.h"
#include "lockstep/unionfind.h"

static void test_union_find(void **state) {
  (void)state;
  struct ls_uf u;
  struct ls_err e;
  assert_int_equal(ls_uf_init(&u, 10, &e), LS_OK);
  ls_uf_union(&u, 1, 2);
  ls_uf_union(&u, 3, 4);
  ls_uf_union(&u, 2, 4);
  assert_int_equal(ls_uf_find(&u, 1), ls_uf_find(&u, 3));
  assert_true(ls_uf_find(&u, 5) != ls_uf_find(&u, 1));
  assert_int_equal(u.size[ls_uf_find(&u, 1)], 4);
  ls_uf_free(&u);
}

static struct ls_graph *make(void) {
  struct ls_graph_conf c = {.max_edges = 1024, .max_accounts = 1024, .edge_ttl_ms = 3600000};
  for (int s = 0; s < LS_SIG_COUNT; s++) c.min_weight[s] = 2;
  struct ls_graph *g;
  struct ls_err e;
  assert_int_equal(ls_graph_create(&g, &c, &e), LS_OK);
  return g;
}

static void test_cluster(void **state) {
  (void)state;
  struct ls_graph *g = make();
  /* a ring of 5 accounts, each edge with two co-retweets */
  for (int k = 0; k < 2; k++)
    for (uint64_t a = 1; a <= 5; a++) ls_graph_add(g, 100 + a, 100 + a % 5 + 1, LS_SIG_RETWEET, 1000 + k);
  /* weak edges (weight 1) to an outsider do not join it */
  ls_graph_add(g, 101, 999, LS_SIG_RETWEET, 1000);
  /* a strong pair of two accounts: too small */
  for (int k = 0; k < 3; k++) ls_graph_add(g, 500, 501, LS_SIG_LINK, 1000);
  ls_graph_touch(g, 103, "carol", 77, "the same text", 13, 1500);
  ls_graph_touch(g, 104, "dave", 78, "the same text", 13, 1500);
  ls_graph_touch(g, 105, NULL, 79, "other text", 10, 1500);
  struct ls_groups gs;
  struct ls_err e;
  assert_int_equal(ls_graph_cluster(g, 3, 2000, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 1);
  const struct ls_group *grp = &gs.g[0];
  assert_int_equal(grp->n_accounts, 5);
  for (uint32_t i = 0; i < 5; i++) assert_true(grp->accounts[i] == 101 + i); /* sorted */
  assert_true(grp->signal_actions[LS_SIG_RETWEET] == 10);
  assert_int_equal(grp->strong_edges, 5);
  assert_true(grp->tweet_count == 3);
  assert_string_equal(grp->text, "the same text"); /* the most common text */
  assert_string_equal(grp->usernames[2], "carol"); /* parallel to the sorted accounts */
  assert_string_equal(grp->usernames[3], "dave");
  assert_string_equal(grp->usernames[4], "");      /* unknown */
  ls_groups_free(&gs);
  /* an hour later the edges have expired */
  assert_int_equal(ls_graph_cluster(g, 3, 2000 + 3600001, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 0);
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

static void test_self_and_disabled(void **state) {
  (void)state;
  struct ls_graph_conf c = {.max_edges = 1024, .max_accounts = 1024, .edge_ttl_ms = 3600000};
  c.min_weight[LS_SIG_TWEET] = 1; /* every other signal disabled */
  struct ls_graph *g;
  struct ls_err e;
  assert_int_equal(ls_graph_create(&g, &c, &e), LS_OK);
  for (uint64_t a = 1; a < 5; a++) {
    ls_graph_add(g, a, a, LS_SIG_TWEET, 10);        /* self pairs are ignored */
    ls_graph_add(g, a, a + 1, LS_SIG_HASHTAG, 10);  /* disabled signal */
  }
  struct ls_groups gs;
  assert_int_equal(ls_graph_cluster(g, 2, 10, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 0);
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_union_find), cmocka_unit_test(test_cluster),
                                     cmocka_unit_test(test_self_and_disabled)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
