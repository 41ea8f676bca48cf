/* unionfind.c — disjoint-set forest used to find connected groups of coordinated accounts. */
#include "lockstep/unionfind.h"

#include <stdlib.h>

int ls_uf_init(struct ls_uf *u, uint32_t n, struct ls_err *err) {
  u->n = n;
  u->parent = malloc((n ? n : 1) * sizeof *u->parent);
  u->size = malloc((n ? n : 1) * sizeof *u->size);
  if (!u->parent || !u->size) {
    ls_uf_free(u);
    return ls_err_set(err, LS_ENOMEM, "union-find: cannot allocate %u nodes", n);
  }
  for (uint32_t i = 0; i < n; i++) {
    u->parent[i] = i;
    u->size[i] = 1;
  }
  return LS_OK;
}

void ls_uf_free(struct ls_uf *u) {
  free(u->parent);
  free(u->size);
  u->parent = u->size = NULL;
}

uint32_t ls_uf_find(struct ls_uf *u, uint32_t x) {
  while (u->parent[x] != x) {
    u->parent[x] = u->parent[u->parent[x]];
    x = u->parent[x];
  }
  return x;
}

uint32_t ls_uf_union(struct ls_uf *u, uint32_t a, uint32_t b) {
  a = ls_uf_find(u, a);
  b = ls_uf_find(u, b);
  if (a == b) return a;
  if (u->size[a] < u->size[b]) {
    uint32_t t = a;
    a = b;
    b = t;
  }
  u->parent[b] = a;
  u->size[a] += u->size[b];
  return a;
}
