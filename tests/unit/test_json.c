/* Unit tests: JSON reader (strictness, UTF-8, escapes, lookups) and writer (escaping, times). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockstep/json.h"

static struct ls_json_tok toks[256];

static int parse(struct ls_json_doc *d, const char *s) {
  struct ls_err e;
  *d = (struct ls_json_doc){.toks = toks, .cap = 256};
  return ls_json_parse(d, s, strlen(s), &e);
}

static void test_lookup_and_ids(void **state) {
  (void)state;
  struct ls_json_doc d;
  assert_int_equal(parse(&d, "{\"data\":{\"id\":\"1445078208190291973\",\"n\":7,\"arr\":[1,[2,3],{\"k\":\"v\"}],\"t\":true}}"), LS_OK);
  uint64_t id;
  assert_true(ls_json_u64(&d, ls_json_path(&d, 0, "data.id"), &id));
  assert_true(id == 1445078208190291973ULL);
  int arr = ls_json_path(&d, 0, "data.arr");
  assert_int_equal(d.toks[arr].count, 3);
  int third = ls_json_next(&d, arr, ls_json_next(&d, arr, ls_json_first(&d, arr)));
  assert_true(ls_json_streq(&d, ls_json_get(&d, third, "k"), "v"));
  assert_int_equal(ls_json_next(&d, arr, third), -1);
  assert_int_equal(ls_json_first(&d, ls_json_path(&d, 0, "data.n")), -1); /* not a container */
  bool b;
  assert_true(ls_json_bool(&d, ls_json_path(&d, 0, "data.t"), &b) && b);
  assert_int_equal(ls_json_path(&d, 0, "data.missing"), -1);
}

static void test_escapes(void **state) {
  (void)state;
  struct ls_json_doc d;
  assert_int_equal(parse(&d, "[\"a\\n\\\"b\\u00e9\\ud83d\\ude00\"]"), LS_OK);
  char out[64];
  assert_int_equal(ls_json_string(&d, 1, out, sizeof out), 10);
  assert_string_equal(out, "a\n\"b\xc3\xa9\xf0\x9f\x98\x80");
}

static void test_rejects_malformed(void **state) {
  (void)state;
  struct ls_json_doc d;
  const char *bad[] = {"{\"a\":1", "{\"a\" 1}", "[1,]", "{\"a\":01}", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "[1] 2",
                       "{\"a\":\"\x01\"}", "[\"\\x\"]", "", "tru", "{\"a\":1,}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(parse(&d, bad[i]), LS_EINVAL);
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  struct ls_err e;
  d = (struct ls_json_doc){.toks = toks, .cap = 256};
  assert_int_equal(ls_json_parse(&d, deep, 200, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "deep"));
}

static void test_writer_round_trip(void **state) {
  (void)state;
  struct ls_jw w;
  ls_jw_init(&w);
  ls_jw_obj_begin(&w);
  ls_jw_key(&w, "text");
  ls_jw_str(&w, "quote \" backslash \\ newline \n tab \t bell \x07");
  ls_jw_key(&w, "id");
  ls_jw_u64_str(&w, 18446744073709551615ULL);
  ls_jw_key(&w, "when");
  ls_jw_time(&w, 1709294400123);
  ls_jw_obj_end(&w);
  assert_string_equal(w.buf, "{\"text\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007\","
                             "\"id\":\"18446744073709551615\",\"when\":\"2024-03-01T12:00:00.123Z\"}");
  struct ls_json_doc d;
  assert_int_equal(parse(&d, w.buf), LS_OK);
  char out[128];
  ls_json_string(&d, ls_json_get(&d, 0, "text"), out, sizeof out);
  assert_string_equal(out, "quote \" backslash \\ newline \n tab \t bell \x07");
  ls_jw_free(&w);
}

static void test_iso8601(void **state) {
  (void)state;
  int64_t ms;
  assert_true(ls_parse_iso8601("2021-10-04T16:13:18.000Z", &ms));
  assert_true(ms == 1633363998000LL);
  assert_true(ls_parse_iso8601("2021-10-04T18:13:18+02:00", &ms));
  assert_true(ms == 1633363998000LL);
  assert_false(ls_parse_iso8601("2021-13-04T16:13:18Z", &ms));
  assert_false(ls_parse_iso8601("yesterday", &ms));
  char out[40];
  ls_iso8601(-1, out, sizeof out); /* rounded down: the last millisecond of 1969 */
  assert_string_equal(out, "1969-12-31T23:59:59.999Z");
  ls_iso8601(INT64_MIN, out, sizeof out); /* no overflow rounding it down (fuzz_decode) */
  assert_string_equal(out, "-292275055-05-16T16:47:04.192Z");
  ls_iso8601(INT64_MAX, out, sizeof out);
  assert_string_equal(out, "292278994-08-17T07:12:55.807Z");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup_and_ids), cmocka_unit_test(test_escapes),
                                     cmocka_unit_test(test_rejects_malformed), cmocka_unit_test(test_writer_round_trip),
                                     cmocka_unit_test(test_iso8601)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
