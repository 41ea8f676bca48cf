/* embed_hash.c — the "hash" embedder: signed feature hashing of word unigrams, word bigrams and
 * character trigrams into `dim` buckets, then L2 normalisation. It is a lexical fingerprint, not a
 * language model: it finds copy-paste and light edits (word swaps, added words, typos), not
 * paraphrases that share no words. Input is expected to be normalised (lower case, no URLs or
 * mentions) by the caller. Bytes >= 0x80 count as word characters, so any script tokenises. */
#include <math.h>
#include <string.h>

#include "lockstep/embed.h"
#include "lockstep/hash.h"

#define W_UNIGRAM 1.0f
#define W_BIGRAM 0.7f
#define W_TRIGRAM 0.35f
#define MAX_WORDS 256

static int is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#';
}

/* Features of one text: each distinct feature counts once (binary), so a repeated frequent
 * word cannot dominate the vector. */
#define SEEN_CAP 2048
struct features {
  float *v;
  uint32_t dim;
  uint64_t seen[SEEN_CAP];
};

static void add(struct features *f, uint64_t h, float w) {
  h |= 1; /* 0 marks an empty slot */
  uint32_t i = (uint32_t)(h >> 32) & (SEEN_CAP - 1);
  for (uint32_t probe = 0; f->seen[i]; i = (i + 1) & (SEEN_CAP - 1)) {
    if (f->seen[i] == h) return;
    if (++probe == SEEN_CAP / 2) return; /* very long text: later features are dropped */
  }
  f->seen[i] = h;
  f->v[h % f->dim] += (h >> 63) ? -w : w;
}

static void embed_one(const struct ls_hash_embedder *e, const char *s, uint32_t n, float *v, struct features *f) {
  memset(f->seen, 0, sizeof f->seen);
  f->v = v;
  f->dim = e->dim;
  uint64_t words[MAX_WORDS];
  uint32_t nw = 0;
  for (uint32_t i = 0; i < n;) {
    while (i < n && !is_word_byte((unsigned char)s[i])) i++;
    uint32_t start = i;
    while (i < n && is_word_byte((unsigned char)s[i])) i++;
    if (i == start) break;
    uint64_t h = ls_hash64(s + start, i - start, e->seed);
    add(f, h, W_UNIGRAM);
    if (nw > 0) add(f, ls_hash_combine(words[nw - 1], h), W_BIGRAM);
    if (nw < MAX_WORDS) words[nw++] = h;
    for (uint32_t k = start; k + 3 <= i; k++) add(f, ls_hash64(s + k, 3, e->seed ^ 0x3), W_TRIGRAM);
  }
  double norm = 0;
  for (uint32_t j = 0; j < e->dim; j++) norm += (double)v[j] * v[j];
  if (norm <= 0) return;
  float inv = (float)(1.0 / sqrt(norm));
  for (uint32_t j = 0; j < e->dim; j++) v[j] *= inv;
}

void ls_hash_embed(const struct ls_hash_embedder *e, const char *const *texts, const uint32_t *lens, uint32_t n,
                   float *out) {
  struct features f; /* 16 KiB of scratch on the caller's stack, reused for every text */
  memset(out, 0, (size_t)n * e->dim * sizeof(float));
  for (uint32_t i = 0; i < n; i++) embed_one(e, texts[i], lens[i], out + (size_t)i * e->dim, &f);
}
