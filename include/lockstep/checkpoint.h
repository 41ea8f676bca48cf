/* checkpoint.h — where checkpoints live: one Redis string per daemon (README: checkpoints),
 * written with one SET, so a reader sees the old checkpoint or the new one, never a part. Redis
 * because lockstepd already depends on it, a checkpoint is one value read once at start (no
 * changelog to replay), and any node of the group can read it back. Synchronous, on its own
 * connection, replaced at once when a kept one fails (Redis restarted), else on the next call.
 * @returns of every call: LS_OK, or with the reason in err: LS_EUNAVAIL when Redis cannot
 * answer now (unreachable, or "not now": LOADING, BUSY...; try again), LS_EIO when it refuses
 * for good (a wrong redis.password or redis.db, a key of another type, a value over
 * proto-max-bulk-len), LS_ENOMEM. */
#ifndef LOCKSTEP_CHECKPOINT_H
#define LOCKSTEP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/redis_conn.h"

struct ls_checkpoint_conf {
  struct ls_redis_addr addr;
  const char *key;
};

struct ls_checkpoint;

int ls_checkpoint_open(struct ls_checkpoint **out, const struct ls_checkpoint_conf *conf, struct ls_err *err);
void ls_checkpoint_close(struct ls_checkpoint *ck);
/* The stored checkpoint in *buf (malloc'd, caller frees), or *buf = NULL and *len = 0 when none. */
int ls_checkpoint_load(struct ls_checkpoint *ck, uint8_t **buf, size_t *len, struct ls_err *err);
/* The checkpoint another daemon stored under key, read as ls_checkpoint_load reads one's own. */
int ls_checkpoint_load_other(struct ls_checkpoint *ck, const char *key, uint8_t **buf, size_t *len, struct ls_err *err);
int ls_checkpoint_save(struct ls_checkpoint *ck, const void *buf, size_t len, struct ls_err *err);
const char *ls_checkpoint_key(const struct ls_checkpoint *ck);

#endif
