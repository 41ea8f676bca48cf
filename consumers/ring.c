/* ring.c — bounded SPSC ring of tweet slots (see ring.h). The producer owns `head`, the
 * consumer owns `tail`; each reads the other's index with acquire ordering, so a slot's
 * contents are visible before its publication. Slot arenas are carved from one allocation made
 * at creation. */
#include "lockstep/ring.h"

#include <stdatomic.h>
#include <stdlib.h>

struct ls_ring {
  _Alignas(64) _Atomic size_t head; /* next slot to publish */
  _Alignas(64) _Atomic size_t tail; /* next slot to release */
  _Alignas(64) size_t mask;
  struct ls_ring_slot *slots;
  char *bytes;
};

int ls_ring_create(struct ls_ring **out, size_t capacity, size_t slot_bytes, struct ls_err *err) {
  size_t cap = 1;
  while (cap < capacity) cap <<= 1;
  struct ls_ring *r = calloc(1, sizeof *r);
  if (!r) return ls_err_set(err, LS_ENOMEM, "ring: out of memory");
  r->slots = calloc(cap, sizeof *r->slots);
  r->bytes = malloc(cap * slot_bytes);
  if (!r->slots || !r->bytes) {
    ls_ring_destroy(r);
    return ls_err_set(err, LS_ENOMEM, "ring: cannot allocate %zu slots of %zu bytes", cap, slot_bytes);
  }
  r->mask = cap - 1;
  for (size_t i = 0; i < cap; i++) ls_arena_init(&r->slots[i].arena, r->bytes + i * slot_bytes, slot_bytes);
  *out = r;
  return LS_OK;
}

void ls_ring_destroy(struct ls_ring *r) {
  if (!r) return;
  free(r->slots);
  free(r->bytes);
  free(r);
}

size_t ls_ring_capacity(const struct ls_ring *r) { return r->mask + 1; }

struct ls_ring_slot *ls_ring_acquire(struct ls_ring *r) {
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (head - tail > r->mask) return NULL;
  struct ls_ring_slot *s = &r->slots[head & r->mask];
  ls_arena_reset(&s->arena);
  s->rec = (struct ls_stage_rec){0};
  s->handover = NULL;
  return s;
}

void ls_ring_publish(struct ls_ring *r) {
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

size_t ls_ring_readable(struct ls_ring *r) {
  size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  return head - tail;
}

struct ls_ring_slot *ls_ring_peek(struct ls_ring *r, size_t i) {
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  return &r->slots[(tail + i) & r->mask];
}

void ls_ring_release(struct ls_ring *r, size_t n) {
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}
