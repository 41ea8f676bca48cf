/* checkpoint.h — where checkpoints live: one Redis string per daemon (README: checkpoints),
 * written with one SET, so a reader sees the old checkpoint or the new one, never a part. Redis
 * because lockstepd already depends on it, a checkpoint is one value read once at start (no
 * changelog to replay), and any node of the group can read it back. Synchronous, on its own
 * connection, reconnecting on the next call after a failure.
 * @returns of every call: LS_OK, or LS_EUNAVAIL when Redis cannot answer now (unreachable, or
 * "not now": LOADING, BUSY...; try again), with the reason in err. */
#ifndef LOCKSTEP_CHECKPOINT_H
#define LOCKSTEP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_checkpoint_conf {
  const char *host, *password, *key;
  int port, db, timeout_ms;
};

struct ls_checkpoint;

int ls_checkpoint_open(struct ls_checkpoint **out, const struct ls_checkpoint_conf *conf, struct ls_err *err);
void ls_checkpoint_close(struct ls_checkpoint *ck);
/* The stored checkpoint in *buf (malloc'd, caller frees), or *buf = NULL and *len = 0 when none. */
int ls_checkpoint_load(struct ls_checkpoint *ck, uint8_t **buf, size_t *len, struct ls_err *err);
int ls_checkpoint_save(struct ls_checkpoint *ck, const void *buf, size_t len, struct ls_err *err);
const char *ls_checkpoint_key(const struct ls_checkpoint *ck);

#endif
