/* dash.c — lockstep-dash, the analysts' campaign dashboard: serves a page (compiled in, works
 * offline) and a JSON API over the documented Redis keys only (README: Redis key schema), so it
 * shows one node or many alike and needs no daemon of its own. lockstepd's HTTP server serves
 * (http_server.h: one thread, bounded connections and request size); hiredis reads, one connection,
 * reconnected when lost (the API answers 503 while Redis is away). Every key is the prefix plus
 * an id that must match [A-Za-z0-9_-]{1,64}: nothing else in Redis can be asked for. Lists are
 * bounded: at most 500 campaigns, 1,000 accounts of a campaign (with its total), 50 accounts'
 * other campaigns, 200 campaigns of an operation.
 *   GET /                      the page (index.html, dash.js, dash.css)
 *   GET /api/campaigns?limit=N the active campaigns by score, and the active operations
 *   GET /api/campaign/ID       one campaign: its hash, evidence, accounts
 *   GET /api/accounts?ids=A,B  each account's campaigns
 *   GET /api/operation/ID      one operation and its campaigns */
#include <getopt.h>
#include <hiredis.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dash_assets.h"
#include "lockstep/http_server.h"
#include "lockstep/json.h"
#include "lockstep/log.h"
#include "lockstep/redis_conn.h"

#define MAX_CAMPAIGNS 500
#define MAX_ACCOUNTS 1000
#define MAX_ACCOUNT_LOOKUPS 50
#define MAX_OPERATION_CAMPAIGNS 200
#define ID_MAX 64

struct dash {
  struct ls_redis_addr addr;
  char host[256], password[256], prefix[200];
  redisContext *rc;
  struct ls_log log;
  bool down_logged;
};

static atomic_bool g_stop;
static void on_signal(int sig) {
  (void)sig;
  atomic_store(&g_stop, true);
}

/* --- Redis ------------------------------------------------------------------------------------ */

static bool connected(struct dash *d, struct ls_err *err) {
  if (d->rc && !d->rc->err) return true;
  if (d->rc) redisFree(d->rc);
  d->rc = NULL;
  if (ls_redis_connect(&d->rc, &d->addr, err) != LS_OK) {
    if (!d->down_logged) ls_logf(&d->log, LS_LOG_ERROR, "dash", "%s (the API answers 503 until it is back)", err->msg);
    d->down_logged = true;
    return false;
  }
  if (d->down_logged) ls_logf(&d->log, LS_LOG_INFO, "dash", "redis %s:%d answers again", d->host, d->addr.port);
  d->down_logged = false;
  return true;
}

/* The replies of n pipelined commands (argv built by the caller); NULL and err when Redis is
 * away or refuses one (the caller frees the array and each reply). */
static redisReply **pipeline(struct dash *d, int n, const char *const *const *argv, const int *argc, struct ls_err *err) {
  if (!connected(d, err)) return NULL;
  for (int i = 0; i < n; i++) redisAppendCommandArgv(d->rc, argc[i], (const char **)argv[i], NULL);
  redisReply **out = calloc((size_t)n, sizeof *out);
  bool ok = out != NULL;
  for (int i = 0; i < n; i++) {
    void *r = NULL;
    if (redisGetReply(d->rc, &r) != REDIS_OK) {
      ls_err_set(err, LS_EUNAVAIL, "redis %s:%d: %s", d->host, d->addr.port, d->rc->errstr);
      ok = false;
      break;
    }
    if (((redisReply *)r)->type == REDIS_REPLY_ERROR) {
      ls_err_set(err, LS_EUNAVAIL, "redis: %s", ((redisReply *)r)->str);
      ok = false;
    }
    if (out) out[i] = r;
    else freeReplyObject(r);
  }
  if (ok) return out;
  for (int i = 0; out && i < n; i++)
    if (out[i]) freeReplyObject(out[i]);
  free(out);
  return NULL;
}

static redisReply *one(struct dash *d, struct ls_err *err, int argc, const char *const *argv) {
  redisReply **r = pipeline(d, 1, &argv, &argc, err);
  if (!r) return NULL;
  redisReply *x = r[0];
  free(r);
  return x;
}

static void free_replies(redisReply **r, int n) {
  for (int i = 0; r && i < n; i++) freeReplyObject(r[i]);
  free(r);
}

/* --- JSON ------------------------------------------------------------------------------------- */

static void str_or_null(struct ls_jw *w, const redisReply *r) {
  if (r && r->type == REDIS_REPLY_STRING) ls_jw_strn(w, r->str, r->len);
  else ls_jw_null(w);
}

/* An HMGET reply as an object of the fields asked for. */
static void fields_json(struct ls_jw *w, const char *const *names, int n, const redisReply *r) {
  ls_jw_obj_begin(w);
  for (int i = 0; i < n; i++) {
    ls_jw_key(w, names[i]);
    str_or_null(w, r && r->type == REDIS_REPLY_ARRAY && (size_t)i < r->elements ? r->element[i] : NULL);
  }
  ls_jw_obj_end(w);
}

/* An HGETALL reply as an object. */
static void hash_json(struct ls_jw *w, const redisReply *r) {
  ls_jw_obj_begin(w);
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)r->element[i]->len, r->element[i]->str);
    ls_jw_key(w, key);
    str_or_null(w, r->element[i + 1]);
  }
  ls_jw_obj_end(w);
}

static bool valid_id(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > ID_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
      return false;
  return true;
}

/* --- API -------------------------------------------------------------------------------------- */

static const char *const CAMPAIGN_FIELDS[] = {"campaign_id", "version", "state", "score", "accounts_count", "tweet_count", "first_seen",
                                              "last_seen", "signals", "representative_text", "operation_id"};
static const char *const OPERATION_FIELDS[] = {"operation_id", "state", "score", "campaigns_count", "accounts_count", "first_seen", "last_seen"};
#define N_OF(a) ((int)(sizeof a / sizeof *a))

/* HMGET of fields for each id of a ZREVRANGE reply, as an array of objects. */
static int ranked_json(struct dash *d, struct ls_jw *w, const char *zset, const char *kind, const char *const *fields, int n_fields, int limit,
                       struct ls_err *err) {
  char key[300], stop[16];
  snprintf(key, sizeof key, "%s%s", d->prefix, zset);
  snprintf(stop, sizeof stop, "%d", limit - 1);
  const char *zargv[] = {"ZREVRANGE", key, "0", stop};
  redisReply *ids = one(d, err, 4, zargv);
  if (!ids) return LS_EUNAVAIL;
  int n = (int)ids->elements;
  const char ***argv = calloc((size_t)n + 1, sizeof *argv);
  int *argc = calloc((size_t)n + 1, sizeof *argc);
  char (*keys)[300] = calloc((size_t)n + 1, sizeof *keys);
  redisReply **rows = NULL;
  int rc = LS_ENOMEM;
  if (argv && argc && keys) {
    for (int i = 0; i < n; i++) {
      argv[i] = calloc((size_t)n_fields + 2, sizeof **argv);
      if (!argv[i]) break;
      snprintf(keys[i], sizeof keys[i], "%s%s:%.*s", d->prefix, kind, (int)ids->element[i]->len, ids->element[i]->str);
      argv[i][0] = "HMGET", argv[i][1] = keys[i];
      memcpy(argv[i] + 2, fields, (size_t)n_fields * sizeof *fields);
      argc[i] = n_fields + 2;
    }
    rows = n ? pipeline(d, n, (const char *const *const *)argv, argc, err) : NULL;
    rc = n && !rows ? LS_EUNAVAIL : LS_OK;
  }
  if (rc == LS_OK) {
    ls_jw_arr_begin(w);
    for (int i = 0; i < n; i++) fields_json(w, fields, n_fields, rows[i]);
    ls_jw_arr_end(w);
  }
  free_replies(rows, n);
  for (int i = 0; argv && i < n; i++) free(argv[i]);
  free(argv), free(argc), free(keys);
  freeReplyObject(ids);
  return rc;
}

static int api_campaigns(struct dash *d, struct MHD_Connection *c, struct ls_jw *w, struct ls_err *err) {
  const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
  int limit = q ? atoi(q) : 50;
  if (limit < 1 || limit > MAX_CAMPAIGNS) limit = limit < 1 ? 1 : MAX_CAMPAIGNS;
  ls_jw_obj_begin(w);
  ls_jw_key(w, "campaigns");
  int rc = ranked_json(d, w, "campaigns:active", "campaign", CAMPAIGN_FIELDS, N_OF(CAMPAIGN_FIELDS), limit, err);
  if (rc == LS_OK) {
    ls_jw_key(w, "operations");
    rc = ranked_json(d, w, "operations:active", "operation", OPERATION_FIELDS, N_OF(OPERATION_FIELDS), 50, err);
  }
  ls_jw_obj_end(w);
  return rc;
}

/* SSCAN until max members or the end: a bounded sample of a set of any size. */
static void members_json(struct dash *d, struct ls_jw *w, const char *key, size_t max) {
  char cursor[32] = "0";
  size_t n = 0;
  struct ls_err err;
  ls_jw_arr_begin(w);
  for (int round = 0; round < 64 && n < max; round++) {
    const char *argv[] = {"SSCAN", key, cursor, "COUNT", "500"};
    redisReply *r = one(d, &err, 5, argv);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
      if (r) freeReplyObject(r);
      break;
    }
    for (size_t i = 0; i < r->element[1]->elements && n < max; i++, n++) str_or_null(w, r->element[1]->element[i]);
    snprintf(cursor, sizeof cursor, "%.*s", (int)r->element[0]->len, r->element[0]->str);
    freeReplyObject(r);
    if (!strcmp(cursor, "0")) break;
  }
  ls_jw_arr_end(w);
}

static long long card(struct dash *d, const char *key) {
  struct ls_err err;
  const char *argv[] = {"SCARD", key};
  redisReply *r = one(d, &err, 2, argv);
  long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
  if (r) freeReplyObject(r);
  return n;
}

/* GET /api/KIND/ID: its hash, then a bounded sample of the set at KIND:ID:SET with its size. */
static int api_one(struct dash *d, const char *kind, const char *id, const char *set, size_t max, struct ls_jw *w, bool *found, struct ls_err *err) {
  char key[300], members[320];
  snprintf(key, sizeof key, "%s%s:%s", d->prefix, kind, id);
  snprintf(members, sizeof members, "%s:%s", key, set);
  const char *argv[] = {"HGETALL", key};
  redisReply *h = one(d, err, 2, argv);
  if (!h) return LS_EUNAVAIL;
  *found = h->type == REDIS_REPLY_ARRAY && h->elements > 0;
  ls_jw_obj_begin(w);
  ls_jw_key(w, kind);
  hash_json(w, h);
  freeReplyObject(h);
  ls_jw_key(w, set);
  members_json(d, w, members, max);
  ls_jw_key(w, "total");
  ls_jw_u64(w, (uint64_t)card(d, members));
  ls_jw_obj_end(w);
  return LS_OK;
}

/* GET /api/accounts?ids=A,B: each valid id's campaigns (at most MAX_ACCOUNT_LOOKUPS ids). */
static int api_accounts(struct dash *d, struct MHD_Connection *c, struct ls_jw *w, struct ls_err *err) {
  const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ids");
  char buf[MAX_ACCOUNT_LOOKUPS * (ID_MAX + 1) + 1];
  snprintf(buf, sizeof buf, "%s", q ? q : "");
  ls_jw_obj_begin(w);
  int n = 0;
  for (char *save, *id = strtok_r(buf, ",", &save); id && n < MAX_ACCOUNT_LOOKUPS; id = strtok_r(NULL, ",", &save)) {
    if (!valid_id(id)) continue;
    char key[300];
    snprintf(key, sizeof key, "%saccount:%s:campaigns", d->prefix, id);
    if (!connected(d, err)) return LS_EUNAVAIL;
    ls_jw_key(w, id);
    members_json(d, w, key, 100);
    n++;
  }
  ls_jw_obj_end(w);
  return LS_OK;
}

/* --- HTTP ------------------------------------------------------------------------------------- */

static enum MHD_Result error_json(struct MHD_Connection *c, unsigned status, const char *msg) {
  struct ls_jw w;
  ls_jw_init(&w);
  ls_jw_obj_begin(&w);
  ls_jw_key(&w, "error");
  ls_jw_str(&w, msg);
  ls_jw_obj_end(&w);
  enum MHD_Result rc = ls_http_respond(c, status, "application/json", w.buf ? w.buf : "{}", w.buf ? w.len : 2);
  ls_jw_free(&w);
  return rc;
}

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  return !dot ? "application/octet-stream" : !strcmp(dot, ".html") ? "text/html; charset=utf-8" : !strcmp(dot, ".js") ? "text/javascript; charset=utf-8"
         : !strcmp(dot, ".css") ? "text/css; charset=utf-8" : "application/octet-stream";
}

static enum MHD_Result asset(struct MHD_Connection *c, const char *url) {
  if (!strcmp(url, "/")) url = "/index.html";
  for (const struct ls_dash_asset *a = ls_dash_assets; a->path; a++)
    if (!strcmp(a->path, url)) return ls_http_respond(c, MHD_HTTP_OK, type_of(a->path), a->bytes, a->len);
  return error_json(c, MHD_HTTP_NOT_FOUND, "not found");
}

/* /api/KIND/ID routes: the id after the prefix, validated. */
static const char *id_after(const char *url, const char *route) {
  size_t n = strlen(route);
  return strncmp(url, route, n) ? NULL : url + n;
}

static enum MHD_Result api(struct dash *d, struct MHD_Connection *c, const char *url) {
  struct ls_jw w;
  struct ls_err err = {0};
  ls_jw_init(&w);
  int rc = LS_OK;
  bool found = true;
  const char *id;
  if (!strcmp(url, "/api/campaigns")) rc = api_campaigns(d, c, &w, &err);
  else if (!strcmp(url, "/api/accounts")) rc = api_accounts(d, c, &w, &err);
  else if ((id = id_after(url, "/api/campaign/")) || (id = id_after(url, "/api/operation/"))) {
    bool campaign = url[5] == 'c';
    if (!valid_id(id)) {
      ls_jw_free(&w);
      return error_json(c, MHD_HTTP_BAD_REQUEST, "an id is 1 to 64 letters, digits, '-' or '_'");
    }
    rc = api_one(d, campaign ? "campaign" : "operation", id, campaign ? "accounts" : "campaigns", campaign ? MAX_ACCOUNTS : MAX_OPERATION_CAMPAIGNS, &w,
                 &found, &err);
  } else {
    ls_jw_free(&w);
    return error_json(c, MHD_HTTP_NOT_FOUND, "no such API: /api/campaigns, /api/campaign/ID, /api/accounts?ids=, /api/operation/ID");
  }
  enum MHD_Result r;
  char why[sizeof err.msg + 32];
  snprintf(why, sizeof why, "redis unavailable: %s", err.msg);
  if (rc != LS_OK) r = error_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
  else if (!found) r = error_json(c, MHD_HTTP_NOT_FOUND, "no such id (closed campaigns expire after redis.closed_ttl_s)");
  else if (w.oom) r = error_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
  else r = ls_http_respond(c, MHD_HTTP_OK, "application/json", w.buf, w.len);
  ls_jw_free(&w);
  return r;
}

static enum MHD_Result route(void *ud, struct MHD_Connection *c, const char *url) {
  return strncmp(url, "/api/", 5) ? asset(c, url) : api(ud, c, url);
}

static void usage(FILE *f) {
  fputs("usage: lockstep-dash [--listen HOST:PORT] [--redis HOST:PORT] [--password P] [--db N] [--prefix P]\n"
        "The campaign dashboard: a page and a JSON API over lockstepd's Redis keys (README: dashboard).\n"
        "  --listen HOST:PORT  where to serve (default 127.0.0.1:8080; port 0: any free one, logged)\n"
        "  --redis HOST:PORT   the Redis lockstepd writes to (default 127.0.0.1:6379)\n"
        "  --password P        Redis AUTH password\n"
        "  --db N              Redis database (default 0)\n"
        "  --prefix P          key prefix, lockstepd's redis.prefix (default lockstep:)\n",
        f);
}

static int parse(int argc, char **argv, struct dash *d, const char **listen) {
  static const struct option opts[] = {{"listen", 1, 0, 'l'}, {"redis", 1, 0, 'r'}, {"password", 1, 0, 'p'}, {"db", 1, 0, 'd'},
                                       {"prefix", 1, 0, 'x'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  *listen = "127.0.0.1:8080";
  snprintf(d->host, sizeof d->host, "127.0.0.1");
  snprintf(d->prefix, sizeof d->prefix, "lockstep:");
  d->addr = (struct ls_redis_addr){.host = d->host, .password = d->password, .port = 6379, .timeout_ms = 2000};
  for (int o; (o = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    char *colon;
    switch (o) {
      case 'l': *listen = optarg; break;
      case 'r':
        colon = strrchr(optarg, ':');
        snprintf(d->host, sizeof d->host, "%.*s", colon ? (int)(colon - optarg) : (int)strlen(optarg), optarg);
        d->addr.port = colon ? atoi(colon + 1) : 6379;
        if (d->addr.port <= 0 || d->addr.port > 65535) return fprintf(stderr, "lockstep-dash: --redis %s: bad port\n", optarg), 2;
        break;
      case 'p': snprintf(d->password, sizeof d->password, "%s", optarg); break;
      case 'd': d->addr.db = atoi(optarg); break;
      case 'x':
        if (strlen(optarg) >= sizeof d->prefix) return fprintf(stderr, "lockstep-dash: --prefix: too long\n"), 2;
        snprintf(d->prefix, sizeof d->prefix, "%s", optarg);
        break;
      case 'h': usage(stdout); return -1;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) return fprintf(stderr, "lockstep-dash: unexpected argument %s\n", argv[optind]), usage(stderr), 2;
  return 0;
}

int main(int argc, char **argv) {
  static struct dash d;
  const char *listen;
  int rc = parse(argc, argv, &d, &listen);
  if (rc) return rc < 0 ? 0 : rc;
  d.log = (struct ls_log){.min_level = LS_LOG_INFO};
  struct ls_err err;
  struct sigaction act = {.sa_handler = on_signal};
  sigaction(SIGINT, &act, NULL);
  sigaction(SIGTERM, &act, NULL);
  signal(SIGPIPE, SIG_IGN);
  connected(&d, &err); /* before the server's thread uses the connection; unreachable: logged, retried per request */
  struct ls_http_conf hc = {listen, 64, 10};
  struct ls_http_server *server;
  if ((rc = ls_http_server_start(&server, &hc, route, &d, &d.log, &err)) != LS_OK) {
    fprintf(stderr, "error dash: --listen: %s\n", err.msg);
    return rc == LS_EINVAL ? 2 : 1;
  }
  ls_logf(&d.log, LS_LOG_INFO, "dash", "serving http://%s/ (port %d) from redis %s:%d prefix %s", listen, ls_http_server_port(server), d.host,
          d.addr.port, d.prefix);
  while (!atomic_load(&g_stop)) nanosleep(&(struct timespec){0, 100000000}, NULL);
  ls_http_server_stop(server);
  if (d.rc) redisFree(d.rc);
  ls_logf(&d.log, LS_LOG_INFO, "dash", "stopped");
  return 0;
}
