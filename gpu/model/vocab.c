/* vocab.c — the WordPiece vocabulary table (see vocab.h). FNV-1a over the bytes, linear probing. */
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ID (1u << 22)

static uint32_t fnv(uint32_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static int grow(void **p, size_t elem, size_t have, size_t need) {
  if (need <= have) return 0;
  void *q = realloc(*p, need * elem);
  if (!q) return -1;
  *p = q;
  return 0;
}

int ls_vocab_add(struct ls_vocab *v, const char *s, size_t len, uint32_t id, struct ls_err *err) {
  if (id >= MAX_ID) return ls_err_set(err, LS_EINVAL, "token id %u is too large", id);
  if (id >= v->n) {
    uint32_t n = v->n ? v->n : 1024;
    while (n <= id) n *= 2;
    if (grow((void **)&v->off, sizeof *v->off, v->n, n) || grow((void **)&v->len, sizeof *v->len, v->n, n))
      return ls_err_set(err, LS_ENOMEM, "vocabulary: out of memory");
    memset(v->off + v->n, 0xff, (n - v->n) * sizeof *v->off);
    memset(v->len + v->n, 0, (n - v->n) * sizeof *v->len);
    v->n = n;
  }
  if (v->blob_len + len + 1 > v->blob_cap) {
    size_t cap = v->blob_cap ? v->blob_cap * 2 : 1 << 16;
    while (cap < v->blob_len + len + 1) cap *= 2;
    if (grow((void **)&v->blob, 1, v->blob_cap, cap)) return ls_err_set(err, LS_ENOMEM, "vocabulary: out of memory");
    v->blob_cap = cap;
  }
  memcpy(v->blob + v->blob_len, s, len);
  v->blob[v->blob_len + len] = '\0';
  v->off[id] = (uint32_t)v->blob_len;
  v->len[id] = (uint32_t)len;
  v->blob_len += len + 1;
  return LS_OK;
}

int ls_vocab_index(struct ls_vocab *v, struct ls_err *err) {
  while (v->n && v->off[v->n - 1] == UINT32_MAX) v->n--;
  uint32_t size = 1024;
  while (size < 2 * v->n) size *= 2;
  v->table = calloc(size, sizeof *v->table);
  if (!v->table) return ls_err_set(err, LS_ENOMEM, "vocabulary: out of memory");
  v->mask = size - 1;
  for (uint32_t id = 0; id < v->n; id++) {
    if (v->off[id] == UINT32_MAX) continue;
    const char *s = v->blob + v->off[id];
    uint32_t h = fnv(2166136261u, s, v->len[id]) & v->mask;
    while (v->table[h] && (v->len[v->table[h] - 1] != v->len[id] || memcmp(v->blob + v->off[v->table[h] - 1], s, v->len[id])))
      h = (h + 1) & v->mask;
    v->table[h] = id + 1; /* a later equal string replaces the earlier */
  }
  return LS_OK;
}

int32_t ls_vocab_find2(const struct ls_vocab *v, const char *prefix, size_t plen, const char *s, size_t len) {
  uint32_t h = fnv(fnv(2166136261u, prefix, plen), s, len) & v->mask;
  for (uint32_t e; (e = v->table[h]); h = (h + 1) & v->mask) {
    const char *t = v->blob + v->off[e - 1];
    if (v->len[e - 1] == plen + len && !memcmp(t, prefix, plen) && !memcmp(t + plen, s, len)) return (int32_t)(e - 1);
  }
  return -1;
}

int32_t ls_vocab_find(const struct ls_vocab *v, const char *s, size_t len) { return ls_vocab_find2(v, "", 0, s, len); }

void ls_vocab_free(struct ls_vocab *v) {
  free(v->blob); free(v->off); free(v->len); free(v->table);
  memset(v, 0, sizeof *v);
}
