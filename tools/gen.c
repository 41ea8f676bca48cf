/* lockstep-gen — a seeded synthetic firehose with planted coordinated campaigns, and its ground
 * truth. The organic background has heavy-tailed account activity (Pareto weights), Zipf word
 * use, viral retweet cascades (a hot set of tweets drawing most retweets), replies, links and
 * hashtags, and hard organic cases (viral cascades, breaking news, a fan storm, scheduled news).
 * Planted campaigns (gen_plant.c, where each kind is described) are groups of accounts acting in
 * bursts over the stream: copy-paste, rt-ring, link-farm, paraphrase, hashtag, jitter, slow-drip,
 * mixed (the default eight), and the adversarial minute-ring, minute-copy, rotation, homoglyph,
 * invisible, fonts, noisy, link-variants and multilingual. Members also post organic tweets, so
 * they are not trivially separable. With --mix FILE.csv a day of the Internet Research Agency
 * archive is mixed into an organic background of the same span (gen_mix.c) and the truth names
 * the co-acting troll accounts (gen_coact.c). Output goes to a file (JSON lines, QUT CSV or
 * length-delimited protobuf) or to a Kafka topic (protobuf, JSON or both alternating), optionally
 * with malformed messages and duplicates mixed in. This file: options, the organic background,
 * the hard organic cases, the output and main. */
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "lockstep/encode.h"
#include "lockstep/hash.h"
#include "lockstep/json.h"

enum organic_case { O_VIRAL, O_BREAKING, O_FANS, O_SCHEDULED, O_CASES };
static const char *const ORGANIC_NAMES[O_CASES] = {"viral", "breaking", "fan-storm", "scheduled"};

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

/* The table holds --tweets plus extra (the rows of --mix) without growing. */
static int setup(struct gen *g, long extra) {
  g->n_words = 3000;
  g->words = calloc((size_t)g->n_words, sizeof *g->words);
  g->word_cdf = malloc((size_t)g->n_words * sizeof *g->word_cdf);
  g->n_acc = g->o.accounts;
  g->acc_cdf = malloc((size_t)g->n_acc * sizeof *g->acc_cdf);
  g->acc_ids = malloc((size_t)g->n_acc * sizeof *g->acc_ids);
  g->cap = g->o.tweets + extra + 1024;
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
void author_meta(struct ls_tweet *t, bool bot) {
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

/* "u" and the number (snprintf's "u%" PRIu64, which is slow enough to matter here). */
static void account_name(char *out, uint64_t v) {
  char d[24];
  int n = 0;
  do d[n++] = (char)('0' + v % 10); while (v /= 10);
  *out++ = 'u';
  while (n) *out++ = d[--n];
  *out = 0;
}

struct gtweet *new_tweet(struct gen *g, uint64_t author, int64_t t) {
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
  account_name(x->user, author % 100000000000ULL);
  author_meta(&x->t, false);
  return x;
}

/* Appends n words, space-separated; a word that does not fit is cut and ends the text. */
void random_words(struct gen *g, char *out, size_t cap, int n) {
  size_t o = strlen(out);
  for (int i = 0; i < n; i++) {
    const char *w = g->words[sample_cdf(g->word_cdf, g->n_words, unif(g))];
    char word[20];
    size_t k = (size_t)(o > 0);
    word[0] = ' ';
    for (const char *p = w; *p; p++) word[k++] = *p;
    size_t fit = k < cap - o ? k : cap - o - 1;
    memcpy(out + o, word, fit);
    out[o + fit] = 0;
    if (fit < k) break;
    o += k;
  }
}

/* Hashtags appear in the text, as on Twitter (the CSV format carries them only there). */
void append_hashtags(struct gtweet *x) {
  size_t o = strlen(x->text);
  for (int i = 0; i < x->t.n_hashtags; i++) {
    int k = snprintf(x->text + o, sizeof x->text - o, " #%s", x->tags[i]);
    if (k < 0 || (size_t)k >= sizeof x->text - o) break;
    o += (size_t)k;
  }
}

void retweet(struct gtweet *x, const struct gtweet *of) {
  x->t.retweet_of = of->t.id;
  snprintf(x->text, sizeof x->text, "RT @u%" PRIu64 ": %.200s", of->t.author_id, of->text);
}

/* The tweet carries its url buffer as its one link. */
void link_url(struct gtweet *x) {
  x->t.urls[0] = x->url;
  x->t.n_urls = 1;
}

/* --- the string pool: chunks that never move ------------------------------------------------------ */
#define POOL_CHUNK (1 << 20)
struct pool_chunk {
  struct pool_chunk *next;
  size_t used, cap;
  char data[];
};

const char *pool_keep(struct gen *g, const char *s, size_t n) {
  struct pool_chunk *c = g->pool;
  if (!c || c->cap - c->used < n + 1) {
    size_t cap = n + 1 > POOL_CHUNK ? n + 1 : POOL_CHUNK;
    if (!(c = malloc(sizeof *c + cap))) return NULL;
    *c = (struct pool_chunk){.next = g->pool, .cap = cap};
    g->pool = c;
  }
  char *d = c->data + c->used;
  memcpy(d, s, n);
  d[n] = 0;
  c->used += n + 1;
  return d;
}

int keep_external(struct gen *g, struct gtweet *x, const char *text, const char *url) {
  x->t.text = pool_keep(g, text, strlen(text));
  x->t.text_len = (uint32_t)strlen(text);
  x->t.n_urls = 0;
  if (url && (x->t.urls[0] = pool_keep(g, url, strlen(url)))) x->t.n_urls = 1;
  x->external = true;
  return x->t.text && (!url || x->t.n_urls) ? 0 : -1;
}

static void pool_free(struct gen *g) {
  for (struct pool_chunk *c = g->pool, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  g->pool = NULL;
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
struct sort_key {
  int64_t t;
  long i;
};

static int cmp_key(const void *a, const void *b) {
  const struct sort_key *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorts the tweets by time, ties in the order made (a stable sort): the keys are sorted, then
 * the records moved along the permutation's cycles. Sorting moves the records: string pointers
 * are re-linked afterwards. */
static int sort_by_time(struct gen *g) {
  struct sort_key *k = malloc(((size_t)g->n + 1) * sizeof *k);
  struct gtweet *tmp = malloc(sizeof *tmp);
  if (!k || !tmp) { free(k); free(tmp); return -1; }
  for (long i = 0; i < g->n; i++) k[i] = (struct sort_key){g->tw[i].t.created_at_ms, i};
  qsort(k, (size_t)g->n, sizeof *k, cmp_key);
  for (long s = 0; s < g->n; s++) { /* position j takes record k[j].i; -1 marks a filled one */
    if (k[s].i < 0 || k[s].i == s) continue;
    *tmp = g->tw[s];
    long j = s;
    while (k[j].i != s) {
      long from = k[j].i;
      g->tw[j] = g->tw[from];
      k[j].i = -1;
      j = from;
    }
    g->tw[j] = *tmp;
    k[j].i = -1;
  }
  free(k);
  free(tmp);
  return 0;
}

static void link_strings(struct gen *g) {
  for (long i = 0; i < g->n; i++) {
    struct gtweet *x = &g->tw[i];
    x->t.username = x->user;
    if (x->external) continue;
    x->t.text = x->text;
    x->t.text_len = (uint32_t)strlen(x->text);
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

/* Tweets [lo, hi) encoded ahead, in parallel (files as JSON lines or protobuf): each thread
 * encodes a contiguous slice into its own buffer; the messages are then written in order. */
#define BLOCK 32768
#define BLOCK_THREADS 32
struct block {
  long lo, hi;
  char *buf[BLOCK_THREADS];
  size_t used[BLOCK_THREADS], cap[BLOCK_THREADS];
  size_t at[BLOCK];
  uint32_t len[BLOCK];
  uint8_t thread[BLOCK];
  bool oom;
};

struct writer {
  FILE *f;
  rd_kafka_t *rk;
  const char *topic;
  int32_t partition;     /* RD_KAFKA_PARTITION_UA: by key */
  bool event_timestamps; /* the message timestamp is the tweet's created_at */
  int fmt; /* 0 jsonl/json, 1 csv, 2 protobuf, 3 mixed (Kafka) */
  struct ls_jw jw;
  uint8_t buf[65536];
  long written;
  long failed;                            /* Kafka: messages the brokers refused (delivery reports) */
  rd_kafka_resp_err_t first_failure;
  struct block *ahead; /* NULL: each tweet encoded when written */
};

/* Kafka delivery report: counts a message the brokers refused (an unknown partition, too large). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  struct writer *w = opaque;
  if (!m->err) return;
  if (!w->failed++) w->first_failure = m->err;
}

/* One message; t_ms is the event time of the tweet it carries or stands for (the Kafka timestamp
 * with --timestamps event). */
static int emit_bytes(struct writer *w, const void *data, size_t len, uint64_t key, int64_t t_ms) {
  if (w->rk) {
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(w->rk, RD_KAFKA_V_TOPIC(w->topic), RD_KAFKA_V_PARTITION(w->partition),
                                                RD_KAFKA_V_TIMESTAMP(w->event_timestamps ? t_ms : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
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

static bool block_put(struct block *b, int k, long i, const void *data, size_t len) {
  if (b->used[k] + len > b->cap[k]) {
    size_t cap = b->cap[k] ? b->cap[k] * 2 : 1 << 20;
    while (cap < b->used[k] + len) cap *= 2;
    char *more = realloc(b->buf[k], cap);
    if (!more) return false;
    b->buf[k] = more;
    b->cap[k] = cap;
  }
  memcpy(b->buf[k] + b->used[k], data, len);
  b->at[i - b->lo] = b->used[k];
  b->len[i - b->lo] = (uint32_t)len;
  b->thread[i - b->lo] = (uint8_t)k;
  b->used[k] += len;
  return true;
}

/* Thread k's slice of the block. */
static void block_slice(const struct gen *g, struct block *b, int k, int threads, int fmt) {
  struct ls_jw jw;
  uint8_t *pb = fmt == 2 ? malloc(65536) : NULL;
  ls_jw_init(&jw);
  b->used[k] = 0;
  if (fmt == 2 && !pb) b->oom = true;
  for (long i = b->lo + (b->hi - b->lo) * k / threads, end = b->lo + (b->hi - b->lo) * (k + 1) / threads; i < end; i++) {
    bool ok;
    if (fmt == 2) {
      ok = pb && block_put(b, k, i, pb, ls_encode_protobuf(&g->tw[i].t, pb, 65536));
    } else {
      ls_jw_reset(&jw);
      ls_encode_json(&g->tw[i].t, &jw);
      ok = !jw.oom && block_put(b, k, i, jw.buf, jw.len);
    }
    if (!ok) b->oom = true; /* a benign race: every writer stores true */
  }
  ls_jw_free(&jw);
  free(pb);
}

static int encode_block(const struct gen *g, struct block *b, long lo, int fmt) {
  int threads = omp_get_max_threads() < BLOCK_THREADS ? omp_get_max_threads() : BLOCK_THREADS;
  b->lo = lo;
  b->hi = lo + BLOCK < g->n ? lo + BLOCK : g->n;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int k = 0; k < threads; k++) block_slice(g, b, k, threads, fmt);
  return b->oom ? -1 : 0;
}

static int emit_tweet(struct writer *w, const struct gen *g, long i) {
  const struct ls_tweet *t = &g->tw[i].t;
  uint64_t key = g->o.key_author ? t->author_id : t->id;
  struct block *b = w->ahead;
  if (b && (i < b->lo || i >= b->hi) && encode_block(g, b, i, w->fmt)) {
    fprintf(stderr, "lockstep-gen: out of memory\n");
    return -1;
  }
  if (b) return emit_bytes(w, b->buf[b->thread[i - b->lo]] + b->at[i - b->lo], b->len[i - b->lo], key, t->created_at_ms);
  int fmt = w->fmt == 3 ? (i % 2 ? 0 : 2) : w->fmt;
  if (fmt == 1) {
    ls_encode_csv(t, w->f);
    w->written++;
    return ferror(w->f) ? -1 : 0;
  }
  if (fmt == 2) {
    size_t n = ls_encode_protobuf(t, w->buf, sizeof w->buf);
    return emit_bytes(w, w->buf, n, key, t->created_at_ms);
  }
  ls_jw_reset(&w->jw);
  ls_encode_json(t, &w->jw);
  return emit_bytes(w, w->jw.buf, w->jw.len, key, t->created_at_ms);
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
    rc = emit_tweet(w, g, i);
    if (rc == 0 && dup_every && i % dup_every == dup_every - 1 && dup_sent < g->o.duplicates) {
      rc = emit_tweet(w, g, i);
      dup_sent++;
    }
    if (rc == 0 && every && i % every == every - 1 && bad_sent < g->o.bad && w->fmt != 1) {
      size_t len;
      const char *b = bad_message(g, bad_sent++, &len, bad, 131072);
      rc = emit_bytes(w, b, len, (uint64_t)i, g->tw[i].t.created_at_ms);
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

static int write_truth(struct gen *g, struct campaign *camps, struct group *groups, const struct gen_mix *mix) {
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
  if (mix) mix_truth(&w, mix);
  ls_jw_obj_end(&w);
  fprintf(f, "%s\n", w.buf);
  ls_jw_free(&w);
  return fclose(f);
}

static void usage(FILE *f) {
  fputs("usage: lockstep-gen [options] (--out FILE | --brokers HOST:PORT --topic NAME) [--truth FILE]\n"
        "       lockstep-gen --mix DAY.csv [options] --out FILE [--truth FILE]\n"
        "\n"
        "Writes a seeded synthetic tweet stream with planted coordinated campaigns, or a day of the\n"
        "Internet Research Agency archive mixed into a synthetic organic background.\n"
        "\n"
        "  --seed N           random seed (default 1); the same seed gives the same stream\n"
        "  --tweets N         tweets in the stream (default 200000; with --mix: the generated tweets,\n"
        "                     default 1000000, to which the archive's rows are added)\n"
        "  --accounts N       organic accounts (default: the larger of tweets/4 and 100 x rate); organic\n"
        "                     activity is heavy-tailed and capped at 3 tweets a minute per account\n"
        "  --campaigns N      planted campaigns, their kinds taken in turn from --kinds (default: one per\n"
        "                     kind of the list; with --mix none unless given)\n"
        "  --kinds LIST       comma-separated kinds, or all (default: the first eight):\n"
        "                       copy-paste     the same text by every member within seconds, new each burst\n"
        "                       rt-ring        members retweet the leader's post within seconds\n"
        "                       link-farm      different texts, the same link (varying utm_ parameters)\n"
        "                       paraphrase     one template with synonyms and word-order changes\n"
        "                       hashtag        different texts, the same ordered hashtag sequence\n"
        "                       jitter         copy-paste spread over four minutes\n"
        "                       slow-drip      copy-paste over twelve minutes, half the members a burst\n"
        "                       mixed          retweets, copies with the leader's link, the link alone\n"
        "                       minute-ring    retweets of the leader's post one member after another,\n"
        "                                      1-5 minutes apart, timestamps at minute resolution (:00)\n"
        "                       minute-copy    copy-paste the same way (copies 1-5 minutes apart, :00)\n"
        "                       rotation       only 3 of the pool act per burst, in turns over\n"
        "                                      bursts x members/3 bursts: pairs share few actions\n"
        "                       homoglyph      copy-paste, 30% of the letters with a Cyrillic/Greek\n"
        "                                      look-alike replaced, differently per copy\n"
        "                       invisible      copy-paste with U+200B/200C/200D/2060/00AD/FEFF inserted\n"
        "                       fonts          copy-paste in fullwidth, bold, italic or script letters\n"
        "                       noisy          copy-paste with case, punctuation, emoji and quote noise\n"
        "                       link-variants  link-farm with the link disguised per member (scheme,\n"
        "                                      www./m., host case, :443, %-escapes, #fragment, tracking\n"
        "                                      and share parameters, parameter order, trailing slash)\n"
        "                       multilingual   copy-paste in Russian, German or English by burst,\n"
        "                                      copies identical up to invisible characters\n"
        "                     planted accounts have ids from 900000000000; the minute kinds need a\n"
        "                     stream of an hour or more to fit (lower --rate or raise --tweets)\n"
        "  --no-hard-organic  leave out the hard organic cases (viral cascades, breaking news, a fan storm,\n"
        "                     scheduled news posts), which are otherwise mixed in and listed in the truth\n"
        "  --members N        accounts per campaign, N to 1.5N (default 12)\n"
        "  --bursts N         coordinated bursts per campaign over the stream (default 8)\n"
        "  --rate R           event-time tweets per second (default 200; not with --mix)\n"
        "  --start TIME       event time of the first tweet, ISO 8601 (default 2024-03-01T12:00:00Z; not\n"
        "                     with --mix)\n"
        "  --mix FILE.csv     a day of the IRA archive (columns author, content, language, publish_date,\n"
        "                     post_type, following, followers, updates; RFC 4180 quoting) mixed into an\n"
        "                     organic background spread over the file's first to last timestamp, with\n"
        "                     the hard organic cases. Rows become tweets: author_id 1000000000000 +\n"
        "                     hash(handle) % 10^11, username the handle (15 bytes), created_at the\n"
        "                     publish_date (minute resolution kept), post_type R a retweet of an id\n"
        "                     derived from the content (the same text, the same tweet) with the content\n"
        "                     as text, else an original post; urls and hashtags from the text; lang en,\n"
        "                     ru, de, uk or und; followers, following, statuses = updates, account age\n"
        "                     unknown\n"
        "  --format F         jsonl | csv | protobuf (files: length-delimited) | json | mixed (Kafka:\n"
        "                     protobuf and JSON alternating); default jsonl for files, protobuf for Kafka\n"
        "  --out FILE         write to FILE ('-' for standard output)\n"
        "  --brokers B        produce to Kafka at bootstrap servers B ...\n"
        "  --topic T          ... on topic T (default tweets)\n"
        "  --key K            Kafka message key: tweet (default) or author (each author's tweets on one\n"
        "                     partition, so each ingest daemon sees all tweets of its authors)\n"
        "  --pace N           Kafka: at most N messages per second of wall-clock time (default: unlimited)\n"
        "  --partition N      Kafka: every message to partition N (default: by the key's hash)\n"
        "  --timestamps T     Kafka: each message's timestamp is the time it was produced (produced, the\n"
        "                     default, as most producers do) or its tweet's created_at (event)\n"
        "  --bad N            mix in N malformed messages (bad JSON, invalid UTF-8, missing id, future time,\n"
        "                     empty and 100 KB text, binary garbage); not for CSV\n"
        "  --duplicates N     send N tweets twice\n"
        "  --truth FILE       write the ground truth as JSON: planted campaigns (kind, accounts, when the\n"
        "                     fifth account acted) and the accounts of each hard organic case; with --mix\n"
        "                     also \"day\", \"trolls\" (every account of the file) and \"coacting\": the\n"
        "                     trolls that co-acted with another troll on at least 2 distinct objects,\n"
        "                     where two accounts co-act when both act on one object within 5 minutes\n"
        "                     (|dt| <= 300 s) and the object of a retweet (R) is its content, of an\n"
        "                     original post its text lowercased, URLs and @mentions removed, white space\n"
        "                     folded, when that leaves at least 4 words\n"
        "\n"
        "Prints {\"messages\": N, \"tweets\": T, \"bad\": B, \"duplicates\": D} on standard output and a\n"
        "summary line on standard error.\n",
        f);
}

static int parse_args(int argc, char **argv, struct opts *o) {
  static const struct option longs[] = {
      {"seed", 1, 0, 'S'}, {"tweets", 1, 0, 'n'}, {"accounts", 1, 0, 'a'}, {"campaigns", 1, 0, 'c'},
      {"members", 1, 0, 'm'}, {"bursts", 1, 0, 'B'}, {"rate", 1, 0, 'r'}, {"start", 1, 0, 's'},
      {"format", 1, 0, 'f'}, {"out", 1, 0, 'o'}, {"brokers", 1, 0, 'b'}, {"topic", 1, 0, 't'},
      {"pace", 1, 0, 'p'}, {"key", 1, 0, 'K'}, {"bad", 1, 0, 'x'}, {"duplicates", 1, 0, 'd'}, {"truth", 1, 0, 'T'},
      {"no-hard-organic", 0, 0, 'O'}, {"kinds", 1, 0, 'k'}, {"mix", 1, 0, 'M'}, {"partition", 1, 0, 'P'}, {"timestamps", 1, 0, 'Z'},
      {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (c) {
      case 'S': o->seed = strtoull(optarg, NULL, 10); break;
      case 'n': o->tweets = atol(optarg); o->tweets_set = true; break;
      case 'a': o->accounts = atol(optarg); break;
      case 'c': o->campaigns = atoi(optarg); o->campaigns_set = true; break;
      case 'm': o->members = atoi(optarg); break;
      case 'B': o->bursts = atoi(optarg); break;
      case 'r': o->rate = atof(optarg); o->rate_set = true; break;
      case 's':
        if (!ls_parse_iso8601(optarg, &o->start_ms)) { fprintf(stderr, "lockstep-gen: --start: not an ISO 8601 time\n"); return 2; }
        o->start_set = true;
        break;
      case 'f': o->format = optarg; break;
      case 'o': o->out = optarg; break;
      case 'b': o->brokers = optarg; break;
      case 't': o->topic = optarg; break;
      case 'p': o->pace = atof(optarg); break;
      case 'K':
        if (strcmp(optarg, "tweet") && strcmp(optarg, "author")) { fprintf(stderr, "lockstep-gen: --key: tweet or author, not \"%s\"\n", optarg); return 2; }
        o->key_author = !strcmp(optarg, "author");
        break;
      case 'P':
        o->partition = atoi(optarg);
        if (o->partition < 0 || !isdigit((unsigned char)optarg[0])) { fprintf(stderr, "lockstep-gen: --partition: a partition number, not \"%s\"\n", optarg); return 2; }
        break;
      case 'Z':
        if (strcmp(optarg, "produced") && strcmp(optarg, "event")) { fprintf(stderr, "lockstep-gen: --timestamps: produced or event, not \"%s\"\n", optarg); return 2; }
        o->event_timestamps = !strcmp(optarg, "event");
        break;
      case 'x': o->bad = atol(optarg); break;
      case 'd': o->duplicates = atol(optarg); break;
      case 'T': o->truth = optarg; break;
      case 'O': o->hard_organic = false; break;
      case 'k': if (parse_kinds(optarg, o)) return 2; break;
      case 'M': o->mix = optarg; break;
      case 'h': usage(stdout); return -1;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) { fprintf(stderr, "lockstep-gen: unexpected argument \"%s\" (see --help)\n", argv[optind]); return 2; }
  return 0;
}

static int parse(int argc, char **argv, struct opts *o) {
  *o = (struct opts){.seed = 1, .tweets = 200000, .members = 12, .bursts = 8, .rate = 200, .topic = "tweets",
                     .hard_organic = true, .partition = -1, .n_kinds = K_DEFAULT_KINDS};
  for (int k = 0; k < K_DEFAULT_KINDS; k++) o->kinds[k] = (enum kind)k;
  ls_parse_iso8601("2024-03-01T12:00:00Z", &o->start_ms);
  int rc = parse_args(argc, argv, o);
  if (rc) return rc;
  if (!o->campaigns_set) o->campaigns = o->mix ? 0 : o->n_kinds;
  if (o->mix && !o->tweets_set) o->tweets = 1000000;
  if (!o->out == !o->brokers) { fprintf(stderr, "lockstep-gen: give exactly one of --out or --brokers (see --help)\n"); return 2; }
  if (o->out && (o->partition >= 0 || o->event_timestamps)) { fprintf(stderr, "lockstep-gen: --partition and --timestamps are for --brokers\n"); return 2; }
  if (o->mix && (o->rate_set || o->start_set)) {
    fprintf(stderr, "lockstep-gen: --rate and --start do not apply with --mix: the file's first to last timestamp is the span\n");
    return 2;
  }
  if (o->tweets < 100 || o->rate <= 0 || o->campaigns < 0 || o->campaigns > 1000 || o->members < 2 || o->bursts < 1) {
    fprintf(stderr, "lockstep-gen: need --tweets >= 100, --rate > 0, 0 <= --campaigns <= 1000, --members >= 2, --bursts >= 1\n");
    return 2;
  }
  if (!o->format) o->format = o->out ? "jsonl" : "protobuf";
  return 0;
}

/* Enough accounts for the rate: on average one tweet per 100 s each. */
static void default_accounts(struct opts *o) {
  if (o->accounts) return;
  o->accounts = o->tweets / 4;
  if (o->accounts < (long)(o->rate * 100)) o->accounts = (long)(o->rate * 100);
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
    if (w->fmt != 1 && !(w->ahead = calloc(1, sizeof *w->ahead))) { fprintf(stderr, "lockstep-gen: out of memory\n"); return 1; }
    return 0;
  }
  char errstr[512];
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  rd_kafka_conf_set_opaque(kc, w);
  rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
  if (rd_kafka_conf_set(kc, "bootstrap.servers", g->o.brokers, errstr, sizeof errstr) ||
      rd_kafka_conf_set(kc, "linger.ms", "20", errstr, sizeof errstr) ||
      rd_kafka_conf_set(kc, "queue.buffering.max.messages", "200000", errstr, sizeof errstr) ||
      !(w->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof errstr))) {
    fprintf(stderr, "lockstep-gen: %s\n", errstr);
    return 1;
  }
  w->topic = g->o.topic;
  w->partition = g->o.partition >= 0 ? g->o.partition : RD_KAFKA_PARTITION_UA;
  w->event_timestamps = g->o.event_timestamps;
  return 0;
}

static int close_writer(struct writer *w) {
  int rc = 0;
  if (w->rk) {
    if (rd_kafka_flush(w->rk, 60000)) { fprintf(stderr, "lockstep-gen: %d messages not delivered\n", rd_kafka_outq_len(w->rk)); rc = 1; }
    if (w->failed) {
      fprintf(stderr, "lockstep-gen: %ld of %ld messages refused by the brokers (first: %s)\n", w->failed, w->written, rd_kafka_err2str(w->first_failure));
      rc = 1;
    }
    rd_kafka_destroy(w->rk);
  } else if (w->f != stdout && fclose(w->f)) {
    rc = 1;
  } else if (w->f == stdout) {
    fflush(stdout);
  }
  for (int k = 0; w->ahead && k < BLOCK_THREADS; k++) free(w->ahead->buf[k]);
  free(w->ahead);
  ls_jw_free(&w->jw);
  return rc;
}

/* --mix: the file sets the span and so the organic rate. */
static int64_t mix_span(struct gen *g, const struct gen_mix *mix) {
  int64_t span = mix->last_ms - mix->first_ms;
  if (span < 60000) span = 60000;
  g->o.start_ms = mix->first_ms;
  g->o.rate = g->o.tweets / (span / 1000.0);
  return span;
}

static void background(struct gen *g, long organic, int64_t duration) {
  struct organic st;
  memset(&st, 0, sizeof st);
  for (int i = 0; i < HOT; i++) st.hot[i] = -1;
  for (long i = 0; i < organic; i++) {
    organic_tweet(g, &st, g->o.start_ms + (int64_t)((double)i / organic * duration));
    for (int k = 0; k < HOT; k++) if (st.hot[k] < 0) st.hot[k] = g->n - 1;
  }
}

struct counts {
  long planted, hard, organic; /* tweets of the campaigns, of the hard organic cases, of the background */
};

/* Planted campaigns, hard organic cases, the archive's rows, and the background that fills up
 * --tweets. -1 (with a message) when out of memory or when nothing is left for the background. */
static int generate(struct gen *g, struct campaign *camps, struct group *groups, const struct gen_mix *mix, int64_t duration,
                    struct counts *n) {
  if (plant(g, camps, duration)) { fprintf(stderr, "lockstep-gen: out of memory\n"); return -1; }
  n->planted = g->n;
  if (g->o.hard_organic) hard_organic(g, duration, groups);
  n->hard = g->n - n->planted;
  if (g->n > g->o.tweets) {
    fprintf(stderr, "lockstep-gen: the %d planted campaigns (%ld tweets) and the hard organic cases (%ld tweets) "
            "need %ld tweets, more than --tweets %ld: raise --tweets or lower --campaigns/--members/--bursts "
            "(or --no-hard-organic)\n", g->o.campaigns, n->planted, n->hard, g->n, g->o.tweets);
    return -1;
  }
  n->organic = g->o.tweets - g->n;
  if (mix && mix_add(g, mix)) { fprintf(stderr, "lockstep-gen: out of memory\n"); return -1; }
  background(g, n->organic, duration);
  return 0;
}

static void summary(const struct gen *g, const struct counts *n, const struct gen_mix *mix, int64_t duration) {
  char from[200] = "";
  if (mix)
    snprintf(from, sizeof from, ", %ld archive rows of %s by %ld trolls, %ld of them co-acting%s", mix->n - mix->skipped,
             mix->day, mix->n_trolls, mix->n_coacting, mix->skipped ? "; original posts without text left out" : "");
  fprintf(stderr, "info gen: %ld tweets (%ld organic, %ld hard organic, %ld planted in %d campaigns%s) over %.0f s of event time\n",
          g->n, n->organic, n->hard, n->planted, g->o.campaigns, from, duration / 1000.0);
}

static void gen_free(struct gen *g, struct campaign *camps, struct group *groups) {
  for (int i = 0; camps && i < g->o.campaigns; i++) free(camps[i].members);
  for (int k = 0; k < O_CASES; k++) free(groups[k].acc);
  free(camps);
  free(g->tw);
  free(g->words);
  free(g->word_cdf);
  free(g->acc_cdf);
  free(g->acc_ids);
  pool_free(g);
}

int main(int argc, char **argv) {
  static struct gen g;
  static struct gen_mix mix;
  static struct group groups[O_CASES];
  int rc = parse(argc, argv, &g.o);
  if (rc) return rc < 0 ? 0 : rc;
  if (g.o.mix && (rc = mix_load(g.o.mix, &mix))) return rc;
  const struct gen_mix *m = g.o.mix ? &mix : NULL;
  int64_t duration = m ? mix_span(&g, m) : (int64_t)(g.o.tweets / g.o.rate * 1000);
  default_accounts(&g.o);
  g.rng = g.o.seed * 0x2545F4914F6CDD1DULL + 1;
  struct campaign *camps = calloc((size_t)g.o.campaigns + 1, sizeof *camps);
  if (!camps || setup(&g, m ? m->n : 0)) { fprintf(stderr, "lockstep-gen: out of memory\n"); return 1; }
  struct counts n;
  if (generate(&g, camps, groups, m, duration, &n)) {
    gen_free(&g, camps, groups);
    mix_free(&mix);
    return 2;
  }
  if (sort_by_time(&g)) { fprintf(stderr, "lockstep-gen: out of memory\n"); return 1; }
  link_strings(&g);
  fifth_times(&g, camps);
  static struct writer w;
  if ((rc = open_writer(&g, &w))) return rc;
  rc = write_stream(&g, &w);
  rc |= close_writer(&w);
  if (!rc && g.o.truth) rc = write_truth(&g, camps, groups, m);
  summary(&g, &n, m, duration);
  gen_free(&g, camps, groups);
  mix_free(&mix);
  return rc ? 1 : 0;
}
