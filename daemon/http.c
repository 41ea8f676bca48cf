/* http.c — lockstepd's HTTP endpoint on the shared server (http_server.c): GET|HEAD /metrics,
 * /healthz, /readyz; any other path 404. Each answer is built from the snapshot the pipeline's
 * thread published last (http.h), copied under a mutex held for a memcpy. */
#include "lockstep/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/http_server.h"

struct ls_http {
  struct ls_http_server *server;
  pthread_mutex_t mu;
  char *metrics; /* the snapshot */
  size_t metrics_len;
  bool live, ready;
  char why[256];
  double published; /* monotonic s; 0: never */
};

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *body) {
  return ls_http_respond(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result metrics(struct ls_http *h, struct MHD_Connection *c) {
  pthread_mutex_lock(&h->mu); /* the answer copies the snapshot */
  enum MHD_Result rc = ls_http_respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", h->metrics ? h->metrics : "", h->metrics_len);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

/* /healthz or /readyz from the snapshot's flags. */
static enum MHD_Result probe(struct ls_http *h, struct MHD_Connection *c, bool readiness) {
  char body[400];
  pthread_mutex_lock(&h->mu);
  double age = h->published ? mono_s() - h->published : 0;
  bool ok = (readiness ? h->ready : h->live) && age < LS_HTTP_STALE_S;
  if (ok) snprintf(body, sizeof body, "%s\n", readiness ? "ready" : "ok");
  else if (age >= LS_HTTP_STALE_S) snprintf(body, sizeof body, "stalled: the pipeline has not reported for %.0f s\n", age);
  else snprintf(body, sizeof body, "%s: %s\n", readiness ? "not ready" : "not live", h->why);
  pthread_mutex_unlock(&h->mu);
  return text(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body);
}

static enum MHD_Result route(void *ud, struct MHD_Connection *c, const char *url) {
  struct ls_http *h = ud;
  if (!strcmp(url, "/metrics")) return metrics(h, c);
  if (!strcmp(url, "/healthz")) return probe(h, c, false);
  if (!strcmp(url, "/readyz")) return probe(h, c, true);
  return text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics, /healthz or /readyz\n");
}

int ls_http_start(struct ls_http **out, const struct ls_http_conf *conf, const struct ls_log *log, struct ls_err *err) {
  struct ls_http *h = calloc(1, sizeof *h);
  if (!h) return ls_err_set(err, LS_ENOMEM, "http: out of memory");
  h->live = true;
  snprintf(h->why, sizeof h->why, "starting");
  pthread_mutex_init(&h->mu, NULL);
  struct ls_err e;
  int rc = ls_http_server_start(&h->server, conf, route, h, log, &e);
  if (rc != LS_OK) {
    pthread_mutex_destroy(&h->mu);
    free(h);
    return ls_err_set(err, rc, "http.listen: %s (empty turns the endpoint off)", e.msg);
  }
  ls_logf(log, LS_LOG_INFO, "http", "serving /metrics /healthz /readyz on %s (port %d) max_connections=%d", conf->listen,
          ls_http_server_port(h->server), conf->max_connections);
  *out = h;
  return LS_OK;
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

unsigned long long ls_http_requests(struct ls_http *h) { return ls_http_server_requests(h->server); }

void ls_http_stop(struct ls_http *h) {
  if (!h) return;
  ls_http_server_stop(h->server);
  pthread_mutex_destroy(&h->mu);
  free(h->metrics);
  free(h);
}
