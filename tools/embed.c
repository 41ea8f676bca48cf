/* lockstep-embed — embeds texts from standard input, one per line, with the embedder lockstepd
 * uses, after the same normalisation (lower case, no URLs or mentions, folded whitespace), and
 * writes one JSON array of floats per line or a NumPy .npy file (float32, N × dim). Reports the
 * model, backend and rate on standard error. This release has the `hash` model only; transformer
 * models (embed.model = PATH) and --tokenize come with them. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/embed.h"
#include "lockstep/textnorm.h"

#define BATCH 1024
#define MAX_LINE 65536

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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
  fputs("usage: lockstep-embed [--model hash] [--dim N] [--format json|npy] [--out FILE] < texts.txt\n"
        "       lockstep-embed --tokenize --model DIR < texts.txt\n"
        "\n"
        "Embeds one text per line of standard input with lockstepd's embedder, after the daemon's\n"
        "normalisation, and writes one JSON array per line (default) or a NumPy .npy file.\n"
        "  --model M      hash (feature hashing of words and character n-grams; default)\n"
        "  --dim N        vector dimension of the hash model (default 256, as embed.dim)\n"
        "  --format F     json (one array per line) or npy (float32, N x dim; needs --out)\n"
        "  --out FILE     write there instead of standard output\n"
        "  --tokenize     write token ids instead (models with a vocabulary only)\n",
        f);
}

int main(int argc, char **argv) {
  static const struct option longs[] = {{"model", 1, 0, 'm'}, {"dim", 1, 0, 'd'}, {"format", 1, 0, 'f'},
                                        {"out", 1, 0, 'o'}, {"tokenize", 0, 0, 't'},
                                        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  const char *model = "hash", *format = "json", *path = NULL;
  long dim = 256;
  bool tokenize = false;
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (c) {
      case 'm': model = optarg; break;
      case 'd': dim = atol(optarg); break;
      case 'f': format = optarg; break;
      case 'o': path = optarg; break;
      case 't': tokenize = true; break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (strcmp(model, "hash")) {
    fprintf(stderr, "lockstep-embed: model \"%s\": this release has the hash model only\n", model);
    return 2;
  }
  if (tokenize) {
    fprintf(stderr, "lockstep-embed: --tokenize needs a model with a vocabulary; the hash model has none\n");
    return 2;
  }
  bool npy = !strcmp(format, "npy");
  if ((!npy && strcmp(format, "json")) || dim < 16 || dim > 4096 || (npy && !path)) {
    fprintf(stderr, "lockstep-embed: need --format json|npy (npy with --out FILE) and 16 <= --dim <= 4096\n");
    return 2;
  }
  struct out o = {.f = path ? fopen(path, "wb") : stdout, .npy = npy, .dim = (uint32_t)dim};
  if (!o.f) { perror(path); return 1; }
  struct ls_hash_embedder e = {.dim = (uint32_t)dim, .seed = 0x15c0ffee}; /* as lockstepd */
  char *line = malloc(MAX_LINE), *norm = malloc((size_t)BATCH * MAX_LINE);
  const char **texts = malloc(BATCH * sizeof *texts);
  uint32_t *lens = malloc(BATCH * sizeof *lens), n = 0, tokens;
  float *v = malloc((size_t)BATCH * (size_t)dim * sizeof *v);
  if (!line || !norm || !texts || !lens || !v) { fprintf(stderr, "lockstep-embed: out of memory\n"); return 1; }
  double t0 = now_s();
  int rc = 0;
  while (rc == 0 && fgets(line, MAX_LINE, stdin)) {
    size_t len = strcspn(line, "\n");
    char *dst = norm + (size_t)n * MAX_LINE;
    lens[n] = (uint32_t)ls_text_normalize(line, len, dst, MAX_LINE, &tokens);
    texts[n] = dst;
    if (++n == BATCH) {
      ls_hash_embed(&e, texts, lens, n, v);
      rc = emit(&o, v, n);
      n = 0;
    }
  }
  if (rc == 0 && n) {
    ls_hash_embed(&e, texts, lens, n, v);
    rc = emit(&o, v, n);
  }
  if (rc == 0 && npy) rc = write_npy(&o);
  if (o.f != stdout && fclose(o.f)) rc = -1;
  double secs = now_s() - t0;
  fprintf(stderr, "info embed: model=hash dim=%ld backend=cpu texts=%zu seconds=%.3f rate=%.0f/s\n", dim, o.n, secs,
          secs > 0 ? o.n / secs : 0);
  free(line); free(norm); free(texts); free(lens); free(v); free(o.all);
  if (rc) fprintf(stderr, "lockstep-embed: write failed\n");
  return rc ? 1 : 0;
}
