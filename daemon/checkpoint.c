/* checkpoint.c — checkpoints in Redis (see checkpoint.h): GET and SET of one binary-safe string
 * over a blocking hiredis connection (redis_conn.h). A connection kept from an earlier call that
 * fails is replaced once at once, because Redis may have restarted in between; an error reply
 * that "not now" does not cover is final and not retried. */
#include "lockstep/checkpoint.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/redis_conn.h"

struct ls_checkpoint {
  char host[256], password[256], key[512];
  struct ls_redis_addr addr;
  redisContext *ctx;
};

int ls_checkpoint_open(struct ls_checkpoint **out, const struct ls_checkpoint_conf *conf, struct ls_err *err) {
  struct ls_checkpoint *ck = calloc(1, sizeof *ck);
  if (!ck) return ls_err_set(err, LS_ENOMEM, "checkpoint: out of memory");
  snprintf(ck->host, sizeof ck->host, "%s", conf->addr.host);
  snprintf(ck->password, sizeof ck->password, "%s", conf->addr.password ? conf->addr.password : "");
  snprintf(ck->key, sizeof ck->key, "%s", conf->key);
  ck->addr = conf->addr;
  ck->addr.host = ck->host;
  ck->addr.password = ck->password;
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

static int connect_redis(struct ls_checkpoint *ck, struct ls_err *err) {
  struct ls_err why;
  int rc = ls_redis_connect(&ck->ctx, &ck->addr, &why);
  if (rc == LS_OK) return LS_OK;
  ls_err_set(err, rc, "checkpoint: %s", why.msg);
  return rc == LS_EINVAL ? LS_EIO : rc; /* LS_EINVAL is kept for a checkpoint that cannot be read */
}

/* *out = the reply to the command what (fmt, ...) on key, or NULL.
 * @returns LS_OK, LS_EUNAVAIL (no answer, or "not now"), LS_EIO (refused for good). */
static int command(struct ls_checkpoint *ck, redisReply **out, const char *what, struct ls_err *err, const char *fmt, ...) {
  *out = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    bool kept = ck->ctx != NULL;
    int rc = kept ? LS_OK : connect_redis(ck, err);
    if (rc != LS_OK) return rc;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(ck->ctx, fmt, ap);
    va_end(ap);
    if (rep && rep->type == REDIS_REPLY_ERROR) {
      rc = ls_err_set(err, ls_redis_not_now(rep->str) ? LS_EUNAVAIL : LS_EIO, "checkpoint: %s %s refused by %s:%d: %s", what,
                      ck->key, ck->host, ck->addr.port, rep->str);
      freeReplyObject(rep);
      return rc;
    }
    if (rep) {
      *out = rep;
      return LS_OK;
    }
    ls_err_set(err, LS_EUNAVAIL, "checkpoint: %s %s on %s:%d: %s", what, ck->key, ck->host, ck->addr.port, ck->ctx->errstr);
    drop(ck);
    if (!kept) break;
  }
  return LS_EUNAVAIL;
}

int ls_checkpoint_load(struct ls_checkpoint *ck, uint8_t **buf, size_t *len, struct ls_err *err) {
  return ls_checkpoint_load_other(ck, ck->key, buf, len, err);
}

int ls_checkpoint_load_other(struct ls_checkpoint *ck, const char *key, uint8_t **buf, size_t *len, struct ls_err *err) {
  *buf = NULL;
  *len = 0;
  redisReply *rep;
  int rc = command(ck, &rep, "GET", err, "GET %s", key);
  if (rc != LS_OK) return rc;
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
  redisReply *rep;
  int rc = command(ck, &rep, "SET", err, "SET %s %b", ck->key, buf, len);
  if (rep) freeReplyObject(rep);
  return rc;
}
