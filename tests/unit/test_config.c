/* Unit tests: configuration — defaults, INI files, --set, and errors that name the key, the
 * value and the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/config.h"

static const char *write_file(const char *text) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/lockstep-test-%d.conf", (int)getpid());
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_defaults_and_set(void **state) {
  (void)state;
  struct ls_config c;
  struct ls_err e;
  ls_config_defaults(&c);
  assert_string_equal(c.kafka.input_topic, "tweets");
  assert_string_equal(c.redis.prefix, "lockstep:");
  assert_true(c.signal[LS_SIG_RETWEET].enabled && c.detect.min_accounts == 5);
  assert_int_equal(ls_config_set(&c, "kafka.brokers=10.0.0.5:9092,10.0.0.6:9092", &e), LS_OK);
  assert_string_equal(c.kafka.brokers, "10.0.0.5:9092,10.0.0.6:9092");
  assert_int_equal(ls_config_set(&c, "co_link.enabled=false", &e), LS_OK);
  assert_false(c.signal[LS_SIG_LINK].enabled);
  assert_int_equal(ls_config_set(&c, "embed.similarity_threshold=0.85", &e), LS_OK);
  assert_true(c.embed.similarity_threshold == 0.85);
  assert_int_equal(ls_config_check(&c, &e), LS_OK);
}

static void expect_set_error(const char *a, const char *needle) {
  struct ls_config c;
  struct ls_err e;
  ls_config_defaults(&c);
  assert_int_equal(ls_config_set(&c, a, &e), LS_EINVAL);
  if (!strstr(e.msg, needle)) fail_msg("\"%s\" does not mention \"%s\"", e.msg, needle);
}

static void test_bad_values(void **state) {
  (void)state;
  expect_set_error("kafka.nonsense=1", "unknown key kafka.nonsense");
  expect_set_error("redis.max_pending=8", "redis.max_pending is now output.max_pending");
  expect_set_error("detect.min_accounts=abc", "not an integer");
  expect_set_error("detect.min_accounts=1", "outside");
  expect_set_error("redis.enabled=maybe", "not a boolean");
  expect_set_error("embed.similarity_threshold=1.5", "outside");
  expect_set_error("novalue", "section.key=value");
  struct ls_config c;
  struct ls_err e;
  ls_config_defaults(&c);
  ls_config_set(&c, "kafka.output_format=xml", &e);
  assert_int_equal(ls_config_check(&c, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, "output_format"));
}

static void test_file(void **state) {
  (void)state;
  struct ls_config c;
  struct ls_err e;
  ls_config_defaults(&c);
  const char *p = write_file("; comment\n[redis]\nport = 7000\nprefix = ls2:\n\n[co_tweet]\nwindow_s = 120\n");
  assert_int_equal(ls_config_load(&c, p, &e), LS_OK);
  assert_true(c.redis.port == 7000 && c.signal[LS_SIG_TWEET].window_s == 120);
  assert_string_equal(c.redis.prefix, "ls2:");
  p = write_file("[redis]\nport = 7000\n[detect]\nmin_acounts = 3\n");
  assert_int_equal(ls_config_load(&c, p, &e), LS_EINVAL);
  assert_non_null(strstr(e.msg, ":4: unknown key detect.min_acounts"));
  unlink(p);
  assert_int_equal(ls_config_load(&c, "/nonexistent/lockstep.conf", &e), LS_EIO);
  assert_non_null(strstr(e.msg, "/nonexistent/lockstep.conf"));
}

static void test_reload(void **state) {
  (void)state;
  struct ls_config running, fresh;
  ls_config_defaults(&running);
  fresh = running;
  fresh.detect.min_score = 0.9;                     /* live */
  snprintf(fresh.output.level, sizeof fresh.output.level, "debug"); /* live */
  snprintf(fresh.kafka.brokers, sizeof fresh.kafka.brokers, "elsewhere:9092"); /* restart */
  fresh.detect.max_edges = 5;                       /* a capacity: restart */
  char live[256], fixed[256];
  assert_int_equal(ls_config_reload(&running, &fresh, live, sizeof live, fixed, sizeof fixed), 2);
  assert_true(running.detect.min_score == 0.9);
  assert_string_equal(running.output.level, "debug");
  assert_string_equal(running.kafka.brokers, "127.0.0.1:9092"); /* kept */
  assert_string_equal(live, "detect.min_score, log.level");
  assert_string_equal(fixed, "kafka.brokers, detect.max_edges");
  assert_int_equal(ls_config_reload(&running, &running, live, sizeof live, fixed, sizeof fixed), 0);
  assert_string_equal(fixed, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults_and_set), cmocka_unit_test(test_bad_values),
                                     cmocka_unit_test(test_file), cmocka_unit_test(test_reload)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
