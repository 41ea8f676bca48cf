/* text_windows.c — the pair stage's co-similar-text windows (see text_windows.h). A batch whose
 * queries all go to one window is searched as it is; otherwise it is cut into one run per window,
 * in the order each window first appears in it, each run gathered into scratch rows, searched,
 * and its sets appended to the batch's with their queries' indexes mapped back. */
#include "lockstep/text_windows.h"

#include <stdlib.h>
#include <string.h>

#include "lockstep/source.h"

#define ONE LS_MAX_PARTITIONS /* windows[ONE]: the one window */

struct ls_text_windows {
  const struct ls_config *cfg;
  struct ls_backend *be;
  const struct ls_chance *chance;
  const struct ls_log *log;
  struct ls_export *export;
  uint32_t dim, max_batch;
  float tau;
  struct ls_similar *windows[LS_MAX_PARTITIONS + 1];
  uint32_t *run_of;    /* per query: its window */
  uint32_t *members;   /* a run's query indexes */
  struct ls_similar_query *q;
  float *vectors;
  struct ls_pairset *sets;
  uint32_t *query;
};

static int window(struct ls_text_windows *tw, uint32_t w, struct ls_err *err) {
  if (tw->windows[w]) return LS_OK;
  int rc = ls_similar_create(&tw->windows[w], tw->cfg, tw->be, tw->dim, tw->tau, w == ONE ? -1 : (int32_t)w, tw->chance, tw->log, err);
  if (rc == LS_OK && tw->export) ls_similar_set_export(tw->windows[w], tw->export);
  return rc;
}

int ls_text_windows_create(struct ls_text_windows **out, const struct ls_config *cfg, struct ls_backend *be, uint32_t dim, float tau,
                           bool one_now, const struct ls_chance *chance, const struct ls_log *log, struct ls_err *err) {
  struct ls_text_windows *tw = calloc(1, sizeof *tw);
  if (!tw) return ls_err_set(err, LS_ENOMEM, "co-similar-text: out of memory");
  uint32_t nb = (uint32_t)cfg->batch.max_tweets;
  *tw = (struct ls_text_windows){.cfg = cfg, .be = be, .chance = chance, .log = log, .dim = dim, .max_batch = nb,
                                 .tau = tau};
  tw->run_of = malloc(nb * sizeof *tw->run_of);
  tw->members = malloc(nb * sizeof *tw->members);
  tw->q = malloc(nb * sizeof *tw->q);
  tw->vectors = malloc((size_t)nb * dim * sizeof *tw->vectors);
  tw->sets = malloc(nb * sizeof *tw->sets);
  tw->query = malloc(nb * sizeof *tw->query);
  int rc = tw->run_of && tw->members && tw->q && tw->vectors && tw->sets && tw->query ? LS_OK
                                                                                    : ls_err_set(err, LS_ENOMEM, "co-similar-text: out of memory");
  if (rc == LS_OK && one_now) rc = window(tw, ONE, err);
  if (rc != LS_OK) {
    ls_text_windows_destroy(tw);
    return rc;
  }
  *out = tw;
  return LS_OK;
}

void ls_text_windows_destroy(struct ls_text_windows *tw) {
  if (!tw) return;
  for (uint32_t w = 0; w <= ONE; w++) ls_similar_destroy(tw->windows[w]);
  free(tw->run_of);
  free(tw->members);
  free(tw->q);
  free(tw->vectors);
  free(tw->sets);
  free(tw->query);
  free(tw);
}

void ls_text_windows_set_export(struct ls_text_windows *tw, struct ls_export *x) {
  tw->export = x;
  for (uint32_t w = 0; w <= ONE; w++)
    if (tw->windows[w]) ls_similar_set_export(tw->windows[w], x);
}

/* Searches the queries of window w (those from `from` on), appending their sets to out. */
static int run(struct ls_text_windows *tw, uint32_t w, uint32_t from, const struct ls_similar_query *q, const float *vectors, uint32_t n,
               int64_t watermark_ms, struct ls_similar_out *out, struct ls_err *err) {
  uint32_t m = 0;
  for (uint32_t i = from; i < n; i++) {
    if (tw->run_of[i] != w) continue;
    tw->run_of[i] = UINT32_MAX; /* taken */
    tw->members[m] = i;
    tw->q[m] = q[i];
    memcpy(tw->vectors + (size_t)m * tw->dim, vectors + (size_t)i * tw->dim, tw->dim * sizeof *vectors);
    m++;
  }
  struct ls_similar_out got;
  int rc = window(tw, w, err);
  if (rc == LS_OK) rc = ls_similar_batch(tw->windows[w], tw->q, tw->vectors, m, watermark_ms, &got, err);
  if (rc != LS_OK) return rc;
  for (uint32_t k = 0; k < got.n_sets; k++) {
    tw->sets[out->n_sets] = got.sets[k];
    tw->query[out->n_sets++] = tw->members[got.query[k]];
  }
  out->suppressed += got.suppressed;
  out->light += got.light;
  return LS_OK;
}

/* Whether every query goes to window w (the one process, and unsharded pair daemons): then
 * the batch is searched as it is, without gathering. */
static bool all_in(const struct ls_text_windows *tw, uint32_t w, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (tw->run_of[i] != w) return false;
  return true;
}

int ls_text_windows_batch(struct ls_text_windows *tw, const struct ls_similar_query *q, const int32_t *partition, const float *vectors,
                          uint32_t n, int64_t watermark_ms, struct ls_similar_out *out, struct ls_err *err) {
  *out = (struct ls_similar_out){.sets = tw->sets, .query = tw->query};
  for (uint32_t i = 0; i < n; i++) {
    bool sharded = q[i].n_parts && partition && partition[i] >= 0 && partition[i] < LS_MAX_PARTITIONS;
    tw->run_of[i] = sharded ? (uint32_t)partition[i] : ONE;
  }
  uint32_t w = n ? tw->run_of[0] : ONE;
  if (all_in(tw, w, n)) { /* an empty batch still retires the one window's old rows */
    if (n == 0 && !tw->windows[ONE]) return LS_OK;
    int rc = window(tw, w, err);
    return rc == LS_OK ? ls_similar_batch(tw->windows[w], q, vectors, n, watermark_ms, out, err) : rc;
  }
  int first_rc = LS_OK;
  struct ls_err run_err;
  for (uint32_t i = 0; i < n; i++) {
    if (tw->run_of[i] == UINT32_MAX) continue;
    int rc = run(tw, tw->run_of[i], i, q, vectors, n, watermark_ms, out, &run_err);
    if (rc != LS_OK && first_rc == LS_OK) {
      first_rc = rc;
      *err = run_err;
    }
  }
  return first_rc;
}

uint32_t ls_text_windows_rows(const struct ls_text_windows *tw) {
  uint32_t rows = 0;
  for (uint32_t w = 0; w <= ONE; w++) rows += tw->windows[w] ? ls_similar_rows(tw->windows[w]) : 0;
  return rows;
}

size_t ls_text_windows_bytes(const struct ls_text_windows *tw) {
  size_t bytes = 0;
  for (uint32_t w = 0; w <= ONE; w++) bytes += tw->windows[w] ? ls_similar_bytes(tw->windows[w]) : 0;
  return bytes;
}
