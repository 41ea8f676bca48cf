/* arena.h — bump allocator over a fixed buffer: per-message and per-batch scratch memory with
 * no allocation on the hot path. Reset frees everything at once. */
#ifndef LOCKSTEP_ARENA_H
#define LOCKSTEP_ARENA_H

#include <stddef.h>
#include <string.h>

struct ls_arena {
  char *base;
  size_t cap;
  size_t used;
};

static inline void ls_arena_init(struct ls_arena *a, void *buf, size_t cap) {
  a->base = (char *)buf;
  a->cap = cap;
  a->used = 0;
}

static inline void ls_arena_reset(struct ls_arena *a) { a->used = 0; }

/* 16-byte aligned block, or NULL when the arena is exhausted. */
static inline void *ls_arena_alloc(struct ls_arena *a, size_t n) {
  size_t off = (a->used + 15u) & ~(size_t)15u;
  if (off > a->cap || n > a->cap - off) return NULL;
  a->used = off + n;
  return a->base + off;
}

/* Copies n bytes and a terminating NUL; NULL when exhausted. */
static inline char *ls_arena_strndup(struct ls_arena *a, const char *s, size_t n) {
  if (n + 1 > a->cap - (a->used < a->cap ? a->used : a->cap)) return NULL;
  char *d = (char *)a->base + a->used;
  memcpy(d, s, n);
  d[n] = '\0';
  a->used += n + 1;
  return d;
}

#endif
