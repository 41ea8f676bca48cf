/* vecwin.h — the co-similar-text window: a fixed-capacity ring of unit vectors held in FP16 on
 * the backend (device memory on CUDA), with an index so that a query costs a fraction of the
 * window, not all of it. Candidates come from an inverted file whose centroids are learnt (by
 * spherical k-means) on the stream's first vectors: each row enters its 3 nearest lists, each
 * query probes its `probes` nearest lists, and a query that finds a neighbour probes further
 * lists (its next nearest, and those of the rows it found); a 512-bit SimHash sketch per row
 * (its first 256 bits in the list entries) then skips rows that cannot reach tau, and the exact
 * cosine decides. Until the centroids are learnt, every row is a candidate. Appending overwrites
 * the oldest rows, and the caller retires rows that have left its time window; rows are named by
 * slot index, and the caller keeps what each slot means. */
#ifndef LOCKSTEP_VECWIN_H
#define LOCKSTEP_VECWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/backend.h"

struct ls_vecwin_conf {
  uint32_t capacity, dim, max_batch;
  float tau;
  uint32_t lists;  /* inverted lists; 0: a power of two near √capacity */
  uint32_t probes; /* lists probed per query */
  uint32_t train;  /* vectors the centroids are learnt on; 0: 16 per list, at most 65,536 (never
                      more than the ring holds before it wraps: capacity − max_batch) */
};

struct ls_vecwin_stats {
  uint32_t capacity, filled, live, lists, probes, list_cap;
  struct ls_hamming_bound hamming; /* the sketch filters' bounds */
  bool trained;
  uint64_t displaced; /* live rows dropped from a full list (the index missed them) */
  size_t bytes, bytes_per_row;
};

struct ls_vecwin;

/* capacity must be at least twice max_batch. */
int ls_vecwin_create(struct ls_vecwin **out, struct ls_backend *be, const struct ls_vecwin_conf *conf,
                     struct ls_err *err);
void ls_vecwin_destroy(struct ls_vecwin *w);

/* Appends n ≤ max_batch host unit vectors: vector i goes to slot (*first_slot + i) % capacity. */
int ls_vecwin_add(struct ls_vecwin *w, const float *host, uint32_t n, uint32_t *first_slot, struct ls_err *err);
/* For each vector of the batch just added, every live window row (the batch included, itself too)
 * with cosine ≥ tau: pairs (i, slot, sim), at most cap of them, sorted by (i, slot), each once;
 * *n_found may exceed cap (then pairs were dropped, unsorted: query again with room for them;
 * it counts a row found in two lists twice). */
int ls_vecwin_query(struct ls_vecwin *w, struct ls_pair *out, uint32_t cap, uint32_t *n_found, struct ls_err *err);
/* The same search over every live row without the index (brute force): the reference for the
 * index's recall. Does not append. */
int ls_vecwin_exact(struct ls_vecwin *w, const float *host, uint32_t n, struct ls_pair *out, uint32_t cap,
                    uint32_t *n_found, struct ls_err *err);

/* Takes rows out of the search, oldest first, while expired(ud, slot) says the row in that slot
 * has left the caller's time window; returns how many left. The search then costs what the live
 * rows cost, however large the ring. */
uint32_t ls_vecwin_retire(struct ls_vecwin *w, bool (*expired)(void *ud, uint32_t slot), void *ud);
void ls_vecwin_stats(const struct ls_vecwin *w, struct ls_vecwin_stats *st);
/* The learnt centroids (lists × dim unit floats) and their biases (lists: −μ·c, so that a
 * vector's list scores are x·c + bias). @returns LS_OK, LS_EINVAL before training, or the
 * backend's error. */
int ls_vecwin_centroids(const struct ls_vecwin *w, float *centroids, float *bias, struct ls_err *err);

#endif
