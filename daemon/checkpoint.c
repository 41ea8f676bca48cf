/* checkpoint.c — checkpoints in Redis (see checkpoint.h): GET and SET of one binary-safe string
 * over a blocking hiredis connection with redis.timeout_ms. */
#include "lockstep/checkpoint.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ls_checkpoint {
  struct ls_checkpoint_conf conf;
  char host[256], password[256], key[512];
  redisContext *ctx;
};

int ls_checkpoint_open(struct ls_checkpoint **out, const struct ls_checkpoint_conf *conf, struct ls_err *err) {
  struct ls_checkpoint *ck = calloc(1, sizeof *ck);
  if (!ck) return ls_err_set(err, LS_ENOMEM, "checkpoint: out of memory");
  ck->conf = *conf;
  snprintf(ck->host, sizeof ck->host, "%s", conf->host);
  snprintf(ck->password, sizeof ck->password, "%s", conf->password ? conf->password : "");
  snprintf(ck->key, sizeof ck->key, "%s", conf->key);
  *out = ck;
  return LS_OK;
}

static void drop(struct ls_checkpoint *ck) {
  if (ck->ctx) redisFree(ck->ctx);
  ck->ctx = NULL;
}

void ls_checkpoint_close(struct ls_checkpoint *ck) {
  if (!ck) return;
  drop(ck);
  free(ck);
}

const char *ls_checkpoint_key(const struct ls_checkpoint *ck) { return ck->key; }

/* A reply that is not an error, or NULL with the reason in err (the connection is dropped when
 * it failed, so the next call reconnects). */
static redisReply *answer(struct ls_checkpoint *ck, redisReply *rep, const char *what, struct ls_err *err) {
  if (!rep) {
    ls_err_set(err, LS_EUNAVAIL, "checkpoint: %s %s on %s:%d: %s", what, ck->key, ck->host, ck->conf.port, ck->ctx->errstr);
    drop(ck);
    return NULL;
  }
  if (rep->type == REDIS_REPLY_ERROR) {
    ls_err_set(err, LS_EUNAVAIL, "checkpoint: %s %s refused: %s", what, ck->key, rep->str);
    freeReplyObject(rep);
    return NULL;
  }
  return rep;
}

static int connect_redis(struct ls_checkpoint *ck, struct ls_err *err) {
  if (ck->ctx) return LS_OK;
  struct timeval tv = {ck->conf.timeout_ms / 1000, (ck->conf.timeout_ms % 1000) * 1000};
  ck->ctx = redisConnectWithTimeout(ck->host, ck->conf.port, tv);
  if (!ck->ctx || ck->ctx->err) {
    ls_err_set(err, LS_EUNAVAIL, "checkpoint: cannot connect to Redis at %s:%d: %s", ck->host, ck->conf.port,
               ck->ctx ? ck->ctx->errstr : "out of memory");
    drop(ck);
    return LS_EUNAVAIL;
  }
  redisSetTimeout(ck->ctx, tv);
  redisReply *rep = NULL;
  if (ck->password[0] && !(rep = answer(ck, redisCommand(ck->ctx, "AUTH %s", ck->password), "AUTH for", err))) return LS_EUNAVAIL;
  if (rep) freeReplyObject(rep);
  rep = NULL;
  if (ck->ctx && ck->conf.db && !(rep = answer(ck, redisCommand(ck->ctx, "SELECT %d", ck->conf.db), "SELECT for", err)))
    return LS_EUNAVAIL;
  if (rep) freeReplyObject(rep);
  return ck->ctx ? LS_OK : LS_EUNAVAIL;
}

int ls_checkpoint_load(struct ls_checkpoint *ck, uint8_t **buf, size_t *len, struct ls_err *err) {
  *buf = NULL;
  *len = 0;
  if (connect_redis(ck, err) != LS_OK) return LS_EUNAVAIL;
  redisReply *rep = answer(ck, redisCommand(ck->ctx, "GET %s", ck->key), "GET", err);
  if (!rep) return LS_EUNAVAIL;
  int rc = LS_OK;
  if (rep->type == REDIS_REPLY_STRING && rep->len > 0) {
    if ((*buf = malloc(rep->len))) {
      memcpy(*buf, rep->str, rep->len);
      *len = rep->len;
    } else {
      rc = ls_err_set(err, LS_ENOMEM, "checkpoint: cannot hold %zu bytes", rep->len);
    }
  }
  freeReplyObject(rep);
  return rc;
}

int ls_checkpoint_save(struct ls_checkpoint *ck, const void *buf, size_t len, struct ls_err *err) {
  if (connect_redis(ck, err) != LS_OK) return LS_EUNAVAIL;
  redisReply *rep = answer(ck, redisCommand(ck->ctx, "SET %s %b", ck->key, buf, len), "SET", err);
  if (!rep) return LS_EUNAVAIL;
  freeReplyObject(rep);
  return LS_OK;
}
