/* ring.h — bounded single-producer single-consumer ring of tweet slots.
 * Each slot holds a tweet (or a stage record) and its own byte arena, so that a consumer thread decodes
 * into a slot without allocating and the pipeline reads it in place. When the ring is full the
 * producer waits (ls_ring_acquire returns NULL): memory never grows with load.
 * The consumer may hold several published slots at once (a batch) and releases them in order. */
#ifndef LOCKSTEP_RING_H
#define LOCKSTEP_RING_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/source.h"
#include "lockstep/stage_codec.h"
#include "lockstep/tweet.h"

struct ls_ring;

/* Partitions assigned here that another daemon committed last (kafka.h: checkpoint_key). */
struct ls_handover {
  const char *key;                           /* that daemon's checkpoint key */
  uint8_t partitions[LS_MAX_PARTITIONS / 8]; /* bit q % 8 of byte q / 8: partition q is among them */
};

struct ls_ring_slot {
  struct ls_tweet tweet; /* a stage record's: its tweet's id, author, time and position (and, for a
                            pair set, the evidence it carries) */
  struct ls_stage_rec rec; /* a stage record (kafka.h: records), its parts in the arena; rec.set.act.tweet 0 for a tweet */
  struct ls_arena arena;   /* slot_bytes for the tweet's strings, or the record's parts */
  const struct ls_handover *handover; /* NULL, or (in the arena; tweet id 0, partition -1) partitions assigned here
                                         and the daemon that last owned them: read before any of their records (kafka.h) */
};

/* capacity is rounded up to a power of two. */
int ls_ring_create(struct ls_ring **out, size_t capacity, size_t slot_bytes, struct ls_err *err);
void ls_ring_destroy(struct ls_ring *r);
size_t ls_ring_capacity(const struct ls_ring *r);

/* Producer side: a free slot with its arena reset and no handover, or NULL when full. */
struct ls_ring_slot *ls_ring_acquire(struct ls_ring *r);
void ls_ring_publish(struct ls_ring *r);

/* Consumer side: number of published slots not yet released; slot i of them (0 = oldest). */
size_t ls_ring_readable(struct ls_ring *r);
struct ls_ring_slot *ls_ring_peek(struct ls_ring *r, size_t i);
void ls_ring_release(struct ls_ring *r, size_t n);

#endif
