/* unionfind.h — disjoint sets over dense indices 0..n-1 with path halving and union by size. */
#ifndef LOCKSTEP_UNIONFIND_H
#define LOCKSTEP_UNIONFIND_H

#include <stdint.h>

#include "lockstep/err.h"

struct ls_uf {
  uint32_t *parent;
  uint32_t *size;
  uint32_t n;
};

int ls_uf_init(struct ls_uf *u, uint32_t n, struct ls_err *err);
void ls_uf_free(struct ls_uf *u);
uint32_t ls_uf_find(struct ls_uf *u, uint32_t x);
/* Joins the sets of a and b; returns the new root. */
uint32_t ls_uf_union(struct ls_uf *u, uint32_t a, uint32_t b);

#endif
