/* snapshot.h — the bytes of a checkpoint (DESIGN.md §6, checkpoints): a growable writer and a
 * bounds-checked reader, and sections that each state module opens with its tag and the sizes of
 * the records it copies, so a checkpoint written by another build (other struct layouts, other
 * capacities) is refused with a reason instead of being misread. Records are copied as their
 * in-memory bytes: a checkpoint is read back by the same build, on the same kind of machine.
 * The writer never fails midway: out of memory sets oom, which ls_snap_done reports. */
#ifndef LOCKSTEP_SNAPSHOT_H
#define LOCKSTEP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_snap { /* writer */
  uint8_t *buf;
  size_t len, cap;
  bool oom;
};

struct ls_snap_reader {
  const uint8_t *p;
  size_t left;
  bool bad; /* a read ran past the end or a section did not match */
  char why[200];
};

void ls_snap_free(struct ls_snap *w);
void ls_snap_put(struct ls_snap *w, const void *p, size_t n);
void ls_snap_u64(struct ls_snap *w, uint64_t v);
/* The occupied records (used) of a table of n records of size bytes: their count, then each
 * index and record, in one pass over the table. */
void ls_snap_put_sparse(struct ls_snap *w, const void *table, size_t size, uint32_t n, bool (*used)(const void *rec));
/* Opens a section: tag (four letters) and a fingerprint of what follows (record sizes, capacities). */
void ls_snap_section(struct ls_snap *w, const char *tag, uint64_t fingerprint);
/* @returns LS_OK, or LS_ENOMEM when a put could not grow the buffer (the snapshot is unusable). */
int ls_snap_done(const struct ls_snap *w, struct ls_err *err);

void ls_snap_reader_init(struct ls_snap_reader *r, const void *p, size_t n);
/* Copies n bytes; false (and r->bad) when fewer are left: out is zeroed then. */
bool ls_snap_get(struct ls_snap_reader *r, void *out, size_t n);
uint64_t ls_snap_get_u64(struct ls_snap_reader *r);
/* The next n bytes in place (valid while the input is), or NULL (and r->bad) when fewer are left. */
const void *ls_snap_take(struct ls_snap_reader *r, size_t n);
/* A count of records of rec_size bytes each that must all still be in the input: 0 and r->bad
 * when they cannot be (a corrupt count never makes a huge allocation). */
uint64_t ls_snap_get_count(struct ls_snap_reader *r, size_t rec_size);
/* Reads what ls_snap_put_sparse wrote into table (zeroed first, and again when the input is
 * bad); valid (NULL: any record is) checks each record's counts and indices and may mend it.
 * @returns true, or false with r->bad when an index or record is out of range or truncated. */
bool ls_snap_get_sparse(struct ls_snap_reader *r, void *table, size_t size, uint32_t n, bool (*valid)(void *rec));
/* Checks that the next section is tag with this fingerprint; false and r->bad otherwise. */
bool ls_snap_expect(struct ls_snap_reader *r, const char *tag, uint64_t fingerprint);
/* Marks the input bad with a reason (a value out of range). */
void ls_snap_fail(struct ls_snap_reader *r, const char *why);
/* @returns LS_OK when everything read so far was there and matched, LS_EINVAL with the reason. */
int ls_snap_status(const struct ls_snap_reader *r, struct ls_err *err);

#endif
