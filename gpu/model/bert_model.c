/* bert_model.c — loading a BERT-family model directory (see model.h): config.json, the
 * sentence-transformers module files, and the weights from model.safetensors with every shape
 * checked against the config. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/model.h"
#include "lockstep/safetensors.h"

static const char *const PREFIXES[] = {"bert.", NULL};

const char *ls_pooling_name(enum ls_pooling p) { return p == LS_POOL_CLS ? "cls" : p == LS_POOL_MAX ? "max" : "mean"; }

double ls_bert_flops(const struct ls_bert_config *c, double n_tokens, double len) {
  double h = c->hidden, f = c->ffn;
  double gemm = 2.0 * n_tokens * (4.0 * h * h + 2.0 * h * f);
  double attn = 4.0 * n_tokens * len * h; /* QKᵀ and P·V */
  return c->layers * (gemm + attn);
}

/* --- config.json ------------------------------------------------------------------------------ */

static int cfg_u32(const struct ls_json_file *f, const char *key, uint32_t lo, uint32_t hi, bool required, uint32_t *out,
                   struct ls_err *err) {
  int t = ls_json_get(&f->doc, 0, key);
  uint64_t v;
  if (t < 0 && !required) return LS_OK;
  if (t < 0) return ls_err_set(err, LS_EINVAL, "%s: missing \"%s\"", f->path, key);
  if (!ls_json_u64(&f->doc, t, &v) || v < lo || v > hi)
    return ls_err_set(err, LS_EINVAL, "%s: \"%s\" must be an integer in [%u, %u]", f->path, key, lo, hi);
  *out = (uint32_t)v;
  return LS_OK;
}

static int check_strings(const struct ls_json_file *f, struct ls_err *err) {
  char s[64];
  int t = ls_json_get(&f->doc, 0, "hidden_act");
  if (t >= 0 && (ls_json_string(&f->doc, t, s, sizeof s) < 0 || strcmp(s, "gelu")))
    return ls_err_set(err, LS_EINVAL, "%s: hidden_act must be \"gelu\" (erf GELU, as BERT); other activations are not supported", f->path);
  t = ls_json_get(&f->doc, 0, "model_type");
  if (t >= 0 && (ls_json_string(&f->doc, t, s, sizeof s) < 0 || strcmp(s, "bert")))
    return ls_err_set(err, LS_EINVAL, "%s: model_type must be \"bert\" (BERT-family encoders: MiniLM, BGE, E5, …)", f->path);
  t = ls_json_get(&f->doc, 0, "position_embedding_type");
  if (t >= 0 && !ls_json_streq(&f->doc, t, "absolute"))
    return ls_err_set(err, LS_EINVAL, "%s: only absolute position embeddings are supported", f->path);
  return LS_OK;
}

static int read_config(struct ls_bert_config *c, const char *dir, struct ls_err *err) {
  struct ls_json_file f;
  int rc = ls_json_file_read(&f, dir, "config.json", NULL, err);
  if (rc != LS_OK) return rc;
  *c = (struct ls_bert_config){.type_vocab = 2, .eps = 1e-12f};
  if (f.doc.toks[0].type != LS_JSON_OBJECT) rc = ls_err_set(err, LS_EINVAL, "%s: not a JSON object", f.path);
  if (!rc) rc = cfg_u32(&f, "vocab_size", 1, 1u << 22, true, &c->vocab, err);
  if (!rc) rc = cfg_u32(&f, "hidden_size", 1, 8192, true, &c->hidden, err);
  if (!rc) rc = cfg_u32(&f, "num_hidden_layers", 1, 128, true, &c->layers, err);
  if (!rc) rc = cfg_u32(&f, "num_attention_heads", 1, 256, true, &c->heads, err);
  if (!rc) rc = cfg_u32(&f, "intermediate_size", 1, 65536, true, &c->ffn, err);
  if (!rc) rc = cfg_u32(&f, "max_position_embeddings", 2, 65536, true, &c->max_pos, err);
  if (!rc) rc = cfg_u32(&f, "type_vocab_size", 1, 1024, false, &c->type_vocab, err);
  if (!rc) rc = check_strings(&f, err);
  double eps;
  int t = ls_json_get(&f.doc, 0, "layer_norm_eps");
  if (!rc && t >= 0 && (!ls_json_f64(&f.doc, t, &eps) || !(eps > 0 && eps < 1)))
    rc = ls_err_set(err, LS_EINVAL, "%s: layer_norm_eps must be a number in (0, 1)", f.path);
  else if (!rc && t >= 0)
    c->eps = (float)eps;
  if (!rc && c->hidden % c->heads)
    rc = ls_err_set(err, LS_EINVAL, "%s: hidden_size %u is not a multiple of num_attention_heads %u", f.path, c->hidden, c->heads);
  ls_json_file_free(&f);
  return rc;
}

/* --- sentence-transformers module files ------------------------------------------------------- */

static int read_pooling(struct ls_bert_model *m, const char *dir, const char *sub, struct ls_err *err) {
  char name[300];
  snprintf(name, sizeof name, "%s/config.json", sub);
  struct ls_json_file f;
  int rc = ls_json_file_read(&f, dir, name, NULL, err);
  if (rc != LS_OK) return rc;
  static const struct { const char *key; int mode; } MODES[] = {
      {"pooling_mode_mean_tokens", LS_POOL_MEAN}, {"pooling_mode_cls_token", LS_POOL_CLS},
      {"pooling_mode_max_tokens", LS_POOL_MAX},   {"pooling_mode_mean_sqrt_len_tokens", -1},
      {"pooling_mode_weightedmean_tokens", -1},   {"pooling_mode_lasttoken", -1}};
  int on = 0;
  for (size_t i = 0; i < sizeof MODES / sizeof *MODES; i++) {
    bool v = false;
    if (!ls_json_bool(&f.doc, ls_json_get(&f.doc, 0, MODES[i].key), &v) || !v) continue;
    if (MODES[i].mode < 0) rc = ls_err_set(err, LS_EINVAL, "%s: %s is not supported (mean, cls or max)", f.path, MODES[i].key);
    m->pooling = (enum ls_pooling)MODES[i].mode;
    on++;
  }
  uint32_t dim = m->cfg.hidden;
  if (!rc && on != 1) rc = ls_err_set(err, LS_EINVAL, "%s: exactly one pooling mode must be true (found %d)", f.path, on);
  if (!rc) rc = cfg_u32(&f, "word_embedding_dimension", 1, 65536, false, &dim, err);
  if (!rc && dim != m->cfg.hidden)
    rc = ls_err_set(err, LS_EINVAL, "%s: word_embedding_dimension %u differs from hidden_size %u", f.path, dim, m->cfg.hidden);
  ls_json_file_free(&f);
  return rc;
}

static int read_module(struct ls_bert_model *m, const struct ls_json_file *f, int mod, struct ls_err *err) {
  char type[128], path[256] = "";
  if (ls_json_string(&f->doc, ls_json_get(&f->doc, mod, "type"), type, sizeof type) < 0)
    return ls_err_set(err, LS_EINVAL, "%s: a module has no \"type\"", f->path);
  ls_json_string(&f->doc, ls_json_get(&f->doc, mod, "path"), path, sizeof path);
  const char *kind = strrchr(type, '.') ? strrchr(type, '.') + 1 : type;
  if (!strcmp(kind, "Transformer")) return path[0] ? ls_err_set(err, LS_EINVAL, "%s: the Transformer module must be at the model's root (path \"\"), not \"%s\"", f->path, path) : LS_OK;
  if (!strcmp(kind, "Pooling")) return read_pooling(m, m->dir, path, err);
  if (!strcmp(kind, "Normalize")) return m->normalize = true, LS_OK;
  return ls_err_set(err, LS_EINVAL, "%s: module type %s is not supported (Transformer, Pooling, Normalize)", f->path, type);
}

static int read_modules(struct ls_bert_model *m, struct ls_err *err) {
  struct ls_json_file f;
  bool missing;
  m->pooling = LS_POOL_MEAN; /* what sentence-transformers assumes for a plain Hugging Face model */
  int rc = ls_json_file_read(&f, m->dir, "modules.json", &missing, err);
  if (missing) return LS_OK;
  if (rc != LS_OK) return rc;
  if (f.doc.toks[0].type != LS_JSON_ARRAY) rc = ls_err_set(err, LS_EINVAL, "%s: not a JSON array", f.path);
  for (int i = ls_json_first(&f.doc, 0); rc == LS_OK && i >= 0; i = ls_json_next(&f.doc, 0, i)) {
    if (f.doc.toks[i].type != LS_JSON_OBJECT) rc = ls_err_set(err, LS_EINVAL, "%s: a module is not an object", f.path);
    else rc = read_module(m, &f, i, err);
  }
  ls_json_file_free(&f);
  return rc;
}

static int read_max_seq(struct ls_bert_model *m, struct ls_err *err) {
  struct ls_json_file f;
  bool missing;
  m->max_seq = m->cfg.max_pos;
  int rc = ls_json_file_read(&f, m->dir, "sentence_bert_config.json", &missing, err);
  if (missing) return LS_OK;
  if (rc != LS_OK) return rc;
  rc = cfg_u32(&f, "max_seq_length", 2, 1u << 20, false, &m->max_seq, err);
  if (m->max_seq > m->cfg.max_pos) m->max_seq = m->cfg.max_pos;
  ls_json_file_free(&f);
  return rc;
}

/* --- weights ------------------------------------------------------------------------------------ */

static float *read2(const struct ls_safetensors *st, const char *name, uint64_t a, uint64_t b, struct ls_err *err) {
  uint64_t shape[2] = {a, b};
  return ls_st_read(st, name, PREFIXES, b ? 2 : 1, shape, err);
}

/* LayerNorm parameters are called weight/bias, or gamma/beta in older checkpoints. */
static int read_ln(const struct ls_safetensors *st, const char *base, uint32_t h, float **g, float **b, struct ls_err *err) {
  char n1[200], n2[200];
  bool old = false;
  snprintf(n1, sizeof n1, "%s.weight", base);
  if (!ls_st_find(st, n1, PREFIXES)) {
    snprintf(n2, sizeof n2, "%s.gamma", base);
    old = ls_st_find(st, n2, PREFIXES) != NULL;
  }
  snprintf(n1, sizeof n1, "%s.%s", base, old ? "gamma" : "weight");
  snprintf(n2, sizeof n2, "%s.%s", base, old ? "beta" : "bias");
  if (!(*g = read2(st, n1, h, 0, err)) || !(*b = read2(st, n2, h, 0, err))) return LS_EINVAL;
  return LS_OK;
}

/* Query, key and value stacked into one [3H × H] matrix and one [3H] bias. */
static int read_qkv(const struct ls_safetensors *st, uint32_t l, uint32_t h, struct ls_bert_layer *L, struct ls_err *err) {
  static const char *const PARTS[] = {"query", "key", "value"};
  size_t hh = (size_t)h * h;
  L->qkv_w = malloc(3 * hh * sizeof(float));
  L->qkv_b = malloc(3 * (size_t)h * sizeof(float));
  if (!L->qkv_w || !L->qkv_b) return ls_err_set(err, LS_ENOMEM, "out of memory reading layer %u", l);
  for (int p = 0; p < 3; p++) {
    char name[200];
    snprintf(name, sizeof name, "encoder.layer.%u.attention.self.%s.weight", l, PARTS[p]);
    float *w = read2(st, name, h, h, err);
    snprintf(name, sizeof name, "encoder.layer.%u.attention.self.%s.bias", l, PARTS[p]);
    float *b = w ? read2(st, name, h, 0, err) : NULL;
    if (w && b) {
      memcpy(L->qkv_w + p * hh, w, hh * sizeof(float));
      memcpy(L->qkv_b + (size_t)p * h, b, h * sizeof(float));
    }
    free(w);
    free(b);
    if (!w || !b) return LS_EINVAL;
  }
  return LS_OK;
}

static int read_layer(const struct ls_safetensors *st, const struct ls_bert_config *c, uint32_t l, struct ls_bert_layer *L,
                      struct ls_err *err) {
  char n[200];
  uint32_t h = c->hidden, f = c->ffn;
#define W(field, suffix, a, b)                                         \
  snprintf(n, sizeof n, "encoder.layer.%u.%s", l, suffix);             \
  if (!(L->field = read2(st, n, a, b, err))) return LS_EINVAL;
  if (read_qkv(st, l, h, L, err)) return LS_EINVAL;
  W(out_w, "attention.output.dense.weight", h, h);
  W(out_b, "attention.output.dense.bias", h, 0);
  W(ffn_in_w, "intermediate.dense.weight", f, h);
  W(ffn_in_b, "intermediate.dense.bias", f, 0);
  W(ffn_out_w, "output.dense.weight", h, f);
  W(ffn_out_b, "output.dense.bias", h, 0);
#undef W
  snprintf(n, sizeof n, "encoder.layer.%u.attention.output.LayerNorm", l);
  if (read_ln(st, n, h, &L->ln1_g, &L->ln1_b, err)) return LS_EINVAL;
  snprintf(n, sizeof n, "encoder.layer.%u.output.LayerNorm", l);
  return read_ln(st, n, h, &L->ln2_g, &L->ln2_b, err);
}

static int read_weights(struct ls_bert_model *m, struct ls_err *err) {
  char path[600];
  snprintf(path, sizeof path, "%s/model.safetensors", m->dir);
  struct ls_safetensors st;
  int rc = ls_st_open(&st, path, err);
  if (rc != LS_OK) return rc;
  const struct ls_bert_config *c = &m->cfg;
  m->layers = calloc(c->layers, sizeof *m->layers);
  if (!m->layers) rc = ls_err_set(err, LS_ENOMEM, "%s: out of memory", path);
  if (!rc && !(m->word = read2(&st, "embeddings.word_embeddings.weight", c->vocab, c->hidden, err))) rc = LS_EINVAL;
  if (!rc && !(m->pos = read2(&st, "embeddings.position_embeddings.weight", c->max_pos, c->hidden, err))) rc = LS_EINVAL;
  if (!rc && !(m->type = read2(&st, "embeddings.token_type_embeddings.weight", c->type_vocab, c->hidden, err))) rc = LS_EINVAL;
  if (!rc) rc = read_ln(&st, "embeddings.LayerNorm", c->hidden, &m->emb_ln_g, &m->emb_ln_b, err);
  for (uint32_t l = 0; !rc && l < c->layers; l++) rc = read_layer(&st, c, l, &m->layers[l], err);
  ls_st_close(&st);
  return rc;
}

static bool all_finite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return false;
  return true;
}

static int check_finite(const struct ls_bert_model *m, struct ls_err *err) {
  const struct ls_bert_config *c = &m->cfg;
  size_t h = c->hidden;
  bool ok = all_finite(m->word, c->vocab * h) && all_finite(m->pos, c->max_pos * h) && all_finite(m->type, c->type_vocab * h);
  for (uint32_t l = 0; ok && l < c->layers; l++) {
    const struct ls_bert_layer *L = &m->layers[l];
    ok = all_finite(L->qkv_w, 3 * h * h) && all_finite(L->out_w, h * h) && all_finite(L->ffn_in_w, c->ffn * h) &&
         all_finite(L->ffn_out_w, c->ffn * h);
  }
  return ok ? LS_OK : ls_err_set(err, LS_EINVAL, "%s/model.safetensors: weights contain NaN or infinity", m->dir);
}

int ls_bert_load(struct ls_bert_model *m, const char *dir, struct ls_err *err) {
  memset(m, 0, sizeof *m);
  snprintf(m->dir, sizeof m->dir, "%s", dir);
  int rc = read_config(&m->cfg, dir, err);
  if (!rc) rc = read_modules(m, err);
  if (!rc) rc = read_max_seq(m, err);
  if (!rc) rc = read_weights(m, err);
  if (!rc) rc = check_finite(m, err);
  if (rc) ls_bert_free(m);
  return rc;
}

void ls_bert_free(struct ls_bert_model *m) {
  for (uint32_t l = 0; m->layers && l < m->cfg.layers; l++) {
    struct ls_bert_layer *L = &m->layers[l];
    float *all[] = {L->qkv_w, L->qkv_b, L->out_w, L->out_b, L->ln1_g, L->ln1_b,
                    L->ffn_in_w, L->ffn_in_b, L->ffn_out_w, L->ffn_out_b, L->ln2_g, L->ln2_b};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
  }
  free(m->layers);
  free(m->word); free(m->pos); free(m->type); free(m->emb_ln_g); free(m->emb_ln_b);
  memset(m, 0, sizeof *m);
}
