/* vecwin.c — the co-similar-text window and its index (see vecwin.h), written once over the
 * backend's window-index ops.
 *
 * Per batch: the vectors are stored as FP16 rows, their sketches are the signs of 512 fixed random
 * projections (SimHash: two unit vectors at angle θ differ in each bit with probability θ/π), and
 * once the centroids exist each vector enters the lists of its SPILL nearest centroids, its entry
 * carrying the sketch's first 256 bits. A query probes its nearest lists; within them, rows whose
 * coarse sketch is too far from the query's are skipped as the list is scanned, then rows whose
 * whole sketch is (one cache line each), and the exact dot product against the FP16 row decides.
 * Each bound is the expected distance at cosine tau plus three standard deviations, so a pair at
 * tau survives each filter with probability 0.9987 (and one further above tau, more surely). The
 * second filter is what makes the dot products few: at 256 bits, pairs at cosine 0.4–0.6 (texts
 * on one topic) pass in their tens of percent and outnumber the pairs above tau a hundredfold.
 *
 * Query expansion, after the first probe: a query that found another row probes WIDEN more of its
 * own nearest lists (pairs just above tau crowd where texts crowd), then, for EXPAND_ROUNDS rounds,
 * the lists of the rows it has found (a text cluster that formed after the centroids were learnt
 * lies across many lists). Queries that found nothing cost nothing more.
 *
 * Centroids: spherical k-means (6 Lloyd rounds) on the first train_n vectors, centred on their
 * mean and renormalised: embeddings share a common direction (frequent words), which would
 * otherwise pull most rows into a few lists. A row's list is argmax_l (x − μ)·c_l, computed as
 * x·c_l + bias_l with bias_l = −μ·c_l. The ring holds the training vectors without having wrapped
 * (train_n ≤ capacity − max_batch), so slot s holds the s-th vector; then every filled row is
 * entered into its lists. Lists are rings of LIST_SLACK × SPILL × capacity / lists entries; a
 * list that fills overwrites its oldest entry, and a live row lost that way is counted
 * (displaced). Rows are numbered as written, so an entry is live while fewer than `live` rows
 * have followed it: `live` counts the newest rows, up to the ring's fill, less those the caller
 * retired (ls_vecwin_retire) as older than its time window. A list's entries are in row order,
 * so its live entries are its newest and a probe reads only them. */
#include "lockstep/vecwin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"

#define SKETCH_BITS (64 * LS_SKETCH_WORDS)
#define COARSE_BITS (64 * LS_COARSE_WORDS)
#define SKETCH_SIGMAS 3 /* each filter's margin: a pair at exactly tau passes with probability 0.9987 */
#define KMEANS_ROUNDS 6
#define TRAIN_PER_LIST 16
#define TRAIN_MAX 65536
#define LIST_SLACK 4  /* list room over an even share: k-means lists are uneven */
#define SPILL 3       /* lists each row enters: a pair split by a list boundary is still found */
#define WIDEN 16      /* further lists probed by a query that found a neighbour */
#define EXPAND_LISTS 16 /* lists probed per query in an expansion round (at least) */
#define EXPAND_ROUNDS 3 /* rounds that probe the lists of the rows found */

struct ls_vecwin {
  struct ls_backend *be;
  struct ls_vecwin_conf conf;
  struct ls_ivf ix;
  uint32_t train_n;
  struct ls_hamming_bound bound;
  bool trained;
  uint32_t batch; /* vectors of the last batch added (in x, bits, ranked) */
  uint64_t displaced;
  void *planes;    /* SKETCH_BITS × dim */
  void *centroids; /* lists × dim */
  void *bias;      /* lists: −μ·c_l */
  void *x, *proj, *bits, *sims; /* per-batch scratch */
  void *list_of;          /* batch × spill: training's assignments and re-indexing */
  void *ranked;           /* batch × ranks: each vector's nearest lists, best first (its first
                             spill are the lists its row enters) */
  void *plan_dev;         /* batch × plan_width: the lists a round probes */
  uint32_t ranks, plan_width, *ranked_host;
  uint32_t *slot_lists;   /* host, capacity × spill: the lists each slot's row entered */
  uint32_t *batch_lists;  /* host, batch × spill: list_of, downloaded */
  uint32_t *probed, *n_probed, *plan; /* host: per query, the lists planned so far; a round's plan */
  uint32_t probed_stride;
  size_t bytes;
};

static uint32_t pow2_at_least(uint64_t n) {
  uint32_t p = 1;
  while (p < n && p < (1u << 31)) p <<= 1;
  return p;
}

static void *balloc(struct ls_vecwin *w, size_t bytes, struct ls_err *err) {
  w->bytes += bytes;
  return w->be->i->alloc(w->be, bytes, err);
}

/* Gaussian hyperplanes from a fixed seed: the same sketches on every run and backend. */
static int make_planes(struct ls_vecwin *w, struct ls_err *err) {
  size_t n = (size_t)SKETCH_BITS * w->conf.dim;
  float *p = malloc(n * sizeof *p);
  if (!p) return ls_err_set(err, LS_ENOMEM, "vector window: out of memory");
  uint64_t s = 0x5eed5eedULL;
  for (size_t i = 0; i < n; i++) {
    double u1 = ((s = ls_mix64(s + i)) >> 11) * 0x1.0p-53 + 0x1.0p-54, u2 = ((s = ls_mix64(s)) >> 11) * 0x1.0p-53;
    p[i] = (float)(sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
  }
  int rc = w->be->i->upload(w->be, w->planes, 0, p, n * sizeof *p, err);
  free(p);
  return rc;
}

/* Expected distance between sketches of `bits` bits at cosine tau, plus SKETCH_SIGMAS standard
 * deviations. */
static uint32_t hamming_bound(float tau, uint32_t bits) {
  double p = acos(tau > 1 ? 1 : tau < -1 ? -1 : tau) / M_PI;
  double h = bits * p + SKETCH_SIGMAS * sqrt(bits * p * (1 - p));
  return h >= bits ? bits : (uint32_t)ceil(h);
}

static int check_conf(const struct ls_vecwin_conf *c, struct ls_err *err) {
  if (!c->capacity || !c->dim || !c->max_batch || !c->probes)
    return ls_err_set(err, LS_EINVAL, "vector window: capacity, dim, batch and probes must be positive");
  if (c->capacity < 2 * c->max_batch)
    return ls_err_set(err, LS_EINVAL, "vector window: capacity %u must be at least twice the batch %u", c->capacity,
                      c->max_batch);
  return LS_OK;
}

static void size_index(struct ls_vecwin *w) {
  struct ls_vecwin_conf *c = &w->conf;
  if (!c->lists) c->lists = pow2_at_least((uint64_t)(2 * sqrt((double)c->capacity)));
  if (c->lists < 16) c->lists = 16;
  if (c->lists > c->capacity / 16) c->lists = c->capacity / 16 < 1 ? 1 : c->capacity / 16;
  if (c->probes > c->lists) c->probes = c->lists;
  if (c->probes > 64) c->probes = 64;
  w->train_n = c->train ? c->train : TRAIN_PER_LIST * c->lists;
  if (!c->train && w->train_n > TRAIN_MAX) w->train_n = TRAIN_MAX;
  if (w->train_n < c->lists) w->train_n = c->lists;
  if (w->train_n > c->capacity - c->max_batch) w->train_n = c->capacity - c->max_batch;
  w->ix = (struct ls_ivf){.capacity = c->capacity, .dim = c->dim, .nlist = c->lists,
                          .list_cap = (uint32_t)((uint64_t)LIST_SLACK * SPILL * c->capacity / c->lists),
                          .spill = SPILL < c->lists ? SPILL : c->lists};
  w->bound = (struct ls_hamming_bound){hamming_bound(c->tau, COARSE_BITS), hamming_bound(c->tau, SKETCH_BITS)};
  w->ranks = c->probes + WIDEN < c->lists ? c->probes + WIDEN : c->lists;
  if (w->ranks > 64) w->ranks = 64;
  w->plan_width = c->probes > EXPAND_LISTS ? c->probes : EXPAND_LISTS;
}

static int alloc_all(struct ls_vecwin *w, struct ls_err *err) {
  const struct ls_vecwin_conf *c = &w->conf;
  size_t cap = c->capacity, b = c->max_batch, d = c->dim, nl = c->lists;
  struct ls_ivf *ix = &w->ix;
  if (!(ix->rows = balloc(w, cap * d * 2, err)) || !(ix->sketch = balloc(w, cap * LS_SKETCH_WORDS * 8, err)) ||
      !(ix->entries = balloc(w, nl * ix->list_cap * sizeof(struct ls_ivf_entry), err)) ||
      !(ix->heads = balloc(w, nl * 4, err)) || !(w->planes = balloc(w, SKETCH_BITS * d * 4, err)) ||
      !(w->centroids = balloc(w, nl * d * 4, err)) || !(w->bias = balloc(w, nl * 4, err)) || !(w->x = balloc(w, b * d * 4, err)) ||
      !(w->proj = balloc(w, b * SKETCH_BITS * 4, err)) || !(w->bits = balloc(w, b * LS_SKETCH_WORDS * 8, err)) ||
      !(w->sims = balloc(w, b * nl * 4, err)) || !(w->list_of = balloc(w, b * ix->spill * 4, err)) ||
      !(w->ranked = balloc(w, b * w->ranks * 4, err)) || !(w->plan_dev = balloc(w, b * w->plan_width * 4, err)))
    return LS_ENOMEM;
  w->ranked_host = malloc(b * w->ranks * sizeof *w->ranked_host);
  w->probed_stride = w->ranks + EXPAND_ROUNDS * w->plan_width;
  w->slot_lists = malloc(cap * ix->spill * sizeof *w->slot_lists);
  w->batch_lists = malloc(b * ix->spill * sizeof *w->batch_lists);
  w->probed = malloc(b * w->probed_stride * sizeof *w->probed);
  w->n_probed = malloc(b * sizeof *w->n_probed);
  w->plan = malloc(b * w->plan_width * sizeof *w->plan);
  w->bytes += cap * ix->spill * sizeof *w->slot_lists;
  if (!w->slot_lists || !w->batch_lists || !w->ranked_host || !w->probed || !w->n_probed || !w->plan)
    return ls_err_set(err, LS_ENOMEM, "vector window: out of memory");
  return LS_OK;
}

/* Zeroed list heads. */
static int clear_index(struct ls_vecwin *w, struct ls_err *err) {
  uint32_t *zero = calloc(w->conf.lists, sizeof *zero);
  if (!zero) return ls_err_set(err, LS_ENOMEM, "vector window: out of memory");
  int rc = w->be->i->upload(w->be, w->ix.heads, 0, zero, w->conf.lists * sizeof *zero, err);
  free(zero);
  return rc;
}

int ls_vecwin_create(struct ls_vecwin **out, struct ls_backend *be, const struct ls_vecwin_conf *conf,
                     struct ls_err *err) {
  int rc = check_conf(conf, err);
  if (rc != LS_OK) return rc;
  struct ls_vecwin *w = calloc(1, sizeof *w);
  if (!w) return ls_err_set(err, LS_ENOMEM, "vector window: out of memory");
  w->be = be;
  w->conf = *conf;
  size_index(w);
  rc = alloc_all(w, err);
  if (rc == LS_OK) rc = make_planes(w, err);
  if (rc == LS_OK) rc = clear_index(w, err);
  if (rc != LS_OK) {
    ls_vecwin_destroy(w);
    return rc;
  }
  *out = w;
  return LS_OK;
}

void ls_vecwin_destroy(struct ls_vecwin *w) {
  if (!w) return;
  void *bufs[] = {w->ix.rows, w->ix.sketch, w->ix.entries, w->ix.heads, w->planes, w->centroids, w->bias,
                  w->x, w->proj, w->bits, w->sims, w->list_of, w->ranked, w->plan_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    if (bufs[i]) w->be->i->free(w->be, bufs[i]);
  free(w->slot_lists);
  free(w->ranked_host);
  free(w->batch_lists);
  free(w->probed);
  free(w->n_probed);
  free(w->plan);
  free(w);
}

/* --- centroids ---------------------------------------------------------------------------------- */

/* w->sims[n × lists] = x · centroidsᵀ for n float32 rows at x (device). */
static int score_lists(struct ls_vecwin *w, const void *x, uint32_t n, struct ls_err *err) {
  return w->be->i->gemm_nt(w->be, n, w->conf.lists, w->conf.dim, 1.0f, x, w->centroids, 0.0f, w->sims, err);
}

/* The k nearest lists of each of n float32 rows at x (device), into out; bias: centred rows
 * (NULL while training on rows already centred). */
static int nearest_lists(struct ls_vecwin *w, const void *x, const void *bias, uint32_t n, uint32_t k, void *out,
                         struct ls_err *err) {
  int rc = score_lists(w, x, n, err);
  return rc == LS_OK ? w->be->i->top_k(w->be, w->sims, bias, n, w->conf.lists, k, out, err) : rc;
}

/* Keeps, for slots first.. (mod capacity), the n rows' lists: the first spill of each row of
 * `lists` (host, rows of `stride`). */
static void record_lists(struct ls_vecwin *w, uint32_t first, uint32_t n, const uint32_t *lists, uint32_t stride) {
  uint32_t sp = w->ix.spill;
  for (uint32_t i = 0; i < n; i++)
    memcpy(w->slot_lists + (size_t)((first + i) % w->conf.capacity) * sp, lists + (size_t)i * stride,
           sp * sizeof *w->slot_lists);
}

/* Each centroid becomes the normalised sum of its rows; an empty one takes a row in turn. */
static void update_centroids(float *cen, const float *rows, const uint32_t *assign, uint32_t n, uint32_t lists,
                             uint32_t d, uint32_t round) {
  memset(cen, 0, (size_t)lists * d * sizeof *cen);
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = 0; j < d; j++) cen[(size_t)assign[i] * d + j] += rows[(size_t)i * d + j];
  for (uint32_t l = 0; l < lists; l++) {
    float *c = cen + (size_t)l * d;
    double s = 0;
    for (uint32_t j = 0; j < d; j++) s += (double)c[j] * c[j];
    if (s == 0) {
      memcpy(c, rows + (size_t)((l * 7919u + round * 104729u) % n) * d, d * sizeof *c);
      continue;
    }
    for (uint32_t j = 0; j < d; j++) c[j] = (float)(c[j] / sqrt(s));
  }
}

/* Lloyd rounds over the train_n rows (host copy), assigning on the backend batch by batch. */
static int kmeans(struct ls_vecwin *w, void *scratch, float *rows, uint32_t *assign, float *cen, struct ls_err *err) {
  const struct ls_backend_i *b = w->be->i;
  uint32_t n = w->train_n, d = w->conf.dim, lists = w->conf.lists, bs = w->conf.max_batch;
  for (uint32_t l = 0; l < lists; l++) memcpy(cen + (size_t)l * d, rows + (size_t)(l * (n / lists)) * d, d * sizeof *cen);
  int rc = LS_OK;
  for (uint32_t round = 0; rc == LS_OK && round < KMEANS_ROUNDS; round++) {
    rc = b->upload(w->be, w->centroids, 0, cen, (size_t)lists * d * sizeof *cen, err);
    for (uint32_t i0 = 0; rc == LS_OK && i0 < n; i0 += bs) {
      uint32_t m = n - i0 < bs ? n - i0 : bs;
      rc = b->upload(w->be, scratch, 0, rows + (size_t)i0 * d, (size_t)m * d * sizeof *rows, err);
      if (rc == LS_OK) rc = nearest_lists(w, scratch, NULL, m, 1, w->list_of, err);
      if (rc == LS_OK) rc = b->download(w->be, assign + i0, w->list_of, 0, m * sizeof *assign, err);
    }
    if (rc == LS_OK) update_centroids(cen, rows, assign, n, lists, d, round);
  }
  return rc == LS_OK ? b->upload(w->be, w->centroids, 0, cen, (size_t)lists * d * sizeof *cen, err) : rc;
}

/* Enters rows [0, filled) into their lists (the ring has not wrapped: slot s holds vector s). */
static int index_filled(struct ls_vecwin *w, void *scratch, struct ls_err *err) {
  const struct ls_backend_i *b = w->be->i;
  uint32_t bs = w->conf.max_batch;
  int rc = LS_OK;
  for (uint32_t i0 = 0; rc == LS_OK && i0 < w->ix.filled; i0 += bs) {
    uint32_t m = w->ix.filled - i0 < bs ? w->ix.filled - i0 : bs;
    const void *bits = (const char *)w->ix.sketch + (size_t)i0 * LS_SKETCH_WORDS * 8;
    uint32_t lost = 0;
    rc = b->load_f16(w->be, &w->ix, i0, m, scratch, err);
    if (rc == LS_OK) rc = nearest_lists(w, scratch, w->bias, m, w->ix.spill, w->list_of, err);
    if (rc == LS_OK) rc = b->download(w->be, w->batch_lists, w->list_of, 0, (size_t)m * w->ix.spill * sizeof *w->batch_lists, err);
    if (rc == LS_OK) record_lists(w, i0, m, w->batch_lists, w->ix.spill);
    if (rc == LS_OK) rc = b->ivf_insert(w->be, &w->ix, bits, w->list_of, w->ix.spill, m, i0, i0, &lost, err);
    w->displaced += lost;
  }
  return rc;
}

/* Subtracts the rows' mean from each and renormalises; returns the mean (caller frees). */
static float *centre(float *rows, uint32_t n, uint32_t d) {
  float *mean = calloc(d, sizeof *mean);
  if (!mean) return NULL;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = 0; j < d; j++) mean[j] += rows[(size_t)i * d + j] / (float)n;
  for (uint32_t i = 0; i < n; i++) {
    float *r = rows + (size_t)i * d;
    double s = 0;
    for (uint32_t j = 0; j < d; j++) {
      r[j] -= mean[j];
      s += (double)r[j] * r[j];
    }
    for (uint32_t j = 0; s > 0 && j < d; j++) r[j] = (float)(r[j] / sqrt(s));
  }
  return mean;
}

/* bias_l = −μ·c_l, so that x·c_l + bias_l ranks lists as (x − μ)·c_l does. */
static int upload_bias(struct ls_vecwin *w, const float *cen, const float *mean, struct ls_err *err) {
  uint32_t lists = w->conf.lists, d = w->conf.dim;
  float *bias = malloc(lists * sizeof *bias);
  if (!bias) return ls_err_set(err, LS_ENOMEM, "vector window: out of memory for training");
  for (uint32_t l = 0; l < lists; l++) {
    double s = 0;
    for (uint32_t j = 0; j < d; j++) s += (double)mean[j] * cen[(size_t)l * d + j];
    bias[l] = (float)-s;
  }
  int rc = w->be->i->upload(w->be, w->bias, 0, bias, lists * sizeof *bias, err);
  free(bias);
  return rc;
}

/* One-time: its buffers (host copy of the training rows, a backend scratch batch) are freed after. */
static int train(struct ls_vecwin *w, struct ls_err *err) {
  uint32_t n = w->train_n, d = w->conf.dim;
  const struct ls_backend_i *b = w->be->i;
  float *rows = malloc((size_t)n * d * sizeof *rows), *cen = malloc((size_t)w->conf.lists * d * sizeof *cen);
  uint32_t *assign = malloc((size_t)n * sizeof *assign);
  void *scratch = b->alloc(w->be, (size_t)w->conf.max_batch * d * sizeof(float), err);
  int rc = rows && cen && assign ? LS_OK : ls_err_set(err, LS_ENOMEM, "vector window: out of memory for training");
  if (!scratch) rc = LS_ENOMEM;
  for (uint32_t i0 = 0; rc == LS_OK && i0 < n; i0 += w->conf.max_batch) {
    uint32_t m = n - i0 < w->conf.max_batch ? n - i0 : w->conf.max_batch;
    rc = b->load_f16(w->be, &w->ix, i0, m, scratch, err);
    if (rc == LS_OK) rc = b->download(w->be, rows + (size_t)i0 * d, scratch, 0, (size_t)m * d * sizeof *rows, err);
  }
  float *mean = rc == LS_OK ? centre(rows, n, d) : NULL;
  if (rc == LS_OK && !mean) rc = ls_err_set(err, LS_ENOMEM, "vector window: out of memory for training");
  if (rc == LS_OK) rc = kmeans(w, scratch, rows, assign, cen, err);
  if (rc == LS_OK) rc = upload_bias(w, cen, mean, err);
  free(mean);
  if (rc == LS_OK) rc = index_filled(w, scratch, err);
  w->trained = rc == LS_OK;
  if (scratch) b->free(w->be, scratch);
  free(rows);
  free(cen);
  free(assign);
  return rc;
}

int ls_vecwin_centroids(const struct ls_vecwin *w, float *centroids, float *bias, struct ls_err *err) {
  if (!w->trained) return ls_err_set(err, LS_EINVAL, "vector window: no centroids yet (%u of %u training vectors)", w->ix.filled, w->train_n);
  int rc = w->be->i->download(w->be, centroids, w->centroids, 0, (size_t)w->conf.lists * w->conf.dim * sizeof *centroids, err);
  return rc == LS_OK ? w->be->i->download(w->be, bias, w->bias, 0, w->conf.lists * sizeof *bias, err) : rc;
}

/* --- batches ------------------------------------------------------------------------------------- */

/* The batch's vectors into w->x, their sketches into w->bits. */
static int prepare(struct ls_vecwin *w, const float *host, uint32_t n, struct ls_err *err) {
  const struct ls_backend_i *b = w->be->i;
  if (n > w->conf.max_batch)
    return ls_err_set(err, LS_EINVAL, "vector window: %u vectors over the batch limit %u", n, w->conf.max_batch);
  int rc = b->upload(w->be, w->x, 0, host, (size_t)n * w->conf.dim * sizeof *host, err);
  if (rc == LS_OK) rc = b->gemm_nt(w->be, n, SKETCH_BITS, w->conf.dim, 1.0f, w->x, w->planes, 0.0f, w->proj, err);
  return rc == LS_OK ? b->sign_pack(w->be, w->proj, n, w->bits, err) : rc;
}

/* Each of the batch's vectors ranks its nearest lists into w->ranked. */
static int rank_lists(struct ls_vecwin *w, uint32_t n, struct ls_err *err) {
  int rc = score_lists(w, w->x, n, err);
  return rc == LS_OK ? w->be->i->top_k(w->be, w->sims, w->bias, n, w->conf.lists, w->ranks, w->ranked, err) : rc;
}

/* Stores the batch and enters it into the index. Once trained, one ranking of the lists
 * (w->ranked) serves both the rows' lists (its first spill) and the queries' probes; *ranked
 * says whether it is this batch's (training, which re-indexes everything, comes after). */
static int append(struct ls_vecwin *w, uint32_t n, bool *ranked, struct ls_err *err) {
  const struct ls_backend_i *b = w->be->i;
  uint32_t lost = 0;
  int rc = b->store_f16(w->be, &w->ix, w->x, n, w->ix.head, err);
  *ranked = w->trained;
  if (rc == LS_OK && *ranked) rc = rank_lists(w, n, err);
  if (rc == LS_OK)
    rc = b->ivf_insert(w->be, &w->ix, w->bits, *ranked ? w->ranked : NULL, w->ranks, n, w->ix.head, w->ix.seq_end, &lost, err);
  if (rc != LS_OK) return rc;
  w->displaced += lost;
  w->ix.head = (w->ix.head + n) % w->conf.capacity;
  w->ix.seq_end += n;
  w->ix.filled = w->ix.filled + n > w->conf.capacity ? w->conf.capacity : w->ix.filled + n;
  w->ix.live = w->ix.live + n > w->conf.capacity ? w->conf.capacity : w->ix.live + n;
  if (!w->trained && w->ix.filled >= w->train_n) return train(w, err);
  return LS_OK;
}

int ls_vecwin_add(struct ls_vecwin *w, const float *host, uint32_t n, uint32_t *first_slot, struct ls_err *err) {
  *first_slot = w->ix.head;
  w->batch = 0;
  if (n == 0) return LS_OK;
  bool ranked = false;
  int rc = prepare(w, host, n, err);
  if (rc == LS_OK) rc = append(w, n, &ranked, err);
  if (rc == LS_OK && w->trained && !ranked) rc = rank_lists(w, n, err);
  if (rc == LS_OK && w->trained)
    rc = w->be->i->download(w->be, w->ranked_host, w->ranked, 0, (size_t)n * w->ranks * sizeof *w->ranked_host, err);
  if (rc == LS_OK && w->trained) record_lists(w, *first_slot, n, w->ranked_host, w->ranks);
  if (rc == LS_OK) w->batch = n;
  return rc;
}

static int by_query_slot(const void *a, const void *b) {
  const struct ls_pair *x = a, *y = b;
  if (x->q != y->q) return x->q < y->q ? -1 : 1;
  return x->w < y->w ? -1 : x->w > y->w;
}

/* Sorted by (query, slot), each pair once (a spilled row may be found in two lists). */
static uint32_t sort_unique(struct ls_pair *p, uint32_t n) {
  qsort(p, n, sizeof *p, by_query_slot);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    if (k == 0 || by_query_slot(&p[k - 1], &p[i]) != 0) p[k++] = p[i];
  return k;
}

/* Adds list to query i's plan unless it was planned already; false once the plan is full. */
static bool plan_list(struct ls_vecwin *w, uint32_t i, uint32_t list, uint32_t *planned) {
  uint32_t *seen = w->probed + (size_t)i * w->probed_stride;
  for (uint32_t k = 0; k < w->n_probed[i]; k++)
    if (seen[k] == list) return true;
  if (*planned == w->plan_width) return false;
  seen[w->n_probed[i]++] = list;
  w->plan[(size_t)i * w->plan_width + (*planned)++] = list;
  return true;
}

/* Query i's nearest lists of ranks [from, to). */
static uint32_t plan_ranks(struct ls_vecwin *w, uint32_t i, uint32_t from, uint32_t to) {
  uint32_t planned = 0;
  for (uint32_t r = from; r < to; r++) plan_list(w, i, w->ranked_host[(size_t)i * w->ranks + r], &planned);
  return planned;
}

static void clear_plan(struct ls_vecwin *w) {
  for (size_t k = 0; k < (size_t)w->batch * w->plan_width; k++) w->plan[k] = LS_NO_LIST;
}

/* The first round: every query's `probes` nearest lists (ranked when the batch was added). */
static void plan_nearest(struct ls_vecwin *w) {
  clear_plan(w);
  for (uint32_t i = 0; i < w->batch; i++) {
    w->n_probed[i] = 0;
    plan_ranks(w, i, 0, w->conf.probes);
  }
}

/* Widening: each query that found another row gets its next nearest lists. A query with a
 * neighbour sits where texts crowd, and so do the pairs just above tau. */
static uint32_t plan_widen(struct ls_vecwin *w, const struct ls_pair *p, uint32_t n_pairs) {
  uint32_t total = 0;
  clear_plan(w);
  for (uint32_t a = 0, b; a < n_pairs; a = b) {
    for (b = a; b < n_pairs && p[b].q == p[a].q; b++) {}
    if (b - a > 1) total += plan_ranks(w, p[a].q, w->conf.probes, w->ranks);
  }
  return total;
}

/* Later rounds: for each query, the lists of the rows it has found that it has not probed yet. */
static uint32_t plan_neighbours(struct ls_vecwin *w, const struct ls_pair *p, uint32_t n_pairs) {
  uint32_t total = 0, sp = w->ix.spill;
  clear_plan(w);
  for (uint32_t a = 0, b; a < n_pairs; a = b) {
    uint32_t i = p[a].q, planned = 0;
    bool room = true;
    for (b = a; b < n_pairs && p[b].q == i; b++)
      for (uint32_t k = 0; room && k < sp; k++) room = plan_list(w, i, w->slot_lists[(size_t)p[b].w * sp + k], &planned);
    total += planned;
  }
  return total;
}

/* Probes the lists of w->plan, appending after the *found pairs, kept sorted and unique. */
static int probe_plan(struct ls_vecwin *w, struct ls_pair *out, uint32_t cap, uint32_t *found, struct ls_err *err) {
  uint32_t more = 0;
  int rc = w->be->i->upload(w->be, w->plan_dev, 0, w->plan, (size_t)w->batch * w->plan_width * sizeof *w->plan, err);
  if (rc == LS_OK)
    rc = w->be->i->ivf_probe(w->be, &w->ix, w->x, w->bits, w->batch, w->plan_dev, w->plan_width, w->conf.tau,
                             w->bound, out + *found, cap - *found, &more, err);
  *found += more;
  if (rc == LS_OK && *found <= cap) *found = sort_unique(out, *found);
  return rc;
}

/* The rounds of an indexed search: the nearest lists, then query expansion — a widened probe for
 * queries with neighbours, then the lists of the rows found (a text cluster that formed after the
 * centroids were learnt lies across many lists). *found > cap stops early. */
static int search(struct ls_vecwin *w, struct ls_pair *out, uint32_t cap, uint32_t *found, struct ls_err *err) {
  plan_nearest(w);
  int rc = probe_plan(w, out, cap, found, err);
  if (rc == LS_OK && *found <= cap && plan_widen(w, out, *found)) rc = probe_plan(w, out, cap, found, err);
  for (uint32_t r = 0; rc == LS_OK && r < EXPAND_ROUNDS && *found <= cap; r++)
    if (plan_neighbours(w, out, *found)) rc = probe_plan(w, out, cap, found, err);
    else break;
  return rc;
}

int ls_vecwin_query(struct ls_vecwin *w, struct ls_pair *out, uint32_t cap, uint32_t *n_found, struct ls_err *err) {
  *n_found = 0;
  if (w->batch == 0) return LS_OK;
  if (w->trained) return search(w, out, cap, n_found, err);
  int rc = w->be->i->ivf_probe(w->be, &w->ix, w->x, w->bits, w->batch, NULL, 0, w->conf.tau, w->bound, out, cap,
                               n_found, err);
  if (rc == LS_OK && *n_found <= cap) *n_found = sort_unique(out, *n_found);
  return rc;
}

int ls_vecwin_exact(struct ls_vecwin *w, const float *host, uint32_t n, struct ls_pair *out, uint32_t cap,
                    uint32_t *n_found, struct ls_err *err) {
  *n_found = 0;
  w->batch = 0; /* prepare() reuses the batch buffers */
  int rc = n ? prepare(w, host, n, err) : LS_OK;
  if (rc != LS_OK || n == 0) return rc;
  struct ls_hamming_bound none = {COARSE_BITS, SKETCH_BITS};
  return w->be->i->ivf_probe(w->be, &w->ix, w->x, w->bits, n, NULL, 0, w->conf.tau, none, out, cap, n_found, err);
}

uint32_t ls_vecwin_retire(struct ls_vecwin *w, bool (*expired)(void *ud, uint32_t slot), void *ud) {
  uint32_t gone = 0;
  while (w->ix.live > 0 && expired(ud, ls_ivf_newest(&w->ix, w->ix.live - 1))) {
    w->ix.live--;
    gone++;
  }
  return gone;
}

void ls_vecwin_stats(const struct ls_vecwin *w, struct ls_vecwin_stats *st) {
  *st = (struct ls_vecwin_stats){.capacity = w->conf.capacity, .filled = w->ix.filled, .live = w->ix.live, .lists = w->conf.lists,
                                 .probes = w->conf.probes, .list_cap = w->ix.list_cap, .hamming = w->bound,
                                 .trained = w->trained, .displaced = w->displaced, .bytes = w->bytes};
  st->bytes_per_row = (size_t)w->conf.dim * 2 + LS_SKETCH_WORDS * 8 + w->ix.spill * 4 +
                      (size_t)w->conf.lists * w->ix.list_cap * sizeof(struct ls_ivf_entry) / w->conf.capacity;
}
