/* redis_conn.h — one blocking hiredis connection made the way every part of lockstepd makes it
 * (the Redis sink, the checkpoint store): connect with redis.timeout_ms on connect and on every
 * command, then AUTH and SELECT; and which error replies mean "not now". */
#ifndef LOCKSTEP_REDIS_CONN_H
#define LOCKSTEP_REDIS_CONN_H

#include <stdbool.h>

#include "lockstep/err.h"

struct ls_redis_addr {
  const char *host, *password; /* password NULL or "": no AUTH */
  int port, db, timeout_ms;    /* db 0: no SELECT */
};

/* Connects *out (free it with redisFree; NULL on failure).
 * @returns LS_OK, or with the reason in err: LS_EUNAVAIL when Redis cannot be reached or answers AUTH or SELECT with "not now" (try
 * again later), LS_EINVAL when it refuses them for good (a wrong password, a db out of range:
 * err names redis.password or redis.db), LS_ENOMEM. */
struct redisContext; /* hiredis */
int ls_redis_connect(struct redisContext **out, const struct ls_redis_addr *a, struct ls_err *err);

/* Whether an error reply means "not now": the same command succeeds later, on this server or
 * on the one that takes over (LOADING, BUSY, MASTERDOWN, READONLY, OOM, TRYAGAIN, CLUSTERDOWN).
 * Any other error reply is final. */
bool ls_redis_not_now(const char *msg);

#endif
