/* fuzz_safetensors.c — libFuzzer target for the safetensors reader (safetensors.h): each input is
 * a whole file (8-byte header length, JSON header, data), written to a memfd that ls_st_open opens
 * by its /proc path. Checks, besides no crash and no sanitizer report:
 *   - an open either succeeds or fails with a message and holds nothing (no map, no tensors);
 *   - every tensor lies in the data section after the header, its name is NUL-terminated, it has
 *     at most LS_ST_MAX_DIMS dimensions, and F32/F16/BF16 tensors span exactly their shape's
 *     elements; no two tensors with data share a byte;
 *   - ls_st_find finds each tensor's name; ls_st_read of it (the first tensor of that name), at
 *     its own shape, refuses other dtypes with a message, and gives F32 bits as stored, BF16 as
 *     the upper half of a float and F16 as the IEEE half value; one more element in the first
 *     dimension is refused. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lockstep/safetensors.h"

#include "fuzz_check.h"

static int fd;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fd = memfd_create("fuzz_safetensors", MFD_CLOEXEC);
  if (fd < 0) {
    perror("fuzz_safetensors: memfd_create");
    exit(1);
  }
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return 0;
}

/* The value of IEEE half h, from its fields. */
static float half_value(uint16_t h) {
  int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float mag = exp == 0x1f ? (man ? NAN : INFINITY)
              : exp       ? ldexpf((float)(1024 + man), exp - 25)
                          : ldexpf((float)man, -24);
  return h >> 15 ? -mag : mag;
}

static bool same_float(float a, float b) { return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b)); }

static void check_read(const struct ls_safetensors *st, const struct ls_st_tensor *t) {
  struct ls_err err;
  float *v = ls_st_read(st, t->name, NULL, t->ndim, t->shape, &err);
  if (t->dtype == LS_ST_OTHER) {
    CHECK(!v && strstr(err.msg, t->dtype_name), "tensor %s of dtype %s read as floats", t->name, t->dtype_name);
    return;
  }
  CHECK(v, "tensor %s: %s", t->name, err.msg);
  const unsigned char *p = t->data;
  uint64_t n = t->bytes / (t->dtype == LS_ST_F32 ? 4 : 2);
  for (uint64_t i = 0; i < n; i++) {
    if (t->dtype == LS_ST_F32) {
      CHECK(!memcmp(&v[i], p + 4 * i, 4), "tensor %s: F32 element %llu changed", t->name, (unsigned long long)i);
      continue;
    }
    uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    uint32_t bits = (uint32_t)h << 16, got;
    memcpy(&got, &v[i], 4);
    if (t->dtype == LS_ST_BF16)
      CHECK(got == bits, "tensor %s: BF16 0x%04x read as 0x%08x", t->name, h, got);
    else
      CHECK(same_float(v[i], half_value(h)), "tensor %s: F16 0x%04x read as %g, not %g", t->name, h, v[i],
            half_value(h));
  }
  free(v);
  if (t->ndim) {
    uint64_t other[LS_ST_MAX_DIMS];
    memcpy(other, t->shape, sizeof other);
    other[0]++;
    v = ls_st_read(st, t->name, NULL, t->ndim, other, &err);
    CHECK(!v && strstr(err.msg, "has shape"), "tensor %s read at another shape", t->name);
  }
}

static int by_data(const void *a, const void *b) {
  const struct ls_st_tensor *x = *(const struct ls_st_tensor *const *)a, *y = *(const struct ls_st_tensor *const *)b;
  return (x->data > y->data) - (x->data < y->data);
}

/* No two tensors with data share a byte: in order of their start, each ends before the next starts. */
static void check_disjoint(const struct ls_safetensors *st) {
  const struct ls_st_tensor **t = malloc((st->n + 1) * sizeof *t);
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->n; i++)
    if (st->tensors[i].bytes) t[n++] = &st->tensors[i];
  qsort(t, n, sizeof *t, by_data);
  for (uint32_t i = 1; i < n; i++)
    CHECK(t[i - 1]->data + t[i - 1]->bytes <= t[i]->data, "tensors %s and %s overlap", t[i - 1]->name, t[i]->name);
  free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size, "cannot write the memfd");
  struct ls_safetensors st;
  struct ls_err err;
  if (ls_st_open(&st, path, &err) != LS_OK) {
    CHECK(err.msg[0], "refused without a message");
    CHECK(!st.map && !st.tensors && !st.n, "a refused file holds its map or tensors");
    return 0;
  }
  CHECK(size >= 8 && st.map_len == size, "opened %zu bytes of a %zu-byte file", st.map_len, size);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | data[i];
  const unsigned char *begin = (const unsigned char *)st.map + 8 + hlen, *end = (const unsigned char *)st.map + size;
  CHECK(hlen <= size - 8, "header of %llu bytes in a %zu-byte file", (unsigned long long)hlen, size);
  for (uint32_t i = 0; i < st.n; i++) {
    const struct ls_st_tensor *t = &st.tensors[i];
    CHECK(memchr(t->name, '\0', sizeof t->name) && memchr(t->dtype_name, '\0', sizeof t->dtype_name),
          "tensor %u: name or dtype not terminated", i);
    CHECK(t->data >= begin && t->bytes <= (uint64_t)(end - t->data), "tensor %s: bytes outside the data section",
          t->name);
    CHECK(t->ndim <= LS_ST_MAX_DIMS, "tensor %s: %u dimensions", t->name, t->ndim);
    if (t->dtype != LS_ST_OTHER) {
      uint64_t numel = 1;
      for (uint32_t k = 0; k < t->ndim; k++) numel *= t->shape[k];
      CHECK(numel * (t->dtype == LS_ST_F32 ? 4 : 2) == t->bytes, "tensor %s: %llu bytes for %llu elements", t->name,
            (unsigned long long)t->bytes, (unsigned long long)numel);
    }
    const struct ls_st_tensor *f = ls_st_find(&st, t->name, NULL);
    CHECK(f && !strcmp(f->name, t->name), "tensor %s is not found", t->name);
    if (f == t) check_read(&st, t);
  }
  check_disjoint(&st);
  ls_st_close(&st);
  return 0;
}
