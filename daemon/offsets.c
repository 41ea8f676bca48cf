/* offsets.c — window-aware offset acknowledgement (see offsets.h). Partitions live in an
 * open-addressing table keyed by (source, partition); each gets its ring of checkpoints when it is
 * first seen (once per partition, not per tweet). A batch touches a handful of partitions,
 * recorded in a list so sealing costs only those. Records may come out of offset order (a stage
 * topic's producers merged by event time): a checkpoint's first offset is then lowered to the
 * lowest of the later ones, so the oldest checkpoint still bounds all that it must keep. */
#include "lockstep/offsets.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lockstep/hash.h"

struct checkpoint {
  int64_t first_offset;
  int64_t newest_ms;
};

struct part {
  bool used;
  int source;
  int32_t partition;
  int64_t next_offset;  /* every offset below it is processed */
  int64_t acked;        /* last offset handed to the callback */
  int64_t batch_first;  /* -1: not touched by the current batch */
  int64_t batch_newest;
  uint32_t head, count; /* checkpoint ring */
  struct checkpoint *ring;
};

struct ls_offsets {
  struct part *parts;
  uint32_t mask, n_ring;
  uint32_t n_parts, max_parts;
  uint32_t *in_use;   /* table index of every partition seen, n_parts of them */
  uint32_t *touched, n_touched;
  uint64_t overflows;
};

int ls_offsets_create(struct ls_offsets **out, uint32_t max_partitions, uint32_t checkpoints, struct ls_err *err) {
  uint32_t cap = 16;
  while (cap < 2 * max_partitions) cap <<= 1;
  struct ls_offsets *o = calloc(1, sizeof *o);
  if (o) {
    o->parts = calloc(cap, sizeof *o->parts);
    o->touched = malloc(cap * sizeof *o->touched);
    o->in_use = malloc(cap * sizeof *o->in_use);
  }
  if (!o || !o->parts || !o->touched || !o->in_use) {
    ls_offsets_destroy(o);
    return ls_err_set(err, LS_ENOMEM, "offsets: cannot track %u partitions", max_partitions);
  }
  o->mask = cap - 1;
  o->n_ring = checkpoints;
  o->max_parts = max_partitions;
  *out = o;
  return LS_OK;
}

void ls_offsets_destroy(struct ls_offsets *o) {
  if (!o) return;
  for (uint32_t i = 0; o->parts && i <= o->mask; i++) free(o->parts[i].ring);
  free(o->parts);
  free(o->touched);
  free(o->in_use);
  free(o);
}

static struct part *find(struct ls_offsets *o, int source, int32_t partition) {
  uint32_t i = (uint32_t)ls_hash_combine((uint64_t)source, (uint64_t)(uint32_t)partition) & o->mask;
  for (uint32_t probe = 0; probe <= o->mask; probe++, i = (i + 1) & o->mask) {
    struct part *p = &o->parts[i];
    if (p->used && p->source == source && p->partition == partition) return p;
    if (p->used) continue;
    struct checkpoint *ring = o->n_parts < o->max_parts ? malloc(o->n_ring * sizeof *ring) : NULL;
    if (!ring) return NULL;
    *p = (struct part){.used = true, .source = source, .partition = partition, .next_offset = -1, .acked = -1,
                       .batch_first = -1, .ring = ring};
    o->in_use[o->n_parts++] = (uint32_t)(p - o->parts);
    return p;
  }
  return NULL;
}

void ls_offsets_note(struct ls_offsets *o, int source, int32_t partition, int64_t offset, int64_t next, int64_t t_ms) {
  struct part *p = find(o, source, partition);
  if (!p) {
    o->overflows++;
    return;
  }
  if (next > p->next_offset) p->next_offset = next;
  if (t_ms == 0) return; /* a marker: no tweet a window could need */
  if (p->batch_first < 0) {
    o->touched[o->n_touched++] = (uint32_t)(p - o->parts); /* at most one entry per partition */
    p->batch_first = offset;
    p->batch_newest = t_ms;
  }
  if (offset < p->batch_first) p->batch_first = offset;
  if (t_ms > p->batch_newest) p->batch_newest = t_ms;
}

void ls_offsets_seal(struct ls_offsets *o) {
  for (uint32_t k = 0; k < o->n_touched; k++) {
    struct part *p = &o->parts[o->touched[k]];
    if (p->count == o->n_ring) { /* full: the oldest checkpoint goes */
      p->head = (p->head + 1) % o->n_ring;
      p->count--;
      o->overflows++;
    }
    for (uint32_t k = p->count; k-- > 0;) { /* earlier checkpoints start no later than this one */
      struct checkpoint *c = &p->ring[(p->head + k) % o->n_ring];
      if (c->first_offset <= p->batch_first) break;
      c->first_offset = p->batch_first;
    }
    p->ring[(p->head + p->count) % o->n_ring] = (struct checkpoint){p->batch_first, p->batch_newest};
    p->count++;
    p->batch_first = -1;
  }
  o->n_touched = 0;
}

void ls_offsets_advance(struct ls_offsets *o, int64_t horizon_ms, ls_offset_fn fn, void *ud) {
  for (uint32_t k = 0; k < o->n_parts; k++) {
    struct part *p = &o->parts[o->in_use[k]];
    while (p->count && p->ring[p->head].newest_ms < horizon_ms) { /* nothing in it is needed any more */
      p->head = (p->head + 1) % o->n_ring;
      p->count--;
    }
    int64_t safe = p->count && p->ring[p->head].first_offset < p->next_offset ? p->ring[p->head].first_offset : p->next_offset;
    if (safe > p->acked) {
      fn(ud, p->source, p->partition, safe);
      p->acked = safe;
    }
  }
}

uint64_t ls_offsets_overflows(const struct ls_offsets *o) { return o->overflows; }
