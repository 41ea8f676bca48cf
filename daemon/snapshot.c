/* snapshot.c — checkpoint bytes (see snapshot.h): a doubling buffer for writing, a cursor with
 * a remaining count for reading; sections are an 8-byte tag and an 8-byte fingerprint. */
#include "lockstep/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ls_snap_free(struct ls_snap *w) {
  free(w->buf);
  *w = (struct ls_snap){0};
}

void ls_snap_put(struct ls_snap *w, const void *p, size_t n) {
  if (w->oom || n == 0) return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 1 << 16;
    while (cap < w->len + n) cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
      w->oom = true;
      return;
    }
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

void ls_snap_u64(struct ls_snap *w, uint64_t v) { ls_snap_put(w, &v, sizeof v); }

void ls_snap_put_sparse(struct ls_snap *w, const void *table, size_t size, uint32_t n, bool (*used)(const void *)) {
  size_t at = w->len;
  uint64_t count = 0;
  ls_snap_u64(w, 0); /* the count, patched below: one pass over the table */
  for (uint32_t i = 0; i < n; i++) {
    const void *rec = (const char *)table + (size_t)i * size;
    if (!used(rec)) continue;
    ls_snap_put(w, &i, sizeof i);
    ls_snap_put(w, rec, size);
    count++;
  }
  if (!w->oom) memcpy(w->buf + at, &count, sizeof count);
}

static uint64_t tag_bits(const char *tag) {
  uint64_t t = 0;
  memcpy(&t, tag, strnlen(tag, sizeof t));
  return t;
}

void ls_snap_section(struct ls_snap *w, const char *tag, uint64_t fingerprint) {
  ls_snap_u64(w, tag_bits(tag));
  ls_snap_u64(w, fingerprint);
}

int ls_snap_done(const struct ls_snap *w, struct ls_err *err) {
  return w->oom ? ls_err_set(err, LS_ENOMEM, "checkpoint: out of memory after %zu bytes", w->len) : LS_OK;
}

void ls_snap_reader_init(struct ls_snap_reader *r, const void *p, size_t n) { *r = (struct ls_snap_reader){.p = p, .left = n}; }

void ls_snap_fail(struct ls_snap_reader *r, const char *why) {
  if (!r->bad) snprintf(r->why, sizeof r->why, "%s", why);
  r->bad = true;
  r->left = 0;
}

const void *ls_snap_take(struct ls_snap_reader *r, size_t n) {
  if (r->bad || n > r->left) {
    ls_snap_fail(r, "truncated");
    return NULL;
  }
  const void *p = r->p;
  r->p += n;
  r->left -= n;
  return p;
}

bool ls_snap_get(struct ls_snap_reader *r, void *out, size_t n) {
  const void *p = ls_snap_take(r, n);
  if (n && p) memcpy(out, p, n);
  else if (n) memset(out, 0, n);
  return !r->bad;
}

uint64_t ls_snap_get_u64(struct ls_snap_reader *r) {
  uint64_t v;
  ls_snap_get(r, &v, sizeof v);
  return v;
}

uint64_t ls_snap_get_count(struct ls_snap_reader *r, size_t rec_size) {
  uint64_t n = ls_snap_get_u64(r);
  if (rec_size && n > r->left / rec_size) {
    ls_snap_fail(r, "a record count larger than the checkpoint");
    return 0;
  }
  return n;
}

bool ls_snap_get_sparse(struct ls_snap_reader *r, void *table, size_t size, uint32_t n, bool (*valid)(void *)) {
  memset(table, 0, (size_t)n * size);
  uint64_t count = ls_snap_get_count(r, sizeof(uint32_t) + size);
  for (uint64_t k = 0; k < count && !r->bad; k++) {
    uint32_t i;
    ls_snap_get(r, &i, sizeof i);
    void *rec = (char *)table + (size_t)i * size;
    if (i >= n) ls_snap_fail(r, "a record outside its table");
    else if (ls_snap_get(r, rec, size) && valid && !valid(rec)) ls_snap_fail(r, "a record with a field out of range");
  }
  if (r->bad) memset(table, 0, (size_t)n * size);
  return !r->bad;
}

bool ls_snap_expect(struct ls_snap_reader *r, const char *tag, uint64_t fingerprint) {
  uint64_t t = ls_snap_get_u64(r), f = ls_snap_get_u64(r);
  if (r->bad) return false;
  if (t != tag_bits(tag) || f != fingerprint) {
    char why[120];
    snprintf(why, sizeof why, "section %.4s was written by another build or with other capacities", tag);
    ls_snap_fail(r, why);
    return false;
  }
  return true;
}

int ls_snap_status(const struct ls_snap_reader *r, struct ls_err *err) {
  return r->bad ? ls_err_set(err, LS_EINVAL, "checkpoint: %s", r->why) : LS_OK;
}
