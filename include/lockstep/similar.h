/* similar.h — the co-similar-text pair stage: the vector window (vecwin.h) with what each row
 * stands for. A batch's vectors join the window, its index answers every query (cosine at least
 * the threshold), and each query leaves as its pair set (stage.h): the matches by other accounts
 * inside the window, less exact copies (co-tweet's evidence, not counted twice). A query matched
 * by more accounts than the chance model's limit is organic (many independent near-identical
 * posts) and forms no pairs. Rows older than the window and detect.lateness_s leave the search. */
#ifndef LOCKSTEP_SIMILAR_H
#define LOCKSTEP_SIMILAR_H

#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/chance.h"
#include "lockstep/config.h"
#include "lockstep/err.h"
#include "lockstep/export.h"
#include "lockstep/log.h"
#include "lockstep/stage.h"

/* One co-similar-text action, the co-tweet key of its text (0: none), and on sharded windows the
 * partitions it was sent to (ascending; n_parts 0: not sharded). */
struct ls_similar_query {
  struct ls_action_rec act;
  uint64_t text_key;
  const uint16_t *parts;
  uint32_t n_parts;
};

/* A batch's pair sets and what it found besides them. */
struct ls_similar_out {
  const struct ls_pairset *sets; /* one per query with partners, in query order */
  const uint32_t *query;         /* per set: the index of its query in the batch */
  uint32_t n_sets;
  uint32_t suppressed; /* queries matched by more accounts than the chance model allows */
  uint64_t light;      /* co-actions under the least weight, of every query (with a set or not) */
};

struct ls_similar;

/* A window of detect.window_capacity rows of dim, searched at similarity tau by the backend: the
 * one window (partition -1), or the window of one actions partition among sharded ones, which
 * reports only the pairs it owns (text_shards.h) and marks its sets' act.window. cfg and chance
 * belong to the caller and must outlive the stage. A row keeps its action's activity count, which
 * weighs its pairs. Logs its sizes.
 * @returns LS_OK, LS_ENOMEM, or the backend's error. */
int ls_similar_create(struct ls_similar **out, const struct ls_config *cfg, struct ls_backend *be, uint32_t dim, float tau,
                      int32_t partition, const struct ls_chance *chance, const struct ls_log *log, struct ls_err *err);
void ls_similar_destroy(struct ls_similar *s);
/* Records both directions of every match (--export-edges). */
void ls_similar_set_export(struct ls_similar *s, struct ls_export *x);

/* Retires the rows the watermark has left behind, adds the n queries' vectors (n × dim) and finds
 * their pair sets; out's sets stay valid until the next call. @returns LS_OK, or the backend's
 * error (the batch's co-similar-text is lost; err says why). */
int ls_similar_batch(struct ls_similar *s, const struct ls_similar_query *q, const float *vectors, uint32_t n, int64_t watermark_ms,
                     struct ls_similar_out *out, struct ls_err *err);

uint32_t ls_similar_rows(const struct ls_similar *s); /* live rows */
size_t ls_similar_bytes(const struct ls_similar *s);

#endif
