/* Unit tests: decoders (protobuf, the three Twitter v2 JSON shapes, QUT CSV) and every kind of
 * bad input they must reject with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/decode.h"
#include "lockstep/encode.h"

#define NOW 1709294400000LL /* 2024-03-01T12:00:00Z */

struct got {
  struct ls_tweet t[8];
  char text[8][256], user[8][64], url[8][256];
  int n, rejected;
  char reason[512];
};

static int on_emit(void *ud, const struct ls_tweet *t) {
  struct got *g = ud;
  if (g->n < 8) {
    g->t[g->n] = *t;
    snprintf(g->text[g->n], 256, "%.*s", (int)t->text_len, t->text);
    snprintf(g->user[g->n], 64, "%s", t->username ? t->username : "");
    snprintf(g->url[g->n], 256, "%s", t->n_urls ? t->urls[0] : "");
  }
  g->n++;
  return 0;
}

static void on_reject(void *ud, const char *reason) {
  struct got *g = ud;
  g->rejected++;
  snprintf(g->reason, sizeof g->reason, "%s", reason);
}

static struct ls_decoder *dec;

static int setup(void **state) {
  (void)state;
  struct ls_decode_limits l;
  ls_decode_limits_default(&l);
  l.now_ms = NOW;
  struct ls_err e;
  return ls_decoder_create(&dec, &l, &e);
}

static int teardown(void **state) {
  (void)state;
  ls_decoder_destroy(dec);
  return 0;
}

static struct got *decode(enum ls_format f, const void *data, size_t len) {
  static struct got g;
  memset(&g, 0, sizeof g);
  struct ls_decode_sink sink = {on_emit, on_reject, &g};
  ls_decode(dec, f, data, len, &sink);
  return &g;
}

static struct got *decode_str(const char *s) { return decode(LS_FMT_AUTO, s, strlen(s)); }

static void test_protobuf_round_trip(void **state) {
  (void)state;
  struct ls_tweet t = {.id = 1763534649553846918ULL, .author_id = 42, .created_at_ms = NOW - 5000, .text = "héllo wörld",
                       .retweet_of = 7, .username = "alice", .n_urls = 1, .urls = {"https://example.com/a"},
                       .n_hashtags = 2, .hashtags = {"one", "two"}};
  t.text_len = (uint32_t)strlen(t.text);
  uint8_t buf[1024];
  size_t n = ls_encode_protobuf(&t, buf, sizeof buf);
  assert_true(n > 0);
  assert_int_equal(ls_format_sniff(buf, n), LS_FMT_PROTOBUF);
  struct got *g = decode(LS_FMT_AUTO, buf, n);
  assert_int_equal(g->n, 1);
  assert_true(g->t[0].id == t.id && g->t[0].author_id == 42 && g->t[0].retweet_of == 7);
  assert_string_equal(g->text[0], "héllo wörld");
  assert_string_equal(g->user[0], "alice");
  assert_string_equal(g->url[0], "https://example.com/a");
  assert_int_equal(g->t[0].n_hashtags, 2);
}

static void test_json_three_shapes(void **state) {
  (void)state;
  const char *tweet = "{\"id\":\"1763534649553846918\",\"author_id\":\"99\",\"created_at\":\"2024-03-01T11:59:00.000Z\","
                      "\"text\":\"RT @x: hi\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"5\"}],"
                      "\"entities\":{\"urls\":[{\"url\":\"https://t.co/x\",\"expanded_url\":\"https://ex.com/p\"}]}}";
  struct got *g = decode_str(tweet);
  assert_int_equal(g->n, 1);
  assert_true(g->t[0].retweet_of == 5);
  assert_string_equal(g->url[0], "https://ex.com/p");
  char wrapped[2048];
  snprintf(wrapped, sizeof wrapped, "{\"data\":%s,\"includes\":{\"users\":[{\"id\":\"99\",\"username\":\"bob\"}]}}", tweet);
  g = decode_str(wrapped);
  assert_int_equal(g->n, 1);
  assert_string_equal(g->user[0], "bob");
  g = decode_str("{\"data\":[{\"id\":\"11\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T11:00:00Z\",\"text\":\"first\"},"
                 "{\"id\":\"12\",\"author_id\":\"2\",\"created_at\":\"2024-03-01T11:00:01Z\",\"text\":\"second\"},"
                 "{\"id\":\"13\",\"author_id\":\"3\",\"created_at\":\"2024-03-01T11:00:02Z\",\"text\":\"\"}],"
                 "\"includes\":{\"users\":[{\"id\":\"2\",\"username\":\"carol\",\"public_metrics\":{\"followers_count\":12}}]}}");
  assert_int_equal(g->n, 2);
  assert_int_equal(g->rejected, 1); /* the empty text, named by its index */
  assert_non_null(strstr(g->reason, "data[2]"));
  assert_string_equal(g->user[1], "carol");
  assert_true(g->t[1].author.followers == 12);
}

struct page_check {
  int n, wrong;
};

static int on_page_tweet(void *ud, const struct ls_tweet *t) {
  struct page_check *c = ud;
  char want[32];
  snprintf(want, sizeof want, "u%llu", (unsigned long long)t->author_id);
  if (!t->username || strcmp(t->username, want) != 0) c->wrong++;
  c->n++;
  return 0;
}

static void on_page_reject(void *ud, const char *reason) {
  (void)reason;
  ((struct page_check *)ud)->wrong++;
}

/* A page near input.max_message_bytes, as twarc2 writes them: thousands of tweets and as many
 * users, each tweet's author listed in includes.users (in reverse order, after a decoy with the
 * first author's id that comes later and must lose). Every tweet finds its own author; a decoder
 * that searched the users array once per tweet, or walked arrays by index, took minutes here. */
static void test_json_large_page(void **state) {
  (void)state;
  enum { N = 4000 };
  size_t cap = 1u << 20, len = 0;
  char *page = malloc(cap);
  assert_non_null(page);
  len += (size_t)snprintf(page + len, cap - len, "{\"data\":[");
  for (int i = 0; i < N; i++)
    len += (size_t)snprintf(page + len, cap - len, "%s{\"id\":\"%d\",\"author_id\":\"%d\",\"created_at\":\"2024-03-01T11:00:00Z\",\"text\":\"t%d\"}",
                            i ? "," : "", 1000 + i, 1 + i, i);
  len += (size_t)snprintf(page + len, cap - len, "],\"includes\":{\"users\":[");
  for (int i = N; i >= 1; i--) len += (size_t)snprintf(page + len, cap - len, "{\"id\":\"%d\",\"username\":\"u%d\"},", i, i);
  len += (size_t)snprintf(page + len, cap - len, "{\"id\":\"1\",\"username\":\"decoy\"}]}}");
  assert_true(len < cap - 1);
  struct page_check c = {0};
  struct ls_decode_sink sink = {on_page_tweet, on_page_reject, &c};
  ls_decode(dec, LS_FMT_AUTO, page, len, &sink);
  assert_int_equal(c.n, N);
  assert_int_equal(c.wrong, 0);
  free(page);
}

/* includes.users with more entries than the decoder's per-message scratch can index is
 * rejected, naming the key to change, not decoded slowly or cut short. */
static void test_json_too_many_users(void **state) {
  (void)state;
  size_t cap = 1u << 20, len = 0;
  char *page = malloc(cap);
  assert_non_null(page);
  len += (size_t)snprintf(page + len, cap - len, "{\"data\":[{\"id\":\"5\",\"author_id\":\"1\",\"text\":\"x\"}],\"includes\":{\"users\":[0");
  while (len < cap - 16) len += (size_t)snprintf(page + len, cap - len, ",0");
  len += (size_t)snprintf(page + len, cap - len, "]}}");
  struct got *g = decode(LS_FMT_AUTO, page, len);
  assert_int_equal(g->n, 0);
  assert_int_equal(g->rejected, 1);
  assert_non_null(strstr(g->reason, "input.max_message_bytes"));
  free(page);
}

static void test_json_snowflake_time(void **state) {
  (void)state;
  struct got *g = decode_str("{\"id\":\"1763534649553846918\",\"author_id\":\"9\",\"text\":\"no created_at here\"}");
  assert_int_equal(g->n, 1);
  assert_true(g->t[0].created_at_ms == ls_snowflake_time_ms(1763534649553846918ULL));
  assert_true(g->t[0].created_at_ms > 1700000000000LL);
}

static void test_csv(void **state) {
  (void)state;
  const char *rec = "1001,77,\"dave\",,1000,\"hello, \"\"world\"\"\nsecond #line #Two,x#no\",1709294000.5,\"https://a.com/x https://b.com/y\"";
  struct got *g = decode(LS_FMT_CSV, rec, strlen(rec));
  assert_int_equal(g->n, 1);
  assert_true(g->t[0].id == 1001 && g->t[0].author_id == 77 && g->t[0].reply_to == 1000 && g->t[0].retweet_of == 0);
  assert_string_equal(g->text[0], "hello, \"world\"\nsecond #line #Two,x#no");
  assert_int_equal(g->t[0].n_hashtags, 2); /* read from the text: #line and #Two, not x#no */
  assert_true(g->t[0].created_at_ms == 1709294000500LL);
  assert_int_equal(g->t[0].n_urls, 2);
  g = decode(LS_FMT_CSV, "1,2,x,,,\"unterminated,5,", 23);
  assert_int_equal(g->rejected, 1);
  g = decode(LS_FMT_CSV, "1,2,x,,,text,notatime,", 22);
  assert_non_null(strstr(g->reason, "timestamp"));
  /* a 300 KB message is refused for its size, not misread as a broken record */
  size_t big = 300 * 1024;
  char *rec2 = malloc(big + 64);
  int o = snprintf(rec2, 64, "1,2,x,,,\"");
  memset(rec2 + o, 'y', big);
  strcpy(rec2 + o + big, "\",1709294000,");
  g = decode(LS_FMT_CSV, rec2, strlen(rec2));
  assert_int_equal(g->rejected, 1);
  assert_non_null(strstr(g->reason, "max_text_bytes"));
  free(rec2);
}

static void expect_reject(const char *input, size_t len, const char *needle) {
  struct got *g = decode(LS_FMT_AUTO, input, len);
  assert_int_equal(g->n, 0);
  assert_int_equal(g->rejected, 1);
  if (!strstr(g->reason, needle)) fail_msg("reason \"%s\" does not mention \"%s\"", g->reason, needle);
}

static void test_bad_input(void **state) {
  (void)state;
  expect_reject("{\"id\":\"1\",\"text\":\"trunc", strlen("{\"id\":\"1\",\"text\":\"trunc"), "invalid JSON");
  expect_reject("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"\xc3\x28\"}", strlen("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"\xc3\x28\"}"), "UTF-8");
  expect_reject("{\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"x\"}", strlen("{\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"x\"}"), "missing tweet id");
  expect_reject("{\"id\":\"5\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"x\"}", strlen("{\"id\":\"5\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"x\"}"), "missing author");
  expect_reject("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2099-03-01T00:00:00Z\",\"text\":\"x\"}", strlen("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2099-03-01T00:00:00Z\",\"text\":\"x\"}"), "future");
  expect_reject("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"1999-03-01T00:00:00Z\",\"text\":\"x\"}", strlen("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"1999-03-01T00:00:00Z\",\"text\":\"x\"}"), "past");
  expect_reject("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"\"}", strlen("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"\"}"), "empty text");
  expect_reject("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"not a time\",\"text\":\"x\"}", strlen("{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"not a time\",\"text\":\"x\"}"), "ISO 8601");
  expect_reject("", strlen(""), "empty message");
  const unsigned char garbage[] = {0xff, 0xfe, 0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  expect_reject((const char *)garbage, sizeof garbage, "malformed protobuf");
  /* 100 KB text: over max_text_bytes */
  size_t big = 100 * 1024 + 200;
  char *msg = malloc(big);
  int o = snprintf(msg, big, "{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"");
  memset(msg + o, 'x', 100 * 1024);
  strcpy(msg + o + 100 * 1024, "\"}");
  expect_reject(msg, strlen(msg), "max_text_bytes");
  free(msg);
  /* 800 KB: still refused for its length, however close to the message limit */
  big = 800 * 1024 + 200;
  msg = malloc(big);
  o = snprintf(msg, big, "{\"id\":\"5\",\"author_id\":\"1\",\"created_at\":\"2024-03-01T00:00:00Z\",\"text\":\"");
  memset(msg + o, 'x', 800 * 1024);
  strcpy(msg + o + 800 * 1024, "\"}");
  expect_reject(msg, strlen(msg), "max_text_bytes");
  free(msg);
  /* invalid UTF-8 inside a protobuf text field */
  struct ls_tweet t = {.id = 5, .author_id = 1, .created_at_ms = NOW, .text = "bad \xc3\x28 text", .text_len = 10};
  uint8_t buf[256];
  size_t n = ls_encode_protobuf(&t, buf, sizeof buf);
  expect_reject((const char *)buf, n, "UTF-8");
}

/* Timestamps past what int64 milliseconds hold are counted rejections, not an undefined
 * double -> int64 conversion (fuzz_decode found "1e17"). */
static void test_csv_time_out_of_range(void **state) {
  (void)state;
  const char *bad[] = {"1,2,x,,,text,1e17,", "1,2,x,,,text,-1e17,", "1,2,x,,,text,1e300,", "1,2,x,,,text,nan,",
                       "1,2,x,,,text,inf,", "1,2,x,,,text,-inf,"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct got *g = decode(LS_FMT_CSV, bad[i], strlen(bad[i]));
    assert_int_equal(g->n, 0);
    assert_int_equal(g->rejected, 1);
    if (!strstr(g->reason, "out of range")) fail_msg("%s: reason \"%s\"", bad[i], g->reason);
  }
  struct got *g = decode(LS_FMT_CSV, "1,2,x,,,text,9e15,", 18); /* in range, but far in the future */
  assert_int_equal(g->rejected, 1);
  assert_non_null(strstr(g->reason, "future"));
}

/* created_at_ms = INT64_MIN (protobuf) is rejected as too far in the past; formatting it for the
 * reason used to overflow (fuzz_decode). */
static void test_protobuf_time_int64_min(void **state) {
  (void)state;
  struct ls_tweet t = {.id = 5, .author_id = 1, .created_at_ms = INT64_MIN, .text = "x", .text_len = 1};
  uint8_t buf[256];
  size_t n = ls_encode_protobuf(&t, buf, sizeof buf);
  expect_reject((const char *)buf, n, "too far in the past");
  t.created_at_ms = INT64_MAX;
  n = ls_encode_protobuf(&t, buf, sizeof buf);
  expect_reject((const char *)buf, n, "future");
}

/* A protobuf lang that is not UTF-8 is refused like any other string (it reached the JSON
 * encoder as invalid UTF-8). */
static void test_protobuf_lang_utf8(void **state) {
  (void)state;
  struct ls_tweet t = {.id = 5, .author_id = 1, .created_at_ms = NOW, .text = "x", .text_len = 1, .lang = "\xff"};
  uint8_t buf[256];
  size_t n = ls_encode_protobuf(&t, buf, sizeof buf);
  expect_reject((const char *)buf, n, "lang is not valid UTF-8");
}

/* The CSV encoder doubles a '"' inside a url, so its record decodes again (fuzz_decode). */
static void test_csv_url_quote(void **state) {
  (void)state;
  struct ls_tweet t = {.id = 5, .author_id = 1, .created_at_ms = NOW, .text = "x", .text_len = 1, .n_urls = 2,
                       .urls = {"https://a.com/\"q\"", "https://b.com/"}};
  char *rec = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&rec, &len);
  ls_encode_csv(&t, f);
  fclose(f);
  struct got *g = decode(LS_FMT_CSV, rec, len - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->t[0].n_urls, 2);
  assert_string_equal(g->url[0], "https://a.com/\"q\"");
  free(rec);
}

/* A reason quoting invalid UTF-8, or a character cut at 40 bytes, is still UTF-8: it goes into the
 * JSON dead letters (fuzz_replay). */
static void test_reason_utf8(void **state) {
  (void)state;
  const char *csv = "1,\xa7" "2,x,,,text,1709294400,";
  struct got *g = decode(LS_FMT_CSV, csv, strlen(csv));
  assert_int_equal(g->rejected, 1);
  assert_string_equal(g->reason, "CSV: user_id \"?2\" is not a decimal id");
  const char *json = "{\"id\":\"5\",\"author_id\":\"1\",\"text\":\"x\",\"created_at\":\""
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\"}";
  g = decode(LS_FMT_JSON, json, strlen(json));
  assert_int_equal(g->rejected, 1);
  assert_true(ls_utf8_valid(g->reason, strlen(g->reason)));
  assert_non_null(strstr(g->reason, "xxx?\" is not an ISO 8601 time"));
}

static void test_utf8(void **state) {
  (void)state;
  assert_true(ls_utf8_valid("plain \xe4\xb8\xad\xf0\x9f\x98\x80", 13));
  assert_false(ls_utf8_valid("\xc0\x80", 2));         /* overlong NUL */
  assert_false(ls_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  assert_false(ls_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  assert_false(ls_utf8_valid("\xe4\xb8", 2));         /* truncated */
  /* cutting to a byte budget never splits a character */
  assert_int_equal(ls_utf8_prefix("ab\xe4\xb8\xad", 5, 4), 2);
  assert_int_equal(ls_utf8_prefix("ab\xe4\xb8\xad", 5, 5), 5);
  assert_int_equal(ls_utf8_prefix("ab\xe4\xb8\xad" "cd", 7, 5), 5);
  assert_int_equal(ls_utf8_prefix("\xf0\x9f\x98\x80", 4, 3), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_protobuf_round_trip), cmocka_unit_test(test_json_three_shapes),
                                     cmocka_unit_test(test_json_large_page), cmocka_unit_test(test_json_too_many_users),
                                     cmocka_unit_test(test_json_snowflake_time), cmocka_unit_test(test_csv),
                                     cmocka_unit_test(test_bad_input), cmocka_unit_test(test_csv_time_out_of_range),
                                     cmocka_unit_test(test_protobuf_time_int64_min),
                                     cmocka_unit_test(test_protobuf_lang_utf8), cmocka_unit_test(test_csv_url_quote),
                                     cmocka_unit_test(test_reason_utf8), cmocka_unit_test(test_utf8)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
