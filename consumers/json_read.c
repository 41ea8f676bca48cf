/* json_read.c — strict, allocation-free JSON tokeniser (RFC 8259) and value accessors.
 * One pass over the input fills a flat token array in document order; each container token
 * records its member count and the index just past its subtree, so lookups skip whole values.
 * Strings are UTF-8 validated in place and unescaped only on access. Depth is limited to 64. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/utf8.h"
#include "lockstep/json.h"

#define MAX_DEPTH 64

struct parser {
  struct ls_json_doc *doc;
  const char *s;
  size_t len, pos;
  struct ls_err *err;
  int depth;
};

static int fail(struct parser *p, const char *what) {
  return ls_err_set(p->err, LS_EINVAL, "invalid JSON at byte %zu: %s", p->pos, what);
}

static void skip_ws(struct parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int new_tok(struct parser *p, uint8_t type, uint32_t *idx) {
  if (p->doc->n >= p->doc->cap) return fail(p, "too many values");
  *idx = p->doc->n++;
  struct ls_json_tok *t = &p->doc->toks[*idx];
  memset(t, 0, sizeof *t);
  t->type = type;
  t->start = (uint32_t)p->pos;
  t->next = *idx + 1; /* containers overwrite this when they close */
  return LS_OK;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_string(struct parser *p) {
  uint32_t idx = 0; /* set by new_tok; initialised for -O3's flow analysis */
  p->pos++; /* opening quote */
  int rc = new_tok(p, LS_JSON_STRING, &idx);
  if (rc) return rc;
  size_t start = p->pos;
  bool esc = false;
  while (p->pos < p->len) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      if (!ls_utf8_valid(p->s + start, p->pos - start)) return fail(p, "string is not valid UTF-8");
      p->doc->toks[idx].len = (uint32_t)(p->pos - start);
      p->doc->toks[idx].has_escapes = esc;
      p->pos++;
      return LS_OK;
    }
    if (c < 0x20) return fail(p, "control character in string");
    if (c == '\\') {
      esc = true;
      if (++p->pos >= p->len) break;
      char e = p->s[p->pos];
      if (e == 'u') {
        if (p->pos + 4 >= p->len) break;
        for (int k = 1; k <= 4; k++)
          if (hexval(p->s[p->pos + k]) < 0) return fail(p, "bad \\u escape");
        p->pos += 4;
      } else if (!strchr("\"\\/bfnrt", e)) {
        return fail(p, "bad escape");
      }
    }
    p->pos++;
  }
  return fail(p, "unterminated string");
}

static int parse_number(struct parser *p) {
  uint32_t idx = 0; /* set by new_tok; initialised for -O3's flow analysis */
  int rc = new_tok(p, LS_JSON_NUMBER, &idx);
  if (rc) return rc;
  size_t i = p->pos;
  const char *s = p->s;
  if (i < p->len && s[i] == '-') i++;
  if (i < p->len && s[i] == '0') {
    i++;
  } else if (i < p->len && s[i] >= '1' && s[i] <= '9') {
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  } else {
    return fail(p, "bad number");
  }
  if (i < p->len && s[i] == '.') {
    i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9') return fail(p, "bad fraction");
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  }
  if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9') return fail(p, "bad exponent");
    while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
  }
  p->doc->toks[idx].len = (uint32_t)(i - p->pos);
  p->pos = i;
  return LS_OK;
}

static int parse_literal(struct parser *p, const char *word, uint8_t type) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return fail(p, "unexpected token");
  uint32_t idx = 0; /* set by new_tok; initialised for -O3's flow analysis */
  int rc = new_tok(p, type, &idx);
  if (rc) return rc;
  p->doc->toks[idx].len = (uint32_t)n;
  p->pos += n;
  return LS_OK;
}

static int parse_value(struct parser *p);

static int parse_container(struct parser *p, bool object) {
  if (++p->depth > MAX_DEPTH) return fail(p, "nesting too deep");
  uint32_t idx = 0; /* set by new_tok; initialised for -O3's flow analysis */
  int rc = new_tok(p, object ? LS_JSON_OBJECT : LS_JSON_ARRAY, &idx);
  if (rc) return rc;
  char close = object ? '}' : ']';
  p->pos++;
  skip_ws(p);
  uint32_t count = 0;
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      if (object) {
        if (p->pos >= p->len || p->s[p->pos] != '"') return fail(p, "expected a key");
        if ((rc = parse_string(p))) return rc;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') return fail(p, "expected ':'");
        p->pos++;
      }
      if ((rc = parse_value(p))) return rc;
      count++;
      skip_ws(p);
      if (p->pos >= p->len) return fail(p, "unterminated container");
      char c = p->s[p->pos++];
      if (c == close) break;
      if (c != ',') return fail(p, "expected ',' or end of container");
    }
  }
  p->doc->toks[idx].count = count;
  p->doc->toks[idx].len = (uint32_t)(p->pos - p->doc->toks[idx].start);
  p->doc->toks[idx].next = p->doc->n;
  p->depth--;
  return LS_OK;
}

static int parse_value(struct parser *p) {
  skip_ws(p);
  if (p->pos >= p->len) return fail(p, "unexpected end of input");
  switch (p->s[p->pos]) {
    case '{': return parse_container(p, true);
    case '[': return parse_container(p, false);
    case '"': return parse_string(p);
    case 't': return parse_literal(p, "true", LS_JSON_BOOL);
    case 'f': return parse_literal(p, "false", LS_JSON_BOOL);
    case 'n': return parse_literal(p, "null", LS_JSON_NULL);
    default: return parse_number(p);
  }
}

int ls_json_parse(struct ls_json_doc *doc, const char *src, size_t len, struct ls_err *err) {
  struct parser p = {.doc = doc, .s = src, .len = len, .err = err};
  doc->src = src;
  doc->n = 0;
  if (len > UINT32_MAX) return ls_err_set(err, LS_EINVAL, "JSON document too large");
  int rc = parse_value(&p);
  if (rc) return rc;
  skip_ws(&p);
  if (p.pos != len) return fail(&p, "trailing data after the value");
  return LS_OK;
}

int ls_json_first(const struct ls_json_doc *doc, int container) {
  if (container < 0) return -1;
  const struct ls_json_tok *c = &doc->toks[container];
  if ((c->type != LS_JSON_ARRAY && c->type != LS_JSON_OBJECT) || c->count == 0) return -1;
  return container + 1;
}

int ls_json_next(const struct ls_json_doc *doc, int container, int tok) {
  bool object = doc->toks[container].type == LS_JSON_OBJECT;
  uint32_t n = doc->toks[object ? tok + 1 : tok].next;
  return n < doc->toks[container].next ? (int)n : -1;
}

int ls_json_get(const struct ls_json_doc *doc, int obj, const char *key) {
  if (obj < 0 || doc->toks[obj].type != LS_JSON_OBJECT) return -1;
  for (int k = ls_json_first(doc, obj); k >= 0; k = ls_json_next(doc, obj, k))
    if (ls_json_streq(doc, k, key)) return k + 1;
  return -1;
}

int ls_json_path(const struct ls_json_doc *doc, int tok, const char *path) {
  char key[64];
  while (tok >= 0 && *path) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof key) return -1;
    memcpy(key, path, n);
    key[n] = '\0';
    tok = ls_json_get(doc, tok, key);
    path += n + (dot ? 1 : 0);
  }
  return tok;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

static uint32_t hex4(const char *s) {
  return (uint32_t)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

int ls_json_string(const struct ls_json_doc *doc, int tok, char *out, size_t cap) {
  if (tok < 0 || doc->toks[tok].type != LS_JSON_STRING || cap == 0) return -1;
  const struct ls_json_tok *t = &doc->toks[tok];
  const char *s = doc->src + t->start;
  size_t o = 0;
  for (uint32_t i = 0; i < t->len; i++) {
    if (o + 4 >= cap) return -1;
    if (s[i] != '\\') { out[o++] = s[i]; continue; }
    char e = s[++i];
    switch (e) {
      case 'b': out[o++] = '\b'; break;
      case 'f': out[o++] = '\f'; break;
      case 'n': out[o++] = '\n'; break;
      case 'r': out[o++] = '\r'; break;
      case 't': out[o++] = '\t'; break;
      case 'u': {
        uint32_t cp = hex4(s + i + 1);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < t->len && s[i + 1] == '\\' && s[i + 2] == 'u') {
          uint32_t lo = hex4(s + i + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* lone surrogate */
        o += put_utf8(out + o, cp);
        break;
      }
      default: out[o++] = e; break; /* \" \\ \/ */
    }
  }
  out[o] = '\0';
  return (int)o;
}

bool ls_json_streq(const struct ls_json_doc *doc, int tok, const char *s) {
  if (tok < 0 || doc->toks[tok].type != LS_JSON_STRING || doc->toks[tok].has_escapes) return false;
  size_t n = strlen(s);
  return doc->toks[tok].len == n && memcmp(doc->src + doc->toks[tok].start, s, n) == 0;
}

static bool number_text(const struct ls_json_doc *doc, int tok, char *buf, size_t cap) {
  if (tok < 0) return false;
  const struct ls_json_tok *t = &doc->toks[tok];
  if ((t->type != LS_JSON_NUMBER && t->type != LS_JSON_STRING) || t->has_escapes || t->len == 0 ||
      t->len >= cap)
    return false;
  memcpy(buf, doc->src + t->start, t->len);
  buf[t->len] = '\0';
  return true;
}

bool ls_json_u64(const struct ls_json_doc *doc, int tok, uint64_t *out) {
  char buf[32], *end;
  if (!number_text(doc, tok, buf, sizeof buf) || buf[0] < '0' || buf[0] > '9') return false;
  errno = 0;
  unsigned long long v = strtoull(buf, &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

bool ls_json_f64(const struct ls_json_doc *doc, int tok, double *out) {
  char buf[64], *end;
  if (!number_text(doc, tok, buf, sizeof buf)) return false;
  double v = strtod(buf, &end);
  if (*end || !isfinite(v)) return false;
  *out = v;
  return true;
}

bool ls_json_bool(const struct ls_json_doc *doc, int tok, bool *out) {
  if (tok < 0 || doc->toks[tok].type != LS_JSON_BOOL) return false;
  *out = doc->src[doc->toks[tok].start] == 't';
  return true;
}
