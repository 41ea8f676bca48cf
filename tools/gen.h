/* gen.h — what the files of lockstep-gen share (private to tools/): the options, the generator's
 * state (one random stream, the vocabulary, the organic accounts, the table of generated tweets
 * and a pool for strings longer than a tweet's own buffers), and each file's entry points:
 *   gen.c           options, organic background, hard organic cases, output, main
 *   gen_plant.c     planted campaigns of every kind, and when each one's fifth account acted
 *   gen_disguise.c  per-copy disguises of a message or a link, and the multilingual messages
 *   gen_mix.c       --mix: a day of the IRA archive (an RFC 4180 reader) as tweets of the stream
 *   gen_coact.c     which troll accounts of that day co-acted (the mix's ground truth)
 * Everything is single-threaded and seeded: the same options give the same bytes. */
#ifndef LOCKSTEP_TOOLS_GEN_H
#define LOCKSTEP_TOOLS_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/json.h"
#include "lockstep/tweet.h"

enum kind {
  K_COPY, K_RTRING, K_LINK, K_PARA, K_HASHTAG, K_JITTER, K_DRIP, K_MIXED, /* the default eight */
  K_MINUTE_RING, K_MINUTE_COPY, K_ROTATION, K_HOMOGLYPH, K_INVISIBLE, K_FONTS, K_NOISY,
  K_LINK_VARIANTS, K_MULTILINGUAL, K_KINDS
};
#define K_DEFAULT_KINDS 8
#define MAX_KIND_LIST 64
extern const char *const KIND_NAMES[K_KINDS];

struct opts {
  uint64_t seed;
  long tweets, accounts;
  int campaigns, members, bursts;
  double rate;   /* event-time tweets per second */
  double pace;   /* wall-clock messages per second when producing to Kafka (0: as fast as possible) */
  int64_t start_ms;
  const char *format, *out, *truth, *brokers, *topic, *mix;
  long bad, duplicates;
  bool hard_organic;
  bool key_author; /* Kafka message key: the author (each author's tweets on one partition), not the tweet */
  int32_t partition;     /* Kafka: every message to this partition (-1: by key) */
  bool event_timestamps; /* Kafka: a message's timestamp is its tweet's created_at, not the time it was produced */
  enum kind kinds[MAX_KIND_LIST]; /* campaigns take their kinds from this list in turn */
  int n_kinds;
  bool tweets_set, campaigns_set, rate_set, start_set;
};

struct gtweet {
  struct ls_tweet t;
  int16_t campaign, member; /* planted campaign and member index, or -1 */
  bool external;            /* t's text, urls and hashtags live in the pool, not in the buffers below */
  char text[320];
  char url[160];
  char tags[2][32];
  char user[24];
};

struct pool_chunk;

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
  struct pool_chunk *pool;
};

struct campaign {
  enum kind kind;
  uint64_t *members;
  int n;
  long tweets;
  int64_t fifth_ms; /* when the FIFTH distinct member acted; 0 if never */
};
#define FIFTH 5 /* the truth records when a campaign's fifth account acted (detect.min_accounts) */

/* --- random numbers (splitmix64) --------------------------------------------------------------- */
static inline uint64_t rnd(struct gen *g) {
  uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline double unif(struct gen *g) { return (rnd(g) >> 11) * (1.0 / 9007199254740992.0); }
static inline long pick(struct gen *g, long n) { return (long)(unif(g) * n); }

/* --- gen.c: tweets and their parts -------------------------------------------------------------- */
/* A new tweet of author at time t (ms) with a snowflake id, organic metadata and username; NULL
 * when out of memory. Pointers into the table are valid until the next call. */
struct gtweet *new_tweet(struct gen *g, uint64_t author, int64_t t);
void author_meta(struct ls_tweet *t, bool bot);
void random_words(struct gen *g, char *out, size_t cap, int n);
void append_hashtags(struct gtweet *x);
void retweet(struct gtweet *x, const struct gtweet *of);
void link_url(struct gtweet *x); /* the tweet's url buffer as its one link */
/* A copy of s[0..n) with a NUL after it, kept until the end of the run; NULL when out of memory. */
const char *pool_keep(struct gen *g, const char *s, size_t n);
/* Gives x the text (and url, if not NULL) from the pool, for strings longer than its buffers. */
int keep_external(struct gen *g, struct gtweet *x, const char *text, const char *url);

/* --- gen_plant.c -------------------------------------------------------------------------------- */
/* Parses --kinds: comma-separated names or "all". 0, or 2 with a message on stderr. */
int parse_kinds(const char *list, struct opts *o);
/* Plants o.campaigns campaigns over [start_ms, start_ms + duration_ms). -1 when out of memory. */
int plant(struct gen *g, struct campaign *camps, int64_t duration_ms);
void fifth_times(struct gen *g, struct campaign *camps); /* g's tweets sorted by time */

/* --- gen_disguise.c: each writes a NUL-terminated UTF-8 string of at most cap bytes ------------- */
void disguise_homoglyphs(struct gen *g, const char *in, char *out, size_t cap);
void disguise_invisible(struct gen *g, const char *in, double per_gap, char *out, size_t cap);
void disguise_fonts(struct gen *g, const char *in, char *out, size_t cap);
void disguise_noise(struct gen *g, const char *in, char *out, size_t cap);
void link_variant(struct gen *g, int campaign, int burst, char *out, size_t cap);
/* The message of a multilingual campaign's burst; returns its language code. */
const char *multilingual_text(uint64_t seed, int campaign, int burst, char *out, size_t cap);

/* --- gen_mix.c ---------------------------------------------------------------------------------- */
struct mix_row {
  const char *author, *content, *lang;
  uint64_t author_id, followers, following, updates;
  int64_t ms;
  bool retweet;
};
struct gen_mix {
  const char *path;
  char *buf; /* the file, unquoted in place: rows point into it */
  struct mix_row *rows;
  long n, skipped; /* rows, and those left out of the stream (original posts without text) */
  int64_t first_ms, last_ms;
  char day[16];
  uint64_t *trolls, *coacting; /* sorted account ids */
  long n_trolls, n_coacting;
};
/* Reads the archive day at path and works out its truth. 0, or 2 with a message on stderr. */
int mix_load(const char *path, struct gen_mix *m);
/* Adds the rows to g as tweets. -1 when out of memory. */
int mix_add(struct gen *g, const struct gen_mix *m);
/* The truth's "day", "source", "troll_tweets", "trolls" and "coacting" keys. */
void mix_truth(struct ls_jw *w, const struct gen_mix *m);
void mix_free(struct gen_mix *m);

/* --- gen_coact.c -------------------------------------------------------------------------------- */
#define COACT_WINDOW_MS 300000 /* two actions on one object at most 5 minutes apart */
#define COACT_MIN_OBJECTS 2    /* ... on at least this many distinct objects */
#define COACT_MIN_WORDS 4      /* an original post's normalised text needs this many words */
struct coact_action {
  uint64_t object, account;
  int64_t ms;
};
/* The object an IRA row acts on (see gen_coact.c), or 0 when it has none. */
uint64_t coact_object(bool retweet, const char *content);
/* The co-acting accounts among n actions (reordered), sorted, in *out (malloc'd, the caller
 * frees); returns their number, or -1 when out of memory. */
long coacting_accounts(struct coact_action *a, long n, uint64_t **out);

#endif
