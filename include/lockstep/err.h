/* err.h — error codes and the error text buffer every fallible function fills.
 * Every error path returns an ls_status and writes a one-line, human-readable reason into a
 * caller-owned struct ls_err; nothing below main() exits or asserts on input. */
#ifndef LOCKSTEP_ERR_H
#define LOCKSTEP_ERR_H

#include <stdarg.h>
#include <stdio.h>

enum ls_status {
  LS_OK = 0,
  LS_EINVAL = -1,   /* bad input: malformed message, bad config value */
  LS_EIO = -2,      /* file or network I/O failed */
  LS_ENOMEM = -3,   /* allocation or fixed capacity exhausted */
  LS_EUNAVAIL = -4, /* a service (Redis, Kafka, device) is not reachable */
  LS_EFULL = -5,    /* a bounded queue is full: try again */
};

struct ls_err {
  char msg[512];
};

/* Writes the message and returns code, so that `return ls_err_set(e, LS_EINVAL, ...)` reads well. */
static inline int ls_err_set(struct ls_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int ls_err_set(struct ls_err *e, int code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

#endif
