/* vecwin.c — ring of unit vectors on the backend (see vecwin.h). Appends wrap around; a query
 * uploads the query block once and runs the backend's similarity-threshold op over the filled
 * rows, which are contiguous in the buffer whatever the ring position. */
#include "lockstep/vecwin.h"

#include <stdlib.h>

struct ls_vecwin {
  struct ls_backend *be;
  uint32_t capacity, dim, max_query;
  uint32_t next, filled;
  void *rows;  /* capacity × dim on the backend */
  void *query; /* max_query × dim on the backend */
};

int ls_vecwin_create(struct ls_vecwin **out, struct ls_backend *be, uint32_t capacity, uint32_t dim,
                     uint32_t max_query, struct ls_err *err) {
  if (capacity == 0 || dim == 0 || max_query == 0)
    return ls_err_set(err, LS_EINVAL, "vector window: capacity, dim and batch must be positive");
  struct ls_vecwin *w = calloc(1, sizeof *w);
  if (!w) return ls_err_set(err, LS_ENOMEM, "vector window: out of memory");
  *w = (struct ls_vecwin){.be = be, .capacity = capacity, .dim = dim, .max_query = max_query};
  w->rows = be->i->alloc(be, (size_t)capacity * dim * sizeof(float), err);
  w->query = w->rows ? be->i->alloc(be, (size_t)max_query * dim * sizeof(float), err) : NULL;
  if (!w->query) {
    ls_vecwin_destroy(w);
    return LS_ENOMEM;
  }
  *out = w;
  return LS_OK;
}

void ls_vecwin_destroy(struct ls_vecwin *w) {
  if (!w) return;
  if (w->rows) w->be->i->free(w->be, w->rows);
  if (w->query) w->be->i->free(w->be, w->query);
  free(w);
}

int ls_vecwin_append(struct ls_vecwin *w, const float *host, uint32_t n, uint32_t *first_slot, struct ls_err *err) {
  if (n > w->max_query) return ls_err_set(err, LS_EINVAL, "vector window: %u vectors over the batch limit %u", n, w->max_query);
  *first_slot = w->next;
  size_t row = (size_t)w->dim * sizeof(float);
  uint32_t done = 0;
  while (done < n) {
    uint32_t run = w->capacity - w->next;
    if (run > n - done) run = n - done;
    int rc = w->be->i->upload(w->be, w->rows, (size_t)w->next * row, host + (size_t)done * w->dim, run * row, err);
    if (rc != LS_OK) return rc;
    done += run;
    w->next = (w->next + run) % w->capacity;
  }
  w->filled = w->filled + n > w->capacity ? w->capacity : w->filled + n;
  return LS_OK;
}

int ls_vecwin_query(struct ls_vecwin *w, const float *host, uint32_t n, float tau, struct ls_pair *out, uint32_t cap,
                    uint32_t *n_found, struct ls_err *err) {
  *n_found = 0;
  if (n == 0 || w->filled == 0) return LS_OK;
  if (n > w->max_query) return ls_err_set(err, LS_EINVAL, "vector window: %u queries over the batch limit %u", n, w->max_query);
  int rc = w->be->i->upload(w->be, w->query, 0, host, (size_t)n * w->dim * sizeof(float), err);
  if (rc != LS_OK) return rc;
  /* Until the ring wraps the filled rows are [0, filled); afterwards all rows are filled. */
  return w->be->i->sim_threshold(w->be, w->query, n, w->rows, 0, w->filled, w->dim, tau, out, cap, n_found, err);
}

uint32_t ls_vecwin_capacity(const struct ls_vecwin *w) { return w->capacity; }
uint32_t ls_vecwin_filled(const struct ls_vecwin *w) { return w->filled; }
size_t ls_vecwin_bytes(const struct ls_vecwin *w) {
  return ((size_t)w->capacity + w->max_query) * w->dim * sizeof(float);
}
