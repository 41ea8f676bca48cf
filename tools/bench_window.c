/* bench_window.c — `lockstep-bench window`: streams the original tweets of a JSON-lines file
 * (normalised as the daemon does for co-similar-text: lower case, no URLs, @mentions or
 * hashtags, at least 4 tokens) through the hashed embedder into the window index, batch by
 * batch, and every check_every-th batch (once the index is trained) compares the pairs it
 * found for the batch's first check_queries vectors with brute force over the whole window.
 * Prints one JSON object: recall of the pairs ≥ tau (and of those ≥ tau + 0.1), index and
 * brute-force queries per second, and the window's memory per row. With --shards, the
 * distributed index is simulated beside it (bench_shards.c) and its recall reported too.
 * Progress goes to stderr. */
#include "bench_window.h"

#include "bench_shards.h"

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
  uint64_t shard_hit, shard_hit_clear; /* --shards: the distributed index's */
  uint64_t want_clear, hit_clear; /* pairs with cosine ≥ tau + MARGIN */
  double index_s, exact_s, exact_queries;
  float tau;
};

/* The pairs of got (for queries below m) that brute force found too, into *hit and *hit_clear. */
static void score(const struct ls_pair *got, uint32_t n_got, uint32_t m, const struct ls_pair *want, uint32_t n_want, float tau,
                  uint64_t *hit, uint64_t *hit_clear) {
  for (uint32_t k = 0; k < n_got; k++)
    if (got[k].q < m && bsearch(&got[k], want, n_want, sizeof *want, by_pair)) {
      (*hit)++;
      *hit_clear += got[k].sim >= tau + MARGIN;
    }
}

/* The pairs found by one search: the index's, and the distributed index's (n = 0 without). */
struct found {
  struct ls_pair *index, *shards;
  uint32_t n_index, n_shards;
};

/* Brute force for the batch's first m vectors against the pairs found for them. */
static int check(struct ls_vecwin *w, const float *vec, uint32_t m, const struct found *got, struct ls_pair *want, uint32_t cap,
                 struct tally *t, struct ls_err *err) {
  uint32_t n_want;
  double t0 = ls_clock_s();
  int rc = ls_vecwin_exact(w, vec, m, want, cap, &n_want, err);
  t->exact_s += ls_clock_s() - t0;
  t->exact_queries += m;
  if (rc != LS_OK) return rc;
  if (n_want > cap) n_want = cap;
  qsort(want, n_want, sizeof *want, by_pair);
  score(got->index, got->n_index, m, want, n_want, t->tau, &t->hit, &t->hit_clear);
  score(got->shards, got->n_shards, m, want, n_want, t->tau, &t->shard_hit, &t->shard_hit_clear);
  for (uint32_t k = 0; k < n_want; k++) t->want_clear += want[k].sim >= t->tau + MARGIN;
  t->want += n_want;
  t->checks++;
  return LS_OK;
}

/* What one run holds. */
struct run {
  const struct bench_window_opts *o;
  struct ls_vecwin *w;
  struct shard_sim *sim; /* --shards, else NULL */
  struct ls_embedder *em;
  struct feed f;
  float *vec;
  struct found got;
  struct ls_pair *want;
  uint32_t cap;
  struct tally t;
};

/* One batch: embed, add and query (timed), the distributed index beside it, and now and then
 * the brute-force check. */
static int batch(struct run *r, uint64_t batch_no, struct ls_err *err) {
  struct feed *f = &r->f;
  struct tally *t = &r->t;
  int rc = ls_embedder_embed(r->em, f->texts, f->lens, f->n, r->vec, err);
  uint32_t first;
  double t0 = ls_clock_s();
  if (rc == LS_OK) rc = ls_vecwin_add(r->w, r->vec, f->n, &first, err);
  if (rc == LS_OK) rc = ls_vecwin_query(r->w, r->got.index, r->cap, &r->got.n_index, err);
  t->index_s += ls_clock_s() - t0;
  if (rc == LS_OK && r->sim) rc = shard_sim_batch(r->sim, r->vec, f->n, t->vectors, r->got.shards, r->cap, &r->got.n_shards, err);
  t->vectors += f->n;
  struct ls_vecwin_stats st;
  ls_vecwin_stats(r->w, &st);
  if (rc == LS_OK && st.trained && batch_no % r->o->check_every == 0 && r->got.n_index <= r->cap) {
    rc = check(r->w, r->vec, f->n < r->o->check_queries ? f->n : r->o->check_queries, &r->got, r->want, r->cap, t, err);
    fprintf(stderr, "info bench: window %u rows, %llu vectors, recall so far %.4f (distributed %.4f)\n", st.filled,
            (unsigned long long)t->vectors, t->want ? (double)t->hit / t->want : 1.0, t->want ? (double)t->shard_hit / t->want : 1.0);
  }
  f->n = 0;
  return rc;
}

static void report(const struct run *r, const char *backend) {
  const struct tally *t = &r->t;
  const struct bench_window_opts *o = r->o;
  struct ls_vecwin_stats st;
  ls_vecwin_stats(r->w, &st);
  double index_qps = t->index_s > 0 ? t->vectors / t->index_s : 0, exact_qps = t->exact_s > 0 ? t->exact_queries / t->exact_s : 0;
  printf("{\"benchmark\": \"window\", \"backend\": \"%s\", \"vectors\": %llu, \"window_rows\": %u, \"dim\": %u, \"tau\": %.3f, "
         "\"lists\": %u, \"probes\": %u, \"checks\": %llu, \"pairs_brute_force\": %llu, \"pairs_found\": %llu, \"recall\": %.4f, "
         "\"recall_tau_plus_0_1\": %.4f, "
         "\"index_queries_per_s\": %.0f, \"brute_force_queries_per_s\": %.1f, \"speedup\": %.1f, \"bytes_per_row\": %zu, "
         "\"displaced\": %llu",
         backend, (unsigned long long)t->vectors, st.filled, o->dim, o->tau, st.lists, st.probes,
         (unsigned long long)t->checks, (unsigned long long)t->want, (unsigned long long)t->hit,
         t->want ? (double)t->hit / t->want : 1.0, t->want_clear ? (double)t->hit_clear / t->want_clear : 1.0, index_qps, exact_qps, exact_qps > 0 ? index_qps / exact_qps : 0,
         st.bytes_per_row, (unsigned long long)st.displaced);
  if (r->sim) {
    printf(", \"distributed_recall\": %.4f, \"distributed_recall_tau_plus_0_1\": %.4f", t->want ? (double)t->shard_hit / t->want : 1.0,
           t->want_clear ? (double)t->shard_hit_clear / t->want_clear : 1.0);
    shard_sim_report(r->sim, stdout);
  }
  printf("}\n");
}

/* Lines of the file, decoded into r->f; a full batch is run through the window. */
static int stream(FILE *in, struct ls_decoder *dec, struct run *r, struct ls_err *err) {
  struct ls_decode_sink sink = {on_tweet, on_reject, &r->f};
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  uint64_t batches = 0;
  int rc = LS_OK;
  while (rc == LS_OK && (len = getline(&line, &line_cap, in)) > 0) {
    ls_decode(dec, LS_FMT_JSON, line, (size_t)len, &sink);
    if (r->f.n == r->f.cap) rc = batch(r, ++batches, err);
  }
  if (rc == LS_OK && r->f.n) rc = batch(r, ++batches, err);
  free(line);
  return rc;
}

int bench_window(const struct bench_window_opts *o) {
  struct ls_err err = {0};
  struct ls_backend *be = NULL;
  struct ls_decoder *dec = NULL;
  struct ls_decode_limits lim;
  ls_decode_limits_default(&lim);
  lim.max_future_ms = INT64_MAX / 4;
  FILE *in = fopen(o->input, "r");
  if (!in) { perror(o->input); return 2; }
  uint32_t cap = 1u << 22;
  struct run r = {.o = o, .cap = cap, .t = {.tau = o->tau}, .vec = malloc((size_t)o->batch * o->dim * sizeof *r.vec),
                  .f = {.text = malloc((size_t)o->batch * TEXT_CAP), .texts = malloc(o->batch * sizeof(char *)),
                        .lens = malloc(o->batch * sizeof(uint32_t)), .cap = o->batch},
                  .got = {.index = malloc(cap * sizeof(struct ls_pair)), .shards = malloc(cap * sizeof(struct ls_pair))},
                  .want = malloc(cap * sizeof(struct ls_pair))};
  struct ls_embedder_opts eo = {.model = "hash", .hash_dim = o->dim, .unit = true};
  struct ls_vecwin_conf vc = {.capacity = o->capacity, .dim = o->dim, .max_batch = o->batch, .tau = o->tau, .probes = o->probes};
  int rc = r.f.text && r.f.texts && r.f.lens && r.vec && r.got.index && r.got.shards && r.want ? LS_OK : ls_err_set(&err, LS_ENOMEM, "out of memory");
  if (rc == LS_OK) rc = ls_textcanon_create(&r.f.canon, TEXT_CAP, &err);
  if (rc == LS_OK) rc = ls_backend_open(&be, o->backend, NULL, &err);
  if (rc == LS_OK) rc = ls_embedder_open(&r.em, &eo, be, NULL, &err);
  if (rc == LS_OK) rc = ls_vecwin_create(&r.w, be, &vc, &err);
  if (rc == LS_OK && o->shards) rc = shard_sim_create(&r.sim, be, o->shards, o->partitions, o->spill, &vc, &err);
  if (rc == LS_OK) rc = ls_decoder_create(&dec, &lim, &err);
  if (rc == LS_OK) rc = stream(in, dec, &r, &err);
  if (rc == LS_OK) report(&r, be->i->name);
  else fprintf(stderr, "lockstep-bench window: %s\n", err.msg);
  fclose(in);
  ls_decoder_destroy(dec);
  shard_sim_destroy(r.sim);
  ls_vecwin_destroy(r.w);
  ls_embedder_close(r.em);
  ls_backend_close(be);
  ls_textcanon_destroy(r.f.canon);
  free(r.f.text); free(r.f.texts); free(r.f.lens); free(r.vec); free(r.got.index); free(r.got.shards); free(r.want);
  return rc == LS_OK ? 0 : 1;
}
