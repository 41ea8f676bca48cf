/* activity.c — decayed per-account action counts in a count-min sketch (see activity.h).
 * Each cell holds a count and the event time it was last brought up to date; reading or adding
 * first decays the count by 2^(-elapsed / half_life). The estimate is the least of the account's
 * four cells. */
#include "lockstep/activity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"

#define ROWS 4

struct cell {
  float count;
  int32_t at_s; /* event time of count, seconds since the sketch's first action */
};

struct ls_activity {
  struct cell *cells;
  uint32_t mask;
  double per_s; /* ln 2 / half-life, per second */
  int64_t origin_ms, now_ms;
};

int ls_activity_create(struct ls_activity **out, uint32_t cells, int64_t half_life_ms, struct ls_err *err) {
  uint32_t n = 1024;
  while (n < cells) n <<= 1;
  struct ls_activity *a = calloc(1, sizeof *a);
  if (a) a->cells = calloc((size_t)n * ROWS, sizeof *a->cells);
  if (!a || !a->cells) {
    free(a);
    return ls_err_set(err, LS_ENOMEM, "activity sketch: cannot allocate %u cells", n * ROWS);
  }
  a->mask = n - 1;
  a->per_s = log(2.0) / (half_life_ms > 0 ? half_life_ms / 1000.0 : 3600.0);
  *out = a;
  return LS_OK;
}

void ls_activity_destroy(struct ls_activity *a) {
  if (!a) return;
  free(a->cells);
  free(a);
}

static struct cell *cell_of(const struct ls_activity *a, uint64_t account, int row) {
  uint64_t h = ls_mix64(account + 0x9e3779b97f4a7c15ULL * (uint64_t)(row + 1));
  return &a->cells[(size_t)row * (a->mask + 1) + (h & a->mask)];
}

static double decayed(const struct ls_activity *a, const struct cell *c, int32_t now_s) {
  return c->count * exp(-a->per_s * (now_s - c->at_s));
}

static int32_t seconds(const struct ls_activity *a) { return (int32_t)((a->now_ms - a->origin_ms) / 1000); }

/* Advances the clock to t_ms; returns it in the cells' seconds. */
static int32_t advance(struct ls_activity *a, int64_t t_ms) {
  if (a->origin_ms == 0) a->origin_ms = a->now_ms = t_ms;
  if (t_ms > a->now_ms) a->now_ms = t_ms;
  return seconds(a);
}

void ls_activity_add(struct ls_activity *a, uint64_t account, int64_t t_ms) {
  int32_t now_s = advance(a, t_ms);
  for (int r = 0; r < ROWS; r++) {
    struct cell *c = cell_of(a, account, r);
    c->count = (float)(decayed(a, c, now_s) + 1);
    c->at_s = now_s;
  }
}

double ls_activity_count(const struct ls_activity *a, uint64_t account) {
  int32_t now_s = seconds(a);
  double best = INFINITY;
  for (int r = 0; r < ROWS; r++) {
    double v = decayed(a, cell_of(a, account, r), now_s);
    if (v < best) best = v;
  }
  return best;
}

size_t ls_activity_bytes(const struct ls_activity *a) { return a ? ((size_t)a->mask + 1) * ROWS * sizeof(struct cell) : 0; }

static bool cell_used(const void *c) { return ((const struct cell *)c)->count != 0; }

void ls_activity_save(const struct ls_activity *a, struct ls_snap *w) {
  uint32_t n = (a->mask + 1) * ROWS;
  ls_snap_section(w, "ACTV", ls_hash_combine(sizeof(struct cell), n));
  ls_snap_u64(w, (uint64_t)a->origin_ms);
  ls_snap_u64(w, (uint64_t)a->now_ms);
  ls_snap_put_sparse(w, a->cells, sizeof *a->cells, n, cell_used);
}

/* Reads a saved sketch of a's size into clock (origin, now) and cells; false when the reader
 * failed (its status says why). */
static bool read_cells(const struct ls_activity *a, struct ls_snap_reader *r, int64_t clock[2], struct cell *cells) {
  uint32_t n = (a->mask + 1) * ROWS;
  if (!ls_snap_expect(r, "ACTV", ls_hash_combine(sizeof(struct cell), n))) return false;
  clock[0] = (int64_t)ls_snap_get_u64(r);
  clock[1] = (int64_t)ls_snap_get_u64(r);
  return ls_snap_get_sparse(r, cells, sizeof *cells, n, NULL);
}

int ls_activity_load(struct ls_activity *a, struct ls_snap_reader *r, struct ls_err *err) {
  int64_t clock[2];
  if (read_cells(a, r, clock, a->cells)) {
    a->origin_ms = clock[0];
    a->now_ms = clock[1];
  }
  return ls_snap_status(r, err);
}

int ls_activity_merge(struct ls_activity *a, struct ls_snap_reader *r, struct ls_err *err) {
  uint32_t n = (a->mask + 1) * ROWS;
  struct cell *in = malloc((size_t)n * sizeof *in);
  if (!in) return ls_err_set(err, LS_ENOMEM, "activity sketch: cannot allocate %u cells to merge", n);
  int64_t clock[2];
  if (read_cells(a, r, clock, in) && clock[0]) {
    if (a->origin_ms == 0) a->origin_ms = a->now_ms = clock[0];
    int32_t now_s = advance(a, clock[1]);
    int32_t shift_s = (int32_t)((clock[0] - a->origin_ms) / 1000); /* the other's seconds in ours */
    for (uint32_t i = 0; i < n; i++) {
      if (in[i].count == 0) continue;
      struct cell *c = &a->cells[i];
      double theirs = in[i].count * exp(-a->per_s * (now_s - (in[i].at_s + shift_s))), ours = decayed(a, c, now_s);
      *c = (struct cell){(float)(theirs > ours ? theirs : ours), now_s};
    }
  }
  free(in);
  return ls_snap_status(r, err);
}
