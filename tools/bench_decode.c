/* bench_decode.c — `lockstep-bench decode`: one message of about `bytes` (default just under
 * input.max_message_bytes, 1 MiB) in each shape whose arrays or strings the decoders walk — a
 * page of tweets with their users, one tweet with a huge includes.users, referenced_tweets,
 * entities.urls / hashtags / mentions, a 1 MB text, deep nesting — each decoded `reps` times
 * (median) with the daemon's default limits, beside the JSON tokeniser alone over the same bytes
 * (the least any JSON decoder must do). Prints one JSON object: per shape the milliseconds, the
 * tweets emitted and the parts rejected, and the ratio to the tokeniser. */
#include "bench_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/clock.h"
#include "lockstep/decode.h"
#include "lockstep/json.h"

#define TWEET "{\"id\":\"%zu\",\"author_id\":\"%zu\",\"created_at\":\"2024-01-01T00:00:00.000Z\",\"text\":\"a tweet\""

struct msg {
  char *p;
  size_t n, cap;
};

static void put(struct msg *m, const char *fmt, size_t a, size_t b) {
  int k = snprintf(m->p + m->n, m->cap - m->n, fmt, a, b);
  if (k > 0 && m->n + (size_t)k < m->cap) m->n += (size_t)k;
}

/* head, then items (item i formatted with i, i) while there is room for tail, then tail. */
static void fill(struct msg *m, const char *head, const char *item, const char *tail) {
  m->n = 0;
  put(m, head, 1, 1);
  size_t room = m->cap - strlen(tail) - 1;
  for (size_t i = 1;; i++) {
    char one[256];
    int k = snprintf(one, sizeof one, item, i, i);
    if (m->n + (size_t)k + 1 >= room) break;
    if (i > 1) m->p[m->n++] = ',';
    memcpy(m->p + m->n, one, (size_t)k);
    m->n += (size_t)k;
  }
  put(m, tail, 0, 0);
}

static void shape(struct msg *m, int s) {
  static const char user[] = "{\"id\":\"%zu\",\"username\":\"user%zu\",\"created_at\":\"2020-01-01T00:00:00.000Z\"}";
  switch (s) {
    case 0: fill(m, "{\"data\":[", TWEET "}", "]}"); break;
    case 1: fill(m, "{\"data\":[" TWEET "}],\"includes\":{\"users\":[", user, "]}}"); break;
    case 2: fill(m, TWEET ",\"referenced_tweets\":[", "{\"type\":\"retweeted\",\"id\":\"%zu\"}", "]}"); break;
    case 3: fill(m, TWEET ",\"entities\":{\"urls\":[", "{\"expanded_url\":\"https://example.com/%zu?u=%zu\"}", "]}}"); break;
    case 4: fill(m, TWEET ",\"entities\":{\"hashtags\":[", "{\"tag\":\"tag%zu\"}", "]}}"); break;
    case 5: fill(m, TWEET ",\"entities\":{\"mentions\":[", "{\"username\":\"u%zu\",\"id\":\"%zu\"}", "]}}"); break;
    case 6:
      fill(m, "{\"id\":\"1\",\"author_id\":\"1\",\"created_at\":\"2024-01-01T00:00:00.000Z\",\"text\":\"", "word ", "\"}");
      break;
    default: /* [[[...]]] as deep as it fits */
      m->n = 0;
      while (m->n < m->cap / 2) m->p[m->n++] = '[';
      for (size_t open = m->n; open; open--) m->p[m->n++] = ']';
  }
}

static const char *const NAMES[] = {"page of tweets", "includes.users", "referenced_tweets", "entities.urls",
                                    "entities.hashtags", "entities.mentions", "1 MB text", "nested arrays"};
enum { SHAPES = sizeof NAMES / sizeof *NAMES };

struct counts {
  int tweets, rejected;
  char reason[160];
};
static int on_emit(void *ud, const struct ls_tweet *t) {
  (void)t;
  ((struct counts *)ud)->tweets++;
  return 0;
}
static void on_reject(void *ud, const char *reason) {
  struct counts *c = ud;
  if (!c->rejected++) snprintf(c->reason, sizeof c->reason, "%s", reason);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return v[n / 2];
}

/* Median milliseconds of reps decodes (counts from the last) and of reps tokeniser passes. */
static void time_shape(struct ls_decoder *d, struct ls_json_doc *doc, const struct msg *m, int reps, double *dec_ms,
                       double *tok_ms, struct counts *c) {
  double *t = malloc(2 * (size_t)reps * sizeof *t);
  struct ls_err e;
  for (int r = 0; r < reps; r++) {
    *c = (struct counts){0};
    struct ls_decode_sink sink = {.emit = on_emit, .reject = on_reject, .ud = c};
    double t0 = ls_clock_s();
    ls_decode(d, LS_FMT_AUTO, m->p, m->n, &sink);
    double t1 = ls_clock_s();
    ls_json_parse(doc, m->p, m->n, &e);
    t[r] = (t1 - t0) * 1e3;
    t[reps + r] = (ls_clock_s() - t1) * 1e3;
  }
  *dec_ms = median(t, reps);
  *tok_ms = median(t + reps, reps);
  free(t);
}

int bench_decode(size_t bytes, int reps) {
  struct ls_decode_limits lim;
  ls_decode_limits_default(&lim);
  if (bytes > lim.max_message_bytes) lim.max_message_bytes = bytes;
  struct ls_decoder *d;
  struct ls_err e;
  struct msg m = {.p = malloc(bytes + 1), .cap = bytes};
  struct ls_json_doc doc = {.cap = (uint32_t)(bytes / 2 + 64)};
  doc.toks = malloc(doc.cap * sizeof *doc.toks);
  if (!m.p || !doc.toks || ls_decoder_create(&d, &lim, &e) != LS_OK) {
    fprintf(stderr, "lockstep-bench: cannot set up the decoder for %zu-byte messages\n", bytes);
    free(m.p);
    free(doc.toks);
    return 1;
  }
  double worst = 0;
  printf("{\"bytes\": %zu, \"reps\": %d, \"shapes\": [", bytes, reps);
  for (int s = 0; s < SHAPES; s++) {
    shape(&m, s);
    double dec, tok;
    struct counts c;
    time_shape(d, &doc, &m, reps, &dec, &tok, &c);
    if (dec > worst) worst = dec;
    printf("%s\n  {\"shape\": \"%s\", \"message_bytes\": %zu, \"decode_ms\": %.2f, \"tokenise_ms\": %.2f, \"ratio\": %.2f, "
           "\"tweets\": %d, \"rejected\": %d, \"reason\": \"%.100s\"}",
           s ? "," : "", NAMES[s], m.n, dec, tok, tok > 0 ? dec / tok : 0, c.tweets, c.rejected, c.reason);
  }
  printf("\n], \"max_decode_ms\": %.2f}\n", worst);
  ls_decoder_destroy(d);
  free(m.p);
  free(doc.toks);
  return 0;
}
