/* vecwin.h — the window of recent vectors that new tweets are compared with: a fixed-capacity
 * ring of unit vectors resident on the backend (device memory on CUDA). Appending overwrites the
 * oldest rows; a query finds every window row whose similarity with a query vector is ≥ tau,
 * tile by tile. Rows are named by slot index; the caller keeps what each slot means. */
#ifndef LOCKSTEP_VECWIN_H
#define LOCKSTEP_VECWIN_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/backend.h"

struct ls_vecwin;

int ls_vecwin_create(struct ls_vecwin **out, struct ls_backend *be, uint32_t capacity, uint32_t dim,
                     uint32_t max_query, struct ls_err *err);
void ls_vecwin_destroy(struct ls_vecwin *w);
/* Appends n ≤ max_query host vectors; slot of vector i is (*first_slot + i) % capacity. */
int ls_vecwin_append(struct ls_vecwin *w, const float *host, uint32_t n, uint32_t *first_slot,
                     struct ls_err *err);
/* Pairs (query row, slot, sim) over the filled part of the window; see sim_threshold. */
int ls_vecwin_query(struct ls_vecwin *w, const float *host, uint32_t n, float tau,
                    struct ls_pair *out, uint32_t cap, uint32_t *n_found, struct ls_err *err);
uint32_t ls_vecwin_capacity(const struct ls_vecwin *w);
uint32_t ls_vecwin_filled(const struct ls_vecwin *w);
size_t ls_vecwin_bytes(const struct ls_vecwin *w);

#endif
