/* model.h — a BERT-family sentence-embedding model read from a directory written by Hugging Face
 * transformers / sentence-transformers: config.json, model.safetensors, modules.json,
 * 1_Pooling/config.json, sentence_bert_config.json (the tokenizer files are tokenizer.h's).
 * Weights are held as float32 on the host until an encoder uploads them to its backend; Q, K and
 * V are concatenated into one [3·hidden × hidden] matrix so the encoder runs them as one GEMM.
 * Every malformed or inconsistent file is refused with a message naming the file. */
#ifndef LOCKSTEP_MODEL_H
#define LOCKSTEP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/backend.h"
#include "lockstep/err.h"
#include "lockstep/json.h"

struct ls_bert_config {
  uint32_t vocab, hidden, layers, heads, ffn, max_pos, type_vocab;
  float eps;
};

struct ls_bert_layer {
  float *qkv_w, *qkv_b;         /* [3H × H], [3H]: query, key, value stacked */
  float *out_w, *out_b;         /* attention output projection [H × H], [H] */
  float *ln1_g, *ln1_b;         /* attention LayerNorm */
  float *ffn_in_w, *ffn_in_b;   /* [F × H], [F] */
  float *ffn_out_w, *ffn_out_b; /* [H × F], [H] */
  float *ln2_g, *ln2_b;         /* output LayerNorm */
};

struct ls_bert_model {
  char dir[512];
  struct ls_bert_config cfg;
  enum ls_pooling pooling;
  bool normalize;   /* a sentence-transformers Normalize module follows pooling */
  uint32_t max_seq; /* tokens per text including [CLS] and [SEP] */
  float *word, *pos, *type, *emb_ln_g, *emb_ln_b;
  struct ls_bert_layer *layers;
};

int ls_bert_load(struct ls_bert_model *m, const char *dir, struct ls_err *err);
void ls_bert_free(struct ls_bert_model *m);
const char *ls_pooling_name(enum ls_pooling p);
/* Floating-point operations of one forward pass over n_tokens tokens in sequences of length len. */
double ls_bert_flops(const struct ls_bert_config *c, double n_tokens, double len);

/* A whole small JSON file (config files), parsed. path_fmt is joined from dir and name. */
struct ls_json_file {
  char path[600];
  char *src;
  struct ls_json_doc doc;
};
/* LS_EIO with errno text when the file is missing (callers that accept absence check `missing`). */
int ls_json_file_read(struct ls_json_file *f, const char *dir, const char *name, bool *missing, struct ls_err *err);
void ls_json_file_free(struct ls_json_file *f);

#endif
