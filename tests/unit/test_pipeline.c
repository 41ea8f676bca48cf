/* Unit tests: the pipeline in-process on small hand-made streams, with a sink that records
 * campaign events — a retweet ring becomes a campaign with exactly its accounts; the same link
 * behind different tracking parameters is one object; fans of one viral tweet are not a
 * campaign; a duplicated tweet id counts once; the exported exact-signal networks are the QUT
 * toolkit's, edge for edge, on hand-made input; bad input — a flooding account, clock skew of
 * minutes, every tweet delivered twice, tweets without URLs, hashtags or author metadata —
 * neither crashes nor flags on its own, and a real ring inside it is still found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
static const struct ls_sink_i REC_I = {.name = "recorder", .write = rec_write, .flush = rec_flush, .destroy = rec_destroy};

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
static int ack_nothing(void *ud, int32_t partition, int64_t next_offset) {
  (void)ud, (void)partition, (void)next_offset;
  return LS_OK;
}
static bool kafka_source; /* run_with: the source acknowledges offsets, as a Kafka consumer does */

/* Runs the stream through a pipeline with min_accounts 4 (and the extra settings, NULL-ended)
 * and returns what the sink recorded; x (may be NULL) receives the network. */
static struct recorder *run_with(struct stream *s, struct ls_pipeline_stats *st, const char *const *settings,
                                 struct ls_export *x) {
  static struct recorder rec;
  memset(&rec, 0, sizeof rec);
  struct ls_config c;
  ls_config_defaults(&c);
  struct ls_err e;
  for (int i = 0; settings && settings[i]; i++) assert_int_equal(ls_config_set(&c, settings[i], &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.min_accounts=4", &e), LS_OK);
  assert_int_equal(ls_config_set(&c, "detect.organic_accounts=10", &e), LS_OK); /* objects of over 20 accounts are organic */
  assert_int_equal(ls_config_set(&c, "detect.min_action_weight=0.5", &e), LS_OK);
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
  ls_pipeline_set_export(p, x);
  struct ls_ring *ring;
  assert_int_equal(ls_ring_create(&ring, 1024, 4096, &e), LS_OK);
  for (int i = 0; i < s->n; i++) {
    struct ls_ring_slot *slot = ls_ring_acquire(ring);
    assert_non_null(slot);
    assert_int_equal(ls_tweet_copy(&slot->tweet, &slot->arena, &s->t[i]), LS_OK);
    ls_ring_publish(ring);
  }
  struct ls_source_stats stats = {0};
  struct ls_pipeline_source src = {ring, &stats, NULL, finished, kafka_source ? ack_nothing : NULL, NULL};
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

static struct recorder *run(struct stream *s, struct ls_pipeline_stats *st) { return run_with(s, st, NULL, NULL); }

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

/* The retweet ring as one Kafka message per burst (a page of five tweets at one offset, as a
 * twarc2 page is): every tweet of a page is new, none counts as read before. */
static void test_pages_of_many_tweets(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  uint64_t id = 1000;
  for (int k = 0; k < 3; k++)
    for (uint64_t a = 1; a <= 5; a++) {
      struct ls_tweet *t = add(&s, id++, 100 + a, T0 + k * 60000 + a * 1000, "RT @x: amplified");
      t->retweet_of = 500 + k;
      t->offset = k;
    }
  kafka_source = true;
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  kafka_source = false;
  assert_true(st.tweets == 15 && st.replayed == 0);
  assert_int_equal(r->n, 1);
  assert_int_equal(r->last[0].n_accounts, 5);
  assert_true(r->last[0].signals[LS_SIG_RETWEET] == 30);
}

/* The retweet ring of test_retweet_ring arriving in another order (each burst's retweets in
 * reverse, as partitions interleave) is the same campaign under the same id, from the same first
 * co-action. */
static void test_ids_whatever_the_order(void **state) {
  (void)state;
  static struct stream s[2];
  char id[2][LS_CAMPAIGN_ID_MAX];
  int64_t first[2];
  for (int run_no = 0; run_no < 2; run_no++) {
    s[run_no].n = 0;
    for (int k = 0; k < 3; k++)
      for (uint64_t i = 1; i <= 5; i++) {
        uint64_t a = run_no ? 6 - i : i;
        struct ls_tweet *t = add(&s[run_no], 1000 + (uint64_t)k * 5 + a, 100 + a, T0 + k * 60000 + (int64_t)a * 1000, "RT @x: amplified");
        t->retweet_of = 500 + (uint64_t)k;
      }
    struct ls_pipeline_stats st;
    struct recorder *r = run(&s[run_no], &st);
    assert_int_equal(r->n, 1);
    snprintf(id[run_no], sizeof id[run_no], "%s", r->last[0].id);
    first[run_no] = r->last[0].first_seen_ms;
  }
  assert_string_equal(id[0], id[1]);
  assert_true(first[0] == first[1]);
  assert_true(first[0] == T0 + 2000); /* the first co-action is complete when its later action happens */
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
      struct ls_tweet *t = add(&s, id, 200 + (uint64_t)a, T0 + round * 1000000 + a * 2000, text); /* rounds further apart than co_link.window_s (900) */
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

/* Five accounts retweeting the same four tweets seconds apart: a ring. */
static uint64_t add_ring(struct stream *s, uint64_t id, int64_t t0) {
  for (int k = 0; k < 4; k++)
    for (uint64_t a = 1; a <= 5; a++)
      add(s, id++, 100 + a, t0 + k * 90000 + (int64_t)a * 1000, "RT @x: amplified")->retweet_of = 600 + (uint64_t)k;
  return id;
}

static void test_flooder_alone_is_not_a_campaign(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  uint64_t id = 5000;
  for (int i = 0; i < 450; i++) { /* one account, 450 posts in 10 s: text, link, hashtags, retweets */
    struct ls_tweet *t = add(&s, id++, 77, T0 + i * 22, "buy now buy now the best deal of the year #deal #now");
    t->urls[t->n_urls++] = "https://spam.example.com/deal";
    t->hashtags[t->n_hashtags++] = "deal";
    t->hashtags[t->n_hashtags++] = "now";
    if (i % 3 == 0) t->retweet_of = 999;
  }
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 0);
  assert_true(st.tweets == 450);
  for (int sig = 0; sig < LS_SIG_COUNT; sig++) assert_true(st.pairs[sig] == 0); /* no account pairs with itself */
}

static void test_clock_skew_and_missing_fields(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  add_ring(&s, 6000, T0);
  /* arrival order scrambled by up to minutes; no URLs, hashtags or author metadata anywhere */
  for (int i = 0; i < s.n; i++) {
    int j = (i * 7 + 3) % s.n;
    struct ls_tweet t = s.t[i];
    char text[96];
    memcpy(text, s.text[i], sizeof text);
    s.t[i] = s.t[j];
    memcpy(s.text[i], s.text[j], sizeof text);
    s.t[j] = t;
    memcpy(s.text[j], text, sizeof text);
  }
  for (int i = 0; i < s.n; i++) s.t[i].text = s.text[i];
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 1);
  assert_int_equal(r->last[0].n_accounts, 5);
  assert_true(r->last[0].signals[LS_SIG_RETWEET] == 40); /* 10 pairs × 4 tweets, whatever the order */
  assert_float_equal(r->last[0].parts.accounts, 0.0, 1e-12); /* no metadata: no account part */
}

static void test_every_tweet_twice(void **state) {
  (void)state;
  static struct stream s;
  s.n = 0;
  add_ring(&s, 7000, T0);
  int n = s.n;
  for (int i = 0; i < n; i++) { /* at-least-once delivery: everything again */
    s.t[s.n] = s.t[i];
    memcpy(s.text[s.n], s.text[i], sizeof s.text[0]);
    s.t[s.n].text = s.text[s.n];
    s.n++;
  }
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 1);
  assert_true(st.duplicates == (uint64_t)n);
  assert_true(r->last[0].signals[LS_SIG_RETWEET] == 40); /* not doubled */
}

/* --- the QUT toolkit's networks ---------------------------------------------------------------- */

#define SEC 1000LL

static void qut_stream(struct stream *s) {
  s->n = 0;
  /* co-retweet: A and B retweet 500 30 s apart; C 70 s after B (outside 60 s); A and B retweet
   * 501 exactly 60 s apart (the window is inclusive); B's retweet delivered twice counts once */
  add(s, 10, 1, T0, "RT @x: one")->retweet_of = 500;
  add(s, 11, 2, T0 + 30 * SEC, "RT @x: one")->retweet_of = 500;
  add(s, 12, 3, T0 + 100 * SEC, "RT @x: one")->retweet_of = 500;
  add(s, 13, 1, T0 + 200 * SEC, "RT @x: two")->retweet_of = 501;
  add(s, 14, 2, T0 + 260 * SEC, "RT @x: two")->retweet_of = 501;
  add(s, 14, 2, T0 + 260 * SEC, "RT @x: two")->retweet_of = 501;
  /* co-tweet: A posts the text twice, C once (with a mention the normalisation removes) */
  add(s, 20, 1, T0 + 300 * SEC, "the quick brown fox jumps over");
  add(s, 21, 3, T0 + 310 * SEC, "The quick brown fox jumps over @someone");
  add(s, 22, 1, T0 + 320 * SEC, "the quick brown fox jumps over");
  /* co-link: D and B share a link behind tracking parameters; then one message of D carries the
   * link twice (a message counts once) */
  struct ls_tweet *t = add(s, 30, 4, T0 + 400 * SEC, "read this");
  t->urls[t->n_urls++] = "https://ex.com/a?utm_source=x";
  t = add(s, 31, 2, T0 + 430 * SEC, "look at that");
  t->urls[t->n_urls++] = "https://EX.com/a";
  t = add(s, 32, 4, T0 + 500 * SEC, "and this");
  t->urls[t->n_urls++] = "https://ex.com/b";
  t->urls[t->n_urls++] = "https://ex.com/b#comments";
  t = add(s, 33, 2, T0 + 510 * SEC, "this too");
  t->urls[t->n_urls++] = "https://ex.com/b";
  /* co-reply: A and D reply to 900 50 s apart */
  add(s, 40, 1, T0 + 600 * SEC, "no way")->reply_to = 900;
  add(s, 41, 4, T0 + 650 * SEC, "indeed")->reply_to = 900;
}

static char *slurp(const char *path) {
  static char buf[8192];
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Runs the QUT stream with every signal window at 60 s and min_weight w; returns the CSV. */
static const char *qut_csv(const char *min_weight) {
  static struct stream s;
  qut_stream(&s);
  char sets[6][48];
  const char *settings[16] = {"co_similar_text.enabled=false", "co_hashtag.enabled=false"};
  int n = 2;
  const char *sig[] = {"co_retweet", "co_reply", "co_tweet", "co_link"};
  for (int i = 0; i < 4; i++) {
    snprintf(sets[i], sizeof sets[i], "%s.min_weight=%s", sig[i], min_weight);
    settings[n++] = sets[i];
  }
  settings[n++] = "co_tweet.window_s=60";
  settings[n++] = "co_link.window_s=60";
  int64_t window[LS_SIG_COUNT];
  double minw[LS_SIG_COUNT] = {0};
  for (int i = 0; i < LS_SIG_COUNT; i++) window[i] = 60 * SEC;
  minw[LS_SIG_RETWEET] = minw[LS_SIG_REPLY] = minw[LS_SIG_TWEET] = minw[LS_SIG_LINK] = atof(min_weight);
  struct ls_export *x;
  struct ls_err e;
  assert_int_equal(ls_export_create(&x, window, minw, &e), LS_OK);
  struct ls_pipeline_stats st;
  run_with(&s, &st, settings, x);
  assert_true(st.duplicates == 1);
  char csv[] = "/tmp/lockstep-qut-XXXXXX";
  int fd = mkstemp(csv);
  assert_true(fd >= 0);
  close(fd);
  char graphml[64];
  snprintf(graphml, sizeof graphml, "%s.graphml", csv);
  uint64_t edges;
  assert_int_equal(ls_export_write(x, csv, graphml, &edges, &e), LS_OK);
  ls_export_destroy(x);
  const char *text = slurp(csv);
  unlink(csv);
  unlink(graphml);
  return text;
}

/* The toolkit: directed edges A → B weighted by A's distinct messages with a match of B on the
 * same object within ±window, no self loops, `having weight >= min_edge_weight`. */
static void test_qut_networks(void **state) {
  (void)state;
  assert_string_equal(qut_csv("1"),
                      "\"source\",\"target\",\"weight\",\"edge_type\"\r\n"
                      "\"1\",\"2\",\"2\",\"co_retweet\"\r\n"
                      "\"2\",\"1\",\"2\",\"co_retweet\"\r\n"
                      "\"1\",\"4\",\"1\",\"co_reply\"\r\n"
                      "\"4\",\"1\",\"1\",\"co_reply\"\r\n"
                      "\"1\",\"3\",\"2\",\"co_tweet\"\r\n"
                      "\"3\",\"1\",\"1\",\"co_tweet\"\r\n"
                      "\"2\",\"4\",\"2\",\"co_link\"\r\n"
                      "\"4\",\"2\",\"2\",\"co_link\"\r\n");
  assert_string_equal(qut_csv("2"),
                      "\"source\",\"target\",\"weight\",\"edge_type\"\r\n"
                      "\"1\",\"2\",\"2\",\"co_retweet\"\r\n"
                      "\"2\",\"1\",\"2\",\"co_retweet\"\r\n"
                      "\"1\",\"3\",\"2\",\"co_tweet\"\r\n"
                      "\"2\",\"4\",\"2\",\"co_link\"\r\n"
                      "\"4\",\"2\",\"2\",\"co_link\"\r\n");
}

/* Copies disguised with look-alike letters and invisible characters, their links in different
 * forms: one campaign; texts of only invisible characters and links that cannot be parsed (a
 * URL over the length limit, a bad host, a bad escape) form nothing and are counted, never a crash. */
static void test_disguises_and_bad_text(void **state) {
  (void)state;
  static struct stream s;
  static char long_url[3000]; /* over LS_URL_MAX_BYTES; 10 KB ones are covered by test_canon_url */
  memset(long_url, 'a', sizeof long_url - 1);
  memcpy(long_url, "https://x.example/", 18);
  const char *links[] = {"https://www.Flood-Files.example/report/", "http://flood-files.example/report?utm_source=tw",
                         "https://m.flood-files.example:443/%72eport#top", "HTTPS://FLOOD-FILES.EXAMPLE/report?fbclid=1",
                         "https://flood-files.example/report"};
  s.n = 0;
  uint64_t id = 9000;
  static const char *const utf8_copies[] = {
      "Wake up people the mayor hid the flood report from us",
      "W\xd0\xb0" "ke up pe\xd0\xbeple the m\xd0\xb0" "yor hid the fl\xd0\xbe\xd0\xbe" "d rep\xd0\xbert fr\xd0\xbem us",
      "Wake\xe2\x80\x8b up people the ma\xc2\xad" "yor hid the flood\xe2\x81\xa0 report from us\xef\xbb\xbf",
      "WAKE UP PEOPLE!!! the mayor hid the flood report from us \xf0\x9f\x98\xa1",
      "\xef\xbc\xb7" "ake up people the mayor hid the flood report from us"};
  for (int round = 0; round < 3; round++)
    for (int a = 0; a < 5; a++) {
      struct ls_tweet *t = add(&s, id++, 400 + (uint64_t)a, T0 + round * 1000000 + a * 20000, utf8_copies[a]);
      snprintf(s.url[s.n - 1], sizeof s.url[0], "%s", links[a]);
      t->urls[0] = s.url[s.n - 1];
      t->n_urls = 1;
    }
  for (int a = 0; a < 5; a++) { /* invisible-only texts and broken links from other accounts */
    struct ls_tweet *t = add(&s, id++, 800 + (uint64_t)a, T0 + 5000 + a * 1000, "\xe2\x80\x8b\xe2\x80\x8c\xc2\xad\xef\xbb\xbf");
    t->urls[0] = a % 3 == 0 ? long_url : a % 3 == 1 ? "https://bad_host!.example/x" : "https://ok.example/%zz";
    t->n_urls = 1;
  }
  struct ls_pipeline_stats st;
  struct recorder *r = run(&s, &st);
  assert_int_equal(r->n, 1);
  assert_int_equal(r->last[0].n_accounts, 5);
  for (uint32_t i = 0; i < 5; i++) assert_true(r->last[0].accounts[i] == 400 + i);
  assert_true(r->last[0].signals[LS_SIG_TWEET] == 30); /* every copy is the same canonical text */
  assert_true(r->last[0].signals[LS_SIG_LINK] == 30);  /* and every link the same canonical link */
  assert_true(st.links_rejected == 5);
  assert_true(st.tweets == 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_retweet_ring), cmocka_unit_test(test_pages_of_many_tweets), cmocka_unit_test(test_ids_whatever_the_order), cmocka_unit_test(test_link_farm_behind_tracking_parameters),
                                     cmocka_unit_test(test_viral_fans_and_duplicates), cmocka_unit_test(test_qut_networks),
                                     cmocka_unit_test(test_flooder_alone_is_not_a_campaign),
                                     cmocka_unit_test(test_clock_skew_and_missing_fields), cmocka_unit_test(test_every_tweet_twice),
                                     cmocka_unit_test(test_disguises_and_bad_text)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
