/* bench_window.h — `lockstep-bench window`: the co-similar-text index on a real tweet stream,
 * against brute force over the same window (tools/bench_window.c). */
#ifndef LOCKSTEP_TOOLS_BENCH_WINDOW_H
#define LOCKSTEP_TOOLS_BENCH_WINDOW_H

#include <stdint.h>

struct bench_window_opts {
  const char *input, *backend;
  const char *shards; /* a text shards file: also simulate the distributed index (bench_shards.h) */
  uint32_t capacity, dim, probes, batch, check_every, check_queries, partitions, spill;
  float tau;
};

int bench_window(const struct bench_window_opts *o);

#endif
