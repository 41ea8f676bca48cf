/* dedup.c — two-generation set of recent tweet ids (see dedup.h). */
#include "lockstep/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"

int ls_dedup_init(struct ls_dedup *d, uint32_t capacity, struct ls_err *err) {
  uint32_t cap = 1024;
  while (cap < capacity) cap <<= 1;
  d->gen[0] = calloc(cap, sizeof(uint64_t));
  d->gen[1] = calloc(cap, sizeof(uint64_t));
  if (!d->gen[0] || !d->gen[1]) {
    ls_dedup_free(d);
    return ls_err_set(err, LS_ENOMEM, "dedup: cannot allocate %u ids", cap);
  }
  d->mask = cap - 1;
  d->count = 0;
  d->cur = 0;
  return LS_OK;
}

void ls_dedup_free(struct ls_dedup *d) {
  free(d->gen[0]);
  free(d->gen[1]);
  d->gen[0] = d->gen[1] = NULL;
}

static bool contains(const uint64_t *set, uint32_t mask, uint64_t id, uint32_t *slot) {
  uint32_t i = (uint32_t)ls_mix64(id) & mask;
  while (set[i]) {
    if (set[i] == id) return true;
    i = (i + 1) & mask;
  }
  if (slot) *slot = i;
  return false;
}

bool ls_dedup_seen(struct ls_dedup *d, uint64_t id) {
  uint32_t slot;
  if (contains(d->gen[d->cur ^ 1], d->mask, id, NULL)) return true;
  if (contains(d->gen[d->cur], d->mask, id, &slot)) return true;
  d->gen[d->cur][slot] = id;
  if (++d->count >= (d->mask + 1) / 2) { /* rotate: the older generation is forgotten */
    d->cur ^= 1;
    memset(d->gen[d->cur], 0, ((size_t)d->mask + 1) * sizeof(uint64_t));
    d->count = 0;
  }
  return false;
}

size_t ls_dedup_bytes(const struct ls_dedup *d) { return 2 * ((size_t)d->mask + 1) * sizeof(uint64_t); }
