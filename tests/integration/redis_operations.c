/* redis-operations PORT — writes campaign events through lockstepd's Redis sink to a real Redis
 * on 127.0.0.1:PORT and checks the operation keys a dashboard reads (README: Redis key schema):
 * two campaigns in two operations, then a third campaign whose operation takes the second in
 * (merged_from), then the last campaign closing. Prints one "ok - ..." line per check; exits 1 at
 * the first failure. */
#include <hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/sink.h"

static redisContext *R;

static void fail(const char *what) {
  fprintf(stderr, "FAIL: %s\n", what);
  exit(1);
}

static void check(const char *what, int ok) {
  if (!ok) fail(what);
  printf("ok - %s\n", what);
}

/* The reply of a command as a string ("" for nil, the number for an integer). */
static const char *ask(const char *fmt, const char *a, const char *b) {
  static char out[256];
  redisReply *r = redisCommand(R, fmt, a, b);
  if (!r) fail("redis did not answer");
  if (r->type == REDIS_REPLY_INTEGER) snprintf(out, sizeof out, "%lld", r->integer);
  else snprintf(out, sizeof out, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
  freeReplyObject(r);
  return out;
}

static const uint64_t ACCOUNTS[3][2] = {{1, 2}, {3, 4}, {2, 3}};

static struct ls_campaign_event event(int k, const char *op, enum ls_campaign_state state, const char *merged) {
  struct ls_campaign_event e = {.version = state == LS_CAMPAIGN_OPEN ? 1 : 2, .state = state, .first_seen_ms = 1000,
                                .last_seen_ms = 2000, .score = 0.5 + 0.1 * k, .accounts = ACCOUNTS[k], .n_accounts = 2,
                                .text = "t"};
  snprintf(e.id, sizeof e.id, "c000000000000000%d", k);
  snprintf(e.operation.id, sizeof e.operation.id, "%s", op);
  e.operation.active = state != LS_CAMPAIGN_CLOSED;
  e.operation.campaigns = 1;
  e.operation.accounts = 2;
  e.operation.score = e.score;
  if (merged) {
    snprintf(e.operation.merged_from[0], sizeof e.operation.merged_from[0], "%s", merged);
    e.operation.n_merged = 1;
  }
  return e;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fputs("usage: redis-operations PORT\n", stderr);
    return 2;
  }
  struct ls_redis_conf conf = {.addr = {.host = "127.0.0.1", .port = atoi(argv[1]), .timeout_ms = 2000}, .prefix = "lockstep:",
                               .closed_ttl_s = 3600, .stream_maxlen = 1000};
  struct ls_sink *s;
  struct ls_err err;
  /* on its own thread, as lockstepd runs it: events are copied, then written in order */
  if (ls_sink_redis_create(&s, &conf, NULL, &err) != LS_OK || ls_sink_thread_create(&s, s, &err) != LS_OK) fail(err.msg);
  R = redisConnect("127.0.0.1", conf.addr.port);
  if (!R || R->err) fail("cannot connect to redis");
  const char *A = "o0000000000000000a", *B = "o0000000000000000b";
  struct ls_campaign_event e0 = event(0, A, LS_CAMPAIGN_OPEN, NULL), e1 = event(1, B, LS_CAMPAIGN_OPEN, NULL),
                           e2 = event(2, A, LS_CAMPAIGN_OPEN, B), e1b = event(1, A, LS_CAMPAIGN_UPDATED, NULL);
  s->i->write(s, &e0);
  s->i->write(s, &e1);
  if (s->i->flush(s, 2000) != LS_OK) fail("flush");
  check("two operations active", !strcmp(ask("ZCARD %s%s", "lockstep:", "operations:active"), "2"));
  check("the campaign hash names its operation", !strcmp(ask("HGET lockstep:campaign:%s %s", e0.id, "operation_id"), A));
  s->i->write(s, &e2);
  s->i->write(s, &e1b);
  if (s->i->flush(s, 2000) != LS_OK) fail("flush");
  char key[64];
  snprintf(key, sizeof key, "lockstep:operation:%s", B);
  check("the taken operation is marked merged", !strcmp(ask("HGET %s %s", key, "state"), "merged"));
  check("... with merged_into", !strcmp(ask("HGET %s %s", key, "merged_into"), A));
  check("... and leaves operations:active", !strcmp(ask("ZSCORE lockstep:operations:active %s%s", B, ""), ""));
  snprintf(key, sizeof key, "lockstep:operation:%s:campaigns", A);
  check("the survivor holds all three campaigns", !strcmp(ask("SCARD %s%s", key, ""), "3"));
  snprintf(key, sizeof key, "lockstep:operation:%s:accounts", A);
  check("... and the accounts of both", !strcmp(ask("SCARD %s%s", key, ""), "4"));
  check("the relabelled campaign names the survivor", !strcmp(ask("HGET lockstep:campaign:%s %s", e1.id, "operation_id"), A));
  struct ls_campaign_event last = event(2, A, LS_CAMPAIGN_CLOSED, NULL);
  last.version = 2;
  s->i->write(s, &last);
  if (s->i->flush(s, 2000) != LS_OK) fail("flush");
  snprintf(key, sizeof key, "lockstep:operation:%s", A);
  check("an operation without open campaigns is dormant", !strcmp(ask("HGET %s %s", key, "state"), "dormant"));
  check("... leaves operations:active", !strcmp(ask("ZCARD %s%s", "lockstep:", "operations:active"), "0"));
  check("... and its keys expire", atoi(ask("TTL %s%s", key, "")) > 0);
  s->i->destroy(s);
  redisFree(R);
  return 0;
}
