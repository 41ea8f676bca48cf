/* lockstep-embed — embeds texts from standard input, one per line, with the embedder lockstepd
 * uses, and writes one JSON array of floats per line or a NumPy .npy file (float32, N × dim);
 * --tokenize writes token ids instead. The hash model sees the daemon's normalised text (lower
 * case, no URLs or mentions, folded whitespace); a model directory sees the line as it is, so
 * the vectors are the ones sentence-transformers gives (--normalize-text for the daemon's view).
 * --train-shards K trains the distributed co-similar-text index's shards on the vectors instead
 * (text_shards.h) and writes their file (pipeline.text_shards). Reports the model, backend and
 * rate on standard error. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/backend.h"
#include "lockstep/clock.h"
#include "lockstep/embedder.h"
#include "lockstep/text_shards.h"
#include "lockstep/textnorm.h"
#include "lockstep/utf8.h"

#define BATCH 4096
#define MAX_LINE 65536

struct out {
  FILE *f;
  bool npy;
  float *all; /* npy: every vector, written at the end when N is known */
  size_t n, cap;
  uint32_t dim;
};

static int emit(struct out *o, const float *v, uint32_t n) {
  if (o->npy) {
    if (o->n + n > o->cap) {
      size_t cap = o->cap ? o->cap * 2 : 4096;
      while (cap < o->n + n) cap *= 2;
      float *a = realloc(o->all, cap * o->dim * sizeof *a);
      if (!a) return -1;
      o->all = a;
      o->cap = cap;
    }
    memcpy(o->all + o->n * o->dim, v, (size_t)n * o->dim * sizeof *v);
    o->n += n;
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    fputc('[', o->f);
    for (uint32_t j = 0; j < o->dim; j++) fprintf(o->f, "%s%.7g", j ? "," : "", v[(size_t)i * o->dim + j]);
    fputs("]\n", o->f);
  }
  o->n += n;
  return ferror(o->f) ? -1 : 0;
}

/* NumPy format 1.0: magic, header length, a Python dict padded with spaces to 64 bytes. */
static int write_npy(struct out *o) {
  char header[128];
  int len = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %u), }", o->n, o->dim);
  int total = 10 + len + 1;
  int pad = (64 - total % 64) % 64;
  unsigned short hlen = (unsigned short)(len + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, o->f);
  fputc(hlen & 0xff, o->f);
  fputc(hlen >> 8, o->f);
  fwrite(header, 1, (size_t)len, o->f);
  for (int i = 0; i < pad; i++) fputc(' ', o->f);
  fputc('\n', o->f);
  fwrite(o->all, sizeof(float), o->n * o->dim, o->f);
  return ferror(o->f) ? -1 : 0;
}

static void usage(FILE *f) {
  fputs("usage: lockstep-embed [--model hash|DIR] [--backend auto|cpu|cuda] [--format json|npy] [--out FILE] < texts.txt\n"
        "       lockstep-embed --tokenize --model DIR < texts.txt\n"
        "       lockstep-embed --train-shards K --out FILE [--model M] < sample.txt\n"
        "\n"
        "Embeds one text per line of standard input with lockstepd's embedder and writes one JSON\n"
        "array per line (default) or a NumPy .npy file.\n"
        "  --model M             hash (feature hashing of words and character n-grams; default), or a\n"
        "                        sentence-transformers / Hugging Face BERT model directory\n"
        "  --backend B           auto (CUDA when a GPU is present; default), cpu or cuda\n"
        "  --dim N               vector dimension of the hash model (default 256, as embed.dim)\n"
        "  --max-batch-tokens N  tokens per encoder batch for a model (default 16384)\n"
        "  --normalize-text      give a model the daemon's normalised text, as lockstepd does\n"
        "  --format F            json (one array per line) or npy (float32, N x dim; needs --out)\n"
        "  --out FILE            write there instead of standard output\n"
        "  --tokenize            write the token ids of each line as a JSON array (models only)\n"
        "  --train-shards K      train K shards (16..65536) of the distributed co-similar-text index\n"
        "                        on the texts (at least 16 per shard: an hour of original tweets is\n"
        "                        plenty) and write them to --out, for pipeline.text_shards; use the\n"
        "                        model and dim the daemons use\n",
        f);
}

struct opts {
  struct ls_embedder_opts e;
  const char *backend, *format, *path;
  bool tokenize, normalize_text;
  long shards; /* --train-shards */
};

static int parse_args(int argc, char **argv, struct opts *o) {
  static const struct option longs[] = {{"model", 1, 0, 'm'}, {"dim", 1, 0, 'd'}, {"format", 1, 0, 'f'},
                                        {"out", 1, 0, 'o'}, {"tokenize", 0, 0, 't'}, {"backend", 1, 0, 'b'},
                                        {"max-batch-tokens", 1, 0, 'B'}, {"normalize-text", 0, 0, 'n'},
                                        {"train-shards", 1, 0, 's'},
                                        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  *o = (struct opts){.e = {.model = "hash", .hash_dim = 256, .max_batch_tokens = 16384}, .backend = "auto", .format = "json"};
  long dim = 256, budget = 16384;
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (c) {
      case 'm': o->e.model = optarg; break;
      case 'd': dim = atol(optarg); break;
      case 'f': o->format = optarg; break;
      case 'o': o->path = optarg; break;
      case 't': o->tokenize = true; break;
      case 'b': o->backend = optarg; break;
      case 'B': budget = atol(optarg); break;
      case 'n': o->normalize_text = true; break;
      case 's': o->shards = atol(optarg); break;
      case 'h': usage(stdout); exit(0);
      default: usage(stderr); return 2;
    }
  }
  bool npy = !strcmp(o->format, "npy");
  if ((!npy && strcmp(o->format, "json")) || dim < 16 || dim > 4096 || (npy && !o->path) || budget < 256 || budget > 4194304) {
    fprintf(stderr, "lockstep-embed: need --format json|npy (npy with --out FILE), 16 <= --dim <= 4096 and "
                    "256 <= --max-batch-tokens <= 4194304\n");
    return 2;
  }
  if (o->shards && (o->shards < 16 || o->shards > 65536 || !o->path || o->tokenize)) {
    fprintf(stderr, "lockstep-embed: --train-shards needs 16 <= K <= 65536 and --out FILE (not --tokenize)\n");
    return 2;
  }
  if (o->tokenize && !strcmp(o->e.model, "hash")) {
    fprintf(stderr, "lockstep-embed: --tokenize needs a model with a vocabulary; the hash model has none\n");
    return 2;
  }
  o->e.hash_dim = (uint32_t)dim;
  o->e.max_batch_tokens = (uint32_t)budget;
  if (!strcmp(o->e.model, "hash")) o->normalize_text = true;
  return 0;
}

struct lines {
  char *buf; /* BATCH slots of MAX_LINE bytes */
  const char **texts;
  uint32_t *lens, n;
  struct ls_textcanon *canon; /* NULL: the raw line */
};

/* The raw line without NUL bytes (dropped, as Hugging Face's tokenizers do), cut to cap - 1 bytes
 * at a character boundary. */
static uint32_t copy_raw(char *dst, const char *line, size_t len, size_t cap) {
  size_t o = 0, i = 0;
  for (; i < len && o + 1 < cap; i++)
    if (line[i]) dst[o++] = line[i];
  while (i < len && o > 0 && !ls_utf8_valid(dst, o)) o--; /* cut: not inside a character */
  dst[o] = '\0';
  return (uint32_t)o;
}

/* Reads up to BATCH lines (a NUL inside a line does not end it); the text given to the embedder
 * is the line or its canonical form. */
static uint32_t read_lines(struct lines *l, char **line, size_t *line_cap) {
  uint32_t tokens;
  ssize_t got;
  for (l->n = 0; l->n < BATCH && (got = getline(line, line_cap, stdin)) >= 0; l->n++) {
    size_t len = (size_t)got;
    if (len && (*line)[len - 1] == '\n') len--;
    char *dst = l->buf + (size_t)l->n * MAX_LINE;
    l->lens[l->n] = l->canon ? (uint32_t)ls_text_canon(l->canon, *line, len, dst, MAX_LINE, &tokens)
                             : copy_raw(dst, *line, len, MAX_LINE);
    l->texts[l->n] = dst;
  }
  return l->n;
}

static int write_ids(FILE *f, struct ls_embedder *e, const struct lines *l, int32_t *ids) {
  for (uint32_t i = 0; i < l->n; i++) {
    int n = ls_embedder_tokenize(e, l->texts[i], l->lens[i], ids);
    fputc('[', f);
    for (int j = 0; j < n; j++) fprintf(f, "%s%d", j ? "," : "", ids[j]);
    fputs("]\n", f);
  }
  return ferror(f) ? -1 : 0;
}

static int run(const struct opts *op, struct ls_embedder *e, struct out *o, size_t *n_texts) {
  struct lines l = {.buf = malloc((size_t)BATCH * MAX_LINE), .texts = malloc(BATCH * sizeof(char *)),
                    .lens = malloc(BATCH * sizeof(uint32_t))};
  char *line = NULL;
  size_t line_cap = 0;
  float *v = malloc((size_t)BATCH * o->dim * sizeof *v);
  int32_t *ids = malloc((ls_embedder_max_len(e) + 2) * sizeof *ids);
  struct ls_err err;
  int rc = l.buf && l.texts && l.lens && v && ids ? 0 : -1;
  if (rc) fprintf(stderr, "lockstep-embed: out of memory\n");
  if (rc == 0 && op->normalize_text && ls_textcanon_create(&l.canon, MAX_LINE, &err) != LS_OK) {
    fprintf(stderr, "lockstep-embed: %s\n", err.msg);
    rc = -1;
  }
  while (rc == 0 && read_lines(&l, &line, &line_cap)) {
    *n_texts += l.n;
    if (op->tokenize) {
      rc = write_ids(o->f, e, &l, ids);
    } else if (ls_embedder_embed(e, l.texts, l.lens, l.n, v, &err)) {
      fprintf(stderr, "lockstep-embed: %s\n", err.msg);
      rc = -1;
    } else {
      rc = emit(o, v, l.n);
    }
  }
  ls_textcanon_destroy(l.canon);
  free(l.buf); free(l.texts); free(l.lens); free(line); free(v); free(ids);
  return rc;
}

int main(int argc, char **argv) {
  struct opts op;
  int rc = parse_args(argc, argv, &op);
  if (rc) return rc;
  struct ls_log log = {.min_level = LS_LOG_INFO};
  struct ls_err err;
  struct ls_backend *be = NULL;
  struct ls_embedder *e = NULL;
  if (ls_backend_open(&be, op.backend, &log, &err) || ls_embedder_open(&e, &op.e, be, &log, &err)) {
    fprintf(stderr, "lockstep-embed: %s\n", err.msg);
    ls_backend_close(be);
    return 1;
  }
  bool train = op.shards > 0; /* the vectors are kept for training, the file written by it */
  struct out o = {.f = train ? NULL : op.path ? fopen(op.path, "wb") : stdout, .npy = train || !strcmp(op.format, "npy"),
                  .dim = ls_embedder_dim(e)};
  if (!train && !o.f) {
    perror(op.path);
    rc = 1;
  }
  size_t n_texts = 0;
  double t0 = ls_clock_s();
  if (!rc) rc = run(&op, e, &o, &n_texts);
  if (!rc && train && o.n > UINT32_MAX) {
    fprintf(stderr, "lockstep-embed: %zu texts; train shards on at most %u\n", o.n, UINT32_MAX);
    rc = -1;
  } else if (!rc && train && ls_text_shards_train(be, o.all, (uint32_t)o.n, o.dim, (uint32_t)op.shards, op.path, &err) != LS_OK) {
    fprintf(stderr, "lockstep-embed: %s\n", err.msg);
    rc = -1;
  } else if (!rc && train) {
    fprintf(stderr, "info embed: %ld text shards trained on %zu texts, written to %s\n", op.shards, o.n, op.path);
  } else if (!rc && o.npy && !op.tokenize) {
    rc = write_npy(&o);
  }
  if (o.f && o.f != stdout && fclose(o.f)) rc = -1;
  double secs = ls_clock_s() - t0;
  uint64_t tokens = ls_embedder_tokens(e);
  fprintf(stderr, "info embed: model=%s backend=%s texts=%zu tokens=%llu seconds=%.3f rate=%.0f texts/s %.0f tokens/s\n",
          ls_embedder_describe(e), be->i->name, n_texts, (unsigned long long)tokens, secs, secs > 0 ? n_texts / secs : 0,
          secs > 0 ? tokens / secs : 0);
  free(o.all);
  ls_embedder_close(e);
  ls_backend_close(be);
  if (rc && o.f) fprintf(stderr, "lockstep-embed: failed\n");
  return rc ? 1 : 0;
}
