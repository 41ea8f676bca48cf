/* log.h — logging through a caller-supplied sink: one line per event,
 * `level component: message key=value`. Modules take a `const struct ls_log *` in their
 * context, so that no module holds global logging state; the daemon's sink writes to stderr
 * (journald). A NULL log or NULL fn writes to stderr. */
#ifndef LOCKSTEP_LOG_H
#define LOCKSTEP_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum ls_log_level { LS_LOG_DEBUG = 0, LS_LOG_INFO = 1, LS_LOG_WARN = 2, LS_LOG_ERROR = 3 };

struct ls_log {
  void (*fn)(void *ud, int level, const char *component, const char *msg);
  void *ud;
  int min_level;
};

static inline const char *ls_log_level_name(int level) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  return (level >= 0 && level <= 3) ? names[level] : "?";
}

/* For errors that can repeat once per message: log the n-th occurrence when this is true (the
 * first ten, then every thousandth), with the running total in the line. */
static inline int ls_log_sampled(unsigned long long n) { return n <= 10 || n % 1000 == 0; }

static inline void ls_logf(const struct ls_log *log, int level, const char *component,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline void ls_logf(const struct ls_log *log, int level, const char *component,
                           const char *fmt, ...) {
  if (log && level < log->min_level) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (log && log->fn)
    log->fn(log->ud, level, component, msg);
  else
    fprintf(stderr, "%s %s: %s\n", ls_log_level_name(level), component, msg);
}

#endif
