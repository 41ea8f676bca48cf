/* http_server.c — the libmicrohttpd server both HTTP programs run (http_server.h): limits,
 * method filter, answers with the common headers, and libmicrohttpd's log messages sampled into
 * ours. libmicrohttpd (Debian's) because it is small, C, runs its own epoll thread and bounds
 * each connection's memory, the number of connections and idle time. */
#include "lockstep/http_server.h"

#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_SERVER_MEMORY 16384

struct ls_http_server {
  struct MHD_Daemon *mhd;
  ls_http_route_fn route;
  void *ud;
  const struct ls_log *log;
  atomic_ullong requests, messages;
};

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  struct ls_http_server *s = cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  msg[strcspn(msg, "\r\n")] = '\0';
  unsigned long long k = atomic_fetch_add(&s->messages, 1) + 1;
  if (ls_log_sampled(k)) ls_logf(s->log, LS_LOG_WARN, "http", "%s (message %llu)", msg, k);
}

enum MHD_Result ls_http_respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body, size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  (void)upload;
  struct ls_http_server *s = cls;
  if (!*con_cls) { /* the headers are in; a body, if any, is read and ignored */
    *con_cls = s;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0;
    return MHD_YES;
  }
  atomic_fetch_add(&s->requests, 1);
  if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
    return ls_http_respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET and HEAD\n", 18);
  return s->route(s->ud, c, url);
}

/* "host:port", "[v6]:port" or ":port" (every interface) into an address. */
static int parse_listen(const char *listen, struct sockaddr_storage *sa, struct ls_err *err) {
  char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || !colon[1]) return ls_err_set(err, LS_EINVAL, "\"%s\" is not host:port", listen);
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return ls_err_set(err, LS_EINVAL, "bad port in \"%s\"", listen);
  size_t n = (size_t)(colon - listen);
  if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') listen++, n -= 2;
  if (n >= sizeof host) return ls_err_set(err, LS_EINVAL, "host too long in \"%s\"", listen);
  memcpy(host, listen, n);
  host[n] = '\0';
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
  char service[8];
  snprintf(service, sizeof service, "%ld", port);
  int rc = getaddrinfo(n ? host : NULL, service, &hints, &res);
  if (rc) return ls_err_set(err, LS_EINVAL, "%s: %s", host, gai_strerror(rc));
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return LS_OK;
}

int ls_http_server_start(struct ls_http_server **out, const struct ls_http_conf *conf, ls_http_route_fn route, void *ud,
                         const struct ls_log *log, struct ls_err *err) {
  struct sockaddr_storage sa = {0};
  int rc = parse_listen(conf->listen, &sa, err);
  if (rc != LS_OK) return rc;
  struct ls_http_server *s = calloc(1, sizeof *s);
  if (!s) return ls_err_set(err, LS_ENOMEM, "http: out of memory");
  *s = (struct ls_http_server){.route = route, .ud = ud, .log = log};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->max_connections,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)conf->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)conf->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_SERVER_MEMORY, MHD_OPTION_END);
  if (!s->mhd) {
    free(s);
    return ls_err_set(err, LS_EIO, "cannot serve on %s (in use, or not an address of this host)", conf->listen);
  }
  *out = s;
  return LS_OK;
}

int ls_http_server_port(const struct ls_http_server *s) {
  const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : -1;
}

unsigned long long ls_http_server_requests(struct ls_http_server *s) { return atomic_load(&s->requests); }

void ls_http_server_stop(struct ls_http_server *s) {
  if (!s) return;
  MHD_stop_daemon(s->mhd);
  free(s);
}
