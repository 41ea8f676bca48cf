/* safetensors.c — the validating safetensors reader (see safetensors.h). The file is mapped
 * read-only; nothing in it is trusted until the header has been checked entry by entry. */
#include "lockstep/safetensors.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockstep/json.h"

#define MAX_HEADER (100u << 20) /* the format's own limit on the header */

static const struct {
  const char *name;
  unsigned size;
  enum ls_st_dtype dtype;
} DTYPES[] = {{"F32", 4, LS_ST_F32},   {"F16", 2, LS_ST_F16},   {"BF16", 2, LS_ST_BF16}, {"F64", 8, LS_ST_OTHER},
              {"I64", 8, LS_ST_OTHER}, {"I32", 4, LS_ST_OTHER}, {"I16", 2, LS_ST_OTHER}, {"I8", 1, LS_ST_OTHER},
              {"U64", 8, LS_ST_OTHER}, {"U32", 4, LS_ST_OTHER}, {"U16", 2, LS_ST_OTHER}, {"U8", 1, LS_ST_OTHER},
              {"BOOL", 1, LS_ST_OTHER}, {"F8_E4M3", 1, LS_ST_OTHER}, {"F8_E5M2", 1, LS_ST_OTHER}};

float ls_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man) { /* subnormal: normalise */
    int e = -1;
    do { man <<= 1; e++; } while (!(man & 0x400));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
  } else {
    bits = sign;
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

float ls_bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static int fail(const struct ls_safetensors *st, struct ls_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const struct ls_safetensors *st, struct ls_err *err, const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return ls_err_set(err, LS_EINVAL, "%s: %s", st->path, what);
}

static int parse_shape(const struct ls_json_doc *d, int tok, struct ls_st_tensor *t) {
  if (tok < 0 || d->toks[tok].type != LS_JSON_ARRAY || d->toks[tok].count > LS_ST_MAX_DIMS) return -1;
  t->ndim = 0;
  for (int v = ls_json_first(d, tok); v >= 0; v = ls_json_next(d, tok, v))
    if (!ls_json_u64(d, v, &t->shape[t->ndim++])) return -1;
  return 0;
}

/* One header entry: dtype, shape and offsets, checked against the data section of data_len bytes. */
static int parse_entry(const struct ls_safetensors *st, const struct ls_json_doc *d, int key, const unsigned char *data,
                       uint64_t data_len, struct ls_st_tensor *t, uint64_t off[2], struct ls_err *err) {
  int val = key + 1;
  if (ls_json_string(d, key, t->name, sizeof t->name) < 0) return fail(st, err, "tensor name too long");
  if (d->toks[val].type != LS_JSON_OBJECT) return fail(st, err, "tensor %s: entry is not an object", t->name);
  int dt = ls_json_get(d, val, "dtype");
  if (dt < 0 || ls_json_string(d, dt, t->dtype_name, sizeof t->dtype_name) < 0)
    return fail(st, err, "tensor %s: missing dtype", t->name);
  unsigned size = 0;
  for (size_t i = 0; i < sizeof DTYPES / sizeof *DTYPES; i++)
    if (!strcmp(DTYPES[i].name, t->dtype_name)) size = DTYPES[i].size, t->dtype = DTYPES[i].dtype;
  if (!size) {
    return fail(st, err, "tensor %s: unknown dtype \"%s\"", t->name, t->dtype_name);
  }
  if (parse_shape(d, ls_json_get(d, val, "shape"), t)) return fail(st, err, "tensor %s: bad shape", t->name);
  int offs = ls_json_get(d, val, "data_offsets");
  if (offs < 0 || d->toks[offs].type != LS_JSON_ARRAY || d->toks[offs].count != 2 ||
      !ls_json_u64(d, offs + 1, &off[0]) || !ls_json_u64(d, offs + 2, &off[1]))
    return fail(st, err, "tensor %s: bad data_offsets", t->name);
  if (off[0] > off[1] || off[1] > data_len)
    return fail(st, err, "tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] out of range of the data section", t->name,
                off[0], off[1]);
  uint64_t numel = 1;
  for (uint32_t i = 0; i < t->ndim; i++) {
    if (t->shape[i] && numel > UINT64_MAX / 8 / t->shape[i]) return fail(st, err, "tensor %s: shape too large", t->name);
    numel *= t->shape[i];
  }
  t->bytes = off[1] - off[0];
  if (numel * size != t->bytes)
    return fail(st, err, "tensor %s: data_offsets span %" PRIu64 " bytes but shape and dtype need %" PRIu64, t->name, t->bytes,
                numel * size);
  t->data = data + off[0];
  return LS_OK;
}

struct span { uint64_t b, e; uint32_t i; };
static int cmp_span(const void *a, const void *b) {
  const struct span *x = a, *y = b;
  return x->b < y->b ? -1 : x->b > y->b ? 1 : (x->e > y->e) - (x->e < y->e);
}

/* Sorted by start, each tensor with data must start at or after the end of the previous tensor
 * with data (which, none overlapping so far, ends last); an empty tensor shares no byte, and is
 * skipped: inside another, it would hide that one's end from the next. */
static int check_overlaps(const struct ls_safetensors *st, struct span *sp, struct ls_err *err) {
  qsort(sp, st->n, sizeof *sp, cmp_span);
  const struct span *prev = NULL;
  for (uint32_t i = 0; i < st->n; i++) {
    if (sp[i].e == sp[i].b) continue;
    if (prev && sp[i].b < prev->e)
      return fail(st, err, "tensors %s and %s overlap (data_offsets from %" PRIu64 " and %" PRIu64 ")",
                  st->tensors[prev->i].name, st->tensors[sp[i].i].name, prev->b, sp[i].b);
    prev = &sp[i];
  }
  return LS_OK;
}

static int parse_header(struct ls_safetensors *st, const char *hdr, uint64_t hlen, const unsigned char *data,
                        uint64_t data_len, struct ls_err *err) {
  struct ls_json_doc d = {.cap = (uint32_t)(hlen / 2 + 16)};
  d.toks = malloc(d.cap * sizeof *d.toks);
  if (!d.toks) return ls_err_set(err, LS_ENOMEM, "%s: out of memory", st->path);
  struct ls_err jerr;
  int rc = ls_json_parse(&d, hdr, hlen, &jerr);
  if (rc == LS_OK && d.toks[0].type != LS_JSON_OBJECT) rc = LS_EINVAL, snprintf(jerr.msg, sizeof jerr.msg, "not an object");
  if (rc != LS_OK) {
    free(d.toks);
    return fail(st, err, "header is not valid JSON: %s", jerr.msg);
  }
  st->tensors = calloc(d.toks[0].count + 1, sizeof *st->tensors);
  struct span *sp = calloc(d.toks[0].count + 1, sizeof *sp);
  rc = st->tensors && sp ? LS_OK : ls_err_set(err, LS_ENOMEM, "%s: out of memory", st->path);
  for (int k = ls_json_first(&d, 0); rc == LS_OK && k >= 0; k = ls_json_next(&d, 0, k)) {
    if (ls_json_streq(&d, k, "__metadata__")) continue;
    uint64_t off[2];
    rc = parse_entry(st, &d, k, data, data_len, &st->tensors[st->n], off, err);
    sp[st->n] = (struct span){off[0], off[1], st->n};
    st->n++;
  }
  if (rc == LS_OK) rc = check_overlaps(st, sp, err);
  free(sp);
  free(d.toks);
  return rc;
}

int ls_st_open(struct ls_safetensors *st, const char *path, struct ls_err *err) {
  memset(st, 0, sizeof *st);
  snprintf(st->path, sizeof st->path, "%s", path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ls_err_set(err, LS_EIO, "%s: cannot open: %m", path);
  struct stat sb;
  if (fstat(fd, &sb) || sb.st_size < 8) {
    close(fd);
    return ls_err_set(err, LS_EINVAL, "%s: too short for a safetensors file (%lld bytes)", path, (long long)sb.st_size);
  }
  st->map_len = (size_t)sb.st_size;
  st->map = mmap(NULL, st->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (st->map == MAP_FAILED) {
    st->map = NULL;
    return ls_err_set(err, LS_EIO, "%s: cannot map: %m", path);
  }
  const unsigned char *b = st->map;
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | b[i];
  int rc;
  if (hlen > MAX_HEADER || hlen > st->map_len - 8)
    rc = fail(st, err, "header size %" PRIu64 " runs past the end of the file (%" PRIu64 " bytes)", hlen,
              (uint64_t)st->map_len);
  else
    rc = parse_header(st, (const char *)b + 8, hlen, b + 8 + hlen, st->map_len - 8 - hlen, err);
  if (rc != LS_OK) ls_st_close(st);
  return rc;
}

void ls_st_close(struct ls_safetensors *st) {
  if (st->map) munmap(st->map, st->map_len);
  free(st->tensors);
  st->map = NULL;
  st->tensors = NULL;
  st->n = 0;
}

const struct ls_st_tensor *ls_st_find(const struct ls_safetensors *st, const char *name, const char *const *prefixes) {
  for (uint32_t i = 0; i < st->n; i++)
    if (!strcmp(st->tensors[i].name, name)) return &st->tensors[i];
  for (; prefixes && *prefixes; prefixes++) {
    size_t pl = strlen(*prefixes);
    for (uint32_t i = 0; i < st->n; i++)
      if (!strncmp(st->tensors[i].name, *prefixes, pl) && !strcmp(st->tensors[i].name + pl, name)) return &st->tensors[i];
  }
  return NULL;
}

static void shape_str(const uint64_t *shape, uint32_t ndim, char *out, size_t cap) {
  size_t o = (size_t)snprintf(out, cap, "[");
  for (uint32_t i = 0; i < ndim && o < cap; i++) o += (size_t)snprintf(out + o, cap - o, "%s%" PRIu64, i ? ", " : "", shape[i]);
  if (o < cap) snprintf(out + o, cap - o, "]");
}

float *ls_st_read(const struct ls_safetensors *st, const char *name, const char *const *prefixes, uint32_t ndim,
                  const uint64_t *shape, struct ls_err *err) {
  const struct ls_st_tensor *t = ls_st_find(st, name, prefixes);
  if (!t) return fail(st, err, "missing tensor %s", name), NULL;
  if (t->ndim != ndim || memcmp(t->shape, shape, ndim * sizeof *shape)) {
    char got[64], want[64];
    shape_str(t->shape, t->ndim, got, sizeof got);
    shape_str(shape, ndim, want, sizeof want);
    return fail(st, err, "tensor %s has shape %s, expected %s", t->name, got, want), NULL;
  }
  if (t->dtype == LS_ST_OTHER)
    return fail(st, err, "tensor %s has dtype %s; weights must be F32, F16 or BF16", t->name, t->dtype_name), NULL;
  uint64_t n = t->bytes / (t->dtype == LS_ST_F32 ? 4 : 2);
  float *out = malloc((n ? n : 1) * sizeof *out);
  if (!out) return ls_err_set(err, LS_ENOMEM, "%s: out of memory reading %s", st->path, t->name), NULL;
  const unsigned char *p = t->data;
  for (uint64_t i = 0; i < n; i++) {
    if (t->dtype == LS_ST_F32) {
      uint32_t bits = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
      memcpy(&out[i], &bits, 4);
    } else {
      uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
      out[i] = t->dtype == LS_ST_F16 ? ls_half_to_float(h) : ls_bf16_to_float(h);
    }
  }
  return out;
}
