/* text_shards.h — the shards of the distributed co-similar-text index (README: stages). With
 * [pipeline] roles, one pair daemon cannot hold the whole text window, so the vector space is
 * cut into K shards: K centroids trained once on a sample of texts (lockstep-embed
 * --train-shards) and given to every ingest daemon in one file (pipeline.text_shards), as an IVF
 * index is trained before anything is added to it. A vector belongs to its `spill` nearest
 * shards (centred cosine, ranked as the window's own lists are: x·c + bias); shard k lives on
 * the actions topic's partition k mod P. The ingest daemon sends the vector to each distinct
 * partition of its shards, with that list; the pair window of each of those partitions stores it
 * and searches with it. Two vectors meet on every partition they share, and their pair is
 * reported by the lowest of those (ls_text_shards_owner), so never twice. A pair is missed only
 * when the two share no shard; `lockstep-bench window --shards K` measures how often. */
#ifndef LOCKSTEP_TEXT_SHARDS_H
#define LOCKSTEP_TEXT_SHARDS_H

#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/err.h"

#define LS_TEXT_SHARDS_SPILL_MAX 8 /* shards a vector belongs to, at most */

struct ls_text_shards;

/* Reads a shards file (safetensors: "centroids" K × dim and "bias" K, float32) for vectors of
 * dim, each to belong to its spill (1..LS_TEXT_SHARDS_SPILL_MAX, at most K) nearest shards.
 * @returns LS_OK; LS_EIO (the file cannot be read), LS_EINVAL (not a shards file, or one for
 * another dimension: err names the file, the tensor and pipeline.text_shards), LS_ENOMEM. */
int ls_text_shards_open(struct ls_text_shards **out, const char *path, uint32_t dim, uint32_t spill, struct ls_err *err);
void ls_text_shards_close(struct ls_text_shards *ts);
uint32_t ls_text_shards_count(const struct ls_text_shards *ts); /* K */

/* The distinct partitions (of `partitions`) of unit vector v's shards, ascending, into parts
 * (room for LS_TEXT_SHARDS_SPILL_MAX): shard k of K lives on partition k x partitions / K, so
 * the shards spread over the whole topic (a range assignor gives each member its share whether
 * K is above or below the partitions). @returns how many (1..spill). */
uint32_t ls_text_shards_route(const struct ls_text_shards *ts, const float *v, uint32_t partitions, uint16_t *parts);

/* The partition that reports the pair of two vectors routed to a (na) and b (nb), both
 * ascending: the lowest they share. @returns it, or -1 when they share none. */
int32_t ls_text_shards_owner(const uint16_t *a, uint32_t na, const uint16_t *b, uint32_t nb);

/* Trains k shards on n unit vectors of dim (spherical k-means on the backend, as the window
 * learns its lists) and writes them to path. @returns LS_OK; LS_EINVAL (fewer than 16 × k
 * vectors or k outside 16..65536: err says how many are needed), LS_EIO, LS_ENOMEM, or the
 * backend's error. */
int ls_text_shards_train(struct ls_backend *be, const float *vectors, uint32_t n, uint32_t dim, uint32_t k, const char *path,
                         struct ls_err *err);

#endif
