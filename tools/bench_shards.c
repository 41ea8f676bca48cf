/* bench_shards.c — the distributed co-similar-text index in one process (see bench_shards.h).
 * Per batch: each vector is routed (ls_text_shards_route), each partition adds and searches the
 * vectors routed to it in its own window, and a pair it finds is kept when that partition is the
 * pair's owner (ls_text_shards_owner), as a pair daemon does. */
#include "bench_shards.h"

#include <stdlib.h>
#include <string.h>

#include "lockstep/text_shards.h"

struct routed {
  uint16_t parts[LS_TEXT_SHARDS_SPILL_MAX];
  uint32_t n;
};

struct shard_sim {
  struct ls_text_shards *ts;
  struct ls_vecwin **win; /* per partition */
  uint64_t **number;      /* per partition and slot: the vector's global number */
  uint64_t *stored;       /* per partition: vectors stored */
  struct routed *routes;  /* per whole-window slot: the vector's partitions */
  float *sub;             /* a partition's share of the batch */
  uint32_t *sub_of;       /* its batch indexes */
  struct ls_pair *found;
  uint32_t partitions, capacity, dim, found_cap;
  uint64_t vectors, sent;
};

int shard_sim_create(struct shard_sim **out, struct ls_backend *be, const char *path, uint32_t partitions, uint32_t spill,
                     const struct ls_vecwin_conf *conf, struct ls_err *err) {
  struct shard_sim *s = calloc(1, sizeof *s);
  if (!s) return ls_err_set(err, LS_ENOMEM, "out of memory");
  *s = (struct shard_sim){.partitions = partitions, .capacity = conf->capacity, .dim = conf->dim, .found_cap = 1u << 22};
  int rc = ls_text_shards_open(&s->ts, path, conf->dim, spill, err);
  s->win = calloc(partitions, sizeof *s->win);
  s->number = calloc(partitions, sizeof *s->number);
  s->stored = calloc(partitions, sizeof *s->stored);
  s->routes = calloc(conf->capacity, sizeof *s->routes);
  s->sub = malloc((size_t)conf->max_batch * conf->dim * sizeof *s->sub);
  s->sub_of = malloc(conf->max_batch * sizeof *s->sub_of);
  s->found = malloc(s->found_cap * sizeof *s->found);
  if (rc == LS_OK && !(s->win && s->number && s->stored && s->routes && s->sub && s->sub_of && s->found)) rc = ls_err_set(err, LS_ENOMEM, "out of memory");
  for (uint32_t p = 0; rc == LS_OK && p < partitions; p++) {
    rc = ls_vecwin_create(&s->win[p], be, conf, err);
    if (rc == LS_OK && !(s->number[p] = malloc(conf->capacity * sizeof **s->number))) rc = ls_err_set(err, LS_ENOMEM, "out of memory");
  }
  if (rc != LS_OK) {
    shard_sim_destroy(s);
    return rc;
  }
  *out = s;
  return LS_OK;
}

void shard_sim_destroy(struct shard_sim *s) {
  if (!s) return;
  for (uint32_t p = 0; s->win && p < s->partitions; p++) {
    ls_vecwin_destroy(s->win[p]);
    if (s->number) free(s->number[p]);
  }
  ls_text_shards_close(s->ts);
  free(s->win); free(s->number); free(s->stored); free(s->routes); free(s->sub); free(s->sub_of); free(s->found);
  free(s);
}

/* Partition p's share of the batch: added, searched, and the pairs it owns appended to out. */
static int search_partition(struct shard_sim *s, uint32_t p, const float *vec, uint32_t n, uint64_t first_vector, struct ls_pair *out,
                            uint32_t cap, uint32_t *n_out, struct ls_err *err) {
  uint32_t m = 0, first, found;
  for (uint32_t i = 0; i < n; i++) {
    const struct routed *r = &s->routes[(first_vector + i) % s->capacity];
    if (ls_text_shards_owner(r->parts, r->n, (uint16_t[]){(uint16_t)p}, 1) < 0) continue; /* not routed to p */
    memcpy(s->sub + (size_t)m * s->dim, vec + (size_t)i * s->dim, s->dim * sizeof *vec);
    s->sub_of[m++] = i;
  }
  if (m == 0) return LS_OK;
  int rc = ls_vecwin_add(s->win[p], s->sub, m, &first, err);
  for (uint32_t k = 0; k < m; k++) s->number[p][(first + k) % s->capacity] = first_vector + s->sub_of[k];
  if (rc == LS_OK) rc = ls_vecwin_query(s->win[p], s->found, s->found_cap, &found, err);
  if (rc != LS_OK) return rc;
  s->stored[p] += m;
  s->sent += m;
  uint64_t end = first_vector + n;
  for (uint32_t k = 0; k < found && k < s->found_cap; k++) {
    uint64_t q = first_vector + s->sub_of[s->found[k].q], row = s->number[p][s->found[k].w];
    if (end - row > s->capacity) continue; /* the whole window no longer holds it */
    const struct routed *a = &s->routes[q % s->capacity], *b = &s->routes[row % s->capacity];
    if (ls_text_shards_owner(a->parts, a->n, b->parts, b->n) != (int32_t)p || *n_out == cap) continue;
    out[(*n_out)++] = (struct ls_pair){.q = s->sub_of[s->found[k].q], .w = (uint32_t)(row % s->capacity), .sim = s->found[k].sim};
  }
  return LS_OK;
}

int shard_sim_batch(struct shard_sim *s, const float *vec, uint32_t n, uint64_t first_vector, struct ls_pair *out, uint32_t cap,
                    uint32_t *n_out, struct ls_err *err) {
  *n_out = 0;
  for (uint32_t i = 0; i < n; i++) {
    struct routed *r = &s->routes[(first_vector + i) % s->capacity];
    r->n = ls_text_shards_route(s->ts, vec + (size_t)i * s->dim, s->partitions, r->parts);
  }
  s->vectors += n;
  int rc = LS_OK;
  for (uint32_t p = 0; rc == LS_OK && p < s->partitions; p++) rc = search_partition(s, p, vec, n, first_vector, out, cap, n_out, err);
  return rc;
}

void shard_sim_report(const struct shard_sim *s, FILE *f) {
  uint64_t most = 0, fewest = UINT64_MAX;
  for (uint32_t p = 0; p < s->partitions; p++) {
    most = s->stored[p] > most ? s->stored[p] : most;
    fewest = s->stored[p] < fewest ? s->stored[p] : fewest;
  }
  double mean = (double)s->sent / s->partitions;
  fprintf(f, ", \"shards\": %u, \"partitions\": %u, \"partitions_per_vector\": %.3f, \"partition_rows_max_over_mean\": %.3f, "
             "\"partition_rows_min_over_mean\": %.3f",
          ls_text_shards_count(s->ts), s->partitions, s->vectors ? (double)s->sent / s->vectors : 0, mean > 0 ? most / mean : 0,
          mean > 0 ? fewest / mean : 0);
}
