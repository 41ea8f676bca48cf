/* http.c — the HTTP endpoint over libmicrohttpd (Debian's libmicrohttpd, chosen because it is
 * small, C, runs its own epoll thread and bounds each connection's memory, count and idle time).
 * Routes: GET|HEAD /metrics, /healthz, /readyz; any other path 404, any other method 405. Each
 * answer is built from the snapshot the pipeline's thread published last (http.h), copied under
 * a mutex held for a memcpy. Limits: http.max_connections (as many more wait in a listen
 * queue of that length; the kernel drops the rest, so a flood leaves no backlog behind it),
 * CONNECTION_MEMORY bytes per connection (a longer request line or header block gets 414
 * or 431 from libmicrohttpd), http.timeout_s of idleness. libmicrohttpd's own messages go to the
 * log, sampled (a flood must not flood the journal). */
#include "lockstep/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONNECTION_MEMORY 16384

struct ls_http {
  struct MHD_Daemon *mhd;
  const struct ls_log *log;
  pthread_mutex_t mu;
  char *metrics; /* the snapshot */
  size_t metrics_len;
  bool live, ready;
  char why[256];
  double published; /* monotonic s; 0: never */
  atomic_ullong requests, mhd_messages;
};

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  struct ls_http *h = cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
  unsigned long long k = atomic_fetch_add(&h->mhd_messages, 1) + 1;
  if (ls_log_sampled(k)) ls_logf(h->log, LS_LOG_WARN, "http", "%s (message %llu)", msg, k);
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type, const char *body, size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *body) {
  return answer(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result metrics(struct ls_http *h, struct MHD_Connection *c) {
  pthread_mutex_lock(&h->mu);
  struct MHD_Response *r = MHD_create_response_from_buffer(h->metrics_len, h->metrics ? h->metrics : "", MHD_RESPMEM_MUST_COPY);
  pthread_mutex_unlock(&h->mu);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
  enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return rc;
}

/* /healthz or /readyz from the snapshot's flags. */
static enum MHD_Result probe(struct ls_http *h, struct MHD_Connection *c, bool readiness) {
  char body[400];
  pthread_mutex_lock(&h->mu);
  double age = h->published ? mono_s() - h->published : 0;
  bool ok = readiness ? h->ready && age < LS_HTTP_STALE_S : h->live && age < LS_HTTP_STALE_S;
  if (ok) snprintf(body, sizeof body, "%s\n", readiness ? "ready" : "ok");
  else if (age >= LS_HTTP_STALE_S) snprintf(body, sizeof body, "stalled: the pipeline has not reported for %.0f s\n", age);
  else snprintf(body, sizeof body, "%s: %s\n", readiness ? "not ready" : "not live", h->why);
  pthread_mutex_unlock(&h->mu);
  return text(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  (void)upload;
  struct ls_http *h = cls;
  if (!*con_cls) { /* the headers are in; a body, if any, is read and ignored */
    *con_cls = h;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0;
    return MHD_YES;
  }
  atomic_fetch_add(&h->requests, 1);
  if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
    return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
  if (!strcmp(url, "/metrics")) return metrics(h, c);
  if (!strcmp(url, "/healthz")) return probe(h, c, false);
  if (!strcmp(url, "/readyz")) return probe(h, c, true);
  return text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics, /healthz or /readyz\n");
}

int ls_http_parse_listen(const char *listen, struct sockaddr_storage *sa, struct ls_err *err) {
  char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || !colon[1]) return ls_err_set(err, LS_EINVAL, "http.listen: \"%s\" is not host:port (empty turns the endpoint off)", listen);
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return ls_err_set(err, LS_EINVAL, "http.listen: bad port in \"%s\"", listen);
  size_t n = (size_t)(colon - listen);
  if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') listen++, n -= 2;
  if (n >= sizeof host) return ls_err_set(err, LS_EINVAL, "http.listen: host too long in \"%s\"", listen);
  memcpy(host, listen, n);
  host[n] = '\0';
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
  char service[8];
  snprintf(service, sizeof service, "%ld", port);
  int rc = getaddrinfo(n ? host : NULL, service, &hints, &res);
  if (rc) return ls_err_set(err, LS_EINVAL, "http.listen: %s: %s", host, gai_strerror(rc));
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return LS_OK;
}

int ls_http_start(struct ls_http **out, const struct ls_http_conf *conf, const struct ls_log *log, struct ls_err *err) {
  struct sockaddr_storage sa = {0};
  int rc = ls_http_parse_listen(conf->listen, &sa, err);
  if (rc != LS_OK) return rc;
  struct ls_http *h = calloc(1, sizeof *h);
  if (!h) return ls_err_set(err, LS_ENOMEM, "http: out of memory");
  h->log = log;
  h->live = true;
  snprintf(h->why, sizeof h->why, "starting");
  pthread_mutex_init(&h->mu, NULL);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->max_connections,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)CONNECTION_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)conf->max_connections, MHD_OPTION_END);
  if (!h->mhd) {
    pthread_mutex_destroy(&h->mu);
    free(h);
    return ls_err_set(err, LS_EIO, "http.listen: cannot serve on %s (in use, or not an address of this host; empty turns the endpoint off)",
                      conf->listen);
  }
  ls_logf(log, LS_LOG_INFO, "http", "serving /metrics /healthz /readyz on %s (port %d) max_connections=%d", conf->listen, ls_http_port(h),
          conf->max_connections);
  *out = h;
  return LS_OK;
}

int ls_http_port(const struct ls_http *h) {
  const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : -1;
}

void ls_http_publish(struct ls_http *h, const char *metrics, size_t len, bool live, bool ready, const char *why) {
  char *copy = malloc(len ? len : 1);
  if (!copy) return; /* the previous snapshot stays; it ages into 503 if this persists */
  memcpy(copy, metrics, len);
  pthread_mutex_lock(&h->mu);
  char *old = h->metrics;
  h->metrics = copy;
  h->metrics_len = len;
  h->live = live;
  h->ready = ready;
  snprintf(h->why, sizeof h->why, "%s", why ? why : "");
  h->published = mono_s();
  pthread_mutex_unlock(&h->mu);
  free(old);
}

unsigned long long ls_http_requests(struct ls_http *h) { return atomic_load(&h->requests); }

void ls_http_stop(struct ls_http *h) {
  if (!h) return;
  MHD_stop_daemon(h->mhd);
  pthread_mutex_destroy(&h->mu);
  free(h->metrics);
  free(h);
}
