/* canon_url.c — canonical link keys for co-link (see canon_url.h).
 *
 * How: libcurl's URL API parses the URL into one reused CURLU handle (cleared before each URL,
 * so a relative input can never be resolved against the previous one) and resolves dot
 * segments; this file then rebuilds the key from the parts: host (lower case, UTS #46 through
 * ICU for non-ASCII names), port unless default, the path re-escaped uniformly (with dot segments
 * resolved again for those that were escaped), and the query's kept parameters, sorted with a
 * merge sort over the context's index arrays. All buffers are the context's, sized for
 * LS_URL_MAX_BYTES at create; libcurl allocates the parts it hands out (curl_free'd here). */
#include "lockstep/canon_url.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uidna.h>

#define ESC_CAP (3 * LS_URL_MAX_BYTES + 1) /* a component re-escaped: at most three bytes a byte */
#define MAX_PARAMS (LS_URL_MAX_BYTES / 2 + 1)

struct drop {
  const char *name;
  size_t len;
  bool prefix;
};

struct param {
  uint32_t off, len, name_len; /* into qbuf; the name is [off, off+name_len) */
};

struct ls_urlcanon {
  CURLU *h;
  UIDNA *idna;
  char *list; /* the drop list's names, NUL-separated */
  struct drop drops[LS_URL_MAX_DROP_PARAMS];
  size_t n_drops;
  char host[LS_URL_MAX_BYTES + 1];
  char path[ESC_CAP];
  char qbuf[ESC_CAP];
  struct param params[MAX_PARAMS], tmp[MAX_PARAMS];
};

static bool is_unreserved(unsigned char b) {
  return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '.' ||
         b == '_' || b == '~';
}

/* May appear literally in a path or a query (RFC 3986 pchar, plus '/' and '?'). */
static bool is_literal(unsigned char b) { return is_unreserved(b) || (b && strchr("!$&'()*+,;=:@/?", b)); }

int ls_urlcanon_create(struct ls_urlcanon **out, const char *drop_params, struct ls_err *err) {
  *out = NULL;
  if (!drop_params) drop_params = LS_URL_DROP_PARAMS_DEFAULT;
  struct ls_urlcanon *c = calloc(1, sizeof *c);
  if (!c || !(c->list = strdup(drop_params))) {
    free(c);
    return ls_err_set(err, LS_ENOMEM, "urlcanon: out of memory");
  }
  for (char *p = c->list; *p;) {
    size_t n = strcspn(p, ",");
    char *next = p[n] ? p + n + 1 : p + n;
    p[n] = '\0';
    while (*p == ' ') p++, n--;
    while (n > 0 && p[n - 1] == ' ') p[--n] = '\0';
    if (n > 0) {
      bool prefix = p[n - 1] == '*';
      for (size_t k = 0; k + (prefix ? 1 : 0) < n; k++)
        if (!is_unreserved((unsigned char)p[k])) {
          int rc = ls_err_set(err, LS_EINVAL, "urlcanon: bad parameter name in the drop list: '%s'", p);
          ls_urlcanon_destroy(c);
          return rc;
        }
      if (c->n_drops == LS_URL_MAX_DROP_PARAMS) {
        ls_urlcanon_destroy(c);
        return ls_err_set(err, LS_EINVAL, "urlcanon: more than %d names in the drop list", LS_URL_MAX_DROP_PARAMS);
      }
      c->drops[c->n_drops++] = (struct drop){p, prefix ? n - 1 : n, prefix};
    }
    p = next;
  }
  c->h = curl_url();
  UErrorCode st = U_ZERO_ERROR;
  c->idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_USE_STD3_RULES, &st);
  if (!c->h || U_FAILURE(st) || !c->idna) {
    const char *what = !c->h ? "curl_url() failed" : "ICU uidna_openUTS46 failed";
    ls_urlcanon_destroy(c);
    return ls_err_set(err, LS_EUNAVAIL, "urlcanon: %s (%s)", what, u_errorName(st));
  }
  *out = c;
  return LS_OK;
}

void ls_urlcanon_destroy(struct ls_urlcanon *c) {
  if (!c) return;
  if (c->h) curl_url_cleanup(c->h);
  if (c->idna) uidna_close(c->idna);
  free(c->list);
  free(c);
}

/* --- pieces ------------------------------------------------------------------------------------- */

static int hexval(unsigned char b) {
  if (b >= '0' && b <= '9') return b - '0';
  if (b >= 'a' && b <= 'f') return b - 'a' + 10;
  if (b >= 'A' && b <= 'F') return b - 'A' + 10;
  return -1;
}

/* Re-escapes s[0..n) into d (room for 3n bytes): unreserved escapes decoded, other escapes and
 * bytes that may not stand literally written %XX with upper-case hex. Returns the length, or -1 on
 * a bad escape. */
static long escape_norm(const char *s, size_t n, char *d) {
  static const char HEX[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = (unsigned char)s[i];
    if (b == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
      if (lo < 0) return -1;
      b = (unsigned char)(hi * 16 + lo);
      i += 2;
      if (is_unreserved(b)) {
        d[o++] = (char)b;
        continue;
      }
    } else if (is_literal(b)) {
      d[o++] = (char)b;
      continue;
    }
    d[o++] = '%';
    d[o++] = HEX[b >> 4];
    d[o++] = HEX[b & 15];
  }
  return (long)o;
}

/* RFC 3986 5.2.4 on a path that starts with '/', in place; then trailing slashes folded.
 * Linear: a removed segment's bytes are passed over once more at most. Returns the length. */
static size_t path_resolve(char *p, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n;) { /* p[i] == '/' */
    size_t j = i + 1;
    while (j < n && p[j] != '/') j++;
    size_t sl = j - (i + 1);
    const char *seg = p + i + 1;
    if (sl == 1 && seg[0] == '.') {
      /* "." : nothing */
    } else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
      while (o > 0 && p[--o] != '/') {
      }
    } else {
      memmove(p + o, p + i, j - i);
      o += j - i;
    }
    i = j;
  }
  while (o > 1 && p[o - 1] == '/') o--;
  if (o == 0) p[o++] = '/';
  p[o] = '\0';
  return o;
}

static bool dropped(const struct ls_urlcanon *c, const char *name, size_t n) {
  for (size_t k = 0; k < c->n_drops; k++) {
    const struct drop *d = &c->drops[k];
    if (d->prefix ? (n >= d->len && !strncasecmp(name, d->name, d->len))
                  : (n == d->len && !strncasecmp(name, d->name, n)))
      return true;
  }
  return false;
}

static int param_cmp(const char *q, const struct param *a, const struct param *b) {
  size_t m = a->name_len < b->name_len ? a->name_len : b->name_len;
  int r = memcmp(q + a->off, q + b->off, m);
  if (r || a->name_len != b->name_len) return r ? r : (a->name_len < b->name_len ? -1 : 1);
  size_t al = a->len - a->name_len, bl = b->len - b->name_len;
  m = al < bl ? al : bl;
  r = memcmp(q + a->off + a->name_len, q + b->off + b->name_len, m);
  return r ? r : (al < bl ? -1 : al > bl);
}

/* Bottom-up merge sort of c->params[0..n) (stable, no allocation). */
static void params_sort(struct ls_urlcanon *c, size_t n) {
  struct param *a = c->params, *t = c->tmp;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) t[k++] = param_cmp(c->qbuf, &a[j], &a[i]) < 0 ? a[j++] : a[i++];
      while (i < mid) t[k++] = a[i++];
      while (j < hi) t[k++] = a[j++];
    }
    struct param *s = a;
    a = t;
    t = s;
  }
  if (a != c->params) memcpy(c->params, a, n * sizeof *a);
}

/* The kept parameters of the raw query q, re-escaped into c->qbuf; returns their count or -1. */
static long query_split(struct ls_urlcanon *c, const char *q) {
  size_t n = 0, o = 0;
  for (const char *p = q; *p;) {
    size_t len = strcspn(p, "&");
    if (len) {
      const char *eq = memchr(p, '=', len);
      size_t nl = eq ? (size_t)(eq - p) : len;
      long en = escape_norm(p, nl, c->qbuf + o);
      if (en < 0) return -1;
      long ev = 0;
      if (eq) {
        c->qbuf[o + (size_t)en] = '=';
        ev = escape_norm(eq + 1, len - nl - 1, c->qbuf + o + (size_t)en + 1);
        if (ev < 0) return -1;
        ev++;
      }
      if (!dropped(c, c->qbuf + o, (size_t)en)) {
        c->params[n++] = (struct param){(uint32_t)o, (uint32_t)(en + ev), (uint32_t)en};
        o += (size_t)(en + ev);
      }
    }
    p += len;
    if (*p) p++;
  }
  return (long)n;
}

/* A host name's characters: letters, digits, '-', '_' and dots (libcurl also lets '~', '|' and a
 * '%' through, and a '%' it decoded would be decoded again when the key is read as a URL). */
static bool name_ok(const char *h, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (!is_unreserved((unsigned char)h[k]) || h[k] == '~') return false;
  return true;
}

/* Only characters of an IPv4 address in a form libcurl reads (decimal, octal or hex parts). */
static bool ipv4_like(const char *h, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (!((h[k] >= '0' && h[k] <= '9') || (h[k] >= 'a' && h[k] <= 'f') || h[k] == 'x' || h[k] == '.')) return false;
  return true;
}

/* libcurl writes an IPv4 address as a dotted quad ("127" -> "0.0.0.127"), but not one with
 * trailing dots, percent-escaped ("%37"), from IDNA or behind "www.": a host that may be one is
 * parsed again once stripped (c->h's parts are all fetched by now), so the key's host reads
 * back as itself. Returns the host's new length in c->host, or 0. */
static size_t host_reparse(struct ls_urlcanon *c, const char *h, size_t hl) {
  char *got = NULL;
  size_t n = 0;
  snprintf(c->qbuf, sizeof c->qbuf, "http://%.*s/", (int)hl, h);
  curl_url_set(c->h, CURLUPART_URL, NULL, 0);
  if (!curl_url_set(c->h, CURLUPART_URL, c->qbuf, 0) && !curl_url_get(c->h, CURLUPART_HOST, &got, 0) &&
      (n = strlen(got)) <= LS_URL_MAX_BYTES)
    memcpy(c->host, got, n + 1);
  curl_free(got);
  return n <= LS_URL_MAX_BYTES ? n : 0;
}

static bool put(char *out, size_t cap, size_t *o, const char *s, size_t n) {
  if (*o + n + 1 > cap) return false;
  memcpy(out + *o, s, n);
  *o += n;
  return true;
}

/* --- the key ------------------------------------------------------------------------------------ */

static int key(struct ls_urlcanon *c, char *out, size_t cap) {
  char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
  int rc = 0;
  size_t o = 0;
  if (curl_url_get(c->h, CURLUPART_SCHEME, &scheme, 0) || curl_url_get(c->h, CURLUPART_HOST, &host, 0) ||
      curl_url_get(c->h, CURLUPART_PATH, &path, 0))
    goto done;
  bool https = !strcmp(scheme, "https");
  if (!https && strcmp(scheme, "http")) goto done;
  CURLUcode pr = curl_url_get(c->h, CURLUPART_PORT, &port, 0);
  if (pr != CURLUE_OK && pr != CURLUE_NO_PORT) goto done;
  CURLUcode qr = curl_url_get(c->h, CURLUPART_QUERY, &query, 0);
  if (qr != CURLUE_OK && qr != CURLUE_NO_QUERY) goto done;

  /* host */
  size_t hl = strlen(host);
  while (hl > 0 && host[hl - 1] == '.') hl--;
  if (hl == 0 || hl > LS_URL_MAX_BYTES) goto done;
  bool ascii = true;
  for (size_t k = 0; k < hl; k++) ascii &= (unsigned char)host[k] < 0x80;
  if (ascii) {
    for (size_t k = 0; k < hl; k++) c->host[k] = (char)((host[k] >= 'A' && host[k] <= 'Z') ? host[k] + 32 : host[k]);
    if (host[0] != '[' && !name_ok(c->host, hl)) goto done; /* an IPv6 literal is libcurl's */
  } else {
    UErrorCode st = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    int32_t n = uidna_nameToASCII_UTF8(c->idna, host, (int32_t)hl, c->host, LS_URL_MAX_BYTES, &info, &st);
    if (U_FAILURE(st) || info.errors || n <= 0 || n > LS_URL_MAX_BYTES) goto done;
    hl = (size_t)n;
    for (size_t k = 0; k < hl; k++) /* STD3: letters, digits, '-' and the dots */
      if (!((c->host[k] >= 'a' && c->host[k] <= 'z') || (c->host[k] >= '0' && c->host[k] <= '9') || c->host[k] == '-' ||
            c->host[k] == '.'))
        goto done;
    while (hl > 0 && c->host[hl - 1] == '.') hl--; /* a mapped full stop (U+3002) at the end */
    if (hl == 0) goto done;
  }
  c->host[hl] = '\0';
  const char *h = c->host;
  static const char *const PREFIX[] = {"www.", "m.", "mobile."};
  for (size_t k = 0; k < sizeof PREFIX / sizeof *PREFIX; k++) { /* "www.m.example.com" too */
    size_t pl = strlen(PREFIX[k]);
    if (hl > pl && !strncmp(h, PREFIX[k], pl) && memchr(h + pl, '.', hl - pl)) {
      h += pl;
      hl -= pl;
      k = (size_t)-1;
    }
  }
  if (ipv4_like(h, hl)) {
    if (!(hl = host_reparse(c, h, hl))) goto done;
    h = c->host;
  }
  if (!put(out, cap, &o, h, hl)) goto done;

  /* port */
  if (port) {
    char *end;
    long pn = strtol(port, &end, 10);
    if (*end || pn <= 0 || pn > 65535) goto done;
    if (pn != (https ? 443 : 80)) {
      char pb[8];
      int pl = snprintf(pb, sizeof pb, ":%ld", pn);
      if (!put(out, cap, &o, pb, (size_t)pl)) goto done;
    }
  }

  /* path */
  size_t pl = strlen(path);
  if (pl > LS_URL_MAX_BYTES) goto done;
  long en = path[0] == '/' ? escape_norm(path, pl, c->path) : -1;
  if (en < 0) goto done;
  size_t plen = path_resolve(c->path, (size_t)en);
  if (!put(out, cap, &o, c->path, plen)) goto done;

  /* query */
  if (query && *query) {
    if (strlen(query) > LS_URL_MAX_BYTES) goto done;
    long np = query_split(c, query);
    if (np < 0) goto done;
    params_sort(c, (size_t)np);
    for (long k = 0; k < np; k++) {
      const struct param *p = &c->params[k];
      if (!put(out, cap, &o, k ? "&" : "?", 1) || !put(out, cap, &o, c->qbuf + p->off, p->len)) goto done;
    }
  }
  out[o] = '\0';
  rc = (int)o;
done:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(path);
  curl_free(query);
  return rc;
}

int ls_url_canon(struct ls_urlcanon *c, const char *in, char *out, size_t cap) {
  if (cap == 0) return 0;
  out[0] = '\0';
  size_t n = strnlen(in, LS_URL_MAX_BYTES + 1);
  if (n > LS_URL_MAX_BYTES) return 0;
  if (strncasecmp(in, "http://", 7) && strncasecmp(in, "https://", 8)) return 0; /* absolute http(s) only */
  curl_url_set(c->h, CURLUPART_URL, NULL, 0);                                    /* clear: nothing relative */
  if (curl_url_set(c->h, CURLUPART_URL, in, 0) != CURLUE_OK) return 0;
  int r = key(c, out, cap);
  if (r == 0) out[0] = '\0';
  return r;
}
