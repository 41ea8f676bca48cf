/* Unit tests: co-tweet text normalisation and co-link URL normalisation (DESIGN.md §1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockstep/textnorm.h"

static const char *norm(const char *in, uint32_t *tokens) {
  static char out[512];
  ls_text_normalize(in, strlen(in), out, sizeof out, tokens);
  return out;
}

static void test_text(void **state) {
  (void)state;
  uint32_t tok;
  assert_string_equal(norm("RT @someone: Vote   NOW\tfor @cand https://t.co/abc  Ünïcode", &tok), "vote now for ünïcode");
  assert_int_equal(tok, 4);
  assert_string_equal(norm("  Hello\n\nWORLD  ", &tok), "hello world");
  assert_string_equal(norm("RTX cards are great", &tok), "rtx cards are great"); /* only a leading "RT " is removed */
  assert_string_equal(norm("time: 5pm", &tok), "time: 5pm");
  assert_string_equal(norm("@a @b http://x.y", &tok), "");
  assert_int_equal(tok, 0);
}

static const char *url(const char *in) {
  static char out[512];
  return ls_url_normalize(in, out, sizeof out) ? out : "(none)";
}

static void test_drop_hashtags(void **state) {
  (void)state;
  char s[64];
  uint32_t tok;
  strcpy(s, "#goal what a strike #clubfc #");
  size_t n = ls_text_drop_hashtags(s, strlen(s), &tok);
  assert_string_equal(s, "what a strike #"); /* a lone '#' is a word, not a hashtag */
  assert_int_equal(n, strlen(s));
  assert_int_equal(tok, 4);
  strcpy(s, "#only #tags");
  assert_int_equal(ls_text_drop_hashtags(s, strlen(s), &tok), 0);
  assert_string_equal(s, "");
  assert_int_equal(tok, 0);
  strcpy(s, "no tags here");
  assert_int_equal(ls_text_drop_hashtags(s, strlen(s), &tok), 12);
  assert_int_equal(tok, 3);
}

static void test_url(void **state) {
  (void)state;
  assert_string_equal(url("HTTPS://Example.COM:443/Path/?utm_source=tw&id=7&fbclid=x#frag"), "https://example.com/Path?id=7");
  assert_string_equal(url("http://example.com:80/"), "http://example.com");
  assert_string_equal(url("http://example.com:8080/a/"), "http://example.com:8080/a");
  assert_string_equal(url("https://example.com/?utm_medium=a&utm_campaign=b"), "https://example.com");
  assert_string_equal(url("ftp://example.com/x"), "(none)");
  assert_string_equal(url("not a url"), "(none)");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_text), cmocka_unit_test(test_drop_hashtags), cmocka_unit_test(test_url)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
