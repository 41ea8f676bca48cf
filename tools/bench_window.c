/* bench_window.c — `lockstep-bench window`: streams the original tweets of a JSON-lines file
 * (normalised as the daemon does for co-similar-text: lower case, no URLs, @mentions or
 * hashtags, at least 4 tokens) through the hashed embedder into the window index, batch by
 * batch, and every check_every-th batch (once the index is trained) compares the pairs it
 * found for the batch's first check_queries vectors with brute force over the whole window.
 * Prints one JSON object: recall of the pairs ≥ tau (and of those ≥ tau + 0.1), index and
 * brute-force queries per second, and the window's memory per row. Progress goes to stderr. */
#include "bench_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/clock.h"
#include "lockstep/decode.h"
#include "lockstep/embedder.h"
#include "lockstep/textnorm.h"
#include "lockstep/vecwin.h"

#define TEXT_CAP 1024
#define MIN_TOKENS 4

struct feed {
  char (*text)[TEXT_CAP];
  const char **texts;
  uint32_t *lens, n, cap;
  struct ls_textcanon *canon; /* the daemon's canonical text */
};

static int on_tweet(void *ud, const struct ls_tweet *t) {
  struct feed *f = ud;
  if (t->retweet_of || f->n == f->cap) return 0;
  uint32_t tokens;
  char *out = f->text[f->n];
  size_t n = ls_text_canon(f->canon, t->text, t->text_len, out, TEXT_CAP, &tokens);
  n = ls_text_drop_hashtags(out, n, &tokens);
  if (tokens < MIN_TOKENS) return 0;
  f->texts[f->n] = out;
  f->lens[f->n++] = (uint32_t)n;
  return 0;
}

static void on_reject(void *ud, const char *reason) { (void)ud; (void)reason; }

static int by_pair(const void *a, const void *b) {
  const struct ls_pair *x = a, *y = b;
  if (x->q != y->q) return x->q < y->q ? -1 : 1;
  return x->w < y->w ? -1 : x->w > y->w;
}

#define MARGIN 0.1f /* recall is also reported for the pairs at least this far above tau */

struct tally {
  uint64_t want, hit, vectors, checks;
  uint64_t want_clear, hit_clear; /* pairs with cosine ≥ tau + MARGIN */
  double index_s, exact_s, exact_queries;
  float tau;
};

/* Brute force for the batch's first m vectors against the index's pairs for them. */
static int check(struct ls_vecwin *w, const float *vec, uint32_t m, struct ls_pair *got, uint32_t n_got,
                 struct ls_pair *want, uint32_t cap, struct tally *t, struct ls_err *err) {
  uint32_t n_want;
  double t0 = ls_clock_s();
  int rc = ls_vecwin_exact(w, vec, m, want, cap, &n_want, err);
  t->exact_s += ls_clock_s() - t0;
  t->exact_queries += m;
  if (rc != LS_OK) return rc;
  if (n_want > cap) n_want = cap;
  qsort(want, n_want, sizeof *want, by_pair);
  for (uint32_t k = 0; k < n_got; k++)
    if (got[k].q < m && bsearch(&got[k], want, n_want, sizeof *want, by_pair)) {
      t->hit++;
      t->hit_clear += got[k].sim >= t->tau + MARGIN;
    }
  for (uint32_t k = 0; k < n_want; k++) t->want_clear += want[k].sim >= t->tau + MARGIN;
  t->want += n_want;
  t->checks++;
  return LS_OK;
}

/* One batch: embed, add and query (timed), and now and then the brute-force check. */
static int batch(struct ls_vecwin *w, struct ls_embedder *em, struct feed *f, float *vec, struct ls_pair *got,
                 struct ls_pair *want, uint32_t cap, const struct bench_window_opts *o, uint64_t batch_no, struct tally *t,
                 struct ls_err *err) {
  int rc = ls_embedder_embed(em, f->texts, f->lens, f->n, vec, err);
  uint32_t first, n_got = 0;
  double t0 = ls_clock_s();
  if (rc == LS_OK) rc = ls_vecwin_add(w, vec, f->n, &first, err);
  if (rc == LS_OK) rc = ls_vecwin_query(w, got, cap, &n_got, err);
  t->index_s += ls_clock_s() - t0;
  t->vectors += f->n;
  struct ls_vecwin_stats st;
  ls_vecwin_stats(w, &st);
  if (rc == LS_OK && st.trained && batch_no % o->check_every == 0 && n_got <= cap) {
    rc = check(w, vec, f->n < o->check_queries ? f->n : o->check_queries, got, n_got, want, cap, t, err);
    fprintf(stderr, "info bench: window %u rows, %llu vectors, recall so far %.4f\n", st.filled,
            (unsigned long long)t->vectors, t->want ? (double)t->hit / t->want : 1.0);
  }
  f->n = 0;
  return rc;
}

static void report(const struct ls_vecwin *w, const struct tally *t, const struct bench_window_opts *o, const char *backend) {
  struct ls_vecwin_stats st;
  ls_vecwin_stats(w, &st);
  double index_qps = t->index_s > 0 ? t->vectors / t->index_s : 0, exact_qps = t->exact_s > 0 ? t->exact_queries / t->exact_s : 0;
  printf("{\"benchmark\": \"window\", \"backend\": \"%s\", \"vectors\": %llu, \"window_rows\": %u, \"dim\": %u, \"tau\": %.3f, "
         "\"lists\": %u, \"probes\": %u, \"checks\": %llu, \"pairs_brute_force\": %llu, \"pairs_found\": %llu, \"recall\": %.4f, "
         "\"recall_tau_plus_0_1\": %.4f, "
         "\"index_queries_per_s\": %.0f, \"brute_force_queries_per_s\": %.1f, \"speedup\": %.1f, \"bytes_per_row\": %zu, "
         "\"displaced\": %llu}\n",
         backend, (unsigned long long)t->vectors, st.filled, o->dim, o->tau, st.lists, st.probes,
         (unsigned long long)t->checks, (unsigned long long)t->want, (unsigned long long)t->hit,
         t->want ? (double)t->hit / t->want : 1.0, t->want_clear ? (double)t->hit_clear / t->want_clear : 1.0, index_qps, exact_qps, exact_qps > 0 ? index_qps / exact_qps : 0,
         st.bytes_per_row, (unsigned long long)st.displaced);
}

/* Lines of the file, decoded into f; a full batch is run through the window. */
static int stream(FILE *in, struct ls_decoder *dec, struct ls_vecwin *w, struct ls_embedder *em, struct feed *f, float *vec,
                  struct ls_pair *got, struct ls_pair *want, uint32_t cap, const struct bench_window_opts *o, struct tally *t,
                  struct ls_err *err) {
  struct ls_decode_sink sink = {on_tweet, on_reject, f};
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  uint64_t batches = 0;
  int rc = LS_OK;
  while (rc == LS_OK && (len = getline(&line, &line_cap, in)) > 0) {
    ls_decode(dec, LS_FMT_JSON, line, (size_t)len, &sink);
    if (f->n == f->cap) rc = batch(w, em, f, vec, got, want, cap, o, ++batches, t, err);
  }
  if (rc == LS_OK && f->n) rc = batch(w, em, f, vec, got, want, cap, o, ++batches, t, err);
  free(line);
  return rc;
}

int bench_window(const struct bench_window_opts *o) {
  struct ls_err err = {0};
  struct ls_backend *be = NULL;
  struct ls_embedder *em = NULL;
  struct ls_vecwin *w = NULL;
  struct ls_decoder *dec = NULL;
  struct ls_decode_limits lim;
  ls_decode_limits_default(&lim);
  lim.max_future_ms = INT64_MAX / 4;
  FILE *in = fopen(o->input, "r");
  if (!in) { perror(o->input); return 2; }
  uint32_t cap = 1u << 22;
  struct feed f = {.text = malloc((size_t)o->batch * TEXT_CAP), .texts = malloc(o->batch * sizeof(char *)),
                   .lens = malloc(o->batch * sizeof(uint32_t)), .cap = o->batch};
  float *vec = malloc((size_t)o->batch * o->dim * sizeof *vec);
  struct ls_pair *got = malloc(cap * sizeof *got), *want = malloc(cap * sizeof *want);
  struct ls_embedder_opts eo = {.model = "hash", .hash_dim = o->dim, .unit = true};
  struct ls_vecwin_conf vc = {.capacity = o->capacity, .dim = o->dim, .max_batch = o->batch, .tau = o->tau, .probes = o->probes};
  int rc = f.text && f.texts && f.lens && vec && got && want ? LS_OK : ls_err_set(&err, LS_ENOMEM, "out of memory");
  if (rc == LS_OK) rc = ls_textcanon_create(&f.canon, TEXT_CAP, &err);
  if (rc == LS_OK) rc = ls_backend_open(&be, o->backend, NULL, &err);
  if (rc == LS_OK) rc = ls_embedder_open(&em, &eo, be, NULL, &err);
  if (rc == LS_OK) rc = ls_vecwin_create(&w, be, &vc, &err);
  if (rc == LS_OK) rc = ls_decoder_create(&dec, &lim, &err);
  struct tally t = {.tau = o->tau};
  if (rc == LS_OK) rc = stream(in, dec, w, em, &f, vec, got, want, cap, o, &t, &err);
  if (rc == LS_OK) report(w, &t, o, be->i->name);
  else fprintf(stderr, "lockstep-bench window: %s\n", err.msg);
  fclose(in);
  ls_decoder_destroy(dec);
  ls_vecwin_destroy(w);
  ls_embedder_close(em);
  ls_backend_close(be);
  ls_textcanon_destroy(f.canon);
  free(f.text); free(f.texts); free(f.lens); free(vec); free(got); free(want);
  return rc == LS_OK ? 0 : 1;
}
