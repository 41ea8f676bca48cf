/* replay.h — a tweet source reading an archive file in its own thread: Twitter v2 JSON lines,
 * QUT-toolkit CSV (header `message_id,user_id,username,repost_id,reply_id,message,timestamp,urls`)
 * or length-delimited protobuf lockstep.Tweet; format auto-detected from the first bytes.
 * Records are decoded, validated and pushed into a ring; rejected records are counted and, if a
 * dead-letter path is given, written there as JSON lines with the reason and record number. */
#ifndef LOCKSTEP_REPLAY_H
#define LOCKSTEP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/decode.h"
#include "lockstep/log.h"
#include "lockstep/ring.h"
#include "lockstep/source.h"

struct ls_replay_conf {
  const char *path;
  enum ls_format format; /* LS_FMT_AUTO to detect */
  struct ls_ring *ring;
  struct ls_decode_limits limits;
  const char *dead_letter_path; /* NULL: count and log only */
  const struct ls_log *log;
  double speed; /* > 0: paced so that event time runs `speed` times the wall clock (1: real time) */
};

struct ls_replay;
/* Opens and maps the file; fails with a message naming the file when it cannot be read. */
int ls_replay_open(struct ls_replay **out, const struct ls_replay_conf *conf, struct ls_err *err);
int ls_replay_start(struct ls_replay *r, struct ls_err *err);
/* True once every record has been pushed into the ring (or the source was stopped). */
bool ls_replay_finished(struct ls_replay *r);
/* Asks the thread to stop early and joins it. */
void ls_replay_stop(struct ls_replay *r);
void ls_replay_close(struct ls_replay *r);
struct ls_source_stats *ls_replay_stats(struct ls_replay *r);
/* Paced replay: the event time the stream has reached by the wall clock now (what a live source
 * would be at); -1 when not paced or not started. */
int64_t ls_replay_clock_ms(struct ls_replay *r);
/* Bytes consumed and file size, for progress. */
void ls_replay_progress(struct ls_replay *r, uint64_t *done, uint64_t *total);

#endif
