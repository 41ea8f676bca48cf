/* textnorm.c — canonical text for co-tweet keys and the embedder's input (see textnorm.h).
 *
 * How: the input is cut into pieces (the whole text when it fits the context's code point
 * buffer; otherwise pieces that end before an ASCII white space where one is near). Each piece
 * goes through utf8proc's NFKC_Casefold (decompose into the buffer, then normalise in place; an
 * all-ASCII piece takes a short loop instead, with the same result) and then one pass of a small
 * state machine that classifies every code point (word, white space, separator, dropped, '#',
 * '_', apostrophe), removes mentions and links, maps non-ASCII word characters through their
 * confusable skeleton and writes words separated by single spaces, dropping a first word "rt".
 * A '#', '_' or apostrophe waits in the writer's state for the next word character; the only
 * look-ahead (the "http://" of a link, the handle after '@') stays within a piece, and pieces end
 * before white space, so the result does not depend on where pieces are cut except inside a
 * single word longer than 256 bytes (never a mark from its letter, nor two code points that
 * compose). Idempotence: what is removed inside a word (marks that did not compose, format
 * characters, apostrophes) and skeletons never leave two code points side by side that would
 * compose when the result is canonicalised again.
 *
 * Skeletons come from ICU (uspoof_getSkeleton on one code point) and are kept in a fixed
 * open-addressing cache in the context, so ICU is called about once per distinct non-ASCII
 * code point; a full neighbourhood is overwritten (the cache never grows). Nothing is allocated
 * per call. */
#include "lockstep/textnorm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uspoof.h>
#include <unicode/utf16.h>
#include <utf8proc.h>

#define NFKC_CF \
  (UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPCC | UTF8PROC_STABLE | UTF8PROC_COMPOSE)
#define MIN_BYTES 1024 /* smallest piece budget, so a piece always exceeds the boundary search */
#define SKEL_MAX 6     /* code points kept per skeleton; a longer one leaves the code point as is */
#define CACHE_BITS 13  /* 8192 entries of 32 bytes */
#define CACHE_PROBE 8

enum cls { C_WORD, C_WS, C_DROP, C_SEP, C_HASH, C_UNDER, C_APOS };

struct skel {
  int32_t cp; /* 0: empty slot (only code points >= 0x80 are cached) */
  uint8_t n;  /* code points in out; 0: the code point disappears */
  int32_t out[SKEL_MAX];
};

struct ls_textcanon {
  USpoofChecker *spoof;
  utf8proc_int32_t *buf; /* NFKC_Casefold of the current piece */
  size_t buf_cap;        /* code points */
  uint8_t *clean;        /* the piece without its invalid UTF-8 bytes (rare path) */
  size_t piece;          /* bytes tried per piece; == capacity of clean */
  struct skel cache[1u << CACHE_BITS];
};

/* The writer's state, carried across pieces. */
struct emit {
  char *out;
  size_t cap, o;
  uint32_t tok;
  bool in_word;   /* the last byte written belongs to the current word */
  int32_t pend;   /* '#' (at a word's start), '_' or '\'' (inside a word) waiting for a word character */
  int32_t last;   /* the last code point written */
  bool skip_url;  /* inside a removed link: until white space */
  bool skip_user; /* inside a removed @mention: handle characters, then one ':' */
  bool full;
};

int ls_textcanon_create(struct ls_textcanon **out, size_t max_bytes, struct ls_err *err) {
  *out = NULL;
  if (max_bytes == 0) max_bytes = LS_TEXTCANON_MAX_BYTES_DEFAULT;
  if (max_bytes < MIN_BYTES) max_bytes = MIN_BYTES;
  if (max_bytes > SIZE_MAX / sizeof(utf8proc_int32_t))
    return ls_err_set(err, LS_EINVAL, "textcanon: a %zu-byte text buffer is too large", max_bytes);
  struct ls_textcanon *c = calloc(1, sizeof *c);
  if (!c) return ls_err_set(err, LS_ENOMEM, "textcanon: out of memory");
  c->piece = max_bytes;
  c->buf_cap = max_bytes;
  c->buf = malloc(c->buf_cap * sizeof *c->buf);
  c->clean = malloc(c->piece);
  if (!c->buf || !c->clean) {
    ls_textcanon_destroy(c);
    return ls_err_set(err, LS_ENOMEM, "textcanon: out of memory for a %zu-byte text buffer", max_bytes);
  }
  UErrorCode st = U_ZERO_ERROR;
  c->spoof = uspoof_open(&st);
  if (U_FAILURE(st) || !c->spoof) {
    ls_textcanon_destroy(c);
    return ls_err_set(err, LS_EUNAVAIL, "textcanon: ICU uspoof_open failed: %s (is ICU's data library installed?)",
                      u_errorName(st));
  }
  *out = c;
  return LS_OK;
}

void ls_textcanon_destroy(struct ls_textcanon *c) {
  if (!c) return;
  if (c->spoof) uspoof_close(c->spoof);
  free(c->buf);
  free(c->clean);
  free(c);
}

/* --- classes ------------------------------------------------------------------------------------ */

static bool is_ws32(int32_t u) { return u == ' ' || (u >= '\t' && u <= '\r'); }
static bool is_handle32(int32_t u) { return (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '_'; }

/* Non-ASCII code points: by General_Category. */
static enum cls class_uni(int32_t u) {
  if (u == 0x2019 || u == 0x02BC) return C_APOS;
  switch (utf8proc_category(u)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return C_WS;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CS:
      return C_DROP;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
      return C_SEP;
    default:
      return C_WORD; /* L*, N*, Mc */
  }
}

/* u is NFKC_Casefold output, so ASCII upper case and most controls are gone already. */
static inline enum cls class_of(int32_t u) {
  if (u >= 0x80) return class_uni(u);
  if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z')) return C_WORD;
  if (is_ws32(u)) return C_WS;
  if (u < 0x20 || u == 0x7f) return C_DROP;
  if (u == '#') return C_HASH;
  if (u == '_') return C_UNDER;
  if (u == '\'') return C_APOS;
  return C_SEP;
}

/* Whether a and b compose (NFC) into one code point: only non-ASCII pairs of starters do once
 * marks are gone (Hangul jamo, a few Indic and Myanmar vowel signs). */
static bool composes(int32_t a, int32_t b) {
  if (a < 0x80 || b < 0x80) return false;
  utf8proc_int32_t p[2] = {a, b};
  return utf8proc_normalize_utf32(p, 2, UTF8PROC_COMPOSE | UTF8PROC_STABLE) == 1;
}

/* --- skeletons ---------------------------------------------------------------------------------- */

/* The word characters of skel(cp), case folded and recomposed, into out (room for SEGMENT);
 * returns the count, or -1 on an ICU or utf8proc failure. */
#define SEGMENT 64
static int skeleton_once(struct ls_textcanon *c, int32_t cp, int32_t *out) {
  UChar in[2], sk[32];
  int32_t il = 0;
  UBool bad = 0;
  U16_APPEND(in, il, 2, cp, bad);
  if (bad) return -1;
  UErrorCode st = U_ZERO_ERROR;
  int32_t sl = uspoof_getSkeleton(c->spoof, 0, in, il, sk, (int32_t)(sizeof sk / sizeof *sk), &st);
  if (U_FAILURE(st) || sl <= 0) return -1;
  uint8_t u8[4 * 32];
  utf8proc_ssize_t bl = 0;
  for (int32_t k = 0; k < sl;) {
    UChar32 x;
    U16_NEXT(sk, k, sl, x);
    bl += utf8proc_encode_char(x, u8 + bl);
  }
  utf8proc_int32_t cps[SEGMENT];
  utf8proc_ssize_t m = utf8proc_decompose(u8, bl, cps, SEGMENT, NFKC_CF);
  if (m < 0 || m > SEGMENT) return -1;
  m = utf8proc_normalize_utf32(cps, m, NFKC_CF);
  if (m < 0) return -1;
  int n = 0;
  for (utf8proc_ssize_t k = 0; k < m; k++)
    if (class_of(cps[k]) == C_WORD) out[n++] = cps[k]; /* not leftover marks, punctuation a letter looked like */
  return n;
}

/* The cache entry for cp. Case folding a skeleton can give a letter with a skeleton of its own
 * (Greek U+03DA -> "σ" -> "o"), so the mapping is repeated until it stops changing (two rounds
 * suffice for ICU 72's data; four are allowed), which keeps ls_text_canon idempotent. On any
 * failure, or when the result is longer than SKEL_MAX, the code point stands for itself. */
static void skeleton_compute(struct ls_textcanon *c, int32_t cp, struct skel *e) {
  e->cp = cp;
  e->n = 1;
  e->out[0] = cp;
  int32_t cur[SEGMENT], next[SEGMENT], one[SEGMENT];
  int n = skeleton_once(c, cp, cur);
  if (n < 0) return;
  for (int round = 0; round < 4; round++) {
    int m = 0;
    bool changed = false;
    for (int k = 0; k < n; k++) {
      int l = 1;
      one[0] = cur[k];
      if (cur[k] >= 0x80 && (l = skeleton_once(c, cur[k], one)) < 0) return;
      if (l != 1 || one[0] != cur[k]) changed = true;
      if (m + l > SEGMENT) return;
      memcpy(next + m, one, (size_t)l * sizeof *one);
      m += l;
    }
    if (!changed) break;
    memcpy(cur, next, (size_t)m * sizeof *next);
    n = m;
  }
  if (n > SKEL_MAX) return;
  memcpy(e->out, cur, (size_t)n * sizeof *cur);
  e->n = (uint8_t)n;
}

static const struct skel *skeleton(struct ls_textcanon *c, int32_t cp) {
  uint32_t mask = (1u << CACHE_BITS) - 1, h = ((uint32_t)cp * 2654435761u) >> (32 - CACHE_BITS);
  for (uint32_t k = 0; k < CACHE_PROBE; k++) {
    struct skel *e = &c->cache[(h + k) & mask];
    if (e->cp == cp) return e;
    if (e->cp == 0) {
      skeleton_compute(c, cp, e);
      return e;
    }
  }
  struct skel *e = &c->cache[h]; /* neighbourhood full: overwrite the home slot */
  skeleton_compute(c, cp, e);
  return e;
}

/* --- pieces ------------------------------------------------------------------------------------- */

/* Removes what the writer drops without a word break (marks that did not compose, format and
 * control characters) and composes again: one of them between two code points that compose
 * (Hangul "\u1100", U+0600, "\u1161") kept them apart, and canonicalising the result, where they
 * stand side by side, would compose them: ls_text_canon would not be idempotent. */
static size_t drop_silent(utf8proc_int32_t *b, size_t m) {
  size_t o = 0;
  for (size_t k = 0; k < m; k++)
    if (b[k] < 0x80 || class_uni(b[k]) != C_DROP) b[o++] = b[k];
  if (o == m) return m;
  utf8proc_ssize_t r = utf8proc_normalize_utf32(b, (utf8proc_ssize_t)o, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
  return r < 0 ? 0 : (size_t)r;
}

/* NFKC_Casefold of s[0..len) into c->buf. Returns the code point count, which may exceed
 * c->buf_cap (then nothing usable was written and the caller retries a shorter piece). */
static size_t piece_fill(struct ls_textcanon *c, const uint8_t *s, size_t len) {
  if (len <= c->buf_cap) { /* what utf8proc gives for ASCII, without the lookups; stops at non-ASCII */
    utf8proc_int32_t *d = c->buf;
    size_t m = 0, i = 0;
    for (; i < len; i++) {
      uint8_t b = s[i];
      if (b >= 0x80) break;
      if (b >= 'A' && b <= 'Z')
        d[m++] = b + 32;
      else if (b >= 0x20 && b != 0x7f)
        d[m++] = b;
      else if (b >= '\t' && b <= '\r')
        d[m++] = ' ';
    }
    if (i == len) return m;
  }
  utf8proc_ssize_t r = utf8proc_decompose(s, (utf8proc_ssize_t)len, c->buf, (utf8proc_ssize_t)c->buf_cap, NFKC_CF);
  if (r == UTF8PROC_ERROR_INVALIDUTF8) { /* drop the invalid bytes, keep the rest */
    size_t k = 0;
    for (size_t i = 0; i < len;) {
      utf8proc_int32_t cp;
      utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
      if (l <= 0) {
        i++;
        continue;
      }
      memcpy(c->clean + k, s + i, (size_t)l);
      k += (size_t)l;
      i += (size_t)l;
    }
    r = utf8proc_decompose(c->clean, (utf8proc_ssize_t)k, c->buf, (utf8proc_ssize_t)c->buf_cap, NFKC_CF);
  }
  if (r < 0) return 0;
  if ((size_t)r > c->buf_cap) return (size_t)r;
  r = utf8proc_normalize_utf32(c->buf, r, NFKC_CF);
  return r < 0 ? 0 : drop_silent(c->buf, (size_t)r);
}

/* Whether a code point starts at s[p] (of n bytes) that is not a combining mark nor composes with
 * the one before, so that a cut before it keeps every mark with its base letter. */
static bool starts_base(const uint8_t *s, size_t p, size_t n) {
  if ((s[p] & 0xC0) == 0x80) return false;
  utf8proc_int32_t cp;
  if (utf8proc_iterate(s + p, (utf8proc_ssize_t)(n - p), &cp) <= 0) return true;
  utf8proc_category_t k = utf8proc_category(cp);
  if (k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME) return false;
  size_t q = p; /* nor after a code point it composes with */
  while (q > 0 && p - q < 4 && (s[--q] & 0xC0) == 0x80) {
  }
  utf8proc_int32_t prev;
  return !(q < p && utf8proc_iterate(s + q, (utf8proc_ssize_t)(p - q), &prev) > 0 && composes(prev, cp));
}

/* An end for the piece that starts at lo and may go up to e (lo < e < n): before an ASCII white
 * space byte if one is among the last 256 bytes, else before any ASCII byte among the last 64
 * (NFC never composes across a following ASCII code point), else before a code point that is not
 * a combining mark among the last 64, else at a UTF-8 lead byte. */
static size_t piece_end(const uint8_t *s, size_t lo, size_t e, size_t n) {
  for (size_t p = e; p > lo && e - p < 256; p--)
    if (s[p] == ' ' || (s[p] >= '\t' && s[p] <= '\r')) return p;
  for (size_t p = e; p > lo && e - p < 64; p--)
    if (s[p] < 0x80) return p;
  for (size_t p = e; p > lo && e - p < 64; p--)
    if (starts_base(s, p, n)) return p;
  for (size_t p = e; p > lo && e - p < 4; p--)
    if ((s[p] & 0xC0) != 0x80) return p;
  return e;
}

/* --- the writer --------------------------------------------------------------------------------- */

static size_t utf8_len(int32_t u) { return u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4; }

static void sep(struct emit *w) {
  w->in_word = false;
  w->pend = 0;
}

/* Appends code points to the current word, or starts a new one: after the pending '#' (a new
 * word), '_' or apostrophe (the same word). A first word "rt" is dropped when a second begins.
 * Two code points that compose are never written side by side: they meet only where something
 * between them was removed (an apostrophe, a letter without skeleton) or a skeleton ends in one
 * (U+1144 -> U+110B U+1107, then U+1161), and they start a new word instead. */
static void put(struct emit *w, const int32_t *u, size_t k) {
  if (w->in_word && composes(w->last, u[0])) sep(w); /* canonicalising again would compose them */
  if (!w->in_word && w->tok == 1 && w->o == 2 && w->out[0] == 'r' && w->out[1] == 't') w->o = w->tok = 0;
  int32_t pre = w->pend == '\'' ? 0 : w->pend;
  size_t need = ((!w->in_word && w->o > 0) ? 1 : 0) + (pre ? 1 : 0);
  for (size_t i = 0; i < k; i++) need += utf8_len(u[i]);
  if (w->o + need + 1 > w->cap) {
    w->full = true;
    return;
  }
  if (!w->in_word) {
    if (w->o > 0) w->out[w->o++] = ' ';
    w->tok++;
    w->in_word = true;
  }
  if (pre) w->out[w->o++] = (char)pre;
  w->pend = 0;
  for (size_t i = 0; i < k; i++) w->o += (size_t)utf8proc_encode_char(u[i], (utf8proc_uint8_t *)w->out + w->o);
  w->last = u[k - 1];
}

static bool has_prefix(const int32_t *b, size_t i, size_t m, const char *p) {
  for (; *p; p++, i++)
    if (i >= m || b[i] != (unsigned char)*p) return false;
  return true;
}

static void piece_run(struct ls_textcanon *c, struct emit *w, size_t m) {
  const int32_t *b = c->buf;
  for (size_t i = 0; i < m && !w->full; i++) {
    int32_t u = b[i];
    if (w->skip_url) {
      if (class_of(u) != C_WS) continue;
      w->skip_url = false;
    }
    if (w->skip_user) {
      if (is_handle32(u)) continue;
      w->skip_user = false;
      if (u == ':') continue;
    }
    switch (class_of(u)) {
      case C_DROP:
        continue;
      case C_WS:
      case C_SEP:
        if (u == '@' && i + 1 < m && is_handle32(b[i + 1])) w->skip_user = true;
        sep(w);
        continue;
      case C_HASH:
        if (w->in_word)
          sep(w); /* "c#": not a hashtag */
        else
          w->pend = '#';
        continue;
      case C_UNDER:
      case C_APOS:
        if (w->in_word && !w->pend)
          w->pend = u == '_' ? '_' : '\'';
        else
          sep(w);
        continue;
      case C_WORD:
        if (u == 'h' && (has_prefix(b, i, m, "http://") || has_prefix(b, i, m, "https://"))) {
          w->skip_url = true;
          sep(w);
          continue;
        }
        if (u < 0x80) {
          if (w->in_word && !w->pend && w->o + 2 <= w->cap) /* the common case, inline */
            w->out[w->o++] = (char)(w->last = u);
          else
            put(w, &u, 1);
        } else {
          const struct skel *e = skeleton(c, u);
          if (e->n) put(w, e->out, e->n);
        }
        continue;
    }
  }
}

/* A cap of 1 or 2 would keep the "r" of a first word "RT" that the next word drops: canonicalise
 * with room for both, then cut (to one ASCII byte at most). */
static size_t canon_tiny(struct ls_textcanon *c, const char *in, size_t n, char *out, size_t cap, uint32_t *tokens) {
  char tmp[32];
  size_t len = cap == 2 && ls_text_canon(c, in, n, tmp, sizeof tmp, NULL) > 0 && (unsigned char)tmp[0] < 0x80;
  if (len) out[0] = tmp[0];
  out[len] = '\0';
  if (tokens) *tokens = (uint32_t)len;
  return len;
}

size_t ls_text_canon(struct ls_textcanon *c, const char *in, size_t n, char *out, size_t cap, uint32_t *tokens) {
  if (cap == 1 || cap == 2) return canon_tiny(c, in, n, out, cap, tokens);
  struct emit w = {.out = out, .cap = cap, .full = cap == 0};
  const uint8_t *s = (const uint8_t *)in;
  for (size_t pos = 0; pos < n && !w.full;) {
    size_t len = n - pos;
    if (len > c->piece) len = piece_end(s, pos, pos + c->piece, n) - pos;
    size_t m;
    while ((m = piece_fill(c, s + pos, len)) > c->buf_cap) len = piece_end(s, pos, pos + len / 2, n) - pos;
    piece_run(c, &w, m);
    pos += len;
  }
  if (cap) out[w.o] = '\0';
  if (tokens) *tokens = w.tok;
  return w.o;
}

/* --- hashtags ----------------------------------------------------------------------------------- */

static bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static size_t skip_token(const char *s, size_t i, size_t n) {
  while (i < n && !is_space((unsigned char)s[i])) i++;
  return i;
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
    i = end < n ? end + 1 : end; /* canonical: single spaces */
  }
  s[o] = '\0';
  *tokens = tok;
  return o;
}
