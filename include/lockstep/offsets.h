/* offsets.h — which input offset may be acknowledged, per (source, partition).
 * A partition's acknowledged offset never passes the oldest tweet that a live window may still
 * need (DESIGN.md §1), so a restart that resumes from the committed offsets reads that tail again
 * and rebuilds the windows. Each batch leaves, per partition it touched, a checkpoint (its first
 * offset and its newest event time); the safe offset is the first offset of the oldest checkpoint
 * whose newest tweet is still inside the horizon, or, when none is, everything processed.
 * Fixed capacity: partitions and checkpoints per partition are sized at creation; when a
 * partition's checkpoints overflow, the oldest is dropped (the hold-back shortens) and counted. */
#ifndef LOCKSTEP_OFFSETS_H
#define LOCKSTEP_OFFSETS_H

#include <stdint.h>

#include "lockstep/err.h"

struct ls_offsets;

int ls_offsets_create(struct ls_offsets **out, uint32_t max_partitions, uint32_t checkpoints, struct ls_err *err);
void ls_offsets_destroy(struct ls_offsets *o);

/* One processed record at offset, after which every offset below next is processed (offset + 1
 * in offset order; less while a lower one still waits upstream): t_ms = 0 for a position marker
 * (it moves the offset, not the horizon). */
void ls_offsets_note(struct ls_offsets *o, int source, int32_t partition, int64_t offset, int64_t next, int64_t t_ms);
/* Closes the current batch: one checkpoint per partition it touched. */
void ls_offsets_seal(struct ls_offsets *o);

typedef void (*ls_offset_fn)(void *ud, int source, int32_t partition, int64_t next_offset);
/* Calls fn for every partition whose safe offset, for tweets older than horizon_ms no longer
 * needed, has advanced since the last call. */
void ls_offsets_advance(struct ls_offsets *o, int64_t horizon_ms, ls_offset_fn fn, void *ud);

/* Checkpoints dropped on overflow (each shortens a hold-back), and records of partitions beyond
 * max_partitions (never acknowledged: size max_partitions for every partition a pipeline reads). */
uint64_t ls_offsets_overflows(const struct ls_offsets *o);

#endif
