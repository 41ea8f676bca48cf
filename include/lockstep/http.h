/* http.h — lockstepd's HTTP endpoint (on http_server.h, its own thread): GET /metrics (Prometheus
 * text), /healthz (liveness) and /readyz (readiness). The server never reads the pipeline: the
 * pipeline's thread publishes a rendered snapshot about once a second (ls_http_publish) and every
 * request answers from the latest one, so a scrape costs the pipeline nothing and a flood of
 * requests cannot slow it. /healthz answers 503 when the snapshot is older than
 * LS_HTTP_STALE_S (the pipeline's thread is stuck) or the publisher said it is not live. */
#ifndef LOCKSTEP_HTTP_H
#define LOCKSTEP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "lockstep/err.h"
#include "lockstep/http_server.h"
#include "lockstep/log.h"

#define LS_HTTP_STALE_S 30

struct ls_http;

/* Binds and starts serving (before the first publish: live, not ready, "starting").
 * @returns as ls_http_server_start, the message naming http.listen. */
int ls_http_start(struct ls_http **out, const struct ls_http_conf *conf, const struct ls_log *log, struct ls_err *err);
/* Replaces the snapshot: the metrics text, liveness and readiness (why: the reason when not
 * ready or not live, shown in the body). Copies everything. */
void ls_http_publish(struct ls_http *h, const char *metrics, size_t len, bool live, bool ready, const char *why);
/* Requests answered (for the log at exit). */
unsigned long long ls_http_requests(struct ls_http *h);
void ls_http_stop(struct ls_http *h);

#endif
