/* dedup.h — remembers recent tweet ids to drop duplicates (Kafka delivers at least once).
 * Two generations of an open-addressing set: lookups check both, inserts go to the current one,
 * and when it is half full the older generation is discarded. Remembers at least the last
 * capacity/2 ids in fixed memory. */
#ifndef LOCKSTEP_DEDUP_H
#define LOCKSTEP_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_dedup {
  uint64_t *gen[2];
  uint32_t mask, count, cur;
};

int ls_dedup_init(struct ls_dedup *d, uint32_t capacity, struct ls_err *err);
void ls_dedup_free(struct ls_dedup *d);
/* True when id was seen recently; otherwise remembers it and returns false. */
bool ls_dedup_seen(struct ls_dedup *d, uint64_t id);
size_t ls_dedup_bytes(const struct ls_dedup *d);

#endif
