/* embedder.c — the configured embedder (see embedder.h): the hash embedder, or a model's
 * tokenizer feeding its encoder in token-budget batches. */
#include "lockstep/embedder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/embed.h"
#include "lockstep/encoder.h"
#include "lockstep/model.h"
#include "lockstep/tokenizer.h"

#define HASH_SEED 0x15c0ffee
#define HASH_THRESHOLD 0.7  /* copies and light edits score above, unrelated tweets below 0.4 */
#define MODEL_THRESHOLD 0.9 /* sentence models: paraphrases of one text, not texts on one topic */

struct ls_embedder {
  struct ls_hash_embedder hash;
  struct ls_tokenizer *tok; /* NULL for hash */
  struct ls_encoder *enc;
  uint32_t dim, max_len;
  struct ls_bert_config cfg; /* model embedders */
  struct ls_backend *be;
  char describe[768];
  int32_t *ids; /* n × max_len, tokenised texts */
  uint32_t *lens, *offsets;
  uint32_t cap;
  int32_t *packed; /* one encoder batch: max_tokens ids */
  uint64_t tokens;
};

static int open_model(struct ls_embedder *e, const struct ls_embedder_opts *o, struct ls_err *err) {
  struct ls_bert_model m;
  int rc = ls_bert_load(&m, o->model, err);
  if (rc) return rc;
  rc = ls_tokenizer_load(&e->tok, o->model, m.max_seq, err);
  if (!rc && ls_tokenizer_vocab_size(e->tok) > m.cfg.vocab)
    rc = ls_err_set(err, LS_EINVAL, "%s: the tokenizer has %u tokens but config.json vocab_size is %u", o->model,
                    ls_tokenizer_vocab_size(e->tok), m.cfg.vocab);
  uint32_t budget = o->max_batch_tokens ? o->max_batch_tokens : 16384;
  if (!rc) rc = ls_encoder_create(&e->enc, e->be, &m, budget, o->unit, err);
  if (!rc && !(e->packed = malloc((size_t)ls_encoder_max_tokens(e->enc) * sizeof *e->packed)))
    rc = ls_err_set(err, LS_ENOMEM, "embedder: out of memory");
  if (!rc) {
    e->cfg = m.cfg;
    e->dim = m.cfg.hidden;
    e->max_len = m.max_seq;
    snprintf(e->describe, sizeof e->describe,
             "%s (bert: %u layers, %u hidden, %u heads, %u ffn, vocab %u, max_seq %u, %s pooling%s)", o->model, m.cfg.layers,
             m.cfg.hidden, m.cfg.heads, m.cfg.ffn, m.cfg.vocab, m.max_seq, ls_pooling_name(m.pooling),
             m.normalize ? ", normalize" : "");
  }
  ls_bert_free(&m);
  return rc;
}

int ls_embedder_open(struct ls_embedder **out, const struct ls_embedder_opts *o, struct ls_backend *be,
                     const struct ls_log *log, struct ls_err *err) {
  struct ls_embedder *e = calloc(1, sizeof *e);
  if (!e) return ls_err_set(err, LS_ENOMEM, "embedder: out of memory");
  e->be = be;
  int rc = LS_OK;
  if (!strcmp(o->model, "hash")) {
    e->hash = (struct ls_hash_embedder){.dim = o->hash_dim, .seed = HASH_SEED};
    e->dim = o->hash_dim;
    snprintf(e->describe, sizeof e->describe, "hash dim=%u", e->dim);
  } else {
    rc = open_model(e, o, err);
  }
  if (rc) {
    ls_embedder_close(e);
    return rc;
  }
  ls_logf(log, LS_LOG_INFO, "embed", "model %s on %s", e->describe, be->i->name);
  *out = e;
  return LS_OK;
}

void ls_embedder_close(struct ls_embedder *e) {
  if (!e) return;
  ls_encoder_destroy(e->enc);
  ls_tokenizer_free(e->tok);
  free(e->ids); free(e->lens); free(e->offsets); free(e->packed);
  free(e);
}

uint32_t ls_embedder_dim(const struct ls_embedder *e) { return e->dim; }
double ls_embedder_default_threshold(const struct ls_embedder *e) { return e->tok ? MODEL_THRESHOLD : HASH_THRESHOLD; }
const char *ls_embedder_describe(const struct ls_embedder *e) { return e->describe; }
uint32_t ls_embedder_max_len(const struct ls_embedder *e) { return e->max_len; }
uint64_t ls_embedder_tokens(const struct ls_embedder *e) { return e->tokens; }
double ls_embedder_flops(const struct ls_embedder *e, uint32_t len) { return e->tok ? ls_bert_flops(&e->cfg, len, len) : 0; }

int ls_embedder_tokenize(const struct ls_embedder *e, const char *text, uint32_t len, int32_t *ids) {
  return e->tok ? (int)ls_tokenize(e->tok, text, len, ids) : -1;
}

static int reserve(struct ls_embedder *e, uint32_t n, struct ls_err *err) {
  if (n <= e->cap) return LS_OK;
  free(e->ids); free(e->lens); free(e->offsets);
  e->ids = malloc((size_t)n * e->max_len * sizeof *e->ids);
  e->lens = malloc(n * sizeof *e->lens);
  e->offsets = malloc(((size_t)n + 1) * sizeof *e->offsets);
  e->cap = e->ids && e->lens && e->offsets ? n : 0;
  return e->cap ? LS_OK : ls_err_set(err, LS_ENOMEM, "embedder: out of memory for %u texts", n);
}

/* Packs texts [first, end) (already tokenised) into one batch and queues it. */
static int submit(struct ls_embedder *e, uint32_t first, uint32_t end, float *out, struct ls_err *err) {
  struct ls_seqs s = {.ids = e->packed, .offsets = e->offsets, .n_seqs = end - first};
  e->offsets[0] = 0;
  for (uint32_t i = first; i < end; i++) {
    memcpy(e->packed + s.n_tokens, e->ids + (size_t)i * e->max_len, e->lens[i] * sizeof *e->packed);
    s.n_tokens += e->lens[i];
    s.max_len = e->lens[i] > s.max_len ? e->lens[i] : s.max_len;
    e->offsets[i - first + 1] = s.n_tokens;
  }
  e->tokens += s.n_tokens;
  int rc = ls_encoder_submit(e->enc, &s, out + (size_t)first * e->dim, err);
  return rc; /* seqs_load has copied packed and offsets: the next batch may reuse them */
}

static int embed_model(struct ls_embedder *e, const char *const *texts, const uint32_t *lens, uint32_t n, float *out,
                       struct ls_err *err) {
  int rc = reserve(e, n, err);
  if (rc) return rc;
#pragma omp parallel for schedule(dynamic, 64)
  for (uint32_t i = 0; i < n; i++) e->lens[i] = ls_tokenize(e->tok, texts[i], lens[i], e->ids + (size_t)i * e->max_len);
  uint32_t budget = ls_encoder_max_tokens(e->enc), first = 0, tokens = 0;
  for (uint32_t i = 0; !rc && i < n; i++) {
    if (tokens + e->lens[i] > budget) {
      rc = submit(e, first, i, out, err);
      first = i;
      tokens = 0;
    }
    tokens += e->lens[i];
  }
  if (!rc && first < n) rc = submit(e, first, n, out, err);
  int wrc = ls_encoder_wait(e->enc, err);
  return rc ? rc : wrc;
}

int ls_embedder_embed(struct ls_embedder *e, const char *const *texts, const uint32_t *lens, uint32_t n, float *out,
                      struct ls_err *err) {
  if (!e->tok) {
    ls_hash_embed(&e->hash, texts, lens, n, out);
    return LS_OK;
  }
  return embed_model(e, texts, lens, n, out, err);
}
