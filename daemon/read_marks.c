/* read_marks.c — which records of its input a daemon has read before (see read_marks.h). The
 * offsets read past a partition's position are kept sorted (they mostly arrive in order, so an
 * insertion is an append) and dropped as the position passes them. Loading saved marks merges
 * them (the larger position, the union of the offsets ahead), so a restore into empty marks and
 * a hand-over into a daemon's own are one operation. */
#include "lockstep/read_marks.h"

#include <stdlib.h>
#include <string.h>

struct ahead {
  int64_t *off; /* sorted, all >= the partition's position */
  uint32_t n, cap;
};

struct ls_read_marks {
  int32_t n;
  int64_t *position; /* -1: nothing read */
  int64_t *reading;  /* the message noted last, -1: none */
  bool *reading_seen; /* whether it was read before */
  struct ahead *ahead;
  uint64_t n_ahead;
};

int ls_read_marks_create(struct ls_read_marks **out, int32_t n_partitions, struct ls_err *err) {
  struct ls_read_marks *r = calloc(1, sizeof *r);
  if (r) {
    r->n = n_partitions;
    r->position = malloc((size_t)n_partitions * sizeof *r->position);
    r->reading = malloc((size_t)n_partitions * sizeof *r->reading);
    r->ahead = calloc((size_t)n_partitions, sizeof *r->ahead);
    r->reading_seen = calloc((size_t)n_partitions, sizeof *r->reading_seen);
  }
  if (!r || !r->position || !r->reading || !r->ahead || !r->reading_seen) {
    ls_read_marks_destroy(r);
    return ls_err_set(err, LS_ENOMEM, "pipeline: out of memory for the read positions of %d partitions", n_partitions);
  }
  for (int32_t q = 0; q < n_partitions; q++) r->position[q] = r->reading[q] = -1;
  *out = r;
  return LS_OK;
}

void ls_read_marks_destroy(struct ls_read_marks *r) {
  if (!r) return;
  for (int32_t q = 0; r->ahead && q < r->n; q++) free(r->ahead[q].off);
  free(r->ahead);
  free(r->position);
  free(r->reading);
  free(r->reading_seen);
  free(r);
}

/* Index of the first offset >= off. */
static uint32_t lower_bound(const struct ahead *a, int64_t off) {
  uint32_t lo = 0, hi = a->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (a->off[mid] < off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static bool has(const struct ahead *a, int64_t off) {
  uint32_t i = lower_bound(a, off);
  return i < a->n && a->off[i] == off;
}

/* Inserts off (not present). Out of memory forgets it: read again, it counts as new (the
 * dedup table then drops what it repeats). */
static void insert(struct ls_read_marks *r, struct ahead *a, int64_t off) {
  if (a->n == a->cap) {
    uint32_t cap = a->cap ? 2 * a->cap : 16;
    int64_t *v = realloc(a->off, cap * sizeof *v);
    if (!v) return;
    a->off = v;
    a->cap = cap;
  }
  uint32_t i = lower_bound(a, off);
  memmove(a->off + i + 1, a->off + i, (a->n - i) * sizeof *a->off);
  a->off[i] = off;
  a->n++;
  r->n_ahead++;
}

static void drop_below(struct ls_read_marks *r, struct ahead *a, int64_t pos) {
  uint32_t i = lower_bound(a, pos);
  if (!i) return;
  memmove(a->off, a->off + i, (a->n - i) * sizeof *a->off);
  a->n -= i;
  r->n_ahead -= i;
}

bool ls_read_marks_note(struct ls_read_marks *r, int32_t q, int64_t offset, int64_t next) {
  if (q < 0 || q >= r->n) return false;
  struct ahead *a = &r->ahead[q];
  if (offset == r->reading[q]) return r->reading_seen[q]; /* a later tweet of the message just noted */
  bool seen = offset < r->position[q] || has(a, offset);
  r->reading[q] = offset;
  r->reading_seen[q] = seen;
  if (!seen && offset >= next) insert(r, a, offset);
  if (next > r->position[q]) {
    r->position[q] = next;
    drop_below(r, a, next);
  }
  return seen;
}

const int64_t *ls_read_marks_positions(const struct ls_read_marks *r) { return r->position; }

uint64_t ls_read_marks_ahead(const struct ls_read_marks *r) { return r->n_ahead; }

void ls_read_marks_save(const struct ls_read_marks *r, struct ls_snap *w) {
  uint64_t n = 0;
  for (int32_t q = 0; q < r->n; q++) n += r->position[q] >= 0;
  ls_snap_u64(w, n);
  for (int32_t q = 0; q < r->n; q++) {
    if (r->position[q] < 0) continue;
    ls_snap_put(w, &q, sizeof q);
    ls_snap_put(w, &r->position[q], sizeof r->position[q]);
    ls_snap_u64(w, r->ahead[q].n);
    if (r->ahead[q].n) ls_snap_put(w, r->ahead[q].off, r->ahead[q].n * sizeof *r->ahead[q].off);
  }
}

/* Partition q's saved marks merged into r: read before is what either read. Its last message
 * noted here is forgotten (the other daemon may have read past it). */
static void merge_partition(struct ls_read_marks *r, int32_t q, int64_t pos, struct ls_snap_reader *in, uint64_t m) {
  struct ahead *a = &r->ahead[q];
  if (pos > r->position[q]) {
    r->position[q] = pos;
    drop_below(r, a, pos);
  }
  r->reading[q] = -1;
  for (uint64_t i = 0; i < m; i++) {
    int64_t o;
    if (ls_snap_get(in, &o, sizeof o) && o >= r->position[q] && !has(a, o)) insert(r, a, o);
  }
}

static bool wanted(const uint8_t *only, int32_t q) { return !only || only[q / 8] >> (q % 8) & 1; }

int ls_read_marks_load(struct ls_read_marks *r, struct ls_snap_reader *in, const uint8_t *only, struct ls_err *err) {
  uint64_t n = ls_snap_get_count(in, sizeof(int32_t) + 2 * sizeof(int64_t));
  for (uint64_t k = 0; k < n && !in->bad; k++) {
    int32_t q;
    int64_t pos;
    ls_snap_get(in, &q, sizeof q);
    ls_snap_get(in, &pos, sizeof pos);
    uint64_t m = ls_snap_get_count(in, sizeof(int64_t));
    if (!in->bad && (q < 0 || q >= r->n)) ls_snap_fail(in, "a partition out of range");
    if (in->bad) break;
    if (wanted(only, q)) merge_partition(r, q, pos, in, m);
    else ls_snap_take(in, m * sizeof(int64_t)); /* another partition of the other daemon's */
  }
  return ls_snap_status(in, err);
}
