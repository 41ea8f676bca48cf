/* redis_conn.c — see redis_conn.h: redisConnectWithTimeout, the same timeout on commands, then
 * AUTH and SELECT, each refusal classified by ls_redis_not_now. */
#include "lockstep/redis_conn.h"

#include <hiredis/hiredis.h>
#include <string.h>

bool ls_redis_not_now(const char *msg) {
  static const char *const TRANSIENT[] = {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "OOM", "TRYAGAIN", "CLUSTERDOWN"};
  for (size_t i = 0; i < sizeof TRANSIENT / sizeof *TRANSIENT; i++) {
    size_t n = strlen(TRANSIENT[i]);
    if (strncmp(msg, TRANSIENT[i], n) == 0 && (msg[n] == ' ' || msg[n] == '\0')) return true;
  }
  return false;
}

/* One set-up command (AUTH, SELECT): LS_OK, or the reason in err. */
static int setup(redisContext *c, const struct ls_redis_addr *a, redisReply *rep, const char *what, const char *key,
                 struct ls_err *err) {
  int rc = LS_OK;
  if (!rep)
    rc = ls_err_set(err, LS_EUNAVAIL, "%s on %s:%d failed: %s", what, a->host, a->port, c->errstr);
  else if (rep->type == REDIS_REPLY_ERROR && ls_redis_not_now(rep->str))
    rc = ls_err_set(err, LS_EUNAVAIL, "%s put off by %s:%d: %s", what, a->host, a->port, rep->str);
  else if (rep->type == REDIS_REPLY_ERROR)
    rc = ls_err_set(err, LS_EINVAL, "%s refused by %s:%d: %s (check %s)", what, a->host, a->port, rep->str, key);
  if (rep) freeReplyObject(rep);
  return rc;
}

int ls_redis_connect(redisContext **out, const struct ls_redis_addr *a, struct ls_err *err) {
  struct timeval tv = {a->timeout_ms / 1000, (a->timeout_ms % 1000) * 1000};
  redisContext *c = redisConnectWithTimeout(a->host, a->port, tv);
  *out = NULL;
  if (!c) return ls_err_set(err, LS_ENOMEM, "cannot connect to %s:%d: out of memory", a->host, a->port);
  int rc = LS_OK;
  if (c->err) rc = ls_err_set(err, LS_EUNAVAIL, "cannot connect to %s:%d: %s", a->host, a->port, c->errstr);
  else if (redisSetTimeout(c, tv) != REDIS_OK) rc = ls_err_set(err, LS_EUNAVAIL, "cannot set the timeout on %s:%d: %s", a->host, a->port, c->errstr);
  if (rc == LS_OK && a->password && a->password[0])
    rc = setup(c, a, redisCommand(c, "AUTH %s", a->password), "AUTH", "redis.password", err);
  if (rc == LS_OK && a->db) rc = setup(c, a, redisCommand(c, "SELECT %d", a->db), "SELECT", "redis.db", err);
  if (rc == LS_OK) *out = c;
  else redisFree(c);
  return rc;
}
