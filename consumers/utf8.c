/* utf8.c — strict UTF-8 validation (no overlongs, surrogates or code points past U+10FFFF),
 * shared by the JSON reader and the message decoders. */
#include "lockstep/utf8.h"

size_t ls_utf8_error_at(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) { i++; continue; }
    size_t k;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; min = 0x10000; }
    else return i;
    if (i + k >= n) return i; /* truncated sequence */
    for (size_t j = 1; j <= k; j++) {
      if ((p[i + j] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return i;
    i += k + 1;
  }
  return n;
}

bool ls_utf8_valid(const char *s, size_t n) { return ls_utf8_error_at(s, n) == n; }

size_t ls_utf8_prefix(const char *s, size_t n, size_t cap) {
  if (n <= cap) return n;
  while (cap > 0 && ((unsigned char)s[cap] & 0xC0) == 0x80) cap--;
  return cap;
}
