/* source.h — what every tweet source (Kafka consumer, file replay) shares with the pipeline:
 * counters that are read from other threads. */
#ifndef LOCKSTEP_SOURCE_H
#define LOCKSTEP_SOURCE_H

#include <stdatomic.h>
#include <stdint.h>

#define LS_MAX_PARTITIONS 4096 /* partitions of one topic a daemon tracks (offsets, lag) */

struct ls_source_stats {
  _Atomic uint64_t messages;      /* messages (or file records) read */
  _Atomic uint64_t bytes;         /* bytes read */
  _Atomic uint64_t tweets;        /* valid tweets (or stage records) handed to the ring */
  _Atomic uint64_t rejected;      /* messages or tweets that failed decoding/validation */
  _Atomic uint64_t dead_lettered; /* rejected records written to the dead-letter destination */
  _Atomic uint64_t dlq_errors;    /* dead-letter writes that failed */
  _Atomic uint64_t order_gave_up; /* partitions the event-time merge stopped waiting for while still behind */
  _Atomic int64_t busy_since_ms;  /* monotonic ms when it began the message it is decoding; 0: between messages */
  _Atomic uint64_t busy_ns;       /* time spent decoding messages */
  _Atomic int64_t assigned;       /* partitions assigned (Kafka); 1 for a replay file */
  _Atomic uint64_t waiting;       /* messages fetched and not yet decoded (the event-time merge) */
  _Atomic int64_t paused;         /* partitions paused by back-pressure: the merge above its bound (Kafka) */
};

#endif
