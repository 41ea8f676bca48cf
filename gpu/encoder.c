/* encoder.c — the BERT forward pass as one graph over the backend's encoder ops (see encoder.h).
 * Per layer: QKV as one GEMM with bias; attention over packed sequences; output projection;
 * bias + residual + LayerNorm fused; FFN-in GEMM with bias + GELU fused; FFN-out GEMM; bias +
 * residual + LayerNorm fused. The same code runs on the CPU and CUDA backends. */
#include "lockstep/encoder.h"

#include <stdlib.h>
#include <string.h>

struct enc_layer {
  void *qkv_w, *qkv_b, *out_w, *out_b, *ln1_g, *ln1_b, *ffn_in_w, *ffn_in_b, *ffn_out_w, *ffn_out_b, *ln2_g, *ln2_b;
};

struct ls_encoder {
  struct ls_backend *be;
  struct ls_bert_config cfg;
  enum ls_pooling pooling;
  int normalize;
  uint32_t max_tokens, max_seqs;
  void *word, *pos, *type, *emb_g, *emb_b;
  struct enc_layer *layers;
  void *x, *tmp, *qkv, *ctx, *ffn, *pooled; /* activations */
  struct ls_seq_shape shape;               /* of the batch being recorded */
};

static int upload(struct ls_encoder *e, void **dst, const float *src, size_t n, int matrix, struct ls_err *err) {
  *dst = e->be->i->weight(e->be, src, n, matrix, err);
  return *dst ? LS_OK : LS_ENOMEM;
}

static int upload_layer(struct ls_encoder *e, const struct ls_bert_layer *L, struct enc_layer *D, struct ls_err *err) {
  size_t h = e->cfg.hidden, f = e->cfg.ffn;
  const struct { void **dst; const float *src; size_t n; int matrix; } w[] = {
      {&D->qkv_w, L->qkv_w, 3 * h * h, 1},   {&D->qkv_b, L->qkv_b, 3 * h, 0},   {&D->out_w, L->out_w, h * h, 1},
      {&D->out_b, L->out_b, h, 0},           {&D->ln1_g, L->ln1_g, h, 0},       {&D->ln1_b, L->ln1_b, h, 0},
      {&D->ffn_in_w, L->ffn_in_w, f * h, 1}, {&D->ffn_in_b, L->ffn_in_b, f, 0}, {&D->ffn_out_w, L->ffn_out_w, h * f, 1},
      {&D->ffn_out_b, L->ffn_out_b, h, 0},   {&D->ln2_g, L->ln2_g, h, 0},       {&D->ln2_b, L->ln2_b, h, 0}};
  for (size_t i = 0; i < sizeof w / sizeof *w; i++)
    if (upload(e, w[i].dst, w[i].src, w[i].n, w[i].matrix, err)) return LS_ENOMEM;
  return LS_OK;
}

static int alloc_acts(struct ls_encoder *e, struct ls_err *err) {
  size_t t = e->max_tokens, h = e->cfg.hidden;
  struct { void **dst; size_t n; } a[] = {{&e->x, t * h}, {&e->tmp, t * h}, {&e->qkv, 3 * t * h}, {&e->ctx, t * h},
                                          {&e->ffn, t * e->cfg.ffn}};
  for (size_t i = 0; i < sizeof a / sizeof *a; i++)
    if (!(*a[i].dst = e->be->i->act_alloc(e->be, a[i].n, err))) return LS_ENOMEM;
  e->pooled = e->be->i->alloc(e->be, (size_t)e->max_seqs * h * sizeof(float), err);
  return e->pooled ? LS_OK : LS_ENOMEM;
}

int ls_encoder_create(struct ls_encoder **out, struct ls_backend *be, const struct ls_bert_model *m, uint32_t max_tokens,
                      bool unit, struct ls_err *err) {
  struct ls_encoder *e = calloc(1, sizeof *e);
  if (!e) return ls_err_set(err, LS_ENOMEM, "encoder: out of memory");
  const struct ls_bert_config *c = &m->cfg;
  *e = (struct ls_encoder){.be = be, .cfg = *c, .pooling = m->pooling, .normalize = m->normalize || unit,
                           .max_tokens = max_tokens < m->max_seq ? m->max_seq : max_tokens};
  e->max_seqs = e->max_tokens / 2 + 1; /* every sequence has [CLS] and [SEP] */
  size_t h = c->hidden;
  int rc = (e->layers = calloc(c->layers, sizeof *e->layers)) ? LS_OK : ls_err_set(err, LS_ENOMEM, "encoder: out of memory");
  if (!rc) rc = upload(e, &e->word, m->word, (size_t)c->vocab * h, 1, err);
  if (!rc) rc = upload(e, &e->pos, m->pos, (size_t)c->max_pos * h, 1, err);
  if (!rc) rc = upload(e, &e->type, m->type, h, 0, err); /* token type 0 only: one sentence per text */
  if (!rc) rc = upload(e, &e->emb_g, m->emb_ln_g, h, 0, err);
  if (!rc) rc = upload(e, &e->emb_b, m->emb_ln_b, h, 0, err);
  for (uint32_t l = 0; !rc && l < c->layers; l++) rc = upload_layer(e, &m->layers[l], &e->layers[l], err);
  if (!rc) rc = alloc_acts(e, err);
  if (rc) {
    ls_encoder_destroy(e);
    return rc;
  }
  *out = e;
  return LS_OK;
}

void ls_encoder_destroy(struct ls_encoder *e) {
  if (!e) return;
  struct ls_backend *be = e->be;
  void *top[] = {e->word, e->pos, e->type, e->emb_g, e->emb_b, e->x, e->tmp, e->qkv, e->ctx, e->ffn, e->pooled};
  for (size_t i = 0; i < sizeof top / sizeof *top; i++)
    if (top[i]) be->i->free(be, top[i]);
  for (uint32_t l = 0; e->layers && l < e->cfg.layers; l++) {
    void **w = (void **)&e->layers[l];
    for (size_t i = 0; i < sizeof(struct enc_layer) / sizeof(void *); i++)
      if (w[i]) be->i->free(be, w[i]);
  }
  free(e->layers);
  free(e);
}

uint32_t ls_encoder_dim(const struct ls_encoder *e) { return e->cfg.hidden; }
uint32_t ls_encoder_max_tokens(const struct ls_encoder *e) { return e->max_tokens; }

static int layer_forward(struct ls_encoder *e, const struct enc_layer *L, struct ls_err *err) {
  const struct ls_backend_i *o = e->be->i;
  struct ls_backend *be = e->be;
  uint32_t t = e->shape.tokens, h = e->cfg.hidden, f = e->cfg.ffn;
  float eps = e->cfg.eps;
  void *swap;
  int rc = o->linear(be, e->x, L->qkv_w, L->qkv_b, t, 3 * h, h, LS_ACT_NONE, e->qkv, err);
  if (!rc) rc = o->attention(be, e->qkv, e->cfg.heads, h / e->cfg.heads, e->ctx, err);
  if (!rc) rc = o->linear(be, e->ctx, L->out_w, NULL, t, h, h, LS_ACT_NONE, e->tmp, err);
  if (!rc) rc = o->add_layernorm(be, e->tmp, L->out_b, e->x, L->ln1_g, L->ln1_b, t, h, eps, err);
  swap = e->x, e->x = e->tmp, e->tmp = swap;
  if (!rc) rc = o->linear(be, e->x, L->ffn_in_w, L->ffn_in_b, t, f, h, LS_ACT_GELU, e->ffn, err);
  if (!rc) rc = o->linear(be, e->ffn, L->ffn_out_w, NULL, t, h, f, LS_ACT_NONE, e->tmp, err);
  if (!rc) rc = o->add_layernorm(be, e->tmp, L->ffn_out_b, e->x, L->ln2_g, L->ln2_b, t, h, eps, err);
  swap = e->x, e->x = e->tmp, e->tmp = swap;
  return rc;
}

/* The whole forward pass for the current batch shape; what run_graph records. Each layer swaps
 * the activation buffers twice, so every pass starts and ends with the same pointers and a
 * replayed graph reads and writes what a direct run would. */
static int forward(void *ctx, struct ls_err *err) {
  struct ls_encoder *e = ctx;
  const struct ls_backend_i *o = e->be->i;
  int rc = o->embed(e->be, e->word, e->pos, e->type, e->emb_g, e->emb_b, e->cfg.hidden, e->cfg.eps, e->x, err);
  for (uint32_t l = 0; !rc && l < e->cfg.layers; l++) rc = layer_forward(e, &e->layers[l], err);
  if (!rc) rc = o->pool(e->be, e->x, e->cfg.hidden, e->pooling, e->normalize, e->pooled, err);
  return rc;
}

int ls_encoder_submit(struct ls_encoder *e, const struct ls_seqs *s, float *out, struct ls_err *err) {
  if (s->n_tokens > e->max_tokens || s->n_seqs > e->max_seqs)
    return ls_err_set(err, LS_EINVAL, "encoder: batch of %u tokens / %u texts exceeds %u / %u", s->n_tokens, s->n_seqs,
                      e->max_tokens, e->max_seqs);
  struct ls_seqs cs = *s;
  cs.cap_tokens = e->max_tokens;
  cs.cap_seqs = e->max_seqs;
  int rc = e->be->i->seqs_load(e->be, &cs, &e->shape, err);
  uint64_t key = (uint64_t)e->shape.tokens << 40 | (uint64_t)e->shape.seqs << 20 | e->shape.len;
  if (!rc) rc = e->be->i->run_graph(e->be, key, forward, e, err);
  if (!rc) rc = e->be->i->fetch(e->be, out, e->pooled, (size_t)s->n_seqs * e->cfg.hidden * sizeof(float), err);
  return rc;
}

int ls_encoder_wait(struct ls_encoder *e, struct ls_err *err) { return e->be->i->sync(e->be, err); }
