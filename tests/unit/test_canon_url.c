/* Unit tests: canonical link keys (canon_url.h) — each disguise of a link alone gives the plain
 * link's key, different links stay apart, malformed and oversized inputs give no key, and the
 * drop list is configurable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lockstep/canon_url.h"

static struct ls_urlcanon *uc;

static int setup(void **state) {
  (void)state;
  struct ls_err err;
  if (ls_urlcanon_create(&uc, NULL, &err) != LS_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ls_urlcanon_destroy(uc);
  return 0;
}

static const char *key_with(struct ls_urlcanon *c, const char *in) {
  static char out[4096];
  int n = ls_url_canon(c, in, out, sizeof out);
  if (n == 0) return "(none)";
  assert_int_equal((size_t)n, strlen(out));
  return out;
}

static const char *key(const char *in) { return key_with(uc, in); }

static void same(const char *a, const char *b) {
  char ka[4096];
  snprintf(ka, sizeof ka, "%s", key(a));
  assert_string_not_equal(ka, "(none)");
  assert_string_equal(ka, key(b));
}

#define PLAIN "https://example.com/news/story?id=7"

static void test_plain(void **state) {
  (void)state;
  assert_string_equal(key(PLAIN), "example.com/news/story?id=7");
  assert_string_equal(key("http://example.com"), "example.com/");
  assert_string_equal(key("HTTPS://www.Example.COM:443/a/./b/../%7Ex/?utm_source=tw&b=2&a=1#top"),
                      "example.com/a/~x?a=1&b=2");
}

static void test_disguises(void **state) {
  (void)state;
  same("http://example.com/news/story?id=7", PLAIN);      /* http / https */
  same("https://www.example.com/news/story?id=7", PLAIN); /* www. */
  same("https://WWW.example.com/news/story?id=7", PLAIN);
  same("https://m.example.com/news/story?id=7", PLAIN);      /* m. */
  same("https://mobile.example.com/news/story?id=7", PLAIN); /* mobile. */
  same("https://ExAmPle.CoM/news/story?id=7", PLAIN);        /* host case */
  same("https://example.com./news/story?id=7", PLAIN);       /* trailing dot */
  same("https://example.com:443/news/story?id=7", PLAIN);    /* default ports */
  same("http://example.com:80/news/story?id=7", PLAIN);
  same("https://user:pw@example.com/news/story?id=7", PLAIN);     /* userinfo */
  same("https://example.com/%6Eews/st%6fry?id=7", PLAIN);         /* escaped unreserved */
  same("https://example.com/news/./x/../story?id=7", PLAIN);      /* dot segments */
  same("https://example.com/news/%2e%2E/news/story?id=7", PLAIN); /* escaped dot segments */
  same("https://example.com/news/story?id=7#comments", PLAIN);    /* fragment */
  same("https://example.com/news/story?utm_source=tw&id=7&utm_medium=social&utm_campaign=x", PLAIN);
  same("https://example.com/news/story?id=7&fbclid=IwAR0abc", PLAIN);
  same("https://example.com/news/story?s=20&t=abc&id=7&ref=share&si=q&feature=share&share=1", PLAIN);
  same("https://example.com/news/story?id=7&gclid=1&igshid=2&_ga=3&ref_src=twsrc", PLAIN);
  same("https://example.com/news/story?UTM_Source=tw&id=7", PLAIN); /* names case-insensitive */
  same("https://example.com/news/story/?id=7", PLAIN);              /* trailing slash */
  same("https://example.com/news/story//?id=7", PLAIN);
  same("https://example.com/news/story?id=7&", PLAIN); /* empty parameters */
  same("https://example.com/news/story?&&id=7", PLAIN);
  same("https://example.com/news/story?i%64=7", PLAIN); /* escaped parameter name */
  /* parameter order */
  same("https://example.com/p?b=2&a=1&c=3", "https://example.com/p?a=1&b=2&c=3");
  same("https://example.com/p?a=2&a=1", "https://example.com/p?a=1&a=2");
  /* empty path, empty query */
  same("https://example.com", "https://example.com/");
  same("https://example.com/?", "https://example.com");
  same("https://example.com/?utm_source=x", "https://example.com");
  /* escapes: hex case, non-ASCII raw or escaped */
  same("https://example.com/a%2fb", "https://example.com/a%2Fb");
  same("https://example.com/caf\xc3\xa9", "https://example.com/caf%c3%a9");
  assert_string_equal(key("https://example.com/caf%C3%A9?q=%e2%82%ac"), "example.com/caf%C3%A9?q=%E2%82%AC");
  same("https://example.com/~user", "https://example.com/%7Euser");
  same("https://example.com/A", "https://example.com/%41");
  /* IDN hosts */
  same(
      "https://b\xc3\xbc"
      "cher.de/x",
      "https://xn--bcher-kva.de/x");
  same("https://\xef\xbd\x85xample.com/x", "https://example.com/x"); /* fullwidth e */
  same(
      "https://b\xc3\xbc"
      "cher\xe3\x80\x82"
      "de/x",
      "https://xn--bcher-kva.de/x"); /* ideographic full stop */
}

static void test_different(void **state) {
  (void)state;
  const char *k[] = {
      "https://example.com/news/story?id=7",
      "https://example.com/news/story?id=8",
      "https://example.com/news/Story?id=7",
      "https://example.com/news/story2?id=7",
      "https://example.com/news/story?id=7&page=2",
      "https://example.com:8443/news/story?id=7",
      "https://example.org/news/story?id=7",
      "https://news.example.com/news/story?id=7",
      "https://example.com/news/story",
      "https://example.com/news/story?id=7&id=7",
      "https://example.com/a%2Fb",
      "https://example.com/a/b",
      "https://example.com/a+b",
      "https://example.com/a%20b",
  };
  size_t n = sizeof k / sizeof *k;
  char keys[sizeof k / sizeof *k][256];
  for (size_t i = 0; i < n; i++) {
    snprintf(keys[i], sizeof keys[i], "%s", key(k[i]));
    assert_string_not_equal(keys[i], "(none)");
    for (size_t j = 0; j < i; j++) assert_string_not_equal(keys[i], keys[j]);
  }
  assert_string_equal(key("https://example.com:8443/x/"), "example.com:8443/x");
  assert_string_equal(key("http://example.com:443/x"), "example.com:443/x"); /* 443 is not http's default */
  assert_string_equal(key("https://m.co/x"), "m.co/x");                      /* no dot after the prefix: kept */
  assert_string_equal(key("https://[2001:DB8::1]:8080/x"), "[2001:db8::1]:8080/x");
  assert_string_equal(key("https://example.com/%00"), "example.com/%00");
}

static void test_malformed(void **state) {
  (void)state;
  const char *bad[] = {
      "",
      "not a url",
      "example.com/x",
      "//example.com/x",
      "http:/example.com/x",
      "/relative/path",
      "ftp://example.com/x",
      "javascript:alert(1)",
      "mailto:a@example.com",
      "http://",
      "https://exa mple.com/x",
      "https://example.com/a b",
      "https://ex<ample.com/x",
      "https://example.com:99999/x",
      "https://example.com:-1/x",
      "https://example.com/%zz",
      "https://example.com/%4",
      "https://example.com/x?a=%g1",
      "https://example.com/\x01",
      "https://example.com/x\n",
      "https://[::1/x",
      "https://\xc3\x28.com/",
      "https://a%2541.com/", /* libcurl decodes it to "a%41.com", which would decode again */
      "https://a~b.com/",
      "https://a|b.com/",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char out[256];
    if (ls_url_canon(uc, bad[i], out, sizeof out) != 0) fail_msg("key for '%s': '%s'", bad[i], out);
  }
  /* does not fit */
  char small[8];
  assert_int_equal(ls_url_canon(uc, PLAIN, small, sizeof small), 0);
  assert_int_equal(ls_url_canon(uc, PLAIN, small, 0), 0);
  /* a relative input after an absolute one is not resolved against it */
  assert_string_not_equal(key("https://example.com/a/b"), "(none)");
  assert_string_equal(key("c/d"), "(none)");
  assert_string_equal(key("http:c/d"), "(none)");
}

/* Every form of an IPv4 address that libcurl reads gives the dotted quad, also those it leaves
 * alone: trailing dots, escapes, IDNA digits, behind "www." (fuzz_canon_url: "127." gave "127",
 * which read back as "0.0.0.127"). */
static void test_ipv4_forms(void **state) {
  (void)state;
  const char *forms[] = {"http://127.0.0.1/",
                         "http://127.1/",
                         "http://127.0.0.1./",
                         "http://127.1../",
                         "http://0x7f.1./",
                         "http://2130706433/",
                         "http://%31%32%37.1/",
                         "http://www.127.1/",
                         "http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97\xe3\x80\x82\xef\xbc\x91/"}; /* fullwidth 127。1 */
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) assert_string_equal(key(forms[i]), "127.0.0.1/");
  assert_string_equal(key("http://127../"), "0.0.0.127/");
  assert_string_equal(key("http://0.0.0.127/"), "0.0.0.127/");
  assert_string_equal(key("http://1.2.3.4.5/"), "1.2.3.4.5/"); /* not an address: a name */
  assert_string_equal(key("http://www.cafe.be/"), "cafe.be/");
}

static void test_long(void **state) {
  (void)state;
  static char u[10 * 1024 + 1];
  strcpy(u, "https://example.com/");
  size_t n = strlen(u);
  while (n < 10 * 1024) u[n++] = 'a';
  u[n] = '\0';
  assert_string_equal(key(u), "(none)"); /* 10 KB */
  u[LS_URL_MAX_BYTES] = '\0';
  assert_string_not_equal(key(u), "(none)"); /* exactly the limit */
  u[LS_URL_MAX_BYTES] = 'a';
  u[LS_URL_MAX_BYTES + 1] = '\0';
  assert_string_equal(key(u), "(none)"); /* one over */
  /* many parameters, every byte escaped */
  strcpy(u, "https://example.com/x?");
  n = strlen(u);
  for (int k = 0; n + 16 < LS_URL_MAX_BYTES; k++) n += (size_t)snprintf(u + n, 16, "p%d=%d&", k % 97, k);
  assert_string_not_equal(key(u), "(none)");
  strcpy(u, "https://example.com/");
  n = strlen(u);
  while (n + 2 < LS_URL_MAX_BYTES) u[n++] = '\xc3', u[n++] = '\xa9';
  u[n] = '\0';
  char out[3 * LS_URL_MAX_BYTES + 64];
  assert_true(ls_url_canon(uc, u, out, sizeof out) > 3 * (LS_URL_MAX_BYTES - 32));
}

static void test_custom_list(void **state) {
  (void)state;
  struct ls_urlcanon *c;
  struct ls_err err;
  assert_int_equal(ls_urlcanon_create(&c, " fbclid , x_* ,", &err), LS_OK);
  assert_string_equal(key_with(c, "https://example.com/p?utm_source=tw&x_a=1&x_=2&fbclid=3&b=4"),
                      "example.com/p?b=4&utm_source=tw");
  ls_urlcanon_destroy(c);
  assert_int_equal(ls_urlcanon_create(&c, "", &err), LS_OK); /* drop nothing */
  assert_string_equal(key_with(c, "https://example.com/p?utm_source=tw&s=1"), "example.com/p?s=1&utm_source=tw");
  ls_urlcanon_destroy(c);
  assert_int_equal(ls_urlcanon_create(&c, "*", &err), LS_OK); /* drop every parameter */
  assert_string_equal(key_with(c, "https://example.com/p?a=1&b=2"), "example.com/p");
  ls_urlcanon_destroy(c);
  assert_int_equal(ls_urlcanon_create(&c, "a=b", &err), LS_EINVAL);
  assert_null(c);
  assert_non_null(strstr(err.msg, "a=b"));
  assert_int_equal(ls_urlcanon_create(&c, "ut*m", &err), LS_EINVAL);
  char many[8 * (LS_URL_MAX_DROP_PARAMS + 1) + 1] = "";
  for (unsigned k = 0; k <= LS_URL_MAX_DROP_PARAMS; k++) snprintf(many + 4 * k, 8, "p%02u,", k % 100);
  assert_int_equal(ls_urlcanon_create(&c, many, &err), LS_EINVAL);
  assert_null(c);
  ls_urlcanon_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain),       cmocka_unit_test(test_disguises),  cmocka_unit_test(test_different),
      cmocka_unit_test(test_malformed),   cmocka_unit_test(test_ipv4_forms), cmocka_unit_test(test_long),
      cmocka_unit_test(test_custom_list),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
