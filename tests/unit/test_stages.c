/* Unit tests: each stage alone on recorded input (stage.h) — a tweet's actions come in signal
 * order with signal-qualified keys; the pair stage pairs recorded actions within the window and
 * says when an object is viral; the cluster stage keeps a tweet to one unit of evidence over all
 * its sets, wherever they come from; the co-similar-text stage pairs recorded vectors of other
 * accounts within its window, leaves exact copies to co-tweet and forgets rows past the window; and the records round-trip through their protobuf form,
 * while malformed ones are refused with the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/chance.h"
#include "lockstep/cluster.h"
#include "lockstep/hash.h"
#include "lockstep/pairs.h"
#include "lockstep/signals.h"
#include "lockstep/source.h"
#include "lockstep/similar.h"
#include "lockstep/stage_codec.h"
#include "stage.pb-c.h"

#define T0 1709294400000LL

static struct ls_config cfg;
static struct ls_chance chance;

static int setup(void **state) {
  (void)state;
  ls_config_defaults(&cfg);
  chance = (struct ls_chance){.organic_accounts = (double)cfg.detect.organic_accounts, .active_actions = (double)cfg.detect.active_actions,
                              .min_weight = cfg.detect.min_action_weight};
  for (int s = 0; s < LS_SIG_COUNT; s++) chance.time_scale_ms[s] = (double)cfg.signal[s].time_scale_s * 1000;
  return 0;
}

static void test_actions_in_signal_order(void **state) {
  (void)state;
  struct ls_signals *sg;
  struct ls_err e;
  assert_int_equal(ls_signals_create(&sg, &cfg, &e), LS_OK);
  const char *text = "the election was stolen from all of us today";
  struct ls_tweet t = {.id = 5, .author_id = 7, .created_at_ms = T0, .reply_to = 99, .text = text, .text_len = (uint32_t)strlen(text),
                       .n_urls = 2, .urls = {"https://example.com/a?utm_source=x", "not a url"}, .n_hashtags = 2, .hashtags = {"Vote", "Now"}};
  char norm[512];
  uint32_t tokens;
  size_t len = ls_signals_text(sg, &t, norm, sizeof norm, &tokens);
  struct ls_action_rec acts[LS_MAX_ACTIONS];
  struct ls_signals_out so;
  uint32_t n = ls_signals_actions(sg, &t, norm, len, tokens, 2.5, false, acts, &so);
  assert_int_equal(n, 4); /* reply, text, one link, hashtags */
  enum ls_signal want[] = {LS_SIG_REPLY, LS_SIG_TWEET, LS_SIG_LINK, LS_SIG_HASHTAG};
  for (uint32_t k = 0; k < n; k++) {
    assert_int_equal(acts[k].signal, want[k]);
    assert_true(acts[k].key != 0);
    assert_true(acts[k].account == 7 && acts[k].tweet == 5 && acts[k].t_ms == T0 && acts[k].activity == 2.5);
  }
  assert_int_equal(so.links_rejected, 1);
  assert_true(so.text_key != 0);
  struct ls_tweet rt = {.id = 6, .author_id = 8, .created_at_ms = T0, .retweet_of = 99, .text = text, .text_len = (uint32_t)strlen(text)};
  len = ls_signals_text(sg, &rt, norm, sizeof norm, &tokens);
  assert_int_equal(len, 0);
  n = ls_signals_actions(sg, &rt, norm, len, tokens, 1, false, acts, &so);
  assert_int_equal(n, 1);
  assert_int_equal(acts[0].signal, LS_SIG_RETWEET);
  assert_true(acts[0].key != acts[0].tweet && acts[0].key != 99); /* qualified by its signal */
  ls_signals_destroy(sg);
}

static struct ls_action_rec act(uint64_t account, uint64_t tweet, int64_t t, uint64_t key) {
  return (struct ls_action_rec){.key = key, .tweet = tweet, .account = account, .t_ms = t, .activity = 1, .signal = LS_SIG_RETWEET};
}

static struct ls_pair_sets sets;

static int pair(struct ls_pairs *pr, struct ls_action_rec a, struct ls_pairset *s) {
  int n = ls_pairs_observe(pr, &a, &sets);
  *s = sets.set[0];
  return n;
}

static void test_pair_stage_on_recorded_actions(void **state) {
  (void)state;
  struct ls_pairs *pr;
  struct ls_err e;
  assert_int_equal(ls_pairs_create(&pr, &cfg, &chance, &e), LS_OK);
  struct ls_pairset s;
  assert_int_equal(pair(pr, act(1, 10, T0, 77), &s), 0);
  assert_int_equal(pair(pr, act(2, 11, T0 + 2000, 77), &s), 1);
  assert_true(s.partners[0].account == 1 && s.partners[0].gap_ms == 2000 && s.partners[0].w > 0);
  assert_int_equal(s.object_accounts, 2);
  assert_int_equal(pair(pr, act(3, 12, T0 + 3000, 78), &s), 0); /* another object */
  int64_t late = T0 + (cfg.signal[LS_SIG_RETWEET].window_s + 1) * 1000;
  assert_int_equal(pair(pr, act(4, 13, late + 3000, 77), &s), 0); /* past the window */
  uint32_t viral = ls_chance_max_accounts(&chance);
  int last = 0;
  for (uint32_t a = 0; a <= viral + 1 && last >= 0; a++) last = pair(pr, act(100 + a, 200 + a, T0, 555), &s);
  assert_int_equal(last, -1); /* more accounts than the chance model's limit: organic */
  assert_int_equal(s.n, 0);
  ls_pairs_destroy(pr);
}

/* The pair stage and the cluster stage read one object's retweets in event order, or with the
 * earliest read last (a partition that came back late): every tweet spends the same budget, and
 * the late one ties its tweet through the others' revisions. */
static void test_late_action_spends_as_in_event_order(void **state) {
  (void)state;
  double left[2][6];
  uint64_t revisions[2] = {0, 0};
  for (int late = 0; late < 2; late++) {
    struct ls_pairs *pr;
    struct ls_cluster *c;
    struct ls_err e;
    assert_int_equal(ls_pairs_create(&pr, &cfg, &chance, &e), LS_OK);
    assert_int_equal(ls_cluster_create(&c, &cfg, &chance, &e), LS_OK);
    for (int k = 0; k < 6; k++) {
      int i = late ? (k + 1) % 6 : k; /* late: 1, 2, 3, 4, 5, then 0 */
      struct ls_action_rec a = act(10 + (uint64_t)i, 100 + (uint64_t)i, T0 + i * 1500, 77);
      ls_pairs_observe(pr, &a, &sets);
      for (uint32_t j = 0; j < sets.n; j++) {
        const struct ls_pairset *set = &sets.set[j];
        revisions[late] += set->revision > 0;
        ls_cluster_add(c, set);
        double spent = ls_cluster_budget_left(c, set->act.tweet);
        assert_false(ls_cluster_add(c, set)); /* sent again (a restart upstream): spent once */
        assert_true(ls_cluster_budget_left(c, set->act.tweet) == spent);
        if (set->revision) { /* the first set, arriving after its revision, is not spent either */
          struct ls_pairset first = *set;
          first.revision = 0, first.late_account = 0;
          assert_false(ls_cluster_add(c, &first));
        }
      }
    }
    for (int i = 0; i < 6; i++) left[late][i] = ls_cluster_budget_left(c, 100 + (uint64_t)i);
    struct ls_cluster_stats st = {0};
    ls_cluster_stats(c, T0, true, &st);
    assert_int_equal(st.edges_live, 15); /* every pair of the six accounts */
    ls_cluster_destroy(c);
    ls_pairs_destroy(pr);
  }
  assert_int_equal(revisions[0], 0);
  assert_int_equal(revisions[1], 5); /* the sets of 1–5, each again with 0 */
  for (int i = 0; i < 6; i++) assert_float_equal(left[1][i], left[0][i], 1e-5);
  assert_true(left[0][0] == 1); /* the first spends nothing: its pairs are in the later sets */
  assert_true(left[0][5] < left[0][1]);
}

/* A revision of a set the cluster stage holds no record of (its entry forgotten, its first set
 * empty or all replayed) spends its late partner only: the others may be spent already. */
static void test_revision_without_record_spends_its_late_partner(void **state) {
  (void)state;
  struct ls_cluster *c;
  struct ls_err e;
  assert_int_equal(ls_cluster_create(&c, &cfg, &chance, &e), LS_OK);
  struct ls_coaction both[2] = {{2, 1000, 0.5}, {3, 500, 0.25}};
  struct ls_pairset rev = {.act = act(1, 70, T0, 9), .object_accounts = 3, .revision = 1, .late_account = 3, .n = 2, .partners = both};
  assert_true(ls_cluster_add(c, &rev));
  assert_float_equal(ls_cluster_budget_left(c, 70), 0.75, 1e-6);
  struct ls_cluster_stats st = {0};
  ls_cluster_stats(c, T0, true, &st);
  assert_int_equal(st.edges_live, 1); /* 1–3 only */
  ls_cluster_destroy(c);
}

/* A vector sent to several text shards' partitions gets a pair set from each window that owns
 * some of its matches (similar.c: owns): each is spent, and only one sent again is not. */
static void test_cluster_spends_each_windows_set(void **state) {
  (void)state;
  struct ls_cluster *c;
  struct ls_err e;
  assert_int_equal(ls_cluster_create(&c, &cfg, &chance, &e), LS_OK);
  struct ls_coaction here[1] = {{2, 1000, 0.3}}, there[1] = {{3, 1000, 0.3}};
  struct ls_action_rec a = act(1, 60, T0, 0);
  a.signal = LS_SIG_SIMILAR;
  a.window = 4; /* actions partition 3 */
  struct ls_pairset first = {.act = a, .object_accounts = 2, .n = 1, .partners = here};
  a.window = 8; /* actions partition 7 */
  struct ls_pairset second = {.act = a, .object_accounts = 2, .n = 1, .partners = there};
  assert_true(ls_cluster_add(c, &first));
  assert_true(ls_cluster_add(c, &second));
  assert_false(ls_cluster_add(c, &second)); /* sent again */
  assert_int_equal(ls_cluster_sets_spent(c, 60), 2);
  struct ls_cluster_stats st = {0};
  ls_cluster_stats(c, T0, true, &st);
  assert_int_equal(st.edges_live, 2); /* 1–2 and 1–3 */
  ls_cluster_destroy(c);
}

/* One tweet's sets, from different objects and arriving apart, spend at most one unit. */
static void test_cluster_budget_per_tweet(void **state) {
  (void)state;
  struct ls_cluster *c;
  struct ls_err e;
  assert_int_equal(ls_cluster_create(&c, &cfg, &chance, &e), LS_OK);
  struct ls_coaction heavy[3] = {{2, 1000, 0.9}, {3, 1000, 0.9}, {4, 1000, 0.9}};
  struct ls_pairset first = {.act = act(1, 50, T0, 9), .object_accounts = 4, .n = 3, .partners = heavy};
  struct ls_pairset other_tweet = {.act = act(5, 51, T0, 9), .object_accounts = 4, .n = 1, .partners = heavy};
  struct ls_pairset second = {.act = act(1, 50, T0, 10), .object_accounts = 4, .n = 3, .partners = heavy};
  assert_true(ls_cluster_budget_left(c, 50) == 1);
  assert_true(ls_cluster_add(c, &first));
  double after_first = ls_cluster_budget_left(c, 50);
  assert_true(after_first >= 0 && after_first < 1); /* 2.7 weighed, at most the object's budget spent */
  assert_true(ls_cluster_add(c, &other_tweet));
  assert_true(ls_cluster_budget_left(c, 50) == after_first); /* another tweet's set spends its own */
  assert_true(ls_cluster_add(c, &second));
  assert_true(fabs(ls_cluster_budget_left(c, 50)) < 1e-6 || ls_cluster_budget_left(c, 50) < after_first);
  assert_true(ls_cluster_budget_left(c, 50) >= -1e-6); /* never more than one unit in all */
  assert_int_equal(ls_cluster_sets_spent(c, 50), 2);
  double left = ls_cluster_budget_left(c, 50);
  assert_false(ls_cluster_add(c, &first)); /* sent again by a pair node: not spent twice */
  assert_true(ls_cluster_budget_left(c, 50) == left);
  assert_int_equal(ls_cluster_sets_spent(c, 50), 2);
  assert_int_equal(ls_cluster_sets_spent(c, 99), 0);
  assert_false(ls_cluster_add(c, &(struct ls_pairset){.act = act(1, 52, T0, 9)}));
  assert_true(ls_cluster_budget_left(c, 52) == 1); /* an empty set spends nothing */
  struct ls_cluster_stats st = {0};
  ls_cluster_stats(c, T0, true, &st);
  assert_int_equal(st.edges_live, 4); /* 1–2, 1–3, 1–4 and 5–2 */
  ls_cluster_destroy(c);
}

static struct ls_similar_query query(uint64_t account, uint64_t tweet, int64_t t, uint64_t text_key) {
  return (struct ls_similar_query){.act = {.tweet = tweet, .account = account, .t_ms = t, .activity = 1, .signal = LS_SIG_SIMILAR},
                                   .text_key = text_key};
}

/* A full budget table makes room by dropping the entry made longest ago, not the one of the
 * oldest event time: a late tweet keeps its budget while the tweets after it arrive. */
static void test_cluster_budget_survives_late_tweet(void **state) {
  (void)state;
  struct ls_cluster *c;
  struct ls_err e;
  assert_int_equal(ls_cluster_create(&c, &cfg, &chance, &e), LS_OK); /* batch.max_tweets 1024: 65,536 budgets */
  struct ls_coaction one = {2, 1000, 0.25};
  for (uint64_t id = 1000; id < 1000 + 70000; id++) /* the table full of earlier tweets, later in event time */
    ls_cluster_add(c, &(struct ls_pairset){.act = act(1, id, T0 + 3600000, 9), .object_accounts = 2, .n = 1, .partners = &one});
  uint64_t late = 5;
  ls_cluster_add(c, &(struct ls_pairset){.act = act(1, late, T0, 9), .object_accounts = 2, .n = 1, .partners = &one});
  double left = ls_cluster_budget_left(c, late);
  assert_true(left < 1);
  uint32_t home = (uint32_t)ls_mix64(late) & 65535;
  for (uint64_t id = 200000, n = 0; n < 8; id++) /* tweets of its batch whose entries go where its entry is */
    if (((uint32_t)ls_mix64(id) & 65535) == home) {
      ls_cluster_add(c, &(struct ls_pairset){.act = act(3, id, T0 + 7200000, 9), .object_accounts = 2, .n = 1, .partners = &one});
      n++;
    }
  assert_true(ls_cluster_budget_left(c, late) == left);
  ls_cluster_destroy(c);
}

/* A co-similar-text window of 256 rows of dim 8 at 0.9 for batches of 64, on the CPU backend:
 * the one window (partition -1) or a sharded partition's. */
struct window_rig {
  struct ls_config c;
  struct ls_backend *be;
  struct ls_similar *sim;
};

static void rig_open(struct window_rig *r, int32_t partition) {
  struct ls_err e;
  const struct ls_log quiet = {.min_level = LS_LOG_WARN};
  r->c = cfg;
  r->c.batch.max_tweets = 64;
  r->c.detect.window_capacity = 256;
  assert_int_equal(ls_backend_cpu_create(&r->be, &e), LS_OK);
  assert_int_equal(ls_similar_create(&r->sim, &r->c, r->be, 8, 0.9f, partition, &chance, &quiet, &e), LS_OK);
}

static void rig_close(struct window_rig *r) {
  ls_similar_destroy(r->sim);
  ls_backend_close(r->be);
}

static void test_similar_stage_on_recorded_vectors(void **state) {
  (void)state;
  struct window_rig rig;
  rig_open(&rig, -1);
  struct ls_similar *sim = rig.sim;
  struct ls_err e;
  float v[8] = {0.5f, 0.5f, 0.5f, 0.5f, 0, 0, 0, 0}, w[8] = {0, 0, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f};
  float batch[4 * 8];
  memcpy(batch, v, sizeof v);
  memcpy(batch + 8, v, sizeof v);
  memcpy(batch + 16, v, sizeof v);
  memcpy(batch + 24, w, sizeof w);
  struct ls_similar_query q[4] = {query(1, 10, T0, 0), query(2, 11, T0 + 1000, 5), query(3, 12, T0 + 2000, 5), query(4, 13, T0 + 3000, 0)};
  struct ls_similar_out out;
  assert_int_equal(ls_similar_batch(sim, q, batch, 4, T0 + 3000, &out, &e), LS_OK);
  assert_int_equal(out.n_sets, 2); /* 2 with 1; 3 with 1 only (2's is the same text: co-tweet's); 4 unlike any */
  assert_true(out.sets[0].act.account == 2 && out.sets[0].n == 1 && out.sets[0].partners[0].account == 1);
  assert_true(out.sets[0].partners[0].gap_ms == 1000);
  assert_true(out.sets[1].act.account == 3 && out.sets[1].n == 1 && out.sets[1].partners[0].account == 1);
  assert_int_equal(ls_similar_rows(sim), 4);
  int64_t later = T0 + (rig.c.signal[LS_SIG_SIMILAR].window_s + rig.c.detect.lateness_s + 1) * 1000 + 3000;
  struct ls_similar_query again = query(5, 14, later, 0);
  assert_int_equal(ls_similar_batch(sim, &again, v, 1, later, &out, &e), LS_OK);
  assert_int_equal(out.n_sets, 0); /* the rows it would match left with the window */
  assert_int_equal(ls_similar_rows(sim), 1);
  rig_close(&rig);
}

/* Sharded windows (text_shards.h): the window of partition 2 counts every match it holds but
 * reports only the pairs whose lowest shared partition is 2, marking its sets' window. */
static void test_sharded_window_reports_what_it_owns(void **state) {
  (void)state;
  struct window_rig rig;
  rig_open(&rig, 2);
  struct ls_similar *sim = rig.sim;
  struct ls_err e;
  float v[8] = {0.5f, 0.5f, 0.5f, 0.5f, 0, 0, 0, 0}, batch[3 * 8];
  for (int i = 0; i < 3; i++) memcpy(batch + 8 * i, v, sizeof v);
  const uint16_t p1[] = {1, 2}, p2[] = {2, 5}, p3[] = {1, 2, 5};
  struct ls_similar_query q[3] = {query(1, 10, T0, 0), query(2, 11, T0 + 1000, 0), query(3, 12, T0 + 2000, 0)};
  q[0].parts = p1, q[0].n_parts = 2, q[1].parts = p2, q[1].n_parts = 2, q[2].parts = p3, q[2].n_parts = 3;
  struct ls_similar_out out;
  assert_int_equal(ls_similar_batch(sim, q, batch, 3, T0 + 2000, &out, &e), LS_OK);
  /* 2 with 1: they share {2}, this window's. 3 with 1: they share {1, 2}, partition 1's; 3 with
   * 2: they share {2, 5}, this window's. */
  assert_int_equal(out.n_sets, 2);
  assert_true(out.sets[0].act.account == 2 && out.sets[0].n == 1 && out.sets[0].partners[0].account == 1);
  assert_true(out.sets[1].act.account == 3 && out.sets[1].n == 1 && out.sets[1].partners[0].account == 2);
  assert_int_equal(out.sets[1].object_accounts, 3); /* both matches count for its popularity */
  assert_int_equal(out.sets[0].act.window, 3);
  rig_close(&rig);
}

static char arena_mem[16384];

/* Reads a packed record back into a fresh arena. */
static int unpack(enum ls_stage_kind kind, const struct ls_stage_buf *b, uint32_t dim, uint32_t max_partners, struct ls_stage_rec *r,
                  struct ls_err *e) {
  struct ls_arena a;
  ls_arena_init(&a, arena_mem, sizeof arena_mem);
  return ls_stage_unpack(kind, b->buf, b->len, dim, max_partners, &a, r, e);
}

static int unpack_bytes(enum ls_stage_kind kind, const void *data, size_t len, struct ls_stage_rec *r, struct ls_err *e) {
  struct ls_stage_buf b = {(uint8_t *)data, len, len};
  return unpack(kind, &b, 4, 4, r, e);
}

static void test_records_round_trip(void **state) {
  (void)state;
  struct ls_stage_buf b = {0};
  struct ls_err e;
  struct ls_stage_rec r = {0}, got;
  r.set.act = (struct ls_action_rec){.key = 0, .tweet = 1, .account = 2, .t_ms = T0, .activity = 3.25, .signal = LS_SIG_SIMILAR, .replayed = true};
  float v[4] = {0.5f, -0.5f, 0.5f, 0.5f};
  r.text_key = 42, r.vector = v, r.evidence = (const uint8_t *)"tweet", r.evidence_len = 5;
  r.n_parts = 3, r.parts[0] = 2, r.parts[1] = 7, r.parts[2] = 4095, r.set.act.window = 8;
  assert_int_equal(ls_stage_pack(LS_STAGE_ACTION, &r, 4, &b, &e), LS_OK);
  assert_int_equal(unpack(LS_STAGE_ACTION, &b, 4, 0, &got, &e), LS_OK);
  const struct ls_action_rec *a = &r.set.act, *g = &got.set.act;
  assert_true(g->key == a->key && g->tweet == a->tweet && g->account == a->account && g->t_ms == a->t_ms && g->activity == a->activity &&
              g->signal == a->signal && g->replayed == a->replayed && g->window == 8);
  assert_true(got.n_parts == 3 && !memcmp(got.parts, r.parts, 3 * sizeof *r.parts));
  assert_memory_equal(got.vector, v, sizeof v);
  assert_true(got.text_key == 42 && got.evidence_len == 5 && !memcmp(got.evidence, "tweet", 5));
  assert_int_equal(unpack(LS_STAGE_ACTION, &b, 8, 0, &got, &e), LS_EINVAL); /* another dimension */
  assert_non_null(strstr(e.msg, "8 bytes of vector, 16 expected (8 half floats)"));

  struct ls_coaction ps[2] = {{9, -1500, 0.25}, {10, 30000, 0.125}};
  struct ls_stage_rec s = {.set = {.act = act(1, 50, T0, 9), .object_accounts = 3, .revision = 2, .late_account = 10, .n = 2, .light = 4, .partners = ps},
                           .evidence = (const uint8_t *)"ev", .evidence_len = 2};
  assert_int_equal(ls_stage_pack(LS_STAGE_PAIRSET, &s, 0, &b, &e), LS_OK);
  assert_int_equal(unpack(LS_STAGE_PAIRSET, &b, 4, 2, &got, &e), LS_OK);
  const struct ls_pairset *sb = &got.set;
  assert_true(sb->act.key == 9 && sb->act.tweet == 50 && sb->act.account == 1 && sb->act.t_ms == T0 && sb->act.signal == LS_SIG_RETWEET);
  assert_true(sb->n == 2 && sb->light == 4 && sb->object_accounts == 3 && got.evidence_len == 2);
  assert_true(sb->revision == 2 && sb->late_account == 10);
  assert_memory_equal(sb->partners, ps, sizeof ps);
  assert_int_equal(unpack(LS_STAGE_PAIRSET, &b, 4, 1, &got, &e), LS_EINVAL); /* more than the stage holds */
  assert_non_null(strstr(e.msg, "2 partners, at most 1"));
  struct ls_arena tiny;
  char small[40]; /* the evidence fits, the partners do not */
  ls_arena_init(&tiny, small, sizeof small);
  assert_int_equal(ls_stage_unpack(LS_STAGE_PAIRSET, b.buf, b.len, 4, 2, &tiny, &got, &e), LS_EINVAL); /* larger than a slot */
  assert_non_null(strstr(e.msg, "does not fit in a ring slot"));
  free(b.buf);
}

/* Packs a hand-made Action. */
static size_t pack(Lockstep__Action *m, uint8_t *buf) { return lockstep__action__pack(m, buf); }

static void test_malformed_records_refused(void **state) {
  (void)state;
  struct ls_err e;
  struct ls_stage_rec r;
  uint8_t buf[256];
  assert_int_equal(unpack_bytes(LS_STAGE_ACTION, "\xff\xff\xff", 3, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "not a lockstep.Action"));
  struct {
    Lockstep__Action m;
    const char *why;
  } bad[] = {
      {{.version = 2, .key = 1, .account = 1, .signal = 0}, "version 2"},
      {{.version = 1, .key = 1, .account = 1, .signal = 9}, "unknown signal 9"},
      {{.version = 1, .key = 0, .account = 1, .signal = LS_SIG_LINK}, "without an object key"},
      {{.version = 1, .key = 5, .account = 1, .signal = LS_SIG_SIMILAR}, "with an object key"},
      {{.version = 1, .key = 1, .account = 0, .tweet = 1, .signal = 0}, "without account"},
      {{.version = 1, .key = 1, .account = 1, .tweet = 0, .signal = 0}, "without tweet"},
      {{.version = 1, .key = 1, .account = 1, .tweet = 1, .signal = 0, .activity = NAN}, "activity"},
  };
  uint32_t down[2] = {5, 3}, far[1] = {LS_MAX_PARTITIONS}, many[LS_TEXT_SHARDS_SPILL_MAX + 1] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  struct {
    uint32_t *parts, n, signal, window;
    const char *why;
  } shards[] = {{down, 2, LS_SIG_SIMILAR, 0, "they must ascend"}, {far, 1, LS_SIG_SIMILAR, 0, "shard partition 4096"},
                {many, LS_TEXT_SHARDS_SPILL_MAX + 1, LS_SIG_SIMILAR, 0, "at most 8"}, {down + 1, 1, LS_SIG_LINK, 0, "link action with shard"},
                {NULL, 0, LS_SIG_LINK, 3, "window 3 on a co-link"}};
  for (size_t i = 0; i < sizeof shards / sizeof shards[0]; i++) {
    Lockstep__Action m = LOCKSTEP__ACTION__INIT;
    m.version = 1, m.account = 1, m.tweet = 1, m.signal = shards[i].signal, m.key = shards[i].signal != LS_SIG_SIMILAR;
    m.partitions = shards[i].parts, m.n_partitions = shards[i].n, m.window = shards[i].window;
    uint8_t vec[8] = {0, 0x3c, 0, 0, 0, 0, 0, 0};
    if (m.signal == LS_SIG_SIMILAR) m.vector = (ProtobufCBinaryData){sizeof vec, vec};
    size_t n = pack(&m, buf);
    assert_int_equal(unpack_bytes(LS_STAGE_ACTION, buf, n, &r, &e), LS_EINVAL);
    assert_non_null(strstr(e.msg, shards[i].why));
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    Lockstep__Action m = LOCKSTEP__ACTION__INIT;
    m.version = bad[i].m.version, m.key = bad[i].m.key, m.account = bad[i].m.account, m.tweet = bad[i].m.tweet, m.signal = bad[i].m.signal;
    m.activity = bad[i].m.activity;
    size_t n = pack(&m, buf);
    assert_int_equal(unpack_bytes(LS_STAGE_ACTION, buf, n, &r, &e), LS_EINVAL);
    assert_non_null(strstr(e.msg, bad[i].why));
  }
  Lockstep__PairSet p = LOCKSTEP__PAIR_SET__INIT;
  p.version = 1; /* before revisions */
  size_t n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "pair set version 1"));
  p.version = LS_PAIRSET_VERSION;
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "without its action"));
  Lockstep__Action m = LOCKSTEP__ACTION__INIT;
  m.version = 1, m.key = 1, m.account = 1, m.tweet = 1;
  Lockstep__Coaction co = LOCKSTEP__COACTION__INIT, *cop = &co;
  co.account = 3, co.weight = -1;
  p.action = &m, p.n_partners = 1, p.partners = &cop, p.object_accounts = 2;
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "weighs -1"));
  co.weight = 0.5, p.object_accounts = 1; /* a partner on an object only its own action touched */
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "1 partners on an object of 1 accounts"));
  uint8_t vec[4] = {0, 0x3c, 0, 0}; /* 1, 0 */
  p.object_accounts = 2, m.vector = (ProtobufCBinaryData){sizeof vec, vec}; /* vectors stay in the pair stage */
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "action with a vector"));
  m.vector.len = 0;
  p.revision = 1; /* a revision must name its late partner */
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "revision 1 with late account 0"));
  p.late_account = 4;
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "late account 4 is not a partner"));
  p.late_account = 3; /* and mended, it is read */
  n = lockstep__pair_set__pack(&p, buf);
  assert_int_equal(unpack_bytes(LS_STAGE_PAIRSET, buf, n, &r, &e), LS_OK);
  assert_true(r.set.revision == 1 && r.set.late_account == 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_actions_in_signal_order),   cmocka_unit_test(test_pair_stage_on_recorded_actions), cmocka_unit_test(test_late_action_spends_as_in_event_order),
      cmocka_unit_test(test_revision_without_record_spends_its_late_partner),
      cmocka_unit_test(test_cluster_budget_per_tweet), cmocka_unit_test(test_cluster_spends_each_windows_set),
      cmocka_unit_test(test_cluster_budget_survives_late_tweet),  cmocka_unit_test(test_similar_stage_on_recorded_vectors),
      cmocka_unit_test(test_sharded_window_reports_what_it_owns),
      cmocka_unit_test(test_records_round_trip),
      cmocka_unit_test(test_malformed_records_refused),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
