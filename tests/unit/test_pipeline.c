/* Unit tests: the pipeline in-process on small hand-made streams, with a sink that records
 * campaign events — a retweet ring becomes a campaign with exactly its accounts; the same link
 * behind different tracking parameters is one object; fans of one viral tweet are not a
 * campaign; a duplicated tweet id counts once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/pipeline.h"

#define T0 1709294400000LL

struct recorder {
  struct ls_campaign_event last[8]; /* last event per campaign, in order of first appearance */
  uint64_t accounts[8][64];
  char usernames[8][64][LS_USERNAME_MAX];
  int n;
};

static int rec_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct recorder *r = s->ctx;
  int i = 0;
  while (i < r->n && strcmp(r->last[i].id, e->id)) i++;
  if (i == 8) return LS_OK;
  if (i == r->n) r->n++;
  r->last[i] = *e;
  uint32_t n = e->n_accounts < 64 ? e->n_accounts : 64;
  memcpy(r->accounts[i], e->accounts, n * sizeof(uint64_t));
  if (e->usernames) memcpy(r->usernames[i], e->usernames, n * LS_USERNAME_MAX);
  r->last[i].accounts = r->accounts[i];
  r->last[i].usernames = NULL;
  r->last[i].text = NULL;
  return LS_OK;
}
static int rec_flush(struct ls_sink *s, int timeout_ms) { (void)s; (void)timeout_ms; return LS_OK; }
static void rec_destroy(struct ls_sink *s) { (void)s; }
static const struct ls_sink_i REC_I = {"recorder", rec_write, rec_flush, NULL, rec_destroy};

struct stream {
  struct ls_tweet t[512];
  char text[512][96], url[512][96];
  int n;
};

static struct ls_tweet *add(struct stream *s, uint64_t id, uint64_t author, int64_t t_ms, const char *text) {
  struct ls_tweet *t = &s->t[s->n];
  memset(t, 0, sizeof *t);
  snprintf(s->text[s->n], sizeof s->text[s->n], "%s", text);
  t->id = id;
  t->author_id = author;
  t->created_at_ms = t_ms;
  t->text = s->text[s->n];
  t->text_len = (uint32_t)strlen(t->text);
  s->n++;
  return t;
}

static bool finished(void *ud) { (void)ud; return true; }

/* Runs the stream through a pipeline with min_accounts 4 and returns what the sink recorded. */
static struct recorder *run(struct stream *s, struct ls_pipeline_stats *st) {
  static struct recorder rec;
  memset(&rec, 0, sizeof rec);
  struct ls_config c;
  ls_config_defaults(&c);
  struct ls_err e;
  assert_int_equal(ls_config_set(&c, "detect.min_accounts=4", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.max_object_accounts=20", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.max_edges=4096", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.max_objects=4096", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.window_capacity=1024", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "batch.max_tweets=64", &e), LS_OK);
  struct ls_backend *be;
  assert_int_equal(ls_backend_open(&be, "cpu", NULL, &e), LS_OK);
  struct ls_sink sink = {.i = &REC_I, .ctx = &rec};
  struct ls_sink *sinks[1] = {&sink};
  struct ls_log quiet = {.min_level = LS_LOG_ERROR};
  struct ls_pipeline *p;
  assert_int_equal(ls_pipeline_create(&p, &c, be, sinks, 1, &quiet, &e), LS_OK);
  struct ls_ring *ring;
  assert_int_equal(ls_ring_create(&ring, 1024, 4096, &e), LS_OK);
  for (int i = 0; i < s->n; i++) {
    struct ls_ring_slot *slot = ls_ring_acquire(ring);
    assert_non_null(slot);
    assert_int_equal(ls_tweet_copy(&slot->tweet, &slot->arena, &s->t[i]), LS_OK);
    ls_ring_publish(ring);
  }
  struct ls_source_stats stats = {0};
  struct ls_pipeline_source src = {ring, &stats, NULL, finished, NULL};
  assert_int_equal(ls_pipeline_add_source(p, &src, &e), LS_OK);
  atomic_bool stop = false;
  ls_pipeline_run(p, &stop, NULL, NULL);
  assert_int_equal(ls_pipeline_drain(p, true, 0), LS_OK);
  ls_pipeline_stats(p, st);
  ls_pipeline_destroy(p);
  ls_ring_destroy(ring);
  ls_backend_close(be);
  return &rec;
}

static void test_retweet_ring(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  uint64_t id = 1000;
  for (int k = 0; k < 3; k++) { /* five accounts retweet the same three tweets, seconds apart */
    uint64_t target = 500 + k;
    for (uint64_t a = 1; a <= 5; a++) {
      struct ls_tweet *t = add(&s, id++, 100 + a, T0 + k * 60000 + a * 1000, "RT @x: amplified");
      t->retweet_of = target;
      t->username = a == 3 ? "bot_three" : NULL;
    }
  }
  for (uint64_t a = 1; a <= 30; a++) add(&s, id++, 900 + a, T0 + (int64_t)a * 5000, "an unrelated organic post about the weather today");
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 1);
  assert_int_equal(r->last[0].state, LS_CAMPAIGN_CLOSED); /* end of input */
  assert_int_equal(r->last[0].n_accounts, 5);
  for (uint32_t i = 0; i < 5; i++) assert_true(r->last[0].accounts[i] == 101 + i);
  assert_string_equal(r->usernames[0][2], "bot_three"); /* usernames travel with their accounts */
  assert_string_equal(r->usernames[0][0], "");
  assert_true(r->last[0].signals[LS_SIG_RETWEET] == 30); /* 10 pairs × 3 retweeted tweets */
  assert_true(st.tweets == 45);
}

static void test_link_farm_behind_tracking_parameters(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  const char *variants[] = {"https://Deals.example.net/offer/?utm_source=a", "https://deals.example.net:443/offer#top",
                            "HTTPS://deals.example.net/offer?fbclid=123", "https://deals.example.net/offer/",
                            "https://deals.example.net/offer?utm_medium=x&utm_campaign=y"};
  uint64_t id = 2000;
  for (int round = 0; round < 3; round++)
    for (int a = 0; a < 5; a++) {
      char text[64];
      snprintf(text, sizeof text, "round %d post %d with different words each time", round, a);
      struct ls_tweet *t = add(&s, id, 200 + (uint64_t)a, T0 + round * 400000 + a * 2000, text); /* rounds further apart than co_link.window_s */
      snprintf(s.url[s.n - 1], sizeof s.url[0], "%s", variants[a]);
      t->urls[0] = s.url[s.n - 1];
      t->n_urls = 1;
      id++;
    }
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 1);
  assert_int_equal(r->last[0].n_accounts, 5);
  assert_true(r->last[0].signals[LS_SIG_LINK] == 30);
}

static void test_viral_fans_and_duplicates(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  uint64_t id = 3000, x = 12345;
  for (int k = 0; k < 3; k++) /* each of three viral tweets: 60 fans out of 300 retweet within 30 s */
    for (int a = 1; a <= 60; a++) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      add(&s, id++, 300 + (x >> 33) % 300, T0 + k * 90000 + a * 500, "RT @star: goal!")->retweet_of = 700 + k;
    }
  add(&s, 3000, s.t[0].author_id, T0 + 1, "RT @star: goal!")->retweet_of = 700; /* id 3000 again */
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 0); /* virality is not coordination */
  assert_true(st.suppressed > 0);
  assert_true(st.duplicates == 1);
  assert_true(st.tweets == 180);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_retweet_ring), cmocka_unit_test(test_link_farm_behind_tracking_parameters),
                                     cmocka_unit_test(test_viral_fans_and_duplicates)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
