/* bench_shards.h — the distributed co-similar-text index simulated in one process for
 * `lockstep-bench window --shards FILE` (tools/bench_shards.c): one window per actions
 * partition, each vector stored and searched on the partitions of its shards (text_shards.h),
 * each pair kept only by its owner partition, so its pairs can be checked against brute force. */
#ifndef LOCKSTEP_TOOLS_BENCH_SHARDS_H
#define LOCKSTEP_TOOLS_BENCH_SHARDS_H

#include <stdint.h>
#include <stdio.h>

#include "lockstep/backend.h"
#include "lockstep/vecwin.h"

struct shard_sim;

/* Windows of capacity rows (as the whole window's, so that only routing can miss a pair) for
 * `partitions` partitions of the shards in path. @returns LS_OK or the error (err says why). */
int shard_sim_create(struct shard_sim **out, struct ls_backend *be, const char *path, uint32_t partitions, uint32_t spill,
                     const struct ls_vecwin_conf *conf, struct ls_err *err);
void shard_sim_destroy(struct shard_sim *s);

/* Sends the batch's n vectors (global numbers first_vector..) to their partitions; the pairs the
 * owners report come back as (batch index, slot of the whole window: number mod capacity),
 * pairs with rows the whole window no longer holds left out, at most cap. */
int shard_sim_batch(struct shard_sim *s, const float *vec, uint32_t n, uint64_t first_vector, struct ls_pair *out, uint32_t cap,
                    uint32_t *n_out, struct ls_err *err);

/* ", \"shards\": ..." fields for the bench's JSON object: shards, partitions, spill, partitions
 * per vector, and the most and fewest vectors a partition stored against the mean. */
void shard_sim_report(const struct shard_sim *s, FILE *f);

#endif
