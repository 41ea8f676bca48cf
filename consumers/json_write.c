/* json_write.c — appending JSON writer with correct string escaping, and ISO 8601 time
 * formatting/parsing shared by the decoders and the campaign encoders. */
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/json.h"

void ls_jw_init(struct ls_jw *w) { memset(w, 0, sizeof *w); }
void ls_jw_free(struct ls_jw *w) { free(w->buf); memset(w, 0, sizeof *w); }
void ls_jw_reset(struct ls_jw *w) { w->len = 0; w->need_comma = false; w->oom = false; }

static void put(struct ls_jw *w, const char *s, size_t n) {
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + n + 1) cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) { w->oom = true; return; }
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void sep(struct ls_jw *w) {
  if (w->need_comma) put(w, ",", 1);
  w->need_comma = true;
}

void ls_jw_obj_begin(struct ls_jw *w) { sep(w); put(w, "{", 1); w->need_comma = false; }
void ls_jw_obj_end(struct ls_jw *w) { put(w, "}", 1); w->need_comma = true; }
void ls_jw_arr_begin(struct ls_jw *w) { sep(w); put(w, "[", 1); w->need_comma = false; }
void ls_jw_arr_end(struct ls_jw *w) { put(w, "]", 1); w->need_comma = true; }

static void put_escaped(struct ls_jw *w, const char *s, size_t n) {
  put(w, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    put(w, s + run, i - run);
    run = i + 1;
    char esc[8];
    switch (c) {
      case '"': put(w, "\\\"", 2); break;
      case '\\': put(w, "\\\\", 2); break;
      case '\n': put(w, "\\n", 2); break;
      case '\r': put(w, "\\r", 2); break;
      case '\t': put(w, "\\t", 2); break;
      default: snprintf(esc, sizeof esc, "\\u%04x", c); put(w, esc, 6); break;
    }
  }
  put(w, s + run, n - run);
  put(w, "\"", 1);
}

void ls_jw_key(struct ls_jw *w, const char *key) {
  sep(w);
  put_escaped(w, key, strlen(key));
  put(w, ":", 1);
  w->need_comma = false;
}

void ls_jw_strn(struct ls_jw *w, const char *s, size_t n) { sep(w); put_escaped(w, s, n); }
void ls_jw_str(struct ls_jw *w, const char *s) {
  if (!s) { ls_jw_null(w); return; }
  ls_jw_strn(w, s, strlen(s));
}

static void put_fmt(struct ls_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(struct ls_jw *w, const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sep(w);
  put(w, buf, (size_t)n);
}

void ls_jw_u64(struct ls_jw *w, uint64_t v) { put_fmt(w, "%" PRIu64, v); }
void ls_jw_u64_str(struct ls_jw *w, uint64_t v) { put_fmt(w, "\"%" PRIu64 "\"", v); }
void ls_jw_f64(struct ls_jw *w, double v) {
  if (!isfinite(v)) { ls_jw_null(w); return; }
  put_fmt(w, "%.6g", v);
}
void ls_jw_bool(struct ls_jw *w, bool v) { put_fmt(w, "%s", v ? "true" : "false"); }
void ls_jw_null(struct ls_jw *w) { put_fmt(w, "null"); }

void ls_iso8601(int64_t ms, char *out, size_t cap) {
  int64_t q = ms / 1000; /* rounded down, without ms - 999 (which overflows at INT64_MIN) */
  int frac = (int)(ms % 1000);
  if (frac < 0) q--, frac += 1000;
  time_t secs = (time_t)q;
  struct tm tm;
  int n = gmtime_r(&secs, &tm) ? snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac)
                               : -1;
  if ((n < 0 || (size_t)n >= cap) && cap) out[0] = '\0'; /* no partial or unrepresentable date */
}

void ls_jw_time(struct ls_jw *w, int64_t ms) {
  char buf[40];
  ls_iso8601(ms, buf, sizeof buf);
  ls_jw_str(w, buf);
}

static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

static bool expect(const char **p, char c) {
  if (**p != c) return false;
  (*p)++;
  return true;
}

bool ls_parse_iso8601(const char *s, int64_t *ms) {
  struct tm tm = {0};
  int y, mo, d, h, mi, sec, frac = 0;
  const char *p = s;
  if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
      !digits(&p, 2, &d))
    return false;
  if (*p != 'T' && *p != ' ') return false;
  p++;
  if (!digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) || !expect(&p, ':') ||
      !digits(&p, 2, &sec))
    return false;
  if (*p == '.') {
    p++;
    int scale = 100, nd = 0;
    while (*p >= '0' && *p <= '9') {
      if (nd++ < 3) { frac += (*p - '0') * scale; scale /= 10; }
      p++;
    }
    if (nd == 0) return false;
  }
  int64_t offset_min = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1, oh, om;
    p++;
    if (!digits(&p, 2, &oh)) return false;
    if (*p == ':') p++;
    if (!digits(&p, 2, &om)) return false;
    offset_min = sign * (oh * 60 + om);
  }
  if (*p) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  *ms = ((int64_t)timegm(&tm) - offset_min * 60) * 1000 + frac;
  return true;
}
