/* lockstep-gen — a seeded synthetic firehose with planted coordinated campaigns, and its ground
 * truth. The organic background has heavy-tailed account activity (Pareto weights), Zipf word
 * use, viral retweet cascades (a hot set of tweets drawing most retweets), replies, links and
 * hashtags. Planted campaigns, each a group of accounts acting in bursts over the stream:
 *   copy-paste   the same text posted by every member within seconds, a new text each burst
 *   rt-ring      members retweet the leader's tweets within seconds of each other
 *   link-farm    different texts, the same link (with varying tracking parameters)
 *   paraphrase   one template with synonym and word-order changes per member
 *   hashtag      different texts with the same ordered hashtag sequence
 * Members also post organic tweets, so they are not trivially separable. Output goes to a file
 * (JSON lines, QUT CSV or length-delimited protobuf) or to a Kafka topic (protobuf, JSON or both
 * alternating), optionally with malformed messages and duplicates mixed in. */
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/encode.h"
#include "lockstep/hash.h"
#include "lockstep/json.h"

enum kind { K_COPY, K_RTRING, K_LINK, K_PARA, K_HASHTAG, K_JITTER, K_DRIP, K_MIXED, K_KINDS };
static const char *const KIND_NAMES[K_KINDS] = {"copy-paste", "rt-ring", "link-farm", "paraphrase",
                                                "hashtag", "jitter", "slow-drip", "mixed"};
enum organic_case { O_VIRAL, O_BREAKING, O_FANS, O_SCHEDULED, O_CASES };
static const char *const ORGANIC_NAMES[O_CASES] = {"viral", "breaking", "fan-storm", "scheduled"};
#define FIFTH 5 /* the truth records when a campaign's fifth account acted (detect.min_accounts) */

struct opts {
  uint64_t seed;
  long tweets, accounts;
  int campaigns, members, bursts;
  double rate;   /* event-time tweets per second */
  double pace;   /* wall-clock messages per second when producing to Kafka (0: as fast as possible) */
  int64_t start_ms;
  const char *format, *out, *truth, *brokers, *topic;
  long bad, duplicates;
  bool hard_organic;
};

struct gtweet {
  struct ls_tweet t;
  int16_t campaign, member; /* planted campaign and member index, or -1 */
  char text[320];
  char url[160];
  char tags[2][32];
  char user[24];
};

struct gen {
  struct opts o;
  uint64_t rng;
  struct gtweet *tw;
  long n, cap;
  double *acc_cdf; /* cumulative activity weights */
  uint64_t *acc_ids;
  long n_acc;
  char (*words)[16];
  int n_words;
  double *word_cdf;
};

/* --- random numbers (splitmix64) -------------------------------------------------------------- */
static uint64_t rnd(struct gen *g) {
  uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double unif(struct gen *g) { return (rnd(g) >> 11) * (1.0 / 9007199254740992.0); }
static long pick(struct gen *g, long n) { return (long)(unif(g) * n); }

static long sample_cdf(const double *cdf, long n, double u) {
  long lo = 0, hi = n - 1;
  u *= cdf[n - 1];
  while (lo < hi) {
    long mid = (lo + hi) / 2;
    if (cdf[mid] < u) lo = mid + 1; else hi = mid;
  }
  return lo;
}

#define MAX_ORGANIC_RATE 0.05 /* tweets per second: 3 a minute */

/* --- vocabulary and accounts ------------------------------------------------------------------- */
static const char *const SYL[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "an", "el", "or", "us", "ba", "de",
                                  "fi", "go", "hu", "ja", "ke", "li", "mo", "nu", "pa", "qui", "ro", "si", "ta", "ul", "vi"};

static int setup(struct gen *g) {
  g->n_words = 3000;
  g->words = calloc((size_t)g->n_words, sizeof *g->words);
  g->word_cdf = malloc((size_t)g->n_words * sizeof *g->word_cdf);
  g->n_acc = g->o.accounts;
  g->acc_cdf = malloc((size_t)g->n_acc * sizeof *g->acc_cdf);
  g->acc_ids = malloc((size_t)g->n_acc * sizeof *g->acc_ids);
  g->cap = g->o.tweets + 1024;
  g->tw = calloc((size_t)g->cap, sizeof *g->tw);
  if (!g->words || !g->word_cdf || !g->acc_cdf || !g->acc_ids || !g->tw) return -1;
  double acc = 0;
  for (int i = 0; i < g->n_words; i++) {
    int n = 1 + (int)(i % 3) + (i > 300);
    for (int k = 0, v = i; k < n; k++, v /= 30) strcat(g->words[i], SYL[(v + k * 7) % 30]);
    acc += 1.0 / pow(i + 1, 1.05);
    g->word_cdf[i] = acc;
  }
  /* Pareto(1.6) activity, capped so that no organic account posts more than MAX_ORGANIC_RATE
   * tweets per second of event time: a heavy human user, not a bot. */
  double total = 0;
  for (long i = 0; i < g->n_acc; i++) total += g->acc_cdf[i] = 1.0 / pow(1.0 - unif(g) * 0.999, 1.0 / 1.6);
  double cap = MAX_ORGANIC_RATE / g->o.rate * total;
  acc = 0;
  for (long i = 0; i < g->n_acc; i++) {
    acc += g->acc_cdf[i] < cap ? g->acc_cdf[i] : cap;
    g->acc_cdf[i] = acc;
    g->acc_ids[i] = 100000000ULL + ls_mix64(g->o.seed * 1000003ULL + (uint64_t)i) % 900000000000ULL;
  }
  return 0;
}

/* Author metadata, a pure function of the account: organic accounts are mostly years old with
 * balanced followers; campaign accounts (bot) are days to weeks old, follow many, are followed by
 * few, and often keep the default profile image. */
static void author_meta(struct ls_tweet *t, bool bot) {
  uint64_t h = ls_mix64(t->author_id ^ 0xa5a5a5a5ULL);
  struct ls_author *a = &t->author;
  a->present = true;
  int64_t day = 86400000LL;
  if (bot) {
    a->created_at_ms = t->created_at_ms - (int64_t)(2 + h % 58) * day;
    a->followers = h >> 8 & 7;
    a->following = 150 + (h >> 16) % 900;
    a->statuses = 200 + (h >> 24) % 3000;
    a->default_profile_image = (h >> 40) % 10 < 6;
    return;
  }
  a->created_at_ms = t->created_at_ms - (int64_t)(60 + h % 4000) * day;
  a->followers = 20 + (h >> 8) % 3000;
  a->following = 20 + (h >> 20) % 1200;
  a->statuses = 100 + (h >> 32) % 20000;
  a->default_profile_image = (h >> 48) % 100 < 3;
}

static struct gtweet *new_tweet(struct gen *g, uint64_t author, int64_t t) {
  if (g->n == g->cap) {
    long cap = g->cap * 2;
    struct gtweet *tw = realloc(g->tw, (size_t)cap * sizeof *tw);
    if (!tw) return NULL;
    g->tw = tw;
    g->cap = cap;
  }
  struct gtweet *x = &g->tw[g->n++];
  memset(x, 0, sizeof *x);
  x->t.id = ((uint64_t)(t - LS_SNOWFLAKE_EPOCH_MS) << 22) | ((uint64_t)g->n & 0x3FFFFF); /* snowflake */
  x->t.author_id = author;
  x->t.created_at_ms = t;
  x->t.lang = "en";
  x->campaign = x->member = -1;
  snprintf(x->user, sizeof x->user, "u%" PRIu64, (uint64_t)(author % 100000000000ULL));
  author_meta(&x->t, false);
  return x;
}

static void random_words(struct gen *g, char *out, size_t cap, int n) {
  size_t o = strlen(out);
  for (int i = 0; i < n; i++) {
    const char *w = g->words[sample_cdf(g->word_cdf, g->n_words, unif(g))];
    int k = snprintf(out + o, cap - o, "%s%s", o ? " " : "", w);
    if (k < 0 || (size_t)k >= cap - o) break;
    o += (size_t)k;
  }
}

/* Hashtags appear in the text, as on Twitter (the CSV format carries them only there). */
static void append_hashtags(struct gtweet *x) {
  size_t o = strlen(x->text);
  for (int i = 0; i < x->t.n_hashtags; i++) {
    int k = snprintf(x->text + o, sizeof x->text - o, " #%s", x->tags[i]);
    if (k < 0 || (size_t)k >= sizeof x->text - o) break;
    o += (size_t)k;
  }
}

/* --- organic background ------------------------------------------------------------------------- */
#define HOT 24
struct organic {
  long originals[4096]; /* recent original tweets (indices) */
  int n_orig, head;
  long hot[HOT];
};

static void organic_tweet(struct gen *g, struct organic *st, int64_t t) {
  uint64_t author = g->acc_ids[sample_cdf(g->acc_cdf, g->n_acc, unif(g))];
  double r = unif(g);
  struct gtweet *x = new_tweet(g, author, t);
  if (!x) return;
  if (r < 0.30 && st->n_orig > 0) { /* retweet: mostly of the hot set (viral cascades) */
    long target = unif(g) < 0.6 ? st->hot[pick(g, HOT) * pick(g, HOT) / HOT] : st->originals[pick(g, st->n_orig)];
    if (target < 0) target = st->originals[0];
    x->t.retweet_of = g->tw[target].t.id;
    snprintf(x->text, sizeof x->text, "RT @u%" PRIu64 ": %.200s", g->tw[target].t.author_id, g->tw[target].text);
    return;
  }
  if (r < 0.42 && st->n_orig > 0) x->t.reply_to = g->tw[st->originals[pick(g, st->n_orig)]].t.id;
  random_words(g, x->text, sizeof x->text, 6 + (int)pick(g, 18));
  if (unif(g) < 0.12) {
    snprintf(x->url, sizeof x->url, "https://news%ld.example.com/story/%ld", pick(g, 300), pick(g, 100000));
    x->t.urls[x->t.n_urls++] = x->url;
  }
  if (unif(g) < 0.15) {
    int n = 1 + (int)pick(g, 2);
    for (int i = 0; i < n; i++) {
      snprintf(x->tags[i], sizeof x->tags[i], "%s", g->words[sample_cdf(g->word_cdf, 600, unif(g))]);
      x->t.hashtags[x->t.n_hashtags++] = x->tags[i];
    }
    append_hashtags(x);
  }
  if (!x->t.reply_to) {
    st->originals[st->head] = g->n - 1;
    st->head = (st->head + 1) % 4096;
    if (st->n_orig < 4096) st->n_orig++;
    if (unif(g) < 0.02) st->hot[pick(g, HOT)] = g->n - 1; /* a new tweet goes viral */
  }
}

/* --- planted campaigns ---------------------------------------------------------------------------- */
struct campaign {
  enum kind kind;
  uint64_t *members;
  int n;
  long tweets;
  int64_t fifth_ms; /* when the FIFTH distinct member acted; 0 if never */
};

static const char *const SYN[][4] = {
    {"vote", "support", "back", "choose"},       {"honest", "trustworthy", "decent", "reliable"},
    {"future", "tomorrow", "children", "nation"}, {"now", "today", "right now", "this week"},
    {"corrupt", "crooked", "dishonest", "rotten"}, {"everyone", "everybody", "all of us", "every citizen"}};

static void paraphrase(struct gen *g, int campaign, char *out, size_t cap) {
  const char *s[6]; /* each slot keeps the campaign's own word half of the time */
  for (int i = 0; i < 6; i++) s[i] = SYN[i][unif(g) < 0.5 ? campaign % 4 : pick(g, 4)];
  if (unif(g) < 0.8)
    snprintf(out, cap, "%s must %s candidate%d %s because she is %s and the others are %s think of our %s", s[5], s[0],
             campaign, s[3], s[1], s[4], s[2]);
  else
    snprintf(out, cap, "%s because candidate%d is %s and the others are %s %s must %s her think of our %s", s[3], campaign,
             s[1], s[4], s[5], s[0], s[2]);
}

static const char *const COPY_STYLES[] = {
    "Breaking: the %s report on %s proves everything they said about district %d was a lie, share now",
    "They do not want you to know about %s and %s. Case %d is being buried by the media. Retweet before it is deleted",
    "URGENT %s alert for %s residents (zone %d): officials hid the numbers, spread the word to every group",
    "Wake up people, %s and %s are behind file %d and nobody in charge will say it out loud"};

static struct gtweet *member_tweet(struct gen *g, struct campaign *c, int ci, int m, int64_t t) {
  struct gtweet *x = new_tweet(g, c->members[m], t);
  if (!x) return NULL;
  x->campaign = (int16_t)ci;
  x->member = (int16_t)m;
  author_meta(&x->t, true);
  c->tweets++;
  return x;
}

/* The message of one campaign's burst: a style with words drawn for (campaign, burst), so that
 * different campaigns' messages differ. */
static void copy_text(struct gen *g, int ci, int burst, char *out, size_t cap) {
  uint64_t h = ls_mix64(g->o.seed * 7919 + (uint64_t)ci * 104729 + (uint64_t)burst);
  const char *w[5];
  for (int i = 0; i < 5; i++, h = ls_mix64(h)) w[i] = g->words[300 + h % 2700];
  int n = snprintf(out, cap, COPY_STYLES[ci % 4], w[0], w[1], ci * 100 + burst);
  if (n > 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, " %s %s %s", w[2], w[3], w[4]);
}

static void retweet(struct gtweet *x, const struct gtweet *of) {
  x->t.retweet_of = of->t.id;
  snprintf(x->text, sizeof x->text, "RT @u%" PRIu64 ": %.200s", of->t.author_id, of->text);
}

/* The tweet carries its url buffer as its one link. */
static void link_url(struct gtweet *x) {
  x->t.urls[0] = x->url;
  x->t.n_urls = 1;
}

#define FARM_LINK "HTTPS://Deals-Hub%d.example.net/offer/%d/?utm_source=tw%d&utm_medium=%d"

/* mixed: member roles by index — retweet the leader's message, copy it with its link, or post
 * the link with words of one's own. */
static void mixed_action(struct gen *g, struct gtweet *x, int ci, int m, int burst, long leader) {
  if (m % 3 == 0) {
    retweet(x, &g->tw[leader]);
    return;
  }
  if (m % 3 == 1) copy_text(g, ci, burst, x->text, sizeof x->text);
  else random_words(g, x->text, sizeof x->text, 8 + (int)pick(g, 8));
  snprintf(x->url, sizeof x->url, FARM_LINK, ci, burst, m, (int)pick(g, 9));
  link_url(x);
}

static void campaign_action(struct gen *g, struct campaign *c, int ci, int m, int burst, int64_t t, long leader_tweet) {
  struct gtweet *x = member_tweet(g, c, ci, m, t);
  if (!x) return;
  switch (c->kind) {
    case K_COPY: /* a new message each burst, from one of a few styles */
    case K_JITTER:
    case K_DRIP:
      copy_text(g, ci, burst, x->text, sizeof x->text);
      break;
    case K_RTRING:
      retweet(x, &g->tw[leader_tweet]);
      break;
    case K_MIXED:
      mixed_action(g, x, ci, m, burst, leader_tweet);
      break;
    case K_LINK:
      random_words(g, x->text, sizeof x->text, 8 + (int)pick(g, 8));
      snprintf(x->url, sizeof x->url, FARM_LINK, ci, burst, m, (int)pick(g, 9));
      link_url(x);
      break;
    case K_PARA:
      paraphrase(g, ci, x->text, sizeof x->text);
      break;
    case K_HASHTAG:
      random_words(g, x->text, sizeof x->text, 6 + (int)pick(g, 10));
      snprintf(x->tags[0], sizeof x->tags[0], "Rally%d", ci);
      snprintf(x->tags[1], sizeof x->tags[1], "Vote%dNow", ci);
      x->t.hashtags[0] = x->tags[0];
      x->t.hashtags[1] = x->tags[1];
      x->t.n_hashtags = 2;
      append_hashtags(x);
      break;
    default: break;
  }
}

/* How long one burst's actions spread (ms) and the share of members taking part. */
static void burst_shape(enum kind k, int64_t *spread_ms, double *participation) {
  *spread_ms = k == K_JITTER ? 240000 : k == K_DRIP ? 720000 : 25000;
  *participation = k == K_DRIP ? 0.5 : 0.9;
}

/* The leader (member 0) posts the message that rt-ring and mixed campaigns amplify. */
static long leader_post(struct gen *g, struct campaign *c, int ci, int burst, int64_t t) {
  struct gtweet *x = member_tweet(g, c, ci, 0, t);
  if (!x) return -1;
  if (c->kind == K_MIXED) {
    copy_text(g, ci, burst, x->text, sizeof x->text);
    snprintf(x->url, sizeof x->url, FARM_LINK, ci, burst, 0, 0);
    link_url(x);
  } else {
    random_words(g, x->text, sizeof x->text, 12);
  }
  return g->n - 1;
}

static void plant(struct gen *g, struct campaign *camps, int64_t duration_ms) {
  for (int ci = 0; ci < g->o.campaigns; ci++) {
    struct campaign *c = &camps[ci];
    c->kind = (enum kind)(ci % K_KINDS);
    c->n = g->o.members + (int)pick(g, g->o.members / 2 + 1);
    c->members = malloc((size_t)c->n * sizeof *c->members);
    for (int m = 0; m < c->n; m++) c->members[m] = 900000000000ULL + ls_mix64(g->o.seed ^ ((uint64_t)ci << 32 | (uint64_t)m)) % 99999999999ULL;
    int64_t spread;
    double participation;
    burst_shape(c->kind, &spread, &participation);
    bool led = c->kind == K_RTRING || c->kind == K_MIXED;
    for (int b = 0; b < g->o.bursts; b++) {
      int64_t t0 = g->o.start_ms + (int64_t)(duration_ms * (b + unif(g) * 0.6) / g->o.bursts);
      long leader = led ? leader_post(g, c, ci, b, t0 - 2000) : -1;
      if (led && leader < 0) return;
      for (int m = led; m < c->n; m++)
        if (unif(g) < participation) campaign_action(g, c, ci, m, b, t0 + (int64_t)(unif(g) * spread), leader);
    }
  }
}

/* When each campaign's FIFTH distinct member acted (tweets sorted by time). */
static void fifth_times(struct gen *g, struct campaign *camps) {
  for (int ci = 0; ci < g->o.campaigns; ci++) {
    bool *seen = calloc((size_t)camps[ci].n, 1);
    int distinct = 0;
    for (long i = 0; seen && i < g->n && distinct < FIFTH; i++) {
      const struct gtweet *x = &g->tw[i];
      if (x->campaign != ci || seen[x->member]) continue;
      seen[x->member] = true;
      if (++distinct == FIFTH) camps[ci].fifth_ms = x->t.created_at_ms;
    }
    free(seen);
  }
}

/* --- hard organic cases ---------------------------------------------------------------------- */
struct group { /* the accounts of one organic case, for the truth */
  uint64_t *acc;
  long n, cap;
};

static void group_add(struct group *gr, uint64_t id) {
  if (gr->n == gr->cap) {
    long cap = gr->cap ? gr->cap * 2 : 256;
    uint64_t *a = realloc(gr->acc, (size_t)cap * sizeof *a);
    if (!a) return;
    gr->acc = a;
    gr->cap = cap;
  }
  gr->acc[gr->n++] = id;
}

static uint64_t any_account(struct gen *g) { return g->acc_ids[pick(g, g->n_acc)]; }

/* Three tweets each retweeted by a thousand accounts over five minutes, most in the first. */
static void viral(struct gen *g, int64_t duration, struct group *gr) {
  for (int k = 0; k < 3; k++) {
    int64_t t0 = g->o.start_ms + duration * (2 * k + 1) / 6;
    struct gtweet *star = new_tweet(g, any_account(g), t0);
    if (!star) return;
    random_words(g, star->text, sizeof star->text, 14);
    long si = g->n - 1;
    for (int i = 0; i < 1000; i++) {
      uint64_t a = any_account(g);
      struct gtweet *x = new_tweet(g, a, t0 + 1000 + (int64_t)(-log(1 - unif(g) * 0.99) * 60000));
      if (!x) return;
      retweet(x, &g->tw[si]);
      group_add(gr, a);
    }
  }
}

static const char *const NEWS_PREFIX[] = {"BREAKING:", "Breaking -", "", "JUST IN:"};
static const char *const NEWS_SUFFIX[] = {"", "via @wire", "(developing)"};

/* Six headlines, each posted by 300 independent accounts within ten minutes, with small
 * variations and links to one of twenty outlets' versions of the story. */
static void breaking(struct gen *g, int64_t duration, struct group *gr) {
  for (int k = 0; k < 6; k++) {
    int64_t t0 = g->o.start_ms + duration * (2 * k + 1) / 12;
    char headline[160] = "";
    random_words(g, headline, sizeof headline, 12);
    for (int i = 0; i < 300; i++) {
      uint64_t a = any_account(g);
      struct gtweet *x = new_tweet(g, a, t0 + (int64_t)(unif(g) * 600000));
      if (!x) return;
      snprintf(x->text, sizeof x->text, "%s %s %s", NEWS_PREFIX[pick(g, 4)], headline, NEWS_SUFFIX[pick(g, 3)]);
      snprintf(x->url, sizeof x->url, "https://outlet%d.example.org/news/%d/%lld", (int)pick(g, 20), k, (long long)(t0 / 1000));
      link_url(x);
      group_add(gr, a);
    }
  }
}

/* A club's six goals: 1,500 fans; at each, 40% retweet the goal tweet and 25% post the same
 * chant hashtags, within three minutes. */
static void fan_storm(struct gen *g, int64_t duration, struct group *gr) {
  uint64_t club = any_account(g), fans[1500];
  for (int i = 0; i < 1500; i++) fans[i] = any_account(g);
  for (int k = 0; k < 6; k++) {
    int64_t t0 = g->o.start_ms + duration * (k + 1) / 7;
    struct gtweet *goal = new_tweet(g, club, t0);
    if (!goal) return;
    snprintf(goal->text, sizeof goal->text, "GOAL! minute %d, what a strike", 10 + 12 * k);
    long gi = g->n - 1;
    for (int i = 0; i < 1500; i++) {
      double r = unif(g);
      if (r >= 0.65) continue;
      struct gtweet *x = new_tweet(g, fans[i], t0 + 2000 + (int64_t)(unif(g) * 180000));
      if (!x) return;
      group_add(gr, fans[i]);
      if (r < 0.40) {
        retweet(x, &g->tw[gi]);
        continue;
      }
      random_words(g, x->text, sizeof x->text, 3 + (int)pick(g, 6));
      snprintf(x->tags[0], sizeof x->tags[0], "GOAL");
      snprintf(x->tags[1], sizeof x->tags[1], "ClubFC");
      x->t.hashtags[0] = x->tags[0];
      x->t.hashtags[1] = x->tags[1];
      x->t.n_hashtags = 2;
      append_hashtags(x);
    }
  }
}

/* Thirty outlets posting their own story and link on every quarter hour, within two seconds. */
static void scheduled(struct gen *g, int64_t duration, struct group *gr) {
  uint64_t outlets[30];
  for (int k = 0; k < 30; k++) group_add(gr, outlets[k] = any_account(g));
  int64_t first = (g->o.start_ms / 900000 + 1) * 900000;
  for (int64_t t = first; t < g->o.start_ms + duration; t += 900000)
    for (int k = 0; k < 30; k++) {
      struct gtweet *x = new_tweet(g, outlets[k], t + (int64_t)(unif(g) * 2000));
      if (!x) return;
      random_words(g, x->text, sizeof x->text, 10 + (int)pick(g, 6));
      snprintf(x->url, sizeof x->url, "https://outlet%d.example.org/%lld/story/%d", k, (long long)(t / 1000), (int)pick(g, 100000));
      link_url(x);
    }
}

static void hard_organic(struct gen *g, int64_t duration, struct group *groups) {
  void (*const make[O_CASES])(struct gen *, int64_t, struct group *) = {viral, breaking, fan_storm, scheduled};
  for (int k = 0; k < O_CASES; k++) make[k](g, duration, &groups[k]);
}

/* --- output ----------------------------------------------------------------------------------- */
/* Sorting moves the records: string pointers are re-linked afterwards. */
static int cmp_time(const void *a, const void *b) {
  const struct gtweet *x = a, *y = b;
  return x->t.created_at_ms < y->t.created_at_ms ? -1 : x->t.created_at_ms > y->t.created_at_ms;
}

static void link_strings(struct gen *g) {
  for (long i = 0; i < g->n; i++) {
    struct gtweet *x = &g->tw[i];
    x->t.text = x->text;
    x->t.text_len = (uint32_t)strlen(x->text);
    x->t.username = x->user;
    if (x->t.n_urls) x->t.urls[0] = x->url;
    for (int k = 0; k < x->t.n_hashtags; k++) x->t.hashtags[k] = x->tags[k];
  }
}

static const char *bad_message(struct gen *g, long k, size_t *len, char *buf, size_t cap) {
  switch (k % 7) {
    case 0: snprintf(buf, cap, "{\"id\": \"123\", \"text\": \"truncated"); break;
    case 1: snprintf(buf, cap, "{\"id\":\"%ld\",\"author_id\":\"5\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"bad \xC3\x28 utf8\"}", 1000 + k); break;
    case 2: snprintf(buf, cap, "{\"author_id\":\"5\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"no id here\"}"); break;
    case 3: snprintf(buf, cap, "{\"id\":\"%ld\",\"author_id\":\"5\",\"created_at\":\"2099-01-01T00:00:00Z\",\"text\":\"from the future\"}", 2000 + k); break;
    case 4: snprintf(buf, cap, "{\"id\":\"%ld\",\"author_id\":\"5\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"\"}", 3000 + k); break;
    case 5: { /* 100 KB text */
      int o = snprintf(buf, cap, "{\"id\":\"%ld\",\"author_id\":\"5\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"", 4000 + k);
      while ((size_t)o < cap - 8 && o < 100000) buf[o++] = 'x';
      snprintf(buf + o, cap - (size_t)o, "\"}");
      break;
    }
    default: for (size_t i = 0; i < 40; i++) buf[i] = (char)(0xFF - (rnd(g) & 0x3F)); buf[40] = 0; *len = 40; return buf;
  }
  *len = strlen(buf);
  return buf;
}

struct writer {
  FILE *f;
  rd_kafka_t *rk;
  const char *topic;
  int fmt; /* 0 jsonl/json, 1 csv, 2 protobuf, 3 mixed (Kafka) */
  struct ls_jw jw;
  uint8_t buf[65536];
  long written;
};

static int emit_bytes(struct writer *w, const void *data, size_t len, uint64_t key) {
  if (w->rk) {
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(w->rk, RD_KAFKA_V_TOPIC(w->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_VALUE((void *)data, len), RD_KAFKA_V_KEY(&key, sizeof key), RD_KAFKA_V_END);
      if (!e) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fprintf(stderr, "lockstep-gen: produce failed: %s\n", rd_kafka_err2str(e));
        return -1;
      }
      rd_kafka_poll(w->rk, 50);
    }
    rd_kafka_poll(w->rk, 0);
  } else if (w->fmt == 2) {
    if (ls_write_delimited(w->f, data, len) != LS_OK) return -1;
  } else {
    if (fwrite(data, 1, len, w->f) != len || fputc('\n', w->f) == EOF) return -1;
  }
  w->written++;
  return 0;
}

static int emit_tweet(struct writer *w, const struct ls_tweet *t, long i) {
  int fmt = w->fmt == 3 ? (i % 2 ? 0 : 2) : w->fmt;
  if (fmt == 1) {
    ls_encode_csv(t, w->f);
    w->written++;
    return ferror(w->f) ? -1 : 0;
  }
  if (fmt == 2) {
    size_t n = ls_encode_protobuf(t, w->buf, sizeof w->buf);
    return emit_bytes(w, w->buf, n, t->id);
  }
  ls_jw_reset(&w->jw);
  ls_encode_json(t, &w->jw);
  return emit_bytes(w, w->jw.buf, w->jw.len, t->id);
}

static void pace(const struct opts *o, long sent, struct timespec *start) {
  if (o->pace <= 0) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double elapsed = (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
  double due = sent / o->pace;
  if (due > elapsed) nanosleep(&(struct timespec){(time_t)(due - elapsed), (long)((due - elapsed - (time_t)(due - elapsed)) * 1e9)}, NULL);
}

static int write_stream(struct gen *g, struct writer *w) {
  char *bad = malloc(131072);
  long every = g->o.bad ? g->n / (g->o.bad + 1) + 1 : 0, dup_every = g->o.duplicates ? g->n / (g->o.duplicates + 1) + 1 : 0;
  long bad_sent = 0, dup_sent = 0;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  if (w->fmt == 1) ls_encode_csv_header(w->f);
  int rc = 0;
  for (long i = 0; i < g->n && rc == 0 && bad; i++) {
    rc = emit_tweet(w, &g->tw[i].t, i);
    if (rc == 0 && dup_every && i % dup_every == dup_every - 1 && dup_sent < g->o.duplicates) {
      rc = emit_tweet(w, &g->tw[i].t, i);
      dup_sent++;
    }
    if (rc == 0 && every && i % every == every - 1 && bad_sent < g->o.bad && w->fmt != 1) {
      size_t len;
      const char *b = bad_message(g, bad_sent++, &len, bad, 131072);
      rc = emit_bytes(w, b, len, (uint64_t)i);
    }
    pace(&g->o, w->written, &start);
    if (w->rk && i % 50000 == 49999) fprintf(stderr, "info gen: produced %ld messages\n", w->written);
  }
  free(bad);
  fprintf(stdout, "{\"messages\": %ld, \"tweets\": %ld, \"bad\": %ld, \"duplicates\": %ld}\n", w->written, g->n, bad_sent, dup_sent);
  return rc;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void accounts_json(struct ls_jw *w, uint64_t *acc, long n) {
  qsort(acc, (size_t)n, sizeof *acc, cmp_u64);
  ls_jw_arr_begin(w);
  for (long i = 0; i < n; i++)
    if (i == 0 || acc[i] != acc[i - 1]) ls_jw_u64_str(w, acc[i]);
  ls_jw_arr_end(w);
}

static void organic_json(struct ls_jw *w, struct group *groups, bool any) {
  ls_jw_key(w, "organic");
  ls_jw_arr_begin(w);
  for (int k = 0; any && k < O_CASES; k++) {
    ls_jw_obj_begin(w);
    ls_jw_key(w, "kind");
    ls_jw_str(w, ORGANIC_NAMES[k]);
    ls_jw_key(w, "accounts");
    accounts_json(w, groups[k].acc, groups[k].n);
    ls_jw_obj_end(w);
  }
  ls_jw_arr_end(w);
}

static int write_truth(struct gen *g, struct campaign *camps, struct group *groups) {
  FILE *f = fopen(g->o.truth, "w");
  if (!f) { perror(g->o.truth); return -1; }
  struct ls_jw w;
  ls_jw_init(&w);
  ls_jw_obj_begin(&w);
  ls_jw_key(&w, "seed"); ls_jw_u64(&w, g->o.seed);
  ls_jw_key(&w, "tweets"); ls_jw_u64(&w, (uint64_t)g->n);
  ls_jw_key(&w, "campaigns");
  ls_jw_arr_begin(&w);
  for (int i = 0; i < g->o.campaigns; i++) {
    ls_jw_obj_begin(&w);
    char id[32];
    snprintf(id, sizeof id, "planted-%d", i + 1);
    ls_jw_key(&w, "id"); ls_jw_str(&w, id);
    ls_jw_key(&w, "kind"); ls_jw_str(&w, KIND_NAMES[camps[i].kind]);
    ls_jw_key(&w, "tweets"); ls_jw_u64(&w, (uint64_t)camps[i].tweets);
    ls_jw_key(&w, "fifth_account_at"); ls_jw_time(&w, camps[i].fifth_ms);
    ls_jw_key(&w, "accounts");
    accounts_json(&w, camps[i].members, camps[i].n);
    ls_jw_obj_end(&w);
  }
  ls_jw_arr_end(&w);
  organic_json(&w, groups, g->o.hard_organic);
  ls_jw_obj_end(&w);
  fprintf(f, "%s\n", w.buf);
  ls_jw_free(&w);
  return fclose(f);
}

static void usage(FILE *f) {
  fputs("usage: lockstep-gen [options] (--out FILE | --brokers HOST:PORT --topic NAME) [--truth FILE]\n"
        "\n"
        "Writes a seeded synthetic tweet stream with planted coordinated campaigns.\n"
        "\n"
        "  --seed N           random seed (default 1); the same seed gives the same stream\n"
        "  --tweets N         tweets in the stream (default 200000)\n"
        "  --accounts N       organic accounts (default: the larger of tweets/4 and 100 x rate); organic\n"
        "                     activity is heavy-tailed and capped at 3 tweets a minute per account\n"
        "  --campaigns N      planted campaigns, kinds in turn: copy-paste, rt-ring, link-farm, paraphrase,\n"
        "                     hashtag, jitter, slow-drip, mixed (default 8)\n"
        "  --no-hard-organic  leave out the hard organic cases (viral cascades, breaking news, a fan storm,\n"
        "                     scheduled news posts), which are otherwise mixed in and listed in the truth\n"
        "  --members N        accounts per campaign, N to 1.5N (default 12)\n"
        "  --bursts N         coordinated bursts per campaign over the stream (default 8)\n"
        "  --rate R           event-time tweets per second (default 200)\n"
        "  --start TIME       event time of the first tweet, ISO 8601 (default 2024-03-01T12:00:00Z)\n"
        "  --format F         jsonl | csv | protobuf (files: length-delimited) | json | mixed (Kafka:\n"
        "                     protobuf and JSON alternating); default jsonl for files, protobuf for Kafka\n"
        "  --out FILE         write to FILE ('-' for standard output)\n"
        "  --brokers B        produce to Kafka at bootstrap servers B ...\n"
        "  --topic T          ... on topic T (default tweets)\n"
        "  --pace N           Kafka: at most N messages per second of wall-clock time (default: unlimited)\n"
        "  --bad N            mix in N malformed messages (bad JSON, invalid UTF-8, missing id, future time,\n"
        "                     empty and 100 KB text, binary garbage); not for CSV\n"
        "  --duplicates N     send N tweets twice\n"
        "  --truth FILE       write the ground truth as JSON: planted campaigns (kind, accounts, when the\n"
        "                     fifth account acted) and the accounts of each hard organic case\n"
        "\n"
        "Prints {\"messages\": N, \"tweets\": T, \"bad\": B, \"duplicates\": D} on standard output.\n",
        f);
}

static int parse(int argc, char **argv, struct opts *o) {
  static const struct option longs[] = {
      {"seed", 1, 0, 'S'}, {"tweets", 1, 0, 'n'}, {"accounts", 1, 0, 'a'}, {"campaigns", 1, 0, 'c'},
      {"members", 1, 0, 'm'}, {"bursts", 1, 0, 'B'}, {"rate", 1, 0, 'r'}, {"start", 1, 0, 's'},
      {"format", 1, 0, 'f'}, {"out", 1, 0, 'o'}, {"brokers", 1, 0, 'b'}, {"topic", 1, 0, 't'},
      {"pace", 1, 0, 'p'}, {"bad", 1, 0, 'x'}, {"duplicates", 1, 0, 'd'}, {"truth", 1, 0, 'T'},
      {"no-hard-organic", 0, 0, 'O'},
      {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  *o = (struct opts){.seed = 1, .tweets = 200000, .campaigns = 8, .members = 12, .bursts = 8, .rate = 200, .topic = "tweets",
                     .hard_organic = true};
  ls_parse_iso8601("2024-03-01T12:00:00Z", &o->start_ms);
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (c) {
      case 'S': o->seed = strtoull(optarg, NULL, 10); break;
      case 'n': o->tweets = atol(optarg); break;
      case 'a': o->accounts = atol(optarg); break;
      case 'c': o->campaigns = atoi(optarg); break;
      case 'm': o->members = atoi(optarg); break;
      case 'B': o->bursts = atoi(optarg); break;
      case 'r': o->rate = atof(optarg); break;
      case 's':
        if (!ls_parse_iso8601(optarg, &o->start_ms)) { fprintf(stderr, "lockstep-gen: --start: not an ISO 8601 time\n"); return 2; }
        break;
      case 'f': o->format = optarg; break;
      case 'o': o->out = optarg; break;
      case 'b': o->brokers = optarg; break;
      case 't': o->topic = optarg; break;
      case 'p': o->pace = atof(optarg); break;
      case 'x': o->bad = atol(optarg); break;
      case 'd': o->duplicates = atol(optarg); break;
      case 'T': o->truth = optarg; break;
      case 'O': o->hard_organic = false; break;
      case 'h': usage(stdout); return -1;
      default: usage(stderr); return 2;
    }
  }
  if (!o->out == !o->brokers) { fprintf(stderr, "lockstep-gen: give exactly one of --out or --brokers (see --help)\n"); return 2; }
  if (o->tweets < 100 || o->rate <= 0 || o->campaigns < 0 || o->campaigns > 1000 || o->members < 2 || o->bursts < 1) {
    fprintf(stderr, "lockstep-gen: need --tweets >= 100, --rate > 0, 0 <= --campaigns <= 1000, --members >= 2, --bursts >= 1\n");
    return 2;
  }
  if (!o->accounts) { /* enough accounts for the rate: on average one tweet per 100 s each */
    o->accounts = o->tweets / 4;
    if (o->accounts < (long)(o->rate * 100)) o->accounts = (long)(o->rate * 100);
  }
  if (!o->format) o->format = o->out ? "jsonl" : "protobuf";
  return 0;
}

static int open_writer(struct gen *g, struct writer *w) {
  const char *f = g->o.format;
  w->fmt = !strcmp(f, "jsonl") || !strcmp(f, "json") ? 0 : !strcmp(f, "csv") ? 1 : !strcmp(f, "protobuf") ? 2 : !strcmp(f, "mixed") ? 3 : -1;
  if (w->fmt < 0 || (w->fmt == 3 && !g->o.brokers) || (w->fmt == 1 && g->o.brokers)) {
    fprintf(stderr, "lockstep-gen: format \"%s\" is not usable here (see --help)\n", f);
    return 2;
  }
  ls_jw_init(&w->jw);
  if (g->o.out) {
    w->f = strcmp(g->o.out, "-") ? fopen(g->o.out, "wb") : stdout;
    if (!w->f) { perror(g->o.out); return 1; }
    return 0;
  }
  char errstr[512];
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  if (rd_kafka_conf_set(kc, "bootstrap.servers", g->o.brokers, errstr, sizeof errstr) ||
      rd_kafka_conf_set(kc, "linger.ms", "20", errstr, sizeof errstr) ||
      rd_kafka_conf_set(kc, "queue.buffering.max.messages", "200000", errstr, sizeof errstr) ||
      !(w->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof errstr))) {
    fprintf(stderr, "lockstep-gen: %s\n", errstr);
    return 1;
  }
  w->topic = g->o.topic;
  return 0;
}

static int close_writer(struct writer *w) {
  int rc = 0;
  if (w->rk) {
    if (rd_kafka_flush(w->rk, 60000)) { fprintf(stderr, "lockstep-gen: %d messages not delivered\n", rd_kafka_outq_len(w->rk)); rc = 1; }
    rd_kafka_destroy(w->rk);
  } else if (w->f != stdout && fclose(w->f)) {
    rc = 1;
  } else if (w->f == stdout) {
    fflush(stdout);
  }
  ls_jw_free(&w->jw);
  return rc;
}

int main(int argc, char **argv) {
  static struct gen g;
  int rc = parse(argc, argv, &g.o);
  if (rc) return rc < 0 ? 0 : rc;
  g.rng = g.o.seed * 0x2545F4914F6CDD1DULL + 1;
  if (setup(&g)) { fprintf(stderr, "lockstep-gen: out of memory\n"); return 1; }
  int64_t duration = (int64_t)(g.o.tweets / g.o.rate * 1000);
  struct campaign *camps = calloc((size_t)g.o.campaigns + 1, sizeof *camps);
  struct organic st;
  memset(&st, 0, sizeof st);
  for (int i = 0; i < HOT; i++) st.hot[i] = -1;
  static struct group groups[O_CASES];
  plant(&g, camps, duration);
  if (g.o.hard_organic) hard_organic(&g, duration, groups);
  long organic = g.o.tweets - g.n;
  if (organic < 0) {
    fprintf(stderr, "lockstep-gen: the campaigns and hard organic cases alone make %ld tweets, more than --tweets %ld: "
            "raise --tweets or lower --campaigns/--members/--bursts (or --no-hard-organic)\n", g.n, g.o.tweets);
    return 2;
  }
  for (long i = 0; i < organic; i++) {
    organic_tweet(&g, &st, g.o.start_ms + (int64_t)((double)i / organic * duration));
    for (int k = 0; k < HOT; k++) if (st.hot[k] < 0) st.hot[k] = g.n - 1;
  }
  qsort(g.tw, (size_t)g.n, sizeof *g.tw, cmp_time);
  link_strings(&g);
  fifth_times(&g, camps);
  static struct writer w;
  if ((rc = open_writer(&g, &w))) return rc;
  rc = write_stream(&g, &w);
  rc |= close_writer(&w);
  if (!rc && g.o.truth) rc = write_truth(&g, camps, groups);
  fprintf(stderr, "info gen: %ld tweets (%ld organic, %d campaigns) over %.0f s of event time\n", g.n, organic, g.o.campaigns, duration / 1000.0);
  for (int i = 0; i < g.o.campaigns; i++) free(camps[i].members);
  for (int k = 0; k < O_CASES; k++) free(groups[k].acc);
  free(camps);
  free(g.tw);
  free(g.words);
  free(g.word_cdf);
  free(g.acc_cdf);
  free(g.acc_ids);
  return rc ? 1 : 0;
}
