/* textnorm.c — text and URL normalisation for the exact signals (see textnorm.h). Case
 * folding uses utf8proc per code point, so no buffers are allocated. */
#include "lockstep/textnorm.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_handle_char(unsigned char c) { return isalnum(c) || c == '_'; }

static size_t skip_token(const char *s, size_t i, size_t n) {
  while (i < n && !is_space((unsigned char)s[i])) i++;
  return i;
}

size_t ls_text_normalize(const char *in, size_t n, char *out, size_t cap, uint32_t *tokens) {
  size_t i = 0, o = 0;
  uint32_t tok = 0;
  bool pending_space = false;
  while (i < n && is_space((unsigned char)in[i])) i++;
  if (n - i >= 3 && (in[i] == 'R' || in[i] == 'r') && (in[i + 1] == 'T' || in[i + 1] == 't') &&
      (is_space((unsigned char)in[i + 2]) || in[i + 2] == ':'))
    i += 2; /* leading RT */
  while (i < n) {
    unsigned char c = (unsigned char)in[i];
    if (is_space(c)) {
      pending_space = o > 0;
      i++;
      continue;
    }
    if (c == '@' && i + 1 < n && is_handle_char((unsigned char)in[i + 1])) {
      for (i++; i < n && is_handle_char((unsigned char)in[i]); i++) {}
      if (i < n && in[i] == ':') i++; /* "RT @user: ..." */
      continue;
    }
    if ((n - i >= 7 && !strncasecmp(in + i, "http://", 7)) || (n - i >= 8 && !strncasecmp(in + i, "https://", 8))) {
      i = skip_token(in, i, n);
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(n - i), &cp);
    if (len <= 0) { i++; continue; } /* invalid byte: dropped (input is validated upstream) */
    utf8proc_uint8_t enc[4];
    utf8proc_ssize_t el = utf8proc_encode_char(utf8proc_tolower(cp), enc);
    if (o + (pending_space ? 1 : 0) + (size_t)el + 1 > cap) break;
    if (pending_space || o == 0) tok++;
    if (pending_space) out[o++] = ' ';
    pending_space = false;
    memcpy(out + o, enc, (size_t)el);
    o += (size_t)el;
    i += (size_t)len;
  }
  if (cap) out[o < cap ? o : cap - 1] = '\0';
  *tokens = tok;
  return o;
}

size_t ls_text_drop_hashtags(char *s, size_t n, uint32_t *tokens) {
  size_t o = 0;
  uint32_t tok = 0;
  for (size_t i = 0; i < n;) {
    size_t end = skip_token(s, i, n);
    if (s[i] != '#' || end == i + 1) {
      if (o) s[o++] = ' ';
      memmove(s + o, s + i, end - i);
      o += end - i;
      tok++;
    }
    i = end < n ? end + 1 : end; /* normalised: single spaces */
  }
  s[o] = '\0';
  *tokens = tok;
  return o;
}

static const char *const TRACKING[] = {"fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "ref_src", "_ga", "yclid"};

static bool is_tracking(const char *p, size_t n) {
  const char *eq = memchr(p, '=', n);
  size_t kn = eq ? (size_t)(eq - p) : n;
  if (kn >= 4 && !strncasecmp(p, "utm_", 4)) return true;
  for (size_t i = 0; i < sizeof TRACKING / sizeof *TRACKING; i++)
    if (strlen(TRACKING[i]) == kn && !strncasecmp(p, TRACKING[i], kn)) return true;
  return false;
}

static bool put(char *out, size_t cap, size_t *o, const char *s, size_t n) {
  if (*o + n + 1 > cap) return false;
  memcpy(out + *o, s, n);
  *o += n;
  return true;
}

static bool put_lower(char *out, size_t cap, size_t *o, const char *s, size_t n) {
  if (!put(out, cap, o, s, n)) return false;
  for (size_t k = *o - n; k < *o; k++) out[k] = (char)tolower((unsigned char)out[k]);
  return true;
}

/* Appends the query without tracking parameters. */
static bool put_query(char *out, size_t cap, size_t *o, const char *q, size_t n) {
  bool first = true;
  for (size_t i = 0; i < n;) {
    const char *amp = memchr(q + i, '&', n - i);
    size_t len = amp ? (size_t)(amp - (q + i)) : n - i;
    if (len && !is_tracking(q + i, len)) {
      if (!put(out, cap, o, first ? "?" : "&", 1) || !put(out, cap, o, q + i, len)) return false;
      first = false;
    }
    i += len + 1;
  }
  return true;
}

size_t ls_url_normalize(const char *in, char *out, size_t cap) {
  size_t n = strcspn(in, "#"); /* fragment dropped */
  size_t scheme = !strncasecmp(in, "https://", 8) ? 8 : !strncasecmp(in, "http://", 7) ? 7 : 0;
  if (!scheme || cap == 0) return 0;
  const char *host = in + scheme;
  size_t host_len = strcspn(host, "/?#");
  if (host_len == 0 || scheme + host_len > n) return 0;
  size_t o = 0;
  if (!put_lower(out, cap, &o, in, scheme)) return 0;
  size_t hl = host_len;
  const char *colon = memchr(host, ':', host_len);
  if (colon) {
    const char *port = colon + 1;
    size_t pl = host_len - (size_t)(port - host);
    if ((scheme == 7 && pl == 2 && !memcmp(port, "80", 2)) || (scheme == 8 && pl == 3 && !memcmp(port, "443", 3)))
      hl = (size_t)(colon - host);
  }
  if (!put_lower(out, cap, &o, host, hl)) return 0;
  const char *rest = host + host_len, *end = in + n;
  const char *q = memchr(rest, '?', (size_t)(end - rest));
  size_t path_len = (size_t)((q ? q : end) - rest);
  while (path_len > 0 && rest[path_len - 1] == '/') path_len--; /* trailing slash folded */
  if (!put(out, cap, &o, rest, path_len)) return 0;
  if (q && !put_query(out, cap, &o, q + 1, (size_t)(end - q - 1))) return 0;
  out[o] = '\0';
  return o;
}
