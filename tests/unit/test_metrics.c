/* Unit tests: the metrics table — histogram buckets (exponential, cumulative when written), the
 * Redis stats hash keeping its historical field names, Prometheus names and types, and label
 * values escaped so that a device name with quotes cannot break the exposition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/metrics.h"
#include "lockstep/pipeline.h"

static void test_histogram_buckets(void **state) {
  (void)state;
  struct ls_histogram h;
  ls_hist_init(&h, 1);
  const double v[] = {0.5, 1, 1.5, 3, 1e9};
  for (int i = 0; i < 5; i++) ls_hist_observe(&h, v[i]);
  assert_int_equal(h.le[0], 2); /* <= 1 */
  assert_int_equal(h.le[1], 1); /* <= 2 */
  assert_int_equal(h.le[2], 1); /* <= 4 */
  assert_int_equal(h.count, 5); /* 1e9 only in +Inf */
  assert_true(h.sum > 1e9);
}

static char *render(const struct ls_pipeline_stats *st, const char *device) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  size_t used[1] = {3};
  struct ls_partition_lag lag[2] = {{0, 5}, {7, 0}};
  struct ls_metrics_context ctx = {"1.2.3", "cpu", device, "kafka", 12.5, 1, used, 8192, lag, 2, true};
  ls_metrics_render(st, &ctx, f);
  fclose(f);
  return text;
}

static void test_prometheus_text(void **state) {
  (void)state;
  struct ls_pipeline_stats st = {.tweets = 42, .watermark_ms = 1500, .events_open = 2};
  ls_hist_init(&st.batch_tweets, 1);
  ls_hist_observe(&st.batch_tweets, 3);
  char *t = render(&st, "GPU \"H200\" \\ 0");
  assert_non_null(strstr(t, "# TYPE lockstep_tweets_processed_total counter\nlockstep_tweets_processed_total 42\n"));
  assert_non_null(strstr(t, "lockstep_watermark_seconds 1.5\n")); /* base units */
  assert_non_null(strstr(t, "lockstep_campaign_events_total{state=\"open\"} 2\n"));
  assert_non_null(strstr(t, "lockstep_batch_tweets_bucket{le=\"4\"} 1\n")); /* cumulative */
  assert_non_null(strstr(t, "lockstep_batch_tweets_bucket{le=\"+Inf\"} 1\n"));
  assert_non_null(strstr(t, "device=\"GPU \\\"H200\\\" \\\\ 0\"} 1\n"));
  assert_non_null(strstr(t, "lockstep_kafka_consumer_lag_messages{partition=\"7\"} 0\n"));
  assert_non_null(strstr(t, "lockstep_ring_used_slots{ring=\"0\"} 3\n"));
  assert_null(strstr(t, "lockstep_events ")); /* Redis-only fields stay out */
  free(t);
}

static void test_stats_hash_fields(void **state) {
  (void)state;
  struct ls_pipeline_stats st = {.tweets = 7, .pairs = {1, 2}, .events_open = 1, .events_closed = 1};
  const char *fields[64];
  uint64_t values[64];
  int n = ls_metrics_stats_fields(&st, fields, values, 64);
  int seen = 0;
  for (int i = 0; i < n; i++) {
    if (!strcmp(fields[i], "tweets_processed")) seen += values[i] == 7;
    if (!strcmp(fields[i], "coordinated_actions")) seen += values[i] == 3;
    if (!strcmp(fields[i], "events")) seen += values[i] == 2;
    assert_null(strstr(fields[i], "_total")); /* the hash keeps its own names */
  }
  assert_int_equal(seen, 3);
  assert_int_equal(ls_metrics_stats_fields(&st, fields, values, 2), 2); /* never past max */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_histogram_buckets), cmocka_unit_test(test_prometheus_text),
                                     cmocka_unit_test(test_stats_hash_fields)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
