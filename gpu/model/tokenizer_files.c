/* tokenizer_files.c — reading the tokenizer of a model directory: tokenizer.json (the "fast"
 * tokenizer sentence-transformers uses: a WordPiece model with a BertNormalizer) when present,
 * else vocab.txt with tokenizer_config.json (do_lower_case, strip_accents, special tokens).
 * Anything else is refused with the file and the reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/model.h"
#include "tokenizer_internal.h"

static int add_added(struct ls_tokenizer *t, const char *s, size_t len, int32_t id, struct ls_err *err) {
  if (!len) return LS_OK;
  for (uint32_t i = 0; i < t->n_added; i++)
    if (t->added[i].len == len && !memcmp(t->added[i].s, s, len)) return t->added[i].id = id, LS_OK;
  if (t->n_added == LS_TOK_MAX_ADDED) return ls_err_set(err, LS_EINVAL, "tokenizer: more than %d added tokens", LS_TOK_MAX_ADDED);
  if (!t->added && !(t->added = calloc(LS_TOK_MAX_ADDED, sizeof *t->added)))
    return ls_err_set(err, LS_ENOMEM, "tokenizer: out of memory");
  char *copy = malloc(len + 1); /* not strndup: a JSON string may hold a NUL ("\u0000") */
  if (!copy) return ls_err_set(err, LS_ENOMEM, "tokenizer: out of memory");
  memcpy(copy, s, len);
  copy[len] = '\0';
  t->added[t->n_added++] = (struct ls_added_token){copy, (uint32_t)len, id};
  return LS_OK;
}

static int cmp_added(const void *a, const void *b) {
  const struct ls_added_token *x = a, *y = b;
  return (y->len > x->len) - (y->len < x->len);
}

/* Special tokens must exist; they are also matched in raw text, as Hugging Face does. */
static int resolve_specials(struct ls_tokenizer *t, const char *file, struct ls_err *err) {
  struct { const char *s; int32_t *id; } sp[] = {{t->cls, &t->cls_id}, {t->sep, &t->sep_id}, {t->unk, &t->unk_id}};
  for (size_t i = 0; i < 3; i++) {
    *sp[i].id = ls_vocab_find(&t->vocab, sp[i].s, strlen(sp[i].s));
    if (*sp[i].id < 0) return ls_err_set(err, LS_EINVAL, "%s: the vocabulary has no %s token", file, sp[i].s);
    int rc = add_added(t, sp[i].s, strlen(sp[i].s), *sp[i].id, err);
    if (rc) return rc;
  }
  for (const char *const *o = (const char *const[]){"[PAD]", "[MASK]", NULL}; *o; o++) {
    int32_t id = ls_vocab_find(&t->vocab, *o, strlen(*o));
    if (id >= 0 && add_added(t, *o, strlen(*o), id, err)) return LS_ENOMEM;
  }
  qsort(t->added, t->n_added, sizeof *t->added, cmp_added);
  return LS_OK;
}

/* A token name given as a string or as an AddedToken object ({"content": …}); out is left as it
 * is when absent or too long. */
static void json_str(const struct ls_json_doc *d, int tok, char *out, size_t cap) {
  if (tok >= 0 && d->toks[tok].type == LS_JSON_OBJECT) tok = ls_json_get(d, tok, "content");
  char tmp[64];
  if (tok >= 0 && ls_json_string(d, tok, tmp, sizeof tmp) >= 0 && strlen(tmp) < cap) strcpy(out, tmp);
}

/* --- tokenizer.json --------------------------------------------------------------------------- */

static int read_normalizer(struct ls_tokenizer *t, const struct ls_json_file *f, struct ls_err *err) {
  const struct ls_json_doc *d = &f->doc;
  int n = ls_json_get(d, 0, "normalizer");
  t->lowercase = t->strip_accents = t->clean_text = t->cjk = false;
  if (n < 0 || d->toks[n].type == LS_JSON_NULL) return LS_OK;
  if (!ls_json_streq(d, ls_json_get(d, n, "type"), "BertNormalizer"))
    return ls_err_set(err, LS_EINVAL, "%s: normalizer type must be BertNormalizer (a BERT WordPiece tokenizer)", f->path);
  bool v;
  t->lowercase = ls_json_bool(d, ls_json_get(d, n, "lowercase"), &v) ? v : true;
  t->clean_text = ls_json_bool(d, ls_json_get(d, n, "clean_text"), &v) ? v : true;
  t->cjk = ls_json_bool(d, ls_json_get(d, n, "handle_chinese_chars"), &v) ? v : true;
  t->strip_accents = ls_json_bool(d, ls_json_get(d, n, "strip_accents"), &v) ? v : t->lowercase; /* null: as lowercase */
  return LS_OK;
}

static int read_vocab_object(struct ls_tokenizer *t, const struct ls_json_file *f, int voc, struct ls_err *err) {
  const struct ls_json_doc *d = &f->doc;
  if (voc < 0 || d->toks[voc].type != LS_JSON_OBJECT || !d->toks[voc].count)
    return ls_err_set(err, LS_EINVAL, "%s: model.vocab is missing or empty", f->path);
  char s[1024];
  for (int k = ls_json_first(d, voc); k >= 0; k = ls_json_next(d, voc, k)) {
    uint64_t id;
    int len = ls_json_string(d, k, s, sizeof s);
    if (len < 0 || !ls_json_u64(d, k + 1, &id) || id >= (1u << 22))
      return ls_err_set(err, LS_EINVAL, "%s: model.vocab entry at byte %u is not \"token\": id", f->path, d->toks[k].start);
    int rc = ls_vocab_add(&t->vocab, s, (size_t)len, (uint32_t)id, err);
    if (rc) return rc;
  }
  return LS_OK;
}

static int read_added_tokens(struct ls_tokenizer *t, const struct ls_json_file *f, struct ls_err *err) {
  const struct ls_json_doc *d = &f->doc;
  int arr = ls_json_get(d, 0, "added_tokens");
  if (arr < 0 || d->toks[arr].type != LS_JSON_ARRAY) return LS_OK;
  char s[256];
  for (int e = ls_json_first(d, arr); e >= 0; e = ls_json_next(d, arr, e)) {
    uint64_t id;
    int len = ls_json_string(d, ls_json_get(d, e, "content"), s, sizeof s);
    if (len < 0 || !ls_json_u64(d, ls_json_get(d, e, "id"), &id) || id >= t->vocab.n)
      return ls_err_set(err, LS_EINVAL, "%s: an added token has no content or an id outside the vocabulary", f->path);
    int rc = add_added(t, s, (size_t)len, (int32_t)id, err);
    if (rc) return rc;
  }
  return LS_OK;
}

static int read_wordpiece(struct ls_tokenizer *t, const struct ls_json_file *f, struct ls_err *err) {
  const struct ls_json_doc *d = &f->doc;
  int m = ls_json_get(d, 0, "model");
  if (m < 0 || !ls_json_streq(d, ls_json_get(d, m, "type"), "WordPiece"))
    return ls_err_set(err, LS_EINVAL, "%s: model.type must be WordPiece (BERT-family tokenizers only)", f->path);
  json_str(d, ls_json_get(d, m, "unk_token"), t->unk, sizeof t->unk);
  json_str(d, ls_json_get(d, m, "continuing_subword_prefix"), t->prefix, sizeof t->prefix);
  uint64_t mc;
  if (ls_json_u64(d, ls_json_get(d, m, "max_input_chars_per_word"), &mc)) t->max_chars = mc > 1000 ? 1000 : (uint32_t)mc;
  int pre = ls_json_get(d, 0, "pre_tokenizer");
  if (pre >= 0 && d->toks[pre].type != LS_JSON_NULL && !ls_json_streq(d, ls_json_get(d, pre, "type"), "BertPreTokenizer"))
    return ls_err_set(err, LS_EINVAL, "%s: pre_tokenizer type must be BertPreTokenizer", f->path);
  int rc = read_normalizer(t, f, err);
  if (!rc) rc = read_vocab_object(t, f, ls_json_get(d, m, "vocab"), err);
  if (!rc) rc = ls_vocab_index(&t->vocab, err);
  if (!rc) rc = read_added_tokens(t, f, err);
  return rc;
}

/* --- vocab.txt + tokenizer_config.json -------------------------------------------------------- */

static int read_vocab_txt(struct ls_tokenizer *t, const char *dir, struct ls_err *err) {
  char path[600];
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  FILE *f = fopen(path, "rb");
  if (!f) return ls_err_set(err, LS_EINVAL, "%s: cannot open (%s); a model needs tokenizer.json or vocab.txt", path, strerror(errno));
  char line[1024];
  uint32_t id = 0;
  int rc = LS_OK;
  while (rc == LS_OK && fgets(line, sizeof line, f)) {
    size_t len = strcspn(line, "\n");
    if (len == sizeof line - 1) rc = ls_err_set(err, LS_EINVAL, "%s: line %u is longer than %zu bytes", path, id + 1, sizeof line - 2);
    else rc = ls_vocab_add(&t->vocab, line, len, id++, err);
  }
  fclose(f);
  if (!rc && !id) rc = ls_err_set(err, LS_EINVAL, "%s: empty vocabulary", path);
  return rc ? rc : ls_vocab_index(&t->vocab, err);
}

static int read_tokenizer_config(struct ls_tokenizer *t, const char *dir, struct ls_err *err) {
  struct ls_json_file f;
  bool missing, v;
  t->lowercase = t->clean_text = t->cjk = true;
  int rc = ls_json_file_read(&f, dir, "tokenizer_config.json", &missing, err);
  if (missing) return t->strip_accents = t->lowercase, LS_OK;
  if (rc) return rc;
  const struct ls_json_doc *d = &f.doc;
  if (ls_json_bool(d, ls_json_get(d, 0, "do_lower_case"), &v)) t->lowercase = v;
  if (ls_json_bool(d, ls_json_get(d, 0, "tokenize_chinese_chars"), &v)) t->cjk = v;
  t->strip_accents = ls_json_bool(d, ls_json_get(d, 0, "strip_accents"), &v) ? v : t->lowercase;
  json_str(d, ls_json_get(d, 0, "cls_token"), t->cls, sizeof t->cls);
  json_str(d, ls_json_get(d, 0, "sep_token"), t->sep, sizeof t->sep);
  json_str(d, ls_json_get(d, 0, "unk_token"), t->unk, sizeof t->unk);
  ls_json_file_free(&f);
  return LS_OK;
}

int ls_tokenizer_read_files(struct ls_tokenizer *t, const char *dir, struct ls_err *err) {
  strcpy(t->cls, "[CLS]");
  strcpy(t->sep, "[SEP]");
  strcpy(t->unk, "[UNK]");
  strcpy(t->prefix, "##");
  t->max_chars = 100;
  struct ls_json_file f;
  bool missing;
  int rc = ls_json_file_read(&f, dir, "tokenizer.json", &missing, err);
  if (rc == LS_OK) {
    rc = read_wordpiece(t, &f, err);
    if (!rc) rc = resolve_specials(t, f.path, err);
    ls_json_file_free(&f);
  } else if (missing) {
    rc = read_tokenizer_config(t, dir, err);
    if (!rc) rc = read_vocab_txt(t, dir, err);
    if (!rc) rc = resolve_specials(t, "vocab.txt", err);
  }
  t->prefix_len = (uint32_t)strlen(t->prefix);
  return rc;
}
