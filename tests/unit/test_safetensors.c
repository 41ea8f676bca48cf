/* Unit tests: the safetensors reader on files written by hand: F32, F16 and BF16 read as floats
 * and other dtypes refused at read; overlapping tensors refused, also behind an empty tensor
 * that lies inside another (fuzz_safetensors), and empty tensors themselves accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/safetensors.h"
#include "tmpfile_fixture.h"

/* Writes the file: the header's length, the header, then data_len bytes of data. */
static void write_st(const char *header, const void *data, size_t data_len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  uint64_t n = strlen(header);
  for (int i = 0; i < 8; i++) fputc((int)(n >> (8 * i) & 0xff), f);
  fputs(header, f);
  fwrite(data, 1, data_len, f);
  fclose(f);
}

static int open_st(struct ls_safetensors *st, struct ls_err *err) {
  int rc = ls_st_open(st, path, err);
  if (rc == LS_OK) ls_st_close(st);
  return rc;
}

static void test_reads_dtypes(void **state) {
  (void)state;
  static const unsigned char data[] = {0,    0,    0x80, 0x3f, 0, 0, 0x20, 0xc0, /* F32 1, -2.5 */
                                       0x00, 0x3c, 0x01, 0x00,                   /* F16 1, the smallest subnormal */
                                       0x80, 0x3f, 0x00, 0xc0,                   /* BF16 1, -2 */
                                       7,    0,    0,    0,    0, 0, 0,    0};   /* I64 7 */
  write_st(
      "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
      "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
      "\"d\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}",
      data, sizeof data);
  struct ls_safetensors st;
  struct ls_err err;
  assert_int_equal(ls_st_open(&st, path, &err), LS_OK);
  assert_int_equal(st.n, 4);
  float *v = ls_st_read(&st, "a", NULL, 1, (const uint64_t[]){2}, &err);
  assert_non_null(v);
  assert_true(v[0] == 1.0f && v[1] == -2.5f);
  free(v);
  v = ls_st_read(&st, "b", NULL, 2, (const uint64_t[]){1, 2}, &err);
  assert_non_null(v);
  assert_true(v[0] == 1.0f && v[1] == 0x1p-24f);
  free(v);
  v = ls_st_read(&st, "c", NULL, 1, (const uint64_t[]){2}, &err);
  assert_non_null(v);
  assert_true(v[0] == 1.0f && v[1] == -2.0f);
  free(v);
  assert_null(ls_st_read(&st, "d", NULL, 1, (const uint64_t[]){1}, &err));
  assert_non_null(strstr(err.msg, "weights must be F32, F16 or BF16"));
  assert_null(ls_st_read(&st, "a", NULL, 1, (const uint64_t[]){3}, &err));
  assert_non_null(strstr(err.msg, "has shape [2], expected [3]"));
  ls_st_close(&st);
}

static void test_refuses_overlaps(void **state) {
  (void)state;
  static const unsigned char zeros[16];
  struct ls_safetensors st;
  struct ls_err err;
  write_st(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
      zeros, 12);
  assert_int_equal(open_st(&st, &err), LS_EINVAL);
  assert_non_null(strstr(err.msg, "tensors a and b overlap"));
  write_st(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
      "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
      "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
      zeros, 16);
  assert_int_equal(open_st(&st, &err), LS_EINVAL); /* e sorts between a and c: c is compared with a */
  assert_non_null(strstr(err.msg, "tensors a and c overlap"));
  write_st(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
      "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
      "\"f\":{\"dtype\":\"F16\",\"shape\":[2,0],\"data_offsets\":[4,4]}}",
      zeros, 16);
  assert_int_equal(open_st(&st, &err), LS_OK); /* empty tensors share no byte */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_reads_dtypes), cmocka_unit_test(test_refuses_overlaps)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
