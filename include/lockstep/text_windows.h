/* text_windows.h — the pair stage's co-similar-text windows (similar.h): the one window, which
 * holds every vector when they are not sharded (one process, or ingest daemons without
 * pipeline.text_shards: then they all arrive on actions partition 0), or one window per actions
 * partition that sharded vectors reach (text_shards.h). A batch's queries are searched in the
 * window of their partition; a partition's window is created when its first vector arrives
 * (logged with its size), since which partitions a pair daemon holds changes with rebalances. */
#ifndef LOCKSTEP_TEXT_WINDOWS_H
#define LOCKSTEP_TEXT_WINDOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/similar.h"

struct ls_text_windows;

/* Windows as ls_similar_create makes them; the one window is created now when one_now (one
 * process: its size is fixed at start), else on first use. @returns LS_OK, LS_ENOMEM, or the
 * backend's error. */
int ls_text_windows_create(struct ls_text_windows **out, const struct ls_config *cfg, struct ls_backend *be, uint32_t dim, float tau,
                           bool one_now, const struct ls_chance *chance, const struct ls_log *log, struct ls_err *err);
void ls_text_windows_destroy(struct ls_text_windows *tw);
void ls_text_windows_set_export(struct ls_text_windows *tw, struct ls_export *x); /* every window's, now and later */

/* Searches the n queries (and their vectors, n × dim), each in the window of the partition it
 * was read from (partition[i]; NULL: all in the one window) when it is sharded (n_parts > 0),
 * else in the one window. out gathers the windows' sets, out->query indexing q; they stay valid
 * until the next call. @returns LS_OK, or the first window's error (err says why; its queries
 * are lost, the other windows' sets are in out). */
int ls_text_windows_batch(struct ls_text_windows *tw, const struct ls_similar_query *q, const int32_t *partition, const float *vectors,
                          uint32_t n, int64_t watermark_ms, struct ls_similar_out *out, struct ls_err *err);

uint32_t ls_text_windows_rows(const struct ls_text_windows *tw); /* live rows, all windows */
size_t ls_text_windows_bytes(const struct ls_text_windows *tw);

#endif
