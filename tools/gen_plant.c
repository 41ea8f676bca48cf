/* gen_plant.c — lockstep-gen's planted campaigns: a group of accounts (ids from 900000000000)
 * acting together in bursts spread over the stream, each campaign of one kind (--kinds, in turn):
 *   copy-paste     the same text by every member within seconds, a new text each burst
 *   rt-ring        members retweet the leader's post within seconds of each other
 *   link-farm      different texts, the same link (with varying tracking parameters)
 *   paraphrase     one template with synonym and word-order changes per member
 *   hashtag        different texts with the same ordered hashtag sequence
 *   jitter         copy-paste spread over four minutes
 *   slow-drip      copy-paste spread over twelve minutes, half the members per burst
 *   mixed          retweets of the leader, copies with its link, the link with own words
 *   minute-ring    retweets of the leader's post, one member after another 1-5 minutes apart, with
 *                  minute-resolution timestamps (seconds 00) as in public archives
 *   minute-copy    copy-paste the same way: copies 1-5 minutes apart, minute resolution
 *   rotation       a pool whose members act three at a time, in turns (every member once per
 *                  round, the pool reshuffled each round), so two members share few actions
 *                  while the pool shares many
 *   homoglyph      copy-paste, a random 30% of the letters that have look-alikes replaced by
 *                  Cyrillic/Greek ones, different per copy (see gen_disguise.c)
 *   invisible      copy-paste with zero-width and other invisible characters, different per copy
 *   fonts          copy-paste in Unicode "font" letters (fullwidth, bold, italic, script), a style
 *                  per copy
 *   noisy          copy-paste with case changes, punctuation, emoji and quotes per copy
 *   link-variants  link-farm whose link has a different disguise per member (scheme, host prefix
 *                  and case, port, percent-encoding, fragment, tracking parameters, order, slash)
 *   multilingual   copy-paste whose message is Russian, German or English by burst, copies
 *                  identical up to invisible characters
 * The first eight are the default; they draw from the random stream exactly as they always did,
 * so a seed gives the same stream as before the others existed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lockstep/hash.h"

const char *const KIND_NAMES[K_KINDS] = {"copy-paste",  "rt-ring",     "link-farm", "paraphrase", "hashtag",
                                         "jitter",      "slow-drip",   "mixed",     "minute-ring", "minute-copy",
                                         "rotation",    "homoglyph",   "invisible", "fonts",       "noisy",
                                         "link-variants", "multilingual"};

int parse_kinds(const char *list, struct opts *o) {
  o->n_kinds = 0;
  if (!strcmp(list, "all")) {
    for (int k = 0; k < K_KINDS; k++) o->kinds[o->n_kinds++] = (enum kind)k;
    return 0;
  }
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    int k = 0;
    while (k < K_KINDS && (strlen(KIND_NAMES[k]) != n || strncmp(KIND_NAMES[k], p, n))) k++;
    if (k == K_KINDS || o->n_kinds == MAX_KIND_LIST) {
      fprintf(stderr, "lockstep-gen: --kinds: %s \"%.*s\"; the kinds are all, or some of:", k == K_KINDS ? "no kind" : "too many kinds at",
              (int)n, p);
      for (int i = 0; i < K_KINDS; i++) fprintf(stderr, "%s %s", i ? "," : "", KIND_NAMES[i]);
      fputc('\n', stderr);
      return 2;
    }
    o->kinds[o->n_kinds++] = (enum kind)k;
    p += n + (p[n] == ',');
  }
  if (!o->n_kinds) { fprintf(stderr, "lockstep-gen: --kinds: the list is empty\n"); return 2; }
  return 0;
}

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

/* The copy of a disguised copy-paste kind: the burst's message, disguised per copy. */
static int disguised_copy(struct gen *g, struct gtweet *x, enum kind k, int ci, int burst) {
  char base[320], out[1600];
  if (k == K_MULTILINGUAL) x->t.lang = multilingual_text(g->o.seed, ci, burst, base, sizeof base);
  else copy_text(g, ci, burst, base, sizeof base);
  switch (k) {
    case K_HOMOGLYPH: disguise_homoglyphs(g, base, out, sizeof out); break;
    case K_INVISIBLE: disguise_invisible(g, base, 0.12, out, sizeof out); break;
    case K_FONTS: disguise_fonts(g, base, out, sizeof out); break;
    case K_NOISY: disguise_noise(g, base, out, sizeof out); break;
    default: disguise_invisible(g, base, 0.03, out, sizeof out); break; /* multilingual */
  }
  return keep_external(g, x, out, NULL);
}

static int link_variant_action(struct gen *g, struct gtweet *x, int ci, int burst) {
  char url[512];
  random_words(g, x->text, sizeof x->text, 8 + (int)pick(g, 8));
  link_variant(g, ci, burst, url, sizeof url);
  return keep_external(g, x, x->text, url);
}

static void hashtag_action(struct gen *g, struct gtweet *x, int ci) {
  random_words(g, x->text, sizeof x->text, 6 + (int)pick(g, 10));
  snprintf(x->tags[0], sizeof x->tags[0], "Rally%d", ci);
  snprintf(x->tags[1], sizeof x->tags[1], "Vote%dNow", ci);
  x->t.hashtags[0] = x->tags[0];
  x->t.hashtags[1] = x->tags[1];
  x->t.n_hashtags = 2;
  append_hashtags(x);
}

static int campaign_action(struct gen *g, struct campaign *c, int ci, int m, int burst, int64_t t, long leader_tweet) {
  struct gtweet *x = member_tweet(g, c, ci, m, t);
  if (!x) return -1;
  switch (c->kind) {
    case K_COPY: /* a new message each burst, from one of a few styles */
    case K_JITTER:
    case K_DRIP:
    case K_MINUTE_COPY:
    case K_ROTATION:
      copy_text(g, ci, burst, x->text, sizeof x->text);
      break;
    case K_RTRING:
    case K_MINUTE_RING:
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
      hashtag_action(g, x, ci);
      break;
    case K_LINK_VARIANTS:
      return link_variant_action(g, x, ci, burst);
    case K_HOMOGLYPH:
    case K_INVISIBLE:
    case K_FONTS:
    case K_NOISY:
    case K_MULTILINGUAL:
      return disguised_copy(g, x, c->kind, ci, burst);
    default: break;
  }
  return 0;
}

/* How long one burst's actions spread (ms) and the share of members taking part. */
static void burst_shape(enum kind k, int64_t *spread_ms, double *participation) {
  *spread_ms = k == K_JITTER ? 240000 : k == K_DRIP ? 720000 : 25000;
  *participation = k == K_DRIP ? 0.5 : 0.9;
}

/* The leader (member 0) posts the message that rt-ring, minute-ring and mixed campaigns amplify. */
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

static int64_t burst_start(struct gen *g, int64_t duration_ms, int b, int bursts) {
  return g->o.start_ms + (int64_t)(duration_ms * (b + unif(g) * 0.6) / bursts);
}

/* Bursts in which the members act within the kind's spread of each other. */
static int plant_bursts(struct gen *g, struct campaign *c, int ci, int64_t duration_ms) {
  int64_t spread;
  double participation;
  burst_shape(c->kind, &spread, &participation);
  bool led = c->kind == K_RTRING || c->kind == K_MIXED;
  for (int b = 0; b < g->o.bursts; b++) {
    int64_t t0 = burst_start(g, duration_ms, b, g->o.bursts);
    long leader = led ? leader_post(g, c, ci, b, t0 - 2000) : -1;
    if (led && leader < 0) return -1;
    for (int m = led; m < c->n; m++)
      if (unif(g) < participation && campaign_action(g, c, ci, m, b, t0 + (int64_t)(unif(g) * spread), leader)) return -1;
  }
  return 0;
}

static void shuffle(struct gen *g, int *v, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)pick(g, i + 1), t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

static int64_t to_minute(int64_t ms) { return ms - ms % 60000; }

/* minute-ring and minute-copy: in each burst the members act one after another, in a shuffled
 * order, 1-5 whole minutes apart, at minute-resolution times. */
static int plant_chains(struct gen *g, struct campaign *c, int ci, int64_t duration_ms) {
  int *order = malloc((c->n > 0 ? (size_t)c->n : 1) * sizeof *order);
  if (!order) return -1;
  bool led = c->kind == K_MINUTE_RING;
  int rc = 0;
  for (int b = 0; b < g->o.bursts && !rc; b++) {
    int64_t t = to_minute(burst_start(g, duration_ms, b, g->o.bursts));
    long leader = led ? leader_post(g, c, ci, b, t) : -1;
    if (led && leader < 0) rc = -1;
    if (led) t += (1 + pick(g, 5)) * 60000;
    for (int m = 0; m < c->n; m++) order[m] = m;
    shuffle(g, order + led, c->n - led);
    for (int k = led; k < c->n && !rc; k++) {
      if (unif(g) >= 0.9) continue;
      rc = campaign_action(g, c, ci, order[k], b, t, leader);
      t += (1 + pick(g, 5)) * 60000;
    }
  }
  free(order);
  return rc;
}

/* rotation: --bursts rounds; in each, the reshuffled pool acts in groups of three, one group per
 * burst (left-over members sit the round out), each group posting the burst's message within
 * seconds. */
static int plant_rotation(struct gen *g, struct campaign *c, int ci, int64_t duration_ms) {
  int size = c->n < 3 ? c->n : 3, groups = c->n / size, total = g->o.bursts * groups;
  int *order = malloc((c->n > 0 ? (size_t)c->n : 1) * sizeof *order);
  if (!order) return -1;
  for (int m = 0; m < c->n; m++) order[m] = m;
  int rc = 0;
  for (int r = 0; r < g->o.bursts && !rc; r++) {
    shuffle(g, order, c->n);
    for (int k = 0; k < groups && !rc; k++) {
      int b = r * groups + k;
      int64_t t0 = burst_start(g, duration_ms, b, total);
      for (int i = 0; i < size && !rc; i++) rc = campaign_action(g, c, ci, order[size * k + i], b, t0 + (int64_t)(unif(g) * 25000), -1);
    }
  }
  free(order);
  return rc;
}

int plant(struct gen *g, struct campaign *camps, int64_t duration_ms) {
  for (int ci = 0; ci < g->o.campaigns; ci++) {
    struct campaign *c = &camps[ci];
    c->kind = g->o.kinds[ci % g->o.n_kinds];
    c->n = g->o.members + (int)pick(g, g->o.members / 2 + 1);
    c->members = malloc((size_t)c->n * sizeof *c->members);
    if (!c->members) return -1;
    for (int m = 0; m < c->n; m++) c->members[m] = 900000000000ULL + ls_mix64(g->o.seed ^ ((uint64_t)ci << 32 | (uint64_t)m)) % 99999999999ULL;
    int rc = c->kind == K_MINUTE_RING || c->kind == K_MINUTE_COPY ? plant_chains(g, c, ci, duration_ms)
             : c->kind == K_ROTATION                             ? plant_rotation(g, c, ci, duration_ms)
                                                                 : plant_bursts(g, c, ci, duration_ms);
    if (rc) return rc;
  }
  return 0;
}

/* When each campaign's FIFTH distinct member acted (tweets sorted by time). */
void fifth_times(struct gen *g, struct campaign *camps) {
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
