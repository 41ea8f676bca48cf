/* fuzz_json.c — libFuzzer target for the JSON reader (json.h) on arbitrary bytes: every container
 * walked, every scalar read, and the scalars written again by the writer. Checks, besides no crash
 * and no sanitizer report:
 *   - a refused document has a message; a parsed one has at most one token per two bytes (plus
 *     one), and exactly its number of tokens of room parses it to the same tokens, one less fails;
 *   - every token lies within the input (a string's raw bytes between its quotes, a container's
 *     between its brackets), and its next index is past it and within its parent;
 *   - walks: ls_json_first/ls_json_next visit exactly count elements of every container, in order,
 *     keys that are strings for objects, the last one's subtree ending at the container's end;
 *   - accessors: a string decodes (with the slack decode_json.c gives) to valid UTF-8 no longer
 *     than its raw bytes, to them when it has no escapes, and then ls_json_streq agrees and the
 *     first key of an object is found by ls_json_get; ls_json_bool reads exactly the booleans;
 *     an id read by ls_json_u64 is also read by ls_json_f64, as the same number;
 *   - round trip: the strings (by ls_jw_strn), ids (ls_jw_u64), booleans and nulls, written by
 *     the writer into one array, parse back to the same values in the same order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/json.h"
#include "lockstep/utf8.h"

#include "fuzz_check.h"

#define SLACK 8 /* what decode_json.c adds to a string's raw length for its decoded copy */

/* Parses into exactly cap tokens of room (a fresh array, so ASan sees any write past it). */
static int parse(struct ls_json_doc *d, const char *s, size_t len, uint32_t cap, struct ls_err *err) {
  *d = (struct ls_json_doc){.toks = malloc((cap ? cap : 1) * sizeof *d->toks), .cap = cap};
  int rc = ls_json_parse(d, s, len, err);
  CHECK(d->n <= cap, "%u tokens in room for %u", d->n, cap);
  CHECK(rc == LS_OK || err->msg[0], "refused without a message");
  return rc;
}

static void check_token(const struct ls_json_doc *d, uint32_t i, size_t size) {
  const struct ls_json_tok *t = &d->toks[i];
  const char *s = d->src;
  CHECK(t->type <= LS_JSON_OBJECT, "token %u: type %u", i, t->type);
  CHECK((size_t)t->start + t->len <= size, "token %u: bytes %u+%u past the input (%zu)", i, t->start, t->len, size);
  CHECK(t->next > i && t->next <= d->n, "token %u: next %u of %u", i, t->next, d->n);
  bool container = t->type == LS_JSON_ARRAY || t->type == LS_JSON_OBJECT;
  CHECK(container || t->next == i + 1, "scalar %u: next %u", i, t->next);
  if (t->type == LS_JSON_STRING)
    CHECK(t->start > 0 && s[t->start - 1] == '"' && t->start + t->len < size && s[t->start + t->len] == '"',
          "string %u is not between quotes", i);
  else
    CHECK(t->len > 0, "token %u: empty", i);
  if (container)
    CHECK(s[t->start] == (t->type == LS_JSON_ARRAY ? '[' : '{') &&
              s[t->start + t->len - 1] == (t->type == LS_JSON_ARRAY ? ']' : '}'),
          "container %u is not between brackets", i);
}

static void walk(const struct ls_json_doc *d, int c) {
  const struct ls_json_tok *t = &d->toks[c];
  bool object = t->type == LS_JSON_OBJECT;
  uint32_t seen = 0;
  int prev = -1;
  for (int v = ls_json_first(d, c); v >= 0; v = ls_json_next(d, c, v)) {
    CHECK(++seen <= t->count, "container %d: more than its %u elements", c, t->count);
    CHECK(v == (prev < 0 ? c + 1 : (int)d->toks[object ? prev + 1 : prev].next),
          "container %d: element %d out of order", c, v);
    CHECK((uint32_t)v + object < t->next, "container %d: element %d past its end", c, v);
    CHECK(!object || d->toks[v].type == LS_JSON_STRING, "object %d: key %d is not a string", c, v);
    CHECK(d->toks[v + object].next <= t->next, "container %d: element %d ends past it", c, v);
    prev = v;
  }
  CHECK(seen == t->count, "container %d: %u elements walked of %u", c, seen, t->count);
  CHECK(prev < 0 ? t->next == (uint32_t)c + 1 : d->toks[prev + object].next == t->next,
        "container %d: the last element does not end it", c);
}

/* The decoded string of token i (free it), and its length. */
static char *string_at(const struct ls_json_doc *d, uint32_t i, int *len) {
  const struct ls_json_tok *t = &d->toks[i];
  char *out = malloc(t->len + SLACK);
  *len = ls_json_string(d, (int)i, out, t->len + SLACK);
  CHECK(*len >= 0 && (uint32_t)*len <= t->len, "string %u: decoded %d bytes of %u raw", i, *len, t->len);
  CHECK(out[*len] == '\0' && ls_utf8_valid(out, (size_t)*len), "string %u: not valid UTF-8 or not terminated", i);
  return out;
}

static void check_scalars(const struct ls_json_doc *d, uint32_t i) {
  const struct ls_json_tok *t = &d->toks[i];
  bool b;
  CHECK(ls_json_bool(d, (int)i, &b) == (t->type == LS_JSON_BOOL), "token %u: ls_json_bool on type %u", i, t->type);
  if (t->type == LS_JSON_BOOL) CHECK(b == (t->len == 4), "boolean %u reads %d", i, b);
  uint64_t u;
  double f;
  if (ls_json_u64(d, (int)i, &u))
    CHECK(ls_json_f64(d, (int)i, &f) && f == (double)u, "id %u: %llu, as a double %g", i, (unsigned long long)u, f);
  if (t->type != LS_JSON_STRING) return;
  int len;
  char *s = string_at(d, i, &len);
  if (!t->has_escapes) {
    CHECK((uint32_t)len == t->len && !memcmp(s, d->src + t->start, t->len), "string %u without escapes changed", i);
    CHECK(ls_json_streq(d, (int)i, s), "string %u: ls_json_streq disagrees", i);
  }
  free(s);
}

static void check_first_key(const struct ls_json_doc *d, uint32_t i) {
  if (d->toks[i].type != LS_JSON_OBJECT || !d->toks[i].count || d->toks[i + 1].has_escapes) return;
  const struct ls_json_tok *k = &d->toks[i + 1];
  char *key = strndup(d->src + k->start, k->len);
  CHECK(ls_json_get(d, (int)i, key) == (int)i + 2, "object %u: its first key \"%s\" is not found", i, key);
  free(key);
}

/* The strings, ids, booleans and nulls of d, written into one array. */
static void write_scalars(const struct ls_json_doc *d, struct ls_jw *w) {
  ls_jw_arr_begin(w);
  for (uint32_t i = 0; i < d->n; i++) {
    uint64_t u;
    bool b;
    if (d->toks[i].type == LS_JSON_STRING) {
      int len;
      char *s = string_at(d, i, &len);
      ls_jw_strn(w, s, (size_t)len);
      free(s);
    } else if (d->toks[i].type == LS_JSON_NUMBER && ls_json_u64(d, (int)i, &u)) {
      ls_jw_u64(w, u);
    } else if (ls_json_bool(d, (int)i, &b)) {
      ls_jw_bool(w, b);
    } else if (d->toks[i].type == LS_JSON_NULL) {
      ls_jw_null(w);
    }
  }
  ls_jw_arr_end(w);
  CHECK(!w->oom, "JSON writer out of memory");
}

static void round_trip(const struct ls_json_doc *d) {
  struct ls_jw w;
  ls_jw_init(&w);
  write_scalars(d, &w);
  struct ls_json_doc back;
  struct ls_err err;
  CHECK(parse(&back, w.buf, w.len, d->n + 1, &err) == LS_OK, "the written scalars do not parse: %s", err.msg);
  int e = ls_json_first(&back, 0);
  for (uint32_t i = 0; i < d->n; i++) {
    uint64_t u, u2;
    bool b, b2;
    const struct ls_json_tok *t = &d->toks[i];
    if (t->type == LS_JSON_STRING) {
      CHECK(e >= 0 && back.toks[e].type == LS_JSON_STRING, "string %u: written and read again, not a string", i);
      int l1, l2;
      char *s1 = string_at(d, i, &l1), *s2 = string_at(&back, (uint32_t)e, &l2);
      CHECK(l1 == l2 && !memcmp(s1, s2, (size_t)l1), "string %u: written and read again, it differs", i);
      free(s1);
      free(s2);
    } else if (t->type == LS_JSON_NUMBER && ls_json_u64(d, (int)i, &u)) {
      CHECK(ls_json_u64(&back, e, &u2) && u2 == u, "id %u: %llu written and read again differs", i,
            (unsigned long long)u);
    } else if (ls_json_bool(d, (int)i, &b)) {
      CHECK(ls_json_bool(&back, e, &b2) && b2 == b, "boolean %u: written and read again differs", i);
    } else if (t->type == LS_JSON_NULL) {
      CHECK(e >= 0 && back.toks[e].type == LS_JSON_NULL, "null %u: written and read again differs", i);
    } else {
      continue;
    }
    e = ls_json_next(&back, 0, e);
  }
  CHECK(e < 0, "more values written than read");
  free(back.toks);
  ls_jw_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *src = (const char *)data;
  struct ls_json_doc d;
  struct ls_err err;
  if (parse(&d, src, size, (uint32_t)size + 1, &err) != LS_OK) {
    free(d.toks);
    return 0;
  }
  CHECK(d.n >= 1 && d.n <= size / 2 + 1, "%u tokens for %zu bytes", d.n, size);
  CHECK(d.toks[0].next == d.n, "the document's value ends at token %u of %u", d.toks[0].next, d.n);

  struct ls_json_doc exact;
  CHECK(parse(&exact, src, size, d.n, &err) == LS_OK && exact.n == d.n &&
            !memcmp(exact.toks, d.toks, d.n * sizeof *d.toks),
        "room for exactly %u tokens: %s", d.n, err.msg);
  free(exact.toks);
  CHECK(parse(&exact, src, size, d.n - 1, &err) != LS_OK, "parsed %u tokens into room for %u", d.n, d.n - 1);
  free(exact.toks);

  for (uint32_t i = 0; i < d.n; i++) {
    check_token(&d, i, size);
    walk(&d, (int)i);
    check_scalars(&d, i);
    check_first_key(&d, i);
  }
  round_trip(&d);
  free(d.toks);
  return 0;
}
