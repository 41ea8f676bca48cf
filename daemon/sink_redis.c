/* sink_redis.c — campaign events into Redis with the key schema of DESIGN.md §3:
 *   {prefix}campaign:{id}            hash of the event's scalar fields
 *   {prefix}campaign:{id}:accounts   set of account ids
 *   {prefix}campaigns:active         sorted set, score → id (closed campaigns removed)
 *   {prefix}account:{id}:campaigns   set of campaign ids
 *   {prefix}operation:{id}           hash of the operation's fields (README: operations)
 *   {prefix}operation:{id}:campaigns set of campaign ids; :accounts set of account ids
 *   {prefix}operations:active        sorted set, score → id (dormant and merged ones removed)
 *   {prefix}events                   stream, one entry per event (XADD MAXLEN ~ N)
 *   {prefix}stats                    hash of daemon counters
 * Each event is applied by one Lua script, atomically, and only if its version is newer than the
 * stored one, so a retry or a replay after a crash changes nothing. Events are prepared as
 * argument vectors and queued; flush() pipelines the queue and drops it only once Redis has
 * answered. While Redis is unreachable, or answers "not now" (LOADING, BUSY, MASTERDOWN,
 * READONLY, OOM, TRYAGAIN, CLUSTERDOWN: a restart, a slow script, a failover, memory full), the
 * queue is kept and retried with backoff (1 s to 30 s), and the pipeline holds its offsets; the
 * queue grows as it must (held() is the pipeline's back-pressure: past half of
 * output.max_pending it stops reading tweets), so no event is ever dropped for want of room; only
 * a reply that can never succeed drops its event, counted and logged with its id and version.
 * The sink runs on its own thread (sink_thread.c): a flush that blocks never stops detection.
 */
#include <hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/sink.h"

/* ARGV: 1 prefix, 2 id, 3 version, 4 state, 5 first_seen, 6 last_seen, 7 score, 8 tweet_count,
 * 9 signals, 10 sample_tweet_ids, 11 representative_text, 12 closed TTL, 13 stream MAXLEN,
 * 14 event JSON, 15 operation id ("" for none), 16 its state, 17 first_seen, 18 last_seen,
 * 19 campaigns, 20 accounts, 21 score, 22 merged_from (space-separated), 23 evidence JSON,
 * 24.. account ids. */
#define FIRST_ACCOUNT_ARG 24
#define STRINGIFY(x) #x
#define ARG_NUMBER(x) STRINGIFY(x)
static const char SCRIPT[] =
    "local p, id, ver = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
    "local key = p .. 'campaign:' .. id\n"
    "local cur = tonumber(redis.call('HGET', key, 'version') or '0')\n"
    "if cur >= ver then return 0 end\n"
    "local akey, first, ttl = key .. ':accounts', " ARG_NUMBER(FIRST_ACCOUNT_ARG) ", ARGV[12]\n"
    "redis.call('HSET', key, 'campaign_id', id, 'version', ARGV[3], 'state', ARGV[4], 'first_seen', ARGV[5],\n"
    "  'last_seen', ARGV[6], 'score', ARGV[7], 'tweet_count', ARGV[8], 'signals', ARGV[9],\n"
    "  'sample_tweet_ids', ARGV[10], 'representative_text', ARGV[11], 'accounts_count', #ARGV - first + 1,\n"
    "  'operation_id', ARGV[15], 'evidence', ARGV[23])\n"
    "redis.call('DEL', akey)\n"
    "local closed = ARGV[4] == 'closed'\n"
    "for i = first, #ARGV do\n"
    "  local ak = p .. 'account:' .. ARGV[i] .. ':campaigns'\n"
    "  redis.call('SADD', akey, ARGV[i])\n"
    "  redis.call('SADD', ak, id)\n"
    "  if closed then redis.call('EXPIRE', ak, ttl) else redis.call('PERSIST', ak) end\n"
    "end\n"
    "if closed then\n"
    "  redis.call('ZREM', p .. 'campaigns:active', id)\n"
    "  redis.call('EXPIRE', key, ttl)\n"
    "  redis.call('EXPIRE', akey, ttl)\n"
    "else\n"
    "  redis.call('ZADD', p .. 'campaigns:active', ARGV[7], id)\n"
    "  redis.call('PERSIST', key)\n"
    "end\n"
    "local op = ARGV[15]\n"
    "if op ~= '' then\n"
    "  local okey = p .. 'operation:' .. op\n"
    "  local oc, oa = okey .. ':campaigns', okey .. ':accounts'\n"
    "  for m in string.gmatch(ARGV[22], '%S+') do\n"
    "    local mkey = p .. 'operation:' .. m\n"
    "    redis.call('SUNIONSTORE', oc, oc, mkey .. ':campaigns')\n"
    "    redis.call('SUNIONSTORE', oa, oa, mkey .. ':accounts')\n"
    "    redis.call('HSET', mkey, 'operation_id', m, 'state', 'merged', 'merged_into', op)\n"
    "    redis.call('ZREM', p .. 'operations:active', m)\n"
    "    for _, k in ipairs({mkey, mkey .. ':campaigns', mkey .. ':accounts'}) do redis.call('EXPIRE', k, ttl) end\n"
    "  end\n"
    "  redis.call('HSET', okey, 'operation_id', op, 'state', ARGV[16], 'first_seen', ARGV[17], 'last_seen', ARGV[18],\n"
    "    'campaigns_count', ARGV[19], 'accounts_count', ARGV[20], 'score', ARGV[21])\n"
    "  redis.call('SADD', oc, id)\n"
    "  for i = first, #ARGV do redis.call('SADD', oa, ARGV[i]) end\n"
    "  for _, k in ipairs({okey, oc, oa}) do\n"
    "    if ARGV[16] == 'active' then redis.call('PERSIST', k) else redis.call('EXPIRE', k, ttl) end\n"
    "  end\n"
    "  if ARGV[16] == 'active' then redis.call('ZADD', p .. 'operations:active', ARGV[21], op)\n"
    "  else redis.call('ZREM', p .. 'operations:active', op) end\n"
    "end\n"
    "redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[13], '*', 'campaign_id', id, 'version', ARGV[3],\n"
    "  'state', ARGV[4], 'event', ARGV[14])\n"
    "return 1\n";

struct prepared { /* one event as an argument vector, in one allocation */
  int argc;
  const char **argv;
  size_t *lens;
};

struct redis_sink {
  struct ls_redis_conf conf;
  char host[256], password[256], prefix[256];
  redisContext *ctx;
  double next_attempt; /* monotonic seconds */
  double backoff;      /* 1 s, doubling to 30 s while Redis stays unreachable */
  bool down_logged;
  struct prepared **queue;
  size_t head, count, cap;
  bool epochs; /* checkpoints: the last `open` queued events wait for their epoch's commit */
  size_t open;
  struct ls_jw event, signals, samples, evidence;
};

struct piece {
  const char *s;
  size_t n;
};

static struct piece str(const char *s) { return (struct piece){s, strlen(s)}; }
static struct piece json(const struct ls_jw *w) { return (struct piece){w->buf, w->len}; }

/* The operation's arguments, ARGV[16..22]: state, times, counts, score, merged_from. */
struct op_args {
  char first[40], last[40], campaigns[16], accounts[16], score[32];
  char merged[LS_OP_MERGED_MAX * LS_CAMPAIGN_ID_MAX + 1];
};

static void operation_args(const struct ls_operation_ref *op, struct op_args *a) {
  ls_iso8601(op->first_seen_ms, a->first, sizeof a->first);
  ls_iso8601(op->last_seen_ms, a->last, sizeof a->last);
  snprintf(a->campaigns, sizeof a->campaigns, "%u", op->campaigns);
  snprintf(a->accounts, sizeof a->accounts, "%u", op->accounts);
  snprintf(a->score, sizeof a->score, "%.6f", op->score);
  size_t n = 0;
  a->merged[0] = '\0';
  for (uint32_t i = 0; i < op->n_merged; i++)
    n += (size_t)snprintf(a->merged + n, sizeof a->merged - n, "%s%s", i ? " " : "", op->merged_from[i]);
}

/* An argument vector in one allocation: the arrays, then every argument's bytes. */
static struct prepared *assemble(const struct piece *args, int argc) {
  size_t bytes = sizeof(struct prepared) + (size_t)argc * (sizeof(char *) + sizeof(size_t));
  for (int i = 0; i < argc; i++) bytes += args[i].n;
  struct prepared *p = malloc(bytes);
  if (!p) return NULL;
  p->argc = argc;
  p->argv = (const char **)(p + 1);
  p->lens = (size_t *)(p->argv + argc);
  char *o = (char *)(p->lens + argc);
  for (int i = 0; i < argc; i++) {
    memcpy(o, args[i].s, args[i].n);
    p->argv[i] = o;
    p->lens[i] = args[i].n;
    o += args[i].n;
  }
  return p;
}

/* EVAL SCRIPT 0 ARGV[1..23] accounts...: the fixed pieces in the script's order, then the account
 * ids; everything is copied after the arrays, in the same block. */
static struct prepared *prepare(struct redis_sink *r, const struct ls_campaign_event *e) {
  char ver[16], score[32], tweets[24], ttl[24], maxlen[24], first[40], last[40];
  struct op_args op;
  operation_args(&e->operation, &op);
  snprintf(ver, sizeof ver, "%u", e->version);
  snprintf(score, sizeof score, "%.6f", e->score);
  snprintf(tweets, sizeof tweets, "%llu", (unsigned long long)e->tweet_count);
  snprintf(ttl, sizeof ttl, "%lld", (long long)r->conf.closed_ttl_s);
  snprintf(maxlen, sizeof maxlen, "%lld", (long long)r->conf.stream_maxlen);
  ls_iso8601(e->first_seen_ms, first, sizeof first);
  ls_iso8601(e->last_seen_ms, last, sizeof last);
  ls_jw_reset(&r->event);
  ls_jw_reset(&r->signals);
  ls_jw_reset(&r->samples);
  ls_jw_reset(&r->evidence);
  ls_campaign_evidence_json(e, &r->evidence);
  ls_campaign_to_json(e, &r->event);
  ls_campaign_signals_json(e, &r->signals);
  ls_campaign_samples_json(e, &r->samples);
  if (r->event.oom || r->signals.oom || r->samples.oom || r->evidence.oom) return NULL;
  const struct piece fixed[] = {str("EVAL"), {SCRIPT, sizeof SCRIPT - 1}, str("0"), str(r->prefix), str(e->id), str(ver),
                                str(ls_campaign_state_name(e->state)), str(first), str(last), str(score), str(tweets),
                                json(&r->signals), json(&r->samples), str(e->text ? e->text : ""), str(ttl), str(maxlen),
                                json(&r->event), str(e->operation.id), str(ls_operation_state_name(&e->operation)),
                                str(op.first), str(op.last), str(op.campaigns), str(op.accounts), str(op.score), str(op.merged),
                                json(&r->evidence)};
  const int n_fixed = (int)(sizeof fixed / sizeof *fixed);
  _Static_assert(sizeof fixed / sizeof *fixed == FIRST_ACCOUNT_ARG + 2, "one piece per fixed argument, after EVAL SCRIPT 0");
  int argc = n_fixed + (int)e->n_accounts;
  struct piece *args = malloc((size_t)argc * sizeof *args);
  char(*ids)[21] = malloc(((size_t)e->n_accounts + 1) * sizeof *ids);
  struct prepared *p = NULL;
  if (args && ids) {
    memcpy(args, fixed, sizeof fixed);
    for (uint32_t k = 0; k < e->n_accounts; k++)
      args[n_fixed + (int)k] = (struct piece){ids[k], (size_t)snprintf(ids[k], sizeof ids[k], "%llu", (unsigned long long)e->accounts[k])};
    p = assemble(args, argc);
  }
  free(args);
  free(ids);
  return p;
}

static void disconnect(struct redis_sink *r) {
  if (r->ctx) redisFree(r->ctx);
  r->ctx = NULL;
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spaces the next attempt 1 s, 2 s, 4 s ... 30 s after the previous one. */
static void back_off(struct redis_sink *r) {
  r->backoff = r->backoff ? (r->backoff * 2 > 30 ? 30 : r->backoff * 2) : 1;
  r->next_attempt = mono_s() + r->backoff;
}

static void recovered(struct redis_sink *r) {
  r->backoff = 0;
  r->next_attempt = 0;
}

/* Connects unless an attempt failed recently (back_off), because each attempt blocks the sink's
 * thread for up to redis.timeout_ms when the host does not answer. */
static int connect_redis(struct ls_sink *s) {
  struct redis_sink *r = s->ctx;
  if (r->ctx) return LS_OK;
  if (mono_s() < r->next_attempt) return LS_EUNAVAIL;
  back_off(r);
  struct ls_err err;
  if (ls_redis_connect(&r->ctx, &r->conf.addr, &err) != LS_OK) {
    if (!r->down_logged)
      ls_logf(s->log, LS_LOG_ERROR, "redis", "%s (retrying, at most every 30 s; %zu events queued)", err.msg, r->count);
    r->down_logged = true;
    return LS_EUNAVAIL;
  }
  ls_logf(s->log, LS_LOG_INFO, "redis", "connected to %s:%d prefix=%s", r->host, r->conf.addr.port, r->prefix);
  r->down_logged = false;
  recovered(r);
  return LS_OK;
}

/* Doubles the ring, its events in order from index 0. */
static bool grow(struct redis_sink *r) {
  size_t cap = r->cap ? r->cap * 2 : 64;
  struct prepared **q = malloc(cap * sizeof *q);
  if (!q) return false;
  for (size_t k = 0; k < r->count; k++) q[k] = r->queue[(r->head + k) % r->cap];
  free(r->queue);
  r->queue = q;
  r->cap = cap;
  r->head = 0;
  return true;
}

static int enqueue(struct ls_sink *s, struct prepared *p) {
  struct redis_sink *r = s->ctx;
  if (r->count == r->cap && !grow(r)) {
    free(p);
    s->failed++;
    ls_logf(s->log, LS_LOG_ERROR, "redis", "out of memory for a queue of %zu events: an event dropped, dropped_total=%llu", r->count,
            (unsigned long long)s->failed);
    return LS_ENOMEM;
  }
  r->queue[(r->head + r->count) % r->cap] = p;
  r->count++;
  if (r->epochs) r->open++;
  return LS_OK;
}

static int redis_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct prepared *p = prepare(s->ctx, e);
  if (!p) {
    s->failed++;
    return LS_ENOMEM;
  }
  return enqueue(s, p);
}

static void lost_connection(struct ls_sink *s) {
  struct redis_sink *r = s->ctx;
  ls_logf(s->log, LS_LOG_ERROR, "redis", "connection to %s:%d lost: %s (%zu events kept for retry)", r->host,
          r->conf.addr.port, r->ctx->errstr, r->count);
  r->down_logged = true;
  disconnect(r);
}

/* Counts the answer to queued event p: false when p must stay queued (not now). */
static bool settle(struct ls_sink *s, const struct prepared *p, const redisReply *rep) {
  if (rep->type != REDIS_REPLY_ERROR) {
    s->written++;
    return true;
  }
  if (ls_redis_not_now(rep->str)) return false;
  s->failed++;
  ls_logf(s->log, LS_LOG_ERROR, "redis", "event %.*s version %.*s refused, dropped: %s", (int)p->lens[4], p->argv[4],
          (int)p->lens[5], p->argv[5], rep->str);
  return true;
}

/* One pipelined pass over the queue. Events are dequeued in order up to the first "not now";
 * that one and every later one stay for the next pass (the script ignores a version it already
 * has, so resending those that succeeded changes nothing). */
static int flush_once(struct ls_sink *s) {
  struct redis_sink *r = s->ctx;
  if (connect_redis(s) != LS_OK || mono_s() < r->next_attempt) return LS_EUNAVAIL;
  size_t ready = r->count - r->open; /* the open epoch's events wait for its commit */
  for (size_t k = 0; k < ready; k++) {
    struct prepared *p = r->queue[(r->head + k) % r->cap];
    redisAppendCommandArgv(r->ctx, p->argc, p->argv, p->lens);
  }
  size_t done = 0, answered = 0;
  char refusal[128] = "";
  for (; answered < ready; answered++) {
    redisReply *rep = NULL;
    if (redisGetReply(r->ctx, (void **)&rep) != REDIS_OK) break;
    if (answered == done) { /* nothing refused yet */
      if (settle(s, r->queue[(r->head + answered) % r->cap], rep)) done++;
      else snprintf(refusal, sizeof refusal, "%s", rep->str);
    }
    freeReplyObject(rep);
  }
  for (size_t k = 0; k < done; k++) free(r->queue[(r->head + k) % r->cap]);
  r->head = (r->head + done) % r->cap;
  r->count -= done;
  if (answered < ready) {
    lost_connection(s);
    return LS_EUNAVAIL;
  }
  if (refusal[0]) {
    s->deferred++;
    back_off(r);
    ls_logf(s->log, r->down_logged ? LS_LOG_DEBUG : LS_LOG_WARN, "redis", "%s:%d answers \"%s\": %zu events kept, retrying in %.0f s",
            r->host, r->conf.addr.port, refusal, r->count, r->backoff);
    r->down_logged = true;
    return LS_EUNAVAIL;
  }
  if (r->down_logged) ls_logf(s->log, LS_LOG_INFO, "redis", "%s:%d accepts events again", r->host, r->conf.addr.port);
  r->down_logged = false;
  recovered(r);
  return LS_OK;
}

/* Passes until the queue is empty or timeout_ms has passed (0: one pass), waiting out backoff. */
static int redis_flush(struct ls_sink *s, int timeout_ms) {
  struct redis_sink *r = s->ctx;
  double deadline = mono_s() + timeout_ms / 1000.0;
  for (;;) {
    if (r->count == r->open) return LS_OK;
    int rc = flush_once(s);
    double now = mono_s();
    if (rc == LS_OK || now >= deadline) return rc;
    double wait = (r->next_attempt > now ? r->next_attempt : now + 0.1) - now;
    if (wait > deadline - now) wait = deadline - now;
    nanosleep(&(struct timespec){(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)}, NULL);
  }
}

static void redis_stats(struct ls_sink *s, const char *const *fields, const uint64_t *values, int n) {
  struct redis_sink *r = s->ctx;
  if (connect_redis(s) != LS_OK) return;
  const char *argv[2 + 2 * 64];
  size_t lens[2 + 2 * 64];
  char key[300], nums[64][24];
  if (n > 64) n = 64;
  snprintf(key, sizeof key, "%sstats", r->prefix);
  argv[0] = "HSET", argv[1] = key;
  for (int i = 0; i < n; i++) {
    snprintf(nums[i], sizeof nums[i], "%llu", (unsigned long long)values[i]);
    argv[2 + 2 * i] = fields[i];
    argv[3 + 2 * i] = nums[i];
  }
  for (int i = 0; i < 2 + 2 * n; i++) lens[i] = strlen(argv[i]);
  redisReply *rep = redisCommandArgv(r->ctx, 2 + 2 * n, argv, lens);
  if (!rep) {
    lost_connection(s);
    return;
  }
  if (rep->type == REDIS_REPLY_ERROR) /* "not now" (LOADING ...): the next publish writes them */
    ls_logf(s->log, ls_redis_not_now(rep->str) ? LS_LOG_WARN : LS_LOG_ERROR, "redis", "HSET stats refused: %s", rep->str);
  freeReplyObject(rep);
}

/* The queue, committed and open alike, for the checkpoint: argc, then each argument's length and bytes. */
static void redis_pending(struct ls_sink *s, struct ls_snap *w) {
  struct redis_sink *r = s->ctx;
  ls_snap_u64(w, r->count);
  for (size_t k = 0; k < r->count; k++) {
    const struct prepared *p = r->queue[(r->head + k) % r->cap];
    ls_snap_u64(w, (uint64_t)p->argc);
    for (int i = 0; i < p->argc; i++) {
      ls_snap_u64(w, p->lens[i]);
      ls_snap_put(w, p->argv[i], p->lens[i]);
    }
  }
}

/* The epoch's events may go: they are in the stored checkpoint, so the next flush sends them
 * (what Redis does not take then stays queued, and in the next checkpoint). */
static int redis_commit(struct ls_sink *s, uint64_t epoch, struct ls_err *err) {
  (void)epoch;
  (void)err;
  ((struct redis_sink *)s->ctx)->open = 0;
  return LS_OK;
}

/* The checkpoint's queue, queued again: the script keeps one copy per version, so what Redis
 * already had changes nothing. */
static int redis_recover(struct ls_sink *s, uint64_t epoch, struct ls_snap_reader *in, struct ls_err *err) {
  (void)epoch;
  uint64_t n = ls_snap_get_count(in, sizeof(uint64_t));
  for (uint64_t k = 0; k < n && !in->bad; k++) {
    uint64_t argc = ls_snap_get_count(in, sizeof(uint64_t));
    struct piece *args = argc ? malloc(argc * sizeof *args) : NULL;
    if (!args) return ls_err_set(err, argc ? LS_ENOMEM : LS_EINVAL, "redis: a checkpoint's queued event is empty or too large");
    for (uint64_t i = 0; i < argc; i++) {
      args[i].n = ls_snap_get_count(in, 1);
      args[i].s = ls_snap_take(in, args[i].n);
    }
    struct prepared *p = in->bad ? NULL : assemble(args, (int)argc);
    free(args);
    if (p && enqueue(s, p) != LS_OK) return ls_err_set(err, LS_ENOMEM, "redis: out of memory for the checkpoint's queued events");
  }
  ((struct redis_sink *)s->ctx)->open = 0;
  return in->bad ? ls_snap_status(in, err) : LS_OK;
}

static void redis_destroy(struct ls_sink *s) {
  struct redis_sink *r = s->ctx;
  if (r->count)
    ls_logf(s->log, LS_LOG_ERROR, "redis", "exiting with %zu campaign events not written to %s:%d", r->count, r->host, r->conf.addr.port);
  for (size_t k = 0; k < r->count; k++) free(r->queue[(r->head + k) % r->cap]);
  disconnect(r);
  ls_jw_free(&r->event);
  ls_jw_free(&r->signals);
  ls_jw_free(&r->samples);
  ls_jw_free(&r->evidence);
  free(r->queue);
  free(r);
  free(s);
}

static void redis_reconfigure(struct ls_sink *s, const struct ls_config *c) {
  struct redis_sink *r = s->ctx;
  r->conf.closed_ttl_s = c->redis.closed_ttl_s;
  r->conf.stream_maxlen = c->redis.stream_maxlen;
}

static size_t redis_held(struct ls_sink *s) { return ((const struct redis_sink *)s->ctx)->count; }

static const struct ls_sink_i REDIS_I = {.name = "redis", .write = redis_write, .flush = redis_flush, .held = redis_held, .publish_stats = redis_stats,
                                         .reconfigure = redis_reconfigure, .destroy = redis_destroy};
static const struct ls_sink_i REDIS_EPOCH_I = {.name = "redis", .write = redis_write, .flush = redis_flush, .held = redis_held, .publish_stats = redis_stats,
                                               .pending = redis_pending, .commit = redis_commit, .recover = redis_recover,
                                               .reconfigure = redis_reconfigure, .destroy = redis_destroy};

int ls_sink_redis_create(struct ls_sink **out, const struct ls_redis_conf *conf, const struct ls_log *log,
                         struct ls_err *err) {
  struct ls_sink *s = calloc(1, sizeof *s);
  struct redis_sink *r = calloc(1, sizeof *r);
  if (!s || !r || !grow(r)) {
    free(s);
    free(r);
    return ls_err_set(err, LS_ENOMEM, "redis sink: out of memory");
  }
  r->conf = *conf;
  snprintf(r->host, sizeof r->host, "%s", conf->addr.host);
  snprintf(r->password, sizeof r->password, "%s", conf->addr.password ? conf->addr.password : "");
  r->conf.addr.host = r->host;
  r->conf.addr.password = r->password;
  snprintf(r->prefix, sizeof r->prefix, "%s", conf->prefix);
  ls_jw_init(&r->event);
  ls_jw_init(&r->signals);
  ls_jw_init(&r->samples);
  ls_jw_init(&r->evidence);
  r->epochs = conf->epochs;
  *s = (struct ls_sink){.i = conf->epochs ? &REDIS_EPOCH_I : &REDIS_I, .ctx = r, .log = log};
  connect_redis(s); /* unreachable: logged, retried on the next flush */
  *out = s;
  return LS_OK;
}
