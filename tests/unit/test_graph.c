/* Unit tests: clustering of the coordination graph — only edges that reach min_edge_weight tie
 * accounts (discounted actions on viral objects count less); accounts whose ties sum to less than
 * min_account_evidence are peeled away, however many weak partners they have, while a rotating
 * group whose pairs each co-act little stays whole; groups under the size asked for are not
 * reported; each group carries its evidence, and the objects that two or more of its accounts
 * coordinated on, most shared first, and its earliest strong edge whatever the order of arrival. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockstep/graph.h"

#include "cpu_backend_fixture.h"


static struct ls_graph *make(void) {
  struct ls_graph_conf c = {.max_edges = 1024, .max_accounts = 1024, .min_accounts = 3, .edge_ttl_ms = 3600000,
                            .min_edge_weight = 2, .min_account_evidence = 2};
  struct ls_graph *g;
  struct ls_err e;
  assert_int_equal(ls_graph_create(&g, &c, &e), LS_OK);
  return g;
}

static void touch(struct ls_graph *g, uint64_t account, const char *user, uint64_t id, const char *text, int64_t t) {
  struct ls_tweet tw = {.id = id, .author_id = account, .created_at_ms = t, .text = text,
                        .text_len = (uint32_t)strlen(text), .username = user};
  ls_graph_touch(g, &tw);
}

static void test_cluster(void **state) {
  (void)state;
  struct ls_graph *g = make();
  /* a ring of 5 accounts, each edge with two co-retweets 4 s apart; edge 105-101 also a co-link */
  for (int k = 0; k < 2; k++)
    for (uint64_t a = 1; a <= 5; a++) ls_graph_add(g, 100 + a, 100 + a % 5 + 1, LS_SIG_RETWEET, 60000 + k, 1, 4000);
  ls_graph_add(g, 105, 101, LS_SIG_LINK, 60000, 1, 4000);
  /* weak edges (weight 1) to an outsider do not join it */
  ls_graph_add(g, 101, 999, LS_SIG_RETWEET, 60000, 1, 0);
  /* nor do many actions on viral objects (each discounted to 0.3) */
  for (int k = 0; k < 6; k++) ls_graph_add(g, 102, 998, LS_SIG_RETWEET, 60000, 0.3f, 0);
  /* a strong pair of two accounts: too small */
  for (int k = 0; k < 3; k++) ls_graph_add(g, 500, 501, LS_SIG_LINK, 60000, 1, 0);
  touch(g, 103, "carol", 77, "the same text", 61500);
  touch(g, 104, "dave", 78, "the same text", 61500);
  touch(g, 105, NULL, 79, "other text", 181500);
  struct ls_groups gs;
  struct ls_err e;
  assert_int_equal(ls_graph_cluster(g, be, 3, 190000, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 1);
  const struct ls_group *grp = &gs.g[0];
  assert_int_equal(grp->n_accounts, 5);
  for (uint32_t i = 0; i < 5; i++) assert_true(grp->accounts[i] == 101 + i); /* sorted */
  assert_true(grp->signal_actions[LS_SIG_RETWEET] == 10);
  assert_true(grp->signal_actions[LS_SIG_LINK] == 1);
  assert_int_equal(grp->strong_edges, 5);
  /* evidence: the strongest edge first, mean gap, content share, activity per minute */
  assert_int_equal(grp->ev.n_top, 5);
  assert_true(grp->ev.top[0].a == 101 && grp->ev.top[0].b == 105);
  assert_float_equal(grp->ev.top[0].weight, 3.0, 1e-6);
  assert_float_equal(grp->ev.top[1].weight, 2.0, 1e-6);
  assert_float_equal(grp->ev.mean_gap_s, 4.0, 1e-4);
  assert_float_equal(grp->ev.content_share, (10 + 0.5) / 11, 1e-9);
  assert_int_equal(grp->ev.n_hist, 3);           /* minutes 1, 2 and 3 */
  assert_true(grp->ev.hist_start_ms == 60000);
  assert_int_equal(grp->ev.hist[0], 2);
  assert_int_equal(grp->ev.hist[1], 0);
  assert_int_equal(grp->ev.hist[2], 1);
  assert_int_equal(grp->ev.accounts_with_metadata, 0);
  assert_true(grp->qualified_ms == 60001); /* the ring's edges reached weight 2 with the second round */
  assert_true(grp->tweet_count == 3);
  assert_string_equal(grp->text, "the same text"); /* the most common text */
  assert_int_equal(grp->n_variants, 1);           /* and the other one, once */
  assert_string_equal(grp->variants[0], "other text");
  assert_string_equal(grp->usernames[2], "carol"); /* parallel to the sorted accounts */
  assert_string_equal(grp->usernames[3], "dave");
  assert_string_equal(grp->usernames[4], "");      /* unknown */
  ls_groups_free(&gs);
  /* an hour later the edges have expired */
  assert_int_equal(ls_graph_cluster(g, be, 3, 181500 + 3600001, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 0);
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

/* A group's earliest strong edge and first co-action do not depend on the order in which the
 * co-actions were added (tweets arriving from partitions in another interleaving). */
static void test_seed_order_free(void **state) {
  (void)state;
  struct { uint64_t a, b; int64_t t; } acts[] = {{1, 2, 61000}, {2, 3, 60500}, {3, 4, 62000}, {1, 3, 60500}, {2, 4, 63000}};
  enum { N = sizeof acts / sizeof *acts };
  struct ls_groups gs[2];
  for (int run = 0; run < 2; run++) {
    struct ls_graph *g = make();
    for (int k = 0; k < 3; k++)
      for (int i = 0; i < N; i++) {
        int j = run ? N - 1 - i : i;
        ls_graph_add(g, acts[j].a, acts[j].b, LS_SIG_RETWEET, acts[j].t + k * 1000, 1, 500);
      }
    struct ls_err e;
    assert_int_equal(ls_graph_cluster(g, be, 3, 100000, &gs[run], &e), LS_OK);
    assert_int_equal(gs[run].n, 1);
    ls_graph_destroy(g);
  }
  for (int run = 0; run < 2; run++) {
    assert_true(gs[run].g[0].first_ms == 60500);
    assert_true(gs[run].g[0].seed_a == 1 && gs[run].g[0].seed_b == 3); /* of the two at 60.5 s, the smaller pair */
    ls_groups_free(&gs[run]);
  }
}

static void test_self(void **state) {
  (void)state;
  struct ls_graph *g = make();
  for (uint64_t a = 1; a < 5; a++)
    for (int k = 0; k < 3; k++) ls_graph_add(g, a, a, LS_SIG_TWEET, 10, 1, 0); /* self pairs are ignored */
  struct ls_groups gs;
  struct ls_err e;
  assert_int_equal(ls_graph_cluster(g, be, 2, 10, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 0);
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

static struct ls_groups cluster_peeled(struct ls_graph *g, uint32_t min_accounts) {
  struct ls_groups gs;
  struct ls_err e;
  assert_int_equal(ls_graph_cluster(g, be, min_accounts, 100000, &gs, &e), LS_OK);
  return gs;
}

static void test_peeling(void **state) {
  (void)state;
  struct ls_graph_conf c = {.max_edges = 4096, .max_accounts = 4096, .edge_ttl_ms = 3600000, .min_edge_weight = 0.5,
                            .min_account_evidence = 2};
  struct ls_graph *g;
  struct ls_err e;
  assert_int_equal(ls_graph_create(&g, &c, &e), LS_OK);
  /* rotation: 6 members, any two co-acted once (0.7), so no pair repeats, but each member's ties sum to 3.5 */
  for (uint64_t a = 1; a <= 6; a++)
    for (uint64_t b = a + 1; b <= 6; b++) ls_graph_add(g, a, b, LS_SIG_RETWEET, 60000, 0.7f, 120000);
  /* a busy organic account that co-acted once with each of 20 others by chance: its own ties sum
   * to 14, but every partner has one tie (0.7), so the partners are peeled, and then it is */
  for (uint64_t b = 0; b < 20; b++) ls_graph_add(g, 500, 600 + b, LS_SIG_TWEET, 60000, 0.7f, 0);
  /* a chain of single co-actions: every inner account has 1.4, under 2 */
  for (uint64_t a = 700; a < 720; a++) ls_graph_add(g, a, a + 1, LS_SIG_LINK, 60000, 0.7f, 0);
  /* the busy account also touches the rotating group once: it is still peeled, the group unchanged */
  ls_graph_add(g, 500, 1, LS_SIG_RETWEET, 60000, 0.7f, 0);
  struct ls_groups gs = cluster_peeled(g, 3);
  assert_int_equal(gs.n, 1);
  assert_int_equal(gs.g[0].n_accounts, 6);
  for (uint32_t i = 0; i < 6; i++) assert_true(gs.g[0].accounts[i] == 1 + i);
  assert_int_equal(gs.g[0].strong_edges, 15);
  ls_groups_free(&gs);
  /* with min_account_evidence above what the members have (3.5 + 0.7 for account 1), nobody stays */
  ls_graph_destroy(g);
  c.min_account_evidence = 5;
  assert_int_equal(ls_graph_create(&g, &c, &e), LS_OK);
  for (uint64_t a = 1; a <= 6; a++)
    for (uint64_t b = a + 1; b <= 6; b++) ls_graph_add(g, a, b, LS_SIG_RETWEET, 60000, 0.7f, 120000);
  gs = cluster_peeled(g, 3);
  assert_int_equal(gs.n, 0);
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

static void test_account_suspicion(void **state) {
  (void)state;
  int64_t now = 1700000000000LL, day = 86400000LL;
  struct ls_author none = {0};
  assert_true(ls_account_suspicion(&none, now) < 0); /* no metadata: no opinion */
  struct ls_author veteran = {.present = true, .created_at_ms = now - 3000 * day, .followers = 500, .following = 300,
                              .statuses = 9000};
  assert_float_equal(ls_account_suspicion(&veteran, now), 0.0, 1e-9);
  struct ls_author throwaway = {.present = true, .created_at_ms = now - 5 * day, .followers = 2, .following = 800,
                                .statuses = 4000, .default_profile_image = true};
  assert_float_equal(ls_account_suspicion(&throwaway, now), 1.0, 1e-9);
  struct ls_author newish = {.present = true, .created_at_ms = now - 90 * day, .followers = 50, .following = 60, .statuses = 100};
  assert_float_equal(ls_account_suspicion(&newish, now), 0.125, 1e-9);
}

static void test_shared_objects(void **state) {
  (void)state;
  struct ls_graph *g = make();
  for (uint64_t a = 1; a <= 3; a++) ls_graph_add(g, a, a % 3 + 1, LS_SIG_RETWEET, 60000, 2, 1000);
  for (uint64_t a = 1; a <= 3; a++) ls_graph_object(g, a, 0x77); /* all three */
  for (int k = 0; k < 3; k++) ls_graph_object(g, 2, 0x55);        /* repeated: remembered once */
  ls_graph_object(g, 3, 0x55);                                    /* two */
  ls_graph_object(g, 1, 0x99);                                    /* one: not the group's */
  for (uint64_t o = 0; o < LS_ACCOUNT_OBJECTS + 1; o++) ls_graph_object(g, 9, 0x1000 + o); /* not in a group */
  struct ls_groups gs;
  struct ls_err e;
  assert_int_equal(ls_graph_cluster(g, be, 2, 60000, &gs, &e), LS_OK);
  assert_int_equal(gs.n, 1);
  assert_int_equal(gs.g[0].n_objects, 2);
  assert_true(gs.g[0].objects[0] == 0x77 && gs.g[0].objects[1] == 0x55);
  assert_int_equal(gs.g[0].least_member_actions, 2); /* each member: one co-action on each of its two ties */
  ls_groups_free(&gs);
  ls_graph_destroy(g);
}

/* A graph saved and loaded into a fresh one (a restart) clusters as the original does, and
 * goes on alike: the same groups after the same next actions; a corrupt or foreign checkpoint
 * is refused with a reason, never half loaded into a crash. */
static void test_checkpoint_round_trip(void **state) {
  (void)state;
  struct ls_graph *g = make(), *h = make();
  for (int k = 0; k < 3; k++)
    for (uint64_t a = 1; a <= 5; a++) ls_graph_add(g, 100 + a, 100 + a % 5 + 1, LS_SIG_TWEET, 60000 + k * 1000, 1, 2000);
  ls_graph_add(g, 101, 999, LS_SIG_RETWEET, 61000, 0.4f, 0);
  touch(g, 103, "carol", 77, "the same text", 61500);
  struct ls_snap w = {0}, w2 = {0};
  ls_graph_save(g, &w);
  struct ls_err e;
  assert_int_equal(ls_snap_done(&w, &e), LS_OK);
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_graph_load(h, &r, &e), LS_OK);
  assert_int_equal(r.left, 0);
  ls_graph_save(h, &w2);
  assert_int_equal(w2.len, w.len);
  assert_memory_equal(w2.buf, w.buf, w.len); /* the same state, slot for slot */
  for (uint64_t a = 6; a <= 7; a++) /* the same next actions on both */
    for (int k = 0; k < 3; k++) {
      ls_graph_add(g, 100 + a, 101, LS_SIG_TWEET, 70000 + k, 1, 1000);
      ls_graph_add(h, 100 + a, 101, LS_SIG_TWEET, 70000 + k, 1, 1000);
    }
  struct ls_groups x, y;
  assert_int_equal(ls_graph_cluster(g, be, 3, 80000, &x, &e), LS_OK);
  assert_int_equal(ls_graph_cluster(h, be, 3, 80000, &y, &e), LS_OK);
  assert_int_equal(x.n, 1);
  assert_int_equal(y.n, 1);
  assert_int_equal(x.g[0].n_accounts, y.g[0].n_accounts);
  assert_memory_equal(x.g[0].accounts, y.g[0].accounts, x.g[0].n_accounts * sizeof(uint64_t));
  assert_true(x.g[0].seed_a == y.g[0].seed_a && x.g[0].first_ms == y.g[0].first_ms);
  assert_string_equal(x.g[0].usernames[2], "carol");
  ls_groups_free(&x);
  ls_groups_free(&y);
  for (size_t cut = 0; cut < w.len; cut += w.len / 7 + 1) { /* truncated anywhere: a reason */
    ls_snap_reader_init(&r, w.buf, cut);
    assert_int_equal(ls_graph_load(h, &r, &e), LS_EINVAL);
    assert_true(strstr(e.msg, "checkpoint:") != NULL);
  }
  struct ls_graph_conf other = {.max_edges = 4096, .max_accounts = 1024, .min_accounts = 3, .edge_ttl_ms = 3600000,
                                .min_edge_weight = 2, .min_account_evidence = 2};
  struct ls_graph *bigger;
  assert_int_equal(ls_graph_create(&bigger, &other, &e), LS_OK);
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_graph_load(bigger, &r, &e), LS_EINVAL); /* other capacities */
  assert_true(strstr(e.msg, "other capacities") != NULL);
  ls_graph_destroy(bigger);
  ls_snap_free(&w);
  ls_snap_free(&w2);
  ls_graph_destroy(g);
  ls_graph_destroy(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_cluster), cmocka_unit_test(test_checkpoint_round_trip),
                                     cmocka_unit_test(test_self), cmocka_unit_test(test_peeling), cmocka_unit_test(test_account_suspicion),
                                     cmocka_unit_test(test_shared_objects), cmocka_unit_test(test_seed_order_free)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
