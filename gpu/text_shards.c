/* text_shards.c — the distributed co-similar-text index's shards (see text_shards.h). Training
 * is the window's own (vecwin.h): a window with k lists is fed the sample, learns its
 * centroids, and hands them over; the file is safetensors, read back with the model reader.
 * Routing scores a vector against the K centroids on the host (K × dim multiply-adds: a few
 * microseconds at K = 64, dim = 256, next to the embedding's milliseconds). */
#include "lockstep/text_shards.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/safetensors.h"
#include "lockstep/vecwin.h"

#define TRAIN_PER_SHARD 16
#define TRAIN_BATCH 1024

struct ls_text_shards {
  uint32_t k, dim, spill;
  float *centroids; /* k × dim */
  float *bias;      /* k */
};

int ls_text_shards_open(struct ls_text_shards **out, const char *path, uint32_t dim, uint32_t spill, struct ls_err *err) {
  struct ls_safetensors st;
  int rc = ls_st_open(&st, path, err);
  if (rc != LS_OK) return rc;
  const struct ls_st_tensor *b = ls_st_find(&st, "bias", NULL);
  struct ls_text_shards *ts = calloc(1, sizeof *ts);
  if (!ts) rc = ls_err_set(err, LS_ENOMEM, "%s: out of memory", path);
  else if (!b || b->ndim != 1 || b->shape[0] == 0)
    rc = ls_err_set(err, LS_EINVAL, "%s: not a text shards file (no bias tensor of K values; pipeline.text_shards)", path);
  if (rc == LS_OK) {
    ts->k = (uint32_t)b->shape[0];
    ts->dim = dim;
    ts->spill = spill < 1 ? 1 : spill > LS_TEXT_SHARDS_SPILL_MAX ? LS_TEXT_SHARDS_SPILL_MAX : spill;
    if (ts->spill > ts->k) ts->spill = ts->k;
    ts->bias = ls_st_read(&st, "bias", NULL, 1, (uint64_t[]){ts->k}, err);
    ts->centroids = ts->bias ? ls_st_read(&st, "centroids", NULL, 2, (uint64_t[]){ts->k, dim}, err) : NULL;
    if (!ts->centroids) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", err->msg);
      rc = ls_err_set(err, LS_EINVAL, "%s (pipeline.text_shards: a shards file trained for dimension %u)", why, dim);
    }
  }
  ls_st_close(&st);
  if (rc != LS_OK) {
    ls_text_shards_close(ts);
    return rc;
  }
  *out = ts;
  return LS_OK;
}

void ls_text_shards_close(struct ls_text_shards *ts) {
  if (!ts) return;
  free(ts->centroids);
  free(ts->bias);
  free(ts);
}

uint32_t ls_text_shards_count(const struct ls_text_shards *ts) { return ts->k; }

/* Keeps the spill best (score, shard) in best[], best first. */
static void keep_best(float score, uint32_t shard, float *best, uint32_t *who, uint32_t spill, uint32_t *have) {
  uint32_t i = *have < spill ? (*have)++ : spill;
  if (i == spill && score <= best[spill - 1]) return;
  if (i == spill) i = spill - 1;
  for (; i > 0 && best[i - 1] < score; i--) {
    best[i] = best[i - 1];
    who[i] = who[i - 1];
  }
  best[i] = score;
  who[i] = shard;
}

uint32_t ls_text_shards_route(const struct ls_text_shards *ts, const float *v, uint32_t partitions, uint16_t *parts) {
  float best[LS_TEXT_SHARDS_SPILL_MAX];
  uint32_t who[LS_TEXT_SHARDS_SPILL_MAX], have = 0, n = 0;
  for (uint32_t k = 0; k < ts->k; k++) {
    const float *c = ts->centroids + (size_t)k * ts->dim;
    float s = ts->bias[k];
    for (uint32_t j = 0; j < ts->dim; j++) s += c[j] * v[j];
    keep_best(s, k, best, who, ts->spill, &have);
  }
  for (uint32_t i = 0; i < have; i++) {
    uint16_t p = (uint16_t)((uint64_t)who[i] * (partitions ? partitions : 1) / ts->k); /* spread over all partitions */
    uint32_t at = n;
    while (at > 0 && parts[at - 1] > p) at--;
    if (at > 0 && parts[at - 1] == p) continue;
    memmove(parts + at + 1, parts + at, (n - at) * sizeof *parts);
    parts[at] = p;
    n++;
  }
  return n;
}

int32_t ls_text_shards_owner(const uint16_t *a, uint32_t na, const uint16_t *b, uint32_t nb) {
  for (uint32_t i = 0, j = 0; i < na && j < nb;) {
    if (a[i] == b[j]) return a[i];
    if (a[i] < b[j]) i++;
    else j++;
  }
  return -1;
}

/* safetensors: an 8-byte little-endian header length, the JSON header padded with spaces to a
 * multiple of 8, then bias and centroids as little-endian float32. */
static int write_file(const char *path, const float *centroids, const float *bias, uint32_t k, uint32_t dim, struct ls_err *err) {
  char header[512];
  size_t bb = (size_t)k * 4, cb = (size_t)k * dim * 4;
  int len = snprintf(header, sizeof header,
                     "{\"__metadata__\":{\"format\":\"lockstep-text-shards\"},"
                     "\"bias\":{\"dtype\":\"F32\",\"shape\":[%u],\"data_offsets\":[0,%zu]},"
                     "\"centroids\":{\"dtype\":\"F32\",\"shape\":[%u,%u],\"data_offsets\":[%zu,%zu]}}",
                     k, bb, k, dim, bb, bb + cb);
  while (len % 8) header[len++] = ' ';
  unsigned char hl[8];
  for (int i = 0; i < 8; i++) hl[i] = (unsigned char)((uint64_t)len >> (8 * i));
  FILE *f = fopen(path, "wb");
  if (!f) return ls_err_set(err, LS_EIO, "%s: cannot create: %m", path);
  fwrite(hl, 1, 8, f);
  fwrite(header, 1, (size_t)len, f);
  fwrite(bias, 4, k, f); /* little-endian hosts only (x86-64, arm64), as the stage records */
  fwrite(centroids, 4, (size_t)k * dim, f);
  int bad = ferror(f) | fclose(f);
  return bad ? ls_err_set(err, LS_EIO, "%s: write failed: %m", path) : LS_OK;
}

int ls_text_shards_train(struct ls_backend *be, const float *vectors, uint32_t n, uint32_t dim, uint32_t k, const char *path,
                         struct ls_err *err) {
  if (k < 16 || k > 65536) return ls_err_set(err, LS_EINVAL, "text shards: %u shards; train 16 to 65536", k);
  if (n < TRAIN_PER_SHARD * k)
    return ls_err_set(err, LS_EINVAL, "text shards: %u texts to train %u shards on; give at least %u", n, k, TRAIN_PER_SHARD * k);
  struct ls_vecwin *w = NULL;
  struct ls_vecwin_conf vc = {.capacity = n + 2 * TRAIN_BATCH, .dim = dim, .max_batch = TRAIN_BATCH, .tau = 0.5f, .lists = k,
                              .probes = 1, .train = n};
  float *centroids = malloc((size_t)k * dim * sizeof *centroids), *bias = malloc(k * sizeof *bias);
  int rc = centroids && bias ? ls_vecwin_create(&w, be, &vc, err) : ls_err_set(err, LS_ENOMEM, "text shards: out of memory");
  uint32_t first;
  for (uint32_t i = 0; rc == LS_OK && i < n; i += TRAIN_BATCH)
    rc = ls_vecwin_add(w, vectors + (size_t)i * dim, n - i < TRAIN_BATCH ? n - i : TRAIN_BATCH, &first, err);
  if (rc == LS_OK) rc = ls_vecwin_centroids(w, centroids, bias, err);
  if (rc == LS_OK) rc = write_file(path, centroids, bias, k, dim, err);
  ls_vecwin_destroy(w);
  free(centroids);
  free(bias);
  return rc;
}
