/* read_marks.h — which records of its input a daemon has read before, per partition, so that a
 * record read again (the tail replayed after a restore, or a partition given back by a
 * rebalance) rebuilds the windows only. Per partition: its position (every offset below it was
 * read), the offsets at or past it read already (a stage topic's records leave the consumer's
 * merge out of offset order: partition_merge.h), and the message noted last (the later tweets
 * of a page of many, one message, share its first tweet's answer). Saved in the checkpoint and restored with it;
 * a partition handed over from another daemon takes that daemon's marks too.
 * One thread (the pipeline's) owns it. */
#ifndef LOCKSTEP_READ_MARKS_H
#define LOCKSTEP_READ_MARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/snapshot.h"

struct ls_read_marks;

/* For partitions 0 .. n_partitions - 1. @returns LS_OK or LS_ENOMEM. */
int ls_read_marks_create(struct ls_read_marks **out, int32_t n_partitions, struct ls_err *err);
void ls_read_marks_destroy(struct ls_read_marks *r);

/* One record of partition at offset, after which every offset below next has been handed on.
 * @returns true when it was read before. A partition out of range is never read before. */
bool ls_read_marks_note(struct ls_read_marks *r, int32_t partition, int64_t offset, int64_t next);
/* Per partition, its position: every offset below it was read, -1 when none was (after a
 * restore, where the consumers' replay gate holds it). */
const int64_t *ls_read_marks_positions(const struct ls_read_marks *r);
/* Offsets read past the positions, over all partitions (bounded by what the merges hold). */
uint64_t ls_read_marks_ahead(const struct ls_read_marks *r);

void ls_read_marks_save(const struct ls_read_marks *r, struct ls_snap *w);
/* Merges saved marks into r: this daemon's own after a restore (only NULL: every partition), or
 * another daemon's for the partitions handed over from it (only: a bitmap over r's partitions,
 * bit q % 8 of byte q / 8). A partition merged has been read before where either read it.
 * @returns LS_OK, or the reader's error (a partition out of range, truncated): what came before
 * it is merged. */
int ls_read_marks_load(struct ls_read_marks *r, struct ls_snap_reader *in, const uint8_t *only, struct ls_err *err);

#endif
