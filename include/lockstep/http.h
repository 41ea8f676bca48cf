/* http.h — lockstepd's HTTP endpoint (libmicrohttpd, its own thread): GET /metrics (Prometheus
 * text), /healthz (liveness) and /readyz (readiness). The server never reads the pipeline: the
 * pipeline's thread publishes a rendered snapshot about once a second (ls_http_publish) and every
 * request answers from the latest one, so a scrape costs the pipeline nothing and a flood of
 * requests cannot slow it. /healthz answers 503 when the snapshot is older than
 * LS_HTTP_STALE_S (the pipeline's thread is stuck) or the publisher said it is not live. */
#ifndef LOCKSTEP_HTTP_H
#define LOCKSTEP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "lockstep/err.h"
#include "lockstep/log.h"

#define LS_HTTP_STALE_S 30

struct ls_http;

struct ls_http_conf {
  const char *listen; /* "host:port", "[v6]:port" or ":port" (all interfaces); port 0: any free one */
  int max_connections; /* as many more wait in the listen queue; the kernel drops the rest */
  int timeout_s;       /* an idle connection is closed after this */
};

/* "host:port", "[v6]:port" or ":port" (every interface) into an address.
 * @returns LS_OK, or LS_EINVAL naming http.listen and what is wrong. */
int ls_http_parse_listen(const char *listen, struct sockaddr_storage *sa, struct ls_err *err);

/* Binds and starts serving (before the first publish: live, not ready, "starting").
 * @returns LS_OK; LS_EINVAL for an address that does not parse or resolve; LS_EIO when it
 * cannot be bound (in use, no permission), the message naming http.listen. */
int ls_http_start(struct ls_http **out, const struct ls_http_conf *conf, const struct ls_log *log, struct ls_err *err);
/* The port bound (the one chosen when the configuration said 0). */
int ls_http_port(const struct ls_http *h);
/* Replaces the snapshot: the metrics text, liveness and readiness (why: the reason when not
 * ready or not live, shown in the body). Copies everything. */
void ls_http_publish(struct ls_http *h, const char *metrics, size_t len, bool live, bool ready, const char *why);
/* Requests answered (for the log at exit). */
unsigned long long ls_http_requests(struct ls_http *h);
void ls_http_stop(struct ls_http *h);

#endif
