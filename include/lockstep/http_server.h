/* http_server.h — one libmicrohttpd server with lockstep's limits, shared by lockstepd's endpoint
 * (http.c) and lockstep-dash: its own epoll thread; max_connections served, as many waiting in a
 * listen queue of that length (the kernel drops the rest, so a flood leaves no backlog behind);
 * HTTP_SERVER_MEMORY bytes per connection (a longer request line or header block gets 414 or
 * 431); an idle connection closed after timeout_s; only GET and HEAD (others get 405 here, a
 * body is read and ignored); libmicrohttpd's own messages logged, sampled. */
#ifndef LOCKSTEP_HTTP_SERVER_H
#define LOCKSTEP_HTTP_SERVER_H

#include <microhttpd.h>
#include <stddef.h>

#include "lockstep/err.h"
#include "lockstep/log.h"

struct ls_http_conf {
  const char *listen; /* "host:port", "[v6]:port" or ":port" (all interfaces); port 0: any free one */
  int max_connections; /* as many more wait in the listen queue; the kernel drops the rest */
  int timeout_s;       /* an idle connection is closed after this */
};

/* Answers one GET or HEAD of url (its query through MHD_lookup_connection_value). */
typedef enum MHD_Result (*ls_http_route_fn)(void *ud, struct MHD_Connection *c, const char *url);

struct ls_http_server;

/* Binds and serves, calling route from the server's thread.
 * @returns LS_OK; LS_EINVAL for an address that does not parse or resolve; LS_EIO when it
 * cannot be bound (in use, not an address of this host); LS_ENOMEM. */
int ls_http_server_start(struct ls_http_server **out, const struct ls_http_conf *conf, ls_http_route_fn route, void *ud,
                         const struct ls_log *log, struct ls_err *err);
/* The port bound (the one chosen when the configuration said 0). */
int ls_http_server_port(const struct ls_http_server *s);
/* Requests routed so far. */
unsigned long long ls_http_server_requests(struct ls_http_server *s);
void ls_http_server_stop(struct ls_http_server *s);

/* Queues an answer: the body copied, no-store, nosniff, and a Content-Security-Policy that
 * allows only the server's own resources. */
enum MHD_Result ls_http_respond(struct MHD_Connection *c, unsigned status, const char *type, const void *body, size_t len);

#endif
